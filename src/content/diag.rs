//! A diagnostic is one problem found in a content file, reported as `path:line:col: message`.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub col: u32,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Warning => "warning: ",
            Severity::Error => "",
        };
        write!(
            f,
            "{}:{}:{}: {}{}",
            escape(&self.path.display().to_string()),
            self.line.max(1),
            self.col.max(1),
            kind,
            escape(&self.message)
        )
    }
}

/// Control characters (from a file name or a quoted value) written as `\u{1b}`, so a
/// diagnostic is one line that cannot drive the terminal that shows it.
fn escape(s: &str) -> String {
    if !s
        .chars()
        .any(|c| c.is_control() || super::clean::is_forbidden(c))
    {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() || super::clean::is_forbidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A problem found while parsing a body (by `markdown` and `mdc`, which both report
/// them); `line` is relative to the start of the body
/// (line 1) for `parse`, or counted from `first_line` for `parse_from_line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyWarning {
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// An error (the document is over its budget and must not be served).
    pub error: bool,
}
