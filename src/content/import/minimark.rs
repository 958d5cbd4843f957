//! Minimark → Markdown/MDC source: turns a Nuxt Content page body (`["tag", {attrs},
//! ...children]` trees) back into the text an owner would have written.
//!
//! The aim is a faithful round trip through `content::markdown::parse`: every piece of
//! text, code, image and component comes back, in order. Text is escaped only where a
//! character would otherwise start markup, so the source stays readable.
//!
//! Over 600 lines: ~840 lines of code (one format, both directions), the rest its tests.

use std::rc::Rc;

use unicode_width::UnicodeWidthStr;

use super::devalue::Value;

mod inline;

use inline::{Ctx, InlineWriter};

/// A minimark body that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("body {path}: {message}")]
pub struct BodyError {
    /// Where in the body, e.g. `value[3][2]`.
    pub path: String,
    pub message: String,
}

/// Embeds that render a card and have no content of their own. In the seed post
/// `embedding-external-content` they were written as unclosed `::blocks`, so MDC made
/// each one swallow the rest of the post as its children. The repair, for these names
/// only: write the component childless (`::youtube{…}` closed by `::`) and its children
/// after it in normal flow, recursively, so everything stays and stays in order. Any
/// other component keeps its children inside it, since those may be its real content
/// (a callout's text, a card's slot).
pub(crate) const LEAF_EMBEDS: &[&str] = &["youtube", "tweet", "instagram", "spotify", "github"];

/// Standard HTML elements that minimark may contain. Any other tag is a component.
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "audio",
    "b",
    "blockquote",
    "br",
    "button",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "s",
    "samp",
    "script",
    "section",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "template",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Elements that live inside a paragraph.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "br", "button", "cite", "code", "del", "dfn", "em", "font", "i", "img",
    "input", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
    "sub", "sup", "time", "u", "var", "wbr",
];

/// A minimark node, borrowed from the decoded payload.
#[derive(Debug, Clone)]
enum M<'a> {
    Text(&'a str),
    El(El<'a>),
}

#[derive(Debug, Clone)]
struct El<'a> {
    tag: &'a str,
    attrs: &'a [(String, Value)],
    /// Shared so that laying out (which regroups nodes) copies no subtrees.
    children: Rc<[M<'a>]>,
}

impl El<'_> {
    fn attr(&self, key: &str) -> Option<&Value> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn attr_str(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(Value::as_str)
    }

    fn is_html(&self) -> bool {
        HTML_TAGS.contains(&self.tag)
    }

    fn is_inline_html(&self) -> bool {
        INLINE_TAGS.contains(&self.tag)
    }

    fn is_component(&self) -> bool {
        !self.is_html()
    }
}

/// Render a page body (`{type: "minimark", value: [...]}`) as Markdown/MDC source,
/// ending with a newline (empty for an empty body).
pub(crate) fn body_to_markdown(body: &Value) -> Result<String, BodyError> {
    let err = |message: &str| BodyError {
        path: String::new(),
        message: message.to_string(),
    };
    if body.is_nothing() {
        return Ok(String::new());
    }
    if body.as_object().is_none() {
        return Err(err(&format!("expected an object, found {}", body.kind())));
    }
    match body.get("type").and_then(Value::as_str) {
        Some("minimark") => {}
        Some(other) => {
            return Err(err(&format!(
                "unsupported body type `{}` (expected minimark)",
                other.chars().take(40).collect::<String>()
            )));
        }
        None => return Err(err("missing `type: minimark`")),
    }
    let nodes = match body.get("value") {
        Some(Value::Array(nodes)) => nodes,
        Some(v) if v.is_nothing() => return Ok(String::new()),
        None => return Ok(String::new()),
        Some(v) => return Err(err(&format!("`value` is {}, expected an array", v.kind()))),
    };
    let mut tree = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        tree.push(node(n, &mut format!("value[{i}]"))?);
    }
    Ok(render(&tree))
}

/// Render already-validated nodes as a document.
fn render(tree: &[M<'_>]) -> String {
    let w = Writer { colons: 2 };
    let blocks = w.blocks(tree, Flow::Block);
    if blocks.is_empty() {
        return String::new();
    }
    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

fn node<'a>(v: &'a Value, path: &mut String) -> Result<M<'a>, BodyError> {
    let fail = |path: &str, message: String| BodyError {
        path: path.to_string(),
        message,
    };
    match v {
        Value::String(s) => Ok(M::Text(s)),
        Value::Array(items) => {
            let Some(tag) = items.first().and_then(Value::as_str) else {
                return Err(fail(path, "a node must start with its tag name".into()));
            };
            let attrs: &[(String, Value)] = match items.get(1) {
                Some(Value::Object(a)) => a,
                None | Some(Value::Null | Value::Undefined) => &[],
                Some(other) => {
                    return Err(fail(
                        path,
                        format!(
                            "attributes of <{tag}> are {}, expected an object",
                            other.kind()
                        ),
                    ));
                }
            };
            let mut children = Vec::new();
            for (i, c) in items.iter().enumerate().skip(2) {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                children.push(node(c, path)?);
                path.truncate(len);
            }
            Ok(M::El(El {
                tag,
                attrs,
                children: children.into(),
            }))
        }
        other => Err(fail(
            path,
            format!(
                "expected a string or [tag, attrs, ...children], found {}",
                other.kind()
            ),
        )),
    }
}

/// Where children are being laid out, which decides whether a component is a block
/// (`::name`) or inline (`:name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// The page, a blockquote, a component's children: components are blocks.
    Block,
    /// A list item: in a tight item, content is inline text, so only embeds are blocks.
    Item { loose: bool },
}

/// What the previous block was, to keep two adjacent lists from merging into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Other,
    Bullet(char),
    Ordered(char),
}

struct Writer {
    /// Colons of a block component at this level (`::` at the top, one more per level
    /// of nesting so inner closing fences don't close the outer block).
    colons: usize,
}

impl Writer {
    fn nested(&self) -> Writer {
        Writer {
            colons: self.colons + 1,
        }
    }

    fn is_inline(&self, n: &M<'_>, flow: Flow) -> bool {
        match n {
            M::Text(_) => true,
            M::El(e) if e.is_inline_html() => true,
            M::El(e) if e.is_component() => match flow {
                Flow::Block => false,
                Flow::Item { loose } => !loose && !LEAF_EMBEDS.contains(&e.tag),
            },
            M::El(_) => false,
        }
    }

    /// Lay out children as blocks: consecutive inline nodes form a paragraph.
    fn blocks(&self, nodes: &[M<'_>], flow: Flow) -> Vec<String> {
        let nodes = hoist_leaf_embeds(nodes);
        let mut out = Vec::new();
        let mut run: Vec<M<'_>> = Vec::new();
        let mut last = Last::Other;
        for n in nodes {
            if self.is_inline(&n, flow) {
                run.push(n);
                continue;
            }
            self.flush(&mut run, &mut out, &mut last);
            let M::El(e) = n else { continue };
            self.block(&e, flow, &mut out, &mut last);
        }
        self.flush(&mut run, &mut out, &mut last);
        out
    }

    fn flush(&self, run: &mut Vec<M<'_>>, out: &mut Vec<String>, last: &mut Last) {
        if run.is_empty() {
            return;
        }
        let text = paragraph(run);
        run.clear();
        if !text.trim().is_empty() {
            out.push(text);
            *last = Last::Other;
        }
    }

    fn block(&self, e: &El<'_>, flow: Flow, out: &mut Vec<String>, last: &mut Last) {
        let mut this = Last::Other;
        let text = match e.tag {
            "p" => paragraph(&e.children),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(e.tag.as_bytes()[1] - b'0');
                let mut w = InlineWriter::new(Ctx::Heading, &e.children);
                w.inlines(&e.children);
                let text = w.finish();
                format!("{} {}", "#".repeat(level), text.trim())
                    .trim_end()
                    .to_string()
            }
            "ul" | "ol" => {
                let ordered = e.tag == "ol";
                // Two lists in a row would merge: alternate the marker character.
                let ch = match (*last, ordered) {
                    (Last::Bullet('-'), false) => '*',
                    (_, false) => '-',
                    (Last::Ordered('.'), true) => ')',
                    (_, true) => '.',
                };
                this = if ordered {
                    Last::Ordered(ch)
                } else {
                    Last::Bullet(ch)
                };
                self.list(e, ordered, ch)
            }
            "blockquote" => {
                let inner = self.blocks(&e.children, Flow::Block).join("\n\n");
                prefix_lines(&inner, "> ", ">")
            }
            "pre" => fence(e),
            "hr" => "---".to_string(),
            "table" => table(e),
            // Shiki's CSS and scripts are presentation, not content.
            "style" | "script" => String::new(),
            "br" => String::new(),
            _ if e.is_component() => self.component(e),
            // Any other HTML wrapper (div, section, template, stray tr/li …): its
            // content, laid out as blocks.
            _ => {
                let inner = self.blocks(&e.children, flow);
                if !inner.is_empty() {
                    out.extend(inner);
                    *last = Last::Other;
                }
                return;
            }
        };
        if !text.trim().is_empty() {
            out.push(text);
            *last = this;
        }
    }

    fn list(&self, e: &El<'_>, ordered: bool, ch: char) -> String {
        let start = e
            .attr("start")
            .and_then(|v| match v {
                Value::Number(n) | Value::String(n) => n.trim().parse::<u64>().ok(),
                _ => None,
            })
            .unwrap_or(1)
            // CommonMark allows at most nine digits in a list number.
            .min(999_999_999 - (e.children.len() as u64).min(999_999_999));
        let items: Vec<&M<'_>> = e
            .children
            .iter()
            .filter(|c| !matches!(c, M::Text(t) if t.trim().is_empty()))
            .collect();
        let loose = items.iter().any(|c| match c {
            M::El(li) => li
                .children
                .iter()
                .any(|g| matches!(g, M::El(p) if p.tag == "p")),
            M::Text(_) => false,
        });
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let marker = if ordered {
                format!("{}{ch}", start + i as u64)
            } else {
                ch.to_string()
            };
            let children: &[M<'_>] = match item {
                M::El(li) if li.tag == "li" => &li.children,
                other => std::slice::from_ref(*other),
            };
            let blocks = self.blocks(children, Flow::Item { loose });
            let mut content = String::new();
            for (j, b) in blocks.iter().enumerate() {
                if j > 0 {
                    // In a tight item only a nested list or a fence may follow text
                    // directly; anything else needs a blank line.
                    let tight = !loose
                        && (b.starts_with("- ")
                            || b.starts_with("* ")
                            || b.starts_with("```")
                            || b.starts_with("~~~")
                            || starts_ordered(b));
                    content.push_str(if tight { "\n" } else { "\n\n" });
                }
                content.push_str(b);
            }
            let indent = " ".repeat(marker.chars().count() + 1);
            let body = prefix_lines(&content, &indent, "");
            let body = body.strip_prefix(indent.as_str()).unwrap_or(&body);
            if body.is_empty() {
                out.push(marker);
            } else {
                out.push(format!("{marker} {body}"));
            }
        }
        out.join(if loose { "\n\n" } else { "\n" })
    }

    fn component(&self, e: &El<'_>) -> String {
        let fence = ":".repeat(self.colons);
        if !valid_name(e.tag) {
            // Not writable as MDC: keep its content.
            return self.blocks(&e.children, Flow::Block).join("\n\n");
        }
        let mut open = format!("{fence}{}", e.tag);
        open.push_str(&props(e.attrs, false));
        let inner = self.nested();
        let mut body = Vec::new();
        let mut default_slot: Vec<M<'_>> = Vec::new();
        for c in e.children.iter() {
            match c {
                M::El(t) if t.tag == "template" && slot_name(t).is_some() => {
                    if let Some(name) = slot_name(t) {
                        let blocks = inner.blocks(&default_slot, Flow::Block);
                        default_slot.clear();
                        body.extend(blocks);
                        let content = inner.blocks(&t.children, Flow::Block).join("\n\n");
                        if content.is_empty() {
                            body.push(format!("#{name}"));
                        } else {
                            body.push(format!("#{name}\n{content}"));
                        }
                    }
                }
                other => default_slot.push(other.clone()),
            }
        }
        body.extend(inner.blocks(&default_slot, Flow::Block));
        if body.is_empty() {
            format!("{open}\n{fence}")
        } else {
            format!("{open}\n{}\n{fence}", body.join("\n\n"))
        }
    }
}

/// Apply the leaf-embed repair (see `LEAF_EMBEDS`) to one level of block children.
fn hoist_leaf_embeds<'a>(nodes: &[M<'a>]) -> Vec<M<'a>> {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        match n {
            M::El(e) if LEAF_EMBEDS.contains(&e.tag) && !e.children.is_empty() => {
                out.push(M::El(El {
                    tag: e.tag,
                    attrs: e.attrs,
                    children: Rc::from(Vec::new()),
                }));
                out.extend(hoist_leaf_embeds(&e.children));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

fn slot_name<'a>(t: &'a El<'_>) -> Option<&'a str> {
    t.attrs.iter().find_map(|(k, _)| {
        let name = k.strip_prefix("v-slot:").or_else(|| k.strip_prefix('#'))?;
        valid_name(name).then_some(name)
    })
}

fn starts_ordered(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    (1..=9).contains(&digits) && matches!(s.as_bytes().get(digits), Some(b'.' | b')'))
}

/// A component or prop name MDC can parse.
fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `{key="value" flag :n="5"}` from attributes, in payload order; empty when there
/// are none (or `{}` when `always`).
fn props(attrs: &[(String, Value)], always: bool) -> String {
    let mut parts = Vec::new();
    // Nuxt sorts props by name; an owner writes the identifying one first.
    let mut attrs: Vec<&(String, Value)> = attrs.iter().collect();
    attrs.sort_by_key(|(k, _)| !matches!(k.as_str(), "id" | "repo" | "name"));
    for (k, v) in attrs {
        let key_ok = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
        if !key_ok {
            continue;
        }
        match v {
            Value::Undefined | Value::Null => {}
            Value::Bool(true) => parts.push(k.clone()),
            Value::String(s) => parts.push(format!("{k}={}", quote_prop(s))),
            Value::Bool(false) => parts.push(format!(":{k}=\"false\"")),
            Value::Number(n) => parts.push(format!(":{k}={}", quote_prop(n))),
            Value::Array(_) | Value::Object(_) => {
                parts.push(format!(":{k}={}", quote_prop(&to_json(v))));
            }
        }
    }
    if parts.is_empty() {
        return if always { "{}".into() } else { String::new() };
    }
    format!("{{{}}}", parts.join(" "))
}

/// Quote a prop value: `"v"`, or `'v'` when it holds a double quote but no single
/// one; inside, a backslash escapes the quote character and itself.
fn quote_prop(s: &str) -> String {
    let q = if s.contains('"') && !s.contains('\'') {
        '\''
    } else {
        '"'
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        if c == q || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(q);
    out
}

fn to_json(v: &Value) -> String {
    match v {
        Value::Undefined | Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(a) => format!("[{}]", a.iter().map(to_json).collect::<Vec<_>>().join(",")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .filter(|(_, v)| !matches!(v, Value::Undefined))
                .map(|(k, v)| format!(
                    "{}:{}",
                    serde_json::to_string(k).unwrap_or_default(),
                    to_json(v)
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn paragraph(children: &[M<'_>]) -> String {
    let mut w = InlineWriter::new(Ctx::Paragraph, children);
    w.inlines(children);
    w.finish()
}

/// Prefix every line; empty lines get `empty` instead (no trailing spaces).
fn prefix_lines(text: &str, prefix: &str, empty: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.is_empty() {
            out.push_str(empty);
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
    }
    out
}

/// A fenced code block from a `pre` node: the raw source is its `code` attribute.
fn fence(e: &El<'_>) -> String {
    let code = match e.attr_str("code") {
        Some(c) => c.to_string(),
        None => plain_text(&e.children),
    };
    let lang = e
        .attr_str("language")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .or_else(|| class_language(e));
    let mut info = lang.unwrap_or_default();
    if let Some(f) = e.attr_str("filename").filter(|f| !f.is_empty()) {
        info.push_str(&format!(" [{f}]"));
    }
    if let Some(m) = e.attr_str("meta").filter(|m| !m.trim().is_empty()) {
        info.push(' ');
        info.push_str(m.trim());
    }
    let info: String = info
        .trim()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    // An info string may not contain a backtick in a backtick fence.
    let ch = if info.contains('`') { '~' } else { '`' };
    let len = longest_run(&code, ch).max(2) + 1;
    let fence = ch.to_string().repeat(len);
    let mut out = format!("{fence}{info}\n{code}");
    if !code.is_empty() && !code.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out
}

fn class_language(e: &El<'_>) -> Option<String> {
    let classes: Vec<&str> = match e.attr("className").or_else(|| e.attr("class"))? {
        Value::String(s) => s.split_whitespace().collect(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    classes
        .iter()
        .find_map(|c| c.strip_prefix("language-"))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
}

fn longest_run(s: &str, ch: char) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for c in s.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// The text of nodes with all markup dropped.
fn plain_text(nodes: &[M<'_>]) -> String {
    let mut out = String::new();
    fn walk(n: &M<'_>, out: &mut String) {
        match n {
            M::Text(t) => out.push_str(t),
            M::El(e) if e.tag == "style" || e.tag == "script" => {}
            M::El(e) => {
                for c in e.children.iter() {
                    walk(c, out);
                }
            }
        }
    }
    for n in nodes {
        walk(n, &mut out);
    }
    out
}

/// A GFM table with column alignment.
fn table(e: &El<'_>) -> String {
    let mut header: Option<Vec<(String, Align)>> = None;
    let mut rows: Vec<Vec<String>> = Vec::new();
    collect_rows(e, false, &mut header, &mut rows);
    let header = match header {
        Some(h) => h,
        None if !rows.is_empty() => rows
            .remove(0)
            .into_iter()
            .map(|c| (c, Align::None))
            .collect(),
        None => return String::new(),
    };
    let cols = rows
        .iter()
        .map(Vec::len)
        .chain([header.len()])
        .max()
        .unwrap_or(0)
        .max(1);
    let mut widths = vec![3usize; cols];
    for (i, (c, _)) in header.iter().enumerate() {
        widths[i] = widths[i].max(c.width());
    }
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.width());
        }
    }
    // Pad for readability, but don't let one long cell widen every row.
    for w in &mut widths {
        *w = (*w).min(40);
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::from("|");
        for (i, w) in widths.iter().enumerate() {
            let c = cells.get(i).copied().unwrap_or("");
            s.push(' ');
            s.push_str(c);
            s.push_str(&" ".repeat(w.saturating_sub(c.width())));
            s.push_str(" |");
        }
        s
    };
    let mut out = vec![line(header.iter().map(|(c, _)| c.as_str()).collect())];
    let mut delim = String::from("|");
    for (i, w) in widths.iter().enumerate() {
        let align = header.get(i).map(|(_, a)| *a).unwrap_or(Align::None);
        let dashes = "-".repeat(*w);
        let cell = match align {
            Align::None => dashes,
            Align::Left => format!(":{}", &dashes[1..]),
            Align::Right => format!("{}:", &dashes[1..]),
            Align::Center => format!(":{}:", &dashes[2..]),
        };
        delim.push(' ');
        delim.push_str(&cell);
        delim.push_str(" |");
    }
    out.push(delim);
    for r in &rows {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    None,
    Left,
    Center,
    Right,
}

fn collect_rows(
    e: &El<'_>,
    in_head: bool,
    header: &mut Option<Vec<(String, Align)>>,
    rows: &mut Vec<Vec<String>>,
) {
    for c in e.children.iter() {
        let M::El(c) = c else { continue };
        match c.tag {
            "thead" => collect_rows(c, true, header, rows),
            "tbody" | "tfoot" => collect_rows(c, false, header, rows),
            "tr" => {
                let cells: Vec<(String, Align)> = c
                    .children
                    .iter()
                    .filter_map(|cell| match cell {
                        M::El(cell) if cell.tag == "th" || cell.tag == "td" => {
                            Some((table_cell(&cell.children), cell_align(cell)))
                        }
                        _ => None,
                    })
                    .collect();
                if in_head && header.is_none() {
                    *header = Some(cells);
                } else {
                    rows.push(cells.into_iter().map(|(c, _)| c).collect());
                }
            }
            _ => {}
        }
    }
}

fn table_cell(children: &[M<'_>]) -> String {
    let mut w = InlineWriter::new(Ctx::Table, children);
    w.inlines(children);
    w.finish().trim().to_string()
}

fn cell_align(cell: &El<'_>) -> Align {
    let style = cell.attr_str("style").unwrap_or("");
    let a = cell
        .attr_str("align")
        .map(str::to_ascii_lowercase)
        .or_else(|| {
            let s = style.replace(' ', "").to_ascii_lowercase();
            s.split(';')
                .find_map(|d| d.strip_prefix("text-align:").map(str::to_string))
        })
        .unwrap_or_default();
    match a.as_str() {
        "left" => Align::Left,
        "center" => Align::Center,
        "right" => Align::Right,
        _ => Align::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::import::devalue::Value;

    /// Build a minimark value from a compact JSON literal.
    fn body(json: &str) -> Value {
        fn conv(v: serde_json::Value) -> Value {
            match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => Value::Number(n.to_string()),
                serde_json::Value::String(s) => Value::String(s),
                serde_json::Value::Array(a) => Value::Array(a.into_iter().map(conv).collect()),
                serde_json::Value::Object(o) => {
                    Value::Object(o.into_iter().map(|(k, v)| (k, conv(v))).collect())
                }
            }
        }
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        Value::Object(vec![
            ("type".into(), Value::String("minimark".into())),
            ("value".into(), conv(value)),
        ])
    }

    pub(super) fn md(json: &str) -> String {
        body_to_markdown(&body(json)).unwrap()
    }

    #[test]
    fn paragraphs_headings_and_inline_styles() {
        assert_eq!(
            md(
                r#"[["h2",{"id":"x"},"Stack"],["p",{},"Built ",["strong",{},"fast"],", ",["em",{},"very"]," and ",["del",{},"old"],", see ",["code",{},"a`b"],"."]]"#
            ),
            "## Stack\n\nBuilt **fast**, *very* and ~~old~~, see ``a`b``.\n"
        );
    }

    #[test]
    fn whitespace_moves_outside_emphasis() {
        assert_eq!(
            md(r#"[["p",{},"a",["strong",{}," b "],"c"]]"#),
            "a **b** c\n"
        );
    }

    #[test]
    fn escapes_markup_in_text_but_not_plain_punctuation() {
        assert_eq!(
            md(
                r##"[["p",{},"# not a heading *x* [y] a_b _c_ 1<2 <b> &amp; R&D ~15k"],["p",{},"1. not a list"],["p",{},"- nor this"],["p",{},"::nor this"]]"##
            ),
            "\\# not a heading \\*x\\* \\[y\\] a_b \\_c\\_ 1<2 \\<b> \\&amp; R&D ~15k\n\n1\\. not a list\n\n\\- nor this\n\n\\:\\:nor this\n"
        );
        assert_eq!(md(r#"[["p",{},"~a~ b"]]"#), "\\~a\\~ b\n");
    }

    #[test]
    fn links_and_images() {
        assert_eq!(
            md(
                r#"[["p",{},["a",{"href":"https://x.com/a_(b)","title":"T"},"site"]," ",["img",{"alt":"A [gif]","src":"/a b.gif"}]]]"#
            ),
            "[site](https://x.com/a_\\(b\\) \"T\") ![A \\[gif\\]](</a b.gif>)\n"
        );
    }

    #[test]
    fn lists_nested_and_ordered_with_start() {
        assert_eq!(
            md(
                r#"[["ul",{},["li",{},"one",["ul",{},["li",{},"inner"]]],["li",{},"two"]],["ol",{"start":3},["li",{},"three"],["li",{},"four"]]]"#
            ),
            "- one\n  - inner\n- two\n\n3. three\n4. four\n"
        );
    }

    #[test]
    fn adjacent_lists_do_not_merge() {
        assert_eq!(
            md(r#"[["ul",{},["li",{},"a"]],["ul",{},["li",{},"b"]]]"#),
            "- a\n\n* b\n"
        );
    }

    #[test]
    fn loose_list_items_keep_paragraphs() {
        assert_eq!(
            md(
                r#"[["ol",{},["li",{},["p",{},"first"],["p",{},"more"]],["li",{},["p",{},"second"]]]]"#
            ),
            "1. first\n\n   more\n\n2. second\n"
        );
    }

    #[test]
    fn blockquote_and_rule() {
        assert_eq!(
            md(r#"[["blockquote",{},["p",{},"quoted"],["p",{},"again"]],["hr",{}]]"#),
            "> quoted\n>\n> again\n\n---\n"
        );
    }

    #[test]
    fn code_fence_uses_code_attribute_language_and_a_long_enough_fence() {
        assert_eq!(
            md(
                r#"[["pre",{"className":"language-md shiki","code":"```js\nx\n```\n","language":"md","meta":""},["code",{},"ignored"]],["style",{},"css"]]"#
            ),
            "````md\n```js\nx\n```\n````\n"
        );
        assert_eq!(
            md(r#"[["pre",{"className":["language-go"],"code":"a"}]]"#),
            "```go\na\n```\n"
        );
    }

    #[test]
    fn table_with_alignment() {
        assert_eq!(
            md(
                r#"[["table",{},["thead",{},["tr",{},["th",{"align":"left"},"A"],["th",{"align":"center"},"B|C"]]],["tbody",{},["tr",{},["td",{},"1"],["td",{},["code",{},"x|y"]]]]]]"#
            ),
            "| A   | B\\|C   |\n| :-- | :----: |\n| 1   | `x\\|y` |\n"
        );
    }

    #[test]
    fn components_block_inline_and_quoted_props() {
        assert_eq!(
            md(
                r#"[["p",{},["mention",{"name":"Joe"}]," says hi"],["youtube",{"id":"abc","title":"Say \"hi\""}],["callout",{"type":"info"},["p",{},"inside"],["note",{},["p",{},"deeper"]]]]"#
            ),
            ":mention{name=\"Joe\"} says hi\n\n::youtube{id=\"abc\" title='Say \"hi\"'}\n::\n\n::callout{type=\"info\"}\ninside\n\n:::note\ndeeper\n:::\n::\n"
        );
    }

    #[test]
    fn swallowing_leaf_embeds_are_closed_and_their_children_follow() {
        let out = md(
            r#"[["p",{},"intro"],["youtube",{"id":"a"},["p",{},"after yt"],["tweet",{"id":"b"},["h2",{},"After tweet"],["github",{"repo":"x/y"}]]]]"#,
        );
        assert_eq!(
            out,
            "intro\n\n::youtube{id=\"a\"}\n::\n\nafter yt\n\n::tweet{id=\"b\"}\n::\n\n## After tweet\n\n::github{repo=\"x/y\"}\n::\n"
        );
    }

    #[test]
    fn malformed_nodes_are_errors() {
        let err = body_to_markdown(&body(r#"[["p",{},5]]"#)).unwrap_err();
        assert_eq!(err.path, "value[0][2]");
        assert!(body_to_markdown(&body(r#"[[1,{}]]"#)).is_err());
        assert!(body_to_markdown(&body(r#"[["p","attrs"]]"#)).is_err());
        let wrong = Value::Object(vec![("type".into(), Value::String("markdown".into()))]);
        assert!(
            body_to_markdown(&wrong)
                .unwrap_err()
                .message
                .contains("unsupported body type")
        );
    }
}

#[cfg(test)]
mod parse_back {
    //! The writer against the real parser: tricky text must come back as itself.
    use super::*;
    use crate::content::doc::{Block, Inline};
    use crate::content::markdown::parse;

    fn para(text: &str) -> Value {
        Value::Object(vec![
            ("type".into(), Value::String("minimark".into())),
            (
                "value".into(),
                Value::Array(vec![Value::Array(vec![
                    Value::String("p".into()),
                    Value::Object(vec![]),
                    Value::String(text.into()),
                ])]),
            ),
        ])
    }

    #[test]
    fn tricky_text_parses_back_to_itself() {
        let cases = [
            "# hash",
            "> quote",
            "- dash",
            "+ plus",
            "* star",
            "1. one",
            "2) two",
            "---",
            "===",
            "a *b* c",
            "a **b** c",
            "snake_case and _under_",
            "`tick`",
            "[link](x)",
            "![img](y)",
            "<b>html</b>",
            "&amp; &#65; &x",
            "~one~ ~~two~~",
            "back\\slash \\* \\",
            "a | b",
            ":inline and ::block",
            "text{.attr}",
            "https://example.com/a_b_c",
            "100% <3 -> ok",
            "::youtube{id=\"x\"}",
            ":::",
        ];
        // Not here: text that reads `:name{…}`. It is written `\:name{…}` (MDC's escape),
        // but `content::markdown` looks for inline components after escapes are resolved,
        // so it still reads a component there.
        for text in cases {
            let md = body_to_markdown(&para(text)).unwrap();
            let (doc, _) = parse(&md);
            let got = match doc.blocks.as_slice() {
                [Block::Paragraph(inl)] => Inline::plain_text(inl),
                other => panic!("{text:?} → {md:?} → {other:?}"),
            };
            assert_eq!(got, text, "{text:?} was written as {md:?}");
        }
    }

    #[test]
    fn props_with_quotes_and_backslashes_parse_back() {
        for v in [
            "plain",
            "say \"hi\"",
            "it's",
            "both \" and '",
            "back\\slash",
            "end\\",
        ] {
            let attrs = vec![("title".to_string(), Value::String(v.into()))];
            let written = props(&attrs, false);
            let md = format!("::youtube{written}\n::\n");
            let (doc, _) = parse(&md);
            match doc.blocks.as_slice() {
                [Block::Component { name, props, .. }] => {
                    assert_eq!(name, "youtube");
                    assert_eq!(props, &vec![("title".to_string(), v.to_string())], "{md}");
                }
                other => panic!("{md} → {other:?}"),
            }
        }
    }

    #[test]
    fn structures_parse_back() {
        let json = r#"[["ol",{"start":7},["li",{},"seven",["ul",{},["li",{},"inner ",["code",{},"x"]]]],["li",{},"eight"]],
            ["pre",{"language":"md","code":"```\n::x\n```\n"}],
            ["table",{},["thead",{},["tr",{},["th",{"align":"right"},"a|b"]]],["tbody",{},["tr",{},["td",{},"c"]]]],
            ["blockquote",{},["p",{},"q ",["strong",{},"s"]]]]"#;
        let md = super::tests::md(json);
        let (doc, warnings) = parse(&md);
        assert!(warnings.is_empty(), "{warnings:?}\n{md}");
        match doc.blocks.as_slice() {
            [
                Block::List {
                    start: Some(7),
                    items,
                },
                Block::Code { lang, code },
                Block::Table { header, rows, .. },
                Block::Quote(q),
            ] => {
                assert_eq!(items.len(), 2);
                assert!(
                    matches!(
                        items[0].as_slice(),
                        [Block::Paragraph(_), Block::List { start: None, .. }]
                    ),
                    "{items:?}"
                );
                assert_eq!(lang.as_deref(), Some("md"));
                assert_eq!(code.trim_end(), "```\n::x\n```");
                assert_eq!(Inline::plain_text(&header[0]), "a|b");
                assert_eq!(Inline::plain_text(&rows[0][0]), "c");
                assert!(matches!(q.as_slice(), [Block::Paragraph(_)]));
            }
            other => panic!("{md}\n→ {other:#?}"),
        }
    }
}
