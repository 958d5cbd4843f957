//! `show` and `--json` against the original site, and the errors a guest sees, over
//! real SSH: every code line of every seed page whole, `markdown` equal to the file's
//! body, every front matter field in the listings, errors that name the mistake.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use sshfolio::commands::run;
use sshfolio::content::doc::all_blocks;
use sshfolio::content::{Block, Index, PageRef};

use russh::ChannelMsg;

use crate::util::{self, ContentDir, TestServer};

/// The seed payload imported and loaded (the importer decodes the payload).
fn seed_site() -> (ContentDir, Index) {
    let dir = ContentDir::new();
    sshfolio::content::import::import_nuxt(&util::seed_payload(), dir.path(), true).unwrap();
    let index = sshfolio::content::load(dir.path()).unwrap();
    (dir, index)
}

/// Every code block's lines in a body, in order.
fn code_lines(blocks: &[Block]) -> Vec<String> {
    all_blocks(blocks)
        .into_iter()
        .filter_map(|b| match b {
            Block::Code { code, .. } => Some(code.lines().map(str::to_string)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The page keys of a site (`projects/<slug>`, `blog/<slug>`), sorted.
fn keys(index: &Index) -> Vec<String> {
    let mut keys: Vec<String> = index.pages.keys().cloned().collect();
    keys.sort();
    keys
}

fn body_of_file(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    sshfolio::content::frontmatter::split(&text)
        .unwrap()
        .body
        .to_string()
}

#[test]
fn show_of_every_seed_page_keeps_every_code_line_whole() {
    let (_dir, index) = seed_site();
    assert_eq!(index.pages.len(), 15, "the seed has 15 pages");
    let mut checked = 0;
    for key in keys(&index) {
        let page = index.find(&key).unwrap();
        let out = run(&index, &format!("show {key}"));
        assert_eq!(out.status, 0, "{key}: {}", out.stderr);
        let shown: Vec<&str> = out.stdout.lines().collect();
        for line in code_lines(&index.body(page).unwrap().blocks) {
            let line = line.strip_suffix('\r').unwrap_or(&line);
            // Whole and byte for byte; inside a list only spaces may come before it.
            let found = shown.iter().any(|l| {
                l.strip_suffix(line)
                    .is_some_and(|before| before.chars().all(|c| c == ' '))
            });
            assert!(
                found,
                "{key}: code line {line:?} is not whole in:\n{}",
                out.stdout
            );
            checked += 1;
        }
        assert!(
            !out.stdout.contains('…'),
            "{key} cut something:\n{}",
            out.stdout
        );
    }
    assert!(checked > 100, "only {checked} code lines in the seed?");
}

#[test]
fn the_mtu_fix_survives_show() {
    let (_dir, index) = seed_site();
    let out = run(&index, "show mtu-troubleshooting-blog");
    // Prose wraps at 80 columns; only code lines may be wider.
    let code = code_lines(
        &index
            .body(index.find("mtu-troubleshooting-blog").unwrap())
            .unwrap()
            .blocks,
    );
    let fix: Vec<&String> = code
        .iter()
        .filter(|c| c.contains("--clamp-mss-to-pmtu"))
        .collect();
    assert!(!fix.is_empty());
    for line in fix {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.trim_start() == line.trim_start()),
            "{line}\n{}",
            out.stdout
        );
    }
    for l in out.stdout.lines() {
        let w = sshfolio::render::width::str_width(l);
        assert!(
            w <= 80 || code.iter().any(|c| l.ends_with(c.as_str())),
            "{w}: {l}"
        );
    }
    let narrow = run(&index, "show mtu-troubleshooting-blog --width 50");
    assert!(narrow.stdout.contains("--clamp-mss-to-pmtu"));
    assert!(
        narrow
            .stdout
            .lines()
            .filter(|l| !code.iter().any(|c| l.ends_with(c.as_str())))
            .all(|l| sshfolio::render::width::str_width(l) <= 50)
    );
}

#[test]
fn show_json_is_data_and_markdown_is_the_file_body() {
    let (dir, index) = seed_site();
    for key in keys(&index) {
        let out = run(&index, &format!("show {key} --json"));
        assert_eq!(out.status, 0, "{key}");
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        let file = match index.find(&key).unwrap() {
            PageRef::Project(i) => index.projects[i].source.clone(),
            PageRef::Post(i) => index.posts[i].source.clone(),
        };
        assert!(file.starts_with(dir.path()));
        assert_eq!(
            v["markdown"].as_str().unwrap(),
            body_of_file(&file),
            "{key}"
        );
        assert!(v["title"].is_string() && v["slug"].is_string());
        assert_eq!(
            v["text"].as_str().unwrap(),
            sshfolio::commands::show::body(&index, index.find(&key).unwrap(), 80).as_str()
        );
        let page = index.find(&key).unwrap();
        let headings = v["headings"].as_array().unwrap();
        let n = index
            .body(page)
            .unwrap()
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Heading { .. }))
            .count();
        assert!(headings.len() >= n, "{key}");
        for h in headings {
            assert!(h["level"].is_u64() && h["text"].is_string() && h["anchor"].is_string());
        }
        assert!(v["links"].is_array());
    }
    let v: Value =
        serde_json::from_str(&run(&index, "show mtu-troubleshooting-blog --json").stdout).unwrap();
    assert!(
        v["markdown"]
            .as_str()
            .unwrap()
            .contains("--clamp-mss-to-pmtu")
    );
    assert!(
        v.get("body").is_none(),
        "`body` is gone: `markdown` and `text` replace it"
    );
}

#[test]
fn listings_in_json_carry_every_front_matter_field() {
    let dir = ContentDir::new();
    dir.write(
        "blog/p.md",
        "---\ntitle: P\ndate: 2024-01-02\nnavigation: false\nseo:\n  title: S\ncustom: [1, 2]\n---\nBody\n",
    );
    dir.write(
        "projects/x.md",
        "---\ntitle: X\nhash: abc\nextra: yes\n---\nBody\n",
    );
    dir.write("stories/01-a.yml", "label: A\nmood: calm\n");
    let index = sshfolio::content::load(dir.path()).unwrap();
    let blog: Value = serde_json::from_str(&run(&index, "blog --json").stdout).unwrap();
    assert_eq!(blog[0]["date"], "2024-01-02");
    assert_eq!(blog[0]["navigation"], false);
    assert_eq!(blog[0]["seo"]["title"], "S");
    assert_eq!(blog[0]["custom"], serde_json::json!([1, 2]));
    let projects: Value = serde_json::from_str(&run(&index, "projects --json").stdout).unwrap();
    assert_eq!(projects[0]["hash"], "abc");
    assert_eq!(projects[0]["extra"], "yes");
    let stories: Value = serde_json::from_str(&run(&index, "stories --json").stdout).unwrap();
    assert_eq!(stories[0]["mood"], "calm");
}

async fn seed_server() -> (ContentDir, TestServer) {
    let (dir, index) = seed_site();
    let server = TestServer::start().await;
    server.index.send_replace(Arc::new(index));
    (dir, server)
}

#[tokio::test]
async fn show_over_ssh_loops_over_every_page() {
    let (_dir, server) = seed_server().await;
    let index = server.index.borrow().clone();
    for key in keys(&index) {
        let slug = key.split_once('/').unwrap().1;
        let out = util::exec(server.addr, &format!("show {slug}")).await;
        assert_eq!(out.status, Some(0), "{slug}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text, run(&index, &format!("show {slug}")).stdout, "{slug}");
    }
    server.stop().await;
}

#[tokio::test]
async fn errors_name_the_mistake_over_ssh() {
    let (_dir, server) = seed_server().await;
    let err = |o: &util::Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let o = util::exec(server.addr, "blog --xml").await;
    assert_eq!(o.status, Some(2));
    assert_eq!(
        err(&o),
        "sshfolio: unknown option '--xml' for 'blog'; try 'help'\n"
    );

    let o = util::exec(server.addr, "show nope").await;
    assert_eq!(o.status, Some(1));
    assert!(
        err(&o).starts_with("sshfolio: no page 'nope'"),
        "{}",
        err(&o)
    );

    let o = util::exec(server.addr, "blog/mtu-troubleshooting-blog").await;
    assert_eq!(o.status, Some(2));
    let e = err(&o);
    assert!(
        e.contains("ssh -t") && e.contains("show mtu-troubleshooting-blog"),
        "{e}"
    );

    let o = util::exec(server.addr, "blog/nope").await;
    assert_eq!(o.status, Some(1));
    assert!(
        err(&o).starts_with("sshfolio: no page 'nope'"),
        "{}",
        err(&o)
    );

    let o = util::exec(server.addr, "cat /etc/passwd").await;
    assert_eq!(o.status, Some(2));
    assert_eq!(err(&o), "sshfolio: unknown command 'cat'; try 'help'\n");

    // With a terminal (`ssh -t host blog/nope`), a deep link to no page says so and
    // exits 1 instead of opening the UI.
    let conn = util::connect(server.addr, util::Login::None).await;
    let mut ch = conn.channel_open_session().await.unwrap();
    ch.request_pty(true, "xterm-256color", 80, 24, 0, 0, &[])
        .await
        .unwrap();
    ch.exec(true, "blog/nope").await.unwrap();
    let (mut all, mut status) = (Vec::new(), None);
    tokio::time::timeout(util::WAIT, async {
        while let Some(msg) = ch.wait().await {
            match msg {
                ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } => {
                    all.extend_from_slice(&data)
                }
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::Close => break,
                _ => {}
            }
        }
    })
    .await
    .unwrap();
    let all = String::from_utf8_lossy(&all);
    assert!(all.starts_with("sshfolio: no page 'nope'"), "{all:?}");
    assert!(
        !all.contains("\x1b[?1049h"),
        "the UI must not open: {all:?}"
    );
    assert_eq!(status, Some(1));
    server.stop().await;
}

#[tokio::test]
async fn plain_index_and_listings_fit_80_columns() {
    let (_dir, server) = seed_server().await;
    for cmd in ["", "projects", "blog", "stories", "help"] {
        let out = util::exec(server.addr, cmd).await;
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(
                sshfolio::render::width::str_width(line) <= 80,
                "{cmd:?}: {line}"
            );
        }
    }
    server.stop().await;
}
