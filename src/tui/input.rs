//! The input parser: a stream of bytes from the guest's terminal → events.
//!
//! Bytes arrive in arbitrary chunks: one escape sequence can be split across packets and
//! one packet can hold many keys. `InputParser` frames the stream itself (ground text,
//! `ESC` sequences, CSI, SS3, OSC/DCS strings, bracketed paste) and hands each complete
//! key or mouse sequence to `terminput::Event::parse_from` to decode. Terminal replies to
//! our queries (OSC 11 background colour, DA1, cursor position) are consumed here and
//! returned as `Reply`s, never as keys. Memory is bounded for any input: a sequence longer
//! than `MAX_SEQ` is dropped, a paste keeps at most `MAX_PASTE` bytes.
//!
//! Over 600 lines: ~430 lines of code, the rest its tests.

use std::time::{Duration, Instant};

use terminput::{Event, KeyCode, KeyEvent};

use crate::theme::ThemeKind;

/// How long a lone `ESC` waits for the rest of a sequence before it counts as the Esc key.
pub const ESC_TIMEOUT: Duration = Duration::from_millis(25);
/// Longest escape sequence we keep (CSI, OSC replies); longer ones are dropped.
const MAX_SEQ: usize = 256;
/// Most bytes of one bracketed paste that are kept; the rest is dropped.
pub const MAX_PASTE: usize = 64 * 1024;

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// Something the terminal said that is not a key: an answer to one of our queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// OSC 11 answered: the background is dark or light.
    Background(ThemeKind),
    /// DA1 (primary device attributes) answered.
    DeviceAttributes,
    /// A cursor position report (1-based).
    CursorPosition { row: u16, col: u16 },
}

/// One parsed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Event(Event),
    Reply(Reply),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between sequences.
    Ground,
    /// Saw `ESC`, waiting for the next byte (or the timeout).
    Esc,
    /// Inside `ESC [` …, waiting for a final byte.
    Csi,
    /// `ESC [ M` (X10 mouse): three raw bytes follow.
    X10Mouse,
    /// `ESC [ [` (Linux console F1–F5): one more byte.
    LinuxFn,
    /// `ESC O`: one more byte.
    Ss3,
    /// `ESC ]`, `ESC P`, `ESC _`, `ESC ^`: a string up to BEL or `ESC \`.
    Str,
    /// In a string, saw `ESC` (maybe the start of `ESC \`).
    StrEsc,
    /// A UTF-8 character (possibly after `ESC` for Alt) needing more bytes.
    Utf8 { need: u8 },
    /// Inside a bracketed paste.
    Paste,
}

/// The streaming parser. One per session; cheap when idle (its buffers stay empty).
#[derive(Debug)]
pub struct InputParser {
    state: State,
    /// The sequence being framed, including its leading `ESC` (bounded by `MAX_SEQ`).
    seq: Vec<u8>,
    /// The sequence overflowed `MAX_SEQ`: drop it when it ends.
    overflow: bool,
    /// The body of the paste in progress (bounded by `MAX_PASTE`).
    paste: Vec<u8>,
    /// How many bytes of `PASTE_END` have matched so far.
    paste_end: usize,
    /// When a lone `ESC` arrived (for the timeout).
    esc_at: Option<Instant>,
}

impl Default for InputParser {
    fn default() -> Self {
        Self::new()
    }
}

impl InputParser {
    pub fn new() -> Self {
        Self {
            state: State::Ground,
            seq: Vec::new(),
            overflow: false,
            paste: Vec::new(),
            paste_end: 0,
            esc_at: None,
        }
    }

    /// Feed bytes received at `now`; returns every complete item, in order.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Parsed> {
        let mut out = Vec::new();
        for &b in bytes {
            self.byte(b, &mut out);
        }
        if self.state == State::Esc {
            if self.esc_at.is_none() {
                self.esc_at = Some(now);
            }
        } else {
            self.esc_at = None;
        }
        out
    }

    /// When a pending lone `ESC` should be reported as the Esc key, if one is pending.
    pub fn pending_deadline(&self) -> Option<Instant> {
        match self.state {
            State::Esc => self.esc_at.map(|t| t + ESC_TIMEOUT),
            _ => None,
        }
    }

    /// Call when `pending_deadline` has passed: a lone `ESC` becomes the Esc key.
    pub fn timeout(&mut self, now: Instant) -> Vec<Parsed> {
        match self.pending_deadline() {
            Some(deadline) if now >= deadline => {
                self.reset();
                vec![Parsed::Event(Event::Key(KeyEvent::new(KeyCode::Esc)))]
            }
            _ => Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.state = State::Ground;
        self.seq.clear();
        self.overflow = false;
        self.esc_at = None;
    }

    fn push_seq(&mut self, b: u8) {
        if self.seq.len() < MAX_SEQ {
            self.seq.push(b);
        } else {
            self.overflow = true;
        }
    }

    fn byte(&mut self, b: u8, out: &mut Vec<Parsed>) {
        match self.state {
            State::Ground => self.ground(b, out),
            State::Esc => match b {
                b'[' => {
                    self.seq.push(b);
                    self.state = State::Csi;
                }
                b'O' => {
                    self.seq.push(b);
                    self.state = State::Ss3;
                }
                b']' | b'P' | b'_' | b'^' => {
                    self.seq.push(b);
                    self.state = State::Str;
                }
                0x1b => {
                    // Esc pressed twice: the first is a key of its own.
                    out.push(Parsed::Event(Event::Key(KeyEvent::new(KeyCode::Esc))));
                    self.seq.clear();
                    self.seq.push(0x1b);
                }
                _ => {
                    // Alt + key: `ESC` followed by one (possibly multi-byte) character.
                    self.seq.push(b);
                    match utf8_len(b) {
                        Some(n) if n > 1 => self.state = State::Utf8 { need: n - 1 },
                        Some(_) => self.finish_key(out),
                        None => self.reset(),
                    }
                }
            },
            State::Csi => {
                self.push_seq(b);
                if self.seq.len() == 3 && b == b'M' {
                    self.state = State::X10Mouse;
                } else if self.seq.len() == 3 && b == b'[' {
                    self.state = State::LinuxFn;
                } else if (0x40..=0x7e).contains(&b) {
                    self.finish_csi(out);
                } else if !(0x20..=0x3f).contains(&b) {
                    // Not a CSI byte at all: drop the broken sequence, reread this byte.
                    self.reset();
                    self.byte(b, out);
                }
            }
            State::X10Mouse => {
                self.push_seq(b);
                if self.seq.len() >= 6 {
                    self.finish_key(out);
                }
            }
            State::LinuxFn | State::Ss3 => {
                self.push_seq(b);
                self.finish_key(out);
            }
            State::Str => match b {
                0x07 => self.finish_str(out),
                0x1b => self.state = State::StrEsc,
                _ => self.push_seq(b),
            },
            State::StrEsc => {
                if b == b'\\' {
                    self.finish_str(out);
                } else {
                    // Not a string terminator: the string was cut short; start over at ESC.
                    self.reset();
                    self.seq.push(0x1b);
                    self.state = State::Esc;
                    self.byte(b, out);
                }
            }
            State::Utf8 { need } => {
                if b & 0xc0 != 0x80 {
                    // A broken character: drop it and reread this byte.
                    self.reset();
                    self.byte(b, out);
                    return;
                }
                self.seq.push(b);
                if need <= 1 {
                    self.finish_key(out);
                } else {
                    self.state = State::Utf8 { need: need - 1 };
                }
            }
            State::Paste => self.paste_byte(b, out),
        }
    }

    fn ground(&mut self, b: u8, out: &mut Vec<Parsed>) {
        self.seq.clear();
        self.overflow = false;
        self.seq.push(b);
        if b == 0x1b {
            self.state = State::Esc;
            return;
        }
        match utf8_len(b) {
            Some(1) => self.finish_key(out),
            Some(n) => self.state = State::Utf8 { need: n - 1 },
            // A stray continuation or invalid byte: drop it.
            None => self.reset(),
        }
    }

    /// Decode the framed key/mouse sequence in `seq` with terminput.
    fn finish_key(&mut self, out: &mut Vec<Parsed>) {
        if !self.overflow
            && let Some(ev) = decode(&self.seq)
        {
            out.push(Parsed::Event(ev));
        }
        self.reset();
    }

    fn finish_csi(&mut self, out: &mut Vec<Parsed>) {
        if self.overflow {
            self.reset();
            return;
        }
        if self.seq == PASTE_START {
            self.reset();
            self.state = State::Paste;
            self.paste.clear();
            self.paste_end = 0;
            return;
        }
        // The bytes between `ESC [` and the final byte.
        let (params, fin) = match self.seq.split_last() {
            Some((&fin, rest)) => (rest.get(2..).unwrap_or(&[]), fin),
            None => {
                self.reset();
                return;
            }
        };
        if params.first() == Some(&b'?') && fin == b'c' {
            out.push(Parsed::Reply(Reply::DeviceAttributes));
            self.reset();
            return;
        }
        if fin == b'R'
            && let Some((row, col)) = two_numbers(params)
            && row != 1
        {
            // `ESC [ 1 ; m R` is F3 with modifiers; any other row is a position report.
            out.push(Parsed::Reply(Reply::CursorPosition { row, col }));
            self.reset();
            return;
        }
        if params.first() == Some(&b'?') || params.first() == Some(&b'>') {
            // Other private replies (mode reports, keyboard flags): not keys.
            self.reset();
            return;
        }
        if (fin == b'M' || fin == b'm') && !mouse_coords_valid(params) {
            self.reset();
            return;
        }
        self.finish_key(out);
    }

    fn finish_str(&mut self, out: &mut Vec<Parsed>) {
        if !self.overflow
            && self.seq.get(1) == Some(&b']')
            && let Some(kind) = osc11_background(self.seq.get(2..).unwrap_or(&[]))
        {
            out.push(Parsed::Reply(Reply::Background(kind)));
        }
        self.reset();
    }

    fn paste_byte(&mut self, b: u8, out: &mut Vec<Parsed>) {
        if PASTE_END.get(self.paste_end) == Some(&b) {
            self.paste_end += 1;
            if self.paste_end == PASTE_END.len() {
                let text = String::from_utf8_lossy(&self.paste).into_owned();
                self.paste = Vec::new();
                self.paste_end = 0;
                self.reset();
                out.push(Parsed::Event(Event::Paste(text)));
            }
            return;
        }
        // A partial end marker was paste content after all.
        let matched = self.paste_end;
        self.paste_end = 0;
        for i in 0..matched {
            if let Some(&m) = PASTE_END.get(i) {
                self.paste_push(m);
            }
        }
        if b == 0x1b {
            self.paste_end = 1;
        } else {
            self.paste_push(b);
        }
    }

    fn paste_push(&mut self, b: u8) {
        if self.paste.len() < MAX_PASTE {
            self.paste.push(b);
        }
    }
}

/// Length of a UTF-8 character from its first byte; `None` for a continuation or invalid byte.
fn utf8_len(b: u8) -> Option<u8> {
    match b {
        0x00..=0x7f => Some(1),
        0xc2..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf4 => Some(4),
        _ => None,
    }
}

/// Decode one complete sequence. Total: terminput is not trusted not to panic on odd input.
fn decode(seq: &[u8]) -> Option<Event> {
    let r = std::panic::catch_unwind(|| Event::parse_from(seq));
    match r {
        Ok(Ok(Some(ev))) => Some(ev),
        _ => None,
    }
}

/// `row;col` as two 1-based numbers.
fn two_numbers(params: &[u8]) -> Option<(u16, u16)> {
    let s = std::str::from_utf8(params).ok()?;
    let (a, b) = s.split_once(';')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// SGR (`<b;x;y`) and rxvt (`b;x;y`) mouse reports must have coordinates ≥ 1.
fn mouse_coords_valid(params: &[u8]) -> bool {
    let params = params.strip_prefix(b"<").unwrap_or(params);
    let Ok(s) = std::str::from_utf8(params) else {
        return false;
    };
    let mut it = s.split(';').skip(1);
    let ok = |p: Option<&str>| {
        p.and_then(|v| v.parse::<u16>().ok())
            .is_some_and(|v| v >= 1)
    };
    ok(it.next()) && ok(it.next())
}

/// Parse an OSC 11 reply body (`11;rgb:RRRR/GGGG/BBBB`) into dark or light.
fn osc11_background(body: &[u8]) -> Option<ThemeKind> {
    let s = std::str::from_utf8(body).ok()?;
    let rest = s.strip_prefix("11;")?;
    let rgb = rest
        .strip_prefix("rgb:")
        .or_else(|| rest.strip_prefix("rgba:"))?;
    let mut parts = rgb.split('/');
    let mut chan = || -> Option<f64> {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 4 {
            return None;
        }
        let v = u32::from_str_radix(p, 16).ok()?;
        let max = (1u32 << (4 * p.len())) - 1;
        Some(f64::from(v) / f64::from(max))
    };
    let (r, g, b) = (chan()?, chan()?, chan()?);
    let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    Some(if luminance > 0.5 {
        ThemeKind::Light
    } else {
        ThemeKind::Dark
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use terminput::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

    fn key(code: KeyCode) -> Parsed {
        Parsed::Event(Event::Key(KeyEvent::new(code)))
    }

    fn ctrl(c: char) -> Parsed {
        Parsed::Event(Event::Key(
            KeyEvent::new(KeyCode::Char(c)).modifiers(KeyModifiers::CTRL),
        ))
    }

    fn parse_all(bytes: &[u8]) -> Vec<Parsed> {
        let mut p = InputParser::new();
        let t = Instant::now();
        let mut out = p.feed(bytes, t);
        out.extend(p.timeout(t + Duration::from_secs(1)));
        out
    }

    /// Every way of cutting `bytes` in two gives the same result as one packet.
    fn assert_all_splits(bytes: &[u8], want: &[Parsed]) {
        assert_eq!(parse_all(bytes), want, "whole {bytes:?}");
        for cut in 1..bytes.len() {
            let mut p = InputParser::new();
            let t = Instant::now();
            let mut out = p.feed(&bytes[..cut], t);
            out.extend(p.feed(&bytes[cut..], t));
            out.extend(p.timeout(t + Duration::from_secs(1)));
            assert_eq!(out, want, "split at {cut} of {bytes:?}");
        }
        // And one byte per packet.
        let mut p = InputParser::new();
        let t = Instant::now();
        let mut out = Vec::new();
        for b in bytes {
            out.extend(p.feed(std::slice::from_ref(b), t));
        }
        out.extend(p.timeout(t + Duration::from_secs(1)));
        assert_eq!(out, want, "byte by byte {bytes:?}");
    }

    #[test]
    fn several_keys_in_one_packet() {
        assert_eq!(
            parse_all(b"jk\r"),
            vec![
                key(KeyCode::Char('j')),
                key(KeyCode::Char('k')),
                key(KeyCode::Enter)
            ]
        );
    }

    #[test]
    fn arrows_in_csi_and_ss3_form_survive_every_split() {
        assert_all_splits(b"\x1b[A", &[key(KeyCode::Up)]);
        assert_all_splits(b"\x1bOB", &[key(KeyCode::Down)]);
        assert_all_splits(b"\x1b[C\x1bOD", &[key(KeyCode::Right), key(KeyCode::Left)]);
    }

    #[test]
    fn page_and_home_end_keys() {
        assert_all_splits(b"\x1b[5~", &[key(KeyCode::PageUp)]);
        assert_all_splits(b"\x1b[6~", &[key(KeyCode::PageDown)]);
        assert_all_splits(b"\x1b[H", &[key(KeyCode::Home)]);
        assert_all_splits(b"\x1b[F", &[key(KeyCode::End)]);
        assert_all_splits(b"\x1b[1~", &[key(KeyCode::Home)]);
        assert_all_splits(b"\x1b[4~", &[key(KeyCode::End)]);
        assert_all_splits(b"\x1bOH", &[key(KeyCode::Home)]);
    }

    #[test]
    fn sgr_mouse_click_and_wheel() {
        let click = Parsed::Event(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 9,
            row: 4,
            modifiers: KeyModifiers::NONE,
        }));
        assert_all_splits(b"\x1b[<0;10;5M", std::slice::from_ref(&click));
        let out = parse_all(b"\x1b[<65;1;1M");
        assert!(matches!(
            out.as_slice(),
            [Parsed::Event(Event::Mouse(MouseEvent {
                kind: MouseEventKind::Scroll(_),
                ..
            }))]
        ));
    }

    #[test]
    fn mouse_at_column_zero_is_dropped_not_a_panic() {
        assert_eq!(parse_all(b"\x1b[<0;0;0M"), vec![]);
        assert_eq!(parse_all(b"\x1b[32;0;0M"), vec![]);
        assert_eq!(parse_all(b"\x1b[<0;0;0Mq"), vec![key(KeyCode::Char('q'))]);
    }

    #[test]
    fn bracketed_paste_is_one_event() {
        assert_all_splits(
            b"\x1b[200~hello\x1b world\x1b[201~x",
            &[
                Parsed::Event(Event::Paste("hello\x1b world".into())),
                key(KeyCode::Char('x')),
            ],
        );
    }

    #[test]
    fn huge_paste_is_capped() {
        let mut bytes = b"\x1b[200~".to_vec();
        bytes.extend(std::iter::repeat_n(b'a', 1_000_000));
        bytes.extend(b"\x1b[201~");
        let out = parse_all(&bytes);
        match out.as_slice() {
            [Parsed::Event(Event::Paste(s))] => assert_eq!(s.len(), MAX_PASTE),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn utf8_split_across_packets() {
        // "é" and "🗺" split at every byte.
        assert_all_splits("é".as_bytes(), &[key(KeyCode::Char('é'))]);
        assert_all_splits("🗺".as_bytes(), &[key(KeyCode::Char('🗺'))]);
    }

    #[test]
    fn ctrl_keys() {
        assert_eq!(parse_all(b"\x03\x04"), vec![ctrl('c'), ctrl('d')]);
        assert_eq!(parse_all(b"\x7f"), vec![key(KeyCode::Backspace)]);
        assert_eq!(parse_all(b"\t"), vec![key(KeyCode::Tab)]);
    }

    #[test]
    fn lone_esc_waits_for_the_timeout() {
        let mut p = InputParser::new();
        let t = Instant::now();
        assert_eq!(p.feed(b"\x1b", t), vec![]);
        assert_eq!(p.pending_deadline(), Some(t + ESC_TIMEOUT));
        assert_eq!(p.timeout(t + Duration::from_millis(5)), vec![]);
        assert_eq!(p.timeout(t + ESC_TIMEOUT), vec![key(KeyCode::Esc)]);
        assert_eq!(p.pending_deadline(), None);
        // A sequence completed before the deadline is not an Esc.
        assert_eq!(p.feed(b"\x1b", t), vec![]);
        assert_eq!(p.feed(b"[A", t), vec![key(KeyCode::Up)]);
        assert_eq!(p.pending_deadline(), None);
    }

    #[test]
    fn esc_esc_is_two_escapes() {
        assert_eq!(
            parse_all(b"\x1b\x1b"),
            vec![key(KeyCode::Esc), key(KeyCode::Esc)]
        );
    }

    #[test]
    fn alt_key() {
        assert_eq!(
            parse_all(b"\x1bj"),
            vec![Parsed::Event(Event::Key(
                KeyEvent::new(KeyCode::Char('j')).modifiers(KeyModifiers::ALT)
            ))]
        );
    }

    #[test]
    fn osc11_replies_are_consumed_as_background() {
        let dark = Parsed::Reply(Reply::Background(ThemeKind::Dark));
        let light = Parsed::Reply(Reply::Background(ThemeKind::Light));
        assert_all_splits(
            b"\x1b]11;rgb:0000/0000/0000\x07",
            std::slice::from_ref(&dark),
        );
        assert_all_splits(
            b"\x1b]11;rgb:ffff/ffff/ffff\x1b\\",
            std::slice::from_ref(&light),
        );
        assert_eq!(
            parse_all(b"\x1b]11;rgb:fd/f6/e3\x07q"),
            vec![light, key(KeyCode::Char('q'))]
        );
        // Other OSC strings vanish.
        assert_eq!(parse_all(b"\x1b]10;rgb:1/2/3\x07"), vec![]);
    }

    #[test]
    fn da1_and_cursor_reports_are_not_keys() {
        assert_all_splits(b"\x1b[?62;22c", &[Parsed::Reply(Reply::DeviceAttributes)]);
        assert_all_splits(
            b"\x1b[12;40R",
            &[Parsed::Reply(Reply::CursorPosition { row: 12, col: 40 })],
        );
    }

    #[test]
    fn unknown_sequences_are_dropped_and_parsing_continues() {
        assert_eq!(parse_all(b"\x1b[99zq"), vec![key(KeyCode::Char('q'))]);
        assert_eq!(parse_all(b"\xff\x80q"), vec![key(KeyCode::Char('q'))]);
    }

    #[test]
    fn endless_sequence_is_bounded() {
        let mut p = InputParser::new();
        let t = Instant::now();
        let mut bytes = b"\x1b[".to_vec();
        bytes.extend(std::iter::repeat_n(b'1', 100_000));
        assert_eq!(p.feed(&bytes, t), vec![]);
        assert!(p.seq.len() <= MAX_SEQ);
        assert_eq!(p.feed(b"~q", t), vec![key(KeyCode::Char('q'))]);
        let mut osc = b"\x1b]11;".to_vec();
        osc.extend(std::iter::repeat_n(b'x', 100_000));
        osc.push(0x07);
        assert_eq!(p.feed(&osc, t), vec![]);
        assert!(p.seq.capacity() <= 2 * MAX_SEQ);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every 3-byte string over an interesting alphabet.
        let alphabet = b"\x1b[O]<;0129~Mm\x07\\\xc3\xa9\xff\x80Pac?R";
        let mut p = InputParser::new();
        let t = Instant::now();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let _ = p.feed(&[*a, *b, *c], t);
                }
            }
        }
        let _ = p.timeout(t + Duration::from_secs(1));
    }
}
