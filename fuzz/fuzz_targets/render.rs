//! Fuzz target: any markdown + MDC source, parsed and laid out at any width 1..=300 in
//! both themes and plain, must never panic, and no line may be wider than the width.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sshfolio::content::markdown::parse;
use sshfolio::render::{RenderOptions, render};
use sshfolio::theme::ThemeKind;

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let Ok(source) = std::str::from_utf8(rest) else {
        return;
    };
    let (doc, _) = parse(source);
    let width = 1 + (u32::from(w) * 300 / 255).min(299) as u16;
    for (theme, plain) in [(ThemeKind::Dark, false), (ThemeKind::Light, true)] {
        let out = render(&doc, RenderOptions { width, theme, plain });
        for line in out.lines() {
            assert!(line.width() <= usize::from(width), "line wider than {width}");
        }
    }
});
