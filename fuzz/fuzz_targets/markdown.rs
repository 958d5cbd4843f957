//! Fuzz target: markdown + MDC source → `Document` must never panic, and must keep
//! nesting bounded, for any UTF-8 input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sshfolio::content::markdown::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        let (doc, warnings) = parse(source);
        // Touch the result so nothing is optimised away; drop exercises deep trees.
        let _ = (doc.blocks.len(), warnings.len());
    }
});
