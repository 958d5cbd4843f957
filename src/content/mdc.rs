//! The MDC pre-pass: finds block components (`::name{props}` … `::`) in markdown source,
//! splitting it into markdown segments and a tree of components; also the props parser
//! and the inline component scanner (`:name{props}`, `:name[label]{props}`) that the
//! markdown pass runs over text.
//!
//! MDC rules followed here: a block opens with two or more colons and a name, and closes
//! with a line of exactly as many colons (closing an outer block also ends the blocks
//! opened inside it); an unclosed block runs to the end of its parent; code fences
//! (``` or ~~~, any length) hide everything inside them; an inline component alone on a
//! line (between blank lines) is a childless block; a YAML props block between `---`
//! lines may follow the opening line; `#slot` lines start named slots.
//!
//! Recognition is conservative: a component line starts with at most three spaces of
//! indentation, a name starts with an ASCII letter, and anything that does not parse
//! completely (`Berlin: 10:30`, `https://x`, `::` with no open block) stays text.
//!
//! Over 600 lines: ~650 lines of code (one grammar), the rest its tests.

use super::diag::BodyWarning;
use super::doc::Props;

/// Components nested deeper than this make the document a load error (the parser keeps
/// them flattened meanwhile, which keeps every recursion over the tree bounded).
pub(crate) const MAX_COMPONENT_DEPTH: usize = 32;

/// A YAML props block must close within this many lines (bounds the look-ahead).
const MAX_YAML_PROPS_LINES: usize = 256;

/// Inline `[label]` and `{props}` longer than this are not components. Each `:` in text
/// may start a scan, so this bounds the inline pass to linear time.
const MAX_INLINE_TAIL: usize = 256;

/// One piece of a body: markdown text, or a block component holding more pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// Markdown source whose first line is source line `first_line`.
    Markdown {
        first_line: u32,
        text: String,
    },
    Component(Component),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    pub(crate) name: String,
    pub(crate) props: Props,
    pub(crate) children: Vec<Node>,
    pub(crate) slots: Vec<(String, Vec<Node>)>,
    pub(crate) closed: bool,
    pub(crate) line: u32,
}

/// A component being built: its colon count (0 for the root) and its content so far.
struct Frame {
    colons: usize,
    /// 1-based column of the opening colons (for the unclosed warning).
    col: u32,
    comp: Component,
    /// Name of the slot being filled, `None` for the default slot.
    slot: Option<String>,
    pending: String,
    pending_line: u32,
    /// Whether the last line added to this frame was blank (or nothing was added).
    after_blank: bool,
}

impl Frame {
    fn new(colons: usize, comp: Component) -> Self {
        Frame {
            colons,
            col: 1,
            comp,
            slot: None,
            pending: String::new(),
            pending_line: 0,
            after_blank: true,
        }
    }

    fn target(&mut self) -> &mut Vec<Node> {
        match self.slot {
            Some(_) => match self.comp.slots.last_mut() {
                Some((_, nodes)) => nodes,
                None => &mut self.comp.children,
            },
            None => &mut self.comp.children,
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        let first_line = self.pending_line;
        self.target().push(Node::Markdown { first_line, text });
    }

    fn push_line(&mut self, line: &str, number: u32) {
        if self.pending.is_empty() {
            self.pending_line = number;
        }
        self.pending.push_str(line);
        self.pending.push('\n');
        self.after_blank = line.trim().is_empty();
    }

    fn push_node(&mut self, node: Node) {
        self.flush();
        self.target().push(node);
        self.after_blank = false;
    }
}

/// An open code fence: its character and length.
#[derive(Debug, Clone, Copy)]
struct Fence {
    ch: u8,
    len: usize,
}

/// Split `source` (whose first line is line `first_line`) into markdown and components.
pub(crate) fn split(source: &str, first_line: u32, warnings: &mut Vec<BodyWarning>) -> Vec<Node> {
    let lines: Vec<&str> = source.split('\n').collect();
    // `split` yields a last empty piece after a final newline; it is not a line.
    let count = if source.ends_with('\n') {
        lines.len() - 1
    } else {
        lines.len()
    };
    let root = Component {
        name: String::new(),
        props: Vec::new(),
        children: Vec::new(),
        slots: Vec::new(),
        closed: true,
        line: 0,
    };
    let mut stack = vec![Frame::new(0, root)];
    let mut fence: Option<Fence> = None;
    let mut depth_warned = false;
    let mut i = 0;
    while i < count {
        let raw = lines[i];
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let number = first_line.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        i += 1;
        let real = stack.len() - 1;

        if let Some(f) = fence {
            if closes_fence(line, f) {
                fence = None;
            }
            stack[real].push_line(raw, number);
            continue;
        }
        if let Some(f) = opens_fence(line) {
            fence = Some(f);
            stack[real].push_line(raw, number);
            continue;
        }

        if let Some(colons) = closing_line(line)
            && let Some(pos) = stack.iter().rposition(|f| f.colons == colons)
        {
            while stack.len() > pos + 1 {
                close_frame(&mut stack, false, warnings);
            }
            close_frame(&mut stack, true, warnings);
            continue;
        }

        if let Some((colons, name, props, indent)) = opening_line(line) {
            let mut comp = Component {
                name,
                props,
                children: Vec::new(),
                slots: Vec::new(),
                closed: false,
                line: number,
            };
            // An optional YAML props block right after the opening line.
            if i < count && is_dashes(lines[i]) {
                let horizon = count.min(i + 1 + MAX_YAML_PROPS_LINES);
                if let Some(end) = (i + 1..horizon).find(|&j| is_dashes(lines[j])) {
                    let yaml = lines[i + 1..end].join("\n");
                    yaml_props(&yaml, &mut comp.props);
                    i = end + 1;
                }
            }
            let top = stack.len() - 1;
            if top >= MAX_COMPONENT_DEPTH {
                // Too deep: keep the component, childless, and its content in the parent.
                if !depth_warned {
                    depth_warned = true;
                    warnings.push(BodyWarning {
                        error: true,
                        line: number,
                        col: u32::try_from(indent + 1).unwrap_or(1),
                        message: format!(
                            "document too deep: components nested more than {MAX_COMPONENT_DEPTH} levels (flatten them)"
                        ),
                    });
                }
                comp.closed = true;
                stack[top].push_node(Node::Component(comp));
            } else {
                stack[top].flush();
                stack[top].after_blank = false;
                let mut f = Frame::new(colons, comp);
                f.col = u32::try_from(indent + 1).unwrap_or(1);
                stack.push(f);
            }
            continue;
        }

        if stack.len() > 1
            && let Some(slot) = slot_line(line)
        {
            let f = &mut stack[real];
            f.flush();
            if slot == "default" {
                f.slot = None;
            } else {
                f.comp.slots.push((slot.to_string(), Vec::new()));
                f.slot = Some(slot.to_string());
            }
            f.after_blank = true;
            continue;
        }

        // Sugar form: an inline component alone between blank lines is a block.
        if stack[real].after_blank
            && next_is_break(&lines, i, count)
            && let Some(comp) = sugar_line(line, number)
        {
            stack[real].push_node(Node::Component(comp));
            continue;
        }

        stack[real].push_line(raw, number);
    }
    while stack.len() > 1 {
        close_frame(&mut stack, false, warnings);
    }
    match stack.pop() {
        Some(mut root) => {
            root.flush();
            root.comp.children
        }
        None => Vec::new(),
    }
}

/// Pop the top frame and attach its component to the frame below.
fn close_frame(stack: &mut Vec<Frame>, closed: bool, warnings: &mut Vec<BodyWarning>) {
    let Some(mut f) = stack.pop() else {
        return;
    };
    f.flush();
    f.comp.closed = closed;
    if !closed {
        warnings.push(BodyWarning {
            error: false,
            line: f.comp.line,
            col: f.col,
            message: format!(
                "`{}{}` is never closed with `{}`: it runs to the end of its parent",
                ":".repeat(f.colons),
                f.comp.name,
                ":".repeat(f.colons)
            ),
        });
    }
    if let Some(parent) = stack.last_mut() {
        parent.push_node(Node::Component(f.comp));
    }
}

/// Leading spaces (at most three) of a line that may hold a construct, or `None`.
fn indent(line: &str) -> Option<usize> {
    let n = line.bytes().take_while(|&b| b == b' ').count();
    (n <= 3).then_some(n)
}

/// Strip leading whitespace and container markers (`>`, `-`, `*`, `+`, `1.`) so that
/// fences inside list items and quotes are noticed too.
fn strip_containers(mut line: &str) -> &str {
    loop {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('>') {
            line = rest;
            continue;
        }
        let bytes = t.as_bytes();
        let marker_len = match bytes.first() {
            Some(b'-' | b'*' | b'+') => 1,
            Some(b) if b.is_ascii_digit() => {
                let d = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
                match bytes.get(d) {
                    Some(b'.' | b')') if d <= 9 => d + 1,
                    _ => 0,
                }
            }
            _ => 0,
        };
        if marker_len > 0 && matches!(bytes.get(marker_len), Some(b' ' | b'\t')) {
            line = &t[marker_len..];
            continue;
        }
        return t;
    }
}

fn opens_fence(line: &str) -> Option<Fence> {
    let t = strip_containers(line);
    let ch = *t.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = t.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    // A backtick fence's info string may not contain backticks (CommonMark).
    if ch == b'`' && t[len..].contains('`') {
        return None;
    }
    Some(Fence { ch, len })
}

fn closes_fence(line: &str, f: Fence) -> bool {
    let t = strip_containers(line);
    let len = t.bytes().take_while(|&b| b == f.ch).count();
    len >= f.len && t[len..].trim().is_empty()
}

/// `::`, `:::`, … alone on a line: the colon count.
fn closing_line(line: &str) -> Option<usize> {
    let t = &line[indent(line)?..];
    let t = t.trim_end();
    let n = t.bytes().take_while(|&b| b == b':').count();
    (n >= 2 && n == t.len()).then_some(n)
}

fn is_dashes(line: &str) -> bool {
    line.strip_suffix('\r').unwrap_or(line).trim_end() == "---"
}

/// A component name at the start of `s`: `[A-Za-z][A-Za-z0-9_-]*`; its byte length.
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b'_')
        .count()
}

/// `::name{props}` (two or more colons): (colons, name, props, indent).
fn opening_line(line: &str) -> Option<(usize, String, Props, usize)> {
    let ind = indent(line)?;
    let t = line[ind..].trim_end();
    let colons = t.bytes().take_while(|&b| b == b':').count();
    if colons < 2 {
        return None;
    }
    let rest = &t[colons..];
    let n = name_len(rest);
    if n == 0 {
        return None;
    }
    let name = rest[..n].to_string();
    let rest = &rest[n..];
    let (props, used) = if rest.starts_with('{') {
        parse_props(rest)?
    } else {
        (Vec::new(), 0)
    };
    if !rest[used..].trim().is_empty() {
        return None;
    }
    Some((colons, name, props, ind))
}

/// `#slot` alone on a line inside a component.
fn slot_line(line: &str) -> Option<&str> {
    let t = line[indent(line)?..].trim_end();
    let rest = t.strip_prefix('#')?;
    let n = name_len(rest);
    (n > 0 && n == rest.len()).then_some(rest)
}

/// True when line `i` (the one after the current) is blank, absent or an MDC line.
fn next_is_break(lines: &[&str], i: usize, count: usize) -> bool {
    if i >= count {
        return true;
    }
    let next = lines[i].strip_suffix('\r').unwrap_or(lines[i]);
    next.trim().is_empty() || closing_line(next).is_some() || opening_line(next).is_some()
}

/// An inline component alone on its line: `:name`, `:name{..}`, `:name[..]{..}`.
fn sugar_line(line: &str, number: u32) -> Option<Component> {
    let ind = indent(line)?;
    let t = line[ind..].trim_end();
    let rest = t.strip_prefix(':')?;
    let n = name_len(rest);
    if n < 2 {
        return None;
    }
    let after = &rest[n..];
    let (mut props, label, used) = if after.is_empty() {
        (Vec::new(), None, 0)
    } else {
        let c = component_tail(after, usize::MAX)?;
        (c.0, c.1, c.2)
    };
    if used != after.len() {
        return None;
    }
    if let Some(label) = label {
        props.insert(0, ("label".to_string(), label));
    }
    Some(Component {
        name: rest[..n].to_string(),
        props,
        children: Vec::new(),
        slots: Vec::new(),
        closed: true,
        line: number,
    })
}

/// After an inline component's name: `[label]` and/or `{props}`, at least one of them,
/// within the first `limit` bytes. Returns (props, label, bytes used).
fn component_tail(s: &str, limit: usize) -> Option<(Props, Option<String>, usize)> {
    let mut cut = s.len().min(limit);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let s = &s[..cut];
    let mut used = 0;
    let mut label = None;
    if s.starts_with('[') {
        let (l, n) = bracket_label(s)?;
        label = Some(l);
        used = n;
    }
    let mut props = Vec::new();
    if s[used..].starts_with('{') {
        let (p, n) = parse_props(&s[used..])?;
        props = p;
        used += n;
    }
    (used > 0).then_some((props, label, used))
}

/// `[label]` with nested brackets balanced and `\]` escapes; (label, bytes used).
fn bracket_label(s: &str) -> Option<(String, usize)> {
    let mut depth = 0usize;
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '[' if depth == 0 => depth = 1,
            // Nested brackets would be links, which the markdown pass already took.
            '[' => return None,
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((out, i + 1));
                }
                out.push(c);
            }
            '\n' => return None,
            _ => out.push(c),
        }
    }
    None
}

/// Parse `{…}` props starting at `s[0] == '{'`; (props, bytes used including braces).
///
/// Forms: `key="v"`, `key='v'`, `key=v`, bare `flag` (`"true"`), `#id` (key `id`),
/// `.class` (key `class`, several joined by spaces), `:key='json'` (key `key`, raw text).
pub(crate) fn parse_props(s: &str) -> Option<(Props, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut props: Props = Vec::new();
    let mut classes: Vec<String> = Vec::new();
    let mut i = 1;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        match b.get(i) {
            None | Some(b'\n') => return None,
            Some(b'}') => {
                i += 1;
                break;
            }
            Some(b'#') => {
                let (v, n) = bare_value(&s[i + 1..])?;
                if v.is_empty() {
                    return None;
                }
                props.push(("id".to_string(), v.to_string()));
                i += 1 + n;
            }
            Some(b'.') => {
                let (v, n) = bare_value(&s[i + 1..])?;
                if v.is_empty() {
                    return None;
                }
                classes.push(v.to_string());
                i += 1 + n;
            }
            Some(_) => {
                let start = if b[i] == b':' { i + 1 } else { i };
                let mut j = start;
                while j < b.len() && !matches!(b[j], b' ' | b'\t' | b'=' | b'}') {
                    // A key is a word; anything else means this is not a props list.
                    if !(b[j].is_ascii_alphanumeric() || matches!(b[j], b'-' | b'_' | b'.' | b'@'))
                    {
                        return None;
                    }
                    j += 1;
                }
                let key = &s[start..j];
                if key.is_empty() {
                    return None;
                }
                if b.get(j) == Some(&b'=') {
                    let (value, n) = value(&s[j + 1..])?;
                    props.push((key.to_string(), value));
                    i = j + 1 + n;
                } else {
                    props.push((key.to_string(), "true".to_string()));
                    i = j;
                }
            }
        }
    }
    if !classes.is_empty() {
        props.push(("class".to_string(), classes.join(" ")));
    }
    Some((props, i))
}

/// An unquoted value; `{`, `[` or a quote inside it means this is not a props list.
fn bare_value(s: &str) -> Option<(&str, usize)> {
    for (i, b) in s.bytes().enumerate() {
        match b {
            b' ' | b'\t' | b'}' | b'\n' => return Some((&s[..i], i)),
            b'{' | b'[' | b'"' | b'\'' => return None,
            _ => {}
        }
    }
    Some((s, s.len()))
}

/// A prop value: `"…"` or `'…'` (backslash escapes the quote) or a bare word.
fn value(s: &str) -> Option<(String, usize)> {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, q @ ('"' | '\''))) => {
            let mut out = String::new();
            while let Some((i, c)) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some((_, n)) if n == q || n == '\\' => out.push(n),
                        Some((_, n)) => {
                            out.push('\\');
                            out.push(n);
                        }
                        None => return None,
                    }
                } else if c == q {
                    return Some((out, i + 1));
                } else if c == '\n' {
                    return None;
                } else {
                    out.push(c);
                }
            }
            None
        }
        _ => {
            let (v, n) = bare_value(s)?;
            Some((v.to_string(), n))
        }
    }
}

/// Merge a YAML props block into `props` (scalars as text, others as JSON).
fn yaml_props(yaml: &str, props: &mut Props) {
    if super::frontmatter::too_deep(yaml).is_some() {
        return;
    }
    let Ok(serde_yaml::Value::Mapping(map)) = serde_yaml::from_str::<serde_yaml::Value>(yaml)
    else {
        return;
    };
    for (k, v) in map {
        let Some(key) = scalar_text(&k) else {
            continue;
        };
        let value = match scalar_text(&v) {
            Some(s) => s,
            None => serde_json::to_string(&v).unwrap_or_default(),
        };
        props.retain(|(existing, _)| existing != &key);
        props.push((key, value));
    }
}

fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A piece of text after the inline component scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Component {
        name: String,
        props: Props,
        label: Option<String>,
    },
}

/// Find inline components in a run of text. A component starts with `:` at the start
/// of the run or after a character that is neither alphanumeric nor `:`/`/`, followed
/// by a name and `[label]` and/or `{props}` that parse completely.
#[cfg(test)]
pub(crate) fn scan_inline(text: &str) -> Vec<Piece> {
    scan_inline_escaped(text, &[])
}

/// `scan_inline`, where the colons at byte offsets `escaped` (written `\:` in the
/// source, the escape already removed by the markdown parser) stay text.
pub(crate) fn scan_inline_escaped(text: &str, escaped: &[usize]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    let b = text.as_bytes();
    while i < b.len() {
        if b[i] == b':' && may_start(text, i) && !escaped.contains(&i) {
            let rest = &text[i + 1..];
            let n = name_len(rest);
            if n > 0
                && let Some((props, label, used)) = component_tail(&rest[n..], MAX_INLINE_TAIL)
            {
                if plain_start < i {
                    pieces.push(Piece::Text(text[plain_start..i].to_string()));
                }
                pieces.push(Piece::Component {
                    name: rest[..n].to_string(),
                    props,
                    label,
                });
                i += 1 + n + used;
                plain_start = i;
                continue;
            }
        }
        i += 1;
    }
    if plain_start < text.len() {
        pieces.push(Piece::Text(text[plain_start..].to_string()));
    }
    pieces
}

fn may_start(text: &str, i: usize) -> bool {
    match text[..i].chars().next_back() {
        None => true,
        Some(c) => !(c.is_alphanumeric() || c == ':' || c == '/' || c == '\\'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(n: &Node) -> &Component {
        match n {
            Node::Component(c) => c,
            Node::Markdown { .. } => panic!("not a component: {n:?}"),
        }
    }

    fn md(n: &Node) -> (u32, &str) {
        match n {
            Node::Markdown { first_line, text } => (*first_line, text.as_str()),
            Node::Component(_) => panic!("not markdown: {n:?}"),
        }
    }

    fn props(list: &[(&str, &str)]) -> Props {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn props_each_form() {
        assert_eq!(
            parse_props(r#"{a="x y"}"#).unwrap().0,
            props(&[("a", "x y")])
        );
        assert_eq!(parse_props("{a='x y'}").unwrap().0, props(&[("a", "x y")]));
        assert_eq!(
            parse_props("{a=xy b=2}").unwrap().0,
            props(&[("a", "xy"), ("b", "2")])
        );
        assert_eq!(parse_props("{flag}").unwrap().0, props(&[("flag", "true")]));
        assert_eq!(parse_props("{#top}").unwrap().0, props(&[("id", "top")]));
        assert_eq!(
            parse_props("{.a .b}").unwrap().0,
            props(&[("class", "a b")])
        );
        assert_eq!(
            parse_props(r#"{:items='["a","b"]'}"#).unwrap().0,
            props(&[("items", r#"["a","b"]"#)])
        );
        assert_eq!(
            parse_props(r#"{t="say \"hi\" }"}"#).unwrap().0,
            props(&[("t", r#"say "hi" }"#)])
        );
        assert_eq!(parse_props("{}").unwrap(), (Vec::new(), 2));
        assert_eq!(parse_props("{a=\"open"), None);
        assert_eq!(parse_props("{a b"), None);
    }

    #[test]
    fn block_component_closed() {
        let mut w = Vec::new();
        let nodes = split(
            "Intro\n\n::youtube{id=\"abc\" title=\"T\"}\ncaption\n::\nafter\n",
            1,
            &mut w,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(nodes.len(), 3);
        assert_eq!(md(&nodes[0]), (1, "Intro\n\n"));
        let c = comp(&nodes[1]);
        assert_eq!(c.name, "youtube");
        assert_eq!(c.props, props(&[("id", "abc"), ("title", "T")]));
        assert!(c.closed);
        assert_eq!(c.line, 3);
        assert_eq!(md(&c.children[0]), (4, "caption\n"));
        assert_eq!(md(&nodes[2]), (6, "after\n"));
    }

    #[test]
    fn code_fences_hide_components() {
        let mut w = Vec::new();
        let src = "```md\n::youtube{id=\"x\"}\n::\n```\n\n~~~~\n::tweet{id=1}\n~~~\n::\n~~~~\n";
        let nodes = split(src, 1, &mut w);
        assert!(w.is_empty());
        assert_eq!(nodes.len(), 1);
        assert_eq!(md(&nodes[0]).1, src);
    }

    #[test]
    fn fence_inside_component_keeps_closing_colons() {
        let mut w = Vec::new();
        let src = "::note\n```\n::\n```\n::\n";
        let nodes = split(src, 1, &mut w);
        assert!(w.is_empty());
        let c = comp(&nodes[0]);
        assert!(c.closed);
        assert_eq!(md(&c.children[0]).1, "```\n::\n```\n");
    }

    #[test]
    fn nested_with_more_colons() {
        let mut w = Vec::new();
        let src = "::outer\na\n:::inner{x=1}\nb\n:::\nc\n::\n";
        let nodes = split(src, 1, &mut w);
        assert!(w.is_empty());
        let outer = comp(&nodes[0]);
        assert_eq!(outer.children.len(), 3);
        let inner = comp(&outer.children[1]);
        assert_eq!(inner.name, "inner");
        assert!(inner.closed && outer.closed);
        assert_eq!(md(&inner.children[0]), (4, "b\n"));
        assert_eq!(md(&outer.children[2]), (6, "c\n"));
    }

    #[test]
    fn closing_outer_ends_unclosed_inner_with_warning() {
        let mut w = Vec::new();
        let nodes = split("::outer\n  :::inner\nb\n::\nafter\n", 10, &mut w);
        let outer = comp(&nodes[0]);
        assert!(outer.closed);
        assert!(!comp(&outer.children[0]).closed);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].line, w[0].col), (11, 3));
        assert_eq!(md(&nodes[1]), (14, "after\n"));
    }

    #[test]
    fn unclosed_blocks_swallow_the_rest() {
        let mut w = Vec::new();
        let src = "::youtube{id=a}\n\n## Next\n\n::tweet{id=b}\ntext\n";
        let nodes = split(src, 1, &mut w);
        assert_eq!(nodes.len(), 1);
        let yt = comp(&nodes[0]);
        assert!(!yt.closed);
        let tw = comp(&yt.children[1]);
        assert!(!tw.closed);
        assert_eq!(md(&tw.children[0]), (6, "text\n"));
        let lines: Vec<u32> = w.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![5, 1]);
        assert!(w[0].message.contains("::tweet"), "{}", w[0].message);
    }

    #[test]
    fn stray_closing_line_is_text() {
        let mut w = Vec::new();
        let nodes = split("a\n::\nb\n", 1, &mut w);
        assert_eq!(md(&nodes[0]).1, "a\n::\nb\n");
    }

    #[test]
    fn sugar_form_is_a_childless_block() {
        let mut w = Vec::new();
        let nodes = split("para\n\n:youtube{id=x}\n\nmore\n", 1, &mut w);
        assert_eq!(nodes.len(), 3);
        let c = comp(&nodes[1]);
        assert_eq!(c.name, "youtube");
        assert!(c.closed && c.children.is_empty());
        assert_eq!(c.line, 3);
        // Inside a paragraph it stays inline.
        let nodes = split("para\n:badge{x}\nmore\n", 1, &mut w);
        assert_eq!(nodes.len(), 1);
    }

    #[test]
    fn yaml_props_block() {
        let mut w = Vec::new();
        let nodes = split(
            "::card{a=1}\n---\ntitle: Hi\ntags: [x, y]\n---\nbody\n::\n",
            1,
            &mut w,
        );
        let c = comp(&nodes[0]);
        assert_eq!(
            c.props,
            props(&[("a", "1"), ("title", "Hi"), ("tags", r#"["x","y"]"#)])
        );
        assert_eq!(md(&c.children[0]), (6, "body\n"));
    }

    #[test]
    fn slots() {
        let mut w = Vec::new();
        let nodes = split(
            "::hero\ndefault text\n#title\nThe title\n#default\nmore\n::\n",
            1,
            &mut w,
        );
        let c = comp(&nodes[0]);
        assert_eq!(c.slots.len(), 1);
        assert_eq!(c.slots[0].0, "title");
        assert_eq!(md(&c.slots[0].1[0]).1, "The title\n");
        assert_eq!(c.children.len(), 2);
    }

    #[test]
    fn not_components() {
        let mut w = Vec::new();
        for src in [
            "Berlin: 10:30\n",
            "::: \n",
            "::1abc\n",
            "https://example.com:8080/x\n",
            "::name{unclosed\n",
            "::name trailing\n",
        ] {
            let nodes = split(src, 1, &mut w);
            assert_eq!(nodes.len(), 1, "{src:?}");
            assert!(matches!(nodes[0], Node::Markdown { .. }), "{src:?}");
        }
        assert!(w.is_empty());
    }

    #[test]
    fn inline_scan() {
        assert_eq!(
            scan_inline("Thanks :mention{name=\"Joe\"} and :badge[New]{color=red}!"),
            vec![
                Piece::Text("Thanks ".into()),
                Piece::Component {
                    name: "mention".into(),
                    props: props(&[("name", "Joe")]),
                    label: None
                },
                Piece::Text(" and ".into()),
                Piece::Component {
                    name: "badge".into(),
                    props: props(&[("color", "red")]),
                    label: Some("New".into())
                },
                Piece::Text("!".into()),
            ]
        );
        for plain in [
            "Berlin: 10:30",
            "see https://x.org:80/a{b}",
            "a:b{c}",
            "time 10:30{x}",
            ":: {x}",
            "emoji :smile: here",
            ":name{open",
        ] {
            assert_eq!(
                scan_inline(plain),
                vec![Piece::Text(plain.into())],
                "{plain}"
            );
        }
    }

    #[test]
    fn adversarial_inline_text_is_linear() {
        for unit in [
            ":a{",
            ":a[",
            ":a{b=\"",
            ":ab{c=-",
            " :a{b=\" :a{b=1 ",
            " :ab{c d e ",
        ] {
            let text = unit.repeat(300_000);
            let start = crate::cpu_time::thread_cpu();
            let pieces = scan_inline(&text);
            assert_eq!(pieces.len(), 1);
            // CPU time, not wall time: quadratic would be hours, linear is well under.
            let used = crate::cpu_time::thread_cpu() - start;
            assert!(used.as_secs() < 5, "{unit}: {used:?} of CPU");
        }
    }

    #[test]
    fn many_unmatched_closings_stay_fast() {
        let mut src = "::a\n".repeat(50_000);
        src.push_str(&":::\n".repeat(50_000));
        let mut w = Vec::new();
        let nodes = split(&src, 1, &mut w);
        assert_eq!(nodes.len(), 1);
    }

    #[test]
    fn depth_is_bounded() {
        let mut w = Vec::new();
        let mut src = String::new();
        for i in 0..5000 {
            src.push_str(&format!("::c{i}\n"));
        }
        let nodes = split(&src, 1, &mut w);
        let mut depth = 0;
        let mut cur = &nodes;
        while let Some(Node::Component(c)) = cur.first() {
            depth += 1;
            cur = &c.children;
        }
        assert!(depth <= MAX_COMPONENT_DEPTH + 1, "{depth}");
        assert!(w.iter().any(|w| w.error && w.message.contains("too deep")));
    }
}
