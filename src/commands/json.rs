//! The `--json` shapes (documented in README "JSON output"): one object per item with
//! the normalised fields first and then every other front matter field as written;
//! `show --json` adds `markdown`, `text`, `headings` and `links`.

use serde_json::{Map, Value, json};

use crate::content::Index;
use crate::content::doc::{Block, Document, Inline, all_blocks};
use crate::content::model::{Post, Project, RackStatus, Story};

/// Pretty JSON and a newline.
pub(super) fn to_string(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// `typed`, then every field of the file's front matter that `typed` lacks.
fn with_front(index: &Index, key: &str, typed: Value) -> Value {
    let Value::Object(mut map) = typed else {
        return typed;
    };
    if let Some(src) = index.sources.get(key) {
        for (k, v) in &src.front {
            if !map.contains_key(k) {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(map)
}

pub(super) fn project(index: &Index, p: &Project) -> Value {
    let typed = json!({
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "order": p.order,
        "region": p.region,
        "rackBay": p.rack_bay,
        "rackStatus": match p.rack_status {
            RackStatus::Live => Value::from("live"),
            RackStatus::Offline => Value::from("offline"),
            RackStatus::Unknown => Value::Null,
        },
        "vault": p.vault,
        "liveUrl": p.live_url,
        "thumbnail": p.thumbnail,
        "hash": p.hash,
    });
    with_front(index, &format!("projects/{}", p.slug), typed)
}

pub(super) fn post(index: &Index, p: &Post) -> Value {
    let typed = json!({
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "date": p.date.to_string(),
        "readTime": p.read_time,
        "tags": p.tags,
        "thumbnail": p.thumbnail,
    });
    with_front(index, &format!("blog/{}", p.slug), typed)
}

pub(super) fn story(index: &Index, s: &Story) -> Value {
    let typed = json!({
        "id": s.id,
        "label": s.label,
        "text": s.text,
        "image": s.image,
        "color": s.color.map(|c| format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)),
        "link": s.link,
        "order": s.order,
    });
    with_front(index, &format!("stories/{}", s.id), typed)
}

/// `show --json`: the item's object plus the body as data.
pub(super) fn page(mut item: Value, key: &str, index: &Index, doc: &Document, text: &str) -> Value {
    let markdown = index
        .sources
        .get(key)
        .map(|s| s.markdown.clone())
        .unwrap_or_default();
    if let Value::Object(map) = &mut item {
        map.insert("markdown".into(), Value::String(markdown));
        map.insert("text".into(), Value::String(text.to_string()));
        map.insert("headings".into(), headings(doc));
        map.insert("links".into(), links(doc));
    }
    item
}

fn headings(doc: &Document) -> Value {
    Value::Array(
        all_blocks(&doc.blocks)
            .into_iter()
            .filter_map(|b| match b {
                Block::Heading { level, id, content } => Some(json!({
                    "level": level,
                    "text": Inline::plain_text(content),
                    "anchor": id,
                })),
                _ => None,
            })
            .collect(),
    )
}

fn links(doc: &Document) -> Value {
    let mut out = Vec::new();
    for b in all_blocks(&doc.blocks) {
        let mut stack: Vec<&Inline> = match b {
            Block::Heading { content, .. } | Block::Paragraph(content) => content.iter().collect(),
            Block::Table { header, rows, .. } => header
                .iter()
                .flatten()
                .chain(rows.iter().flatten().flatten())
                .collect(),
            _ => Vec::new(),
        };
        stack.reverse();
        while let Some(i) = stack.pop() {
            match i {
                Inline::Link { url, content, .. } => {
                    let mut m = Map::new();
                    m.insert("text".into(), Value::String(Inline::plain_text(content)));
                    m.insert("url".into(), Value::String(url.clone()));
                    out.push(Value::Object(m));
                }
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => {
                    stack.extend(c.iter().rev())
                }
                _ => {}
            }
        }
    }
    Value::Array(out)
}
