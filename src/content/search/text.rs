//! The searchable text of each item of an index: title, tags, other metadata lines and
//! body paragraphs, taken from the document model (bounded depth on hostile content).

use std::sync::Arc;

use crate::content::{Block, Document, Index, Inline};

use super::Doc;

/// One searchable thing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    pub title: String,
    /// Tags as words (`docker openstack`).
    pub tags: Vec<String>,
    /// Description lines, region, links…, as a result shows them.
    pub meta: Vec<String>,
    /// Body paragraphs (code blocks whole: the document's own, shared); each exactly
    /// its size, for the index's life.
    pub body: Vec<Arc<str>>,
}

/// Every project, post and story of `index`, with what search reads of each.
pub(crate) fn items(index: &Index) -> Vec<(Doc, Item)> {
    let mut out = Vec::new();
    for (i, p) in index.projects.iter().enumerate() {
        out.push((Doc::Page(crate::content::PageRef::Project(i)), project(p)));
    }
    for (i, p) in index.posts.iter().enumerate() {
        out.push((
            Doc::Page(crate::content::PageRef::Post(i)),
            Item {
                title: p.title.clone(),
                tags: p.tags.clone(),
                meta: p.description.lines().map(String::from).collect(),
                body: paragraphs(&p.body),
            },
        ));
    }
    for (i, s) in index.stories.iter().enumerate() {
        out.push((
            Doc::Story(i),
            Item {
                title: s.label.clone(),
                tags: Vec::new(),
                meta: s.link.iter().cloned().collect(),
                body: vec![s.text.as_str().into()],
            },
        ));
    }
    out
}

fn project(p: &crate::content::Project) -> Item {
    let extras = [&p.region, &p.rack_bay, &p.live_url].into_iter().flatten();
    Item {
        title: p.title.clone(),
        tags: Vec::new(),
        meta: p
            .description
            .lines()
            .map(String::from)
            .chain(extras.cloned())
            .collect(),
        body: paragraphs(&p.body),
    }
}

/// The plain text of each block of a document, one string per paragraph-like block.
pub(crate) fn paragraphs(doc: &Document) -> Vec<Arc<str>> {
    let mut out = Vec::new();
    for b in &doc.blocks {
        push_block(b, &mut out, 0);
    }
    out.retain(|s| !s.trim().is_empty());
    out.shrink_to_fit();
    out
}

/// Nesting deeper than this is not searched (bounded work on hostile content).
const MAX_DEPTH: usize = 32;

fn push_block(b: &Block, out: &mut Vec<Arc<str>>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match b {
        Block::Heading { content, .. } | Block::Paragraph(content) => {
            out.push(Inline::plain_text(content).into())
        }
        Block::Code { code, .. } => out.push(code.clone()),
        Block::Html(t) => out.push(t.as_str().into()),
        Block::Table { header, rows, .. } => {
            let cells = header.iter().chain(rows.iter().flatten());
            let line: Vec<String> = cells.map(|c| Inline::plain_text(c)).collect();
            out.push(line.join(" ").into());
        }
        Block::Quote(blocks) => blocks.iter().for_each(|b| push_block(b, out, depth + 1)),
        Block::List { items, .. } => items
            .iter()
            .flatten()
            .for_each(|b| push_block(b, out, depth + 1)),
        Block::Image { alt, .. } => out.push(alt.as_str().into()),
        Block::Rule => {}
        Block::Component {
            props,
            children,
            slots,
            ..
        } => {
            let text: Vec<&str> = props.iter().map(|(_, v)| v.as_str()).collect();
            out.push(text.join(" ").into());
            children.iter().for_each(|b| push_block(b, out, depth + 1));
            slots
                .iter()
                .flat_map(|(_, bs)| bs)
                .for_each(|b| push_block(b, out, depth + 1));
        }
    }
}
