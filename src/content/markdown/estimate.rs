//! A cheap count, before parsing, of the nodes a markdown segment will at least make:
//! pulldown-cmark's first pass builds its whole tree (every block and inline item) before
//! the first event, so a dense file over the node budget used to cost ~50 bytes a node
//! of tree (a 4 MB file ~200 MB) before the budget could refuse it. This scan allocates
//! nothing and refuses such a file at the line where the count passes the budget.
//!
//! The count is meant to stay below the nodes the parser then charges (so it never
//! refuses a document the budget would accept): one per non-blank line (a paragraph
//! line, an item, a heading, a code line, a table row all make one), plus one per
//! inline mark that always starts an item: a backtick run, `[` or `]`, a `*`/`~` run
//! that touches text, a `_` run that is not inside a word, an escape of punctuation, an
//! entity or tag start, a table pipe. A fenced code block counts one, and lines indented
//! four spaces or more (code, or list continuations) count nothing.

/// The byte offset of the line where the count passes `limit`, if it does.
pub(super) fn over(text: &str, limit: usize) -> Option<usize> {
    let mut count = 0usize;
    let mut fence: Option<(u8, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let body = line.trim_matches([' ', '\t', '\n', '\r']);
        if body.bytes().all(|b| b == b'>' || b == b' ') {
            continue;
        }
        let (mark, run) = fence_run(body);
        if let Some((ch, n)) = fence {
            // A code block is one or two nodes, however long.
            if mark == ch && run >= n && body[run..].trim().is_empty() {
                fence = None;
            }
        } else if line.starts_with("    ") || line.starts_with('\t') {
            // Indented code, or a list item's continuation: not counted (a count that
            // stays low only lets the parser's own budget decide).
        } else if run >= 3 && !(mark == b'`' && body[run..].contains('`')) {
            fence = Some((mark, run));
            count += 1;
        } else {
            count += 1 + marks(body.as_bytes());
        }
        if count > limit {
            return Some(at);
        }
    }
    None
}

/// A line's leading run of backticks or tildes: (the character, its length).
fn fence_run(body: &str) -> (u8, usize) {
    let b = body.as_bytes();
    match b.first() {
        Some(&c @ (b'`' | b'~')) => (c, b.iter().take_while(|&&x| x == c).count()),
        _ => (0, 0),
    }
}

/// Inline marks in one line that always make an item of their own.
fn marks(b: &[u8]) -> usize {
    let space = |i: Option<&u8>| i.is_none_or(|c| c.is_ascii_whitespace());
    let word = |i: Option<&u8>| i.is_some_and(|c| c.is_ascii_alphanumeric() || *c >= 0x80);
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev = i.checked_sub(1).and_then(|p| b.get(p));
        match c {
            b'`' | b'*' | b'~' | b'_' => {
                while i < b.len() && b[i] == c {
                    i += 1;
                }
                let next = b.get(i);
                n += usize::from(match c {
                    b'`' => true,
                    b'_' => !(word(prev) && word(next)) && !(space(prev) && space(next)),
                    _ => !(space(prev) && space(next)),
                });
                continue;
            }
            b'[' | b']' | b'|' => n += 1,
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                n += 1;
                i += 1;
            }
            b'&' if b
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'#') =>
            {
                n += 1
            }
            b'<' if b
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'!' | b'?')) =>
            {
                n += 1
            }
            _ => {}
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_marks_not_code() {
        assert_eq!(over("a\n\nb\n", 1), Some(3));
        assert_eq!(over("a\n\nb\n", 2), None);
        // Two backtick runs, two `*` runs, `[`, `]`: 1 line + 6.
        assert_eq!(over("x `c` *e* [l](u)\n", 7), None);
        assert_eq!(over("x `c` *e* [l](u)\n", 6), Some(0));
        // A fence counts one; `a * b` and snake_case are no marks.
        let code = "```\n[[[ *** ]]]\n```\nsnake_case a * b\n    [[[\n";
        assert_eq!(over(code, 2), None);
        assert_eq!(over(code, 1), Some(20));
    }

    #[test]
    fn never_more_than_the_parser_charges() {
        // What the budget charges these (blocks, inlines, text) is at least the count.
        for src in [
            "Lorem ipsum dolor sit amet.\n\n".repeat(50),
            "a *b* `c` [d](e) **f** ".repeat(50),
            "- item\n".repeat(50),
            "## Same\n\n".repeat(50),
            format!("```bash\n{}```\n", "echo 'x' | tr a-z A-Z\n".repeat(50)),
            "|a|b|\n|-|-|\n".to_string() + &"|x|y|\n".repeat(50),
            "snake_case and a * b & c < d\n".repeat(50),
        ] {
            let mut nodes = 0;
            for (event, _) in
                pulldown_cmark::Parser::new_ext(&src, super::super::options()).into_offset_iter()
            {
                nodes += usize::from(!matches!(event, pulldown_cmark::Event::End(_)));
            }
            assert_eq!(over(&src, nodes), None, "{nodes} nodes: {:.40}", src);
        }
    }
}
