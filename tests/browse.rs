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
        ["building-swarm-cluster-openstack", "mtu-troubleshooting-blog"]
    );
    assert_eq!(found(&ix, "openstack swarm ").len(), 2);
    assert_eq!(found(&ix, "iptables mangle"), ["mtu-troubleshooting-blog"]);
}

#[test]
fn search_stems_folds_case_and_ranks_title_hits_first() {
    let ix = seed();
    // "packets" is in one title; the stem also finds "packet" in bodies.
    let hits = ix.engine().search("packets ");
    assert!(hits.len() >= 2, "{hits:?}");
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
    for q in ["x".repeat(10_000), ".*[(?{}|\\^$+".repeat(100), "a ".repeat(5_000)] {
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
    c.write("blog/a.md", post("A", "## Start\n\nSee [b](/blog/b#end), [c](/blog/c)."));
    c.write(
        "blog/b.md",
        post("B", "## End\n\n[up](#start) [ok](#end) [web](https://x.y) [a](a.md#nope)"),
    );
    let out = sshfolio(&["check", "--content", c.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "warnings only: {err}");
    let a = c.path().join("blog/a.md");
    let b = c.path().join("blog/b.md");
    let want = [
        format!("{}:9:23: warning: link to `/blog/c`: no such page", a.display()),
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
    assert!(t.screen().contains("When Packets Disappear"), "{}", t.screen());
    t.send(b"\r").await;
    t.wait_until("the reader at a highlighted hit", |s| {
        let (rows, cols) = s.size();
        (0..rows).any(|r| {
            let line = s.contents_between(r, 0, r, cols);
            line.find("mangle").is_some_and(|at| {
                let col = line[..at].chars().count() as u16;
                s.cell(r, col).is_some_and(|c| c.bgcolor() != vt100::Color::Default)
            })
        })
    })
    .await;
    live.stop().await;
}
