//! The block walker: a document's blocks laid out top to bottom through the writer.
//!
//! The walk uses an explicit task stack rather than recursion, so 500 nested quotes
//! or lists cost time proportional to their size and no stack.

use ratatui::style::Style;
use ratatui::text::Span;

use super::code;
use super::embed;
use super::inline::{Piece, flatten, text_of};
use super::table;
use super::width::{clean, str_width};
use super::wrap::{row_width, wrap, wrap_marked};
use super::writer::{Frame, Writer};
use crate::content::doc::Block;

enum Task<'a> {
    Block(&'a Block),
    Push(Frame),
    Pop,
    /// Close a labelled box: pop its frame and draw the bottom border.
    PopBox,
    ClearGap,
    EndList,
}

/// Lay out `blocks` through `w`.
pub(crate) fn walk(w: &mut Writer<'_>, blocks: &[Block]) {
    // One top-level block at a time (the same order as one stack of them), so each
    // one's first line is known: the reading place.
    for b in blocks {
        w.top_level_block();
        walk_one(w, b);
    }
}

fn walk_one<'a>(w: &mut Writer<'_>, first: &'a Block) {
    let mut stack: Vec<Task<'a>> = vec![Task::Block(first)];
    while let Some(task) = stack.pop() {
        match task {
            Task::Push(f) => w.push(f),
            Task::Pop => {
                w.pop();
                w.end_block();
            }
            Task::PopBox => {
                w.pop();
                let bottom = embed::bottom_border(w.pal, w.avail());
                w.emit(bottom);
                w.end_block();
            }
            Task::ClearGap => w.clear_gap(),
            Task::EndList => {
                w.list_depth = w.list_depth.saturating_sub(1);
                w.end_block();
            }
            Task::Block(b) => block(w, b, &mut stack),
        }
    }
}

fn block<'a>(w: &mut Writer<'_>, b: &'a Block, stack: &mut Vec<Task<'a>>) {
    match b {
        Block::Paragraph(inlines) => {
            w.begin_block();
            let pieces = flatten(inlines, w.base(), w.pal, &mut w.links);
            paragraph(w, &pieces);
            w.end_block();
        }
        Block::Heading { level, id, content } => {
            w.begin_block();
            heading(w, *level, id, content);
            w.end_block();
        }
        Block::Code { lang, code } => {
            w.begin_block();
            code::code_block(w, lang.as_deref(), code);
            w.end_block();
        }
        Block::Table {
            align,
            header,
            rows,
        } => {
            w.begin_block();
            table::table(w, align, header, rows);
            w.end_block();
        }
        Block::Quote(children) => {
            w.begin_block();
            let (bar, base) = (w.pal.quote_bar, w.pal.quote_text);
            let bar = || vec![Span::styled("│ ", bar)];
            w.push(Frame::new(bar(), bar()).with_base(base));
            stack.push(Task::Pop);
            push_blocks(stack, children);
        }
        Block::List { start, items } => list(w, *start, items, stack),
        Block::Image { alt, src, title } => {
            w.begin_block();
            embed::image(w, alt, src, title.as_deref());
            w.end_block();
        }
        Block::Rule => {
            w.begin_block();
            rule(w);
            w.end_block();
        }
        Block::Html(html) => {
            w.begin_block();
            for line in html.lines() {
                let pieces = [Piece::new(clean(line), w.pal.html)];
                for row in wrap(&pieces, w.avail()) {
                    w.emit(row);
                }
            }
            w.end_block();
        }
        Block::Component {
            name,
            props,
            children,
            slots,
            ..
        } => {
            w.begin_block();
            if embed::known_embed(w, name, props) {
                // A leaf embed: its card, then whatever it swallowed, in normal flow.
                w.end_block();
                for (_, slot) in slots.iter().rev() {
                    push_blocks(stack, slot);
                }
                push_blocks(stack, children);
            } else {
                let top = embed::top_border(w.pal, w.avail(), name);
                w.emit(top);
                let border = w.pal.border;
                let bar = || vec![Span::styled("│ ", border)];
                let frame = Frame::new(bar(), bar()).with_suffix(vec![Span::styled(" │", border)]);
                w.push(frame);
                stack.push(Task::PopBox);
                for (_, slot) in slots.iter().rev() {
                    push_blocks(stack, slot);
                    stack.push(Task::Block(&SLOT_MARK));
                }
                push_blocks(stack, children);
                embed::props_lines(w, props, children.is_empty() && slots.is_empty());
            }
        }
    }
}

/// Stands in for a slot's heading line (slot names are not shown; a rule separates).
static SLOT_MARK: Block = Block::Rule;

fn push_blocks<'a>(stack: &mut Vec<Task<'a>>, blocks: &'a [Block]) {
    stack.extend(blocks.iter().rev().map(Task::Block));
}

fn paragraph(w: &mut Writer<'_>, pieces: &[Piece]) {
    for row in wrap_marked(pieces, w.avail(), 0) {
        w.emit_marked(row);
    }
}

fn heading(w: &mut Writer<'_>, level: u8, id: &str, content: &[crate::content::Inline]) {
    let level = level.clamp(1, 6);
    let style = w.pal.heading[usize::from(level - 1)];
    let mut pieces = flatten(content, style, w.pal, &mut w.links);
    let title = text_of(&pieces).trim().to_string();
    let id = if id.is_empty() {
        slug(&title)
    } else {
        id.to_string()
    };
    // h3 and below carry a marker so levels differ without colour too.
    let marker = match level {
        3 => "▸ ",
        4 => "◆ ",
        5 | 6 => "· ",
        _ => "",
    };
    let mut hang = 0;
    if !marker.is_empty() && w.avail() > 8 {
        pieces.insert(0, Piece::new(marker, style));
        hang = str_width(marker);
    }
    w.anchor(level, id, title);
    let rows = wrap_marked(&pieces, w.avail(), hang);
    let widest = rows.iter().map(|r| row_width(&r.0)).max().unwrap_or(0);
    for row in rows {
        w.emit_marked(row);
    }
    let under = match level {
        1 => "━",
        2 => "─",
        _ => "",
    };
    if !under.is_empty() {
        let n = widest.clamp(1, w.avail());
        w.emit(vec![Piece::new(under.repeat(n), w.pal.heading_rule)]);
    }
}

/// A heading id as the site makes them: lowercase, spaces to `-`, punctuation dropped.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if (c == ' ' || c == '-') && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn rule(w: &mut Writer<'_>) {
    let avail = w.avail();
    let n = (avail * 2 / 3).clamp(1, 40).min(avail);
    let pad = (avail - n) / 2;
    w.emit(vec![
        Piece::new(" ".repeat(pad), Style::default()),
        Piece::new("─".repeat(n), w.pal.rule),
    ]);
}

const BULLETS: [&str; 3] = ["•", "◦", "▪"];

fn list<'a>(
    w: &mut Writer<'_>,
    start: Option<u64>,
    items: &'a [Vec<Block>],
    stack: &mut Vec<Task<'a>>,
) {
    w.begin_block();
    let bullet = BULLETS[w.list_depth % BULLETS.len()];
    w.list_depth += 1;
    let tight = items.iter().all(|item| {
        item.iter()
            .filter(|b| !matches!(b, Block::List { .. }))
            .count()
            <= 1
            && item
                .iter()
                .all(|b| matches!(b, Block::Paragraph(_) | Block::List { .. }))
    });
    let labels: Vec<String> = match start {
        Some(n) => (0..items.len())
            .map(|i| format!("{}.", n.saturating_add(i as u64)))
            .collect(),
        None => vec![bullet.to_string(); items.len()],
    };
    let label_w = labels.iter().map(|l| str_width(l)).max().unwrap_or(1);
    stack.push(Task::EndList);
    for (i, item) in items.iter().enumerate().rev() {
        stack.push(Task::Pop);
        for (j, b) in item.iter().enumerate().rev() {
            stack.push(Task::Block(b));
            // A tight item's nested list hugs the line above it.
            if j > 0 && tight {
                stack.push(Task::ClearGap);
            }
        }
        let label = &labels[i];
        let pad = label_w - str_width(label);
        let first = vec![
            Span::raw(" ".repeat(pad)),
            Span::styled(label.clone(), w.pal.bullet),
            Span::raw(" "),
        ];
        let rest = vec![Span::raw(" ".repeat(label_w + 1))];
        stack.push(Task::Push(Frame::new(first, rest)));
        if tight && i > 0 {
            stack.push(Task::ClearGap);
        }
    }
    // The list's own gap is already taken; items start right away.
    w.clear_gap();
}
