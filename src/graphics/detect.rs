//! Which image protocol a guest's terminal speaks, from what it answers on the channel.
//!
//! At session start we send `PROBE`: a kitty graphics query (`a=q`, 1×1 pixel, nothing
//! stored), `CSI 16 t` (cell size in pixels), XTVERSION (`CSI > 0 q`) and last DA1
//! (`CSI c`), which every terminal answers: once DA1 is in, every answer the terminal
//! will give has arrived (they come in order). The first frame never waits; the protocol
//! starts as what the environment alone says (`decide` with no answers) and switches
//! when the answers come. The input parser consumes every reply, so none reaches the
//! screen or the app as keys.

use super::Protocol;

/// The queries, in this order (DA1 last: its answer closes the probe).
pub const PROBE: &[u8] = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[16t\x1b[>0q\x1b[c";

/// Pixels per cell when the terminal tells us nothing.
pub const DEFAULT_CELL: (u16, u16) = (10, 20);

/// What the terminal answered so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// The kitty query was answered `OK`.
    pub kitty: bool,
    /// DA1 arrived; `sixel` when it listed attribute 4.
    pub da1: bool,
    pub sixel: bool,
    /// XTVERSION's name and version, e.g. `WezTerm 20240203`, `iTerm2 3.5.0`.
    pub version: Option<String>,
    /// Cell size in pixels from `CSI 6 ; h ; w t`.
    pub cell: Option<(u16, u16)>,
}

/// What the guest's environment says (from the PTY request and `env` requests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    pub term: String,
    pub term_program: Option<String>,
    /// `NO_COLOR` set (or the server's `--no-color`), or `--no-images`.
    pub no_images: bool,
    /// Cell size from the PTY request's pixel fields (0 when the client sent none).
    pub pty_pixels: Option<(u32, u32)>,
    /// The PTY request's size in cells, to turn its pixel fields into a cell size.
    pub pty_cells: (u32, u32),
}

/// Inside a multiplexer, escape sequences for images are not passed through reliably.
fn multiplexed(term: &str) -> bool {
    let t = term.to_ascii_lowercase();
    t.starts_with("tmux") || t.starts_with("screen")
}

/// The protocol for a guest: `NO_COLOR`/`--no-images` → none; tmux/screen → half-blocks;
/// then kitty, sixel, iTerm2 by what the terminal answered (iTerm2 also from
/// `TERM_PROGRAM`); half-blocks otherwise (drawn in whatever colours the guest has, 16
/// included: a pixel protocol does not depend on the cell colours).
pub fn decide(env: &Env, answers: &Answers) -> Protocol {
    if env.no_images {
        return Protocol::None;
    }
    if multiplexed(&env.term) {
        return Protocol::HalfBlocks;
    }
    if answers.kitty {
        return Protocol::Kitty;
    }
    let version = answers
        .version
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let program = env
        .term_program
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if version.starts_with("iterm2") || program == "iterm.app" {
        return Protocol::Iterm2;
    }
    if answers.sixel {
        return Protocol::Sixel;
    }
    if version.starts_with("wezterm") || program == "wezterm" {
        return Protocol::Iterm2;
    }
    Protocol::HalfBlocks
}

/// Pixels per cell: the `CSI 16 t` answer, else the PTY request's pixel fields, else
/// `DEFAULT_CELL`. Absurd values fall back to the default.
pub fn cell_size(env: &Env, answers: &Answers) -> (u16, u16) {
    let sane = |(w, h): (u16, u16)| (2..=64).contains(&w) && (4..=128).contains(&h);
    if let Some(c) = answers.cell.filter(|c| sane(*c)) {
        return c;
    }
    if let Some((pw, ph)) = env.pty_pixels {
        let (cols, rows) = env.pty_cells;
        if pw > 0 && ph > 0 && cols > 0 && rows > 0 {
            let c = ((pw / cols).min(1000) as u16, (ph / rows).min(1000) as u16);
            if sane(c) {
                return c;
            }
        }
    }
    DEFAULT_CELL
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(term: &str) -> Env {
        Env {
            term: term.into(),
            ..Env::default()
        }
    }

    #[test]
    fn answers_pick_the_protocol() {
        let kitty = Answers {
            kitty: true,
            da1: true,
            ..Answers::default()
        };
        let sixel = Answers {
            da1: true,
            sixel: true,
            ..Answers::default()
        };
        let silent = Answers::default();
        assert_eq!(decide(&env("xterm-kitty"), &kitty), Protocol::Kitty);
        assert_eq!(decide(&env("xterm"), &sixel), Protocol::Sixel);
        assert_eq!(
            decide(&env("xterm-256color"), &silent),
            Protocol::HalfBlocks
        );
        assert_eq!(decide(&env("tmux-256color"), &kitty), Protocol::HalfBlocks);
        assert_eq!(decide(&env("screen.xterm"), &sixel), Protocol::HalfBlocks);
        let iterm = Answers {
            version: Some("iTerm2 3.5.0".into()),
            da1: true,
            ..Answers::default()
        };
        assert_eq!(decide(&env("xterm"), &iterm), Protocol::Iterm2);
        let mut e = env("xterm-256color");
        e.term_program = Some("iTerm.app".into());
        assert_eq!(decide(&e, &silent), Protocol::Iterm2);
        e.no_images = true;
        assert_eq!(decide(&e, &kitty), Protocol::None);
    }

    #[test]
    fn cell_size_from_reply_then_pty_then_default() {
        let mut e = env("xterm");
        assert_eq!(cell_size(&e, &Answers::default()), DEFAULT_CELL);
        e.pty_pixels = Some((800, 480));
        e.pty_cells = (80, 24);
        assert_eq!(cell_size(&e, &Answers::default()), (10, 20));
        let a = Answers {
            cell: Some((9, 18)),
            ..Answers::default()
        };
        assert_eq!(cell_size(&e, &a), (9, 18));
        let absurd = Answers {
            cell: Some((0, 65535)),
            ..Answers::default()
        };
        e.pty_pixels = Some((0, 0));
        assert_eq!(cell_size(&e, &absurd), DEFAULT_CELL);
    }
}
