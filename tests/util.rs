//! Shared helpers for integration tests: paths to the seed and the real binary.

#![allow(dead_code)]

use std::path::PathBuf;

/// The original site's payload, the import's test oracle.
pub fn seed_payload() -> PathBuf {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/_payload.json");
    if shared.exists() {
        shared
    } else {
        PathBuf::from("/work/shared/seed/_payload.json")
    }
}

/// The `sshfolio` binary built for these tests.
pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_sshfolio"))
}
