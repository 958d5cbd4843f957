//! Content that carries control characters (raw, as YAML escapes, as HTML entities,
//! in a Nuxt payload) never reaches a guest: not through the plain commands, not
//! through `--json`, not on the TUI's screen, not into imported files; `check` names
//! each with `path:line:col`.

use std::sync::Arc;

use sshfolio::commands::run;
use sshfolio::content::Index;
use sshfolio::content::clean::is_forbidden;

use crate::util::{self, ContentDir, Term, TestServer};

/// OSC 52 (clipboard write), a title change, a screen clear, C1 CSI, DEL, bidi.
const EVIL: &str = "\x1b]52;c;cHduZWQ=\x07\x1b]0;owned\x07\x1b[2J\u{9b}2J\x7f\u{202e}\u{2066}";

fn hostile_site() -> ContentDir {
    let dir = ContentDir::new();
    dir.write(
        "site.yml",
        format!("name: \"Evil\\e]0;t\\a Site\"\ntagline: tag{EVIL}line\nabout: |\n  about{EVIL}\n"),
    );
    dir.write(
        "projects/rack.md",
        format!(
            "---\ntitle: Rack{EVIL}\ndescription: \"d\\x9b2J\\u202Eesc\"\nregion: EU{EVIL}\nliveUrl: https://x.org/{EVIL}\ncustom: \"c\\e[2J\"\n---\n# Head{EVIL}\n\nBody &#27;]52;c;eA==&#7; and &#x9b;2J and &#x202E;.\n\n```sh\necho {EVIL}ok\n```\n\n[link{EVIL}](https://x.org/{EVIL})\n"
        ),
    );
    dir.write(
        "blog/post.md",
        format!(
            "---\ntitle: \"Post\\e]52;c;eA==\\a\"\ndate: 2024-01-01\ntags: [\"t\\u202E\", \"x{EVIL}\"]\nreadTime: 1{EVIL}\n---\nText {EVIL} more.\n\n| a{EVIL} | b |\n|--|--|\n| 1{EVIL} | 2 |\n"
        ),
    );
    dir.write(
        "stories/01-s.yml",
        format!("label: \"S\\e[2J\"\ntext: t{EVIL}\nlink: https://x.org/{EVIL}\n"),
    );
    dir
}

fn assert_clean(what: &str, s: &str) {
    if let Some(c) = s.chars().find(|c| is_forbidden(*c)) {
        panic!("{what}: {c:?} in {s:?}");
    }
}

#[test]
fn every_plain_and_json_command_is_clean() {
    let dir = hostile_site();
    let index = sshfolio::content::load(dir.path()).unwrap();
    for cmd in [
        "",
        "help",
        "projects",
        "blog",
        "stories",
        "show rack",
        "show post",
        "projects --json",
        "blog --json",
        "stories --json",
        "show rack --json",
        "show post --json",
    ] {
        let out = run(&index, cmd);
        assert_eq!(out.status, 0, "{cmd}: {}", out.stderr);
        assert_clean(cmd, &out.stdout);
        // JSON escapes C0 as \u001b: the decoded strings must be clean too.
        if cmd.ends_with("--json") {
            let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            assert_clean(cmd, &v.to_string());
            assert!(
                !out.stdout.contains("\\u001b") && !out.stdout.contains("\\u0007"),
                "{cmd}"
            );
        }
    }
    // What was around the controls is still there.
    let show = run(&index, "show rack").stdout;
    assert!(
        show.contains("echo ]52;c;cHduZWQ=]0;owned[2J2Jok"),
        "{show}"
    );
    assert!(run(&index, "").stdout.contains("Evil]0;t Site"));
}

#[test]
fn check_warns_with_path_line_col_and_still_passes() {
    let dir = hostile_site();
    let out = util::sshfolio(&["check", "--content", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_clean("check", &err);
    let rack = dir.path().join("projects/rack.md");
    // `title: Rack<ESC>`: line 2, the ESC is the 12th character.
    assert!(
        err.contains(&format!(
            "{}:2:12: warning: control character U+001B removed",
            rack.display()
        )),
        "{err}"
    );
    // A YAML escape: pointed at its key's value.
    assert!(
        err.contains(&format!(
            "{}:3:14: warning: control characters removed from `description`",
            rack.display()
        )),
        "{err}"
    );
    // An entity in the body: its own line and column.
    assert!(
        err.contains(&format!(
            "{}:10:6: warning: character reference to control character U+001B removed",
            rack.display()
        )),
        "{err}"
    );
    let site = dir.path().join("site.yml");
    assert!(
        err.contains(&format!(
            "{}:1:7: warning: control characters removed from `name`",
            site.display()
        )),
        "{err}"
    );
}

#[test]
fn the_index_holds_no_control_character_anywhere() {
    let dir = hostile_site();
    let index = sshfolio::content::load(dir.path()).unwrap();
    // Debug output escapes controls; look at the values themselves through JSON and
    // the document's plain text.
    for p in &index.posts {
        assert_clean(
            "post",
            &format!("{}{}{:?}{:?}", p.title, p.description, p.tags, p.read_time),
        );
    }
    for p in &index.projects {
        assert_clean(
            "project",
            &format!("{}{}{:?}{:?}", p.title, p.description, p.region, p.live_url),
        );
    }
    assert_clean(
        "site",
        &format!("{}{}", index.site.name, index.site.tagline),
    );
    for s in &index.stories {
        assert_clean("story", &format!("{}{}{:?}", s.label, s.text, s.link));
    }
    for src in index.sources.values() {
        assert_clean("markdown", &src.markdown);
        assert_clean("front", &serde_json::to_string(&src.front).unwrap());
    }
}

#[tokio::test]
async fn over_ssh_plain_commands_send_no_control_bytes() {
    let dir = hostile_site();
    let server = TestServer::start().await;
    server
        .index
        .send_replace(Arc::new(sshfolio::content::load(dir.path()).unwrap()));
    for cmd in [
        "",
        "projects",
        "blog",
        "stories",
        "show rack",
        "show post --json",
        "help",
    ] {
        let out = util::exec(server.addr, cmd).await;
        assert_eq!(out.status, Some(0), "{cmd}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_clean(cmd, &text);
    }
    server.stop().await;
}

/// The bytes a guest's terminal would act on: OSC, C1, bidi controls.
fn assert_screen_bytes_clean(raw: &[u8]) {
    let s = String::from_utf8_lossy(raw);
    assert!(!s.contains("\x1b]52"), "OSC 52 reached the terminal");
    assert!(
        !s.contains("\x1b]0;"),
        "a title change reached the terminal"
    );
    for c in ['\u{9b}', '\u{202e}', '\u{2066}', '\x7f', '\x07'] {
        assert!(!s.contains(c), "{c:?} reached the terminal");
    }
}

#[tokio::test]
async fn the_tui_draws_hostile_content_without_its_controls() {
    let dir = hostile_site();
    let server = TestServer::start().await;
    let index: Index = sshfolio::content::load(dir.path()).unwrap();
    server.index.send_replace(Arc::new(index));
    let mut t = Term::open(server.addr, 100, 30, Some("projects/rack")).await;
    t.wait_for("echo ]52;c;cHduZWQ=").await;
    assert_screen_bytes_clean(&t.raw);
    let mut t2 = Term::open(server.addr, 100, 30, Some("blog/post")).await;
    t2.wait_for("more.").await;
    assert_screen_bytes_clean(&t2.raw);
    let mut home = Term::open(server.addr, 100, 30, None).await;
    home.wait_for("Evil").await;
    home.send(b"4").await;
    home.wait_for("S[2J").await;
    assert_screen_bytes_clean(&home.raw);
    server.stop().await;
}

#[test]
fn import_of_a_hostile_payload_writes_no_control_character() {
    // The seed payload with controls appended to every prose string (strings with a
    // space: titles, descriptions, text; never stems, dates or keys).
    let text = std::fs::read_to_string(util::seed_payload()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut poisoned = 0;
    if let Some(items) = v.as_array_mut() {
        for item in items {
            if let serde_json::Value::String(s) = item
                && s.contains(' ')
            {
                s.push_str(EVIL);
                poisoned += 1;
            }
        }
    }
    assert!(poisoned > 20);
    let src = ContentDir::new();
    let payload = src.write("_payload.json", serde_json::to_vec(&v).unwrap());
    let out = ContentDir::new();
    sshfolio::content::import::import_nuxt(&payload, out.path(), true).unwrap();
    let mut files = 0;
    let mut stack = vec![out.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            assert_clean(&p.display().to_string(), &text);
            // Nor escapes that decode to them.
            for esc in [
                "\\e]", "\\e[", "\\x1b", "\\x9b", "\\u001b", "\\u202e", "\\u202E", "\\x7f", "\\a\"",
            ] {
                assert!(!text.contains(esc), "{}: {esc}", p.display());
            }
            files += 1;
        }
    }
    assert!(files > 15);
    let index = sshfolio::content::load(out.path()).unwrap();
    assert!(
        !index.warnings.iter().any(|w| w.message.contains("control")),
        "{:?}",
        index.warnings
    );
}
