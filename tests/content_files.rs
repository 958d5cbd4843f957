//! What the loader reads and how much: only regular files (a FIFO, or a link to one,
//! never hangs the loader, `check`, `serve` or hot reload), no symlinks out of the
//! content directory unless `--follow-symlinks`, and per-document budgets (40,000
//! identical headings load with unique anchors; more than the budget is an error
//! with `path:line`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sshfolio::content::{Block, Diagnostic, LoadOptions};

use crate::util::child::Run;
use crate::util::{self, ContentDir};

const POST: &str = "---\ntitle: T\ndate: 2024-01-01\n---\nBody\n";

fn site() -> ContentDir {
    let dir = ContentDir::new();
    dir.write("blog/good.md", POST);
    dir
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Run `f` on a thread and fail (instead of hanging the suite) if it takes too long.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(util::WAIT)
        .unwrap_or_else(|_| panic!("{what} hung"))
}

#[test]
fn a_fifo_or_a_link_to_one_is_skipped_with_a_warning() {
    let dir = site();
    mkfifo(&dir.path().join("blog/pipe.md"));
    mkfifo(&dir.path().join("elsewhere.fifo"));
    std::os::unix::fs::symlink(
        dir.path().join("elsewhere.fifo"),
        dir.path().join("blog/link.md"),
    )
    .unwrap();
    mkfifo(&dir.path().join("site.yml"));
    let path = dir.path().to_path_buf();
    let index = within("load", move || sshfolio::content::load(&path)).unwrap();
    assert_eq!(index.posts.len(), 1);
    let warnings: Vec<String> = index.warnings.iter().map(|w| w.to_string()).collect();
    for name in ["blog/pipe.md", "blog/link.md", "site.yml"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(name) && w.contains("not a regular file")),
            "{name}: {warnings:?}"
        );
    }
    // `check` finishes too.
    let path = dir.path().to_str().unwrap().to_string();
    let out = within("check", move || {
        util::sshfolio(&["check", "--content", &path])
    });
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn open_regular_refuses_a_fifo_without_blocking() {
    let dir = ContentDir::new();
    let fifo = dir.path().join("f");
    mkfifo(&fifo);
    let err = within("open", move || {
        sshfolio::content::files::open_regular(&fifo).map(|_| ())
    });
    assert!(err.is_err());
}

#[test]
fn serve_starts_beside_a_fifo() {
    let dir = site();
    mkfifo(&dir.path().join("blog/pipe.md"));
    let run = Run::new();
    let mut cmd = util::bin();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--content"])
        .arg(dir.path())
        .arg("--keys")
        .arg(run.path("keys"));
    // Panics unless it logs `listening on` (and so did not hang on the FIFO).
    run.serve(cmd);
}

#[tokio::test]
async fn hot_reload_keeps_working_with_a_fifo_in_content() {
    let dir = site();
    let index = sshfolio::content::load(dir.path()).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(Arc::new(index));
    let watcher =
        sshfolio::content::watch::ContentWatcher::start(dir.path(), tx.clone(), Default::default())
            .unwrap();
    let mut status = watcher.status();
    mkfifo(&dir.path().join("blog/pipe.md"));
    dir.write("blog/second.md", POST);
    let deadline = Instant::now() + util::WAIT;
    while tx.borrow().posts.len() != 2 {
        assert!(
            Instant::now() < deadline,
            "reload never published: {:?}",
            *status.borrow()
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), status.changed()).await;
    }
    // And the next edit is picked up as well: the FIFO did not wedge the task.
    dir.write("blog/third.md", POST);
    let deadline = Instant::now() + util::WAIT;
    while tx.borrow().posts.len() != 3 {
        assert!(Instant::now() < deadline, "second reload never published");
        let _ = tokio::time::timeout(Duration::from_millis(200), status.changed()).await;
    }
}

#[tokio::test]
async fn a_slow_reload_does_not_block_the_next_one() {
    // Every rebuild counts as slow here: each is left running on its own and the
    // newest one still publishes.
    let dir = site();
    let index = sshfolio::content::load(dir.path()).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(Arc::new(index));
    let opts = sshfolio::content::watch::WatchOptions {
        slow: Duration::ZERO,
        ..Default::default()
    };
    let watcher =
        sshfolio::content::watch::ContentWatcher::start(dir.path(), tx.clone(), opts).unwrap();
    let mut status = watcher.status();
    for n in 2..=3 {
        dir.write(&format!("blog/p{n}.md"), POST);
        let deadline = Instant::now() + util::WAIT;
        while tx.borrow().posts.len() != n {
            assert!(Instant::now() < deadline, "reload {n} never published");
            let _ = tokio::time::timeout(Duration::from_millis(200), status.changed()).await;
        }
    }
}

#[test]
fn symlinks_out_of_content_are_refused_unless_followed() {
    let outside = ContentDir::new();
    let secret = outside.write(
        "secret.md",
        "---\ntitle: Secret\ndate: 2024-01-01\n---\nshh\n",
    );
    outside.write("dir/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nA\n");
    let dir = site();
    std::os::unix::fs::symlink(&secret, dir.path().join("blog/secret.md")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("dir"), dir.path().join("projects")).unwrap();
    // A link that stays inside is fine.
    dir.write(
        "drafts/inside.md",
        "---\ntitle: Inside\ndate: 2024-01-01\n---\nok\n",
    );
    std::os::unix::fs::symlink("../drafts/inside.md", dir.path().join("blog/inside.md")).unwrap();

    let index = sshfolio::content::load(dir.path()).unwrap();
    let titles: Vec<&str> = index.posts.iter().map(|p| p.title.as_str()).collect();
    assert!(
        titles.contains(&"Inside") && !titles.contains(&"Secret"),
        "{titles:?}"
    );
    assert!(index.projects.is_empty());
    let warnings: Vec<String> = index.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("blog/secret.md") && w.contains("--follow-symlinks")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("projects") && w.contains("outside")),
        "{warnings:?}"
    );

    let followed = sshfolio::content::load_with(
        dir.path(),
        LoadOptions {
            follow_symlinks: true,
        },
    )
    .unwrap();
    assert!(followed.posts.iter().any(|p| p.title == "Secret"));
    assert_eq!(followed.projects.len(), 1);

    // The binary's flag.
    let path = dir.path().to_str().unwrap();
    let out = util::sshfolio(&["check", "--content", path]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 posts"),
        "{out:?}"
    );
    let out = util::sshfolio(&["check", "--content", path, "--follow-symlinks"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 posts"),
        "{out:?}"
    );
}

fn ids(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn forty_thousand_identical_headings_load_with_unique_anchors() {
    let dir = ContentDir::new();
    let body = "## Same\n\n".repeat(40_000);
    dir.write(
        "blog/many.md",
        format!("---\ntitle: M\ndate: 2024-01-01\n---\n{body}"),
    );
    let path = dir.path().to_path_buf();
    let index = within("load", move || sshfolio::content::load(&path)).unwrap();
    let ids = ids(&index.posts[0].body.blocks);
    assert_eq!(ids.len(), 40_000);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 40_000);
    assert_eq!(ids[0], "same");
    assert_eq!(ids[39_999], "same-39999");
}

/// A site of one good post and `blog/<name>.md` (four lines of front matter, then
/// `body`) that must fail to load: the site, that file's path, and the diagnostics.
fn failing_load(name: &str, body: &str) -> (ContentDir, PathBuf, Vec<Diagnostic>) {
    let dir = ContentDir::new();
    dir.write("blog/ok.md", POST);
    let file = dir.write(
        &format!("blog/{name}.md"),
        format!("---\ntitle: T\ndate: 2024-01-01\n---\n{body}"),
    );
    let err = sshfolio::content::load(dir.path()).unwrap_err();
    (dir, file, err.diagnostics)
}

/// Some diagnostic, printed, starts with `want`.
fn assert_diagnosed(diagnostics: &[Diagnostic], want: &str) {
    assert!(
        diagnostics.iter().any(|d| d.to_string().starts_with(want)),
        "{diagnostics:?}"
    );
}

#[test]
fn a_document_over_its_budget_is_an_error_with_path_and_line() {
    let body = "# h\n".repeat(sshfolio::content::markdown::MAX_HEADINGS + 1);
    let (_dir, file, diagnostics) = failing_load("huge", &body);
    let line = 4 + sshfolio::content::markdown::MAX_HEADINGS + 1;
    let want = format!("{}:{line}:1: document too large: more than", file.display());
    assert_diagnosed(&diagnostics, &want);

    // A wide header over many short rows: the padding counts.
    let cols = 1000;
    let header = format!("{}|\n{}|\n", "|h".repeat(cols), "|-".repeat(cols));
    let rows = "|x|\n".repeat(sshfolio::content::markdown::MAX_TABLE_CELLS / cols + 10);
    let (_dir, file, diagnostics) = failing_load("table", &format!("{header}{rows}"));
    assert!(
        diagnostics
            .iter()
            .any(|d| d.path == file && d.message.contains("table cells") && d.line > 5),
        "{diagnostics:?}"
    );
}

#[test]
fn nesting_over_the_budget_is_an_error_with_path_and_line() {
    let deep = ">".repeat(sshfolio::content::markdown::MAX_DEPTH + 1);
    let (dir, file, diagnostics) = failing_load("deep", &format!("Intro.\n\n{deep} too deep\n"));
    let want = format!("{}:7:1: document too deep:", file.display());
    assert_diagnosed(&diagnostics, &want);
    // `check` says so and fails.
    let out = util::sshfolio(&["check", "--content", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains(&want), "{stderr}");
}

/// A post showing `/images/NAME` for each of `names`.
fn post_with_images(dir: &ContentDir, names: &[&str]) {
    let body: String = names
        .iter()
        .map(|n| format!("![{n}](/images/{n})\n\n"))
        .collect();
    dir.write(
        "blog/pics.md",
        format!("---\ntitle: P\ndate: 2024-01-01\n---\n{body}"),
    );
}

#[test]
fn image_files_are_opened_like_content_files() {
    let outside = ContentDir::new();
    let secret = outside.write("secret.png", crate::images::png(8, 8));
    let dir = site();
    dir.write("images/ok.png", crate::images::png(8, 8));
    mkfifo(&dir.path().join("images/pipe.png"));
    std::os::unix::fs::symlink(&secret, dir.path().join("images/out.png")).unwrap();
    std::os::unix::fs::symlink("ok.png", dir.path().join("images/in.png")).unwrap();
    // Over the 8 MiB cap (sparse: the size alone refuses it, nothing is read).
    let big = std::fs::File::create(dir.path().join("images/big.png")).unwrap();
    big.set_len(sshfolio::content::images::MAX_BYTES + 1)
        .unwrap();
    post_with_images(
        &dir,
        &["ok.png", "pipe.png", "out.png", "in.png", "big.png"],
    );

    let path = dir.path().to_path_buf();
    let index = within("load", move || sshfolio::content::load(&path)).unwrap();
    let mut shown: Vec<&str> = index.images.keys().map(String::as_str).collect();
    shown.sort();
    assert_eq!(shown, ["/images/in.png", "/images/ok.png"]);
    let warnings: Vec<String> = index.warnings.iter().map(|w| w.to_string()).collect();
    let warned = |name: &str, what: &str| {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(name) && w.contains(what)),
            "{name}: {what}: {warnings:?}"
        );
    };
    warned("pipe.png", "not a regular file");
    warned("out.png", "--follow-symlinks");
    warned("big.png", "larger than 8 MiB");

    let followed = sshfolio::content::load_with(
        dir.path(),
        LoadOptions {
            follow_symlinks: true,
        },
    )
    .unwrap();
    assert!(followed.images.contains_key("/images/out.png"));

    // `check` finishes beside the FIFO and says the same.
    let path = dir.path().to_str().unwrap().to_string();
    let out = within("check", move || {
        util::sshfolio(&["check", "--content", &path])
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("pipe.png") && stderr.contains("out.png"),
        "{stderr}"
    );
}
