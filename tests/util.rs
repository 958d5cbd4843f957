//! Helpers shared by the integration tests: temp content dirs and running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary content directory, removed on drop.
pub struct ContentDir {
    pub dir: tempfile::TempDir,
}

impl ContentDir {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ContentDir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `rel` (creating parent dirs) and return its full path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

/// Run the built `sshfolio` binary with `args`.
pub fn sshfolio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sshfolio"))
        .args(args)
        .env_remove("SSHFOLIO_CONTENT")
        .output()
        .unwrap()
}

/// The original site's payload, the importer's test oracle.
pub fn seed_payload() -> PathBuf {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/_payload.json");
    if shared.exists() {
        shared
    } else {
        PathBuf::from("/work/shared/seed/_payload.json")
    }
}

/// The built `sshfolio` binary, to be given arguments.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sshfolio"));
    c.env_remove("SSHFOLIO_CONTENT");
    c
}
