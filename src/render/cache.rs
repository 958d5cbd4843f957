//! The render cache: layouts keyed by (page, generation, options), shared by all sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{RenderOptions, Rendered, render};
use crate::content::{Index, PageRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    generation: u64,
    page: PageRef,
    opts: RenderOptions,
}

/// A bounded map of layouts. Cheap to clone (`Arc` inside).
#[derive(Debug, Clone, Default)]
pub struct RenderCache {
    inner: Arc<Mutex<HashMap<Key, Arc<Rendered>>>>,
}

/// Most layouts a cache keeps before it starts over (a page at a width is a few KiB).
const CAPACITY: usize = 512;

impl RenderCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The layout of `page` in `index` at `opts`, rendered on first use.
    pub fn get(&self, index: &Index, page: PageRef, opts: RenderOptions) -> Arc<Rendered> {
        let key = Key {
            generation: index.generation,
            page,
            opts,
        };
        if let Ok(map) = self.inner.lock() {
            if let Some(r) = map.get(&key) {
                return r.clone();
            }
        }
        let rendered = Arc::new(match index.body(page) {
            Some(doc) => render(doc, opts),
            None => Rendered::default(),
        });
        if let Ok(mut map) = self.inner.lock() {
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, rendered.clone());
        }
        rendered
    }
}
