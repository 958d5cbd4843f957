//! Guests online for hibernated sessions: a hibernated session has no cell buffers to
//! diff, so a new count is written as just the label's cells, between a cursor save and
//! restore (`ESC 7` … `ESC 8`), with the frame's own colours. The app takes the count
//! too, so the next frame (a full repaint after hibernation) draws the same label.

use std::io::Write;

use ratatui::style::{Color, Modifier, Style};

use super::sgr;
use crate::theme::ColorDepth;
use crate::tui::state::CellRun;
use crate::tui::{App, AppEvent, Control};

/// A new guest count `n` for a session: awake, the app redraws as usual (`dirty`);
/// hibernated, only the label's cells are written (appended to `pending`).
pub(super) fn follow(
    app: &mut App,
    n: usize,
    hibernated: bool,
    dirty: &mut bool,
    pending: &mut Vec<u8>,
) {
    if !hibernated {
        if app.update(AppEvent::Guests(n)) == Control::Redraw {
            *dirty = true;
        }
        return;
    }
    let runs = app.online_patch(n);
    if !runs.is_empty() {
        pending.extend(encode(&runs, app.depth()));
    }
}

/// The bytes that draw `runs` and put the cursor and attributes back as they were.
/// 16-colour guests get classic SGR, as their frames do.
pub(super) fn encode(runs: &[CellRun], depth: ColorDepth) -> Vec<u8> {
    let mut out = b"\x1b7".to_vec();
    for r in runs {
        let _ = write!(out, "\x1b[{};{}H\x1b[0m", r.y + 1, r.x + 1);
        write_style(&mut out, r.style);
        out.extend_from_slice(r.text.as_bytes());
    }
    out.extend_from_slice(b"\x1b[0m\x1b8");
    match depth {
        ColorDepth::Ansi16 => sgr::to_ansi16(out),
        _ => out,
    }
}

/// SGR for a style's colours and the few attributes a label uses, spelled as the
/// frame backend (crossterm) spells them, so `to_ansi16` rewrites both alike.
fn write_style(out: &mut Vec<u8>, style: Style) {
    if let Some(fg) = style.fg {
        write_color(out, 38, fg);
    }
    if let Some(bg) = style.bg {
        write_color(out, 48, bg);
    }
    let m = style.add_modifier;
    for (flag, code) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::UNDERLINED, 4),
        (Modifier::REVERSED, 7),
    ] {
        if m.contains(flag) {
            let _ = write!(out, "\x1b[{code}m");
        }
    }
}

fn write_color(out: &mut Vec<u8>, base: u16, c: Color) {
    out.extend_from_slice(b"\x1b[");
    let _ = super::osc8::push_color(out, base, c);
    out.push(b'm');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(style: Style) -> Vec<CellRun> {
        vec![CellRun {
            x: 4,
            y: 0,
            text: "2 online".into(),
            style,
        }]
    }

    #[test]
    fn a_patch_saves_moves_draws_and_restores() {
        let out = encode(
            &run(Style::default().fg(Color::Rgb(1, 2, 3))),
            ColorDepth::TrueColor,
        );
        assert_eq!(
            out,
            b"\x1b7\x1b[1;5H\x1b[0m\x1b[38;2;1;2;3m2 online\x1b[0m\x1b8".to_vec()
        );
    }

    #[test]
    fn sixteen_colour_guests_get_classic_sgr() {
        let style = Style::default().fg(Color::LightRed).bg(Color::Reset);
        let out = encode(&run(style), ColorDepth::Ansi16);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("\x1b[91m"), "{text:?}");
        assert!(!text.contains(";5;"), "{text:?}");
    }
}
