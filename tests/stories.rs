//! The Stories screen and the search results as a guest sees them over SSH (vt100),
//! with the bundled content (issue 11): the card's label, image area, text and link;
//! the current story's segment filling as it runs; `n`/`p` at either end saying so;
//! search result titles whole at every size; the vault mark a word.

use std::time::{Duration, Instant};

use crate::sizes::{MTU_TITLE, bundled, flowing, key, rows, settle};
use crate::util::Term;

/// The row of progress segments (the first row with `━`: the running story's
/// segment always has at least one cell filled).
fn progress(t: &Term) -> String {
    rows(t)
        .into_iter()
        .find(|r| r.contains('━'))
        .unwrap_or_default()
}

/// Cells of the first segment filled (`━`) before its first gap.
fn first_fill(t: &Term) -> usize {
    let row = progress(t);
    let seg = row.trim_start().split(' ').next().unwrap_or("").to_string();
    seg.chars().filter(|&c| c == '━').count()
}

#[tokio::test]
async fn the_story_card_has_its_label_image_area_text_and_link() {
    let server = bundled().await;
    let mut t = Term::open(server.addr, 80, 24, None).await;
    t.wait_for("abbeytetteh_").await;
    key(&mut t, b"4").await;
    let s = t.screen();
    for want in [
        "● DATA_CENTER",
        "Racking new servers. 40gbit backbone online.",
        "↗ https://x.com/abbeytetteh_",
        // The picture is not downloaded in the bundled content: its area says so and
        // where it is.
        "▨ image · not downloaded",
        "https://images.unsplash.com/photo-1558494949",
        "1 / 6",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    // The image area is a frame inside the card, above the text.
    let r = rows(&t);
    let frame = r.iter().position(|l| l.contains("┌")).expect("image frame");
    let text = (r.iter())
        .position(|l| l.contains("Racking new servers"))
        .expect("text");
    assert!(frame < text, "{s}");
    // At 40×12 there is no room for the area: the image is named on one row (or left
    // out), and the label, text and link are still there.
    let mut small = Term::open(server.addr, 40, 12, None).await;
    small.wait_for("Home").await;
    key(&mut small, b"4").await;
    let s = small.screen();
    assert!(
        s.contains("DATA_CENTER") && s.contains("Racking new"),
        "{s}"
    );
    assert!(!s.contains('┌'), "no image frame at 40×12:\n{s}");
    server.stop().await;
}

#[tokio::test]
async fn the_current_story_fills_its_segment_as_it_runs_then_the_next_comes() {
    let server = bundled().await;
    let mut t = Term::open(server.addr, 80, 24, None).await;
    t.wait_for("abbeytetteh_").await;
    key(&mut t, b"4").await;
    let start = Instant::now();
    let first = first_fill(&t);
    assert!(
        first >= 1,
        "the running story shows at once:\n{}",
        t.screen()
    );
    // Half-way through its six seconds the segment is partly filled, not full.
    t.wait_until("the segment to fill", |s| {
        let row = s.contents_between(3, 0, 3, 80);
        let seg = row.trim_start().split(' ').next().unwrap_or("").to_string();
        let n = seg.chars().filter(|&c| c == '━').count();
        n > first + 2 && seg.contains('─')
    })
    .await;
    assert!(t.screen().contains("1 / 6"));
    t.wait_for("2 / 6").await;
    assert!(
        start.elapsed() >= Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // Story 1's segment is full now, story 2's has just started.
    let row = progress(&t);
    let mut segs = row.split_whitespace();
    let one = segs.next().unwrap_or("");
    assert!(!one.contains('─'), "{row}");
    server.stop().await;
}

#[tokio::test]
async fn n_and_p_at_the_first_and_last_story_say_so() {
    let server = bundled().await;
    let mut t = Term::open(server.addr, 80, 24, None).await;
    t.wait_for("abbeytetteh_").await;
    key(&mut t, b"4").await;
    key(&mut t, b"p").await;
    let s = t.screen();
    assert!(
        s.contains("this is the first story") && s.contains("1 / 6"),
        "{s}"
    );
    for _ in 0..5 {
        key(&mut t, b"n").await;
    }
    assert!(t.screen().contains("6 / 6"));
    assert!(!t.screen().contains("this is the"), "{}", t.screen());
    key(&mut t, b"n").await;
    let s = t.screen();
    assert!(
        s.contains("this is the last story") && s.contains("6 / 6"),
        "{s}"
    );
    // The arrows are the same keys.
    key(&mut t, b"\x1b[D").await;
    assert!(t.screen().contains("5 / 6"));
    server.stop().await;
}

#[tokio::test]
async fn search_result_titles_are_whole_at_every_size() {
    let server = bundled().await;
    for (cols, rows_n) in [(40, 12), (80, 24), (120, 40), (200, 60)] {
        let mut t = Term::open(server.addr, cols, rows_n, None).await;
        t.wait_for("Home").await;
        key(&mut t, b"/mtu").await;
        settle(&mut t).await;
        let s = t.screen();
        assert!(
            !s.contains("Open…") && !s.contains("De…"),
            "{cols}×{rows_n}:\n{s}"
        );
        assert!(
            flowing(&t).contains(MTU_TITLE),
            "{cols}×{rows_n}: the title is not whole:\n{s}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn projects_mark_a_vault_with_a_word_not_an_emoji() {
    // An emoji lock was a box of tofu in xterm with DejaVu Sans Mono, and being two
    // columns wide it left a stray cell behind on the next screen at 200×60.
    let server = bundled().await;
    let mut t = Term::open(server.addr, 80, 24, None).await;
    t.wait_for("abbeytetteh_").await;
    key(&mut t, b"2").await;
    let s = t.screen();
    let row = (s.lines())
        .find(|l| l.contains("Production Engine"))
        .unwrap_or_default();
    assert!(row.contains("vault") && !s.contains('🔒'), "{s}");
    server.stop().await;
}
