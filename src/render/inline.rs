//! Inline runs (`Inline` trees) flattened into styled pieces: the input of wrapping.
//!
//! Flattening is iterative (an explicit stack), so deeply nested emphasis cannot
//! overflow the stack.

use ratatui::style::Style;

use super::style::Palette;
use super::width::clean;
use crate::content::doc::{Inline, prop};

/// A run of text in one style. `link` indexes the writer's URL table when these
/// columns are a hyperlink. A piece whose text is `"\n"` is a hard line break.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub text: String,
    pub style: Style,
    pub link: Option<usize>,
}

impl Piece {
    pub fn new(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style,
            link: None,
        }
    }

    pub fn link(text: impl Into<String>, style: Style, link: usize) -> Self {
        Self {
            text: text.into(),
            style,
            link: Some(link),
        }
    }

    pub fn hard_break() -> Self {
        Self::new("\n", Style::default())
    }

    pub fn is_break(&self) -> bool {
        self.text == "\n"
    }
}

/// The URLs of a document's links; a piece's `link` is an index into it.
#[derive(Debug, Default)]
pub(crate) struct Links {
    pub urls: Vec<String>,
}

impl Links {
    pub fn add(&mut self, url: &str) -> usize {
        self.urls.push(clean(url).into_owned());
        self.urls.len() - 1
    }
}

/// Longest text shown for one prop value or inline component.
const MAX_PROP_CHARS: usize = 300;

enum Step<'a> {
    Node(&'a Inline),
    Pop,
    EndLink { url: &'a str, text_start: usize },
}

/// Flatten `inlines` into pieces, each style patched over `base`.
pub(crate) fn flatten(
    inlines: &[Inline],
    base: Style,
    pal: &Palette,
    links: &mut Links,
) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut styles: Vec<Style> = vec![base];
    let mut stack: Vec<Step<'_>> = inlines.iter().rev().map(Step::Node).collect();
    // Link text is collected to compare with the URL (no " (url)" when they match).
    let mut link_depth = 0usize;
    while let Some(step) = stack.pop() {
        let cur = styles.last().copied().unwrap_or(base);
        match step {
            Step::Pop => {
                styles.pop();
            }
            Step::EndLink { url, text_start } => {
                styles.pop();
                link_depth = link_depth.saturating_sub(1);
                let text: String = out[text_start.min(out.len())..]
                    .iter()
                    .map(|p| p.text.as_str())
                    .collect();
                let url_clean = clean(url);
                let id = links.add(url);
                if text.trim() == url_clean.trim() || text.trim().is_empty() {
                    // The text is the URL (an autolink) or there is no text: the
                    // visible text is the link itself.
                    if text.trim().is_empty() {
                        out.push(Piece::link(url_clean.into_owned(), pal.link_text, id));
                    } else {
                        for p in &mut out[text_start..] {
                            p.link = Some(id);
                        }
                    }
                } else {
                    let dim = base.patch(pal.link_url);
                    out.push(Piece::new(" (", dim));
                    out.push(Piece::link(url_clean.into_owned(), dim, id));
                    out.push(Piece::new(")", dim));
                }
            }
            Step::Node(node) => match node {
                Inline::Text(t) => out.push(Piece::new(clean(t), cur)),
                // Without colour, inline code keeps visible marks, as in Markdown.
                Inline::Code(t) if pal.plain => {
                    out.push(Piece::new(format!("`{}`", clean(t)), cur.patch(pal.code)))
                }
                Inline::Code(t) => out.push(Piece::new(clean(t), cur.patch(pal.code))),
                Inline::Html(t) => out.push(Piece::new(clean(t), cur.patch(pal.html))),
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => {
                    let s = match node {
                        Inline::Strong(_) => pal.strong,
                        Inline::Emphasis(_) => pal.emphasis,
                        _ => pal.strike,
                    };
                    styles.push(cur.patch(s));
                    stack.push(Step::Pop);
                    stack.extend(c.iter().rev().map(Step::Node));
                }
                Inline::Link { url, content, .. } => {
                    if link_depth > 0 {
                        // A link inside a link: keep its text only.
                        styles.push(cur);
                        stack.push(Step::Pop);
                    } else {
                        link_depth += 1;
                        styles.push(cur.patch(pal.link_text));
                        stack.push(Step::EndLink {
                            url,
                            text_start: out.len(),
                        });
                    }
                    stack.extend(content.iter().rev().map(Step::Node));
                }
                Inline::Image { alt, src, .. } => {
                    let dim = cur.patch(pal.dim);
                    let label = if alt.trim().is_empty() {
                        "[image]".to_string()
                    } else {
                        format!("[image: {}]", clean(alt))
                    };
                    out.push(Piece::new(label, dim));
                    if !src.trim().is_empty() {
                        let id = links.add(src);
                        out.push(Piece::new(" (", dim));
                        out.push(Piece::link(clean(src).into_owned(), dim, id));
                        out.push(Piece::new(")", dim));
                    }
                }
                Inline::Component { name, props, label } => {
                    if !label.is_empty() {
                        let s = if name == "mention" {
                            pal.mention
                        } else {
                            pal.label
                        };
                        styles.push(cur.patch(s));
                        stack.push(Step::Pop);
                        if name == "mention" {
                            out.push(Piece::new("@", cur.patch(s)));
                        }
                        stack.extend(label.iter().rev().map(Step::Node));
                    } else if name == "mention" {
                        let who = prop(props, "name")
                            .or_else(|| prop(props, "user"))
                            .or_else(|| prop(props, "id"))
                            .unwrap_or("someone");
                        out.push(Piece::new(
                            format!("@{}", bounded(who)),
                            cur.patch(pal.mention),
                        ));
                    } else {
                        let text = prop(props, "name")
                            .or_else(|| prop(props, "label"))
                            .or_else(|| prop(props, "text"))
                            .unwrap_or(name);
                        out.push(Piece::new(bounded(text), cur.patch(pal.label)));
                    }
                }
                Inline::SoftBreak => out.push(Piece::new(" ", cur)),
                Inline::HardBreak => out.push(Piece::hard_break()),
            },
        }
    }
    out
}

/// A prop or label value cut to a sane length and cleaned.
pub(crate) fn bounded(s: &str) -> String {
    let cleaned = clean(s);
    let mut out: String = cleaned.chars().take(MAX_PROP_CHARS).collect();
    if cleaned.chars().nth(MAX_PROP_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// The visible text of pieces (headings' titles, tests).
pub(crate) fn text_of(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| if p.is_break() { " " } else { p.text.as_str() })
        .collect()
}
