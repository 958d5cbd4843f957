//! Markdown + MDC source text → `Document`, with diagnostics for what MDC tolerates but
//! an owner should know about (an unclosed block).

use super::doc::Document;

/// A problem found while parsing a body; `line` is relative to the start of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyWarning {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// Parse a page body (front matter already removed).
pub fn parse(source: &str) -> (Document, Vec<BodyWarning>) {
    let _ = source;
    (Document::default(), Vec::new())
}
