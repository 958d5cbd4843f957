//! Warming: every code block of a freshly loaded index is highlighted in the background,
//! so the first guest to open a post pays for layout only, never for syntect.
//!
//! Highlighting does not depend on the width (the memo in `code` is keyed by theme,
//! language and code), so each code block is highlighted once per theme, without a
//! layout (a big page's layout would cost far more memory than its highlighting).

use std::sync::Arc;

use tokio::sync::watch;

use crate::content::Index;
use crate::theme::ThemeKind;

/// The themes a guest can pick whose code is highlighted (plain output is not).
const THEMES: [ThemeKind; 2] = [ThemeKind::Dark, ThemeKind::Light];

/// Highlight every code block of `index`, for every theme. CPU-bound: call it off the
/// async workers.
pub fn warm(index: &Index) {
    for page in index.pages.values() {
        let Some(doc) = index.body(*page) else {
            continue;
        };
        for theme in THEMES {
            super::code::warm(doc, theme);
        }
    }
}

/// Warm each index published after the one the server started with (which `serve`
/// warms before it listens, so its memory is in the baseline and the first guest is
/// fast), on a blocking thread, until the sender is gone. A reload that lands while a
/// warm-up runs is warmed next (the `watch` keeps only the latest).
pub async fn follow(mut rx: watch::Receiver<Arc<Index>>) {
    while rx.changed().await.is_ok() {
        let index = rx.borrow_and_update().clone();
        let started = std::time::Instant::now();
        if tokio::task::spawn_blocking(move || warm(&index))
            .await
            .is_ok()
        {
            tracing::debug!(took = ?started.elapsed(), "code highlighted for every page");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{RenderOptions, render_with};

    #[test]
    fn after_warming_a_cold_render_does_no_highlighting() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
        let index = crate::content::load(&dir).unwrap();
        // Cold: nothing memoized (only this test clears the memo; a cache, so others lose
        // nothing but time).
        super::super::code::clear_memo();
        warm(&index);
        let page = index.find("blog/mtu-troubleshooting-blog").unwrap();
        let doc = index.body(page).unwrap();
        for theme in THEMES {
            let before = super::super::code::highlight_runs();
            let opts = RenderOptions {
                width: 133,
                theme,
                plain: false,
            };
            let _ = render_with(doc, opts, &index.images);
            assert_eq!(super::super::code::highlight_runs(), before, "{theme:?}");
        }
    }
}
