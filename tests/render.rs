//! The renderer seen from outside: snapshots of a rich sample document at 40, 80 and
//! 120 columns, and an ANSI dump for looking at the output in a real terminal.

use std::fmt::Write as _;

use ratatui::style::{Color, Modifier};
use ratatui::text::Line;
use sshfolio::render::sample::rich_document;
use sshfolio::render::{RenderOptions, render};
use sshfolio::theme::ThemeKind;

fn plain(width: u16) -> String {
    let r = render(
        &rich_document(),
        RenderOptions {
            width,
            theme: ThemeKind::Dark,
            plain: true,
        },
    );
    r.plain_lines().join("\n")
}

#[test]
fn rich_sample_at_40() {
    insta::assert_snapshot!(plain(40));
}

#[test]
fn rich_sample_at_80() {
    insta::assert_snapshot!(plain(80));
}

#[test]
fn rich_sample_at_120() {
    insta::assert_snapshot!(plain(120));
}

fn sgr_colour(c: Color, fg: bool) -> Option<String> {
    let base = if fg { 38 } else { 48 };
    match c {
        Color::Rgb(r, g, b) => Some(format!("{base};2;{r};{g};{b}")),
        Color::Indexed(i) => Some(format!("{base};5;{i}")),
        _ => None,
    }
}

/// A line as ANSI escapes, for `cat` in a terminal.
fn ansi(line: &Line<'_>) -> String {
    let mut out = String::new();
    for s in &line.spans {
        let mut codes = vec!["0".to_string()];
        if let Some(fg) = s.style.fg.and_then(|c| sgr_colour(c, true)) {
            codes.push(fg);
        }
        if let Some(bg) = s.style.bg.and_then(|c| sgr_colour(c, false)) {
            codes.push(bg);
        }
        let m = s.style.add_modifier;
        for (flag, code) in [
            (Modifier::BOLD, "1"),
            (Modifier::DIM, "2"),
            (Modifier::ITALIC, "3"),
            (Modifier::UNDERLINED, "4"),
            (Modifier::CROSSED_OUT, "9"),
        ] {
            if m.contains(flag) {
                codes.push(code.to_string());
            }
        }
        let _ = write!(out, "\x1b[{}m{}", codes.join(";"), s.content);
    }
    out.push_str("\x1b[0m");
    out
}

/// `SSHFOLIO_DUMP=path cargo test --test main dump_ansi -- --ignored` writes the rich
/// sample as ANSI at `SSHFOLIO_DUMP_WIDTH` (default 80) columns, for viewing by eye.
#[test]
#[ignore]
fn dump_ansi() {
    let path = std::env::var("SSHFOLIO_DUMP").unwrap_or_else(|_| "/tmp/render.ansi".into());
    let width = std::env::var("SSHFOLIO_DUMP_WIDTH")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(80);
    let theme = match std::env::var("SSHFOLIO_DUMP_THEME").as_deref() {
        Ok("light") => ThemeKind::Light,
        _ => ThemeKind::Dark,
    };
    let r = render(
        &rich_document(),
        RenderOptions {
            width,
            theme,
            plain: false,
        },
    );
    let text: Vec<String> = r.lines.iter().map(ansi).collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}
