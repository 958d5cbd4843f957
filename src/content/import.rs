//! Import a Nuxt Content `_payload.json` (devalue-encoded, minimark bodies) as source files.

use std::path::Path;

/// What an import wrote.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub projects: usize,
    pub posts: usize,
    pub stories: usize,
    pub files: Vec<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Payload(String),
    #[error("{0} is not empty (use --force to overwrite)")]
    NotEmpty(std::path::PathBuf),
}

/// Read `payload` and write content source files under `out`.
pub fn import_nuxt(payload: &Path, out: &Path, force: bool) -> Result<ImportReport, ImportError> {
    let _ = (payload, out, force);
    Err(ImportError::Payload("not implemented".into()))
}
