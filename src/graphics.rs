//! Pictures in the guest's terminal: which protocol a guest gets (`detect`), the
//! encoders (`encode`), a bounded cache of encodings shared by every session, and the
//! per-session `Painter` that writes a frame's images after its cells.
//!
//! Images are decoded and scaled once at load time (`content::images`); each (image,
//! box in cells, cell size, protocol) is encoded once and shared through `CACHE`
//! (bounded by `CACHE_BYTES`, least recently used first out). A kitty guest gets each
//! encoding transmitted once per session and then only placed by its number. Fresh
//! encodes are rationed per session (`Budget`); past it a picture is drawn as cells.
//! (Over ~600 lines with its tests: the budget belongs beside the cache it guards.)
//!
//! - `detect`: the probe sent at session start and the decision from its answers.
//! - `encode`: kitty, sixel and iTerm2 writers.

pub mod detect;
pub mod encode;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ratatui::layout::Rect;

use crate::content::images::Preview;
pub use encode::Encoded;

/// How a guest's terminal shows pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// Kitty graphics protocol (kitty, Ghostty, WezTerm, Konsole).
    Kitty,
    /// DEC sixel (foot, xterm -ti vt340, WezTerm, Windows Terminal, mlterm).
    Sixel,
    /// iTerm2 inline images (iTerm2, WezTerm).
    Iterm2,
    /// `▀` cells with foreground and background colours: every other terminal.
    #[default]
    HalfBlocks,
    /// No pictures at all (`NO_COLOR`, `--no-images`, or toggled off with `i`).
    None,
}

impl Protocol {
    /// Whether pictures are pixels written after the cells (not cells themselves).
    pub fn pixels(self) -> bool {
        matches!(self, Protocol::Kitty | Protocol::Sixel | Protocol::Iterm2)
    }

    pub fn label(self) -> &'static str {
        match self {
            Protocol::Kitty => "kitty",
            Protocol::Sixel => "sixel",
            Protocol::Iterm2 => "iterm2",
            Protocol::HalfBlocks => "half-blocks",
            Protocol::None => "none",
        }
    }
}

/// Where a view shows a picture: a box of cells (left blank by the view when the
/// protocol draws pixels) and the image.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The cells on screen: the whole box, or the part of it in view (see `clip`).
    pub area: Rect,
    pub image: Arc<Preview>,
    pub clip: Clip,
}

/// A box partly scrolled out of view: `area` is the part on screen, `rows` the whole
/// box's height and `above` how many of its rows are scrolled off above `area`. The
/// default (`rows` 0) is a box wholly in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Clip {
    pub rows: u16,
    pub above: u16,
}

/// Where a picture lands on screen, and which of its pixel rows show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    /// Top-left cell, 0-based.
    x: u16,
    y: u16,
    /// Cells the shown part covers.
    cols: u16,
    rows: u16,
    /// Pixel rows of the fitted picture that show; `None` when all of them do.
    crop: Option<(u32, u32)>,
}

impl Placement {
    /// The picture fitted to the whole box and centred in it, cut to the rows in view;
    /// `None` when none of its rows are in view.
    fn spot(&self, protocol: Protocol, cell: (u16, u16)) -> Option<Spot> {
        let picture = self.image.picture.as_ref()?;
        let area = self.area;
        let box_rows = if self.clip.rows == 0 {
            area.height
        } else {
            self.clip.rows.max(area.height)
        };
        let (w, h) = encode::fit(
            picture,
            area.width,
            box_rows,
            cell,
            protocol == Protocol::Sixel,
        );
        let cols = encode::cols_for(w, cell.0).min(area.width.max(1));
        let rows = encode::rows_for(h, cell.1).min(box_rows.max(1));
        let x = area.x + area.width.saturating_sub(cols) / 2;
        // Box rows: the picture's [top, top + rows), in view [above, above + height).
        let top = (box_rows - rows) / 2;
        let above = self.clip.above;
        let first = top.max(above);
        let last = (top + rows).min(above.saturating_add(area.height));
        if first >= last {
            return None;
        }
        let y = area.y + (first - above);
        if (first, last) == (top, top + rows) {
            return Some(Spot {
                x,
                y,
                cols,
                rows,
                crop: None,
            });
        }
        let ch = u32::from(cell.1.max(1));
        let y0 = u32::from(first - top) * ch;
        let mut y1 = (u32::from(last - top) * ch).min(h);
        if protocol == Protocol::Sixel && y1 - y0 >= 6 {
            // Whole sixel bands, so it never paints the row below.
            y1 -= (y1 - y0) % 6;
        }
        if y1 <= y0 {
            return None;
        }
        Some(Spot {
            x,
            y,
            cols,
            rows: last - first,
            crop: Some((y0, y1)),
        })
    }
}

/// Most bytes of encodings kept for all sessions together.
pub const CACHE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    image: u64,
    cols: u16,
    rows: u16,
    cell: (u16, u16),
    protocol: Protocol,
    crop: Option<(u32, u32)>,
}

#[derive(Default)]
struct Cache {
    map: HashMap<Key, (Arc<Encoded>, u64)>,
    bytes: usize,
    clock: u64,
}

static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
/// Encodings made (not served from the cache): for tests and benchmarks.
pub static ENCODES: AtomicU64 = AtomicU64::new(0);
static KITTY_IDS: AtomicU32 = AtomicU32::new(1);

fn cache() -> &'static Mutex<Cache> {
    CACHE.get_or_init(|| Mutex::new(Cache::default()))
}

/// `image` encoded for `protocol` to fit `cols`×`rows` cells of `cell` pixels, from the
/// shared cache or encoded now (outside the lock) and cached. `None` when the image has
/// no picture or the protocol draws cells.
pub fn encoded(
    image: &Preview,
    protocol: Protocol,
    cols: u16,
    rows: u16,
    cell: (u16, u16),
) -> Option<Arc<Encoded>> {
    encoded_crop(image, protocol, cols, rows, cell, None)
}

/// `encoded`, keeping only the pixel rows `crop` of the fitted picture (a picture
/// partly scrolled out of view; sixel and iTerm2 draw the cut picture, kitty places a
/// source rectangle of the whole one instead).
pub fn encoded_crop(
    image: &Preview,
    protocol: Protocol,
    cols: u16,
    rows: u16,
    cell: (u16, u16),
    crop: Option<(u32, u32)>,
) -> Option<Arc<Encoded>> {
    match fetch(image, protocol, cols, rows, cell, crop, || true) {
        Fetch::Got(e) => Some(e),
        Fetch::None | Fetch::OverBudget => None,
    }
}

/// What `fetch` found.
enum Fetch {
    Got(Arc<Encoded>),
    /// No picture, or the protocol draws cells.
    None,
    /// Not cached, and `may_encode` said no.
    OverBudget,
}

/// `encoded_crop`, asking `may_encode` before a fresh encode (cache hits are free).
fn fetch(
    image: &Preview,
    protocol: Protocol,
    cols: u16,
    rows: u16,
    cell: (u16, u16),
    crop: Option<(u32, u32)>,
    may_encode: impl FnOnce() -> bool,
) -> Fetch {
    let Some(picture) = image.picture.as_ref() else {
        return Fetch::None;
    };
    let key = Key {
        image: image.id,
        cols,
        rows,
        cell,
        protocol,
        crop,
    };
    if let Ok(mut c) = cache().lock() {
        c.clock += 1;
        let now = c.clock;
        if let Some((e, used)) = c.map.get_mut(&key) {
            *used = now;
            return Fetch::Got(e.clone());
        }
    }
    if !may_encode() {
        return Fetch::OverBudget;
    }
    let id = KITTY_IDS
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            Some(if n >= u32::MAX - 1 { 1 } else { n + 1 })
        })
        .unwrap_or(1);
    let Some(e) = encode::encode_crop(picture, protocol, cols, rows, cell, id, crop) else {
        return Fetch::None;
    };
    let e = Arc::new(e);
    ENCODES.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut c) = cache().lock() {
        let size = e.bytes.len();
        if size <= CACHE_BYTES {
            c.clock += 1;
            let now = c.clock;
            if let Some((old, _)) = c.map.insert(key, (e.clone(), now)) {
                c.bytes -= old.bytes.len();
            }
            c.bytes += size;
            while c.bytes > CACHE_BYTES {
                let Some(oldest) = c.map.iter().min_by_key(|(_, (_, u))| *u).map(|(k, _)| *k)
                else {
                    break;
                };
                if let Some((gone, _)) = c.map.remove(&oldest) {
                    c.bytes -= gone.bytes.len();
                }
            }
        }
    }
    Fetch::Got(e)
}

/// Fresh encodes a session may make at once (opening a page with a few pictures, the
/// first steps of a scroll past one).
pub const ENCODE_BURST: f64 = 4.0;
/// Fresh encodes a session earns back per second: a sixel or iTerm2 encode costs tens
/// to hundreds of milliseconds of CPU (BENCHMARKS.md "Pictures"), so one guest scrolling
/// without pause costs at most a fraction of a core; beyond, pictures show as cells.
pub const ENCODES_PER_SECOND: f64 = 2.0;

/// A session's fresh-encode budget: a token bucket (`ENCODE_BURST`, refilled at
/// `ENCODES_PER_SECOND`).
#[derive(Debug, Clone, Copy)]
struct Budget {
    tokens: f64,
    at: Option<std::time::Instant>,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            tokens: ENCODE_BURST,
            at: None,
        }
    }
}

impl Budget {
    /// Take one encode if there is one.
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        if let Some(at) = self.at {
            let earned = now.duration_since(at).as_secs_f64() * ENCODES_PER_SECOND;
            self.tokens = (self.tokens + earned).min(ENCODE_BURST);
        }
        self.at = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Most kitty transmissions a session remembers having sent (beyond, it forgets them
/// all and sends again: the terminal keeps what it has).
const KITTY_SENT_MAX: usize = 256;

/// One session's pictures: what it has shown, and which kitty images its terminal has.
#[derive(Debug, Default)]
pub struct Painter {
    pub protocol: Protocol,
    pub cell: (u16, u16),
    /// Placements on the guest's screen now: (area, image id, clip).
    shown: Vec<(Rect, u64, Clip)>,
    kitty_sent: HashSet<u32>,
    /// The screen was cleared: kitty placements may linger, remove them.
    clear_kitty: bool,
    /// Fresh encodes this session may make now.
    budget: Budget,
    /// The last frame drew some pictures as cells (over budget) until a later frame.
    waiting: bool,
}

/// What a frame's pictures need.
#[derive(Debug, Default)]
pub struct Paint {
    /// Written after the frame's cells (cursor saved and restored around it).
    pub bytes: Vec<u8>,
    /// Areas whose pixels must be painted over as cells (a sixel or iTerm2 picture
    /// left them), before `bytes`.
    pub stale: Vec<Rect>,
    /// Pictures to draw as half-block cells this frame: their encoding is not cached
    /// and the session's encode budget is spent; a later frame writes them as pixels.
    pub cells: Vec<Placement>,
}

impl Painter {
    pub fn new(protocol: Protocol, cell: (u16, u16)) -> Self {
        Self {
            protocol,
            cell,
            ..Self::default()
        }
    }

    /// Whether pictures are on the guest's screen now (then the screen must not scroll
    /// rows: pixels would move with them).
    pub fn showing(&self) -> bool {
        !self.shown.is_empty() || self.waiting
    }

    /// The screen was cleared (resize, wake from hibernation, depth change): nothing
    /// is shown any more; the terminal still has its kitty images.
    pub fn forget(&mut self) {
        self.shown.clear();
        self.clear_kitty = true;
    }

    /// The bytes for `placements` after the frame's cells: nothing when the same
    /// pictures are in the same places; otherwise the gone ones cleared and the new
    /// ones written (kitty: transmitted once per session, then placed by number).
    pub fn frame(&mut self, placements: &[Placement]) -> Paint {
        self.frame_with(placements, |_| false)
    }

    /// `frame`, where `dirty(area)` says the frame's cells under a picture changed
    /// (something was drawn over it): such a picture is written again.
    pub fn frame_with(&mut self, placements: &[Placement], dirty: impl Fn(Rect) -> bool) -> Paint {
        let mut paint = Paint::default();
        self.waiting = false;
        if !self.protocol.pixels() {
            if !self.shown.is_empty() {
                paint.stale = self.shown.drain(..).map(|(r, _, _)| r).collect();
            }
            return paint;
        }
        let mut now: Vec<(Rect, u64, Clip)> = placements
            .iter()
            .filter(|p| p.area.width > 0 && p.area.height > 0 && p.image.picture.is_some())
            .map(|p| (p.area, p.image.id, p.clip))
            .collect();
        let kitty = self.protocol == Protocol::Kitty;
        let touched = !kitty && now.iter().any(|(r, _, _)| dirty(*r));
        if now == self.shown && !touched && !(kitty && self.clear_kitty) {
            return paint;
        }
        if kitty && (!self.shown.is_empty() || self.clear_kitty) {
            paint.bytes.extend_from_slice(encode::KITTY_CLEAR);
        }
        self.clear_kitty = false;
        if !kitty {
            paint.stale = self
                .shown
                .iter()
                .filter(|(r, _, _)| !now.iter().any(|(n, _, _)| n == r))
                .map(|(r, _, _)| *r)
                .collect();
        }
        let keep: Vec<(Rect, u64, Clip)> = if kitty {
            Vec::new()
        } else {
            // Unchanged sixel/iTerm2 pictures stay on screen as they are.
            now.iter()
                .filter(|p| self.shown.contains(p) && !dirty(p.0))
                .copied()
                .collect()
        };
        let mut body = Vec::new();
        for (i, p) in placements.iter().enumerate() {
            let area = p.area;
            if area.width == 0 || area.height == 0 || keep.contains(&(area, p.image.id, p.clip)) {
                continue;
            }
            let Some(spot) = p.spot(self.protocol, self.cell) else {
                continue;
            };
            let box_rows = if p.clip.rows == 0 {
                area.height
            } else {
                p.clip.rows.max(area.height)
            };
            // Kitty gets the whole picture once and places a part of it; the others
            // get the part drawn.
            let crop = if kitty { None } else { spot.crop };
            let budget = &mut self.budget;
            let e = match fetch(
                &p.image,
                self.protocol,
                area.width,
                box_rows,
                self.cell,
                crop,
                || budget.take(),
            ) {
                Fetch::Got(e) => e,
                Fetch::None => continue,
                Fetch::OverBudget => {
                    // Cells now; not recorded as shown, so a later frame asks again.
                    now.retain(|n| *n != (area, p.image.id, p.clip));
                    paint.cells.push(p.clone());
                    continue;
                }
            };
            body.extend_from_slice(format!("\x1b[{};{}H", spot.y + 1, spot.x + 1).as_bytes());
            if kitty {
                if self.kitty_sent.len() >= KITTY_SENT_MAX {
                    self.kitty_sent.clear();
                }
                if self.kitty_sent.insert(e.kitty_id) {
                    body.extend_from_slice(&e.bytes);
                }
                body.extend_from_slice(&encode::kitty_place(
                    e.kitty_id,
                    i as u32 + 1,
                    spot.cols,
                    spot.rows,
                    spot.crop.map(|(y0, y1)| (e.width, y0, y1)),
                ));
            } else {
                body.extend_from_slice(&e.bytes);
            }
        }
        if !body.is_empty() {
            paint.bytes.extend_from_slice(b"\x1b7");
            paint.bytes.extend_from_slice(&body);
            paint.bytes.extend_from_slice(b"\x1b8");
        }
        self.shown = now;
        self.waiting = !paint.cells.is_empty();
        paint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::images::Picture;

    fn whole(area: Rect, image: Arc<Preview>) -> Placement {
        Placement {
            area,
            image,
            clip: Clip::default(),
        }
    }

    fn image(id: u64) -> Arc<Preview> {
        picture(id, 40, 20)
    }

    /// A preview whose full picture is `width`×`height` grey pixels.
    fn picture(id: u64, width: u32, height: u32) -> Arc<Preview> {
        Arc::new(Preview {
            width: 2,
            height: 1,
            pixels: vec![crate::content::model::Rgb(1, 2, 3); 2],
            id,
            picture: Some(Arc::new(Picture {
                width,
                height,
                rgb: vec![90; (width * height * 3) as usize],
            })),
        })
    }

    #[test]
    fn kitty_transmits_once_then_places_by_number() {
        let img = image(1_000_001);
        let mut p = Painter::new(Protocol::Kitty, (10, 20));
        let at = |y| whole(Rect::new(2, y, 8, 4), img.clone());
        let first = String::from_utf8(p.frame(&[at(1)]).bytes).unwrap();
        assert!(first.contains("a=t,f=100"), "{first:.80}");
        assert!(first.contains("a=p,"));
        assert!(p.frame(&[at(1)]).bytes.is_empty(), "same frame, no bytes");
        let moved = String::from_utf8(p.frame(&[at(3)]).bytes).unwrap();
        assert!(!moved.contains("a=t"), "not transmitted again: {moved}");
        assert!(moved.starts_with("\x1b_Ga=d,d=a"));
        assert!(moved.contains("a=p,"));
    }

    #[test]
    fn sixel_marks_what_it_leaves_stale_and_is_encoded_once() {
        let img = image(1_000_002);
        let mut a = Painter::new(Protocol::Sixel, (10, 20));
        let mut b = Painter::new(Protocol::Sixel, (10, 20));
        let place = whole(Rect::new(0, 0, 4, 1), img.clone());
        let pa = a.frame(std::slice::from_ref(&place));
        let pb = b.frame(std::slice::from_ref(&place));
        assert_eq!(pa.bytes, pb.bytes);
        let one = encoded(&img, Protocol::Sixel, 4, 1, (10, 20)).unwrap();
        let two = encoded(&img, Protocol::Sixel, 4, 1, (10, 20)).unwrap();
        assert!(Arc::ptr_eq(&one, &two), "served from the shared cache");
        let gone = a.frame(&[]);
        assert_eq!(gone.stale, vec![Rect::new(0, 0, 4, 1)]);
        assert!(gone.bytes.is_empty());
        assert!(!a.showing());
    }

    #[test]
    fn a_picture_partly_in_view_shows_its_rows_in_view() {
        // 40×20 pixels in 8×4 cells of 10×20: fitted 40×20, 4 columns × 1 row, centred
        // in the box's row 1 (rows 0..4). Make it taller: 40×80 → 4×4 cells.
        let img = picture(1_000_003, 40, 80);
        let cut = |above: u16, height: u16| Placement {
            area: Rect::new(0, 10, 8, height),
            image: img.clone(),
            clip: Clip { rows: 4, above },
        };
        // Top row scrolled off: three rows of 20 px, from pixel row 20.
        let s = cut(1, 3).spot(Protocol::Kitty, (10, 20)).unwrap();
        assert_eq!(
            (s.x, s.y, s.cols, s.rows, s.crop),
            (2, 10, 4, 3, Some((20, 80)))
        );
        // Bottom two rows scrolled off.
        let s = cut(0, 2).spot(Protocol::Iterm2, (10, 20)).unwrap();
        assert_eq!((s.rows, s.crop), (2, Some((0, 40))));
        // Sixel: whole bands of 6 pixels.
        let s = cut(0, 2).spot(Protocol::Sixel, (10, 20)).unwrap();
        assert_eq!(s.crop, Some((0, 36)));
        let mut p = Painter::new(Protocol::Sixel, (10, 20));
        let bytes = p.frame(&[cut(0, 2)]).bytes;
        let start = bytes.windows(2).position(|w| w == b"\x1bP").unwrap();
        let sixel = icy_sixel::SixelImage::decode(&bytes[start..]).unwrap();
        assert_eq!((sixel.width, sixel.height), (40, 36));
        // Kitty: the whole picture, placed with a source rectangle.
        let mut p = Painter::new(Protocol::Kitty, (10, 20));
        let text = String::from_utf8(p.frame(&[cut(1, 3)]).bytes).unwrap();
        assert!(text.contains("a=t,"), "{text:.80}");
        assert!(text.contains(",x=0,y=20,w=40,h=60,c=4,r=3,"), "{text}");
        // Wholly in view: no crop.
        let all = whole(Rect::new(0, 0, 8, 4), img.clone());
        assert_eq!(all.spot(Protocol::Sixel, (10, 20)).unwrap().crop, None);
    }

    #[test]
    fn fresh_encodes_past_the_budget_are_drawn_as_cells_and_asked_again() {
        let img = picture(1_000_004, 40, 400);
        let cut = |above: u16| Placement {
            area: Rect::new(0, 0, 8, 2),
            image: img.clone(),
            clip: Clip { rows: 8, above },
        };
        // A cell size of its own: nothing here is cached.
        let mut p = Painter::new(Protocol::Sixel, (9, 17));
        let mut drawn = 0;
        let mut cells = 0;
        for above in 0..6 {
            let paint = p.frame(&[cut(above)]);
            if paint.cells.is_empty() {
                drawn += 1;
                assert!(paint.bytes.windows(2).any(|w| w == b"\x1bP"));
            } else {
                cells += 1;
                assert!(paint.bytes.is_empty() && p.showing());
            }
        }
        assert_eq!(
            (drawn, cells),
            (ENCODE_BURST as usize, 6 - ENCODE_BURST as usize)
        );
        // Cached crops are free: scrolling back over them draws them.
        let paint = p.frame(&[cut(0)]);
        assert!(paint.cells.is_empty() && !paint.bytes.is_empty());
        // The waiting one is asked again once the budget is back.
        assert!(!p.frame(&[cut(5)]).cells.is_empty());
        p.budget.at = p.budget.at.map(|t| t - std::time::Duration::from_secs(1));
        let paint = p.frame(&[cut(5)]);
        assert!(paint.cells.is_empty() && !paint.bytes.is_empty());
    }
}
