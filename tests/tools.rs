//! Outside tools a test needs (haproxy, systemd-analyze, ssh, plink, dbclient, python
//! packages): present, or the test says so. Under `CI` a missing tool FAILS the test
//! (`.ci/run` installs every one of them); elsewhere it is skipped with a line on stderr.

use std::process::{Command, Stdio};

/// Whether `program args…` runs and exits 0 (a version probe).
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether CI is set (any non-empty value but `false`/`0`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `true` when `ok`; otherwise a panic under CI, or a skip notice (returns `false`).
#[track_caller]
pub fn need(ok: bool, test: &str, what: &str) -> bool {
    if ok {
        return true;
    }
    assert!(
        !in_ci(),
        "{test}: {what} is missing and CI is set (.ci/run installs it)"
    );
    eprintln!("SKIPPED {test}: {what} is missing (.ci/run installs it)");
    false
}

/// A Python 3 that imports `module`.
pub fn python_has(module: &str) -> bool {
    runs("python3", &["-c", &format!("import {module}")])
}
