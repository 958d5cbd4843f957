//! Code blocks: syntax highlighting (syntect + two-face, loaded once) inside a frame
//! with the language on its top border. Lines are never wrapped: a line wider than
//! the frame is clipped with a `…` marker and kept whole in `Rendered::wide`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

use ratatui::style::{Color, Modifier, Style};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use two_face::theme::EmbeddedThemeName;

use super::WideBlock;
use super::inline::{Piece, bounded};
use super::style::Palette;
use super::width::{clean_code_line, str_width, take_width};
use super::wrap::{Row, clip, row_width};
use super::writer::Writer;
use crate::content::{Block, Document};
use crate::theme::ThemeKind;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);
static DARK_THEME: LazyLock<Theme> = LazyLock::new(|| {
    two_face::theme::extra()
        .get(EmbeddedThemeName::OneHalfDark)
        .clone()
});
static LIGHT_THEME: LazyLock<Theme> = LazyLock::new(|| {
    two_face::theme::extra()
        .get(EmbeddedThemeName::OneHalfLight)
        .clone()
});

/// Drawn in the last column of a clipped code line (not `→`, which code often holds).
pub(crate) const CLIP_MARKER: &str = "…";

/// Highlighting stops after this many lines of a block (the rest is plain)…
const MAX_HL_LINES: usize = 2_000;
/// …at the first line longer than this many bytes…
const MAX_HL_LINE_BYTES: usize = 2_000;
/// …or after this many bytes in all.
const MAX_HL_BYTES: usize = 256 * 1024;

/// Load the syntax set and both themes now.
pub(crate) fn preload() {
    LazyLock::force(&SYNTAXES);
    LazyLock::force(&DARK_THEME);
    LazyLock::force(&LIGHT_THEME);
}

/// The syntax for a fence's language word, if we know it.
pub(crate) fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.trim().to_ascii_lowercase();
    let token = match lang.as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" | "output" => return None,
        "ts" | "typescript" | "mts" | "cts" => "ts",
        "tsx" => "tsx",
        "js" | "javascript" | "mjs" | "cjs" | "node" => "js",
        "sh" | "shell" | "bash" | "zsh" | "console" | "shellsession" => "bash",
        "md" | "markdown" | "mdc" => "md",
        "yml" | "yaml" => "yaml",
        "py" | "python" | "python3" => "py",
        "golang" | "go" => "go",
        "dockerfile" | "docker" => "Dockerfile",
        "rs" | "rust" => "rs",
        other => other,
    };
    SYNTAXES.find_syntax_by_token(token)
}

fn convert(s: syntect::highlighting::Style, bg: Option<Color>) -> Style {
    let f = s.foreground;
    let mut st = Style::default().fg(Color::Rgb(f.r, f.g, f.b));
    if let Some(bg) = bg {
        st = st.bg(bg);
    }
    if s.font_style.contains(FontStyle::BOLD) {
        st = st.add_modifier(Modifier::BOLD);
    }
    if s.font_style.contains(FontStyle::ITALIC) {
        st = st.add_modifier(Modifier::ITALIC);
    }
    if s.font_style.contains(FontStyle::UNDERLINE) {
        st = st.add_modifier(Modifier::UNDERLINED);
    }
    st
}

/// The lines of a code block as drawn (no last newline, no `\r`, tabs expanded).
fn code_lines(code: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    code.strip_suffix('\n')
        .unwrap_or(code)
        .split('\n')
        .map(|l| clean_code_line(l.strip_suffix('\r').unwrap_or(l)))
}

/// Styled rows for the first of `lines`, highlighted as far as the limits allow; the
/// lines after them are plain (`base`). Without a syntax, none.
fn highlight<'a>(
    lines: impl IntoIterator<Item = std::borrow::Cow<'a, str>>,
    lang: Option<&str>,
    kind: ThemeKind,
    bg: Option<Color>,
) -> Vec<Row> {
    let Some(syntax) = lang.and_then(syntax_for) else {
        return Vec::new();
    };
    let theme: &Theme = match kind {
        ThemeKind::Dark | ThemeKind::HighContrast => &DARK_THEME,
        ThemeKind::Light => &LIGHT_THEME,
    };
    let mut h = HighlightLines::new(syntax, theme);
    let mut out = Vec::new();
    let mut bytes = 0usize;
    for (i, line) in lines.into_iter().enumerate() {
        bytes += line.len();
        if i >= MAX_HL_LINES || line.len() > MAX_HL_LINE_BYTES || bytes > MAX_HL_BYTES {
            break;
        }
        let with_nl = format!("{line}\n");
        let Ok(regions) = h.highlight_line(&with_nl, &SYNTAXES) else {
            break;
        };
        let row: Row = regions
            .into_iter()
            .map(|(s, t)| Piece::new(t.trim_end_matches('\n'), convert(s, bg)))
            .filter(|p| !p.text.is_empty())
            .collect();
        out.push(row);
    }
    out
}

/// Highlighted rows of blocks by (theme, language, code) hash. Highlighting does not
/// depend on the width, so a guest resizing (or a new width) re-lays out a page without
/// paying for syntect again. Bounded in entries and in bytes (each entry holds at most
/// `MAX_HL_BYTES` of code): cleared when full.
#[derive(Default)]
struct Memo {
    map: HashMap<u64, Arc<Vec<Row>>>,
    bytes: usize,
}
static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Default::default);
const MEMO_CAPACITY: usize = 1024;
const MEMO_BYTES: usize = 32 << 20;

/// Approximately the heap bytes of highlighted rows.
fn rows_bytes(rows: &[Row]) -> usize {
    rows.iter()
        .map(|r| {
            size_of::<Row>()
                + r.capacity() * size_of::<Piece>()
                + r.iter().map(|p| p.text.capacity()).sum::<usize>()
        })
        .sum()
}

thread_local! {
    /// Blocks syntect highlighted on this thread (memo misses): what warming saves.
    static RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
pub(crate) fn highlight_runs() -> u64 {
    RUNS.with(|r| r.get())
}

/// Forget every memoized highlight (benchmarks measure cold renders with it).
pub(crate) fn clear_memo() {
    if let Ok(mut memo) = MEMO.lock() {
        *memo = Memo::default();
    }
}

/// The highlighted first rows of `code` (shared with the memo, never copied whole).
fn highlighted(code: &str, lang: Option<&str>, pal: &Palette) -> Arc<Vec<Row>> {
    if lang.and_then(syntax_for).is_none() {
        return Arc::default();
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The kind, not just dark or light: each theme bakes its own code background in.
    (pal.kind, lang, code).hash(&mut h);
    let key = h.finish();
    if let Ok(memo) = MEMO.lock()
        && let Some(rows) = memo.map.get(&key)
    {
        return rows.clone();
    }
    RUNS.with(|r| r.set(r.get() + 1));
    let mut rows = highlight(code_lines(code), lang, pal.kind, pal.code_bg);
    rows.shrink_to_fit();
    let rows = Arc::new(rows);
    let bytes = rows_bytes(&rows);
    if let Ok(mut memo) = MEMO.lock() {
        if memo.map.len() >= MEMO_CAPACITY || memo.bytes + bytes > MEMO_BYTES {
            *memo = Memo::default();
        }
        if bytes <= MEMO_BYTES {
            memo.bytes += bytes;
            memo.map.insert(key, rows.clone());
        }
    }
    rows
}

/// Highlight every code block of `doc` in theme `kind` into the memo, without laying
/// anything out (warming: a layout of a big page costs far more than its highlighting).
pub(crate) fn warm(doc: &Document, kind: ThemeKind) {
    let pal = Palette::new(kind, false);
    for b in crate::content::doc::all_blocks(&doc.blocks) {
        if let Block::Code { lang, code } = b {
            let lang = lang.as_deref().map(str::trim).filter(|l| !l.is_empty());
            let _ = highlighted(code, lang, &pal);
        }
    }
}

/// Lay out one code block. Its rows are made one at a time (a big block is never held
/// as rows twice): highlighted ones from the memo, the rest plain from the source.
pub(crate) fn code_block(w: &mut Writer<'_>, lang: Option<&str>, source: &Arc<str>) {
    let code: &str = source;
    let pal = w.pal;
    let lang = lang.map(str::trim).filter(|l| !l.is_empty());
    let (hl, base) = if pal.plain {
        (Arc::default(), Style::default())
    } else {
        (highlighted(code, lang, pal), pal.code_block)
    };
    let rows = || {
        code_lines(code).enumerate().map(|(i, l)| match hl.get(i) {
            Some(row) => row.clone(),
            None => vec![Piece::new(l.into_owned(), base)],
        })
    };
    let avail = w.avail();
    let first = w.line_count() + usize::from(avail >= 8);
    w.code(super::CodeSpan {
        line: first,
        lang: lang.map(String::from),
        source: source.clone(),
    });
    // A highlighted row is as wide as its line: the pieces are the line cut up.
    let natural = code_lines(code).map(|l| str_width(&l)).max().unwrap_or(0);
    let wide_block = |w: &mut Writer<'_>, inner: usize, framed: bool| {
        (natural > inner).then(|| {
            w.wide_block(WideBlock {
                top: framed.then(|| w.next_line()),
                x: 0,
                inner: u16::try_from(inner).unwrap_or(u16::MAX),
                natural: u16::try_from(natural).unwrap_or(u16::MAX),
                fill: pal
                    .code_bg
                    .map(|b| Style::default().bg(b))
                    .unwrap_or_default(),
                marker: pal.code_marker,
                border: pal.border,
            })
        })
    };
    if avail < 8 {
        // No room for a frame: the code alone, clipped.
        let block = wide_block(w, avail, false);
        for row in rows() {
            emit_code(w, row, avail, None, None, block);
        }
        return;
    }
    let label = lang.map(bounded).unwrap_or_default();
    let label_w = if label.is_empty() {
        0
    } else {
        str_width(&label) + 3
    };
    let box_w = (natural.max(label_w).max(1) + 4).min(avail);
    let inner = box_w - 4;
    let block = wide_block(w, inner, true);
    // Top border: ╭─ lang ───╮
    let mut top = vec![Piece::new("╭─", pal.border)];
    let mut used = 2;
    if !label.is_empty() {
        let (l, lw) = take_width(&label, box_w.saturating_sub(6));
        top.push(Piece::new(" ", pal.border));
        top.push(Piece::new(l, pal.label));
        top.push(Piece::new(" ", pal.border));
        used += lw + 2;
    }
    top.push(Piece::new(
        "─".repeat(box_w.saturating_sub(used + 1)),
        pal.border,
    ));
    top.push(Piece::new("╮", pal.border));
    w.emit(top);
    for row in rows() {
        emit_code(w, row, inner, Some(pal.border), pal.code_bg, block);
    }
    let bottom = vec![
        Piece::new("╰", pal.border),
        Piece::new("─".repeat(box_w - 2), pal.border),
        Piece::new("╯", pal.border),
    ];
    w.emit(bottom);
}

/// One code row clipped to `inner` columns, framed when `border` is set; a row of wide
/// block `block` (`Rendered::wide_blocks`) when its block scrolls sideways.
fn emit_code(
    w: &mut Writer<'_>,
    row: Row,
    inner: usize,
    border: Option<Style>,
    bg: Option<Color>,
    block: Option<usize>,
) {
    let pal = w.pal;
    let bg_style = bg.map(|b| Style::default().bg(b)).unwrap_or_default();
    let mut visible = clip(&row, inner, CLIP_MARKER, pal.code_marker);
    let vw = row_width(&visible);
    if let Some(border) = border {
        let mut framed = vec![Piece::new("│", border), Piece::new(" ", bg_style)];
        framed.append(&mut visible);
        framed.push(Piece::new(
            " ".repeat(inner.saturating_sub(vw) + 1),
            bg_style,
        ));
        framed.push(Piece::new("│", border));
        if let Some(block) = block {
            let code_len = row.len();
            let mut full = vec![Piece::new("│", border), Piece::new(" ", bg_style)];
            full.extend(row);
            w.emit_wide(framed, full, code_len, 2, block);
        } else {
            w.emit(framed);
        }
    } else if let Some(block) = block {
        let code_len = row.len();
        w.emit_wide(visible, row, code_len, 0, block);
    } else {
        w.emit(visible);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_language_and_alias_has_a_syntax() {
        for lang in [
            "bash",
            "sh",
            "go",
            "typescript",
            "ts",
            "yaml",
            "yml",
            "python",
            "sql",
            "json",
            "md",
            "markdown",
        ] {
            assert!(syntax_for(lang).is_some(), "no syntax for {lang}");
        }
        assert!(syntax_for("text").is_none());
        assert!(syntax_for("no-such-language").is_none());
    }

    #[test]
    fn highlighting_colours_tokens_differently() {
        for (lang, src) in [
            ("bash", "echo \"hi\" # note"),
            ("go", "func main() { return }"),
            ("ts", "const x: number = 1;"),
            ("yaml", "key: \"value\""),
            ("python", "def f(): return 1"),
            ("sql", "SELECT * FROM t;"),
            ("json", "{\"a\": 1}"),
            ("md", "# Title"),
        ] {
            for kind in [ThemeKind::Dark, ThemeKind::Light] {
                let rows = highlight([src.into()], Some(lang), kind, None);
                let fgs: std::collections::HashSet<_> =
                    rows[0].iter().map(|p| p.style.fg).collect();
                assert!(fgs.len() > 1, "{lang} was not highlighted: {:?}", rows[0]);
            }
        }
    }

    #[test]
    fn highlighting_is_bounded() {
        let long = "x".repeat(MAX_HL_LINE_BYTES + 1);
        let rows = highlight([long.into()], Some("bash"), ThemeKind::Dark, None);
        // The long line and every one after it are left plain.
        assert!(rows.is_empty());
    }
}
