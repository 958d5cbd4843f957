//! Living content and the guest experience, end to end: hot reload (the watcher on a
//! real content dir, over SSH), search, mouse, tags, colour depth, the OSC 11 theme,
//! guests online and help.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sshfolio::content::watch::{ContentWatcher, ReloadStatus, WatchOptions};
use sshfolio::content::{Index, load};
use sshfolio::theme::ThemeKind;
use tokio::sync::watch;

use crate::util::child::START_WAIT;
use crate::util::{LiveServer, Term, WAIT, copy_dir};

const MTU: &str = "blog/mtu-troubleshooting-blog.md";
const MTU_TITLE: &str = "When Packets Disappear";

// ----- helpers ---------------------------------------------------------------------

async fn open(addr: std::net::SocketAddr) -> Term {
    Term::open_as(addr, "xterm-256color", &[], None).await
}

/// Wait until the watcher's status satisfies `pred`.
async fn wait_status(
    rx: &mut watch::Receiver<ReloadStatus>,
    what: &str,
    pred: impl Fn(&ReloadStatus) -> bool,
) -> ReloadStatus {
    let got = match tokio::time::timeout(WAIT, rx.wait_for(|s| pred(s))).await {
        Ok(Ok(s)) => Some(s.clone()),
        _ => None,
    };
    got.unwrap_or_else(|| panic!("timed out waiting for {what}: {:?}", *rx.borrow()))
}

fn post(title: &str, date: &str, tags: &[&str], body: &str) -> String {
    let tags: String = tags.iter().map(|t| format!("  - {t}\n")).collect();
    format!(
        "---\ntitle: \"{title}\"\ndescription: A post.\ndate: {date}\nreadTime: 1 min\ntags:\n{tags}---\n\n{body}\n"
    )
}

/// Left click at a 0-based cell, as an SGR mouse press and release.
async fn click(t: &Term, col: u16, row: u16) {
    let press = format!("\x1b[<0;{};{}M", col + 1, row + 1);
    let release = format!("\x1b[<0;{};{}m", col + 1, row + 1);
    t.send(format!("{press}{release}").as_bytes()).await;
}

/// Read output for `d` (at a granularity of ~100 ms).
async fn settle(t: &mut Term, d: Duration) {
    let until = std::time::Instant::now() + d;
    t.wait_until("time to pass", move |_| std::time::Instant::now() >= until)
        .await;
}

fn rgb(c: ratatui::style::Color) -> vt100::Color {
    match c {
        ratatui::style::Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        other => panic!("theme colour {other:?} is not RGB"),
    }
}

/// Every parameter of every SGR sequence (`ESC [ … m`) in `raw`.
fn sgr_codes(raw: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(raw);
    let mut codes = Vec::new();
    for part in text.split("\x1b[").skip(1) {
        let body: String = part
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ';')
            .collect();
        if part[body.len()..].starts_with('m') {
            codes.extend(body.split(';').filter_map(|p| p.parse::<u16>().ok()));
        }
    }
    codes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Log lines written while a subscriber is the thread's default (captured per test, not
/// through a global logger).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let logs = self.clone();
        let sub = tracing_subscriber::fmt()
            .with_writer(move || logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_default(sub)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// ----- hot reload over SSH ---------------------------------------------------------

#[tokio::test]
async fn a_connected_guest_sees_a_new_post_appear_after_it_is_written() {
    let live = LiveServer::start().await;
    let mut t = open(live.server.addr).await;
    t.send(b"3").await;
    t.wait_for(MTU_TITLE).await;
    assert!(!t.screen().contains("Hot off the press"));
    std::fs::write(
        live.content().join("blog/hot-off-the-press.md"),
        post("Hot off the press", "2030-01-01", &["News"], "Fresh."),
    )
    .unwrap();
    t.wait_for("Hot off the press").await;
    // Still the Blog screen, still the same connection.
    assert!(t.screen().contains(MTU_TITLE));
    assert!(!t.closed);
    live.stop().await;
}

#[tokio::test]
async fn a_broken_edit_keeps_the_old_content_and_logs_file_line_col() {
    let logs = Logs::default();
    let _guard = logs.capture();
    let live = LiveServer::start().await;
    let mut status = live.watcher.status();
    let mut t = open(live.server.addr).await;
    t.send(b"3").await;
    t.wait_for(MTU_TITLE).await;
    let served = live.server.index.borrow().generation;

    let path = live.content().join(MTU);
    let good = std::fs::read_to_string(&path).unwrap();
    let broken = good
        .replace("date: 2026-05-14", "date: someday")
        .replace(MTU_TITLE, "Broken Title Never Shown");
    std::fs::write(&path, &broken).unwrap();
    let s = wait_status(&mut status, "a failed reload", |s| s.last_error.is_some()).await;
    let errors = s.last_error.unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("mtu-troubleshooting-blog.md:4:")),
        "{errors:?}"
    );
    assert_eq!(
        live.server.index.borrow().generation,
        served,
        "bad index published"
    );
    let text = logs.text();
    assert!(
        text.contains("mtu-troubleshooting-blog.md:4:") && text.contains("ERROR"),
        "log lacks file:line: {text}"
    );
    assert!(
        text.contains("still serving the last good content"),
        "{text}"
    );
    // The guest still sees the good content.
    settle(&mut t, Duration::from_millis(100)).await;
    assert!(t.screen().contains(MTU_TITLE), "{}", t.screen());
    assert!(!t.screen().contains("Broken Title"));

    // The fix is picked up on the next save.
    std::fs::write(&path, good.replace(MTU_TITLE, "Packets Found Again")).unwrap();
    wait_status(&mut status, "the fix", |s| {
        s.last_error.is_none() && s.reloads >= 1
    })
    .await;
    t.wait_for("Packets Found Again").await;
    live.stop().await;
}

#[tokio::test]
async fn a_page_removed_while_read_shows_the_notice() {
    let live = LiveServer::start().await;
    let mut t = Term::open_as(
        live.server.addr,
        "xterm-256color",
        &[],
        Some("blog/mtu-troubleshooting-blog"),
    )
    .await;
    t.wait_for("Background: Why We Have").await;
    std::fs::remove_file(live.content().join(MTU)).unwrap();
    t.wait_for("this page was removed").await;
    assert!(!t.screen().contains("Background: Why We Have"));
    live.stop().await;
}

#[tokio::test]
async fn sessions_keep_their_place_when_another_page_changes() {
    let live = LiveServer::start().await;
    let mut status = live.watcher.status();
    let mut t = Term::open_as(
        live.server.addr,
        "xterm-256color",
        &[],
        Some("blog/mtu-troubleshooting-blog"),
    )
    .await;
    t.wait_for("Background: Why We Have").await;
    for _ in 0..3 {
        t.send(b" ").await;
    }
    t.wait_until("scrolled", |s| {
        !s.contents().contains("Background: Why We Have")
    })
    .await;
    settle(&mut t, Duration::from_millis(100)).await;
    let before = t.screen();
    // A new post sorts first: every post index shifts, the reader keeps its page.
    std::fs::write(
        live.content().join("blog/aaa.md"),
        post("A newer post", "2031-01-01", &["News"], "Hi."),
    )
    .unwrap();
    wait_status(&mut status, "the reload", |s| s.reloads >= 1).await;
    settle(&mut t, Duration::from_millis(300)).await;
    assert_eq!(before, t.screen(), "same page, same scroll");
    live.stop().await;
}

// ----- search, mouse, tags ---------------------------------------------------------

#[tokio::test]
async fn search_finds_a_word_from_the_mtu_body_and_opens_it_at_the_hit() {
    let live = LiveServer::start().await;
    let mut t = open(live.server.addr).await;
    t.wait_for("online").await;
    t.send(b"/asymmetry").await;
    t.wait_for("1 result").await;
    assert!(t.screen().contains(MTU_TITLE), "{}", t.screen());
    t.send(b"\r").await;
    t.wait_for("That asymmetry was the first interesting clue")
        .await;
    // Opened at the hit, not at the top of the post.
    assert!(
        !t.screen().contains("Background: Why We Have"),
        "{}",
        t.screen()
    );
    live.stop().await;
}

#[tokio::test]
async fn a_mouse_click_on_the_blog_tab_switches_to_it() {
    let live = LiveServer::start().await;
    let mut t = open(live.server.addr).await;
    t.wait_for("online").await;
    // The blog's column header is only on the Blog screen.
    let oldest = "TITLE";
    assert!(!t.screen().contains(oldest), "{}", t.screen());
    let (x, y) = t.find("Blog").expect("a Blog tab");
    click(&t, x + 1, y).await;
    t.wait_for(oldest).await;
    live.stop().await;
}

#[tokio::test]
async fn the_tag_filter_narrows_the_blog_list() {
    let live = LiveServer::start().await;
    let index = load(&live.content()).unwrap();
    let docker = index.tags.iter().position(|t| t == "Docker").unwrap();
    let mut t = open(live.server.addr).await;
    t.send(b"3").await;
    t.wait_for("Integrating").await;
    t.send(b"#").await;
    t.wait_for("filter by tag").await;
    t.send("j".repeat(docker).as_bytes()).await;
    t.send(b"\r").await;
    t.wait_for("2 of 6").await;
    let s = t.screen();
    assert!(s.contains(MTU_TITLE) && s.contains("#Docker"), "{s}");
    assert!(!s.contains("Integrating"), "{s}");
    live.stop().await;
}

// ----- colour depth ----------------------------------------------------------------

/// Visit every screen (home, blog, a post with code, projects, stories, light theme).
async fn tour(t: &mut Term) {
    t.wait_for("online").await;
    t.send(b"3").await;
    t.wait_for(MTU_TITLE).await;
    t.send(b"/asymmetry").await;
    t.wait_for("1 result").await;
    t.send(b"\r").await;
    t.wait_for("That asymmetry").await;
    for key in ["2", "4", "t", "1", "?"] {
        t.send(key.as_bytes()).await;
        settle(t, Duration::from_millis(60)).await;
    }
}

#[tokio::test]
async fn sixteen_colours_and_no_color_never_send_truecolor_or_256_colour_escapes() {
    let live = LiveServer::start().await;
    let addr = live.server.addr;

    let mut t = Term::open_as(addr, "xterm", &[], None).await;
    tour(&mut t).await;
    for bad in [&b"38;2;"[..], b"48;2;", b"38;5;", b"48;5;", b"58;5;"] {
        assert!(
            !contains(&t.raw, bad),
            "TERM=xterm got {}",
            String::from_utf8_lossy(bad)
        );
    }
    // It is in colour, though: classic SGR codes.
    let codes = sgr_codes(&t.raw);
    assert!(
        codes.iter().any(|c| matches!(c, 30..=37 | 90..=97)),
        "no 16-colour SGR at all: {codes:?}"
    );

    let mut t = Term::open_as(addr, "xterm-256color", &[("NO_COLOR", "1")], None).await;
    tour(&mut t).await;
    for bad in [&b"38;2;"[..], b"48;2;", b"38;5;", b"48;5;"] {
        assert!(
            !contains(&t.raw, bad),
            "NO_COLOR got {}",
            String::from_utf8_lossy(bad)
        );
    }
    let codes = sgr_codes(&t.raw);
    assert!(
        !codes
            .iter()
            .any(|c| matches!(c, 30..=38 | 40..=48 | 90..=97 | 100..=107)),
        "colour despite NO_COLOR: {codes:?}"
    );

    // The same tour in truecolor does send RGB (the checks above can fail).
    let mut t = Term::open_as(addr, "xterm-256color", &[("COLORTERM", "truecolor")], None).await;
    tour(&mut t).await;
    assert!(contains(&t.raw, b"38;2;"));
    let mut t = Term::open_as(addr, "xterm-256color", &[], None).await;
    tour(&mut t).await;
    assert!(contains(&t.raw, b"38;5;") && !contains(&t.raw, b"38;2;"));
    live.stop().await;
}

// ----- OSC 11 background -----------------------------------------------------------

const LIGHT_REPLY: &[u8] = b"\x1b]11;rgb:ffff/ffff/ffff\x1b\\";

async fn truecolor(addr: std::net::SocketAddr) -> Term {
    Term::open_as(addr, "xterm-256color", &[("COLORTERM", "truecolor")], None).await
}

fn theme_fg(kind: ThemeKind) -> vt100::Color {
    rgb(kind.theme().fg)
}

async fn wait_theme(t: &mut Term, kind: ThemeKind) {
    let want = theme_fg(kind);
    let others: Vec<_> = ThemeKind::ALL
        .into_iter()
        .filter(|k| *k != kind)
        .map(theme_fg)
        .collect();
    t.wait_until(&format!("the {kind:?} theme"), |s| {
        let (rows, cols) = s.size();
        let mut want_n = 0;
        let mut other_n = 0;
        for row in 0..rows {
            for col in 0..cols {
                let fg = s.cell(row, col).map(|c| c.fgcolor());
                want_n += usize::from(fg == Some(want));
                other_n += usize::from(fg.is_some_and(|c| others.contains(&c)));
            }
        }
        want_n > 20 && other_n == 0
    })
    .await;
}

#[tokio::test]
async fn a_light_osc11_answer_picks_the_light_theme_and_t_still_cycles() {
    let live = LiveServer::start().await;
    let mut t = truecolor(live.server.addr).await;
    // The terminal answers the query the server sent at session start.
    t.send(LIGHT_REPLY).await;
    t.wait_for("online").await;
    assert!(contains(&t.raw, b"\x1b]11;?\x1b\\"), "no OSC 11 query sent");
    wait_theme(&mut t, ThemeKind::Light).await;
    t.send(b"t").await;
    wait_theme(&mut t, ThemeKind::HighContrast).await;
    t.send(b"t").await;
    wait_theme(&mut t, ThemeKind::Dark).await;
    t.send(b"t").await;
    wait_theme(&mut t, ThemeKind::Light).await;
    assert!(!t.screen().contains("rgb:"), "{}", t.screen());
    live.stop().await;
}

/// Cells left on the terminal's own background, and how many have `bg`.
fn unpainted(s: &vt100::Screen, bg: vt100::Color) -> (Vec<(u16, u16)>, usize) {
    let (rows, cols) = s.size();
    let mut holes = Vec::new();
    let mut on_bg = 0;
    for row in 0..rows {
        for col in 0..cols {
            // The second half of a wide character has no colours of its own.
            let cell = s.cell(row, col).filter(|c| !c.is_wide_continuation());
            let cell_bg = cell.map(|c| c.bgcolor());
            if cell_bg == Some(vt100::Color::Default) {
                holes.push((row, col));
            }
            on_bg += usize::from(cell_bg == Some(bg));
        }
    }
    (holes, on_bg)
}

#[tokio::test]
async fn after_t_every_cell_has_the_themes_painted_background() {
    let live = LiveServer::start().await;
    let mut t = truecolor(live.server.addr).await;
    t.wait_for("online").await;
    // A dark terminal (no answer): the dark theme draws on the terminal's own black.
    wait_theme(&mut t, ThemeKind::Dark).await;
    for (kind, screen) in [
        (ThemeKind::Light, &b"1"[..]),
        (ThemeKind::HighContrast, b"3"),
    ] {
        t.send(b"t").await;
        wait_theme(&mut t, kind).await;
        for key in [screen, b"\r"] {
            t.send(key).await;
            settle(&mut t, Duration::from_millis(300)).await;
            let bg = rgb(kind.theme().canvas);
            let (holes, on_bg) = unpainted(t.parser.screen(), bg);
            assert!(
                on_bg > 100 * 30 / 2,
                "{kind:?}: {on_bg} cells on its canvas"
            );
            assert!(
                holes.is_empty(),
                "{kind:?}: {} cells not painted, first {:?}\n{}",
                holes.len(),
                &holes[..holes.len().min(8)],
                t.screen()
            );
        }
    }
    live.stop().await;
}

#[tokio::test]
async fn an_osc11_answer_split_across_packets_works() {
    let live = LiveServer::start().await;
    for cut in [9, LIGHT_REPLY.len() - 1] {
        let mut t = truecolor(live.server.addr).await;
        t.send(&LIGHT_REPLY[..cut]).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        t.send(&LIGHT_REPLY[cut..]).await;
        t.wait_for("online").await;
        wait_theme(&mut t, ThemeKind::Light).await;
        let s = t.screen();
        assert!(!s.contains("rgb:") && !s.contains("ffff"), "{s}");
        // Keys after the reply still work.
        t.send(b"3").await;
        t.wait_for("Integrating").await;
    }
    live.stop().await;
}

#[tokio::test]
async fn no_osc11_answer_leaves_no_garbage_and_a_late_one_changes_nothing() {
    let live = LiveServer::start().await;
    let mut t = truecolor(live.server.addr).await;
    t.wait_for("online").await;
    settle(
        &mut t,
        sshfolio::session::BACKGROUND_TIMEOUT + Duration::from_millis(200),
    )
    .await;
    wait_theme(&mut t, ThemeKind::Dark).await;
    let s = t.screen();
    assert!(!s.contains("11;") && !s.contains("rgb"), "{s}");
    // An answer long after the timeout is consumed but does not repaint the world.
    t.send(LIGHT_REPLY).await;
    t.send(b"3").await;
    t.wait_for("Integrating").await;
    settle(&mut t, Duration::from_millis(100)).await;
    wait_theme(&mut t, ThemeKind::Dark).await;
    assert!(!t.screen().contains("rgb:"), "{}", t.screen());
    live.stop().await;
}

// ----- guests online, help ---------------------------------------------------------

#[tokio::test]
async fn guests_online_updates_live_for_everyone() {
    let live = LiveServer::start().await;
    let mut a = open(live.server.addr).await;
    a.wait_for("1 online").await;
    let mut b = open(live.server.addr).await;
    b.wait_for("2 online").await;
    a.wait_for("2 online").await;
    b.send(b"q").await;
    b.wait_closed().await;
    a.wait_for("1 online").await;
    // Nothing else changes: no more frames for the guest who stayed.
    settle(&mut a, Duration::from_millis(200)).await;
    let n = a.raw.len();
    settle(&mut a, Duration::from_millis(300)).await;
    assert_eq!(a.raw.len(), n, "frames sent while nothing changed");
    live.stop().await;
}

#[tokio::test]
async fn help_lists_the_keys_and_the_mouse() {
    let live = LiveServer::start().await;
    let mut t = open(live.server.addr).await;
    t.wait_for("online").await;
    t.send(b"?").await;
    t.wait_for("click tabs").await;
    let s = t.screen();
    for k in ["search", "tag filter", "wheel"] {
        assert!(s.contains(k), "help lacks {k}: {s}");
    }
    live.stop().await;
}

// ----- the watcher on its own ------------------------------------------------------

struct Fixture {
    _root: tempfile::TempDir,
    dir: std::path::PathBuf,
    index: watch::Sender<Arc<Index>>,
    watcher: ContentWatcher,
}

fn fixture(opts: WatchOptions) -> Fixture {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("content");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content"), &dir);
    let (index, _) = watch::channel(Arc::new(load(&dir).unwrap()));
    let watcher = ContentWatcher::start(&dir, index.clone(), opts).unwrap();
    Fixture {
        _root: root,
        dir,
        index,
        watcher,
    }
}

impl Fixture {
    fn post_title(&self, slug: &str) -> Option<String> {
        let ix = self.index.borrow();
        ix.posts
            .iter()
            .find(|p| p.slug == slug)
            .map(|p| p.title.clone())
    }
}

#[tokio::test]
async fn our_own_reads_do_not_trigger_reloads() {
    let f = fixture(WatchOptions::default());
    let mut st = f.watcher.status();
    std::fs::write(f.dir.join("blog/x.md"), post("X", "2030-01-01", &[], "x")).unwrap();
    wait_status(&mut st, "one reload", |s| s.reloads == 1).await;
    // The rebuild opened and read every file: none of that is a change.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(st.borrow().attempts, 1);
    assert_eq!(f.post_title("x").as_deref(), Some("X"));
}

#[tokio::test]
async fn a_file_saved_twice_in_10ms_is_one_reload_of_the_last_version() {
    let f = fixture(WatchOptions::default());
    let mut st = f.watcher.status();
    let path = f.dir.join("blog/twice.md");
    std::fs::write(&path, post("First", "2030-01-01", &[], "1")).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    std::fs::write(&path, post("Second", "2030-01-01", &[], "2")).unwrap();
    let s = wait_status(&mut st, "a reload", |s| s.attempts >= 1).await;
    assert_eq!(s.reloads, 1);
    assert_eq!(f.post_title("twice").as_deref(), Some("Second"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(st.borrow().attempts, 1, "one save burst, one rebuild");
}

#[tokio::test]
async fn an_atomic_rename_save_is_picked_up() {
    let f = fixture(WatchOptions::default());
    let mut st = f.watcher.status();
    let path = f.dir.join(MTU);
    let text = std::fs::read_to_string(&path).unwrap();
    // As vim (backupcopy=no) and most editors save: write a temporary, rename over.
    let tmp = f.dir.join("blog/.mtu-troubleshooting-blog.md.swp");
    std::fs::write(&tmp, text.replace(MTU_TITLE, "Renamed Into Place")).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    wait_status(&mut st, "a reload", |s| s.reloads >= 1).await;
    let title = f.post_title("mtu-troubleshooting-blog").unwrap();
    assert!(title.starts_with("Renamed Into Place"), "{title}");
    // A second save the same way works too (the file's inode changed under us).
    std::fs::write(&tmp, text.replace(MTU_TITLE, "Renamed Again")).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    wait_status(&mut st, "a second reload", |s| s.reloads >= 2).await;
    let title = f.post_title("mtu-troubleshooting-blog").unwrap();
    assert!(title.starts_with("Renamed Again"), "{title}");
}

#[tokio::test]
async fn deletes_and_new_directories_are_picked_up() {
    let f = fixture(WatchOptions::default());
    let mut st = f.watcher.status();
    assert_eq!(f.index.borrow().stories.len(), 6);
    std::fs::remove_dir_all(f.dir.join("stories")).unwrap();
    std::fs::remove_file(f.dir.join(MTU)).unwrap();
    wait_status(&mut st, "a reload", |s| s.reloads >= 1).await;
    assert_eq!(f.index.borrow().stories.len(), 0);
    assert!(f.post_title("mtu-troubleshooting-blog").is_none());
    // A new directory, and a file written into it right away.
    std::fs::create_dir(f.dir.join("stories")).unwrap();
    std::fs::write(
        f.dir.join("stories/01-new.yml"),
        "label: New\ntext: A new story.\ncolor: \"#ff8800\"\norder: 1\n",
    )
    .unwrap();
    wait_status(&mut st, "the story", |s| s.reloads >= 2).await;
    let ix = f.index.borrow().clone();
    assert_eq!(ix.stories.len(), 1, "{:?}", st.borrow());
    // Files changed later in the new directory are watched too.
    std::fs::write(
        f.dir.join("stories/02-more.yml"),
        "label: More\ntext: Another.\ncolor: \"#0088ff\"\norder: 2\n",
    )
    .unwrap();
    wait_status(&mut st, "the second story", |_| true).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while f.index.borrow().stories.len() != 2 {
        assert!(tokio::time::Instant::now() < deadline, "{:?}", st.borrow());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_content_dir_deleted_and_recreated_is_watched_again() {
    let f = fixture(WatchOptions::default());
    let mut st = f.watcher.status();
    let served = f.index.borrow().generation;
    std::fs::remove_dir_all(&f.dir).unwrap();
    let s = wait_status(&mut st, "a failed reload", |s| s.last_error.is_some()).await;
    assert!(
        s.last_error.unwrap()[0].contains("cannot open content directory"),
        "{:?}",
        st.borrow()
    );
    assert_eq!(f.index.borrow().generation, served, "still serving");
    // Recreated (as a checkout or an rsync would): served again…
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
        &f.dir,
    );
    wait_status(&mut st, "a good reload", |s| {
        s.reloads >= 1 && s.last_error.is_none()
    })
    .await;
    assert!(f.post_title("mtu-troubleshooting-blog").is_some());
    // …and watched again: an edit inside the new directory is seen.
    let reloads = st.borrow().reloads;
    std::fs::write(
        f.dir.join("blog/later.md"),
        post("Later", "2030-01-01", &[], "l"),
    )
    .unwrap();
    wait_status(&mut st, "the edit", |s| s.reloads > reloads).await;
    assert_eq!(f.post_title("later").as_deref(), Some("Later"));
}

#[tokio::test]
async fn five_thousand_files_at_once_are_one_rebuild() {
    // `max_delay` long enough that the writing itself (slow on a busy test machine)
    // never forces an early rebuild: the burst must collapse into one.
    let f = fixture(WatchOptions {
        max_delay: Duration::from_secs(60),
        ..Default::default()
    });
    let mut st = f.watcher.status();
    for i in 0..5000 {
        std::fs::write(
            f.dir.join(format!("blog/gen-{i:04}.md")),
            post(&format!("Generated {i}"), "2020-01-01", &["Gen"], "Body."),
        )
        .unwrap();
    }
    let s = wait_status(&mut st, "a reload", |s| s.attempts >= 1).await;
    assert_eq!(s.reloads, 1, "{s:?}");
    assert_eq!(f.index.borrow().posts.len(), 6 + 5000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(st.borrow().attempts, 1, "one rebuild, not 5,000");
}

#[tokio::test]
async fn reload_on_request_like_sighup() {
    let f = fixture(WatchOptions::default());
    let mut st = f.watcher.status();
    f.watcher.reload();
    let s = wait_status(&mut st, "a reload", |s| s.reloads == 1).await;
    assert!(s.generation > 0);
}

/// The binary: SIGHUP reloads, and a broken edit is logged as `path:line:col` on stderr.
#[cfg(unix)]
#[test]
fn the_server_binary_reloads_on_sighup_and_logs_broken_edits() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("content");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content"), &dir);
    let mut child = crate::util::bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--content"])
        .arg(&dir)
        .arg("--keys")
        .arg(root.path().join("keys"))
        .arg("--data")
        .arg(root.path().join("data"))
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let wait_line_within = |what: &str, within: Duration, seen: &mut Vec<String>| {
        let deadline = std::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(what);
                    seen.push(line);
                    if hit {
                        return;
                    }
                }
                Err(e) => panic!("no {what:?} ({e}) in:\n{}", seen.join("\n")),
            }
        }
    };
    let wait_line = |what: &str, seen: &mut Vec<String>| wait_line_within(what, WAIT, seen);
    wait_line_within("listening on", START_WAIT, &mut seen);
    let pid = child.id().to_string();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(hup.success());
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_line("SIGHUP", &mut seen)
    }))
    .is_err()
    {
        panic!(
            "child: {:?}; stderr:\n{}",
            child.try_wait(),
            seen.join("\n")
        );
    }
    wait_line("content reloaded", &mut seen);
    let path = dir.join(MTU);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("date: 2026-05-14", "date: someday")).unwrap();
    wait_line("mtu-troubleshooting-blog.md:4:", &mut seen);
    wait_line("still serving the last good content", &mut seen);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn the_server_wide_no_color_default_applies_to_every_guest() {
    let live = LiveServer::start_with(sshfolio::config::Limits {
        no_color: true,
        ..crate::util::test_limits()
    })
    .await;
    let mut t = truecolor(live.server.addr).await;
    tour(&mut t).await;
    let codes = sgr_codes(&t.raw);
    assert!(
        !codes
            .iter()
            .any(|c| matches!(c, 30..=38 | 40..=48 | 90..=97 | 100..=107)),
        "colour despite --no-color: {codes:?}"
    );
    live.stop().await;
}

// ----- issue #6: search highlight, clickable tags, live count for sleeping guests ---

/// The search highlight's background as a 256-colour guest (`xterm-256color`) gets it.
fn highlight_256() -> vt100::Color {
    use sshfolio::theme::{ColorDepth, DARK};
    match ColorDepth::Ansi256.convert(DARK.highlight_bg) {
        ratatui::style::Color::Indexed(i) => vt100::Color::Idx(i),
        other => panic!("not a 256-colour index: {other:?}"),
    }
}

/// Whether the `len` cells from (col, row) all have background `bg`.
fn cells_bg(screen: &vt100::Screen, col: u16, row: u16, len: u16, bg: vt100::Color) -> bool {
    (col..col + len).all(|c| screen.cell(row, c).is_some_and(|cell| cell.bgcolor() == bg))
}

#[tokio::test]
async fn search_opens_the_mtu_post_at_a_body_hit_drawn_highlighted() {
    let live = LiveServer::start().await;
    let mut t = open(live.server.addr).await;
    t.wait_for("online").await;
    // A word of the MTU post's body (not its title or description), typed in another case.
    t.send(b"/ASYMMETRY").await;
    t.wait_for("1 result").await;
    let hl = highlight_256();
    // The results list shows the term, highlighted.
    let (x, y) = t.find("asymmetry").expect("the snippet shows the term");
    assert!(cells_bg(t.parser.screen(), x, y, 9, hl), "{}", t.screen());
    t.send(b"\r").await;
    // The reader: its meta line shows the post's tags (the results list does not).
    let reader = |s: &vt100::Screen| s.contents().contains("#DevOps");
    let line = "That asymmetry was the first interesting clue";
    t.wait_until("the reader at the hit", move |s| {
        reader(s) && s.contents().contains(line)
    })
    .await;
    // Let the whole frame arrive, then look at the cells.
    settle(&mut t, Duration::from_millis(100)).await;
    let s = t.screen();
    // Opened at the hit, not at the top.
    assert!(!s.contains("Background: Why We Have"), "{s}");
    let (x, y) = t.find("That asymmetry").unwrap();
    let screen = t.parser.screen();
    assert!(
        cells_bg(screen, x + 5, y, 9, hl),
        "the hit is not highlighted:\n{s}"
    );
    assert!(
        !cells_bg(screen, x, y, 1, hl),
        "'That' is not part of the hit"
    );
    assert!(
        !cells_bg(screen, x + 14, y, 1, hl),
        "the space after the hit"
    );
    // Esc clears the highlight and keeps the page, at the same place.
    t.send(b"\x1b").await;
    t.wait_until("the highlight cleared", move |s| {
        reader(s) && !cells_bg(s, x + 5, y, 1, hl)
    })
    .await;
    settle(&mut t, Duration::from_millis(100)).await;
    assert_eq!(t.find("That asymmetry"), Some((x, y)), "{}", t.screen());
    assert!(!cells_bg(t.parser.screen(), x + 5, y, 9, hl));
    live.stop().await;
}

#[tokio::test]
async fn clicking_a_tag_in_the_reader_shows_the_blog_filtered_by_it() {
    let live = LiveServer::start().await;
    let addr = live.server.addr;
    let mut t = Term::open_as(
        addr,
        "xterm-256color",
        &[],
        Some("blog/mtu-troubleshooting-blog"),
    )
    .await;
    t.wait_for("#Infrastructure").await;
    assert!(!t.screen().contains("3 of 6"));
    let (x, y) = t.find("#Infrastructure").unwrap();
    click(&t, x + 3, y).await;
    t.wait_for("3 of 6").await;
    let s = t.screen();
    assert!(s.contains("filter") && s.contains("#Infrastructure"), "{s}");
    for title in [MTU_TITLE, "Serverless Data", "Building a Highly"] {
        assert!(s.contains(title), "{title} missing:\n{s}");
    }
    assert!(!s.contains("Integrating") && !s.contains("Welcome"), "{s}");
    live.stop().await;
}

#[tokio::test]
async fn a_hibernated_guest_sees_the_online_count_change_without_a_key() {
    let live = LiveServer::start().await;
    let addr = live.server.addr;
    // A 16-colour guest: the label's patch goes through the same SGR rewrite as frames.
    let mut a = Term::open_as(addr, "xterm", &[], None).await;
    a.wait_for("1 online").await;
    // Idle past the hibernation delay: the session drops its cell buffers.
    settle(
        &mut a,
        sshfolio::session::HIBERNATE_AFTER + Duration::from_millis(600),
    )
    .await;
    let before = a.raw.len();
    let mut b = open(addr).await;
    b.wait_for("2 online").await;
    a.wait_for("2 online").await;
    settle(&mut a, Duration::from_millis(100)).await;
    let patch = a.raw[before..].to_vec();
    let shown = String::from_utf8_lossy(&patch).into_owned();
    // Just the label's cells, between a cursor save and restore: no clear, no repaint.
    assert!(
        contains(&patch, b"\x1b7") && contains(&patch, b"\x1b8"),
        "{shown:?}"
    );
    assert!(
        !contains(&patch, b"\x1b[2J") && patch.len() < 200,
        "{shown:?}"
    );
    for wide in ["38;5;", "48;5;", "38;2;", "48;2;"] {
        assert!(!shown.contains(wide), "16 colours only: {shown:?}");
    }
    // The other guest leaves: the sleeping one follows (after GUESTS_EVERY).
    b.send(b"q").await;
    b.wait_closed().await;
    a.wait_for("1 online").await;
    settle(&mut a, Duration::from_millis(100)).await;
    let asleep = a.parser.screen().clone();
    // A key wakes it: the full repaint matches what the patches left on screen.
    let woken = a.raw.len();
    a.send(b"1").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !contains(&a.raw[woken..], b"\x1b[2J") {
        assert!(
            std::time::Instant::now() < deadline,
            "no repaint after a key"
        );
        settle(&mut a, Duration::from_millis(50)).await;
    }
    settle(&mut a, Duration::from_millis(300)).await;
    let cols = asleep.size().1;
    let rows = |s: &vt100::Screen| s.rows_formatted(0, cols).collect::<Vec<_>>();
    assert_eq!(
        rows(&asleep),
        rows(a.parser.screen()),
        "patched:\n{}\nrepainted:\n{}",
        asleep.contents(),
        a.screen()
    );
    live.stop().await;
}
