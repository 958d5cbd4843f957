//! The owner's analytics of reading like a browser (issues 15 and 14): links a guest
//! follows (click, `f` label, same-page anchor) and what it copies (OSC 52 `y`, `Y`,
//! `f` `y` label) are counted in `stats --json`, over a real SSH session, and the
//! guest's address is nowhere in the database file.

use std::sync::Arc;

use crate::owner::{Site, stats_json};
use crate::util::{ContentDir, Term};

const POST: &str = "---\ntitle: First Post\ndescription: Links.\ndate: 2024-02-01\n---\n\n\
## Top part\n\nGo to [the deep section](/blog/second#deep-section) now, or \
[jump down](#far-below), or [the web](https://example.org/docs).\n\n\
```bash\necho hello\n```\n\n";

fn first_post() -> String {
    let filler: String = (1..=40).map(|i| format!("Filler {i}.\n\n")).collect();
    format!("{POST}{filler}## Far below\n\nThe end.\n\n{filler}")
}

fn second_post() -> String {
    let filler: String = (1..=30).map(|i| format!("Second {i}.\n\n")).collect();
    format!(
        "---\ntitle: Second Post\ndescription: Target.\ndate: 2024-01-01\n---\n\n\
         ## Opening\n\n{filler}## Deep section\n\nDeep text.\n\n{filler}"
    )
}

fn click_at(col: u16, row: u16) -> Vec<u8> {
    format!("\x1b[<0;{0};{1}M\x1b[<0;{0};{1}m", col + 1, row + 1).into_bytes()
}

/// `{url: (followed, copied)}` of `stats --json`'s links.
fn links(r: &serde_json::Value) -> Vec<(String, u64, u64)> {
    let mut v: Vec<(String, u64, u64)> = r["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["url"].as_str().unwrap().to_string(),
                l["followed"].as_u64().unwrap(),
                l["copied"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn links_followed_and_copies_reach_stats_json_with_the_right_counts() {
    let site = Site::start(false).await;
    let c = ContentDir::new();
    c.write("site.yml", "name: Links\nurl: https://folio.example/\n");
    c.write("blog/first.md", first_post());
    c.write("blog/second.md", second_post());
    let index = sshfolio::content::load(c.path()).unwrap();
    site.server.index.send_replace(Arc::new(index));

    let mut t = Term::open(site.server.addr, 100, 30, Some("blog/first")).await;
    t.wait_for("echo hello").await;
    // 1. A click on the internal link, then back.
    let (x, y) = t.find("/blog/second#deep-section").expect("the link shows");
    t.send(&click_at(x + 2, y)).await;
    t.wait_for("Deep text").await;
    t.send(b"\x7f").await;
    t.wait_for("echo hello").await;
    // 2. `f` and the label of the same-page anchor (`s`), then back.
    t.send(b"f").await;
    t.wait_for("type a label").await;
    t.send(b"s").await;
    t.wait_until("far below", |s| !s.contents().contains("echo hello"))
        .await;
    t.send(b"\x7f").await;
    t.wait_for("echo hello").await;
    // 3. The external link by its label `d`: its URL is shown, counted as followed.
    t.send(b"fd").await;
    t.wait_for("outside this site").await;
    // Copies: the code block, the page's address, and the external link's URL.
    t.send(b"y").await;
    t.wait_for("copied bash").await;
    t.send(b"Y").await;
    t.wait_for("copied https://folio.example/blog/first").await;
    t.send(b"fyd").await;
    t.wait_for("copied https://example.org/docs").await;
    t.send(b"q").await;
    t.wait_closed().await;

    let data = site.data();
    let tmp = site.stop().await;
    let r = stats_json(&[&data], &[]);
    assert_eq!(r["totals"]["links_followed"], 3, "{r:#}");
    assert_eq!(r["totals"]["copies"], 3, "{r:#}");
    let want = [
        ("/blog/first#code-1", 0, 1),
        ("/blog/first#far-below", 1, 0),
        ("/blog/second#deep-section", 1, 0),
        ("https://example.org/docs", 1, 1),
        ("https://folio.example/blog/first", 0, 1),
    ];
    let want: Vec<(String, u64, u64)> = want
        .iter()
        .map(|(u, f, c)| (u.to_string(), *f, *c))
        .collect();
    assert_eq!(links(&r), want, "{r:#}");
    // `stats` as text lists them too.
    let text = crate::util::bin()
        .args(["stats", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("3 links followed · 3 copies"), "{text}");
    assert!(text.contains("/blog/second#deep-section"), "{text}");
    // The guest's address is nowhere in the file.
    let mut bytes = Vec::new();
    for f in ["stats.sqlite", "stats.sqlite-wal"] {
        bytes.extend(std::fs::read(data.join(f)).unwrap_or_default());
    }
    assert!(
        bytes.windows(5).any(|w| w == b"/blog"),
        "links are in the file"
    );
    assert!(
        !bytes.windows(9).any(|w| w == b"127.0.0.1"),
        "the guest's address is in the database"
    );
    drop(tmp);
}
