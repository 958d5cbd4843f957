//! `show <slug>`'s plain text: prose wrapped at the width, code blocks printed whole.
//!
//! Runs of blocks without code are laid out by `render` (plain, at the width: the
//! same wrapping, tables — stacked when a grid does not fit — and cards as the UI);
//! a code block is printed line by line exactly as written, between ``` fences and
//! with nothing beside it, so a copied command is the command. Lists, quotes and
//! components that hold code are walked here so their code stays whole too (indented
//! with spaces only). Layouts are cached per (generation, page, width), like the UI's.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use crate::content::{Block, Index, PageRef};
use crate::render::width::str_width;
use crate::render::{RenderOptions, render_blocks};
use crate::theme::ThemeKind;

/// Narrowest and widest `--width`.
pub const MIN_WIDTH: usize = 20;
pub const MAX_WIDTH: usize = 300;

/// Most layouts kept, and most bytes of text over all of them; the cache starts over
/// when either would be exceeded (a 4 MB post at several widths must not pile up).
const CAPACITY: usize = 256;
const CAPACITY_BYTES: usize = 32 << 20;

type Key = (u64, PageRef, usize);

#[derive(Default)]
struct Cache {
    map: HashMap<Key, Arc<String>>,
    bytes: usize,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// The plain text of `page`'s body at `width` columns (code lines may be wider).
pub fn body(index: &Index, page: PageRef, width: usize) -> Arc<String> {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    let key = (index.generation, page, width);
    if let Ok(cache) = CACHE.lock()
        && let Some(text) = cache.map.get(&key)
    {
        return text.clone();
    }
    let text = Arc::new(match index.body(page) {
        Some(doc) => {
            let mut text = walk(index, &doc.blocks, width).text;
            text.shrink_to_fit();
            text
        }
        None => String::new(),
    });
    if let Ok(mut cache) = CACHE.lock() {
        if cache.map.len() >= CAPACITY || cache.bytes + text.len() > CAPACITY_BYTES {
            cache.map.clear();
            cache.bytes = 0;
        }
        if text.len() <= CAPACITY_BYTES {
            cache.bytes += text.len();
            cache.map.insert(key, text.clone());
        }
    }
    text
}

/// The output lines in one buffer, `\n` between them (the text `show` sends); code
/// lines are kept exactly, other lines lose their trailing spaces. Code lines are never
/// decorated by containers (only indented).
#[derive(Default)]
struct Lines {
    text: String,
    /// Where each line ends in `text`, and whether it is code.
    ends: Vec<(usize, bool)>,
}

impl Lines {
    fn push(&mut self, line: &str, code: bool) {
        self.push_prefixed("", line, code);
    }

    fn push_prefixed(&mut self, prefix: &str, line: &str, code: bool) {
        if !self.ends.is_empty() {
            self.text.push('\n');
        }
        let start = self.text.len();
        self.text.push_str(prefix);
        self.text.push_str(line);
        if !code {
            let kept = self.text.get(start..).map_or(0, |l| l.trim_end().len());
            self.text.truncate(start + kept);
        }
        self.ends.push((self.text.len(), code));
    }

    fn iter(&self) -> impl Iterator<Item = (&str, bool)> {
        let mut start = 0;
        self.ends.iter().map(move |&(end, code)| {
            let line = self.text.get(start..end).unwrap_or_default();
            start = end + 1;
            (line, code)
        })
    }

    /// Whether there is no line yet or the last one is blank (and not code).
    fn last_is_blank(&self) -> bool {
        let Some(&(end, code)) = self.ends.last() else {
            return true;
        };
        let start = (self.ends.len().checked_sub(2))
            .and_then(|i| self.ends.get(i))
            .map_or(0, |&(e, _)| e + 1);
        !code
            && self
                .text
                .get(start..end)
                .is_none_or(|l| l.trim().is_empty())
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn append(&mut self, other: &Lines) {
        for (line, code) in other.iter() {
            self.push(line, code);
        }
    }
}

fn has_code(b: &Block) -> bool {
    crate::content::doc::all_blocks(std::slice::from_ref(b))
        .iter()
        .any(|b| matches!(b, Block::Code { .. }))
}

/// Lay out `blocks` at `width`. Recursion follows containers that hold code, whose
/// depth the parser bounds (`markdown::MAX_DEPTH`, `mdc::MAX_COMPONENT_DEPTH`).
fn walk(index: &Index, blocks: &[Block], width: usize) -> Lines {
    let mut out = Lines::default();
    let gap = |out: &mut Lines| {
        if !out.last_is_blank() {
            out.push("", false);
        }
    };
    // A run of blocks without code, laid out together (borrowed: never copied).
    let flush = |out: &mut Lines, run: &[Block]| {
        if run.is_empty() {
            return;
        }
        let opts = RenderOptions {
            width: u16::try_from(width).unwrap_or(u16::MAX),
            theme: ThemeKind::Dark,
            plain: true,
        };
        let rendered = render_blocks(run, opts, &index.images);
        // Without the blank lines at either end.
        let blank = |i: usize| rendered.line_text(i).trim().is_empty();
        let mut lines = 0..rendered.len();
        while !lines.is_empty() && blank(lines.start) {
            lines.start += 1;
        }
        while !lines.is_empty() && blank(lines.end - 1) {
            lines.end -= 1;
        }
        if !lines.is_empty() {
            gap(out);
        }
        for i in lines {
            out.push(&rendered.line_text(i), false);
        }
    };
    // The run waiting to be laid out starts at block `start`.
    let mut start = 0;
    for (i, b) in blocks.iter().enumerate() {
        if !has_code(b) {
            continue;
        }
        flush(&mut out, blocks.get(start..i).unwrap_or_default());
        start = i + 1;
        gap(&mut out);
        match b {
            Block::Code { lang, code } => {
                out.push_prefixed("```", lang.as_deref().unwrap_or(""), false);
                let code = code.strip_suffix('\n').unwrap_or(code.as_ref());
                for line in code.split('\n') {
                    out.push(line.strip_suffix('\r').unwrap_or(line), true);
                }
                out.push("```", false);
            }
            Block::Quote(children) => {
                let inner = walk(index, children, width.saturating_sub(2).max(MIN_WIDTH));
                prefixed(&mut out, &inner, "│ ", "│ ");
            }
            Block::List { start, items } => {
                let labels: Vec<String> = match start {
                    Some(n) => (0..items.len())
                        .map(|i| format!("{}.", n.saturating_add(i as u64)))
                        .collect(),
                    None => vec!["•".to_string(); items.len()],
                };
                let label_w = labels.iter().map(|l| str_width(l)).max().unwrap_or(1);
                for (label, item) in labels.iter().zip(items) {
                    let inner = walk(
                        index,
                        item,
                        width.saturating_sub(label_w + 1).max(MIN_WIDTH),
                    );
                    let first = format!("{label:>label_w$} ");
                    let rest = " ".repeat(label_w + 1);
                    prefixed(&mut out, &inner, &first, &rest);
                }
            }
            Block::Component {
                name,
                props,
                children,
                slots,
                closed,
                line,
            } => {
                // The component's own card (or label), then what it holds.
                let shell = Block::Component {
                    name: name.clone(),
                    props: props.clone(),
                    children: Vec::new(),
                    slots: Vec::new(),
                    closed: *closed,
                    line: *line,
                };
                flush(&mut out, std::slice::from_ref(&shell));
                let inner = walk(index, children, width);
                if !inner.is_empty() {
                    gap(&mut out);
                }
                out.append(&inner);
                for (_, s) in slots {
                    let inner = walk(index, s, width);
                    if !inner.is_empty() {
                        gap(&mut out);
                    }
                    out.append(&inner);
                }
            }
            // Starts the next run.
            _ => start = i,
        }
    }
    flush(&mut out, blocks.get(start..).unwrap_or_default());
    out
}

/// `lines` under a container, onto `out`: `first` before the first line, `rest` before
/// the others; code lines get spaces of the same width instead, so they stay copyable.
fn prefixed(out: &mut Lines, lines: &Lines, first: &str, rest: &str) {
    let pad = " ".repeat(str_width(rest));
    for (i, (line, code)) in lines.iter().enumerate() {
        let prefix = if code {
            pad.as_str()
        } else if i == 0 {
            first
        } else {
            rest
        };
        out.push_prefixed(prefix, line, code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::markdown::parse;

    /// A fresh generation per call: the cache is shared by every test.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(u64::MAX / 2);

    fn show(src: &str, width: usize) -> String {
        let (doc, _) = parse(src);
        let index = Index {
            posts: vec![crate::content::Post {
                slug: "p".into(),
                title: "P".into(),
                description: String::new(),
                date: Default::default(),
                read_time: None,
                tags: vec![],
                thumbnail: None,
                body: doc,
                source: "blog/p.md".into(),
            }],
            generation: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..Default::default()
        };
        body(&index, PageRef::Post(0), width).to_string()
    }

    #[test]
    fn long_code_lines_are_whole_and_unframed() {
        let cmd = format!(
            "iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu {}",
            "x".repeat(60)
        );
        let text = show(
            &format!("Intro text.\n\n```bash\n{cmd}\n  indented\n```\n\nAfter.\n"),
            80,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(&cmd.as_str()), "{text}");
        assert!(lines.contains(&"  indented"), "{text}");
        assert!(!text.contains('│') && !text.contains('…'), "{text}");
        assert!(lines.contains(&"```bash"));
    }

    #[test]
    fn code_in_lists_and_quotes_stays_whole() {
        let text = show(
            "1. Run this:\n\n   ```sh\n   echo \"a  b\" | tr a b\n   ```\n\n> quoted\n>\n> ```\n> ls -la\n> ```\n",
            80,
        );
        assert!(
            text.lines()
                .any(|l| l.trim_start() == "echo \"a  b\" | tr a b"),
            "{text}"
        );
        assert!(text.lines().any(|l| l == "  ls -la"), "{text}");
        assert!(text.contains("│ quoted"), "{text}");
    }

    #[test]
    fn prose_wraps_at_the_width() {
        let text = show(&format!("{}\n", "word ".repeat(100)), 40);
        assert!(text.lines().all(|l| str_width(l) <= 40), "{text}");
        let text = show(&format!("{}\n", "word ".repeat(100)), 80);
        assert!(text.lines().all(|l| str_width(l) <= 80));
        assert!(text.lines().any(|l| str_width(l) > 60));
    }
}
