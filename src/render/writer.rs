//! The writer: emits rendered lines under a stack of frames (quote bars, list
//! indents, component boxes), keeping every line within the width and recording
//! link columns, anchors and clipped code lines.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::inline::Links;
use super::style::Palette;
use super::width::{grapheme_width, str_width};
use super::wrap::{Row, row_width};
use super::{Anchor, LinkSpan, Rendered, WideBlock, WideLine};
use crate::content::images::Previews;
use unicode_segmentation::UnicodeSegmentation;

/// Content always keeps at least this many columns (or half the width on narrow
/// screens): frames nested deeper than that stop indenting.
const MIN_CONTENT: usize = 10;

/// A nesting level's decoration: a left prefix (`first` on the level's first line,
/// `rest` after: a list bullet and its hanging indent, or a quote bar twice) and an
/// optional right border. `first` and `rest` have the same width.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub first: Vec<Span<'static>>,
    pub rest: Vec<Span<'static>>,
    pub suffix: Vec<Span<'static>>,
    first_used: bool,
    prefix_w: usize,
    suffix_w: usize,
    /// Style patched under paragraph text inside this frame (quotes are italic).
    pub base: Style,
}

impl Frame {
    pub fn new(first: Vec<Span<'static>>, rest: Vec<Span<'static>>) -> Self {
        let prefix_w = first.iter().map(|s| str_width(&s.content)).sum();
        Self {
            first,
            rest,
            suffix: Vec::new(),
            first_used: false,
            prefix_w,
            suffix_w: 0,
            base: Style::default(),
        }
    }

    pub fn with_suffix(mut self, suffix: Vec<Span<'static>>) -> Self {
        self.suffix_w = suffix.iter().map(|s| str_width(&s.content)).sum();
        self.suffix = suffix;
        self
    }

    pub fn with_base(mut self, base: Style) -> Self {
        self.base = base;
        self
    }
}

pub(crate) struct Writer<'p> {
    pub pal: &'p Palette,
    /// Decoded local images, by `src`.
    pub images: &'p Previews,
    pub links: Links,
    width: usize,
    frames: Vec<Frame>,
    /// How many outer frames are drawn; deeper ones take no columns.
    visible: usize,
    out: Rendered,
    /// A block has ended: the next block starts after one blank line.
    gap: bool,
    /// Nesting depth of lists (bullet shapes).
    pub list_depth: usize,
    /// The last line emitted ends inside a word the next row goes on with.
    join_next: bool,
}

impl<'p> Writer<'p> {
    pub fn new(pal: &'p Palette, width: usize, images: &'p Previews) -> Self {
        Self {
            pal,
            images,
            links: Links::default(),
            width: width.max(1),
            frames: Vec::new(),
            visible: 0,
            out: Rendered::default(),
            gap: false,
            list_depth: 0,
            join_next: false,
        }
    }

    fn budget(&self) -> usize {
        let min_content = MIN_CONTENT.min(self.width).max(self.width / 2);
        self.width.saturating_sub(min_content)
    }

    /// Columns available for content under the current frames.
    pub fn avail(&self) -> usize {
        let used: usize = self.frames[..self.visible]
            .iter()
            .map(|f| f.prefix_w + f.suffix_w)
            .sum();
        self.width.saturating_sub(used).max(1)
    }

    /// The style paragraph text starts from under the current frames.
    pub fn base(&self) -> Style {
        self.frames
            .iter()
            .fold(self.pal.text, |acc, f| acc.patch(f.base))
    }

    pub fn push(&mut self, frame: Frame) {
        let used: usize = self.frames[..self.visible]
            .iter()
            .map(|f| f.prefix_w + f.suffix_w)
            .sum();
        let fits = self.visible == self.frames.len()
            && used + frame.prefix_w + frame.suffix_w <= self.budget();
        self.frames.push(frame);
        if fits {
            self.visible = self.frames.len();
        }
    }

    pub fn pop(&mut self) {
        self.frames.pop();
        self.visible = self.visible.min(self.frames.len());
    }

    /// Start a block: one blank line if a block came before it.
    pub fn begin_block(&mut self) {
        if self.gap && !self.out.rows.is_empty() {
            self.blank();
        }
        self.gap = false;
    }

    pub fn end_block(&mut self) {
        self.gap = true;
    }

    pub fn clear_gap(&mut self) {
        self.gap = false;
    }

    /// A blank line under the current frames (quote bars stay, indents go).
    pub fn blank(&mut self) {
        let has_suffix = self.frames[..self.visible]
            .iter()
            .any(|f| !f.suffix.is_empty());
        self.line(Vec::new(), None, !has_suffix, false);
    }

    /// Emit one content row (at most `avail()` wide).
    pub fn emit(&mut self, row: Row) {
        self.line(row, None, false, true);
    }

    /// Emit a wrapped row that may end inside a word the next row goes on with
    /// (`wrap_marked`); the join is recorded when that next row is emitted.
    pub fn emit_marked(&mut self, (row, broken): (Row, bool)) {
        self.line(row, None, false, true);
        self.join_next = broken;
    }

    /// Emit a row of wide code block `block`: `full` is its unclipped form (frame and
    /// whole code), whose last `code_len` pieces are the whole code text, which starts
    /// at column `code_x` of `row`.
    pub fn emit_wide(&mut self, row: Row, full: Row, code_len: usize, code_x: usize, block: usize) {
        self.line(row, Some((full, code_len, code_x, block)), false, true);
    }

    /// Register a wide code block; its rows are then emitted with `emit_wide`.
    pub fn wide_block(&mut self, block: WideBlock) -> usize {
        self.out.wide_blocks.push(block);
        self.out.wide_blocks.len() - 1
    }

    /// A top-level block of the document starts here.
    pub fn top_level_block(&mut self) {
        let line = self.out.rows.len();
        self.out.blocks.push(line);
    }

    /// The index the next emitted line will have.
    pub fn next_line(&self) -> usize {
        self.out.rows.len()
    }

    /// Record a picture whose half-block rows are the next `rows` lines, `col` columns
    /// into the content (after the current frames' prefixes).
    pub fn picture(&mut self, src: &str, col: usize, cols: usize, rows: usize) {
        let indent: usize = self.frames[..self.visible].iter().map(|f| f.prefix_w).sum();
        let clamp = |n: usize| n.min(usize::from(u16::MAX)) as u16;
        self.out.pictures.push(super::PictureSpan {
            line: self.out.rows.len(),
            col: clamp(indent + col),
            cols: clamp(cols),
            rows: clamp(rows),
            src: src.to_string(),
        });
    }

    /// Record a heading anchor on the next line to be emitted.
    /// Lines emitted so far: the index the next line gets.
    pub fn line_count(&self) -> usize {
        self.out.rows.len()
    }

    /// Record a code block laid out from line `first` on.
    pub fn code(&mut self, code: super::CodeSpan) {
        self.out.code.push(code);
    }

    pub fn anchor(&mut self, level: u8, id: String, title: String) {
        self.out.anchors.push(Anchor {
            line: self.out.rows.len(),
            level,
            id,
            title,
        });
    }

    fn prefix_spans(&mut self, consume: bool) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        for f in &mut self.frames[..self.visible] {
            if f.first_used || !consume {
                spans.extend(f.rest.iter().cloned());
            } else {
                spans.extend(f.first.iter().cloned());
            }
        }
        if consume {
            for f in &mut self.frames {
                f.first_used = true;
            }
        }
        spans
    }

    fn line(
        &mut self,
        row: Row,
        full: Option<(Row, usize, usize, usize)>,
        trim: bool,
        consume: bool,
    ) {
        let plain = self.pal.plain;
        let fix = |s: Style| if plain { Style::default() } else { s };
        let mut spans = self.prefix_spans(consume);
        let prefix_w: usize = spans.iter().map(|s| str_width(&s.content)).sum();
        if std::mem::take(&mut self.join_next)
            && let Some(line) = self.out.rows.len().checked_sub(1)
        {
            let col = u16::try_from(prefix_w).unwrap_or(u16::MAX);
            self.out.joins.push(super::Join { line, col });
        }
        let prefix = if full.is_some() {
            spans.clone()
        } else {
            Vec::new()
        };
        let line_no = self.out.rows.len();
        let mut col = prefix_w;
        let avail = self.avail();
        let content_w = row_width(&row);
        let mut links = Vec::new();
        for p in &row {
            let w = str_width(&p.text);
            if let Some(id) = p.link
                && let Some(url) = self.links.urls.get(id)
            {
                links.push(LinkSpan {
                    line: line_no,
                    start: col as u16,
                    end: (col + w) as u16,
                    url: url.clone(),
                });
            }
            col += w;
            spans.push(Span::styled(p.text.clone(), fix(p.style)));
        }
        let suffixes: Vec<Span<'static>> = self.frames[..self.visible]
            .iter()
            .rev()
            .flat_map(|f| f.suffix.iter().cloned())
            .collect();
        if !suffixes.is_empty() {
            if content_w < avail {
                spans.push(Span::raw(" ".repeat(avail - content_w)));
            }
            spans.extend(suffixes);
        }
        if trim {
            trim_end(&mut spans);
        }
        let mut line = Line::from(spans);
        clip_line(&mut line, self.width);
        for l in &mut links {
            l.end = l.end.min(self.width as u16);
        }
        self.out
            .links
            .extend(links.into_iter().filter(|l| l.start < l.end));
        if let Some((full, code_len, code_x, block)) = full {
            // The full line starts with the same prefix as the drawn one.
            let mut fspans = prefix;
            fspans.extend(
                full.iter()
                    .map(|p| Span::styled(p.text.clone(), fix(p.style))),
            );
            // The code text is the last `code_len` spans of the full line.
            let code_at = fspans.len().saturating_sub(code_len);
            if let Some(b) = self.out.wide_blocks.get_mut(block) {
                b.x = u16::try_from(prefix_w + code_x).unwrap_or(u16::MAX);
            }
            let full = u32::try_from(self.out.wide_rows.len()).unwrap_or(u32::MAX);
            self.out.wide_rows.push(&fspans);
            self.out.wide.push(WideLine {
                line: line_no,
                full,
                code_at: u32::try_from(code_at).unwrap_or(u32::MAX),
                block,
            });
        }
        self.out.rows.push(&line.spans);
    }

    pub fn finish(mut self) -> Rendered {
        while let Some(last) = self.out.rows.len().checked_sub(1)
            && self.out.rows.is_blank(last)
        {
            self.out.rows.pop();
        }
        self.out.rows.shrink();
        self.out.wide_rows.shrink();
        let n = self.out.rows.len();
        self.out.anchors.retain(|a| a.line < n);
        self.out.links.retain(|l| l.line < n);
        self.out.wide.retain(|w| w.line < n);
        self.out.code.retain(|c| c.line < n);
        self.out.blocks.retain(|&b| b < n);
        self.out.joins.retain(|j| j.line + 1 < n);
        for b in &mut self.out.wide_blocks {
            b.top = b.top.filter(|&t| t < n);
        }
        self.out
            .pictures
            .retain(|p| p.line + usize::from(p.rows) <= n);
        self.out
    }
}

fn trim_end(spans: &mut Vec<Span<'static>>) {
    while let Some(last) = spans.last_mut() {
        let t = last.content.trim_end();
        if t.is_empty() {
            spans.pop();
        } else {
            if t.len() != last.content.len() {
                last.content = t.to_string().into();
            }
            break;
        }
    }
}

/// The safety net of the width invariant: cut a line to `width` columns.
fn clip_line(line: &mut Line<'static>, width: usize) {
    let total: usize = line.spans.iter().map(|s| str_width(&s.content)).sum();
    if total <= width {
        return;
    }
    let mut used = 0;
    let mut keep = Vec::new();
    for s in line.spans.drain(..) {
        if used >= width {
            break;
        }
        let w = str_width(&s.content);
        if used + w <= width {
            used += w;
            keep.push(s);
            continue;
        }
        let mut text = String::new();
        for g in s.content.graphemes(true) {
            let gw = grapheme_width(g);
            if used + gw > width {
                break;
            }
            used += gw;
            text.push_str(g);
        }
        keep.push(Span::styled(text, s.style));
        break;
    }
    line.spans = keep;
}
