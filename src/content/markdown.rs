//! Markdown + MDC source text → `Document`, with diagnostics for what MDC tolerates but
//! an owner should know about (an unclosed block), and load errors for documents over
//! their budget (nodes, headings, table cells, nesting).
//!
//! The MDC pre-pass (`mdc::split`) cuts the source into markdown segments and block
//! components; each segment goes through pulldown-cmark (tables, strikethrough, task
//! lists, GFM quotes) and an event → tree builder that uses an explicit stack (no
//! recursion over the input), refuses nesting deeper than `MAX_DEPTH` (a load error with
//! its line; nothing deeper is ever built) and finds inline components in text.
//! Heading ids are assigned last, over the whole document, so they are unique.
//!
//! - `estimate`: the node count made before a segment is parsed (pulldown-cmark builds
//!   its whole tree first; a file plainly over the budget is refused before that).
//!
//! Over 600 lines: ~660 lines of code (one pulldown-cmark event loop), the rest its tests.

mod estimate;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

pub use super::diag::BodyWarning;
use super::doc::{Align, Block, Document, Inline};
use super::mdc::{self, Node, Piece};
use super::slug::Slugger;

/// The most nodes (every block, inline and table cell the parser starts, and every row
/// of a code block: each is a row of every layout of the page, blank or not) one
/// document may have: a hand-written post has a few thousand, 4 MB of prose ~100,000;
/// at about 250 bytes a node (BENCHMARKS.md, "One big post"), 200,000 is ~50 MB of tree.
pub const MAX_NODES: usize = 200_000;
/// The most headings in one document (each is a table-of-contents entry and an anchor).
pub const MAX_HEADINGS: usize = 50_000;
/// The most table cells in one document, counting the cells short rows are padded
/// with (a 10,000-column header over 10,000 empty rows would be 10^8 cells).
pub const MAX_TABLE_CELLS: usize = 100_000;

/// What one document has used of its budget; the first overrun, with its line.
#[derive(Debug, Default)]
struct Budget {
    nodes: usize,
    headings: usize,
    cells: usize,
    over: Option<BodyWarning>,
}

impl Budget {
    /// Charge one node (and a heading or `cells` cells); false once over budget.
    fn charge(&mut self, heading: bool, cells: usize, line: impl FnOnce() -> u32) -> bool {
        self.charge_nodes(cells.max(1), heading, cells, line)
    }

    /// A code block's text: one node a row (a 4 MB fence of blank lines would otherwise
    /// be one node and millions of rows in each layout of the page).
    fn charge_code(&mut self, text: &str, line: impl FnOnce() -> u32) -> bool {
        let rows = text.bytes().filter(|&b| b == b'\n').count();
        self.charge_nodes(rows.max(1), false, 0, line)
    }

    fn charge_nodes(
        &mut self,
        nodes: usize,
        heading: bool,
        cells: usize,
        line: impl FnOnce() -> u32,
    ) -> bool {
        if self.over.is_some() {
            return false;
        }
        self.nodes += nodes;
        self.headings += usize::from(heading);
        self.cells += cells;
        let what = if self.nodes > MAX_NODES {
            format!("more than {MAX_NODES} markdown nodes")
        } else if self.headings > MAX_HEADINGS {
            format!("more than {MAX_HEADINGS} headings")
        } else if self.cells > MAX_TABLE_CELLS {
            format!("more than {MAX_TABLE_CELLS} table cells")
        } else {
            return true;
        };
        self.over = Some(BodyWarning {
            line: line(),
            col: 1,
            message: format!("document too large: {what} (split it into several pages)"),
            error: true,
        });
        false
    }
}

/// Markdown containers (quotes, lists, items, inline styles, links) nested deeper than
/// this make the document a load error (`path:line: document too deep …`).
pub const MAX_DEPTH: usize = 64;

/// Parse a page body (front matter already removed).
pub fn parse(source: &str) -> (Document, Vec<BodyWarning>) {
    parse_from_line(source, 1)
}

/// Parse a body whose first line is line `first_line` of its file, so that component
/// lines and warnings carry file line numbers.
pub fn parse_from_line(source: &str, first_line: u32) -> (Document, Vec<BodyWarning>) {
    let mut warnings = Vec::new();
    let nodes = mdc::split(source, first_line, &mut warnings);
    if warnings.iter().any(|w| w.error) {
        warnings.sort_by_key(|w| (w.line, w.col));
        return (Document::default(), warnings);
    }
    let mut budget = Budget::default();
    let mut blocks = convert(nodes, &mut warnings, &mut budget);
    if let Some(over) = budget.over {
        warnings.push(over);
        warnings.sort_by_key(|w| (w.line, w.col));
        return (Document::default(), warnings);
    }
    let mut slugger = Slugger::default();
    assign_ids(&mut blocks, &mut slugger);
    warnings.sort_by_key(|w| (w.line, w.col));
    (Document { blocks }, warnings)
}

/// Nodes of the MDC tree → blocks. Recursion depth is bounded by
/// `mdc::MAX_COMPONENT_DEPTH`.
fn convert(nodes: Vec<Node>, warnings: &mut Vec<BodyWarning>, budget: &mut Budget) -> Vec<Block> {
    let mut out = Vec::new();
    for node in nodes {
        if budget.over.is_some() {
            break;
        }
        match node {
            Node::Markdown { first_line, text } => {
                out.extend(markdown_blocks(&text, first_line, budget));
            }
            Node::Component(c) => out.push(Block::Component {
                name: c.name,
                props: c.props,
                children: convert(c.children, warnings, budget),
                slots: c
                    .slots
                    .into_iter()
                    .map(|(name, nodes)| (name, convert(nodes, warnings, budget)))
                    .collect(),
                closed: c.closed,
                line: c.line,
            }),
        }
    }
    out
}

/// Give every heading a unique id, in document order (slots after children).
fn assign_ids(blocks: &mut [Block], slugger: &mut Slugger) {
    for b in blocks {
        match b {
            Block::Heading { id, content, .. } => {
                *id = slugger.unique(&Inline::plain_text(content))
            }
            Block::Quote(children) => assign_ids(children, slugger),
            Block::List { items, .. } => {
                for item in items {
                    assign_ids(item, slugger);
                }
            }
            Block::Component {
                children, slots, ..
            } => {
                assign_ids(children, slugger);
                for (_, s) in slots {
                    assign_ids(s, slugger);
                }
            }
            _ => {}
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// One markdown segment → blocks.
fn markdown_blocks(text: &str, first_line: u32, budget: &mut Budget) -> Vec<Block> {
    let lines = LineIndex::new(text, first_line);
    // Refused before pulldown-cmark builds its tree, when a scan already counts more
    // nodes than the budget has left (the parser's first pass is not interruptible).
    if let Some(at) = estimate::over(text, MAX_NODES.saturating_sub(budget.nodes)) {
        budget.over = Some(BodyWarning {
            line: lines.line(at),
            col: 1,
            message: format!(
                "document too large: more than {MAX_NODES} markdown nodes (split it into several pages)"
            ),
            error: true,
        });
        return Vec::new();
    }
    let mut b = Builder::default();
    let parser = Parser::new_ext(text, options()).into_offset_iter();
    // Merge adjacent text so that `:name{…}` split by the parser is seen whole. The
    // parser drops the backslash of an escaped `\:` and starts a new text event at the
    // colon: those colons' offsets in the merged text are kept, and never start a
    // component.
    let mut pending: Option<(String, Vec<usize>)> = None;
    let mut in_code = false;
    for (event, range) in parser {
        let charged = match &event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                budget.charge(false, 0, || lines.line(range.start))
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                true
            }
            Event::Text(t) if in_code => budget.charge_code(t, || lines.line(range.start)),
            Event::Start(Tag::Heading { .. }) => budget.charge(true, 0, || lines.line(range.start)),
            Event::Start(Tag::TableCell) => budget.charge(false, 1, || lines.line(range.start)),
            // A row shorter than the header is padded to it: charge the padding.
            Event::End(TagEnd::TableRow) => {
                let pad = b.short_row();
                budget.charge(false, pad, || lines.line(range.start))
            }
            Event::End(_) => true,
            _ => budget.charge(false, 0, || lines.line(range.start)),
        };
        if !charged {
            break;
        }
        if let Event::Text(t) = &event {
            let (buf, escaped) = pending.get_or_insert_with(Default::default);
            if t.starts_with(':') && escaped_at(text, range.start) {
                escaped.push(buf.len());
            }
            buf.push_str(t);
            continue;
        }
        if let Some((t, escaped)) = pending.take() {
            b.text_escaped(t, &escaped);
        }
        b.event(event);
        if b.too_deep {
            // Over the nesting budget: the document is refused, like any other overrun.
            budget.over = Some(BodyWarning {
                error: true,
                line: lines.line(range.start),
                col: 1,
                message: format!(
                    "document too deep: quotes, lists, emphasis or links nested more than {MAX_DEPTH} levels (flatten them)"
                ),
            });
            break;
        }
    }
    if let Some((t, escaped)) = pending.take() {
        b.text_escaped(t, &escaped);
    }
    b.finish()
}

/// Whether the source byte before `at` ends an odd run of backslashes (so the
/// character at `at` was escaped).
fn escaped_at(source: &str, at: usize) -> bool {
    let run = source.as_bytes()[..at.min(source.len())]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count();
    run % 2 == 1
}

/// Byte offset → file line.
struct LineIndex {
    starts: Vec<usize>,
    first_line: u32,
}

impl LineIndex {
    fn new(text: &str, first_line: u32) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, first_line }
    }

    fn line(&self, offset: usize) -> u32 {
        let idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        self.first_line
            .saturating_add(u32::try_from(idx).unwrap_or(u32::MAX))
    }
}

/// A container being built from events.
enum Frame {
    Blocks {
        kind: BlockKind,
        blocks: Vec<Block>,
        /// Inline content arriving directly (tight list items): a paragraph to be.
        loose: Vec<Inline>,
    },
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Inlines {
        kind: InlineKind,
        inlines: Vec<Inline>,
    },
    Code {
        lang: Option<String>,
        code: String,
    },
    Html(String),
    Table {
        align: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Row(Vec<Vec<Inline>>),
    Image {
        src: String,
        title: Option<String>,
        alt: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Root,
    Quote,
    Item,
    /// Footnote definitions, definition lists: flattened into the parent.
    Other,
}

enum InlineKind {
    Paragraph,
    Heading(u8),
    Cell,
    Emphasis,
    Strong,
    Strikethrough,
    Link { url: String, title: Option<String> },
}

impl Frame {
    /// Whether this frame counts towards the nesting depth.
    fn nests(&self) -> bool {
        match self {
            Frame::Blocks { kind, .. } => *kind != BlockKind::Root,
            Frame::List { .. } => true,
            Frame::Inlines { kind, .. } => matches!(
                kind,
                InlineKind::Emphasis
                    | InlineKind::Strong
                    | InlineKind::Strikethrough
                    | InlineKind::Link { .. }
            ),
            _ => false,
        }
    }
}

struct Builder {
    stack: Vec<Frame>,
    /// Nesting frames currently on the stack.
    depth: usize,
    /// Container starts ignored because they were too deep; their ends are ignored too.
    skipped: usize,
    too_deep: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            stack: vec![Frame::Blocks {
                kind: BlockKind::Root,
                blocks: Vec::new(),
                loose: Vec::new(),
            }],
            depth: 0,
            skipped: 0,
            too_deep: false,
        }
    }
}

fn nesting_tag(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
    )
}

fn nesting_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
    )
}

impl Builder {
    /// How many cells the row being built lacks to match its table's header.
    fn short_row(&self) -> usize {
        let n = self.stack.len();
        match (
            n.checked_sub(2).and_then(|i| self.stack.get(i)),
            self.stack.last(),
        ) {
            (Some(Frame::Table { header, .. }), Some(Frame::Row(cells))) => {
                header.len().saturating_sub(cells.len())
            }
            _ => 0,
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t) => self.text(t.to_string()),
            Event::Code(t) => self.inline(Inline::Code(t.to_string())),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.inline(Inline::Code(t.to_string()))
            }
            Event::Html(t) => match self.stack.last_mut() {
                Some(Frame::Html(buf)) => buf.push_str(&t),
                _ => self.block(Block::Html(t.trim_end_matches('\n').to_string())),
            },
            Event::InlineHtml(t) => self.inline(Inline::Html(t.to_string())),
            Event::FootnoteReference(t) => self.inline(Inline::Text(format!("[^{t}]"))),
            Event::SoftBreak => self.inline(Inline::SoftBreak),
            Event::HardBreak => self.inline(Inline::HardBreak),
            Event::Rule => self.block(Block::Rule),
            Event::TaskListMarker(done) => {
                self.inline(Inline::Text(if done { "[x] " } else { "[ ] " }.to_string()))
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        if nesting_tag(&tag) && (self.skipped > 0 || self.depth >= MAX_DEPTH) {
            self.skipped += 1;
            self.too_deep = true;
            return;
        }
        let frame = match tag {
            Tag::Paragraph => Frame::Inlines {
                kind: InlineKind::Paragraph,
                inlines: Vec::new(),
            },
            Tag::Heading { level, .. } => Frame::Inlines {
                kind: InlineKind::Heading(level as u8),
                inlines: Vec::new(),
            },
            Tag::BlockQuote(_) => blocks(BlockKind::Quote),
            Tag::CodeBlock(kind) => Frame::Code {
                lang: match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .map(|w| w.split(['{', ',']).next().unwrap_or(w).to_string())
                        .filter(|w| !w.is_empty()),
                    CodeBlockKind::Indented => None,
                },
                code: String::new(),
            },
            Tag::HtmlBlock => Frame::Html(String::new()),
            Tag::List(start) => Frame::List {
                start,
                items: Vec::new(),
            },
            Tag::Item => blocks(BlockKind::Item),
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => blocks(BlockKind::Other),
            Tag::Table(aligns) => Frame::Table {
                align: aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::None => Align::None,
                        Alignment::Left => Align::Left,
                        Alignment::Center => Align::Center,
                        Alignment::Right => Align::Right,
                    })
                    .collect(),
                header: Vec::new(),
                rows: Vec::new(),
            },
            Tag::TableHead | Tag::TableRow => Frame::Row(Vec::new()),
            Tag::TableCell => Frame::Inlines {
                kind: InlineKind::Cell,
                inlines: Vec::new(),
            },
            Tag::Emphasis | Tag::Superscript | Tag::Subscript => inlines(InlineKind::Emphasis),
            Tag::Strong => inlines(InlineKind::Strong),
            Tag::Strikethrough => inlines(InlineKind::Strikethrough),
            Tag::Link {
                dest_url, title, ..
            } => inlines(InlineKind::Link {
                url: dest_url.to_string(),
                title: (!title.is_empty()).then(|| title.to_string()),
            }),
            Tag::Image {
                dest_url, title, ..
            } => Frame::Image {
                src: dest_url.to_string(),
                title: (!title.is_empty()).then(|| title.to_string()),
                alt: String::new(),
            },
            Tag::MetadataBlock(_) => Frame::Html(String::new()),
        };
        if frame.nests() {
            self.depth += 1;
        }
        self.stack.push(frame);
    }

    fn end(&mut self, end: TagEnd) {
        if self.skipped > 0 && nesting_end(&end) {
            self.skipped -= 1;
            return;
        }
        if self.stack.len() <= 1 {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if frame.nests() {
            self.depth = self.depth.saturating_sub(1);
        }
        match frame {
            Frame::Blocks {
                kind,
                mut blocks,
                loose,
            } => {
                flush_loose(&mut blocks, loose);
                blocks.shrink_to_fit();
                match kind {
                    BlockKind::Quote => self.block(Block::Quote(blocks)),
                    BlockKind::Item => match self.stack.last_mut() {
                        Some(Frame::List { items, .. }) => items.push(blocks),
                        _ => self.blocks(blocks),
                    },
                    BlockKind::Root | BlockKind::Other => self.blocks(blocks),
                }
            }
            Frame::List { start, items } => self.block(Block::List { start, items }),
            Frame::Inlines { kind, mut inlines } => {
                // Kept for the page's life: no spare capacity (a paragraph of one text
                // would otherwise hold four inlines' room, ~4× its size).
                compact(&mut inlines);
                match kind {
                    InlineKind::Paragraph => self.block(paragraph(inlines)),
                    InlineKind::Heading(level) => self.block(Block::Heading {
                        level,
                        id: String::new(),
                        content: inlines,
                    }),
                    InlineKind::Cell => match self.stack.last_mut() {
                        Some(Frame::Row(cells)) => cells.push(inlines),
                        _ => self.inlines(inlines),
                    },
                    InlineKind::Emphasis => self.inline(Inline::Emphasis(inlines)),
                    InlineKind::Strong => self.inline(Inline::Strong(inlines)),
                    InlineKind::Strikethrough => self.inline(Inline::Strikethrough(inlines)),
                    InlineKind::Link { url, title } => self.inline(Inline::Link {
                        url,
                        title,
                        content: inlines,
                    }),
                }
            }
            Frame::Code { lang, mut code } => {
                if code.ends_with('\n') {
                    code.pop();
                }
                self.block(Block::Code {
                    lang,
                    code: code.into(),
                });
            }
            Frame::Html(html) => {
                if !matches!(end, TagEnd::MetadataBlock(_)) {
                    self.block(Block::Html(html.trim_end_matches('\n').to_string()));
                }
            }
            Frame::Table {
                align,
                header,
                rows,
            } => {
                let cols = header.len();
                let rows = rows
                    .into_iter()
                    .map(|mut r| {
                        r.resize_with(cols, Vec::new);
                        r
                    })
                    .collect();
                let mut align = align;
                align.resize(cols, Align::None);
                self.block(Block::Table {
                    align,
                    header,
                    rows,
                });
            }
            Frame::Row(cells) => match self.stack.last_mut() {
                Some(Frame::Table { header, rows, .. }) => {
                    if matches!(end, TagEnd::TableHead) {
                        *header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
                _ => {
                    for c in cells {
                        self.inlines(c);
                    }
                }
            },
            Frame::Image { src, title, alt } => self.inline(Inline::Image { alt, src, title }),
        }
    }

    /// Text, with inline components found in it (not in code, alt text or HTML).
    fn text(&mut self, t: String) {
        self.text_escaped(t, &[]);
    }

    /// Text whose colons at the byte offsets `escaped` were written `\:` (literal).
    fn text_escaped(&mut self, t: String, escaped: &[usize]) {
        match self.stack.last_mut() {
            Some(Frame::Code { code, .. }) => code.push_str(&t),
            Some(Frame::Html(buf)) => buf.push_str(&t),
            Some(Frame::Image { alt, .. }) => alt.push_str(&t),
            _ => {
                for piece in mdc::scan_inline_escaped(&t, escaped) {
                    match piece {
                        Piece::Text(s) => self.inline(Inline::Text(s)),
                        Piece::Component { name, props, label } => self.inline(Inline::Component {
                            name,
                            props,
                            label: label.map(|l| vec![Inline::Text(l)]).unwrap_or_default(),
                        }),
                    }
                }
            }
        }
    }

    fn inlines(&mut self, list: Vec<Inline>) {
        for i in list {
            self.inline(i);
        }
    }

    fn inline(&mut self, inline: Inline) {
        match self.stack.last_mut() {
            Some(Frame::Inlines { inlines, .. }) => push_inline(inlines, inline),
            Some(Frame::Blocks { loose, .. }) => push_inline(loose, inline),
            Some(Frame::Image { alt, .. }) => alt.push_str(&Inline::plain_text(&[inline])),
            Some(Frame::Code { code, .. }) => code.push_str(&Inline::plain_text(&[inline])),
            Some(Frame::Html(buf)) => buf.push_str(&Inline::plain_text(&[inline])),
            Some(Frame::Row(cells)) => match cells.last_mut() {
                Some(c) => push_inline(c, inline),
                None => cells.push(vec![inline]),
            },
            Some(Frame::List { items, .. }) => items.push(vec![Block::Paragraph(vec![inline])]),
            Some(Frame::Table { rows, .. }) => rows.push(vec![vec![inline]]),
            None => {}
        }
    }

    fn blocks(&mut self, list: Vec<Block>) {
        for b in list {
            self.block(b);
        }
    }

    fn block(&mut self, block: Block) {
        match self.stack.last_mut() {
            Some(Frame::Blocks { blocks, loose, .. }) => {
                flush_loose(blocks, std::mem::take(loose));
                blocks.push(block);
            }
            Some(Frame::List { items, .. }) => items.push(vec![block]),
            // A block where only inlines can go (only after flattening): keep its text.
            Some(_) => {
                let text = block_text(&block);
                if !text.is_empty() {
                    self.inline(Inline::Text(text));
                }
            }
            None => {}
        }
    }

    fn finish(mut self) -> Vec<Block> {
        while self.stack.len() > 1 {
            // Unbalanced events should not happen; close what is open.
            self.skipped = 0;
            self.end(TagEnd::Paragraph);
        }
        match self.stack.pop() {
            Some(Frame::Blocks {
                mut blocks, loose, ..
            }) => {
                flush_loose(&mut blocks, loose);
                blocks
            }
            _ => Vec::new(),
        }
    }
}

fn blocks(kind: BlockKind) -> Frame {
    Frame::Blocks {
        kind,
        blocks: Vec::new(),
        loose: Vec::new(),
    }
}

fn inlines(kind: InlineKind) -> Frame {
    Frame::Inlines {
        kind,
        inlines: Vec::new(),
    }
}

/// Drop the spare capacity of a finished run of inlines and of its texts.
fn compact(inlines: &mut Vec<Inline>) {
    for i in inlines.iter_mut() {
        if let Inline::Text(t) = i {
            t.shrink_to_fit();
        }
    }
    inlines.shrink_to_fit();
}

/// Append, merging adjacent text.
fn push_inline(list: &mut Vec<Inline>, inline: Inline) {
    if let Inline::Text(t) = &inline
        && let Some(Inline::Text(prev)) = list.last_mut()
    {
        prev.push_str(t);
        return;
    }
    list.push(inline);
}

fn flush_loose(blocks: &mut Vec<Block>, loose: Vec<Inline>) {
    if !loose.is_empty() {
        blocks.push(paragraph(loose));
    }
}

/// A paragraph, or an image standing alone in it.
fn paragraph(inlines: Vec<Inline>) -> Block {
    let mut visible = inlines
        .iter()
        .filter(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty()))
        .filter(|i| !matches!(i, Inline::SoftBreak | Inline::HardBreak));
    if let (Some(Inline::Image { alt, src, title }), None) = (visible.next(), visible.next()) {
        return Block::Image {
            alt: alt.clone(),
            src: src.clone(),
            title: title.clone(),
        };
    }
    Block::Paragraph(inlines)
}

/// The plain text of a block (used only when flattening puts it where blocks can't go).
fn block_text(block: &Block) -> String {
    match block {
        Block::Heading { content, .. } | Block::Paragraph(content) => Inline::plain_text(content),
        Block::Code { code, .. } => code.to_string(),
        Block::Html(h) => h.clone(),
        Block::Image { alt, .. } => alt.clone(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::doc::prop;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_string())
    }

    #[test]
    fn headings_get_unique_ids() {
        let (d, _) = parse("## Status\n\ntext\n\n## Status\n\n### What's Next?\n");
        let ids: Vec<_> = d
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { id, level, .. } => Some((*level, id.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(ids, vec![(2, "status"), (2, "status-1"), (3, "whats-next")]);
    }

    #[test]
    fn inline_styles_links_and_code() {
        let (d, _) = parse("A **b** *c* ~~d~~ `e` [f](https://x.org \"T\")\n");
        assert_eq!(
            d.blocks,
            vec![Block::Paragraph(vec![
                text("A "),
                Inline::Strong(vec![text("b")]),
                text(" "),
                Inline::Emphasis(vec![text("c")]),
                text(" "),
                Inline::Strikethrough(vec![text("d")]),
                text(" "),
                Inline::Code("e".into()),
                text(" "),
                Inline::Link {
                    url: "https://x.org".into(),
                    title: Some("T".into()),
                    content: vec![text("f")]
                },
            ])]
        );
    }

    #[test]
    fn code_block_with_lang() {
        let (d, _) = parse("```bash\necho hi\n::tweet{id=1}\n```\n");
        assert_eq!(
            d.blocks,
            vec![Block::Code {
                lang: Some("bash".into()),
                code: "echo hi\n::tweet{id=1}".into()
            }]
        );
    }

    #[test]
    fn table_rows_padded() {
        let (d, _) = parse("| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 |\n");
        let Block::Table {
            align,
            header,
            rows,
        } = &d.blocks[0]
        else {
            panic!("{:?}", d.blocks)
        };
        assert_eq!(align, &vec![Align::Left, Align::Right]);
        assert_eq!(header, &vec![vec![text("a")], vec![text("b")]]);
        assert_eq!(rows[1], vec![vec![text("3")], vec![]]);
    }

    #[test]
    fn lists_nested_and_ordered() {
        let (d, _) = parse("3. one\n4. two\n   - inner\n");
        let Block::List { start, items } = &d.blocks[0] else {
            panic!()
        };
        assert_eq!(*start, Some(3));
        assert_eq!(items[0], vec![Block::Paragraph(vec![text("one")])]);
        assert!(matches!(&items[1][1], Block::List { start: None, .. }));
    }

    #[test]
    fn lone_image_is_an_image_block() {
        let (d, _) = parse("![a gif](/images/x.gif)\n\ntext ![i](y.png)\n");
        assert_eq!(
            d.blocks[0],
            Block::Image {
                alt: "a gif".into(),
                src: "/images/x.gif".into(),
                title: None
            }
        );
        assert!(matches!(d.blocks[1], Block::Paragraph(_)));
    }

    #[test]
    fn quote_and_rule() {
        let (d, _) = parse("> quoted\n\n---\n");
        assert_eq!(
            d.blocks,
            vec![
                Block::Quote(vec![Block::Paragraph(vec![text("quoted")])]),
                Block::Rule
            ]
        );
    }

    #[test]
    fn inline_components_in_paragraphs() {
        let (d, _) = parse("Thanks :mention{name=\"Joe\"} for :badge[v2]{.new}.\n");
        let Block::Paragraph(p) = &d.blocks[0] else {
            panic!()
        };
        assert_eq!(
            p[1],
            Inline::Component {
                name: "mention".into(),
                props: vec![("name".into(), "Joe".into())],
                label: vec![]
            }
        );
        assert_eq!(
            p[3],
            Inline::Component {
                name: "badge".into(),
                props: vec![("class".into(), "new".into())],
                label: vec![text("v2")]
            }
        );
        assert_eq!(Inline::plain_text(p), "Thanks @Joe for v2.");
    }

    #[test]
    fn colons_in_prose_stay_text() {
        let (d, w) = parse("Berlin: 10:30, see https://example.com:8080/a and `:x{y}`\n");
        assert!(w.is_empty());
        let Block::Paragraph(p) = &d.blocks[0] else {
            panic!()
        };
        assert!(!p.iter().any(|i| matches!(i, Inline::Component { .. })));
    }

    #[test]
    fn escaped_colon_stays_literal_text() {
        let (d, _) =
            parse("Write \\:badge{color=red} or **\\:mention[Joe]**, but :badge[New] is one.\n");
        let Block::Paragraph(p) = &d.blocks[0] else {
            panic!("{d:?}")
        };
        let names: Vec<&str> = p
            .iter()
            .filter_map(|i| match i {
                Inline::Component { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["badge"]);
        assert_eq!(
            Inline::plain_text(p),
            "Write :badge{color=red} or :mention[Joe], but New is one."
        );
    }

    #[test]
    fn components_in_document() {
        let src = "Intro\n\n::youtube{id=\"jNQXAC9IVRw\" title=\"Me at the zoo\"}\n::\n\n## After\n\n:spotify{id=44 type=track}\n";
        let (d, w) = parse(src);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(d.blocks.len(), 4);
        let Block::Component {
            name,
            props,
            closed,
            line,
            children,
            ..
        } = &d.blocks[1]
        else {
            panic!()
        };
        assert_eq!(name, "youtube");
        assert_eq!(prop(props, "title"), Some("Me at the zoo"));
        assert!(*closed && children.is_empty());
        assert_eq!(*line, 3);
        let Block::Component { name, props, .. } = &d.blocks[3] else {
            panic!()
        };
        assert_eq!(name, "spotify");
        assert_eq!(prop(props, "type"), Some("track"));
    }

    #[test]
    fn embedding_quirk_keeps_everything_in_order() {
        let src = "Intro.\n\n## YouTube\n\n::youtube{id=a title=\"T\"}\n\n```md\n::youtube{id=\"x\"}\n```\n\n---\n\n## Twitter / X\n\n::tweet{id=\"1\"}\n\nEnd.\n";
        let (d, w) = parse_from_line(src, 6);
        let lines: Vec<_> = w.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![10, 20]);
        assert_eq!(d.blocks.len(), 3);
        let Block::Component {
            children, closed, ..
        } = &d.blocks[2]
        else {
            panic!()
        };
        assert!(!closed);
        assert!(matches!(children[0], Block::Code { .. }));
        assert!(matches!(children[1], Block::Rule));
        assert!(matches!(&children[2], Block::Heading { id, .. } if id == "twitter-x"));
        let Block::Component { name, children, .. } = &children[3] else {
            panic!()
        };
        assert_eq!(name, "tweet");
        assert_eq!(children, &vec![Block::Paragraph(vec![text("End.")])]);
    }

    #[test]
    fn component_children_are_markdown() {
        let (d, _) = parse("::note\n**bold** and\n\n- a\n- b\n::\n");
        let Block::Component { children, .. } = &d.blocks[0] else {
            panic!()
        };
        assert!(matches!(children[0], Block::Paragraph(_)));
        assert!(matches!(children[1], Block::List { .. }));
    }

    fn depth(blocks: &[Block]) -> usize {
        blocks
            .iter()
            .map(|b| match b {
                Block::Quote(c) => 1 + depth(c),
                Block::List { items, .. } => 1 + items.iter().map(|i| depth(i)).max().unwrap_or(0),
                Block::Component { children, .. } => 1 + depth(children),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// The refusal of a too-deep document: one error, at `line`, and no blocks.
    fn refused_at(src: &str, line: u32) {
        let (d, w) = parse(src);
        assert!(d.blocks.is_empty(), "nothing kept");
        let errors: Vec<_> = w.iter().filter(|w| w.error).collect();
        assert_eq!(errors.len(), 1, "{w:?}");
        assert_eq!(errors[0].line, line, "{w:?}");
        assert!(errors[0].message.contains("too deep"), "{w:?}");
    }

    #[test]
    fn deep_quotes_are_refused_with_their_line() {
        refused_at(&format!("Intro.\n\n{}deep\n", ">".repeat(5000)), 3);
        // At the limit, the document loads whole.
        let (d, w) = parse(&format!("{}deep\n", ">".repeat(MAX_DEPTH)));
        assert!(w.iter().all(|w| !w.error), "{w:?}");
        assert_eq!(depth(&d.blocks), MAX_DEPTH);
        assert!(format!("{d:?}").contains("deep"));
    }

    #[test]
    fn deep_lists_are_refused_with_their_line() {
        let mut src = String::from("Intro.\n\n");
        for i in 0..2000 {
            src.push_str(&" ".repeat(i * 2));
            src.push_str("- x\n");
        }
        // Each level is a list and an item: the 33rd line nests 65 deep.
        refused_at(&src, 3 + 32);
        refused_at(&format!("{}x\n", "- ".repeat(5000)), 1);
        let (d, w) = parse(&format!("{}x\n", "- ".repeat(MAX_DEPTH / 2)));
        assert!(w.iter().all(|w| !w.error), "{w:?}");
        assert!(depth(&d.blocks) == MAX_DEPTH / 2);
    }

    #[test]
    fn deep_emphasis_is_refused() {
        // `*w _w *w … x … w* w_ w*`: emphasis inside emphasis, 100 deep.
        let (mut open, mut close) = (String::new(), String::new());
        for i in 0..100 {
            let m = if i % 2 == 0 { '*' } else { '_' };
            open.push_str(&format!("{m}w "));
            close.insert_str(0, &format!(" w{m}"));
        }
        refused_at(&format!("a\n\n{open}x{close}\n"), 3);
        refused_at(&format!("{}x{}\n", "*".repeat(3000), "*".repeat(3000)), 1);
        // Links never nest: 3000 of them around one word stay shallow and load.
        let (d, w) = parse(&format!("{}x{}\n", "[".repeat(3000), "](u)".repeat(3000)));
        assert!(w.iter().all(|w| !w.error), "{w:?}");
        assert!(format!("{d:?}").contains('x'));
    }

    #[test]
    fn a_code_block_counts_a_node_a_row_blank_or_not() {
        // A fence of blank rows is millions of layout rows from a few MB: refused at the
        // block's line, like any other overrun.
        let src = format!("Intro.\n\n```text\n{}x\n```\n", "\n".repeat(MAX_NODES + 10));
        let (d, w) = parse(&src);
        assert!(d.blocks.is_empty(), "nothing kept");
        let errors: Vec<_> = w.iter().filter(|w| w.error).collect();
        assert_eq!(errors.len(), 1, "{w:?}");
        assert!(errors[0].message.contains("document too large"), "{w:?}");
        assert!((3..=4).contains(&errors[0].line), "{w:?}");
        // A long script under the budget loads whole, every row kept.
        let rows = MAX_NODES / 2;
        let (d, w) = parse(&format!("```sh\n{}```\n", "\necho hi\n".repeat(rows / 2)));
        assert!(w.iter().all(|w| !w.error), "{w:?}");
        match d.blocks.as_slice() {
            [Block::Code { code, .. }] => assert_eq!(code.lines().count(), rows),
            other => panic!("one code block, got {} blocks", other.len()),
        }
    }

    #[test]
    fn deep_components_are_refused() {
        let mut src = String::from("Intro.\n");
        for i in 0..100 {
            src.push_str(&format!("::c{i}\n"));
        }
        refused_at(&src, 2 + mdc::MAX_COMPONENT_DEPTH as u32);
    }

    /// What the shipped content uses of each budget (BENCHMARKS.md, the limits table):
    /// `cargo test --lib budget_use_of_the_content -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn budget_use_of_the_content() {
        let mut worst = (0, 0, 0, 0, 0usize);
        for dir in ["content/blog", "content/projects"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let (mut nodes, mut headings, mut cells, mut depth, mut deepest) = (0, 0, 0, 0, 0);
                for event in Parser::new_ext(&text, options()) {
                    match &event {
                        Event::Start(t) => {
                            nodes += 1;
                            headings += usize::from(matches!(t, Tag::Heading { .. }));
                            cells += usize::from(matches!(t, Tag::TableCell));
                            if nesting_tag(t) {
                                depth += 1;
                                deepest = deepest.max(depth);
                            }
                        }
                        Event::End(e) => depth -= usize::from(nesting_end(e)),
                        _ => nodes += 1,
                    }
                }
                let estimate = (1..).find(|&n| estimate::over(&text, n).is_none()).unwrap();
                println!(
                    "{}: {} bytes, {nodes} nodes (estimate {estimate}), {headings} headings, {cells} cells, depth {deepest}",
                    path.display(),
                    text.len()
                );
                worst = (
                    worst.0.max(nodes),
                    worst.1.max(headings),
                    worst.2.max(cells),
                    worst.3.max(deepest),
                    worst.4.max(text.len()),
                );
            }
        }
        println!("most: {worst:?} (nodes, headings, cells, depth, bytes)");
    }

    #[test]
    fn many_random_inputs_never_panic() {
        const FRAGMENTS: &[&str] = &[
            "::",
            ":::",
            "::::",
            "::note",
            ":::inner",
            "{",
            "}",
            "{a=\"b\"}",
            "[",
            "]",
            "```",
            "~~~",
            "````md",
            "|",
            "| a | b |",
            "|--|--|",
            ">",
            "> ",
            "-",
            "- ",
            "* ",
            "1. ",
            "#",
            "## ",
            "#slot",
            "---",
            "\n",
            "\n\n",
            " ",
            "   ",
            "text",
            ":x{",
            ":mention{name=\"Joe\"}",
            "![a](b)",
            "*",
            "**",
            "~~",
            "`",
            "<div>",
            "</div>",
            "\\",
            "'",
            "\"",
            "é",
            "🗺️",
            "\t",
            ":name[label]{#id .c :j='{}'}",
            "http://a:b",
            "\r\n",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 60) as usize;
            let mut s = String::new();
            for _ in 0..len {
                s.push_str(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
            }
            let (d, _) = parse(&s);
            assert!(depth(&d.blocks) <= MAX_DEPTH + mdc::MAX_COMPONENT_DEPTH);
        }
    }
}
