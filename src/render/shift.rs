//! Wide code moved sideways inside its frame: the line a reader draws for a row of a
//! wide code block at a horizontal offset (the frame, its background and whatever
//! surrounds it stay put), and the block's top border saying where you are
//! (`◀ 17–96 / 109 ▶`). Pure functions of a cached `Rendered` and the offset.

use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;

use super::code::CLIP_MARKER;
use super::width::{grapheme_width, str_width};
use super::{Rendered, WideBlock};

impl WideBlock {
    /// How far this block moves for a page-wide offset of `hscroll` columns.
    pub fn offset(&self, hscroll: u16) -> u16 {
        hscroll.min(self.natural.saturating_sub(self.inner))
    }

    /// Where the frame's window is: `◀ 17–96 / 109 ▶` (an arrow on each side that has
    /// more), or the short `17–96` when the long form does not fit.
    fn position(&self, hscroll: u16, long: bool) -> Vec<Span<'static>> {
        let off = self.offset(hscroll);
        let first = u32::from(off) + 1;
        let last = u32::from(off) + u32::from(self.inner);
        let mut spans = vec![Span::styled(" ", self.border)];
        if off > 0 {
            spans.push(Span::styled("◀ ", self.marker));
        }
        let range = if long {
            format!("{first}–{last} / {}", self.natural)
        } else {
            format!("{first}–{last}")
        };
        spans.push(Span::styled(range, self.border));
        if last < u32::from(self.natural) {
            spans.push(Span::styled(" ▶", self.marker));
        }
        spans.push(Span::styled(" ", self.border));
        spans
    }
}

/// Where a wide code row's text is drawn: columns `x..x + width` of the line show
/// `code` from column `offset` on (for marking search hits in what is visible).
#[derive(Debug, Clone)]
pub struct CodeWindow<'a> {
    pub x: u16,
    pub width: u16,
    pub code: Line<'a>,
    pub offset: u16,
}

impl Rendered {
    /// Line `i`'s code window at `hscroll`, when it is a row of a wide code block.
    pub fn code_window(&self, i: usize, hscroll: u16) -> Option<CodeWindow<'_>> {
        let k = self.wide.binary_search_by_key(&i, |w| w.line).ok()?;
        let w = &self.wide[k];
        let b = self.wide_blocks.get(w.block)?;
        Some(CodeWindow {
            x: b.x,
            width: b.inner,
            code: self.wide_code(w),
            offset: b.offset(hscroll),
        })
    }

    /// The farthest any wide code block of this page can move sideways.
    pub fn hscroll_max(&self) -> u16 {
        self.wide_blocks
            .iter()
            .map(|b| b.natural.saturating_sub(b.inner))
            .max()
            .unwrap_or(0)
    }

    /// Line `i` as drawn with wide code moved `hscroll` columns: a wide block's top
    /// border with its position, or its row shifted inside the frame. `None` when the
    /// line is drawn as rendered.
    pub fn line_at(&self, i: usize, hscroll: u16) -> Option<Line<'static>> {
        let line = self.line(i)?;
        if let Some(b) = self.wide_blocks.iter().find(|b| b.top == Some(i)) {
            return top_border(&line, b, hscroll);
        }
        if hscroll == 0 {
            return None;
        }
        let k = self.wide.binary_search_by_key(&i, |w| w.line).ok()?;
        let w = &self.wide[k];
        let b = self.wide_blocks.get(w.block)?;
        let off = b.offset(hscroll);
        if off == 0 {
            return None;
        }
        let x = usize::from(b.x);
        let inner = usize::from(b.inner);
        let shown = window(&self.wide_code(w), usize::from(off), inner, b);
        Some(splice(&line, x, x + inner, shown))
    }
}

/// The top border with the window's position written into its run of `─` just
/// before the corner; unchanged (`None`) when no form fits beside the label.
fn top_border(line: &Line<'_>, b: &WideBlock, hscroll: u16) -> Option<Line<'static>> {
    let end = usize::from(b.x) + usize::from(b.inner);
    for long in [true, false] {
        let pos = b.position(hscroll, long);
        let w: usize = pos.iter().map(|s| str_width(&s.content)).sum();
        let Some(start) = end.checked_sub(w) else {
            continue;
        };
        if all_rule(line, start, end) {
            return Some(splice(line, start, end, pos));
        }
    }
    None
}

/// Whether columns `start..end` of `line` are all `─` (free border to write on).
fn all_rule(line: &Line<'_>, start: usize, end: usize) -> bool {
    let mut col = 0;
    let mut seen = 0;
    for span in &line.spans {
        for g in span.content.graphemes(true) {
            if col >= start && col < end {
                if g != "─" {
                    return false;
                }
                seen += 1;
            }
            col += grapheme_width(g);
        }
    }
    seen == end - start
}

/// `width` columns of `code` from column `skip` on, padded with the block's background;
/// the last column is `…` when more follows.
fn window(code: &Line<'_>, skip: usize, width: usize, b: &WideBlock) -> Vec<Span<'static>> {
    let total = code.width();
    let more = total > skip + width;
    let room = if more { width.saturating_sub(1) } else { width };
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut col = 0;
    let mut used = 0;
    for span in &code.spans {
        let mut kept = String::new();
        for g in span.content.graphemes(true) {
            let w = grapheme_width(g);
            let from = col;
            col += w;
            if col <= skip {
                continue;
            }
            if from < skip || used + w > room {
                // A wide grapheme cut by an edge: spaces keep the columns aligned.
                let part = if from < skip { col - skip } else { room - used };
                let part = part.min(room - used);
                kept.push_str(&" ".repeat(part));
                used += part;
                if used >= room {
                    break;
                }
                continue;
            }
            kept.push_str(g);
            used += w;
        }
        if !kept.is_empty() {
            out.push(Span::styled(kept, span.style));
        }
        if used >= room {
            break;
        }
    }
    if used < room {
        out.push(Span::styled(" ".repeat(room - used), b.fill));
    }
    if more && width > 0 {
        out.push(Span::styled(CLIP_MARKER, b.marker));
    }
    out
}

/// `line` with columns `start..end` replaced by `with` (as wide as the range); a wide
/// grapheme cut by either edge leaves spaces in its style.
fn splice(line: &Line<'_>, start: usize, end: usize, with: Vec<Span<'static>>) -> Line<'static> {
    let mut before: Vec<Span<'static>> = Vec::new();
    let mut after: Vec<Span<'static>> = Vec::new();
    let mut col = 0;
    for span in &line.spans {
        let (mut pre, mut post) = (String::new(), String::new());
        for g in span.content.graphemes(true) {
            let w = grapheme_width(g);
            let from = col;
            col += w;
            if col <= start {
                pre.push_str(g);
            } else if from >= end {
                post.push_str(g);
            } else {
                if from < start {
                    pre.push_str(&" ".repeat(start - from));
                }
                if col > end {
                    post.push_str(&" ".repeat(col - end));
                }
            }
        }
        if !pre.is_empty() {
            before.push(Span::styled(pre, span.style));
        }
        if !post.is_empty() {
            after.push(Span::styled(post, span.style));
        }
    }
    before.extend(with);
    before.extend(after);
    Line::from(before).style(line.style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::markdown;
    use crate::render::{RenderOptions, render};
    use crate::theme::ThemeKind;

    fn wide_doc() -> Rendered {
        let long: String = (0..10).map(|i| format!("word{i:02}-")).collect();
        let md = format!("Intro.\n\n```bash\necho short\n{long}end\n```\n\nAfter.\n");
        let (doc, _) = markdown::parse(&md);
        render(
            &doc,
            RenderOptions {
                width: 40,
                theme: ThemeKind::Dark,
                plain: false,
            },
        )
    }

    fn text(l: &Line<'_>) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_whole_block_moves_inside_a_frame_that_stays() {
        let r = wide_doc();
        assert_eq!(r.wide_blocks.len(), 1);
        let b = &r.wide_blocks[0];
        let top = b.top.expect("framed");
        let (short, long) = (top + 1, top + 2);
        let at0: Vec<String> = r.lines().map(|l| text(&l)).collect();
        let h = 14;
        let s = text(&r.line_at(short, h).expect("short rows move too"));
        let l = text(&r.line_at(long, h).expect("long row moves"));
        // Borders stay in their columns, rows keep their width.
        for (moved, was) in [(&s, &at0[short]), (&l, &at0[long])] {
            assert_eq!(str_width(moved), str_width(was), "{moved:?}");
            assert!(
                moved.starts_with("│ ") && moved.ends_with(" │"),
                "{moved:?}"
            );
        }
        // "echo short" is 10 columns: shifted by 14 it is gone, only background left.
        assert_eq!(s.trim_matches(['│', ' ']), "");
        assert!(l.starts_with("│ word02-word03"), "{l:?}");
        assert!(!l.contains("word01"), "{l:?}");
        // Lines outside the block are not touched.
        assert_eq!(r.line_at(top + 4, h), None);
    }

    #[test]
    fn the_top_border_says_where_the_window_is() {
        let r = wide_doc();
        let b = &r.wide_blocks[0];
        let top = b.top.unwrap_or(0);
        let (inner, natural) = (b.inner, b.natural);
        let t0 = text(&r.line_at(top, 0).expect("position at 0"));
        assert!(t0.contains(&format!(" 1–{inner} / {natural} ▶ ")), "{t0:?}");
        assert!(!t0.contains('◀'));
        let end = r.hscroll_max();
        assert_eq!(end, natural - inner);
        let te = text(&r.line_at(top, u16::MAX).expect("position at the end"));
        assert!(
            te.contains(&format!("◀ {}–{natural} / {natural} ", end + 1)),
            "{te:?}"
        );
        assert!(!te.contains('▶'));
        assert!(te.starts_with("╭─ bash ") && te.ends_with("─╮"), "{te:?}");
        assert_eq!(str_width(&te), str_width(&r.line_text(top)));
    }

    #[test]
    fn splice_keeps_columns_around_a_cut_wide_grapheme() {
        let line = Line::from(vec![Span::raw("ab界cd")]);
        let out = splice(&line, 3, 4, vec![Span::raw("X")]);
        // 界 spans columns 2–3; replacing column 3 leaves a space at column 2.
        assert_eq!(text(&out), "ab Xcd");
    }
}
