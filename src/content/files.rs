//! Reading content files safely: only regular files (opened `O_NONBLOCK`, checked with
//! `fstat`, so a FIFO or device can never hang a load), never past `MAX_FILE_BYTES`,
//! never outside the content directory through a symlink (unless the owner asked for
//! `--follow-symlinks`), and cleaned of control characters with a warning per removal.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::clean;
use super::diag::{Diagnostic, Severity};

/// Larger files are refused ("file too large"): content is hand-written text.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// At most this many files per directory are read; more is reported as an error.
pub const MAX_FILES_PER_DIR: usize = 10_000;

/// Removed control characters reported per file; the rest are counted in one line.
const MAX_CONTROL_WARNINGS: usize = 5;

/// How the loader reads the files of one content directory.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    /// The content directory, resolved (symlinks and `..` gone), when it exists.
    root: Option<PathBuf>,
    follow_symlinks: bool,
}

/// Open `path` for reading only if it is a regular file. The open never blocks (a
/// FIFO without a writer would), and the type is checked on the opened file (refused:
/// `ErrorKind::InvalidInput`).
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

impl Files {
    pub(crate) fn new(dir: &Path, follow_symlinks: bool) -> Self {
        Self {
            root: std::fs::canonicalize(dir).ok(),
            follow_symlinks,
        }
    }

    /// Whether `path` may be read: it resolves inside the content directory, or the
    /// owner allows links out. A refusal is a warning naming where the link goes.
    fn allowed(&self, path: &Path, diags: &mut Vec<Diagnostic>) -> bool {
        if self.follow_symlinks {
            return true;
        }
        let (Some(root), Ok(real)) = (&self.root, std::fs::canonicalize(path)) else {
            // A dangling link or a vanished file: reading it reports the problem.
            return true;
        };
        if real.starts_with(root) {
            return true;
        }
        diags.push(Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            col: 0,
            severity: Severity::Warning,
            message: format!(
                "links outside the content directory (to {}); not read (serve with --follow-symlinks to allow)",
                real.display()
            ),
        });
        false
    }

    /// The files in `dir` with one of `exts`, sorted by name. A missing dir is empty.
    /// Entries that are not regular files (after following a link) are skipped with
    /// a warning; directories silently.
    pub(crate) fn list(
        &self,
        dir: &Path,
        exts: &[&str],
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<PathBuf> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => {
                diags.push(whole_file(
                    dir,
                    format!("cannot read directory: {}", io_message(&e)),
                ));
                return Vec::new();
            }
        };
        if !self.allowed(dir, diags) {
            return Vec::new();
        }
        let mut files = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    diags.push(whole_file(
                        dir,
                        format!("cannot read directory: {}", io_message(&e)),
                    ));
                    break;
                }
            };
            let path = entry.path();
            let ext_ok = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e));
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !ext_ok || hidden {
                continue;
            }
            // Follows symlinks: a link to a file is a file (if it stays inside).
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(m) if !m.is_file() => {
                    diags.push(warning(
                        &path,
                        "not a regular file (a FIFO, socket or device); not read",
                    ));
                    continue;
                }
                _ => {}
            }
            if entry.file_type().is_ok_and(|t| t.is_symlink()) && !self.allowed(&path, diags) {
                continue;
            }
            if files.len() >= MAX_FILES_PER_DIR {
                diags.push(whole_file(
                    dir,
                    format!("more than {MAX_FILES_PER_DIR} files; the rest are ignored"),
                ));
                break;
            }
            files.push(path);
        }
        files.sort();
        files
    }

    /// Whether an optional file (`site.yml`) is there to be read: missing is fine; a
    /// link out of the directory or a non-regular file is a warning.
    pub(crate) fn optional(&self, path: &Path, diags: &mut Vec<Diagnostic>) -> bool {
        match std::fs::metadata(path) {
            Err(_) => false,
            Ok(m) if !m.is_file() => {
                diags.push(warning(path, "not a regular file; not read"));
                false
            }
            Ok(_) => self.allowed(path, diags),
        }
    }

    /// Read a content file as UTF-8 text, refusing huge, empty, non-UTF-8 and
    /// non-regular files; control characters are removed with a warning each.
    pub(crate) fn read_text(&self, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
        let fail = |diags: &mut Vec<Diagnostic>, message: String| {
            diags.push(whole_file(path, message));
            None
        };
        let file = match open_regular(path) {
            Ok(f) => f,
            Err(e) => return fail(diags, format!("cannot read: {}", io_message(&e))),
        };
        if let Ok(m) = file.metadata()
            && m.len() > MAX_FILE_BYTES
        {
            return fail(
                diags,
                format!(
                    "file too large ({} bytes; the limit is {} MiB)",
                    m.len(),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            );
        }
        // The size may change between the check and the read: never read past the cap.
        let mut bytes = Vec::new();
        if let Err(e) = file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
            return fail(diags, format!("cannot read: {}", io_message(&e)));
        }
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return fail(
                diags,
                format!(
                    "file too large (over {} MiB)",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            );
        }
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                diags.push(Diagnostic {
                    path: path.to_path_buf(),
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    col: u32::try_from(valid.len() - line_start + 1).unwrap_or(u32::MAX),
                    severity: Severity::Error,
                    message: "not valid UTF-8 (content files must be UTF-8 text)".to_string(),
                });
                return None;
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (text, removed) = clean::text(text);
        for r in removed.iter().take(MAX_CONTROL_WARNINGS) {
            diags.push(Diagnostic {
                path: path.to_path_buf(),
                line: r.line,
                col: r.col,
                severity: Severity::Warning,
                message: format!("control character {} removed", clean::name(r.ch)),
            });
        }
        if let Some(r) = removed.get(MAX_CONTROL_WARNINGS) {
            diags.push(Diagnostic {
                path: path.to_path_buf(),
                line: r.line,
                col: r.col,
                severity: Severity::Warning,
                message: format!(
                    "{} more control characters removed",
                    removed.len() - MAX_CONTROL_WARNINGS
                ),
            });
        }
        if text.trim().is_empty() {
            return fail(diags, "empty file".to_string());
        }
        Some(text)
    }
}

pub(crate) fn whole_file(path: &Path, message: String) -> Diagnostic {
    Diagnostic {
        path: path.to_path_buf(),
        line: 0,
        col: 0,
        severity: Severity::Error,
        message,
    }
}

fn warning(path: &Path, message: &str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..whole_file(path, message.to_string())
    }
}

/// An I/O error's message without the "(os error N)" suffix.
pub(crate) fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s.to_lowercase(),
    }
}
