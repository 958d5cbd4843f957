//! Reading like a browser (issue 14): full-text search on the seed and over SSH,
//! links between pages and `check`'s broken-link report.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sshfolio::content::PageRef;
use sshfolio::content::search::{Doc, Rank};

use crate::util::{ContentDir, LiveServer, Term, sshfolio};

fn seed() -> sshfolio::content::Index {
    sshfolio::content::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content")).unwrap()
}

/// The slugs of the posts a query finds, best first.
fn found(ix: &sshfolio::content::Index, q: &str) -> Vec<String> {
    ix.engine()
        .search(q)
        .iter()
        .filter_map(|h| match h.doc {
            Doc::Page(PageRef::Post(i)) => Some(ix.posts[i].slug.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn search_needs_every_word_in_any_order_not_a_phrase() {
    let ix = seed();
    let mut got = found(&ix, "swarm openstack");
    got.sort();
    assert_eq!(
        got,
        [
            "building-swarm-cluster-openstack",
            "mtu-troubleshooting-blog"
        ]
    );
    assert_eq!(found(&ix, "openstack swarm ").len(), 2);
    assert_eq!(found(&ix, "iptables mangle"), ["mtu-troubleshooting-blog"]);
}

#[test]
fn search_stems_folds_case_and_ranks_title_hits_first() {
    let ix = seed();
    // "packets" is in one title; the stem also finds "packet" in bodies.
    let hits = ix.engine().search("packets ");
    assert!(!hits.is_empty(), "{hits:?}");
    assert_eq!(hits[0].rank, Rank::Title);
    let title = |h: &sshfolio::content::search::Hit| match h.doc {
        Doc::Page(p) => ix.title(p).unwrap_or("").to_string(),
        Doc::Story(_) => String::new(),
    };
    assert!(title(&hits[0]).contains("Packets"), "{hits:?}");
    let c = ContentDir::new();
    c.write(
        "blog/greek.md",
        "---\ntitle: Words\ndescription: d\ndate: 2024-01-01\n---\n\nὁ σοφος says: packet.\n",
    );
    let ix = sshfolio::content::load(c.path()).unwrap();
    assert_eq!(found(&ix, "ΣΟΦΟΣ"), ["greek"]);
    assert_eq!(found(&ix, "PACKETS"), ["greek"]);
}

#[test]
fn hostile_queries_return_promptly_and_find_nothing() {
    let ix = seed();
    let _ = ix.engine();
    for q in [
        "x".repeat(10_000),
        ".*[(?{}|\\^$+".repeat(100),
        "a ".repeat(5_000),
    ] {
        let t = Instant::now();
        let hits = ix.engine().search(&q);
        // Generous: a query is a fraction of a millisecond (BENCHMARKS.md); this only
        // catches a query whose cost grows with its length.
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert!(hits.len() <= sshfolio::content::search::LIMIT);
    }
    assert!(ix.engine().search(&"x".repeat(10_000)).is_empty());
}

#[test]
fn check_reports_internal_links_that_point_nowhere() {
    let c = ContentDir::new();
    let post = |title: &str, body: &str| {
        format!("---\ntitle: {title}\ndescription: d\ndate: 2024-01-01\n---\n\n{body}\n")
    };
    c.write(
        "blog/a.md",
        post("A", "## Start\n\nSee [b](/blog/b#end), [c](/blog/c)."),
    );
    c.write(
        "blog/b.md",
        post(
            "B",
            "## End\n\n[up](#start) [ok](#end) [web](https://x.y) [a](a.md#nope)",
        ),
    );
    let out = sshfolio(&["check", "--content", c.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "warnings only: {err}");
    let a = c.path().join("blog/a.md");
    let b = c.path().join("blog/b.md");
    let want = [
        format!(
            "{}:9:23: warning: link to `/blog/c`: no such page",
            a.display()
        ),
        format!(
            "{}:9:1: warning: link to `#start`: no such heading on this page",
            b.display()
        ),
        format!(
            "{}:9:44: warning: link to `a.md#nope`: no heading `#nope` in blog/a",
            b.display()
        ),
    ];
    for w in &want {
        assert!(err.contains(w.as_str()), "missing {w:?} in:\n{err}");
    }
    assert_eq!(err.matches("warning: link").count(), 3, "{err}");
}

#[tokio::test]
async fn iptables_mangle_over_ssh_opens_the_mtu_post_highlighted() {
    let live = LiveServer::start().await;
    let mut t = Term::open(live.server.addr, 100, 30, None).await;
    t.wait_for("online").await;
    t.send(b"/iptables mangle").await;
    t.wait_for("1 result").await;
    assert!(
        t.screen().contains("When Packets Disappear"),
        "{}",
        t.screen()
    );
    t.send(b"\r").await;
    t.wait_until("the reader at a highlighted hit", |s| {
        let (rows, cols) = s.size();
        (0..rows).any(|r| {
            let line = s.contents_between(r, 0, r, cols);
            line.find("mangle").is_some_and(|at| {
                let col = line[..at].chars().count() as u16;
                s.cell(r, col)
                    .is_some_and(|c| c.bgcolor() != vt100::Color::Default)
            })
        })
    })
    .await;
    live.stop().await;
}

// ----- links, history, copy, mouse over SSH ------------------------------------------

const FIRST: &str = "---\ntitle: First Post\ndescription: Links.\ndate: 2024-02-01\n---\n\n\
## Top part\n\nIntro paragraph.\n\nGo to [the deep section](/blog/second#deep-section) now.\n\n\
Or [jump down](#far-below) here, or to [a gone page](/blog/nowhere).\n\n";

fn first_post() -> String {
    let filler: String = (1..=40)
        .map(|i| format!("Filler paragraph {i}.\n\n"))
        .collect();
    let tail: String = (1..=30).map(|i| format!("Tail {i}.\n\n")).collect();
    format!("{FIRST}{filler}## Far below\n\nThe end of the first post.\n\n{tail}")
}

fn second_post() -> String {
    let filler: String = (1..=30)
        .map(|i| format!("Second filler {i}.\n\n"))
        .collect();
    let tail: String = (1..=30)
        .map(|i| format!("After the deep {i}.\n\n"))
        .collect();
    format!(
        "---\ntitle: Second Post\ndescription: Target.\ndate: 2024-01-01\n---\n\n\
         ## Opening\n\n{filler}## Deep section\n\nDeep text here.\n\n{tail}"
    )
}

/// A server on a temporary content dir with two linked posts (and a site address).
async fn linked_site() -> (crate::util::TestServer, ContentDir) {
    let c = ContentDir::new();
    c.write(
        "site.yml",
        "name: Links Test\nurl: https://folio.example/\n",
    );
    c.write("blog/first.md", first_post());
    c.write("blog/second.md", second_post());
    let server = crate::util::TestServer::start().await;
    let index = sshfolio::content::load(c.path()).unwrap();
    server.index.send_replace(std::sync::Arc::new(index));
    (server, c)
}

/// The 0-based row whose text starts (after the margin) with `text`.
fn row_of(s: &vt100::Screen, text: &str) -> Option<u16> {
    let (rows, cols) = s.size();
    (0..rows).find(|&r| s.contents_between(r, 0, r, cols).contains(text))
}

/// The reader's first text row (under the title, meta line and rule).
fn top_text_row(s: &vt100::Screen) -> u16 {
    let (rows, cols) = s.size();
    (0..rows)
        .find(|&r| s.contents_between(r, 0, r, cols).starts_with("  ───"))
        .map_or(0, |r| r + 1)
}

fn click_at(col: u16, row: u16) -> Vec<u8> {
    format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        col + 1,
        row + 1,
        col + 1,
        row + 1
    )
    .into_bytes()
}

/// Open the first post and scroll it two lines down (so "back" has a place to keep).
async fn at_first_post(addr: std::net::SocketAddr) -> Term {
    let mut t = Term::open(addr, 100, 30, Some("blog/first")).await;
    t.wait_for("First Post").await;
    t.send(b"jj").await;
    t.wait_until("scrolled two lines", |s| row_of(s, "Top part").is_none())
        .await;
    t
}

#[tokio::test]
async fn clicking_a_link_opens_the_other_post_at_the_heading_and_back_keeps_the_place() {
    let (server, _c) = linked_site().await;
    let mut t = at_first_post(server.addr).await;
    let before = t.screen();
    let (x, y) = t
        .find("/blog/second#deep-section")
        .expect("the link's URL shows");
    t.send(&click_at(x + 2, y)).await;
    t.wait_until("the second post with the heading on top", |s| {
        row_of(s, "Deep section") == Some(top_text_row(s)) && s.contents().contains("Second Post")
    })
    .await;
    // Backspace: the first post again, scrolled where it was.
    t.send(b"\x7f").await;
    t.wait_for("First Post").await;
    t.wait_until("the same place", |s| s.contents() == before)
        .await;
    // L goes forward again, H back.
    t.send(b"L").await;
    t.wait_for("Second Post").await;
    t.send(b"H").await;
    t.wait_until("back at the first", |s| s.contents() == before)
        .await;
    // Esc twice: the first post, then the blog list.
    t.send(b"\x1b").await;
    t.wait_until("the list", |s| {
        s.contents().contains("Second Post") && !s.contents().contains("Filler paragraph")
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn f_and_a_label_follow_a_link_by_keyboard() {
    let (server, _c) = linked_site().await;
    let mut t = at_first_post(server.addr).await;
    t.send(b"f").await;
    // Labels a, s, d on the three links in order: the deep section's is `a`.
    t.wait_until("labels on the links", |s| {
        s.contents().contains("type a label")
    })
    .await;
    t.send(b"a").await;
    t.wait_until("the second post at the heading", |s| {
        row_of(s, "Deep section") == Some(top_text_row(s))
    })
    .await;
    t.send(b"\x7f").await;
    t.wait_for("First Post").await;
    // A same-page anchor: `s` is "jump down".
    t.send(b"fs").await;
    t.wait_until("the heading far below on top", |s| {
        row_of(s, "Far below") == Some(top_text_row(s))
    })
    .await;
    t.send(b"\x7f").await;
    t.wait_until("back up", |s| row_of(s, "Go to the deep section").is_some())
        .await;
    // `d` is the missing page: a notice, and the page stays.
    t.send(b"fd").await;
    t.wait_for("no page at /blog/nowhere").await;
    assert!(t.screen().contains("First Post"));
    // Esc cancels labels.
    t.send(b"f\x1b").await;
    t.wait_until("labels gone", |s| !s.contents().contains("type a label"))
        .await;
    server.stop().await;
}

/// The text of the last OSC 52 sequence in `raw`.
fn last_copy(raw: &[u8]) -> Option<String> {
    use base64::Engine as _;
    let start = raw.windows(7).rposition(|w| w == b"\x1b]52;c;")? + 7;
    let end = start + raw[start..].iter().position(|&b| b == 0x07)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&raw[start..end])
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[tokio::test]
async fn y_copies_the_mtu_iptables_block_exactly_and_capital_y_the_page_url() {
    let live = LiveServer::start().await;
    let mut t = Term::open(
        live.server.addr,
        100,
        30,
        Some("blog/mtu-troubleshooting-blog"),
    )
    .await;
    t.wait_for("When Packets Disappear").await;
    // `]` heading by heading until the iptables fix is the top row.
    for _ in 0..20 {
        if t.parser
            .screen()
            .contents()
            .contains("The Iptables Fix That Worked")
            && row_of(t.parser.screen(), "The Iptables Fix That Worked")
                == Some(top_text_row(t.parser.screen()))
        {
            break;
        }
        let before = t.screen();
        t.send(b"]").await;
        t.wait_until("the next heading", move |s| s.contents() != before)
            .await;
    }
    t.send(b"y").await;
    t.wait_for("copied bash, 1 line").await;
    assert_eq!(
        last_copy(&t.raw).as_deref(),
        Some(
            "sudo iptables -t mangle -I FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1360"
        )
    );
    live.stop().await;

    let (server, _c) = linked_site().await;
    let mut t = at_first_post(server.addr).await;
    t.send(b"Y").await;
    t.wait_for("copied https://folio.example/blog/first").await;
    assert_eq!(
        last_copy(&t.raw).as_deref(),
        Some("https://folio.example/blog/first")
    );
    server.stop().await;
}

#[tokio::test]
async fn m_turns_mouse_reporting_off_and_on() {
    let (server, _c) = linked_site().await;
    let mut t = at_first_post(server.addr).await;
    let mark = t.raw.len();
    t.send(b"m").await;
    t.wait_for("mouse off (m)").await;
    let off = t.raw[mark..].to_vec();
    assert!(contains(&off, b"\x1b[?1006l\x1b[?1000l"), "{off:?}");
    assert!(!t.parser.screen().contents().is_empty());
    let mark = t.raw.len();
    t.send(b"m").await;
    t.wait_until("footer mark gone", |s| {
        !s.contents().contains("mouse off (m)")
    })
    .await;
    let on = t.raw[mark..].to_vec();
    assert!(contains(&on, b"\x1b[?1000h\x1b[?1006h"), "{on:?}");
    server.stop().await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
