//! A worker thread's scratch buffers, shared by every session it runs: the frame on a
//! guest's screen (loaded from its `Compact` unless the scratch still holds it: a
//! `Stamp` says whose frame and which), the frame being drawn, the scroll planner's
//! keys, and lending the rows a scroll keeps from the one to the other.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use ratatui::buffer::{Buffer, Cell};

use super::compact::Compact;
use super::scroll;

/// Which screen's frame, and which of its frames, the scratch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    screen: u64,
    frame: u64,
}

impl Stamp {
    /// A stamp for a new screen (unique in this process).
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Stamp {
            screen: NEXT.fetch_add(1, Ordering::Relaxed),
            frame: 0,
        }
    }

    /// The screen's frame changed (drawn, cleared, invalidated).
    pub fn bump(&mut self) {
        self.frame += 1;
    }
}

/// A worker thread's buffers: the frame on a guest's screen (`shown`, loaded from its
/// `Compact`), the frame being drawn (`next`), and the scroll planner's keys.
#[derive(Default)]
pub struct Scratch {
    pub shown: Buffer,
    pub next: Buffer,
    pub planner: scroll::Planner,
    /// Whose frame `shown` (and the planner's keys) hold, if anyone's.
    holds: Option<Stamp>,
    /// A pure scroll's copy of the compact codes the guest's screen shows
    /// (`frames::glide`).
    pub old_codes: Vec<u16>,
}

impl Scratch {
    /// Make `shown` the frame of the screen stamped `stamp` (from `compact` unless it
    /// already is), and `next` a blank buffer of the same size.
    pub fn take_up(&mut self, stamp: Stamp, compact: &Compact) {
        if self.holds != Some(stamp) || self.shown.area != compact.area() {
            compact.load(&mut self.shown);
            self.planner.forget();
        }
        self.holds = None;
        if self.next.area == compact.area() {
            self.next.reset();
        } else {
            self.next = Buffer::empty(compact.area());
        }
    }

    /// `take_up`, then `lend` `moved` when `shown` already was this screen's frame, with
    /// the cells of `next` it lends not reset first (they go to `shown`, which reads
    /// them from `next` until the frame is sent). Whether it lent.
    pub fn take_up_lending(
        &mut self,
        stamp: Stamp,
        compact: &Compact,
        moved: Option<&scroll::Moved>,
    ) -> bool {
        let held = self.holds == Some(stamp) && self.shown.area == compact.area();
        if !held || self.next.area != compact.area() {
            self.take_up(stamp, compact);
            return held && moved.is_some_and(|m| self.lend(m));
        }
        self.holds = None;
        match moved.filter(|m| self.lend(m)) {
            Some(m) => {
                let w = usize::from(self.next.area.width);
                let (x0, x1) = (usize::from(m.cols.start), usize::from(m.cols.end));
                let rows = usize::from(m.rows.start)..usize::from(m.rows.end);
                for (y, row) in self.next.content.chunks_mut(w.max(1)).enumerate() {
                    if rows.contains(&y) && x1 <= row.len() {
                        row[..x0].iter_mut().for_each(Cell::reset);
                        row[x1..].iter_mut().for_each(Cell::reset);
                    } else {
                        row.iter_mut().for_each(Cell::reset);
                    }
                }
                true
            }
            None => {
                self.next.reset();
                false
            }
        }
    }

    /// Move the cells `moved` says the next frame keeps from `shown` into `next`, where
    /// that frame shows them (a swap of rows, no cell copied): `shown` then reads them
    /// there (`scroll::Diff`) until `give_back` or the frame is sent. `false` (nothing
    /// moved) when `moved` does not fit the buffers.
    pub fn lend(&mut self, moved: &scroll::Moved) -> bool {
        let Some(rows) = moved_rows(&self.shown, &self.next, moved) else {
            return false;
        };
        for (src, dst, w) in rows {
            if let (Some(a), Some(b)) = (
                self.shown.content.get_mut(src..src + w),
                self.next.content.get_mut(dst..dst + w),
            ) {
                a.swap_with_slice(b);
            }
        }
        true
    }

    /// Undo `lend` for `shown`: copy the lent cells back from `next` (which keeps them).
    pub fn give_back(&mut self, moved: &scroll::Moved) {
        let Some(rows) = moved_rows(&self.shown, &self.next, moved) else {
            return;
        };
        for (src, dst, w) in rows {
            if let (Some(a), Some(b)) = (
                self.shown.content.get_mut(src..src + w),
                self.next.content.get(dst..dst + w),
            ) {
                a.clone_from_slice(b);
            }
        }
    }

    /// Whether `shown` is the frame of the screen stamped `stamp`.
    pub fn holds(&self, stamp: Stamp) -> bool {
        self.holds == Some(stamp)
    }

    /// `shown` is now the frame of the screen stamped `stamp`.
    pub fn held_by(&mut self, stamp: Stamp) {
        self.holds = Some(stamp);
    }
}

/// For each row `moved` keeps: where its cells start in `shown` and in `next`, and how
/// many there are; `None` unless both buffers are of one area that holds them all.
fn moved_rows(
    shown: &Buffer,
    next: &Buffer,
    moved: &scroll::Moved,
) -> Option<impl Iterator<Item = (usize, usize, usize)> + use<>> {
    let a = next.area;
    let (w, h) = (usize::from(a.width), i64::from(a.height));
    let (x0, x1) = (usize::from(moved.cols.start), usize::from(moved.cols.end));
    let (y0, y1) = (i64::from(moved.rows.start), i64::from(moved.rows.end));
    let by = i64::from(moved.by);
    let fits = shown.area == a
        && a.x == 0
        && a.y == 0
        && x0 <= x1
        && x1 <= w
        && y0 <= y1
        && y1 <= h
        && y0 + by >= 0
        && y1 + by <= h;
    fits.then(|| {
        (y0..y1).map(move |y| (((y + by) as usize) * w + x0, y as usize * w + x0, x1 - x0))
    })
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Run `f` on this thread's scratch buffers (a fresh set if they are in use: `f`
/// never draws another screen, but a fallback keeps this total).
pub fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}
