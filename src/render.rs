//! Rendering: a `Document` laid out at a width into styled lines, computed once per
//! (page, width, theme) and shared by every session through `RenderCache`.
//!
//! The one width function for wrapping and drawing is `width::str_width` (ratatui's
//! grapheme widths), so what we wrap is what the terminal shows.
//!
//! - `blocks`: the block walker (explicit stack: no recursion over the document).
//! - `writer`: emits lines under nested frames (quote bars, list indents, boxes).
//! - `inline` / `wrap`: inline trees → styled pieces → rows wrapped by display width.
//! - `code`: syntax-highlighted, framed, clipped code blocks; `shift`: a wide block's
//!   rows moved sideways inside its frame, which says where you are.
//! - `table`: balanced grids, or stacked `Header: value` rows when too narrow.
//! - `embed`: MDC embeds and images as cards; unknown components as labelled boxes.
//! - `style`: the palette (all default styles in plain mode).
//! - `place`: the reading place (block, line) that survives a new width.
//! - `cache`: the shared, bounded layout cache. `sample`: test and bench fixtures.
//! - `warm`: every code block highlighted in the background after each load.

mod blocks;
pub mod cache;
mod code;
mod embed;
mod inline;
pub mod lines;
mod place;
#[doc(hidden)]
pub mod sample;
mod shift;
mod style;
mod table;
pub mod warm;
pub mod width;
pub use place::Place;
mod wrap;
mod writer;

use std::borrow::Cow;

use ratatui::text::Line;

pub use lines::StyledLines;

use crate::content::Document;
use crate::content::images::Previews;
use crate::theme::ThemeKind;

/// Options that change a layout (part of the cache key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderOptions {
    /// Total columns available, 1..=300 (callers clamp).
    pub width: u16,
    pub theme: ThemeKind,
    /// Plain output (no colour, no OSC 8): `show <slug>`, NO_COLOR.
    pub plain: bool,
}

/// A heading in the rendered output: the table of contents and `]`/`[` jumps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// Index into `Rendered::lines`.
    pub line: usize,
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A hyperlink occupying columns `start..end` of line `line` (OSC 8 is written over
/// those cells after ratatui draws them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSpan {
    pub line: usize,
    pub start: u16,
    pub end: u16,
    pub url: String,
}

/// A code block's lines are never wrapped; lines wider than the width are clipped with
/// a `…` marker and can be scrolled horizontally. `wide` lists every row of such a
/// block (short ones too: the whole block moves inside its frame). Its unclipped forms
/// are read with `Rendered::wide_full` and `Rendered::wide_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WideLine {
    pub line: usize,
    /// Index into `Rendered::wide_rows` of the full line: the same prefix as the drawn
    /// line (quote bars, indents, the code frame's `│ `), then the whole code text; no
    /// right border.
    full: u32,
    /// The span of the full line where the code text starts.
    code_at: u32,
    /// Index into `Rendered::wide_blocks`.
    pub block: usize,
}

/// A code block wider than its frame: where its code columns are and how far they go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideBlock {
    /// The line of its top border (`None` when too narrow for a frame).
    pub top: Option<usize>,
    /// Column where the code starts on each of its rows, and how many columns it shows.
    pub x: u16,
    pub inner: u16,
    /// The widest row, in columns.
    pub natural: u16,
    /// The code background (padding of shifted rows) and the `…` clip marker.
    pub fill: ratatui::style::Style,
    pub marker: ratatui::style::Style,
    pub border: ratatui::style::Style,
}

/// A picture in the layout: its half-block rows are lines `line..line + rows`, columns
/// `col..col + cols`; a guest whose terminal shows pixels gets the image there instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureSpan {
    pub line: usize,
    pub col: u16,
    pub cols: u16,
    pub rows: u16,
    /// The image's `src` as the content writes it (the key of `Index::images`).
    pub src: String,
}

/// A code block in the rendered output, with its exact source text (for copying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSpan {
    /// Index into `Rendered::lines` of its first code line (under the frame's top).
    pub line: usize,
    pub lang: Option<String>,
    /// The document's code (shared, not copied per layout).
    pub source: std::sync::Arc<str>,
}

impl CodeSpan {
    /// The text between the fences, without the last newline.
    pub fn text(&self) -> &str {
        self.source.strip_suffix('\n').unwrap_or(&self.source)
    }
}

/// A document laid out at one width. Its lines are stored compactly (`StyledLines`)
/// and read with `line(i)`, `lines()`, `line_text(i)`, `len()`.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    rows: StyledLines,
    /// The full forms of the rows of wide code blocks (`WideLine`).
    wide_rows: StyledLines,
    pub anchors: Vec<Anchor>,
    pub links: Vec<LinkSpan>,
    pub wide: Vec<WideLine>,
    pub pictures: Vec<PictureSpan>,
    /// Code blocks, in order.
    pub code: Vec<CodeSpan>,
    pub wide_blocks: Vec<WideBlock>,
    /// The first line of each top-level block of the document (the reading place).
    pub blocks: Vec<usize>,
    /// Lines that end inside a word going on at the start of the next line (a word
    /// longer than the width, broken), in order.
    pub joins: Vec<Join>,
}

/// Line `line` ends inside a word that goes on in line `line + 1` from column `col`
/// (after that line's quote bars or list indent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Join {
    pub line: usize,
    pub col: u16,
}

impl Rendered {
    /// How many lines the layout has.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Line `i` as drawn (borrowing from the layout).
    pub fn line(&self, i: usize) -> Option<Line<'_>> {
        self.rows.line(i)
    }

    /// Every line, in order.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = Line<'_>> + '_ {
        (0..self.rows.len()).map(|i| self.rows.line_from(i, 0))
    }

    /// The text of line `i` without styles (empty past the end).
    pub fn line_text(&self, i: usize) -> Cow<'_, str> {
        self.rows.text(i)
    }

    /// The text of every line, without styles (tests and plain output).
    pub fn plain_lines(&self) -> Vec<String> {
        (0..self.rows.len())
            .map(|i| self.rows.text(i).into_owned())
            .collect()
    }

    /// A wide code row's full line (prefix, frame, whole code text).
    pub fn wide_full(&self, w: &WideLine) -> Line<'_> {
        self.wide_rows.line_from(w.full as usize, 0)
    }

    /// A wide code row's whole code text.
    pub fn wide_code(&self, w: &WideLine) -> Line<'_> {
        self.wide_rows
            .line_from(w.full as usize, w.code_at as usize)
    }

    /// Approximately the bytes this layout holds on the heap (the cache's budget).
    pub fn heap_bytes(&self) -> usize {
        self.rows.heap_bytes()
            + self.wide_rows.heap_bytes()
            + self.anchors.capacity() * size_of::<Anchor>()
            + self
                .anchors
                .iter()
                .map(|a| a.id.capacity() + a.title.capacity())
                .sum::<usize>()
            + self.links.capacity() * size_of::<LinkSpan>()
            + self.links.iter().map(|l| l.url.capacity()).sum::<usize>()
            + self.wide.capacity() * size_of::<WideLine>()
            + self.pictures.capacity() * size_of::<PictureSpan>()
            + self
                .pictures
                .iter()
                .map(|p| p.src.capacity())
                .sum::<usize>()
            + self.code.capacity() * size_of::<CodeSpan>()
            + self
                .code
                .iter()
                .map(|c| c.lang.as_ref().map_or(0, String::capacity))
                .sum::<usize>()
            + self.wide_blocks.capacity() * size_of::<WideBlock>()
            + self.blocks.capacity() * size_of::<usize>()
            + self.joins.capacity() * size_of::<Join>()
    }
}

/// Narrowest and widest layouts; widths outside are clamped.
pub const MIN_WIDTH: u16 = 1;
pub const MAX_WIDTH: u16 = 300;

/// Lay out `doc` at `opts.width`. Total: never panics, bounded time for any input.
pub fn render(doc: &Document, opts: RenderOptions) -> Rendered {
    render_with(doc, opts, &Previews::new())
}

/// `render`, drawing a half-block preview for each standalone image whose `src` has
/// one in `images` (the index's decoded local images); others stay placeholders.
pub fn render_with(doc: &Document, opts: RenderOptions, images: &Previews) -> Rendered {
    render_blocks(&doc.blocks, opts, images)
}

/// `render_with` for a run of a document's blocks (laid out as a document of them).
pub fn render_blocks(
    blocks: &[crate::content::Block],
    opts: RenderOptions,
    images: &Previews,
) -> Rendered {
    let width = usize::from(opts.width.clamp(MIN_WIDTH, MAX_WIDTH));
    let pal = style::Palette::new(opts.theme, opts.plain);
    let mut w = writer::Writer::new(&pal, width, images);
    blocks::walk(&mut w, blocks);
    w.finish()
}

/// `preview` as rows of half-blocks (`▀`, upper pixel in the foreground, lower in the
/// background), scaled down to fit `cols` × `rows` cells: for views that show an image
/// outside a document (stories).
pub fn preview_lines(
    preview: &crate::content::images::Preview,
    cols: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    embed::preview_rows(preview, cols, rows)
        .into_iter()
        .map(|row| {
            Line::from(
                row.into_iter()
                    .map(|p| ratatui::text::Span::styled(p.text, p.style))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// Forget memoized code highlighting, so the next render pays for it again (benches).
#[doc(hidden)]
pub fn clear_highlight_memo() {
    code::clear_memo();
}

/// Warm the syntax and theme sets (they load lazily on first use, ~tens of ms) so
/// the first guest to open a post with code does not pay for it.
pub fn preload() {
    code::preload();
}

#[cfg(test)]
mod budget;
#[cfg(test)]
mod tests;
