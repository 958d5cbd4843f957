//! The theme: every colour and style sshfolio draws with, for dark and light terminals,
//! and the colour depth a guest's terminal can show.
//!
//! Views and the renderer always draw with full RGB colours from here; colours are
//! converted to the guest's depth only on the way out (`ColorDepth::convert` for each
//! cell a `ByteScreen` writes, `ColorDepth::convert_buffer` for a whole frame drawn on
//! a ratatui `Terminal`), so no other code needs to care about depth.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

/// Dark or light background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThemeKind {
    #[default]
    Dark,
    Light,
}

impl ThemeKind {
    pub fn toggled(self) -> Self {
        match self {
            ThemeKind::Dark => ThemeKind::Light,
            ThemeKind::Light => ThemeKind::Dark,
        }
    }

    pub fn theme(self) -> &'static Theme {
        match self {
            ThemeKind::Dark => &DARK,
            ThemeKind::Light => &LIGHT,
        }
    }
}

/// How many colours the guest's terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorDepth {
    #[default]
    TrueColor,
    Ansi256,
    Ansi16,
    /// `NO_COLOR`: no colour at all; bold/underline/reverse still allowed.
    None,
}

impl ColorDepth {
    /// Pick a depth from the `TERM`, `COLORTERM` and `NO_COLOR` values a client sent.
    pub fn detect(term: Option<&str>, colorterm: Option<&str>, no_color: bool) -> Self {
        if no_color {
            return ColorDepth::None;
        }
        if let Some(ct) = colorterm {
            let ct = ct.to_ascii_lowercase();
            if ct.contains("truecolor") || ct.contains("24bit") {
                return ColorDepth::TrueColor;
            }
        }
        match term.map(str::to_ascii_lowercase) {
            Some(t) if t == "dumb" => ColorDepth::None,
            Some(t) if t.contains("direct") || t.contains("truecolor") => ColorDepth::TrueColor,
            Some(t)
                if t.contains("256")
                    || t.contains("kitty")
                    || t.contains("alacritty")
                    || t.contains("wezterm")
                    || t.contains("ghostty")
                    || t.contains("foot") =>
            {
                // Terminals that advertise 256 colours nearly all do truecolor as well,
                // but we cannot know: 256 is the safe choice.
                ColorDepth::Ansi256
            }
            Some(t)
                if t.starts_with("xterm")
                    || t.starts_with("screen")
                    || t.starts_with("tmux")
                    || t.starts_with("linux")
                    || t.starts_with("vt")
                    || t.starts_with("rxvt") =>
            {
                ColorDepth::Ansi16
            }
            // No TERM at all (local use without one): be conservative.
            _ => ColorDepth::Ansi256,
        }
    }

    /// Convert one colour to this depth.
    pub fn convert(self, c: Color) -> Color {
        match (self, c) {
            (ColorDepth::None, _) => Color::Reset,
            (ColorDepth::TrueColor, c) => c,
            (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(rgb_to_256(r, g, b)),
            (ColorDepth::Ansi256, c) => c,
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => rgb_to_16(r, g, b),
            (ColorDepth::Ansi16, Color::Indexed(i)) => {
                let (r, g, b) = indexed_to_rgb(i);
                rgb_to_16(r, g, b)
            }
            (ColorDepth::Ansi16, c) => c,
        }
    }

    /// Convert every cell of a frame buffer to this depth, in place.
    pub fn convert_buffer(self, buf: &mut Buffer) {
        if self == ColorDepth::TrueColor {
            return;
        }
        // Neighbouring cells nearly always share all three colours: a cell like the
        // last one costs one comparison. Otherwise each colour goes through a small
        // direct-mapped memo (a frame uses a few dozen colours).
        let mut memo = [(Color::Reset, self.convert(Color::Reset)); 32];
        let mut conv = |c: Color| -> Color {
            let slot = match c {
                Color::Rgb(r, g, b) => {
                    (r as usize).wrapping_mul(7) ^ (g as usize).wrapping_mul(3) ^ b as usize
                }
                Color::Indexed(i) => i as usize,
                Color::Reset => return memo[0].1,
                _ => return self.convert(c),
            } % 31
                + 1;
            if memo[slot].0 != c {
                memo[slot] = (c, self.convert(c));
            }
            memo[slot].1
        };
        let mut last_in = (Color::Reset, Color::Reset, Color::Reset);
        let mut last_out = (conv(Color::Reset), conv(Color::Reset), conv(Color::Reset));
        for cell in buf.content.iter_mut() {
            let key = (cell.fg, cell.bg, cell.underline_color);
            if key != last_in {
                last_in = key;
                last_out = (conv(key.0), conv(key.1), conv(key.2));
            }
            (cell.fg, cell.bg, cell.underline_color) = last_out;
        }
    }
}

fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    // The 6×6×6 cube or the 24-step grey ramp, whichever is nearer.
    let to6 = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            ((v as u16 - 35) / 40) as u8
        }
    };
    let (cr, cg, cb) = (to6(r), to6(g), to6(b));
    let level = |i: u8| -> u8 { if i == 0 { 0 } else { 55 + i * 40 } };
    let cube = (level(cr), level(cg), level(cb));
    let avg = (r as u16 + g as u16 + b as u16) / 3;
    let grey_i = if avg > 238 {
        23
    } else {
        avg.saturating_sub(3) / 10
    } as u8;
    let grey = 8 + grey_i * 10;
    let d = |a: (u8, u8, u8)| -> u32 {
        let dr = a.0 as i32 - r as i32;
        let dg = a.1 as i32 - g as i32;
        let db = a.2 as i32 - b as i32;
        (dr * dr + dg * dg + db * db) as u32
    };
    if d((grey, grey, grey)) < d(cube) {
        232 + grey_i
    } else {
        16 + 36 * cr + 6 * cg + cb
    }
}

fn indexed_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| -> u8 { if v == 0 { 0 } else { 55 + v * 40 } };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// The 16 ANSI colours with typical (xterm) RGB values.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn rgb_to_16(r: u8, g: u8, b: u8) -> Color {
    let mut best = Color::White;
    let mut best_d = u32::MAX;
    for (c, (cr, cg, cb)) in ANSI16 {
        let dr = cr as i32 - r as i32;
        let dg = cg as i32 - g as i32;
        let db = cb as i32 - b as i32;
        let d = (dr * dr * 3 + dg * dg * 4 + db * db * 2) as u32;
        if d < best_d {
            best_d = d;
            best = c;
        }
    }
    best
}

/// Every style the UI and the renderer use.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub kind: ThemeKind,
    pub bg: Color,
    pub fg: Color,
    pub dim: Color,
    pub accent: Color,
    pub accent2: Color,
    pub border: Color,
    pub selection_bg: Color,
    pub live: Color,
    pub offline: Color,
    pub warn: Color,
    pub heading: [Color; 3],
    pub link: Color,
    pub code_fg: Color,
    pub code_bg: Color,
    pub quote: Color,
    pub tag: Color,
    pub highlight_bg: Color,
}

impl Theme {
    pub fn base(&self) -> Style {
        Style::default().fg(self.fg)
    }
    pub fn dim(&self) -> Style {
        Style::default().fg(self.dim)
    }
    pub fn accent(&self) -> Style {
        Style::default().fg(self.accent)
    }
    pub fn title(&self) -> Style {
        Style::default()
            .fg(self.accent)
            .add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        Style::default()
            .bg(self.selection_bg)
            .add_modifier(Modifier::BOLD)
    }
    pub fn link(&self) -> Style {
        Style::default()
            .fg(self.link)
            .add_modifier(Modifier::UNDERLINED)
    }
    pub fn code(&self) -> Style {
        Style::default().fg(self.code_fg).bg(self.code_bg)
    }
    pub fn heading(&self, level: u8) -> Style {
        let i = (level.saturating_sub(1) as usize).min(2);
        Style::default()
            .fg(self.heading[i])
            .add_modifier(Modifier::BOLD)
    }
}

pub const DARK: Theme = Theme {
    kind: ThemeKind::Dark,
    bg: Color::Reset,
    fg: Color::Rgb(0xd4, 0xd4, 0xd8),
    dim: Color::Rgb(0x8a, 0x8f, 0x98),
    accent: Color::Rgb(0x38, 0xbd, 0xf8),
    accent2: Color::Rgb(0xc0, 0x84, 0xfc),
    border: Color::Rgb(0x4b, 0x55, 0x63),
    selection_bg: Color::Rgb(0x1e, 0x3a, 0x5f),
    live: Color::Rgb(0x22, 0xc5, 0x5e),
    offline: Color::Rgb(0xef, 0x44, 0x44),
    warn: Color::Rgb(0xf5, 0x9e, 0x0b),
    heading: [
        Color::Rgb(0xf4, 0x72, 0xb6),
        Color::Rgb(0x38, 0xbd, 0xf8),
        Color::Rgb(0xa3, 0xe6, 0x35),
    ],
    link: Color::Rgb(0x60, 0xa5, 0xfa),
    code_fg: Color::Rgb(0xfb, 0xbf, 0x24),
    code_bg: Color::Rgb(0x1f, 0x23, 0x2b),
    quote: Color::Rgb(0x9c, 0xa3, 0xaf),
    tag: Color::Rgb(0x2d, 0xd4, 0xbf),
    highlight_bg: Color::Rgb(0x71, 0x3f, 0x12),
};

pub const LIGHT: Theme = Theme {
    kind: ThemeKind::Light,
    bg: Color::Reset,
    fg: Color::Rgb(0x1f, 0x29, 0x37),
    dim: Color::Rgb(0x6b, 0x72, 0x80),
    accent: Color::Rgb(0x03, 0x69, 0xa1),
    accent2: Color::Rgb(0x7e, 0x22, 0xce),
    border: Color::Rgb(0x9c, 0xa3, 0xaf),
    selection_bg: Color::Rgb(0xdb, 0xea, 0xfe),
    live: Color::Rgb(0x15, 0x80, 0x3d),
    offline: Color::Rgb(0xb9, 0x1c, 0x1c),
    warn: Color::Rgb(0xb4, 0x53, 0x09),
    heading: [
        Color::Rgb(0xbe, 0x18, 0x5d),
        Color::Rgb(0x03, 0x69, 0xa1),
        Color::Rgb(0x4d, 0x7c, 0x0f),
    ],
    link: Color::Rgb(0x1d, 0x4e, 0xd8),
    code_fg: Color::Rgb(0x92, 0x40, 0x0e),
    code_bg: Color::Rgb(0xf3, 0xf4, 0xf6),
    quote: Color::Rgb(0x4b, 0x55, 0x63),
    tag: Color::Rgb(0x0f, 0x76, 0x6e),
    highlight_bg: Color::Rgb(0xfd, 0xe6, 0x8a),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_strips_everything() {
        assert_eq!(ColorDepth::None.convert(Color::Rgb(1, 2, 3)), Color::Reset);
    }

    #[test]
    fn ansi16_never_emits_rgb_or_indexed() {
        for c in [
            Color::Rgb(0x38, 0xbd, 0xf8),
            Color::Indexed(200),
            Color::Rgb(0, 0, 0),
        ] {
            let out = ColorDepth::Ansi16.convert(c);
            assert!(
                !matches!(out, Color::Rgb(..) | Color::Indexed(_)),
                "{c:?} -> {out:?}"
            );
        }
    }

    #[test]
    fn ansi256_maps_pure_colours_into_the_cube() {
        assert_eq!(
            ColorDepth::Ansi256.convert(Color::Rgb(255, 0, 0)),
            Color::Indexed(196)
        );
        assert_eq!(
            ColorDepth::Ansi256.convert(Color::Rgb(0, 0, 0)),
            Color::Indexed(16)
        );
    }

    #[test]
    fn detect_prefers_no_color_then_colorterm() {
        assert_eq!(
            ColorDepth::detect(Some("xterm-256color"), None, true),
            ColorDepth::None
        );
        assert_eq!(
            ColorDepth::detect(Some("xterm"), Some("truecolor"), false),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(Some("xterm-256color"), None, false),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::detect(Some("xterm"), None, false),
            ColorDepth::Ansi16
        );
    }
}
