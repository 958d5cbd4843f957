//! Shared first frames: a new guest's first frame depends only on its size, colour
//! depth, theme, picture protocol and the content — and on the guests-online label. The
//! first guest of each kind draws and encodes it as usual; every later one is sent the
//! same bytes plus a patch of the label for its own count (`online::encode`), and draws
//! nothing. Its screen keeps a reference to the shared cells and makes buffers of its
//! own only when it draws again (`ByteScreen::adopt`).
//!
//! The cache is bounded (a few kinds are common: 80×24 and a handful of sizes) and holds
//! one content generation: a reload starts it over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ratatui::buffer::Buffer;

use crate::graphics::Protocol;
use crate::theme::{ColorDepth, ThemeKind};
use crate::tui::FirstKind;
use crate::tui::state::HitMap;

/// Kinds kept at most (each a frame's cells and bytes, ~100 KiB at 80×24); more start
/// the cache over.
const CAPACITY: usize = 32;

/// One first frame, as the guest's terminal gets it and as it leaves the screen.
#[derive(Debug)]
pub struct First {
    /// The frame's bytes (after `ENTER`), in the guest's depth.
    pub bytes: Vec<u8>,
    /// The cells on screen after them (full RGB, as a `ByteScreen` keeps them).
    pub cells: Buffer,
    /// The clickable regions the app drew.
    pub hits: HitMap,
    /// The guest count the frame shows.
    pub guests: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    size: (u16, u16),
    theme: ThemeKind,
    depth: ColorDepth,
    images: Protocol,
}

#[derive(Debug, Default)]
struct Inner {
    /// The content the frames were drawn from (compared by pointer: a reload, even of
    /// identical files, is another generation).
    index: Option<Arc<crate::content::Index>>,
    frames: HashMap<Key, Arc<First>>,
}

/// The first frames every session of a server shares. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct FirstFrames(Arc<Mutex<Inner>>);

impl FirstFrames {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The first frame of this kind at this size, if one was drawn.
    pub fn get(&self, kind: &FirstKind, size: (u16, u16)) -> Option<Arc<First>> {
        let inner = self.lock();
        let same = inner
            .index
            .as_ref()
            .is_some_and(|i| Arc::ptr_eq(i, &kind.index));
        if !same {
            return None;
        }
        inner.frames.get(&key(kind, size)).cloned()
    }

    /// Keep a first frame for the next guests of its kind.
    pub fn put(&self, kind: &FirstKind, size: (u16, u16), first: First) {
        let mut inner = self.lock();
        let same = inner
            .index
            .as_ref()
            .is_some_and(|i| Arc::ptr_eq(i, &kind.index));
        if !same || inner.frames.len() >= CAPACITY {
            inner.frames.clear();
            inner.index = Some(kind.index.clone());
        }
        inner.frames.insert(key(kind, size), Arc::new(first));
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().frames.len()
    }
}

fn key(kind: &FirstKind, size: (u16, u16)) -> Key {
    Key {
        size,
        theme: kind.theme,
        depth: kind.depth,
        images: kind.images,
    }
}
