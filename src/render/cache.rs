//! The render cache: layouts keyed by (page, generation, options), shared by all
//! sessions, bounded in entries and in bytes (least recently used go first).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{RenderOptions, Rendered, render_with};
use crate::content::{Block, Document, Index, PageRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    generation: u64,
    page: PageRef,
    opts: RenderOptions,
}

#[derive(Debug)]
struct Entry {
    rendered: Arc<Rendered>,
    /// `Rendered::heap_bytes` when it was stored.
    bytes: usize,
    /// When it was last asked for (`Layouts::tick`).
    used: u64,
}

#[derive(Debug, Default)]
struct Layouts {
    map: HashMap<Key, Entry>,
    bytes: usize,
    tick: u64,
}

impl Layouts {
    /// Forget the least recently used layout.
    fn evict(&mut self) {
        let Some(key) = self.map.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| *k) else {
            return;
        };
        if let Some(e) = self.map.remove(&key) {
            self.bytes = self.bytes.saturating_sub(e.bytes);
        }
    }
}

/// A bounded map of layouts. Cheap to clone (`Arc` inside).
#[derive(Debug, Clone)]
pub struct RenderCache {
    inner: Arc<Mutex<Layouts>>,
    budget: usize,
}

/// Most layouts a cache keeps (a page of the shipped site at a width is a few KiB)…
const CAPACITY: usize = 512;
/// …and most bytes of them all: a 4 MB post's layout is ~10–20 MB, so a few of those at
/// a few widths. The layout just made is always kept, even alone over the budget, so
/// its readers are served from the cache.
pub const CAPACITY_BYTES: usize = 64 << 20;

impl Default for RenderCache {
    fn default() -> Self {
        Self::with_budget(CAPACITY_BYTES)
    }
}

impl RenderCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cache that keeps at most `bytes` of layouts (besides the newest one).
    pub fn with_budget(bytes: usize) -> Self {
        Self {
            inner: Arc::default(),
            budget: bytes,
        }
    }

    /// How many bytes the cached layouts hold (approximately: their buffers).
    pub fn bytes(&self) -> usize {
        self.inner.lock().map_or(0, |l| l.bytes)
    }

    /// The layout of `page` in `index` at `opts`, rendered on first use.
    pub fn get(&self, index: &Index, page: PageRef, mut opts: RenderOptions) -> Arc<Rendered> {
        // Widths past the limits lay out the same: one entry for all of them.
        opts.width = opts.width.clamp(super::MIN_WIDTH, super::MAX_WIDTH);
        let key = Key {
            generation: index.generation,
            page,
            opts,
        };
        if let Ok(mut layouts) = self.inner.lock() {
            layouts.tick += 1;
            let tick = layouts.tick;
            if let Some(e) = layouts.map.get_mut(&key) {
                e.used = tick;
                crate::metrics::RENDER_CACHE_HITS.inc();
                return e.rendered.clone();
            }
        }
        crate::metrics::RENDER_CACHE_MISSES.inc();
        let rendered = Arc::new(match index.body(page) {
            Some(doc) => match thumbnail(index, page) {
                // A page whose thumbnail is a local image shows it first.
                Some(img) => {
                    let mut with = Document {
                        blocks: Vec::with_capacity(doc.blocks.len() + 1),
                    };
                    with.blocks.push(img);
                    with.blocks.extend(doc.blocks.iter().cloned());
                    render_with(&with, opts, &index.images)
                }
                None => render_with(doc, opts, &index.images),
            },
            None => Rendered::default(),
        });
        let bytes = rendered.heap_bytes();
        if let Ok(mut layouts) = self.inner.lock() {
            if let Some(old) = layouts.map.remove(&key) {
                // Another session rendered it meanwhile.
                layouts.bytes = layouts.bytes.saturating_sub(old.bytes);
            }
            while !layouts.map.is_empty()
                && (layouts.map.len() >= CAPACITY || layouts.bytes + bytes > self.budget)
            {
                layouts.evict();
            }
            layouts.tick += 1;
            let used = layouts.tick;
            layouts.bytes += bytes;
            layouts.map.insert(
                key,
                Entry {
                    rendered: rendered.clone(),
                    bytes,
                    used,
                },
            );
        }
        rendered
    }
}

/// The image block for `page`'s thumbnail, when it has a decoded preview.
fn thumbnail(index: &Index, page: PageRef) -> Option<Block> {
    let (src, title) = match page {
        PageRef::Project(i) => index.project(i).map(|p| (p.thumbnail.as_ref(), &p.title))?,
        PageRef::Post(i) => index.post(i).map(|p| (p.thumbnail.as_ref(), &p.title))?,
    };
    let src = src?;
    index
        .images
        .contains_key(src.as_str())
        .then(|| Block::Image {
            alt: title.clone(),
            src: src.clone(),
            title: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Post;
    use crate::content::model::Date;
    use crate::theme::ThemeKind;

    fn index(generation: u64) -> Index {
        Index {
            posts: vec![Post {
                slug: "p".into(),
                title: "P".into(),
                description: String::new(),
                date: Date::default(),
                read_time: None,
                tags: vec![],
                thumbnail: None,
                body: super::super::sample::rich_document(),
                source: "blog/p.md".into(),
            }],
            generation,
            ..Index::default()
        }
    }

    fn opts(width: u16) -> RenderOptions {
        RenderOptions {
            width,
            theme: ThemeKind::Dark,
            plain: false,
        }
    }

    #[test]
    fn a_layout_is_computed_once_and_shared() {
        let cache = RenderCache::new();
        let idx = index(1);
        let a = cache.get(&idx, PageRef::Post(0), opts(80));
        let b = cache.clone().get(&idx, PageRef::Post(0), opts(80));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!a.is_empty());
        let narrow = cache.get(&idx, PageRef::Post(0), opts(40));
        assert!(!Arc::ptr_eq(&a, &narrow));
        // A reload (new generation) renders afresh.
        let c = cache.get(&index(2), PageRef::Post(0), opts(80));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(a.plain_lines(), c.plain_lines());
    }

    #[test]
    fn big_layouts_at_many_widths_stay_within_the_byte_budget() {
        let para = "Words of a long post that wrap differently at every width. ".repeat(8);
        let source = format!("{para}\n\n```\n{}```\n", "x = 1\n".repeat(2_000)).repeat(10);
        let mut idx = index(1);
        idx.posts[0].body = crate::content::markdown::parse(&source).0;
        let one = cache_entry_bytes(&idx, 80);
        // Room for about three layouts of this post.
        let budget = 3 * one + one / 2;
        let cache = RenderCache::with_budget(budget);
        for w in (40..=200).step_by(8) {
            let r = cache.get(&idx, PageRef::Post(0), opts(w));
            assert!(
                cache.bytes() <= budget,
                "{} > {budget} at {w}",
                cache.bytes()
            );
            // The newest layout is kept: its readers are served from the cache.
            assert!(Arc::ptr_eq(&r, &cache.get(&idx, PageRef::Post(0), opts(w))));
        }
        // The least recently used go first: the layout just asked for again stays.
        let keep = cache.get(&idx, PageRef::Post(0), opts(192));
        cache.get(&idx, PageRef::Post(0), opts(30));
        assert!(Arc::ptr_eq(
            &keep,
            &cache.get(&idx, PageRef::Post(0), opts(192))
        ));
        // A layout bigger than the whole budget is still kept, alone.
        let tiny = RenderCache::with_budget(1);
        let a = tiny.get(&idx, PageRef::Post(0), opts(80));
        assert!(Arc::ptr_eq(&a, &tiny.get(&idx, PageRef::Post(0), opts(80))));
        tiny.get(&idx, PageRef::Post(0), opts(81));
        assert_eq!(tiny.inner.lock().unwrap().map.len(), 1);
    }

    fn cache_entry_bytes(idx: &Index, width: u16) -> usize {
        let cache = RenderCache::new();
        cache.get(idx, PageRef::Post(0), opts(width));
        cache.bytes()
    }

    #[test]
    fn a_missing_page_renders_empty_and_the_cache_stays_bounded() {
        let cache = RenderCache::new();
        let idx = index(1);
        assert!(cache.get(&idx, PageRef::Post(7), opts(80)).is_empty());
        for w in 0..(CAPACITY as u16 + 50) {
            cache.get(&idx, PageRef::Post(7), opts(w));
        }
        for g in 0..(CAPACITY as u64 + 10) {
            cache.get(&index(g), PageRef::Post(7), opts(80));
        }
        assert!(cache.inner.lock().unwrap().map.len() <= CAPACITY);
    }
}
