//! The seed site's page bodies, read straight from `/work/shared/seed/_payload.json`
//! (devalue-encoded minimark trees) into `Document`s, with the texts each one must show.
//!
//! This is a test-side reading of the payload, independent of `import-nuxt` and the
//! markdown parser, so the renderer can be checked against the original content.

use serde_json::{Map, Value};
use sshfolio::content::doc::{Align, Block, Document, Inline};

/// Where the seed payload lives; tests that need it skip quietly when it is absent.
pub fn payload_path() -> std::path::PathBuf {
    std::env::var_os("SSHFOLIO_SEED")
        .map(Into::into)
        .unwrap_or_else(|| "/work/shared/seed/_payload.json".into())
}

/// One page of the seed: its path (`/blog/slug`), document and expected texts.
pub struct SeedPage {
    pub path: String,
    pub doc: Document,
    /// Words and lines that must appear in the rendered output (whitespace-free
    /// comparison): every paragraph, heading, list item and table cell word, every
    /// code line, every image's alt and URL, every embed's fields and URL.
    pub words: Vec<String>,
    pub code_lines: Vec<String>,
}

/// Resolve devalue indexes into a plain JSON tree.
fn resolve(arr: &[Value], i: usize, depth: usize) -> Value {
    if depth > 200 {
        return Value::Null;
    }
    let Some(v) = arr.get(i) else {
        return Value::Null;
    };
    let idx = |x: &Value| -> Value {
        match x.as_i64() {
            Some(n) if n >= 0 => resolve(arr, n as usize, depth + 1),
            _ => Value::Null,
        }
    };
    match v {
        Value::Array(a) => {
            if a.len() == 2
                && a[0].as_str().is_some_and(|s| {
                    [
                        "ShallowReactive",
                        "Reactive",
                        "Ref",
                        "ShallowRef",
                        "EmptyRef",
                    ]
                    .contains(&s)
                })
            {
                return idx(&a[1]);
            }
            Value::Array(a.iter().map(idx).collect())
        }
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), idx(x))).collect()),
        other => other.clone(),
    }
}

pub fn load() -> Option<Vec<SeedPage>> {
    let text = std::fs::read_to_string(payload_path()).ok()?;
    let arr: Vec<Value> = serde_json::from_str(&text).ok()?;
    let root = resolve(&arr, 0, 0);
    let data = root.get("data")?;
    let mut pages = Vec::new();
    for key in ["home-projects", "home-blog"] {
        for item in data.get(key)?.as_array()? {
            let path = item.get("path")?.as_str()?.to_string();
            let nodes = item.get("body")?.get("value")?.as_array()?;
            let mut words = Vec::new();
            let mut code_lines = Vec::new();
            for n in nodes {
                expect(n, &mut words, &mut code_lines);
            }
            pages.push(SeedPage {
                path,
                doc: Document {
                    blocks: blocks(nodes),
                },
                words,
                code_lines,
            });
        }
    }
    Some(pages)
}

fn tag(n: &Value) -> Option<(&str, &Map<String, Value>, &[Value])> {
    let a = n.as_array()?;
    let t = a.first()?.as_str()?;
    let attrs = a.get(1)?.as_object()?;
    Some((t, attrs, &a[2..]))
}

fn attr(attrs: &Map<String, Value>, k: &str) -> String {
    match attrs.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

const INLINE_TAGS: &[&str] = &[
    "strong", "em", "code", "a", "del", "s", "br", "span", "img", "mention", "b", "i",
];

fn is_inline(n: &Value) -> bool {
    match tag(n) {
        Some((t, ..)) => INLINE_TAGS.contains(&t),
        None => n.is_string(),
    }
}

fn blocks(nodes: &[Value]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut run: Vec<Inline> = Vec::new();
    for n in nodes {
        if is_inline(n) {
            run.extend(inline(n));
            continue;
        }
        if !run.is_empty() {
            out.push(Block::Paragraph(std::mem::take(&mut run)));
        }
        if let Some(b) = block(n) {
            out.push(b);
        }
    }
    if run
        .iter()
        .any(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty()))
    {
        out.push(Block::Paragraph(run));
    }
    out
}

fn block(n: &Value) -> Option<Block> {
    let (t, attrs, kids) = tag(n)?;
    Some(match t {
        "style" => return None,
        "p" => {
            if let [only] = kids
                && let Some(("img", a, _)) = tag(only)
            {
                return Some(Block::Image {
                    alt: attr(a, "alt"),
                    src: attr(a, "src"),
                    title: None,
                });
            }
            Block::Paragraph(inlines(kids))
        }
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Block::Heading {
            level: t[1..].parse().unwrap_or(2),
            id: attr(attrs, "id"),
            content: inlines(kids),
        },
        "pre" => Block::Code {
            lang: Some(attr(attrs, "language")).filter(|l| !l.is_empty()),
            code: attr(attrs, "code").into(),
        },
        "blockquote" => Block::Quote(blocks(kids)),
        "ul" | "ol" => Block::List {
            start: (t == "ol").then(|| attr(attrs, "start").parse().unwrap_or(1)),
            items: kids
                .iter()
                .filter_map(|li| tag(li).map(|(_, _, k)| blocks(k)))
                .collect(),
        },
        "hr" => Block::Rule,
        "img" => Block::Image {
            alt: attr(attrs, "alt"),
            src: attr(attrs, "src"),
            title: None,
        },
        "table" => {
            let mut header = Vec::new();
            let mut rows = Vec::new();
            for part in kids {
                let Some((pt, _, trs)) = tag(part) else {
                    continue;
                };
                for tr in trs {
                    let Some((_, _, cells)) = tag(tr) else {
                        continue;
                    };
                    let cells: Vec<Vec<Inline>> = cells
                        .iter()
                        .filter_map(|c| tag(c).map(|(_, _, k)| inlines(k)))
                        .collect();
                    if pt == "thead" {
                        header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
            }
            Block::Table {
                align: vec![Align::None; header.len()],
                header,
                rows,
            }
        }
        name => Block::Component {
            name: name.to_string(),
            props: attrs.keys().map(|k| (k.clone(), attr(attrs, k))).collect(),
            children: blocks(kids),
            slots: Vec::new(),
            closed: true,
            line: 0,
        },
    })
}

fn inlines(nodes: &[Value]) -> Vec<Inline> {
    nodes.iter().flat_map(inline).collect()
}

fn inline(n: &Value) -> Vec<Inline> {
    if let Some(s) = n.as_str() {
        return vec![Inline::Text(s.to_string())];
    }
    let Some((t, attrs, kids)) = tag(n) else {
        return Vec::new();
    };
    vec![match t {
        "strong" | "b" => Inline::Strong(inlines(kids)),
        "em" | "i" => Inline::Emphasis(inlines(kids)),
        "del" | "s" => Inline::Strikethrough(inlines(kids)),
        "code" => Inline::Code(text(kids)),
        "br" => Inline::HardBreak,
        "span" => return inlines(kids),
        "a" => Inline::Link {
            url: attr(attrs, "href"),
            title: None,
            content: inlines(kids),
        },
        "img" => Inline::Image {
            alt: attr(attrs, "alt"),
            src: attr(attrs, "src"),
            title: None,
        },
        name => Inline::Component {
            name: name.to_string(),
            props: attrs.keys().map(|k| (k.clone(), attr(attrs, k))).collect(),
            label: inlines(kids),
        },
    }]
}

fn text(nodes: &[Value]) -> String {
    let mut out = String::new();
    for n in nodes {
        if let Some(s) = n.as_str() {
            out.push_str(s);
        } else if let Some((_, _, k)) = tag(n) {
            out.push_str(&text(k));
        }
    }
    out
}

/// What a node must contribute to the rendered text.
fn expect(n: &Value, words: &mut Vec<String>, code: &mut Vec<String>) {
    if let Some(s) = n.as_str() {
        words.extend(s.split_whitespace().map(str::to_string));
        return;
    }
    let Some((t, attrs, kids)) = tag(n) else {
        return;
    };
    match t {
        "style" => {}
        "pre" => code.extend(attr(attrs, "code").lines().map(str::to_string)),
        "img" => {
            words.extend(attr(attrs, "alt").split_whitespace().map(str::to_string));
            words.push(attr(attrs, "src"));
        }
        "a" => {
            words.push(attr(attrs, "href"));
            for k in kids {
                expect(k, words, code);
            }
        }
        "mention" => words.push(format!("@{}", attr(attrs, "name"))),
        "youtube" | "tweet" | "instagram" | "spotify" | "github" => {
            let id = attr(attrs, "id");
            words.push(match t {
                "youtube" => format!("https://youtu.be/{id}"),
                "tweet" => format!("https://x.com/i/status/{id}"),
                "instagram" => format!("https://www.instagram.com/p/{id}"),
                "spotify" => format!("https://open.spotify.com/{}/{id}", attr(attrs, "type")),
                _ => format!("https://github.com/{}", attr(attrs, "repo")),
            });
            for k in [
                "title",
                "caption",
                "description",
                "language",
                "stars",
                "author",
            ] {
                words.extend(attr(attrs, k).split_whitespace().map(str::to_string));
            }
            for k in kids {
                expect(k, words, code);
            }
        }
        _ => {
            for k in kids {
                expect(k, words, code);
            }
        }
    }
}
