//! A plain stand-in layout for the reader, used only when the renderer returns no lines
//! for a document that has blocks (the renderer is built separately; until it lands, or
//! if it ever yields nothing, guests still get readable text with headings to jump to).

use ratatui::text::{Line, Span};

use crate::content::{Block, Document, Inline};
use crate::render::width::{grapheme_width, str_width};
use crate::render::{Anchor, RenderOptions, Rendered, WideLine};
use unicode_segmentation::UnicodeSegmentation;

const MAX_DEPTH: usize = 16;

pub(crate) fn layout(doc: &Document, opts: RenderOptions) -> Rendered {
    let theme = opts.theme.theme();
    let width = opts.width.max(8) as usize;
    let mut out = Rendered::default();
    for b in &doc.blocks {
        block(b, width, "", &mut out, theme, 0);
    }
    while out.lines.last().is_some_and(|l| l.width() == 0) {
        out.lines.pop();
    }
    out
}

fn block(
    b: &Block,
    width: usize,
    prefix: &str,
    out: &mut Rendered,
    theme: &crate::theme::Theme,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let inner = width.saturating_sub(str_width(prefix)).max(4);
    match b {
        Block::Heading { level, id, content } => {
            let title = Inline::plain_text(content);
            out.anchors.push(Anchor {
                line: out.lines.len(),
                level: *level,
                id: id.clone(),
                title: title.clone(),
            });
            for l in wrap(&title, inner) {
                out.lines.push(Line::from(vec![
                    Span::raw(prefix.to_string()),
                    Span::styled(l, theme.heading(*level)),
                ]));
            }
            out.lines.push(Line::default());
        }
        Block::Paragraph(c) => {
            para(&Inline::plain_text(c), inner, prefix, out, theme.base());
            out.lines.push(Line::default());
        }
        Block::Code { code, .. } => {
            for l in code.lines() {
                let line = Line::from(vec![
                    Span::raw(prefix.to_string()),
                    Span::styled(l.to_string(), theme.code()),
                ]);
                if str_width(l) > inner {
                    out.wide.push(WideLine {
                        line: out.lines.len(),
                        full: line.clone(),
                    });
                }
                out.lines.push(line);
            }
            out.lines.push(Line::default());
        }
        Block::Quote(bs) => {
            let p = format!("{prefix}│ ");
            bs.iter()
                .for_each(|b| block(b, width, &p, out, theme, depth + 1));
        }
        Block::List { start, items } => {
            for (i, item) in items.iter().enumerate() {
                let mark = match start {
                    Some(n) => format!("{}. ", n.saturating_add(i as u64)),
                    None => "• ".to_string(),
                };
                let first = out.lines.len();
                let p = format!("{prefix}{}", " ".repeat(str_width(&mark)));
                item.iter()
                    .for_each(|b| block(b, width, &p, out, theme, depth + 1));
                while out.lines.last().is_some_and(|l| l.width() == 0) && out.lines.len() > first {
                    out.lines.pop();
                }
                if let Some(l) = out.lines.get_mut(first) {
                    if let Some(s) = l.spans.first_mut() {
                        s.content = format!("{prefix}{mark}").into();
                    }
                }
            }
            out.lines.push(Line::default());
        }
        Block::Table { header, rows, .. } => {
            let row = |cells: &Vec<Vec<Inline>>| -> String {
                cells
                    .iter()
                    .map(|c| Inline::plain_text(c))
                    .collect::<Vec<_>>()
                    .join(" │ ")
            };
            para(&row(header), inner, prefix, out, theme.title());
            for r in rows {
                para(&row(r), inner, prefix, out, theme.base());
            }
            out.lines.push(Line::default());
        }
        Block::Image { alt, src, .. } => {
            para(&format!("[{alt}] {src}"), inner, prefix, out, theme.dim());
            out.lines.push(Line::default());
        }
        Block::Rule => {
            out.lines
                .push(Line::styled("─".repeat(inner.min(40)), theme.dim()));
            out.lines.push(Line::default());
        }
        Block::Component { name, children, .. } => {
            para(&format!("▣ {name}"), inner, prefix, out, theme.accent());
            children
                .iter()
                .for_each(|b| block(b, width, prefix, out, theme, depth + 1));
        }
        Block::Html(t) => {
            para(t, inner, prefix, out, theme.dim());
            out.lines.push(Line::default());
        }
    }
}

fn para(text: &str, width: usize, prefix: &str, out: &mut Rendered, style: ratatui::style::Style) {
    for l in wrap(text, width) {
        out.lines.push(Line::from(vec![
            Span::raw(prefix.to_string()),
            Span::styled(l, style),
        ]));
    }
}

/// Greedy word wrap by display width; words wider than the line are split by grapheme.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for word in text.split_whitespace() {
        let w = str_width(word);
        if cur_w > 0 && cur_w + 1 + w > width {
            lines.push(std::mem::take(&mut cur));
            cur_w = 0;
        }
        if w > width {
            for g in word.graphemes(true) {
                let gw = grapheme_width(g);
                if cur_w + gw > width && cur_w > 0 {
                    lines.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                cur.push_str(g);
                cur_w += gw;
            }
            continue;
        }
        if cur_w > 0 {
            cur.push(' ');
            cur_w += 1;
        }
        cur.push_str(word);
        cur_w += w;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_splits_long_words() {
        let l = wrap("aaaa bbbb cccccccccc", 6);
        assert!(l.iter().all(|l| str_width(l) <= 6), "{l:?}");
        assert_eq!(l[0], "aaaa");
    }
}
