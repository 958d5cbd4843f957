//! A document is the parsed body of a page: blocks of markdown plus MDC components.
//!
//! This is the contract between `content/` (which builds it from source text or from a
//! Nuxt payload) and `render/` (which lays it out at a width). It holds everything a
//! renderer needs and nothing about presentation.

/// One parsed page body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

/// A component prop: `key="v"`, `key=v`, bare `flag` (value `"true"`), `#id` (key `id`),
/// `.class` (key `class`), `:key='json'` (key `key`, the raw JSON text as value).
pub type Props = Vec<(String, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    None,
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `level` 1..=6; `id` is the anchor slug (as the site makes them: lowercase,
    /// spaces to `-`, punctuation dropped), unique within the document.
    Heading {
        level: u8,
        id: String,
        content: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// A fenced or indented code block. `lang` is the fence info's first word, if any.
    /// The code is shared (every layout of the page keeps it for copying).
    Code {
        lang: Option<String>,
        code: std::sync::Arc<str>,
    },
    /// A GFM table. `header` has one entry per column; every row is padded/truncated
    /// to the same column count by the parser.
    Table {
        align: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Quote(Vec<Block>),
    /// `start` is `Some(n)` for ordered lists. Each item is a list of blocks (a tight
    /// item is usually one `Paragraph`).
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    /// An image standing alone in its paragraph.
    Image {
        alt: String,
        src: String,
        title: Option<String>,
    },
    Rule,
    /// An MDC block component `::name{props}` … `::`. `closed` is false when the source
    /// never closed it (legal MDC: it then runs to the end of its parent). `slots` holds
    /// named `#slot` sections; the default slot's content is `children`.
    Component {
        name: String,
        props: Props,
        children: Vec<Block>,
        slots: Vec<(String, Vec<Block>)>,
        closed: bool,
        /// 1-based source line of the opening `::name`, 0 when not from source text.
        line: u32,
    },
    /// Raw HTML block, kept as text.
    Html(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Strikethrough(Vec<Inline>),
    Link {
        url: String,
        title: Option<String>,
        content: Vec<Inline>,
    },
    Image {
        alt: String,
        src: String,
        title: Option<String>,
    },
    /// An inline MDC component `:name{props}` or `:name[label]{props}`.
    Component {
        name: String,
        props: Props,
        label: Vec<Inline>,
    },
    SoftBreak,
    HardBreak,
    /// Inline raw HTML, kept as text.
    Html(String),
}

impl Inline {
    /// The visible text of an inline run, without styling (used for headings' ids,
    /// search and plain output).
    pub fn plain_text(inlines: &[Inline]) -> String {
        let mut out = String::new();
        for i in inlines {
            i.push_plain(&mut out);
        }
        out
    }

    fn push_plain(&self, out: &mut String) {
        match self {
            Inline::Text(t) | Inline::Code(t) | Inline::Html(t) => out.push_str(t),
            Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => {
                for i in c {
                    i.push_plain(out);
                }
            }
            Inline::Link { content, .. } => {
                for i in content {
                    i.push_plain(out);
                }
            }
            Inline::Image { alt, .. } => out.push_str(alt),
            Inline::Component { name, props, label } => {
                if !label.is_empty() {
                    for i in label {
                        i.push_plain(out);
                    }
                } else if let Some((_, v)) = props.iter().find(|(k, _)| k == "name") {
                    if name == "mention" {
                        out.push('@');
                    }
                    out.push_str(v);
                } else {
                    out.push_str(name);
                }
            }
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
        }
    }
}

/// Look up a prop by key.
pub fn prop<'a>(props: &'a Props, key: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Every block of `blocks` and every block inside them (quotes, list items, component
/// children, then slots), in reading order, without recursion.
pub fn all_blocks(blocks: &[Block]) -> Vec<&Block> {
    let mut out = Vec::new();
    let mut stack: Vec<&Block> = blocks.iter().rev().collect();
    while let Some(b) = stack.pop() {
        out.push(b);
        match b {
            Block::Quote(c) => stack.extend(c.iter().rev()),
            Block::List { items, .. } => stack.extend(items.iter().flatten().rev()),
            Block::Component {
                children, slots, ..
            } => {
                stack.extend(slots.iter().flat_map(|(_, s)| s).rev());
                stack.extend(children.iter().rev());
            }
            _ => {}
        }
    }
    out
}
