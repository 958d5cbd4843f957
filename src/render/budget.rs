//! Tests: the memory a big post's layout holds, counted by the allocator (issue 16: a
//! loaded post costs a small multiple of its size, whatever its shape).
//!
//! The lib's test binary counts each thread's allocations minus its frees, so a test
//! measures what one `render` keeps alive: the real bytes, not our own estimate (which
//! the render cache budgets with, and which is checked against the count here).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use super::{RenderOptions, Rendered, render};
use crate::content::markdown;
use crate::theme::ThemeKind;

struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed on this thread.
    static NET: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = NET.try_with(|n| n.set(n.get() + delta));
}

// SAFETY: every call goes straight to `System`; the counter is a const-initialised
// thread-local `Cell` (no allocation, no destructor), so counting cannot recurse.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn net() -> isize {
    NET.with(Cell::get)
}

/// `source` parsed (outside the count) and laid out at `width`: the layout and the
/// bytes it holds.
fn measured(source: &str, width: u16, plain: bool) -> (Rendered, usize) {
    let (doc, _) = markdown::parse(source);
    let opts = RenderOptions {
        width,
        theme: ThemeKind::Dark,
        plain,
    };
    let before = net();
    let r = render(&doc, opts);
    let held = usize::try_from(net() - before).unwrap_or(0);
    (r, held)
}

/// About 256 KB of each shape a post can take. Code is in a language without a syntax:
/// highlighting is memoized process-wide (bounded by its own budget, shared by every
/// layout, and cleared by other tests at any time), so it would blur the count.
fn shapes() -> Vec<(&'static str, String)> {
    let n = 256 << 10;
    let para =
        "Lorem ipsum dolor sit amet, consectetur *adipiscing* elit, sed do `eiusmod` tempor.\n\n";
    let line = "echo 'a line of a long script' | tr a-z A-Z\n";
    // One very long line makes the frame as wide as the screen; every short row is
    // then padded to it.
    let padded = format!("{}\n{}", "x".repeat(400), "a\n".repeat(n / 2));
    vec![
        ("prose", para.repeat(n / para.len())),
        (
            "code",
            format!("```text\n{}```\n", line.repeat(n / line.len())),
        ),
        (
            "short code rows in a wide frame",
            format!("```\n{padded}```\n"),
        ),
        ("list", "- item *one*\n".repeat(n / 13)),
        ("quote", "> quoted words go on\n".repeat(n / 21)),
    ]
}

#[test]
fn a_big_posts_layout_holds_a_small_multiple_of_its_size() {
    for (shape, source) in shapes() {
        for (width, plain) in [(100, false), (40, true), (300, false)] {
            if width == 300 && !shape.starts_with("short code rows") {
                continue;
            }
            let (r, held) = measured(&source, width, plain);
            let size = source.len();
            // The figures BENCHMARKS.md quotes (`-- --nocapture`).
            eprintln!(
                "{shape} at {width}{}: {held} bytes held for {size} of source ({:.2}×), {} lines",
                if plain { " plain" } else { "" },
                held as f64 / size as f64,
                r.len()
            );
            if shape.starts_with("short code rows") {
                // 131,000 one-character rows, each also kept whole (the block is wider
                // than its frame): what a row costs, whatever the frame's width (its
                // padding is not stored; it was a string as wide as the frame).
                let per_row = held / r.len().max(1);
                assert!(per_row <= 200, "{shape} at {width}: {per_row} bytes a row");
            } else {
                assert!(
                    held <= 8 * size,
                    "{shape} at {width}: the layout holds {held} bytes for {size} of source"
                );
            }
            // The cache's estimate is close to the real thing (it budgets with it).
            let estimate = r.heap_bytes();
            assert!(
                estimate <= held + held / 4 && held <= estimate + estimate / 4,
                "{shape} at {width}: estimated {estimate}, counted {held}"
            );
        }
    }
}
