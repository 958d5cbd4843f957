//! Rendering benchmarks: the longest seed post laid out at 80 and 200 columns, and a
//! cache hit (what every guest after the first pays).

#[path = "../tests/render/seed.rs"]
#[allow(dead_code)]
mod seed;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sshfolio::content::{Index, PageRef, Post};
use sshfolio::render::cache::RenderCache;
use sshfolio::render::{RenderOptions, render};
use sshfolio::theme::ThemeKind;

fn longest() -> sshfolio::content::Document {
    match seed::load() {
        Some(pages) => pages
            .into_iter()
            .max_by_key(|p| p.words.len() + p.code_lines.len())
            .map(|p| p.doc)
            .unwrap_or_default(),
        // Without the seed payload, the renderer's own rich sample.
        None => sshfolio::render::sample::rich_document(),
    }
}

fn opts(width: u16) -> RenderOptions {
    RenderOptions {
        width,
        theme: ThemeKind::Dark,
        plain: false,
    }
}

fn benches(c: &mut Criterion) {
    let doc = longest();
    sshfolio::render::preload();
    // Cold: syntax highlighting included (the first render of a page in a theme).
    c.bench_function("render longest seed post at 80", |b| {
        b.iter(|| {
            sshfolio::render::clear_highlight_memo();
            render(black_box(&doc), opts(80))
        })
    });
    c.bench_function("render longest seed post at 200", |b| {
        b.iter(|| {
            sshfolio::render::clear_highlight_memo();
            render(black_box(&doc), opts(200))
        })
    });
    // Warm: another width of a page already highlighted (a guest resizing).
    c.bench_function("re-render at 120, highlighting memoized", |b| {
        b.iter(|| render(black_box(&doc), opts(120)))
    });
    c.bench_function("render longest seed post at 80, plain", |b| {
        b.iter(|| {
            render(
                black_box(&doc),
                RenderOptions {
                    plain: true,
                    ..opts(80)
                },
            )
        })
    });
    let index = Index {
        posts: vec![Post {
            slug: "longest".into(),
            title: "Longest".into(),
            description: String::new(),
            date: Default::default(),
            read_time: None,
            tags: vec![],
            thumbnail: None,
            body: doc.clone(),
            source: "blog/longest.md".into(),
        }],
        generation: 1,
        ..Index::default()
    };
    let cache = RenderCache::new();
    cache.get(&index, PageRef::Post(0), opts(80));
    c.bench_function("render cache hit at 80", |b| {
        b.iter(|| cache.get(black_box(&index), PageRef::Post(0), opts(80)))
    });
}

criterion_group!(render_benches, benches);
criterion_main!(render_benches);
