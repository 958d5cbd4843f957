//! Every screen at every size, over SSH with the bundled content, read through vt100
//! (issue 11): no placeholder reaches a guest, titles are whole where there is room,
//! columns never touch, the reading place, help that scrolls on a small screen.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sshfolio::content::Index;

use crate::util::{Term, TestServer};

const SIZES: [(u32, u32); 4] = [(40, 12), (80, 24), (120, 40), (200, 60)];
pub(crate) const MTU_TITLE: &str =
    "When Packets Disappear: Debugging an MTU Mismatch in a Hybrid OpenStack Docker Swarm";

fn bundled_index() -> Index {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
    sshfolio::content::load(&dir).expect("the bundled content loads")
}

pub(crate) async fn bundled() -> TestServer {
    let server = TestServer::start().await;
    server.index.send_replace(Arc::new(bundled_index()));
    server
}

/// Let the screen settle after a key (frames arrive within a few ms).
pub(crate) async fn settle(t: &mut Term) {
    let until = std::time::Instant::now() + Duration::from_millis(250);
    t.wait_until("time to pass", move |_| std::time::Instant::now() >= until)
        .await;
}

pub(crate) async fn key(t: &mut Term, bytes: &[u8]) {
    t.send(bytes).await;
    settle(t).await;
}

pub(crate) fn rows(t: &Term) -> Vec<String> {
    let s = t.parser.screen();
    let (rows, cols) = s.size();
    (0..rows)
        .map(|r| s.contents_between(r, 0, r, cols))
        .collect()
}

/// The screen's text with each run of whitespace (line breaks too) as one space: a
/// title wrapped over two rows reads whole. A panel to the right (the contents) is
/// cut off each row.
pub(crate) fn flowing(t: &Term) -> String {
    rows(t)
        .iter()
        .map(|r| {
            let cut = [r.find("  ╭"), r.find("  │")]
                .into_iter()
                .flatten()
                .filter(|&i| i > 0)
                .min();
            let r = &r[..cut.unwrap_or(r.len())];
            r.trim_matches(|c: char| c == '│' || c.is_whitespace())
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn no_screen_at_any_size_shows_a_placeholder() {
    let server = bundled().await;
    for (cols, rows_n) in SIZES {
        let mut t = Term::open(server.addr, cols, rows_n, None).await;
        t.wait_for("abbeytetteh_").await;
        let tour: [(&str, &[u8]); 10] = [
            ("home", b""),
            ("projects", b"2"),
            ("blog", b"3"),
            ("tag picker", b"#"),
            ("blog again", b"\x1b"),
            ("reader", b"\r"),
            ("stories", b"4"),
            ("help", b"?"),
            ("search", b"\x1b/mtu"),
            ("search result", b"\r"),
        ];
        for (what, keys) in tour {
            key(&mut t, keys).await;
            let s = t.screen();
            for bad in ["TODO", "○ —"] {
                assert!(!s.contains(bad), "{what} at {cols}×{rows_n}: {bad:?}\n{s}");
            }
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_mtu_posts_whole_title_is_on_screen_at_80_and_120_columns() {
    let server = bundled().await;
    for (cols, rows_n) in [(80, 24), (120, 40)] {
        let mut t = Term::open(
            server.addr,
            cols,
            rows_n,
            Some("blog/mtu-troubleshooting-blog"),
        )
        .await;
        t.wait_for("When Packets").await;
        settle(&mut t).await;
        assert!(
            flowing(&t).contains(MTU_TITLE),
            "at {cols}×{rows_n}:\n{}",
            t.screen()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn at_120x40_home_shows_every_project_and_post_title_whole() {
    let server = bundled().await;
    let index = bundled_index();
    let mut t = Term::open(server.addr, 120, 40, None).await;
    t.wait_for("abbeytetteh_").await;
    settle(&mut t).await;
    let s = t.screen();
    for p in &index.projects {
        assert!(s.contains(p.title.as_str()), "project {:?}\n{s}", p.title);
    }
    for p in &index.posts {
        assert!(s.contains(p.title.as_str()), "post {:?}\n{s}", p.title);
    }
    server.stop().await;
}

/// The longest run of empty rows between the header (bar and rule) and the footer.
fn longest_empty_run(t: &Term) -> usize {
    let all = rows(t);
    let body = &all[2..all.len().saturating_sub(1)];
    let (mut run, mut most) = (0, 0);
    for r in body {
        run = if r.trim().is_empty() { run + 1 } else { 0 };
        most = most.max(run);
    }
    most
}

#[tokio::test]
async fn a_tall_home_screen_uses_its_height_with_post_descriptions() {
    let server = bundled().await;
    let index = bundled_index();
    for (cols, rows_n) in [(200, 60), (120, 40)] {
        let mut t = Term::open(server.addr, cols, rows_n, None).await;
        t.wait_for("abbeytetteh_").await;
        settle(&mut t).await;
        let s = t.screen();
        let run = longest_empty_run(&t);
        assert!(
            run <= 4,
            "{run} empty rows in a row at {cols}x{rows_n}\n{s}"
        );
        for p in &index.posts {
            let d = p.description.trim();
            assert!(!d.is_empty(), "bundled post {:?} has a description", p.slug);
            // Whole at 200 columns; its start (cut with `…`) at 120.
            let shown: String = d
                .chars()
                .take(if cols == 200 { d.len() } else { 40 })
                .collect();
            assert!(
                s.contains(&shown),
                "description of {:?} at {cols}x{rows_n}\n{s}",
                p.slug
            );
        }
        if cols == 200 {
            for p in &index.projects {
                let d = p.description.trim();
                let start: String = d.chars().take(30).collect();
                assert!(
                    s.contains(&start),
                    "project {:?}'s description\n{s}",
                    p.slug
                );
            }
        }
    }
    server.stop().await;
}

/// Every region and status word on screen stands apart from its neighbours.
fn assert_columns_apart(t: &Term, index: &Index, what: &str) {
    let words: Vec<&str> = index
        .projects
        .iter()
        .filter_map(|p| p.region.as_deref())
        .chain(["live", "offline"])
        .collect();
    for row in rows(t) {
        for w in &words {
            for (at, _) in row.match_indices(w) {
                let before = row[..at].chars().next_back();
                let after = row[at + w.len()..].chars().next();
                let apart = |c: Option<char>| c.is_none_or(|c| c == ' ' || c == '│' || c == '●');
                assert!(
                    apart(before) && apart(after),
                    "{what}: {w:?} touches a neighbour in {row:?}\n{}",
                    t.screen()
                );
            }
        }
    }
}

#[tokio::test]
async fn no_two_columns_touch_in_projects_or_the_rack() {
    let server = bundled().await;
    let index = bundled_index();
    for (cols, rows_n) in SIZES {
        let mut t = Term::open(server.addr, cols, rows_n, None).await;
        t.wait_for("abbeytetteh_").await;
        settle(&mut t).await;
        assert_columns_apart(&t, &index, &format!("home at {cols}×{rows_n}"));
        key(&mut t, b"2").await;
        assert_columns_apart(&t, &index, &format!("projects at {cols}×{rows_n}"));
    }
    server.stop().await;
}

#[tokio::test]
async fn bracket_to_the_last_heading_puts_it_on_the_top_row() {
    let server = bundled().await;
    let index = bundled_index();
    let post = index
        .posts
        .iter()
        .find(|p| p.slug == "mtu-troubleshooting-blog")
        .expect("the MTU post");
    for (cols, rows_n) in [(80, 24), (200, 60)] {
        let mut t = Term::open(
            server.addr,
            cols,
            rows_n,
            Some("blog/mtu-troubleshooting-blog"),
        )
        .await;
        t.wait_for("When Packets").await;
        // Every heading of the post is one `]` away from the one before.
        let layout = sshfolio::render::render(
            &post.body,
            sshfolio::render::RenderOptions {
                width: 80,
                theme: Default::default(),
                plain: false,
            },
        );
        let last = layout.anchors.last().expect("headings").title.clone();
        settle(&mut t).await;
        for _ in 0..layout.anchors.len() + 2 {
            t.send(b"]").await;
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        settle(&mut t).await;
        let rows = rows(&t);
        // The text starts under the rule below the title and meta lines.
        let rule = rows
            .iter()
            .skip(2)
            .position(|r| r.trim_start().starts_with("───") && !r.contains(&last))
            .map(|i| i + 2)
            .expect("the rule under the meta line");
        assert!(
            rows[rule + 1].contains(&last),
            "at {cols}×{rows_n}, {last:?} is not on the top row:\n{}",
            t.screen()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn help_at_40x12_reaches_its_last_key_by_scrolling() {
    let server = bundled().await;
    let mut t = Term::open(server.addr, 40, 12, None).await;
    t.wait_for("abbeytetteh_").await;
    key(&mut t, b"?").await;
    let help = sshfolio::tui::keymap::help_rows();
    let (first_keys, _) = help[0];
    let (last_keys, last_help) = help[help.len() - 1];
    assert!(t.screen().contains(first_keys), "{}", t.screen());
    assert!(
        !t.screen().contains(last_help),
        "all of help fits?\n{}",
        t.screen()
    );
    for _ in 0..help.len() * 2 {
        t.send(b"j").await;
    }
    settle(&mut t).await;
    let s = flowing(&t);
    assert!(
        s.contains(last_keys) && s.contains(last_help),
        "{}",
        t.screen()
    );
    // Still the help: scrolling did not close it, and every row ends whole.
    assert!(t.screen().contains("keys"), "{}", t.screen());
    server.stop().await;
}

// ----- snapshots of every screen at every size (drawn without SSH) -----------------

struct Ui {
    app: sshfolio::tui::App,
    term: ratatui::Terminal<ratatui::backend::TestBackend>,
}

impl Ui {
    fn new(w: u16, h: u16, start: Option<String>) -> Ui {
        let opts = sshfolio::tui::AppOptions {
            start,
            ..Default::default()
        };
        let app = sshfolio::tui::App::new(
            Arc::new(bundled_index()),
            sshfolio::render::cache::RenderCache::new(),
            opts,
        );
        let backend = ratatui::backend::TestBackend::new(w, h);
        let mut ui = Ui {
            app,
            term: ratatui::Terminal::new(backend).expect("a test terminal"),
        };
        ui.draw();
        ui
    }

    fn draw(&mut self) {
        let app = &self.app;
        self.term.draw(|f| app.view(f)).expect("a frame");
    }

    fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.key(terminput::KeyCode::Char(c));
        }
    }

    fn key(&mut self, code: terminput::KeyCode) {
        let ev = terminput::Event::Key(terminput::KeyEvent::new(code));
        self.app.update(sshfolio::tui::AppEvent::Input(ev));
        self.draw();
    }

    /// The screen's text (the second cell of a wide character skipped).
    fn screen(&self) -> String {
        crate::util::buffer_lines(self.term.backend().buffer()).join("\n")
    }
}

/// The bundled post with the longest body (most lines at 80 columns).
fn longest_post(index: &Index) -> String {
    let lines = |p: &sshfolio::content::Post| {
        let opts = sshfolio::render::RenderOptions {
            width: 80,
            theme: Default::default(),
            plain: true,
        };
        sshfolio::render::render(&p.body, opts).len()
    };
    index
        .posts
        .iter()
        .max_by_key(|p| lines(p))
        .map(|p| format!("blog/{}", p.slug))
        .expect("posts")
}

#[test]
fn snapshots_of_every_screen_at_every_size() {
    let index = bundled_index();
    let longest = longest_post(&index);
    for (w, h) in SIZES {
        let (w, h) = (w as u16, h as u16);
        let name = |screen: &str| format!("{screen}_{w}x{h}");
        let mut ui = Ui::new(w, h, None);
        insta::assert_snapshot!(name("home"), ui.screen());
        ui.keys("2");
        insta::assert_snapshot!(name("projects"), ui.screen());
        ui.keys("3");
        insta::assert_snapshot!(name("blog"), ui.screen());
        ui.keys("#");
        insta::assert_snapshot!(name("tag_picker"), ui.screen());
        ui.key(terminput::KeyCode::Esc);
        ui.keys("4");
        insta::assert_snapshot!(name("stories"), ui.screen());
        ui.keys("/mtu");
        insta::assert_snapshot!(name("search"), ui.screen());
        ui.key(terminput::KeyCode::Esc);
        ui.keys("?");
        insta::assert_snapshot!(name("help"), ui.screen());
        // The longest post at its start, then at its first wide code block, moved
        // sideways.
        let mut ui = Ui::new(w, h, Some(longest.clone()));
        insta::assert_snapshot!(name("reader"), ui.screen());
        ui.keys("lll");
        for _ in 0..1500 {
            if ui.screen().contains('◀') {
                break;
            }
            ui.key(terminput::KeyCode::Down);
        }
        // On until the block's top border (which says where the view is) is the first
        // row of the text: the block itself is on screen, not just its border.
        let border = |ui: &Ui| ui.screen().lines().position(|l| l.contains('◀'));
        while let Some(row) = border(&ui) {
            ui.key(terminput::KeyCode::Down);
            match border(&ui) {
                Some(next) if next < row => {}
                // The page ends here.
                Some(next) if next == row => break,
                // It left the screen (another block's border shows, or none): one back.
                _ => {
                    ui.key(terminput::KeyCode::Up);
                    break;
                }
            }
        }
        assert!(ui.screen().contains('◀'), "{}", ui.screen());
        insta::assert_snapshot!(name("reader_wide_code"), ui.screen());
    }
}
