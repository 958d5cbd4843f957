//! Heading anchors: slugs made the way the original site made them, unique per document.
//!
//! Observed on the seed: `Twitter / X` → `twitter-x`, `What's Next` → `whats-next`,
//! `⚡ The AI Superpower & The "80% Trap"` → `the-ai-superpower-the-80-trap`,
//! `🗺️ What Can You Expect Here?` → `️-what-can-you-expect-here` (the emoji's variation
//! selector survives). So: lowercase; keep letters, digits, `_` and combining marks;
//! runs of spaces and dashes become one `-`; everything else is dropped; leading and
//! trailing dashes are trimmed.

use std::collections::{HashMap, HashSet};

/// Assigns unique slugs: the second `x` is `x-1`, the third `x-2`.
///
/// Linear in the number of headings: each base remembers the next suffix to try, so
/// 40,000 identical headings cost 40,000 lookups, not 800 million. A suffix is only
/// skipped when another heading already owns that exact id (`Status 1` → `status-1`).
#[derive(Debug, Default)]
pub(crate) struct Slugger {
    seen: HashSet<String>,
    next: HashMap<String, u64>,
}

impl Slugger {
    pub(crate) fn unique(&mut self, text: &str) -> String {
        let base = slug(text);
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let mut candidate = base.clone();
        let mut n = self.next.get(&base).copied().unwrap_or(0);
        if n > 0 {
            candidate = format!("{base}-{n}");
        }
        while self.seen.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        self.next.insert(base, n + 1);
        self.seen.insert(candidate.clone());
        candidate
    }
}

/// The slug of one heading text.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '-' {
            dash = true;
        } else if c.is_alphanumeric() || c == '_' || is_mark(c) {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Combining marks and variation selectors (kept, as the site's slugger keeps them).
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_headings() {
        for (text, id) in [
            ("Key Features", "key-features"),
            ("Twitter / X", "twitter-x"),
            ("What's Next", "whats-next"),
            ("Zero-Trust Auth Layer", "zero-trust-auth-layer"),
            ("What Does This Actually Do?", "what-does-this-actually-do"),
            (
                "⚡ The AI Superpower & The \"80% Trap\"",
                "the-ai-superpower-the-80-trap",
            ),
            (
                "🎨 Dusting off the Frontend (Goodbye for now, C#!)",
                "dusting-off-the-frontend-goodbye-for-now-c",
            ),
            (
                "🗺️ What Can You Expect Here?",
                "\u{FE0F}-what-can-you-expect-here",
            ),
            (
                "Background: Why We Have a Hybrid Setup",
                "background-why-we-have-a-hybrid-setup",
            ),
        ] {
            assert_eq!(slug(text), id, "{text}");
        }
    }

    #[test]
    fn duplicates_get_numbers() {
        let mut s = Slugger::default();
        assert_eq!(s.unique("Status"), "status");
        assert_eq!(s.unique("Status"), "status-1");
        assert_eq!(s.unique("Status"), "status-2");
        assert_eq!(s.unique("Status 1"), "status-1-1");
        assert_eq!(s.unique("!!!"), "section");
        assert_eq!(s.unique("Status"), "status-3");
        // `x-1` taken by a heading of its own: the next `x` skips it.
        let mut s = Slugger::default();
        assert_eq!(s.unique("x 1"), "x-1");
        assert_eq!(s.unique("x"), "x");
        assert_eq!(s.unique("x"), "x-2");
        assert_eq!(s.unique("x"), "x-3");
    }

    #[test]
    fn forty_thousand_identical_headings_get_distinct_ids() {
        let mut s = Slugger::default();
        let ids: HashSet<String> = (0..40_000).map(|_| s.unique("Same")).collect();
        assert_eq!(ids.len(), 40_000);
        assert!(ids.contains("same-39999"));
    }
}
