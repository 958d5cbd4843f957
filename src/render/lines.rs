//! `StyledLines`: the styled lines of a layout stored compactly (one text buffer, each
//! span an offset, a length and an index into a small style table; runs of spaces not
//! stored at all) and read back as ratatui `Line`s that borrow from it.
//!
//! A ratatui `Line<'static>` costs a `Vec` of spans, each an owned `String` and a
//! `Style` (~80 bytes a span before its text); kept for every line of every cached
//! layout that was most of a big page's memory. Here a span is 12 bytes and a line 4.

use std::borrow::Cow;
use std::collections::HashMap;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Runs of spaces at least this long are not copied: they borrow from `SPACES`.
const MIN_SPACES: usize = 4;
const SPACE_BYTES: [u8; 512] = [b' '; 512];
/// Padding is at most a line wide (`MAX_WIDTH` columns), so 512 covers every run.
const SPACES: &str = match std::str::from_utf8(&SPACE_BYTES) {
    Ok(s) => s,
    Err(_) => "",
};

/// The top bit of `Run::len`: the run is spaces (from `SPACES`), not in `text`.
const SPACE_FLAG: u32 = 1 << 31;

/// One span: `len` bytes of `text` from `start` (or `len` spaces), in `styles[style]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: u32,
    len: u32,
    style: u32,
}

/// Many styled lines, appended one at a time and read by index.
#[derive(Debug, Clone, Default)]
pub struct StyledLines {
    text: String,
    runs: Vec<Run>,
    /// The index of each line's first run (its runs go to the next line's first).
    starts: Vec<u32>,
    styles: Vec<Style>,
    /// Only while lines are added (`shrink` drops it).
    style_ids: HashMap<Style, u32>,
}

/// An offset that fits the store (a layout is far below 4 GiB; saturates otherwise).
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl StyledLines {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    fn style_id(&mut self, style: Style) -> u32 {
        if let Some(&id) = self.style_ids.get(&style) {
            return id;
        }
        let id = small(self.styles.len());
        self.styles.push(style);
        self.style_ids.insert(style, id);
        id
    }

    /// Append a line made of `spans` (its own style and alignment are the defaults:
    /// the writer never sets them).
    pub fn push(&mut self, spans: &[Span<'_>]) {
        self.starts.push(small(self.runs.len()));
        for s in spans {
            let style = self.style_id(s.style);
            let content: &str = &s.content;
            let spaces = content.len() >= MIN_SPACES
                && content.len() <= SPACES.len()
                && content.bytes().all(|b| b == b' ');
            let run = if spaces {
                Run {
                    start: 0,
                    len: small(content.len()) | SPACE_FLAG,
                    style,
                }
            } else {
                let start = small(self.text.len());
                self.text.push_str(content);
                Run {
                    start,
                    len: small(content.len()) & !SPACE_FLAG,
                    style,
                }
            };
            self.runs.push(run);
        }
    }

    /// Remove the last line.
    pub fn pop(&mut self) {
        let Some(first) = self.starts.pop() else {
            return;
        };
        let first = first as usize;
        if let Some(start) = self.runs[first.min(self.runs.len())..]
            .iter()
            .find(|r| r.len & SPACE_FLAG == 0)
            .map(|r| r.start as usize)
        {
            self.text.truncate(start.min(self.text.len()));
        }
        self.runs.truncate(first);
    }

    fn runs_of(&self, i: usize) -> &[Run] {
        let Some(&first) = self.starts.get(i) else {
            return &[];
        };
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.runs.len(), |&e| e as usize);
        self.runs.get(first as usize..end).unwrap_or(&[])
    }

    fn span(&self, r: &Run) -> Span<'_> {
        let len = (r.len & !SPACE_FLAG) as usize;
        let content = if r.len & SPACE_FLAG != 0 {
            SPACES.get(..len).unwrap_or("")
        } else {
            let start = r.start as usize;
            self.text.get(start..start + len).unwrap_or("")
        };
        Span {
            content: Cow::Borrowed(content),
            style: self
                .styles
                .get(r.style as usize)
                .copied()
                .unwrap_or_default(),
        }
    }

    /// How many spans line `i` has.
    pub fn span_count(&self, i: usize) -> usize {
        self.runs_of(i).len()
    }

    /// Line `i`, borrowing its text from the store.
    pub fn line(&self, i: usize) -> Option<Line<'_>> {
        (i < self.len()).then(|| self.line_from(i, 0))
    }

    /// Line `i` from its span `first` on (empty when out of range).
    pub fn line_from(&self, i: usize, first: usize) -> Line<'_> {
        let runs = self.runs_of(i);
        Line::from(
            runs.get(first..)
                .unwrap_or(&[])
                .iter()
                .map(|r| self.span(r))
                .collect::<Vec<_>>(),
        )
    }

    /// The text of line `i` without styles.
    pub fn text(&self, i: usize) -> Cow<'_, str> {
        let runs = self.runs_of(i);
        if runs.iter().all(|r| r.len & SPACE_FLAG == 0) {
            // Stored back to back: one slice.
            let start = runs.first().map_or(0, |r| r.start as usize);
            let end = runs.last().map_or(0, |r| r.start as usize + r.len as usize);
            return Cow::Borrowed(self.text.get(start..end).unwrap_or(""));
        }
        Cow::Owned(runs.iter().map(|r| self.span(r).content).collect())
    }

    /// Whether line `i` is empty or only whitespace.
    pub fn is_blank(&self, i: usize) -> bool {
        self.runs_of(i)
            .iter()
            .all(|r| r.len & SPACE_FLAG != 0 || self.span(r).content.trim().is_empty())
    }

    /// Drop the spare capacity and the builder's style map (the layout is done).
    pub fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.runs.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.styles.shrink_to_fit();
        self.style_ids = HashMap::new();
    }

    /// Bytes this store holds on the heap (its buffers' capacities).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.runs.capacity() * size_of::<Run>()
            + self.starts.capacity() * size_of::<u32>()
            + self.styles.capacity() * size_of::<Style>()
            + self.style_ids.capacity() * (size_of::<Style>() + size_of::<u32>() + 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    fn spans() -> Vec<Span<'static>> {
        vec![
            Span::styled("│", Style::default().fg(Color::Red)),
            Span::raw(" "),
            Span::styled("code", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw("        "),
            Span::raw(""),
            Span::styled("│", Style::default().fg(Color::Red)),
        ]
    }

    #[test]
    fn lines_read_back_as_they_were_written() {
        let mut s = StyledLines::default();
        s.push(&spans());
        s.push(&[]);
        s.push(&[Span::raw("plain")]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.line(0), Some(Line::from(spans())));
        assert_eq!(s.line(1), Some(Line::default()));
        assert_eq!(s.line(2), Some(Line::from("plain")));
        assert_eq!(s.line(3), None);
        assert_eq!(s.text(0), "│ code        │");
        assert_eq!(s.text(2), "plain");
        assert_eq!(s.line_from(0, 2), Line::from(spans()[2..].to_vec()));
        assert_eq!(s.span_count(0), 6);
        // The padding was not copied; one red style shared by both borders.
        assert_eq!(s.text.len(), "│ code│plain".len());
        assert_eq!(s.styles.len(), 3);
        assert!(s.is_blank(1) && !s.is_blank(0));
    }

    #[test]
    fn pop_removes_the_last_line_and_its_text() {
        let mut s = StyledLines::default();
        s.push(&[Span::raw("keep")]);
        s.push(&spans());
        s.push(&[Span::raw("          ")]);
        assert!(s.is_blank(2));
        s.pop();
        s.pop();
        assert_eq!(s.len(), 1);
        assert_eq!(s.text, "keep");
        s.push(&[Span::raw("next")]);
        assert_eq!(s.text(1), "next");
        s.pop();
        s.pop();
        s.pop();
        assert!(s.is_empty());
    }
}
