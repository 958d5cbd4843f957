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

/// Styled rows for `lines`, highlighted as far as the limits allow.
fn highlight(
    lines: &[String],
    lang: Option<&str>,
    kind: ThemeKind,
    base: Style,
    bg: Option<Color>,
) -> Vec<Row> {
    let plain_row = |l: &String| vec![Piece::new(l.clone(), base)];
    let Some(syntax) = lang.and_then(syntax_for) else {
        return lines.iter().map(plain_row).collect();
    };
    let theme: &Theme = match kind {
        ThemeKind::Dark | ThemeKind::HighContrast => &DARK_THEME,
        ThemeKind::Light => &LIGHT_THEME,
    };
    let mut h = HighlightLines::new(syntax, theme);
    let mut out = Vec::with_capacity(lines.len());
    let mut bytes = 0usize;
    let mut on = true;
    for (i, line) in lines.iter().enumerate() {
        bytes += line.len();
        if i >= MAX_HL_LINES || line.len() > MAX_HL_LINE_BYTES || bytes > MAX_HL_BYTES {
            on = false;
        }
        if !on {
            out.push(plain_row(line));
            continue;
        }
        let with_nl = format!("{line}\n");
        match h.highlight_line(&with_nl, &SYNTAXES) {
            Ok(regions) => {
                let row: Row = regions
                    .into_iter()
                    .map(|(s, t)| Piece::new(t.trim_end_matches('\n'), convert(s, bg)))
                    .filter(|p| !p.text.is_empty())
                    .collect();
                out.push(row);
            }
            Err(_) => {
                on = false;
                out.push(plain_row(line));
            }
        }
    }
    out
}

/// Highlighted blocks by (theme, language, code) hash. Highlighting does not depend on
/// the width, so a guest resizing (or a new width) re-lays out a page without paying
/// for syntect again. Bounded: cleared when full.
static MEMO: LazyLock<Mutex<HashMap<u64, Arc<Vec<Row>>>>> = LazyLock::new(Default::default);
const MEMO_CAPACITY: usize = 1024;

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
        memo.clear();
    }
}

fn highlighted(lines: &[String], lang: Option<&str>, pal: &Palette) -> Vec<Row> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The kind, not just dark or light: each theme bakes its own code background in.
    (pal.kind, lang, lines).hash(&mut h);
    let key = h.finish();
    if let Ok(memo) = MEMO.lock()
        && let Some(rows) = memo.get(&key)
    {
        return rows.as_ref().clone();
    }
    RUNS.with(|r| r.set(r.get() + 1));
    let rows = highlight(lines, lang, pal.kind, pal.code_block, pal.code_bg);
    if let Ok(mut memo) = MEMO.lock() {
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, Arc::new(rows.clone()));
    }
    rows
}

/// Lay out one code block.
pub(crate) fn code_block(w: &mut Writer<'_>, lang: Option<&str>, code: &str) {
    let pal = w.pal;
    let lang = lang.map(str::trim).filter(|l| !l.is_empty());
    let mut lines: Vec<String> = code
        .strip_suffix('\n')
        .unwrap_or(code)
        .split('\n')
        .map(|l| clean_code_line(l.strip_suffix('\r').unwrap_or(l)).into_owned())
        .collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let rows = if pal.plain {
        lines
            .iter()
            .map(|l| vec![Piece::new(l.clone(), Style::default())])
            .collect()
    } else {
        highlighted(&lines, lang, pal)
    };
    let avail = w.avail();
    let first = w.line_count() + usize::from(avail >= 8);
    w.code(super::CodeSpan {
        line: first,
        lang: lang.map(String::from),
        text: code.strip_suffix('\n').unwrap_or(code).to_string(),
    });
    let natural = rows.iter().map(|r| row_width(r)).max().unwrap_or(0);
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
        for row in rows {
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
    for row in rows {
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
            let mut full = vec![Piece::new("│", border), Piece::new(" ", bg_style)];
            full.extend(row.iter().cloned());
            w.emit_wide(framed, full, row, 2, block);
        } else {
            w.emit(framed);
        }
    } else if let Some(block) = block {
        w.emit_wide(visible, row.clone(), row, 0, block);
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
                let rows = highlight(&[src.to_string()], Some(lang), kind, Style::default(), None);
                let fgs: std::collections::HashSet<_> =
                    rows[0].iter().map(|p| p.style.fg).collect();
                assert!(fgs.len() > 1, "{lang} was not highlighted: {:?}", rows[0]);
            }
        }
    }

    #[test]
    fn highlighting_is_bounded() {
        let long = "x".repeat(MAX_HL_LINE_BYTES + 1);
        let rows = highlight(
            &[long],
            Some("bash"),
            ThemeKind::Dark,
            Style::default(),
            None,
        );
        assert_eq!(rows[0].len(), 1);
    }
}
