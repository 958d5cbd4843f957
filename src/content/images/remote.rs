//! `content/images/remote.yml`: the images `sshfolio fetch-images` downloaded, by the
//! reference the content writes (a URL, or a site path fetched from `--site`), so a
//! reference resolves to its file without the source files changing.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file name, under `content/images/`.
pub const FILE: &str = "remote.yml";

/// One downloaded image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// File name under `content/images/` (a hash of the URL and an extension).
    pub file: String,
    /// Bytes.
    pub size: u64,
    /// The response's content type, e.g. `image/jpeg`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it was downloaded (UTC, RFC 3339).
    pub fetched: String,
    /// Where a site path was fetched from (`--site` + path); absent for URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// Reference → download, sorted (so the file diffs well).
pub type Remote = BTreeMap<String, Entry>;

/// `content/images/remote.yml`, or an empty map when there is none or it is unreadable
/// (a broken file only loses the downloads, never the content).
pub fn read(content: &Path) -> Remote {
    try_read(content).unwrap_or_default()
}

/// `read`, telling why a file that exists could not be read.
pub fn try_read(content: &Path) -> Result<Remote, String> {
    let path = content.join("images").join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Remote::new()),
        Err(e) => return Err(e.to_string()),
    };
    if text.trim().is_empty() {
        return Ok(Remote::new());
    }
    serde_yaml::from_str(&text).map_err(|e| e.to_string())
}

/// Write `remote.yml` (via a temporary file, so a reader never sees half of it).
pub fn write(content: &Path, remote: &Remote) -> std::io::Result<()> {
    let dir = content.join("images");
    std::fs::create_dir_all(&dir)?;
    let body = serde_yaml::to_string(remote).map_err(std::io::Error::other)?;
    let text = format!(
        "# Written by `sshfolio fetch-images`: the images the content refers to, downloaded\n\
         # (reference -> file under content/images/). Safe to delete; fetch again to restore.\n{body}"
    );
    let tmp = dir.join(format!(".{FILE}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(FILE))
}

/// The downloaded file of `src`, when `remote` has one with a plain file name.
pub fn path_of(content: &Path, remote: &Remote, src: &str) -> Option<PathBuf> {
    let entry = remote.get(src.trim())?;
    let name = Path::new(&entry.file);
    let mut parts = name.components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(_)), None) => Some(content.join("images").join(name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_resolves_plain_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Remote::new();
        r.insert(
            "https://x.test/a.png".into(),
            Entry {
                file: "0123abcd.png".into(),
                size: 10,
                kind: "image/png".into(),
                fetched: "2026-01-01T00:00:00Z".into(),
                from: None,
            },
        );
        r.insert(
            "/images/evil.png".into(),
            Entry {
                file: "../../etc/passwd".into(),
                size: 1,
                kind: "image/png".into(),
                fetched: "2026-01-01T00:00:00Z".into(),
                from: Some("https://site.test/images/evil.png".into()),
            },
        );
        write(dir.path(), &r).unwrap();
        let back = read(dir.path());
        assert_eq!(back, r);
        assert_eq!(
            path_of(dir.path(), &back, "https://x.test/a.png"),
            Some(dir.path().join("images/0123abcd.png"))
        );
        assert_eq!(path_of(dir.path(), &back, "/images/evil.png"), None);
        assert_eq!(path_of(dir.path(), &back, "https://x.test/b.png"), None);
    }

    #[test]
    fn a_broken_file_is_empty_for_read_and_an_error_for_try_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("images")).unwrap();
        std::fs::write(dir.path().join("images").join(FILE), "[not: a map").unwrap();
        assert!(read(dir.path()).is_empty());
        assert!(try_read(dir.path()).is_err());
    }
}
