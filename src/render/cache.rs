//! The render cache: layouts keyed by (page, generation, options), shared by all sessions.

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
    pub fn get(&self, index: &Index, page: PageRef, mut opts: RenderOptions) -> Arc<Rendered> {
        // Widths past the limits lay out the same: one entry for all of them.
        opts.width = opts.width.clamp(super::MIN_WIDTH, super::MAX_WIDTH);
        let key = Key {
            generation: index.generation,
            page,
            opts,
        };
        if let Ok(map) = self.inner.lock()
            && let Some(r) = map.get(&key)
        {
            crate::metrics::RENDER_CACHE_HITS.inc();
            return r.clone();
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
        if let Ok(mut map) = self.inner.lock() {
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, rendered.clone());
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
        assert!(!a.lines.is_empty());
        let narrow = cache.get(&idx, PageRef::Post(0), opts(40));
        assert!(!Arc::ptr_eq(&a, &narrow));
        // A reload (new generation) renders afresh.
        let c = cache.get(&index(2), PageRef::Post(0), opts(80));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(a.plain_lines(), c.plain_lines());
    }

    #[test]
    fn a_missing_page_renders_empty_and_the_cache_stays_bounded() {
        let cache = RenderCache::new();
        let idx = index(1);
        assert!(cache.get(&idx, PageRef::Post(7), opts(80)).lines.is_empty());
        for w in 0..(CAPACITY as u16 + 50) {
            cache.get(&idx, PageRef::Post(7), opts(w));
        }
        for g in 0..(CAPACITY as u64 + 10) {
            cache.get(&index(g), PageRef::Post(7), opts(80));
        }
        assert!(cache.inner.lock().unwrap().len() <= CAPACITY);
    }
}
