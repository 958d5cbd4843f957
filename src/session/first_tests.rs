//! Shared first frames as guests see them: a guest whose first frame was drawn by an
//! earlier guest's session sees exactly what its own drawing would have shown (its own
//! guest count included), and its next frames keep it that way.
#![cfg(test)]

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::tests::Collect;
use super::*;
use crate::tui::input::{InputParser, Parsed};
use crate::tui::{AppEvent, AppOptions};

/// The bundled site: a home screen with a rack, projects, posts and stories.
fn index() -> Arc<Index> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    Arc::new(crate::content::load(&dir).unwrap())
}

/// One guest: its session task, its keyboard, and what its terminal received.
struct Guest {
    input: mpsc::Sender<Vec<u8>>,
    out: Collect,
    _size: watch::Sender<(u16, u16)>,
    _guard: guests::GuestGuard,
}

fn connect(
    index: &Arc<Index>,
    guests: &guests::Guests,
    first: &FirstFrames,
    shutdown: &watch::Receiver<bool>,
    size: (u16, u16),
) -> Guest {
    let guard = guests.join();
    let (input_tx, input) = mpsc::channel(8);
    let (size_tx, size_rx) = watch::channel(size);
    let (_index_tx, index_rx) = watch::channel(index.clone());
    // The index sender lives as long as the test: a closed watch is not a reload.
    std::mem::forget(_index_tx);
    let out = Collect::default();
    let shared = Shared {
        index: index_rx,
        guests: guests.subscribe(),
        shutdown: shutdown.clone(),
        cache: RenderCache::new(),
        first: first.clone(),
    };
    let io = Io {
        input,
        size: size_rx,
        output: out.clone(),
    };
    let screen = ByteScreen::new(size.0, size.1).unwrap();
    tokio::spawn(run(
        screen,
        AppOptions::default(),
        io,
        shared,
        SessionConfig::default(),
    ));
    Guest {
        input: input_tx,
        out,
        _size: size_tx,
        _guard: guard,
    }
}

/// What a terminal shows after `bytes`.
fn screen_of(bytes: &[u8], size: (u16, u16)) -> vt100::Parser {
    let mut vt = vt100::Parser::new(size.1, size.0, 0);
    vt.process(bytes);
    vt
}

/// What a guest with `guests` online who typed `typed` must see: its own app drawn in
/// full on a fresh screen.
fn expected(index: &Arc<Index>, guests: usize, typed: &[u8], size: (u16, u16)) -> vt100::Parser {
    let mut app = App::new(index.clone(), RenderCache::new(), AppOptions::default());
    app.update(AppEvent::Guests(guests));
    for item in InputParser::new().feed(typed, std::time::Instant::now()) {
        if let Parsed::Event(ev) = item {
            app.update(AppEvent::Input(ev));
        }
    }
    let mut screen = ByteScreen::new(size.0, size.1).unwrap();
    screen.draw(&app).unwrap();
    let mut bytes = ENTER.to_vec();
    bytes.extend(screen.take_output());
    screen_of(&bytes, size)
}

/// Every cell as the guest sees it (text, colours, attributes), and the cursor's
/// visibility; not where the hidden cursor was left.
fn look(vt: &vt100::Parser) -> (Vec<String>, bool) {
    let s = vt.screen();
    let (rows, cols) = s.size();
    let mut cells = Vec::new();
    for y in 0..rows {
        for x in 0..cols {
            let Some(c) = s.cell(y, x) else { continue };
            cells.push(format!(
                "{y},{x} {:?} {:?} {:?} b{} d{} i{} u{} r{}",
                c.contents(),
                c.fgcolor(),
                c.bgcolor(),
                c.bold(),
                c.dim(),
                c.italic(),
                c.underline(),
                c.inverse()
            ));
        }
    }
    (cells, s.hide_cursor())
}

/// Wait (bounded) until the guest's terminal shows what `want` shows; then compare.
async fn assert_sees(guest: &Guest, want: &vt100::Parser, size: (u16, u16), what: &str) {
    let expected = look(want);
    let mut got = screen_of(&[], size);
    for _ in 0..250 {
        got = screen_of(&guest.out.0.lock().unwrap(), size);
        if look(&got) == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = look(&got)
        .0
        .into_iter()
        .zip(&expected.0)
        .find(|(a, b)| a != *b);
    panic!(
        "{what}: the guest's screen differs from its own full repaint: {first:?}\ngot:\n{}\nwant:\n{}",
        got.screen().contents(),
        want.screen().contents()
    );
}

#[tokio::test]
async fn a_guest_sent_a_shared_first_frame_sees_its_own_count_and_keys_work() {
    let index = index();
    let guests = guests::Guests::new();
    let first = FirstFrames::default();
    let (_shutdown_tx, shutdown) = watch::channel(false);
    let size = (100, 30);
    let a = connect(&index, &guests, &first, &shutdown, size);
    assert_sees(&a, &expected(&index, 1, b"", size), size, "first guest").await;
    assert_eq!(
        first.len(),
        1,
        "the first guest's frame is kept for the next"
    );

    // Two more arrive: their frame is the first guest's, with their own count.
    let b = connect(&index, &guests, &first, &shutdown, size);
    let c = connect(&index, &guests, &first, &shutdown, size);
    assert_sees(&c, &expected(&index, 3, b"", size), size, "third guest").await;
    assert_eq!(first.len(), 1, "one kind of guest, one frame");

    // A key: the frame drawn over the shared one leaves the screen a full repaint.
    c.input.send(b"jj".to_vec()).await.unwrap();
    assert_sees(&c, &expected(&index, 3, b"jj", size), size, "after jj").await;
    // The second guest follows the count (3) and still answers keys.
    b.input.send(b"j".to_vec()).await.unwrap();
    assert_sees(&b, &expected(&index, 3, b"j", size), size, "second guest").await;

    // Another size is another kind: drawn, not shared.
    let other = (80, 24);
    let d = connect(&index, &guests, &first, &shutdown, other);
    assert_sees(&d, &expected(&index, 4, b"", other), other, "another size").await;
    assert_eq!(first.len(), 2);
}
