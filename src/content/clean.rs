//! Control characters out of content: what a file, a YAML escape, an HTML entity or an
//! imported payload may carry never reaches a guest's terminal.
//!
//! Removed everywhere: C0 controls other than newline and tab, DEL, C1 controls
//! (U+0080–U+009F) and the Unicode bidi controls (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069). Raw text is cleaned when a file is read (`text`,
//! which also reports each removal's line and column for `check`); decoded strings
//! (YAML escapes such as `"\e"`, entities such as `&#27;`) are cleaned after decoding
//! (`string`, `document`).

use std::borrow::Cow;

use super::doc::{Block, Document, Inline};

/// A character content may not carry.
pub fn is_forbidden(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// `s` without forbidden characters (borrowed when it has none).
pub fn string(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_forbidden) {
        Cow::Owned(s.chars().filter(|c| !is_forbidden(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Clean `s` in place; true when something was removed.
pub fn in_place(s: &mut String) -> bool {
    if !s.chars().any(is_forbidden) {
        return false;
    }
    s.retain(|c| !is_forbidden(c));
    true
}

/// One removed character: where it was (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub line: u32,
    pub col: u32,
    pub ch: char,
}

/// A whole file's text cleaned: CRLF becomes LF (a lone CR is removed like any
/// control), forbidden characters are dropped, and each drop is reported.
pub fn text(src: &str) -> (String, Vec<Removed>) {
    let mut removed = Vec::new();
    if !src.chars().any(|c| is_forbidden(c)) {
        return (src.to_string(), removed);
    }
    let mut out = String::with_capacity(src.len());
    let (mut line, mut col) = (1u32, 0u32);
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        col = col.saturating_add(1);
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if c == '\n' {
            out.push(c);
            line = line.saturating_add(1);
            col = 0;
        } else if is_forbidden(c) {
            removed.push(Removed { line, col, ch: c });
        } else {
            out.push(c);
        }
    }
    (out, removed)
}

/// Numeric character references (`&#27;`, `&#x9b;`) in markdown source that decode to
/// a forbidden character: (byte offset, character). The parser decodes them, so the
/// document is cleaned after parsing; this finds them for the warning's position.
pub fn entities(src: &str) -> Vec<(usize, char)> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut from = 0;
    while let Some(i) = src[from..].find("&#").map(|i| i + from) {
        from = i + 2;
        let (hex, digits_at) = match bytes.get(i + 2) {
            Some(b'x' | b'X') => (true, i + 3),
            _ => (false, i + 2),
        };
        let len = bytes[digits_at.min(bytes.len())..]
            .iter()
            .take(9)
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if len == 0 || bytes.get(digits_at + len) != Some(&b';') {
            continue;
        }
        let digits = &src[digits_at..digits_at + len];
        let n = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok();
        if let Some(c) = n.and_then(char::from_u32)
            && is_forbidden(c)
        {
            out.push((i, c));
        }
    }
    out
}

/// Clean every string of a document (text, code, URLs, alt text, props, HTML); the
/// number of strings changed. Code keeps its newlines and tabs like any text.
pub fn document(doc: &mut Document) -> usize {
    let mut changed = 0;
    let mut blocks: Vec<&mut Block> = doc.blocks.iter_mut().collect();
    let mut inlines: Vec<&mut Inline> = Vec::new();
    while let Some(b) = blocks.pop() {
        match b {
            Block::Heading { id, content, .. } => {
                changed += usize::from(in_place(id));
                inlines.extend(content.iter_mut());
            }
            Block::Paragraph(content) => inlines.extend(content.iter_mut()),
            Block::Code { lang, code } => {
                if code.chars().any(is_forbidden) {
                    let mut cleaned = code.to_string();
                    changed += usize::from(in_place(&mut cleaned));
                    *code = cleaned.into();
                }
                if let Some(l) = lang {
                    changed += usize::from(in_place(l));
                }
            }
            Block::Table { header, rows, .. } => {
                inlines.extend(header.iter_mut().flatten());
                inlines.extend(rows.iter_mut().flatten().flatten());
            }
            Block::Quote(children) => blocks.extend(children.iter_mut()),
            Block::List { items, .. } => blocks.extend(items.iter_mut().flatten()),
            Block::Image { alt, src, title } => {
                changed += usize::from(in_place(alt)) + usize::from(in_place(src));
                if let Some(t) = title {
                    changed += usize::from(in_place(t));
                }
            }
            Block::Rule => {}
            Block::Component {
                name,
                props,
                children,
                slots,
                ..
            } => {
                changed += usize::from(in_place(name));
                for (k, v) in props.iter_mut() {
                    changed += usize::from(in_place(k)) + usize::from(in_place(v));
                }
                blocks.extend(children.iter_mut());
                for (n, s) in slots.iter_mut() {
                    changed += usize::from(in_place(n));
                    blocks.extend(s.iter_mut());
                }
            }
            Block::Html(h) => changed += usize::from(in_place(h)),
        }
        while let Some(i) = inlines.pop() {
            match i {
                Inline::Text(t) | Inline::Code(t) | Inline::Html(t) => {
                    changed += usize::from(in_place(t));
                }
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => {
                    inlines.extend(c.iter_mut());
                }
                Inline::Link {
                    url,
                    title,
                    content,
                } => {
                    changed += usize::from(in_place(url));
                    if let Some(t) = title {
                        changed += usize::from(in_place(t));
                    }
                    inlines.extend(content.iter_mut());
                }
                Inline::Image { alt, src, title } => {
                    changed += usize::from(in_place(alt)) + usize::from(in_place(src));
                    if let Some(t) = title {
                        changed += usize::from(in_place(t));
                    }
                }
                Inline::Component { name, props, label } => {
                    changed += usize::from(in_place(name));
                    for (k, v) in props.iter_mut() {
                        changed += usize::from(in_place(k)) + usize::from(in_place(v));
                    }
                    inlines.extend(label.iter_mut());
                }
                Inline::SoftBreak | Inline::HardBreak => {}
            }
        }
    }
    changed
}

/// How a removed character is named in a warning: `U+001B`.
pub fn name(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_set() {
        for c in [
            '\x1b', '\x07', '\0', '\r', '\x7f', '\u{9b}', '\u{85}', '\u{202e}', '\u{2066}',
        ] {
            assert!(is_forbidden(c), "{c:?}");
        }
        for c in ['\n', '\t', ' ', 'é', '🗺', '\u{fe0f}', '\u{a0}', '\u{200d}'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn text_reports_positions_and_keeps_crlf_as_lf() {
        let (out, removed) = text("a\r\nb\x1b]52;c;eA==\x07\nx\u{202e}y\r");
        assert_eq!(out, "a\nb]52;c;eA==\nxy");
        let at: Vec<_> = removed.iter().map(|r| (r.line, r.col)).collect();
        assert_eq!(at, vec![(2, 2), (2, 13), (3, 2), (3, 4)]);
    }

    #[test]
    fn entities_found() {
        let found = entities("a &#27; b &#x9B; c &#65; &#x202e; &#;");
        let chars: Vec<char> = found.iter().map(|(_, c)| *c).collect();
        assert_eq!(chars, vec!['\x1b', '\u{9b}', '\u{202e}']);
        assert_eq!(found[0].0, 2);
    }
}
