//! Inline Markdown: text, emphasis, code spans, links, images and inline components,
//! with text escaped only where a character would otherwise start markup.

use super::{El, M, longest_run, plain_text, props, valid_name};
use crate::content::import::devalue::Value;

/// Where inline text is going: which characters are special there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Paragraph,
    /// One line: newlines become spaces.
    Heading,
    /// One line, and `|` ends a cell.
    Table,
}

/// Writes inline nodes as Markdown, escaping text so it parses back to itself.
pub(super) struct InlineWriter {
    out: String,
    ctx: Ctx,
    /// Escape every `~` (GFM strikethrough takes one or two) only when the block holds
    /// more than one, so a lone "~15k" stays readable.
    escape_tilde: bool,
    /// Inside a link's text, where a nested link cannot be written.
    in_link: bool,
    /// The last thing written was an inline element (MDC reads a `{` right after one
    /// as its attributes).
    after_element: bool,
}

impl InlineWriter {
    pub(super) fn new(ctx: Ctx, nodes: &[M<'_>]) -> Self {
        let tildes = plain_text(nodes).matches('~').count();
        InlineWriter {
            out: String::new(),
            ctx,
            escape_tilde: tildes > 1,
            in_link: false,
            after_element: false,
        }
    }

    pub(super) fn finish(mut self) -> String {
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        self.out
    }

    pub(super) fn inlines(&mut self, nodes: &[M<'_>]) {
        for n in nodes {
            self.inline(n);
        }
    }

    fn inline(&mut self, n: &M<'_>) {
        let e = match n {
            M::Text(t) => {
                self.text(t);
                return;
            }
            M::El(e) => e,
        };
        match e.tag {
            "strong" | "b" => self.delimited("**", &e.children),
            "em" | "i" => self.delimited("*", &e.children),
            "del" | "s" | "strike" => self.delimited("~~", &e.children),
            "code" => self.code(&plain_text(&e.children)),
            "a" => self.link(e),
            "img" => self.image(e),
            "br" => match self.ctx {
                Ctx::Paragraph => {
                    self.trim_trailing_spaces();
                    self.out.push_str("\\\n");
                }
                Ctx::Heading | Ctx::Table => self.out.push(' '),
            },
            "input" => {
                if e.attr_str("type") == Some("checkbox") {
                    let checked = matches!(
                        e.attr("checked"),
                        Some(Value::Bool(true)) | Some(Value::String(_))
                    );
                    self.out.push_str(if checked { "[x] " } else { "[ ] " });
                }
            }
            "style" | "script" => {}
            "pre" => {
                let code = e
                    .attr_str("code")
                    .map(str::to_string)
                    .unwrap_or_else(|| plain_text(&e.children));
                self.code(&code);
            }
            _ if e.is_component() && valid_name(e.tag) => self.inline_component(e),
            _ => {
                // Other HTML (span, kbd, sup, or a block tag in a table cell): its text.
                let block = !e.is_inline_html();
                if block && !self.out.is_empty() && !self.out.ends_with(' ') {
                    self.out.push(' ');
                }
                self.inlines(&e.children);
                if block {
                    self.out.push(' ');
                }
            }
        }
    }

    /// `**text**` etc., with surrounding whitespace moved outside the delimiters
    /// (`** x**` would not parse as strong).
    fn delimited(&mut self, delim: &str, children: &[M<'_>]) {
        let text = plain_text(children);
        if text.trim().is_empty() {
            self.text(&text);
            return;
        }
        let mut children = children.to_vec();
        let lead = trim_edge(&mut children, true);
        let trail = trim_edge(&mut children, false);
        self.text(&lead);
        self.out.push_str(delim);
        self.after_element = false;
        self.inlines(&children);
        self.out.push_str(delim);
        self.after_element = true;
        self.text(&trail);
    }

    fn code(&mut self, code: &str) {
        let code: String = code
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        if code.is_empty() {
            return;
        }
        let ticks = "`".repeat(longest_run(&code, '`') + 1);
        let pad = code.starts_with('`')
            || code.ends_with('`')
            || (code.starts_with(' ') && code.ends_with(' ') && !code.trim().is_empty());
        let code = if self.ctx == Ctx::Table {
            code.replace('|', "\\|")
        } else {
            code
        };
        self.out.push_str(&ticks);
        if pad {
            self.out.push(' ');
        }
        self.out.push_str(&code);
        if pad {
            self.out.push(' ');
        }
        self.out.push_str(&ticks);
        self.after_element = true;
    }

    fn link(&mut self, e: &El<'_>) {
        let href = e.attr_str("href").unwrap_or("");
        if self.in_link || href.is_empty() {
            self.inlines(&e.children);
            return;
        }
        self.out.push('[');
        self.in_link = true;
        self.after_element = false;
        self.inlines(&e.children);
        self.in_link = false;
        self.trim_trailing_spaces();
        self.out.push_str("](");
        self.out.push_str(&destination(href));
        if let Some(t) = e.attr_str("title").filter(|t| !t.is_empty()) {
            self.out.push_str(&format!(" \"{}\"", escape_title(t)));
        }
        self.out.push(')');
        self.after_element = true;
    }

    fn image(&mut self, e: &El<'_>) {
        let src = e.attr_str("src").unwrap_or("");
        let alt = e.attr_str("alt").unwrap_or("");
        self.out.push_str("![");
        self.after_element = false;
        self.text(&alt.replace(['\n', '\r'], " "));
        self.out.push_str("](");
        self.out.push_str(&destination(src));
        if let Some(t) = e.attr_str("title").filter(|t| !t.is_empty()) {
            self.out.push_str(&format!(" \"{}\"", escape_title(t)));
        }
        self.out.push(')');
        self.after_element = true;
    }

    fn inline_component(&mut self, e: &El<'_>) {
        self.out.push(':');
        self.out.push_str(e.tag);
        let has_label = !plain_text(&e.children).trim().is_empty();
        if has_label {
            self.out.push('[');
            self.after_element = false;
            self.inlines(&e.children);
            self.out.push(']');
        }
        self.out.push_str(&props(e.attrs, !has_label));
        self.after_element = true;
    }

    fn trim_trailing_spaces(&mut self) {
        let n = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(n);
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    /// Write text, escaping what would otherwise be markup.
    fn text(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        let chars: Vec<char> = t.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '\n' || c == '\r' {
                if self.ctx == Ctx::Paragraph && c == '\n' {
                    self.trim_trailing_spaces();
                    if !self.at_line_start() {
                        self.out.push('\n');
                    }
                } else if !self.out.ends_with(' ') {
                    self.out.push(' ');
                }
                i += 1;
                continue;
            }
            if self.at_line_start() {
                // Leading blanks would be dropped (or start an indented code block).
                if c == ' ' || c == '\t' {
                    i += 1;
                    continue;
                }
                if "#>-+=|:".contains(c) {
                    self.out.push('\\');
                    self.out.push(c);
                    i += 1;
                    self.after_element = false;
                    continue;
                }
                if c.is_ascii_digit() {
                    // `12.` or `3)` at line start would be an ordered list.
                    let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if digits <= 9 && matches!(chars.get(i + digits), Some('.' | ')')) {
                        self.out.extend(&chars[i..i + digits]);
                        self.out.push('\\');
                        self.out.push(chars[i + digits]);
                        i += digits + 1;
                        self.after_element = false;
                        continue;
                    }
                }
            }
            let prev = self.out.chars().last();
            let escape = match c {
                '\\' | '`' | '*' | '[' | ']' => true,
                '~' => self.escape_tilde || next == Some('~'),
                '_' => {
                    !(prev.is_some_and(char::is_alphanumeric)
                        && next.is_some_and(char::is_alphanumeric))
                }
                '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(n)),
                '&' => looks_like_entity(&chars[i + 1..]),
                '|' => self.ctx == Ctx::Table,
                '{' => self.after_element,
                // `:name` after a space is an MDC inline component.
                ':' => {
                    next.is_some_and(|n| n.is_ascii_alphabetic())
                        && !prev.is_some_and(char::is_alphanumeric)
                }
                _ => false,
            };
            if escape {
                self.out.push('\\');
            }
            self.out.push(c);
            self.after_element = false;
            i += 1;
        }
    }
}

/// Move leading (`front`) or trailing whitespace of a run out of it.
fn trim_edge<'a>(children: &mut [M<'a>], front: bool) -> String {
    let slot = if front {
        children.first_mut()
    } else {
        children.last_mut()
    };
    let Some(M::Text(t)) = slot else {
        return String::new();
    };
    let text: &'a str = t;
    let trimmed = if front {
        text.trim_start()
    } else {
        text.trim_end()
    };
    let ws = if front {
        &text[..text.len() - trimmed.len()]
    } else {
        &text[trimmed.len()..]
    };
    let ws = ws.to_string();
    *t = trimmed;
    // Markdown collapses it anyway; one space keeps the words apart.
    if ws.is_empty() { ws } else { " ".into() }
}

/// `&name;`, `&#123;` or `&#x1F;` ahead: an entity reference the parser would decode.
fn looks_like_entity(rest: &[char]) -> bool {
    let body: String = rest.iter().take(34).collect();
    let Some(end) = body.find(';') else {
        return false;
    };
    let name = &body[..end];
    if let Some(num) = name.strip_prefix('#') {
        let (digits, hex) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (h, true),
            None => (num, false),
        };
        !digits.is_empty()
            && digits.len() <= 7
            && digits.chars().all(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
    } else {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())
    }
}

/// A link destination: bare when safe, `<…>` when it has spaces.
fn destination(url: &str) -> String {
    let url: String = url.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    if url.is_empty() {
        return "<>".into();
    }
    if url
        .chars()
        .any(|c| c == ' ' || c == '<' || c == '>' || c.is_control())
    {
        let mut s = String::from("<");
        for c in url.chars() {
            if matches!(c, '<' | '>' | '\\') {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('>');
        return s;
    }
    let mut s = String::new();
    for c in url.chars() {
        if matches!(c, '(' | ')' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

fn escape_title(t: &str) -> String {
    t.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ")
}
