//! The theme: every colour and style sshfolio draws with, for dark and light terminals,
//! and the colour depth a guest's terminal can show.
//!
//! Views and the renderer always draw with full RGB colours from here; colours are
//! converted to the guest's depth only on the way out (`ColorDepth::convert` for each
//! cell a `ByteScreen` writes, `ColorDepth::convert_buffer` for a whole frame drawn on
//! a ratatui `Terminal`), so no other code needs to care about depth.
//!
//! Over 600 lines: ~490 lines of code (three themes' colours and the depth conversions), the rest its tests.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

/// A theme: dark, light, or high contrast. The OSC 11 reply and the first theme of a
/// session are only ever `Dark` or `Light`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThemeKind {
    #[default]
    Dark,
    Light,
    HighContrast,
}

impl ThemeKind {
    /// Every theme, in the order `t` cycles through them.
    pub const ALL: [ThemeKind; 3] = [ThemeKind::Dark, ThemeKind::Light, ThemeKind::HighContrast];

    /// The next theme in `t`'s cycle: dark → light → high contrast → dark.
    pub fn next(self) -> Self {
        match self {
            ThemeKind::Dark => ThemeKind::Light,
            ThemeKind::Light => ThemeKind::HighContrast,
            ThemeKind::HighContrast => ThemeKind::Dark,
        }
    }

    /// The theme drawn on the terminal's own background (the renderer's palette).
    pub fn theme(self) -> &'static Theme {
        match self {
            ThemeKind::Dark => &DARK,
            ThemeKind::Light => &LIGHT,
            ThemeKind::HighContrast => &HIGH_CONTRAST,
        }
    }

    /// The theme as a guest sees it: on the terminal's own background when that is
    /// this theme's kind, otherwise painting its own background on every cell (dark
    /// grey on a white terminal would be unreadable); high contrast always paints.
    /// With 16 colours or none, the selection is reverse video.
    pub fn look(self, terminal: ThemeKind, depth: ColorDepth) -> &'static Theme {
        let painted = self != terminal;
        let reverse = matches!(depth, ColorDepth::Ansi16 | ColorDepth::None);
        match (self, painted, reverse) {
            (ThemeKind::Dark, false, false) => &DARK,
            (ThemeKind::Dark, true, false) => &DARK_PAINTED,
            (ThemeKind::Dark, false, true) => &DARK_REVERSE,
            (ThemeKind::Dark, true, true) => &DARK_PAINTED_REVERSE,
            (ThemeKind::Light, false, false) => &LIGHT,
            (ThemeKind::Light, true, false) => &LIGHT_PAINTED,
            (ThemeKind::Light, false, true) => &LIGHT_REVERSE,
            (ThemeKind::Light, true, true) => &LIGHT_PAINTED_REVERSE,
            (ThemeKind::HighContrast, _, false) => &HIGH_CONTRAST,
            (ThemeKind::HighContrast, _, true) => &HIGH_CONTRAST_REVERSE,
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
    if let Some((_, c)) = ANSI16_CHOICES.iter().find(|(rgb, _)| *rgb == (r, g, b)) {
        return *c;
    }
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
    /// What every cell's background is set to: `Reset` (the terminal's own) or `canvas`.
    pub bg: Color,
    /// The background this theme is made for: painted when the terminal's is another,
    /// and what the contrast test measures text against.
    pub canvas: Color,
    /// Selection as reverse video instead of `selection_bg` (16 colours, no colour).
    pub reverse_selection: bool,
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
        if self.reverse_selection {
            // One colour under the whole row: each cell's own colour reversed made a
            // patchwork bar (grey region, green status, a green block for the light).
            return Style::default()
                .fg(self.fg)
                .bg(self.bg)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
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

/// `theme` painting its own background on every cell.
const fn painted(theme: Theme) -> Theme {
    Theme {
        bg: theme.canvas,
        ..theme
    }
}

/// `theme` with reverse-video selection.
const fn reversed(theme: Theme) -> Theme {
    Theme {
        reverse_selection: true,
        ..theme
    }
}

pub const DARK: Theme = Theme {
    kind: ThemeKind::Dark,
    bg: Color::Reset,
    canvas: Color::Rgb(0x11, 0x13, 0x18),
    reverse_selection: false,
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
    canvas: Color::Rgb(0xfa, 0xfa, 0xf9),
    reverse_selection: false,
    fg: Color::Rgb(0x1f, 0x29, 0x37),
    dim: Color::Rgb(0x5b, 0x63, 0x70),
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
    quote: Color::Rgb(0x47, 0x55, 0x69),
    tag: Color::Rgb(0x0f, 0x76, 0x6e),
    highlight_bg: Color::Rgb(0xfd, 0xe6, 0x8a),
};

/// White and bright colours on black, always painted: for low vision, glare, or a
/// terminal whose own palette is unreadable.
pub const HIGH_CONTRAST: Theme = Theme {
    kind: ThemeKind::HighContrast,
    bg: Color::Rgb(0, 0, 0),
    canvas: Color::Rgb(0, 0, 0),
    reverse_selection: false,
    fg: Color::Rgb(0xff, 0xff, 0xff),
    dim: Color::Rgb(0xd0, 0xd0, 0xd0),
    accent: Color::Rgb(0xff, 0xff, 0x5f),
    accent2: Color::Rgb(0xff, 0x87, 0xff),
    border: Color::Rgb(0xc0, 0xc0, 0xc0),
    selection_bg: Color::Rgb(0x00, 0x00, 0xd7),
    live: Color::Rgb(0x00, 0xff, 0x00),
    offline: Color::Rgb(0xff, 0x5f, 0x5f),
    warn: Color::Rgb(0xff, 0xaf, 0x00),
    heading: [
        Color::Rgb(0xff, 0xff, 0x5f),
        Color::Rgb(0x5f, 0xff, 0xff),
        Color::Rgb(0x87, 0xff, 0x87),
    ],
    link: Color::Rgb(0x5f, 0xff, 0xff),
    code_fg: Color::Rgb(0xff, 0xd7, 0x00),
    code_bg: Color::Rgb(0x1c, 0x1c, 0x1c),
    quote: Color::Rgb(0xe4, 0xe4, 0xe4),
    tag: Color::Rgb(0x87, 0xff, 0xd7),
    highlight_bg: Color::Rgb(0x87, 0x00, 0x87),
};

const DARK_PAINTED: Theme = painted(DARK);
const DARK_REVERSE: Theme = reversed(DARK);
const DARK_PAINTED_REVERSE: Theme = reversed(painted(DARK));
const LIGHT_PAINTED: Theme = painted(LIGHT);
const LIGHT_REVERSE: Theme = reversed(LIGHT);
const LIGHT_PAINTED_REVERSE: Theme = reversed(painted(LIGHT));
const HIGH_CONTRAST_REVERSE: Theme = reversed(HIGH_CONTRAST);

/// The 16-colour name each theme colour takes, where the nearest one would fail the
/// contrast the theme promises (measured with xterm's palette, `ANSI16`): e.g. the
/// light theme's dim grey is nearest to dark grey, 4.0:1 on white, so it takes black.
/// Colours not listed (syntax highlighting, images) go to the nearest. Each colour
/// here belongs to one theme only (the dark border must stay grey).
const ANSI16_CHOICES: &[((u8, u8, u8), Color)] = &[
    // Light: text that must read on white.
    ((0x5b, 0x63, 0x70), Color::Black),
    ((0x47, 0x55, 0x69), Color::Black),
    ((0x1d, 0x4e, 0xd8), Color::Blue),
    ((0x03, 0x69, 0xa1), Color::Blue),
    ((0x0f, 0x76, 0x6e), Color::Black),
    ((0x15, 0x80, 0x3d), Color::Black),
    ((0x92, 0x40, 0x0e), Color::Red),
    ((0xfa, 0xfa, 0xf9), Color::White),
    ((0xf3, 0xf4, 0xf6), Color::White),
    // Dark: the link blue is nearest to blue, 2.2:1 on black.
    ((0x60, 0xa5, 0xfa), Color::LightCyan),
    ((0x11, 0x13, 0x18), Color::Black),
    ((0x1f, 0x23, 0x2b), Color::Black),
];

/// WCAG relative luminance of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The RGB a colour shows as (16 colours with xterm's palette); `None` for `Reset`.
pub fn shown_rgb(c: Color) -> Option<(u8, u8, u8)> {
    match c {
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) => Some(indexed_to_rgb(i)),
        Color::Reset => None,
        c => ANSI16.iter().find(|(n, _)| *n == c).map(|(_, rgb)| *rgb),
    }
}

/// Black or white, whichever reads better on `bg` (black when `bg` is `Reset`).
pub fn ink_on(bg: Color) -> Color {
    let on = |fg| contrast(fg, bg).unwrap_or(0.0);
    if on(Color::Black) >= on(Color::White) {
        Color::Black
    } else {
        Color::White
    }
}

/// WCAG contrast ratio (1–21) between two colours as shown; `None` when one is `Reset`.
pub fn contrast(a: Color, b: Color) -> Option<f64> {
    let (la, lb) = (luminance(shown_rgb(a)?), luminance(shown_rgb(b)?));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Body, dim and link text (and text on the selection, on code, in headings)
    /// against the theme's own background, for every theme as painted or not, at every
    /// colour depth, as the guest's terminal shows it after down-conversion.
    #[test]
    fn every_theme_is_readable_at_every_depth() {
        let mut failures = Vec::new();
        for kind in ThemeKind::ALL {
            for terminal in [ThemeKind::Dark, ThemeKind::Light] {
                for depth in [
                    ColorDepth::TrueColor,
                    ColorDepth::Ansi256,
                    ColorDepth::Ansi16,
                ] {
                    let t = kind.look(terminal, depth);
                    let canvas = depth.convert(t.canvas);
                    if t.bg != Color::Reset {
                        assert_eq!(t.bg, t.canvas, "{kind:?} paints its canvas");
                    }
                    let mut pairs = vec![
                        ("body", t.fg, canvas),
                        ("dim", t.dim, canvas),
                        ("link", t.link, canvas),
                        ("accent", t.accent, canvas),
                        ("tag", t.tag, canvas),
                        ("quote", t.quote, canvas),
                        ("heading 1", t.heading[0], canvas),
                        ("heading 2", t.heading[1], canvas),
                        ("code", t.code_fg, depth.convert(t.code_bg)),
                        ("code block", t.fg, depth.convert(t.code_bg)),
                    ];
                    // Borders and rules must not vanish into the background.
                    let border = depth.convert(t.border);
                    if border == canvas {
                        failures.push(format!(
                            "{kind:?}, {depth:?}: border {border:?} is the canvas"
                        ));
                    }
                    if !t.reverse_selection {
                        pairs.push(("selection", t.fg, depth.convert(t.selection_bg)));
                    }
                    for (what, fg, bg) in pairs {
                        let fg = depth.convert(fg);
                        let ratio = contrast(fg, bg).unwrap_or(0.0);
                        if ratio < 4.5 {
                            failures.push(format!(
                                "{kind:?} on a {terminal:?} terminal, {depth:?}: {what} \
                                 {fg:?} on {bg:?} is {ratio:.2}:1"
                            ));
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn a_theme_off_the_terminals_background_paints_and_high_contrast_always_does() {
        let d = ColorDepth::TrueColor;
        assert_eq!(ThemeKind::Dark.look(ThemeKind::Dark, d).bg, Color::Reset);
        assert_ne!(ThemeKind::Light.look(ThemeKind::Dark, d).bg, Color::Reset);
        assert_ne!(ThemeKind::Dark.look(ThemeKind::Light, d).bg, Color::Reset);
        assert_eq!(ThemeKind::Light.look(ThemeKind::Light, d).bg, Color::Reset);
        for terminal in [ThemeKind::Dark, ThemeKind::Light] {
            assert_ne!(ThemeKind::HighContrast.look(terminal, d).bg, Color::Reset);
        }
        // t cycles through all three and back.
        let mut k = ThemeKind::Dark;
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(k);
            k = k.next();
        }
        assert_eq!((seen, k), (ThemeKind::ALL.to_vec(), ThemeKind::Dark));
    }

    #[test]
    fn sixteen_colours_and_no_colour_select_in_reverse_video() {
        for depth in [ColorDepth::Ansi16, ColorDepth::None] {
            let st = ThemeKind::Dark.look(ThemeKind::Dark, depth).selected();
            assert!(st.add_modifier.contains(Modifier::REVERSED), "{depth:?}");
            // One bar: every cell of the row gets the text colour, then reversed.
            let theme = ThemeKind::Dark.look(ThemeKind::Dark, depth);
            assert_eq!(st.fg, Some(theme.fg), "{depth:?}");
            // Not the black SGR 40 bar, invisible on a black terminal.
            assert_ne!(st.bg.map(|c| depth.convert(c)), Some(Color::Black));
        }
        let st = ThemeKind::Dark
            .look(ThemeKind::Dark, ColorDepth::Ansi256)
            .selected();
        assert!(!st.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn ink_on_the_accent_reads_in_every_theme() {
        for t in [DARK, LIGHT, HIGH_CONTRAST] {
            let ink = ink_on(t.accent);
            let ratio = contrast(ink, t.accent).unwrap_or(0.0);
            assert!(ratio >= 4.5, "{ink:?} on {:?}: {ratio:.2}", t.accent);
        }
    }

    #[test]
    fn contrast_is_the_wcag_ratio() {
        let r = contrast(Color::Rgb(0, 0, 0), Color::Rgb(255, 255, 255)).unwrap();
        assert!((r - 21.0).abs() < 0.01, "{r}");
        assert_eq!(contrast(Color::Reset, Color::White), None);
        // xterm's dark grey on white: the 4.0:1 that made the light dim take black.
        let r = contrast(Color::DarkGray, Color::White).unwrap();
        assert!((3.95..4.05).contains(&r), "{r}");
    }

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
