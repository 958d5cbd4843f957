//! Fuzz target: the guest's raw terminal input → `InputParser` must never panic, must
//! keep pastes within `MAX_PASTE`, and must parse the same bytes the same way however
//! the network splits them into packets.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sshfolio::tui::input::{InputParser, MAX_PASTE, Parsed};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the packet sizes; the rest is what the guest typed.
    let Some((&seed, bytes)) = data.split_first() else {
        return;
    };
    let now = Instant::now();

    let mut whole = InputParser::new();
    let expected = whole.feed(bytes, now);

    let mut split = InputParser::new();
    let mut got = Vec::new();
    let mut rest = bytes;
    let mut step = usize::from(seed % 7) + 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        got.extend(split.feed(chunk, now));
        rest = tail;
        step = step % 7 + 1;
    }
    assert_eq!(got, expected, "packet boundaries changed the parse");

    for item in &got {
        if let Parsed::Event(terminput::Event::Paste(text)) = item {
            // Lossy UTF-8 turns a byte into at most 3.
            assert!(
                text.len() <= 3 * MAX_PASTE,
                "paste of {} bytes kept",
                text.len()
            );
        }
    }
    // A pending lone ESC becomes the Esc key after the timeout, and the parser is idle.
    let later = now + Duration::from_secs(1);
    let _ = split.timeout(later);
    assert!(split.pending_deadline().is_none());
});
