//! Hot-path benchmarks of one guest's keystroke: input parse, app update for a scroll
//! key, and the frame (view + diff + ANSI encode) of a one-line scroll in the reader at
//! 120×40, against a full repaint. Prints the bytes of each kind of frame once.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use sshfolio::render::cache::RenderCache;
use sshfolio::session::{ByteScreen, Screen};
use sshfolio::theme::ColorDepth;
use sshfolio::tui::input::{InputParser, Parsed};
use sshfolio::tui::{App, AppEvent, AppOptions};

/// The post with the longest source in `content/blog`, as a deep link.
fn longest_post(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir.join("blog"))
        .ok()?
        .flatten()
        .filter_map(|e| {
            let len = e.metadata().ok()?.len();
            let name = e.file_name().to_str()?.strip_suffix(".md")?.to_string();
            Some((len, name))
        })
        .max()
        .map(|(_, slug)| format!("blog/{slug}"))
}

fn key(bytes: &[u8]) -> AppEvent {
    let mut p = InputParser::new();
    match p.feed(bytes, Instant::now()).into_iter().next() {
        Some(Parsed::Event(ev)) => AppEvent::Input(ev),
        other => panic!("{bytes:?} parsed as {other:?}"),
    }
}

fn benches(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let index = Arc::new(sshfolio::content::load(&dir).expect("content/ loads"));
    let start = longest_post(&dir);
    let cache = RenderCache::new();
    let opts = AppOptions {
        depth: ColorDepth::detect(Some("xterm-256color"), None, false),
        start,
        ..Default::default()
    };

    c.bench_function("input: parse j", |b| {
        let mut p = InputParser::new();
        b.iter(|| p.feed(black_box(b"j"), Instant::now()))
    });
    c.bench_function("input: parse arrow + SGR mouse click", |b| {
        let mut p = InputParser::new();
        b.iter(|| {
            p.feed(
                black_box(b"\x1b[B\x1b[<0;10;5M\x1b[<0;10;5m"),
                Instant::now(),
            )
        })
    });

    let down = key(b"j");
    let up = key(b"k");
    let mut app = App::new(index.clone(), cache.clone(), opts.clone());
    let mut screen = ByteScreen::new(120, 40).unwrap();
    screen.draw(&app).unwrap();
    let full = screen.take_output().len();
    c.bench_function("app: update for j/k in the reader", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i += 1;
            app.update(if i.is_multiple_of(2) {
                down.clone()
            } else {
                up.clone()
            })
        })
    });

    // One step of scrolling: update + view + diff + encode.
    let step = |app: &mut App, screen: &mut ByteScreen, ev: &AppEvent| {
        app.update(ev.clone());
        screen.draw(app).unwrap();
        screen.take_output()
    };
    let mut app = App::new(index.clone(), cache.clone(), opts.clone());
    let mut screen = ByteScreen::new(120, 40).unwrap();
    screen.draw(&app).unwrap();
    screen.take_output();
    let scroll = step(&mut app, &mut screen, &down).len();
    c.bench_function(
        "frame: one-line scroll at 120x40 (update+draw+diff+encode)",
        |b| {
            let mut i = 0u32;
            b.iter(|| {
                i += 1;
                let ev = if i.is_multiple_of(2) { &down } else { &up };
                step(&mut app, &mut screen, ev)
            })
        },
    );
    c.bench_function("frame: full repaint at 120x40 (after hibernation)", |b| {
        b.iter(|| {
            screen.hibernate();
            screen.draw(&app).unwrap();
            screen.take_output()
        })
    });
    eprintln!(
        "bytes at 120x40: full repaint of the reader {full}, one-line scroll {scroll} ({:.0}%)",
        scroll as f64 * 100.0 / full.max(1) as f64
    );
}

criterion_group!(hot_benches, benches);
criterion_main!(hot_benches);
