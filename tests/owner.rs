//! The owner's side (issue 15): `sshfolio init`, visitor analytics in SQLite, `stats`
//! (replicas merged; over SSH for owner keys), `--identify-guests`. Real servers (the
//! binary or in-process), real SSH clients, real SQLite files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use russh::client;
use russh::keys::{Algorithm, PrivateKey, PrivateKeyWithHashAlg};
use sshfolio::ssh::owner::OwnerSide;
use sshfolio::stats::{self, StatsOptions};

use crate::util::child::{Run, Spawned, serve_command};
use crate::util::{self, Client, Conn, Login, Term, TestServer, exec_on, http_get, metric};

/// An in-process server recording to `data`, with `keys/owners` beside its host key.
pub(crate) struct Site {
    pub(crate) server: TestServer,
    owner: OwnerSide,
    tmp: tempfile::TempDir,
}

impl Site {
    pub(crate) async fn start(identify_guests: bool) -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let keys = tmp.path().join("keys");
        let data = tmp.path().join("data");
        let owner = OwnerSide {
            recorder: stats::start(StatsOptions::new(&data)),
            identify_guests,
            owners: Some(keys.join(stats::owners::OWNERS_FILE)),
            data: Some(data),
        };
        let server = TestServer::start_owner(&keys, util::test_limits(), owner.clone()).await;
        Site { server, owner, tmp }
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    /// Commit everything recorded so far.
    async fn flush(&self) {
        self.owner.recorder.flush().await;
    }

    pub(crate) async fn stop(self) -> tempfile::TempDir {
        self.server.stop().await;
        self.owner.recorder.flush().await;
        self.tmp
    }
}

fn random_key() -> PrivateKey {
    PrivateKey::random(&mut russh::keys::key::safe_rng(), Algorithm::Ed25519).unwrap()
}

/// Log in with `key`.
async fn connect_key(addr: SocketAddr, key: &PrivateKey) -> Conn {
    let mut h = util::connect_raw(addr, Client::default()).await;
    let ok = h
        .authenticate_publickey(
            "guest",
            PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None),
        )
        .await
        .unwrap()
        .success();
    assert!(ok, "key login refused");
    h
}

/// `sshfolio stats --json --data D…` as JSON.
pub(crate) fn stats_json(dirs: &[&Path], extra: &[&str]) -> serde_json::Value {
    let mut cmd = util::bin();
    cmd.args(["stats", "--json"]);
    for d in dirs {
        cmd.arg("--data").arg(d);
    }
    let out = cmd
        .args(extra)
        .env_remove("SSHFOLIO_DATA")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stats failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count_of(list: &serde_json::Value, value: &str) -> u64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"] == value)
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

#[test]
fn init_makes_a_site_that_check_passes_and_refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = util::bin()
        .arg("init")
        .arg(&site)
        .args([
            "--name",
            "Ada Lovelace",
            "--tagline",
            "Engines & \"notes\": yes",
        ])
        .args([
            "--link",
            "GitHub=https://github.com/ada",
            "--link",
            "Mail=mailto:ada@example.com",
        ])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("{}/site.yml", site.display())),
        "{said}"
    );
    assert!(
        said.contains(&format!("sshfolio serve --content {}", site.display())),
        "{said}"
    );

    let check = util::bin()
        .args(["check", "--content"])
        .arg(&site)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    crate::util::assert_ok(&check);
    assert!(
        text.contains("1 projects, 1 posts, 1 stories, 0 warning(s)"),
        "{text}"
    );
    let index = sshfolio::content::load(&site).unwrap();
    assert_eq!(index.site.name, "Ada Lovelace");
    assert_eq!(index.site.tagline, "Engines & \"notes\": yes");
    assert_eq!(index.site.links.len(), 2);

    // Again into the same (now non-empty) directory: refused, nothing changed.
    std::fs::write(site.join("site.yml"), "name: Mine\n").unwrap();
    let again = util::bin().arg("init").arg(&site).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(site.join("site.yml")).unwrap(),
        "name: Mine\n"
    );
    let forced = util::bin()
        .arg("init")
        .arg(&site)
        .arg("--force")
        .output()
        .unwrap();
    assert!(forced.status.success());
    assert!(
        std::fs::read_to_string(site.join("site.yml"))
            .unwrap()
            .contains("Your Name")
    );
}

/// `serve --listen 127.0.0.1:0 --content CONTENT --keys ROOT/keys ARGS`, with
/// `--data ROOT/data` unless ARGS name one.
fn serve_site(content: &Path, root: &Path, args: &[&str]) -> Spawned {
    let mut cmd = serve_command();
    cmd.arg("--content")
        .arg(content)
        .arg("--keys")
        .arg(root.join("keys"));
    if !args.contains(&"--data") {
        cmd.arg("--data").arg(root.join("data"));
    }
    cmd.args(args).env("RUST_LOG", "info,russh=warn");
    Run::new().serve(cmd)
}

#[tokio::test]
async fn the_starter_site_is_served_over_ssh() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = util::bin()
        .arg("init")
        .arg(&site)
        .args(["--name", "Ada Lovelace", "--tagline", "Engines and notes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let serve = serve_site(&site, tmp.path(), &[]);
    let mut term = Term::open(serve.addr, 100, 30, None).await;
    term.wait_for("Ada Lovelace").await;
    term.wait_for("Hello, terminal").await;
    term.wait_for("My First Project").await;
    let blog = util::exec(serve.addr, "show hello").await;
    let text = String::from_utf8_lossy(&blog.stdout);
    assert!(
        text.contains("Programs must be written for people"),
        "{text}"
    );
    assert!(text.contains("println!"), "{text}");
}

#[tokio::test]
async fn visits_are_recorded_and_counted_by_stats_json() {
    let site = Site::start(false).await;
    for cmd in ["blog", "projects", "show hello"] {
        let out = util::exec(site.server.addr, cmd).await;
        assert_eq!(out.status, Some(0));
    }
    let mut term = Term::open(site.server.addr, 100, 30, None).await;
    term.wait_for("Test Folio").await;
    term.send(b"q").await;
    term.wait_closed().await;
    let tmp = site.stop().await;
    let report = stats_json(&[&tmp.path().join("data")], &[]);
    assert_eq!(report["totals"]["visits"], 4, "{report:#}");
    // All from 127.0.0.1 today, without a key: one visitor.
    assert_eq!(report["totals"]["visitors"], 1, "{report:#}");
    // The client's version string, as it sent it.
    let client = &report["clients"][0];
    assert_eq!(client["count"], 4, "{report:#}");
    assert!(
        client["value"]
            .as_str()
            .unwrap()
            .starts_with("SSH-2.0-russh"),
        "{report:#}"
    );
    assert_eq!(count_of(&report["terminals"]["term"], "xterm-256color"), 1);
    assert_eq!(count_of(&report["terminals"]["size"], "100x30"), 1);
    let today = report["days"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(today["visits"], 4, "{report:#}");
    // The text form draws the days as bars.
    let text = util::bin()
        .args(["stats", "--data"])
        .arg(tmp.path().join("data"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("VISITORS PER DAY"), "{text}");
    assert!(text.contains('█'), "{text}");
}

#[tokio::test]
async fn two_databases_merge() {
    let a = Site::start(false).await;
    let b = Site::start(false).await;
    util::exec(a.server.addr, "blog").await;
    for _ in 0..2 {
        util::exec(b.server.addr, "projects").await;
    }
    let (ta, tb) = (a.stop().await, b.stop().await);
    let (da, db) = (ta.path().join("data"), tb.path().join("data"));
    let one = stats_json(&[&da], &[]);
    assert_eq!(one["totals"]["visits"], 1);
    let both = stats_json(&[&da, &db], &["--since", "24h"]);
    assert_eq!(both["databases"], 2);
    assert_eq!(both["totals"]["visits"], 3, "{both:#}");
    // Each replica has its own secret, so the same address is a visitor in each.
    assert_eq!(both["totals"]["visitors"], 2, "{both:#}");
    // The database files themselves are accepted too.
    let files = stats_json(&[&da.join("stats.sqlite"), &db.join("stats.sqlite")], &[]);
    assert_eq!(files["totals"]["visits"], 3);
    // A missing replica is an error naming it, not a silent zero.
    let out = util::bin()
        .args(["stats", "--data"])
        .arg(ta.path().join("nope"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

#[tokio::test]
async fn no_address_and_no_key_is_stored() {
    let site = Site::start(false).await;
    let key = random_key();
    let conn = connect_key(site.server.addr, &key).await;
    assert_eq!(exec_on(&conn, "blog").await.status, Some(0));
    util::exec(site.server.addr, "projects").await;
    let data = site.data();
    let tmp = site.stop().await;
    let mut bytes = Vec::new();
    for f in ["stats.sqlite", "stats.sqlite-wal"] {
        bytes.extend(std::fs::read(data.join(f)).unwrap_or_default());
    }
    let conn = stats::store::open_for_reading(&data).unwrap();
    let visits: i64 = conn
        .query_row("SELECT COUNT(*) FROM visits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(visits, 2, "both visits were recorded");
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(b"127.0.0.1"),
        "the client's address is in the database"
    );
    let public = key.public_key();
    let raw = public.key_data().ed25519().unwrap().0;
    assert!(!contains(&raw), "the raw key is in the database");
    let openssh = public.to_openssh().unwrap();
    let b64 = openssh.split_whitespace().nth(1).unwrap();
    assert!(
        !contains(b64.as_bytes()),
        "the key's base64 is in the database"
    );
    drop(tmp);
}

#[tokio::test]
async fn owners_get_stats_over_ssh_and_strangers_an_unknown_command() {
    let site = Site::start(false).await;
    let owner = random_key();
    std::fs::write(
        site.server.keys.join("owners"),
        format!(
            "# the owner\n{} owner@laptop\n",
            owner.public_key().to_openssh().unwrap()
        ),
    )
    .unwrap();
    util::exec(site.server.addr, "blog").await;
    site.flush().await;

    let conn = connect_key(site.server.addr, &owner).await;
    let out = exec_on(&conn, "stats --json --since 2d").await;
    assert_eq!(
        out.status,
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["totals"]["visits"], 1, "{report:#}");
    let conn = connect_key(site.server.addr, &owner).await;
    let text = exec_on(&conn, "stats").await;
    assert!(String::from_utf8_lossy(&text.stdout).contains("VISITORS PER DAY"));

    let stranger = random_key();
    let conn = connect_key(site.server.addr, &stranger).await;
    let out = exec_on(&conn, "stats").await;
    assert_eq!(out.status, Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sshfolio: unknown command 'stats'; try 'help'\n"
    );
    let keyless = util::exec(site.server.addr, "stats").await;
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("unknown command 'stats'"));
    site.stop().await;
}

#[tokio::test]
async fn identify_guests_asks_for_a_key_and_lets_keyless_clients_in_without_a_prompt() {
    let site = Site::start(true).await;
    let addr = site.server.addr;
    let mut h = util::connect_raw(addr, Client::default()).await;
    match h.authenticate_none("guest").await.unwrap() {
        client::AuthResult::Failure {
            remaining_methods, ..
        } => {
            let names: Vec<&str> = remaining_methods.iter().map(|m| m.into()).collect();
            assert!(names.contains(&"publickey"), "{names:?}");
            assert!(names.contains(&"keyboard-interactive"), "{names:?}");
            assert!(!names.contains(&"none"), "{names:?}");
        }
        other => panic!("none was accepted: {other:?}"),
    }
    // Keyless clients get in through keyboard-interactive with no prompt…
    let conn = util::connect(addr, Login::KeyboardInteractive).await;
    assert_eq!(exec_on(&conn, "blog").await.status, Some(0));
    // …and a key is accepted, whatever it is.
    let conn = util::connect(addr, Login::PublicKey).await;
    assert_eq!(exec_on(&conn, "blog").await.status, Some(0));
    site.stop().await;

    // Without the flag, `none` is accepted at once.
    let plain = Site::start(false).await;
    let mut h = util::connect_raw(plain.server.addr, Client::default()).await;
    assert!(h.authenticate_none("guest").await.unwrap().success());
    // …except for the login name `owner`, so an owner's client offers its key.
    let mut h = util::connect_raw(plain.server.addr, Client::default()).await;
    assert!(!h.authenticate_none("owner").await.unwrap().success());
    plain.stop().await;
}

/// The visitor id of a returning key is the same across visits; a keyless guest's is
/// marked as such.
#[tokio::test]
async fn a_returning_key_is_the_same_visitor() {
    let site = Site::start(true).await;
    let key = random_key();
    for _ in 0..2 {
        let conn = connect_key(site.server.addr, &key).await;
        exec_on(&conn, "blog").await;
    }
    let conn = util::connect(site.server.addr, Login::KeyboardInteractive).await;
    exec_on(&conn, "blog").await;
    let data = site.data();
    let tmp = site.stop().await;
    let conn = stats::store::open_for_reading(&data).unwrap();
    let rows: Vec<(String, bool)> = conn
        .prepare("SELECT visitor, keyed FROM visits ORDER BY started")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    let keyed: Vec<_> = rows.iter().filter(|r| r.1).collect();
    assert_eq!(keyed.len(), 2);
    assert_eq!(keyed[0].0, keyed[1].0);
    assert!(rows.iter().any(|r| !r.1 && r.0 != keyed[0].0));
    drop(tmp);
}

fn repo_content() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content")
}

const MANY: &[&str] = &[
    "--max-per-ip",
    "1000",
    "--per-ip-rate",
    "1000",
    "--per-ip-burst",
    "1000",
    "--max-startups",
    "1000",
    "--max-startups-per-source",
    "1000",
];

/// Issue 15's crash test, scaled to run in seconds: 40 guests' visits end, more than
/// a second passes, then 60 guests browse while the server is killed with SIGKILL.
/// The database opens, passes `integrity_check`, and holds all 40 finished visits.
#[tokio::test]
async fn kill_9_while_guests_browse_keeps_a_sound_database_and_what_was_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut serve = serve_site(&repo_content(), tmp.path(), MANY);
    let addr = serve.addr;
    let done: Vec<_> = (0..40)
        .map(|_| tokio::spawn(async move { util::exec(addr, "blog").await.status }))
        .collect();
    for d in done {
        assert_eq!(d.await.unwrap(), Some(0));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut browsing = Vec::new();
    for i in 0..60u32 {
        let stop = stop.clone();
        browsing.push(tokio::spawn(async move {
            let conn = util::connect(addr, Login::None).await;
            let ch = conn.channel_open_session().await.unwrap();
            ch.request_pty(false, "xterm-256color", 80, 24, 0, 0, &[])
                .await
                .ok()?;
            ch.request_shell(false).await.ok()?;
            let keys: [&[u8]; 5] = [b"2", b"j", b"\r", b"3", b"\x1b"];
            let mut n = i as usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                ch.data(keys[n % keys.len()]).await.ok()?;
                n += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Some(())
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    serve.child.kill().unwrap(); // SIGKILL
    serve.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for b in browsing {
        let _ = b.await;
    }

    let db = rusqlite::Connection::open(tmp.path().join("data/stats.sqlite")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let finished: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM visits WHERE kind = 'exec' AND exec = 'blog' AND ended = 'exit 0'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(finished, 40, "{}", serve.log());
    let tui: i64 = db
        .query_row("SELECT COUNT(*) FROM visits WHERE kind = 'tui'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(tui <= 60);
}

/// A data directory that cannot be made: guests are served, one log line says why,
/// and the metric counts what was lost.
#[tokio::test]
async fn an_unusable_data_directory_still_serves_and_counts_the_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let bad = file.join("data");
    let mut args = vec!["--metrics", "127.0.0.1:0", "--data", bad.to_str().unwrap()];
    args.extend_from_slice(MANY);
    let mut serve = serve_site(&repo_content(), tmp.path(), &args);
    let line = serve.wait_log("metrics on http://");
    let at = line.find("http://").unwrap() + "http://".len();
    let maddr: SocketAddr = line[at..].split('/').next().unwrap().parse().unwrap();
    for _ in 0..3 {
        assert_eq!(util::exec(serve.addr, "blog").await.status, Some(0));
    }
    let m = http_get(maddr, "/metrics").await;
    assert!(metric(&m, "sshfolio_stats_dropped_total") >= 6, "{m}");
    let log = serve.log();
    let said: Vec<&str> = log.lines().filter(|l| l.contains("stats:")).collect();
    assert_eq!(said.len(), 1, "{log}");
    assert!(said[0].contains("serving without analytics"), "{log}");
}

/// A corrupt database is moved aside with a log line, and a new one records.
#[tokio::test]
async fn a_corrupt_database_is_moved_aside_and_a_new_one_started() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("data")).unwrap();
    std::fs::write(tmp.path().join("data/stats.sqlite"), vec![7u8; 4096]).unwrap();
    let mut serve = serve_site(&repo_content(), tmp.path(), &[]);
    let line = serve.wait_log("is corrupt");
    assert!(line.contains("moved to"), "{line}");
    assert_eq!(util::exec(serve.addr, "blog").await.status, Some(0));
    // SIGTERM: a clean shutdown commits what is pending.
    let term = std::process::Command::new("kill")
        .arg(serve.child.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    serve.child.wait().unwrap();
    let report = stats_json(&[&tmp.path().join("data")], &[]);
    assert_eq!(report["totals"]["visits"], 1, "{report:#}");
    let aside = std::fs::read_dir(tmp.path().join("data"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("stats.sqlite.corrupt-")
        })
        .expect("the corrupt file was kept aside");
    assert_eq!(std::fs::read(aside.path()).unwrap(), vec![7u8; 4096]);
}

/// Serve `index` from the site instead of the test index.
fn serve_index(site: &Site, index: sshfolio::content::Index) {
    site.server.index.send_replace(Arc::new(index));
}

#[tokio::test]
async fn page_views_and_searches_reach_stats_json_with_the_right_counts() {
    let site = Site::start(false).await;
    serve_index(&site, sshfolio::content::load(&repo_content()).unwrap());
    let mut t = Term::open(site.server.addr, 100, 30, None).await;
    t.wait_for("LATEST POSTS").await;
    // Two posts read from the blog list (the reader is the screen with a scrollbar).
    let reader = |s: &vt100::Screen| s.contents().contains('┃');
    t.send(b"3").await;
    t.wait_for("Welcome to My").await;
    t.send(b"\r").await;
    t.wait_for("@Joe thinks").await;
    t.send(b"\x1b").await;
    t.wait_until("the blog list", move |s| !reader(s)).await;
    t.send(b"j").await;
    t.send(b"\r").await;
    t.wait_until("the second post", reader).await;
    t.send(b"\x1b").await;
    t.wait_until("the blog list", move |s| !reader(s)).await;
    // …one search with results and one without, each left with Esc.
    for q in ["nuxt", "zzqxv"] {
        t.send(b"/").await;
        t.wait_for("╭ search").await;
        // The search screen keeps the last query; Ctrl-U clears it.
        t.send(b"\x15").await;
        t.wait_for("type to search").await;
        t.send(q.as_bytes()).await;
        t.wait_for(q).await;
        t.send(b"\x1b").await;
        t.wait_until("search closed", move |s| !s.contents().contains(q))
            .await;
    }
    t.send(b"q").await;
    t.wait_closed().await;
    let tmp = site.stop().await;
    let r = stats_json(&[&tmp.path().join("data")], &[]);
    assert_eq!(r["totals"]["page_views"], 2, "{r:#}");
    let pages: Vec<(String, u64)> = r["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!(
                    "{}/{}",
                    p["kind"].as_str().unwrap(),
                    p["slug"].as_str().unwrap()
                ),
                p["views"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        pages.contains(&("post/welcome-digital-sandbox".into(), 1)),
        "{pages:?}"
    );
    assert!(
        pages.contains(&("post/embedding-external-content".into(), 1)),
        "{pages:?}"
    );
    assert_eq!(r["totals"]["searches"], 2, "{r:#}");
    assert_eq!(count_of(&r["searches"], "nuxt"), 1, "{r:#}");
    assert_eq!(count_of(&r["no_results"], "zzqxv"), 1, "{r:#}");
    assert_eq!(count_of(&r["no_results"], "nuxt"), 0, "{r:#}");
    // Prometheus counts the same pages (process-wide, so at least these).
    let m = sshfolio::metrics::render();
    assert!(
        m.contains("sshfolio_page_views_total{kind=\"post\",slug=\"welcome-digital-sandbox\"}"),
        "{m}"
    );
}

/// A site with one long post (120 numbered paragraphs).
fn long_site() -> (util::ContentDir, sshfolio::content::Index) {
    let dir = util::ContentDir::new();
    dir.write("site.yml", "name: Long Folio\ntagline: t\n");
    let mut body =
        String::from("---\ntitle: The Long Read\ndescription: d\ndate: 2026-01-02\n---\n\n");
    for i in 1..=120 {
        body.push_str(&format!("Paragraph {i:03} of the long read.\n\n"));
    }
    dir.write("blog/long.md", body);
    let index = sshfolio::content::load(dir.path()).unwrap();
    (dir, index)
}

#[tokio::test]
async fn with_identify_guests_a_returning_key_is_offered_continue_reading() {
    let site = Site::start(true).await;
    let (_dir, index) = long_site();
    serve_index(&site, index);
    let addr = site.server.addr;
    let key = random_key();

    // First visit: open the post, read about a third of it, leave.
    let mut t = Term::open_on(connect_key(addr, &key).await, 100, 30, None).await;
    t.wait_for("Long Folio").await;
    t.send(b"3").await;
    t.wait_for("The Long Read").await;
    t.send(b"\r").await;
    t.wait_for("Paragraph 001").await;
    for _ in 0..2 {
        t.send(b" ").await; // a page down
    }
    t.wait_until("scrolled", |s| !s.contents().contains("Paragraph 001"))
        .await;
    t.send(b"q").await;
    t.wait_closed().await;

    // Another guest (no key) is not offered anything.
    let mut other = Term::open_on(
        util::connect(addr, Login::KeyboardInteractive).await,
        100,
        30,
        None,
    )
    .await;
    other.wait_for("Long Folio").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.wait_for("Long Folio").await;
    assert!(
        !other.screen().contains("Continue reading"),
        "{}",
        other.screen()
    );

    // The same key again: the offer on Home, and Enter opens the post at that place.
    let mut t = Term::open_on(connect_key(addr, &key).await, 100, 30, None).await;
    t.wait_for("Continue reading: The Long Read (").await;
    let shown = t.screen();
    let pct: u32 = shown
        .split("Continue reading: The Long Read (")
        .nth(1)
        .and_then(|r| r.split('%').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((10..95).contains(&pct), "{shown}");
    t.send(b"\r").await;
    t.wait_for("Paragraph").await;
    let screen = t.screen();
    assert!(
        !screen.contains("Paragraph 001"),
        "opened at the top:\n{screen}"
    );
    // The furthest paragraph seen is on screen again.
    let furthest = 120 * pct / 100;
    let near = (furthest.saturating_sub(2)..=furthest + 2)
        .any(|i| screen.contains(&format!("Paragraph {i:03}")));
    assert!(near, "not near paragraph {furthest}:\n{screen}");
    t.send(b"q").await;
    t.wait_closed().await;
    site.stop().await;
}

/// Run OpenSSH's `ssh` against `addr` with `opts`, then `command`; (status, stdout,
/// stderr). Fails (never skips) when `ssh` is missing: `.ci/run` installs it.
async fn openssh(addr: SocketAddr, opts: &[&str], command: &str) -> (bool, String, String) {
    let mut cmd = std::process::Command::new("ssh");
    cmd.args(["-F", "/dev/null", "-T", "-p"])
        .arg(addr.port().to_string())
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=10",
        ])
        .args(opts)
        .arg(format!("guest@{}", addr.ip()))
        .arg(command)
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("OpenSSH's ssh client is needed (apt-get install openssh-client)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The BatchMode trade the README explains, with the real OpenSSH client.
#[tokio::test]
async fn openssh_with_identify_guests_keyless_gets_in_silently_and_batchmode_needs_a_key() {
    let site = Site::start(true).await;
    let addr = site.server.addr;
    let nokey = ["-o", "PubkeyAuthentication=no", "-o", "IdentitiesOnly=yes"];
    let (ok, out, err) = openssh(addr, &nokey, "blog").await;
    assert!(ok, "keyless login failed: {err}");
    assert!(out.contains("Hello World"), "{out}");
    assert!(err.is_empty(), "a prompt or a warning: {err}");

    let mut batch = nokey.to_vec();
    batch.extend(["-o", "BatchMode=yes"]);
    let (ok, _, err) = openssh(addr, &batch, "blog").await;
    assert!(!ok);
    assert!(err.contains("Permission denied"), "{err}");

    let key = random_key();
    let file = site.tmp.path().join("id_ed25519");
    std::fs::write(
        &file,
        key.to_openssh(russh::keys::ssh_key::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let keyed = [
        "-i",
        file.to_str().unwrap(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
    ];
    let (ok, out, err) = openssh(addr, &keyed, "blog").await;
    assert!(ok, "key login failed: {err}");
    assert!(out.contains("Hello World"), "{out}");
    site.stop().await;

    // Without the flag, BatchMode and no key is fine.
    let plain = Site::start(false).await;
    let (ok, _, err) = openssh(plain.server.addr, &batch, "blog").await;
    assert!(ok, "{err}");
    plain.stop().await;
}
