//! Pictures over SSH: a scripted terminal answers the image probe (kitty, sixel via
//! DA1, nothing, or sits inside tmux) and the Stories screen, the reader and the `i`
//! toggle are read back from the bytes and the screen.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use crate::images::png;
use crate::util::{ContentDir, Term, TestServer};

const PROBE: &[u8] = sshfolio::graphics::detect::PROBE;

fn content() -> ContentDir {
    let c = ContentDir::new();
    c.write("site.yml", "name: Pictures\n");
    c.write("images/photo.png", png(160, 90));
    c.write("images/inline.png", png(64, 32));
    c.write(
        "stories/01-sea.yml",
        "label: SEASIDE\ntext: A photo of the sea.\nimage: /images/photo.png\norder: 1\n",
    );
    c.write(
        "blog/post.md",
        "---\ntitle: A post\ndate: 2026-01-02\n---\nBefore.\n\n![an inline picture](/images/inline.png)\n\nAfter.\n",
    );
    c
}

async fn server(c: &ContentDir) -> TestServer {
    let server = TestServer::start().await;
    let index = sshfolio::content::load(c.path()).unwrap();
    assert!(
        index.images.contains_key("/images/photo.png"),
        "{:?}",
        index.warnings
    );
    server.index.send_replace(Arc::new(index));
    server
}

/// What a sixel terminal answers the probe: DA1 with 4 (sixel).
const SIXEL: &[u8] = b"\x1b[?63;1;2;4;6;9;15;22c";
/// What kitty answers: the graphics reply, its 8×16 cell size, DA1.
const KITTY: &[u8] = b"\x1b_Gi=31;OK\x1b\\\x1b[6;16;8t\x1b[?62;22c";

/// A 100×30 guest on `term` (in `command`, or the shell) that has seen the image probe
/// and given `answer` (nothing, if empty).
async fn guest(server: &TestServer, term: &str, command: Option<&str>, answer: &[u8]) -> Term {
    let mut t = Term::open_as(server.addr, term, &[], command).await;
    t.wait_raw("the image probe", |r| find(r, PROBE).is_some())
        .await;
    if !answer.is_empty() {
        t.send(answer).await;
    }
    t
}

/// A sixel guest (answering the probe with `answer`) reading `blog/tall`, its first
/// picture drawn.
async fn sixel_guest(server: &TestServer, answer: &[u8]) -> Term {
    let mut t = guest(server, "xterm", Some("blog/tall"), answer).await;
    t.wait_raw("a sixel image", |r| !sixels(r, 0).is_empty())
        .await;
    t.wait_for("Paragraph 1.").await;
    t.settle(Duration::from_millis(200)).await;
    t
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The text of the screen has no trace of a query or its answer.
fn no_stray_bytes(t: &Term) {
    let screen = t.screen();
    for s in ["Gi=31", "62;", "22c", "OK", "[16t", ">0q"] {
        assert!(!screen.contains(s), "{s:?} on screen:\n{screen}");
    }
}

fn has_half_blocks(s: &vt100::Screen) -> bool {
    s.contents().matches('▀').count() > 50
}

#[tokio::test]
async fn kitty_guest_gets_the_story_as_a_kitty_image_of_the_placed_size() {
    let c = content();
    let server = server(&c).await;
    let mut t = guest(&server, "xterm-kitty", None, KITTY).await;
    t.settle(Duration::from_millis(200)).await;
    t.send(b"4").await;
    t.wait_raw("a kitty placement", |r| find(r, b"\x1b_Ga=p,").is_some())
        .await;
    t.wait_for("SEASIDE").await;
    let raw = t.raw.clone();
    // The transmission: chunks from `a=t,…,m=1;` to `m=0;`.
    let start = find(&raw, b"\x1b_Ga=t,f=100,i=").expect("a kitty transmission");
    let text = String::from_utf8_lossy(&raw[start..]).into_owned();
    let id: u32 = text["\x1b_Ga=t,f=100,i=".len()..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut b64 = String::new();
    for chunk in text.split("\x1b\\") {
        let Some((head, data)) = chunk.split_once(';') else {
            break;
        };
        if !head.starts_with("\x1b_G") || head.contains("a=p") {
            break;
        }
        b64.push_str(data);
        if head.ends_with("m=0") {
            break;
        }
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&b64)
        .unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    // The placement asks for c×r cells of the 8×16 cells the terminal reported.
    let place = text
        .find(&format!("\x1b_Ga=p,i={id},"))
        .map(|i| &text[i..])
        .expect("the placement of that image");
    let field = |k: &str| -> u32 {
        place
            .split(['\x1b', ','])
            .find_map(|f| f.strip_prefix(k))
            .unwrap()
            .trim_end_matches('\\')
            .parse()
            .unwrap()
    };
    let (cols, rows) = (field("c="), field("r="));
    assert_eq!(
        img.width().div_ceil(8),
        cols,
        "{}x{}",
        img.width(),
        img.height()
    );
    assert_eq!(img.height().div_ceil(16), rows);
    assert!(cols >= 40, "a full-screen picture, {cols} columns");
    // 160×90: the aspect is kept.
    let aspect = img.width() as f64 / img.height() as f64;
    assert!((aspect - 160.0 / 90.0).abs() < 0.05, "{aspect}");
    assert!(!has_half_blocks(t.parser.screen()));
    no_stray_bytes(&t);

    // Transmitted once: back home and to Stories again only places it.
    t.send(b"1").await;
    t.wait_for("Pictures").await;
    t.send(b"4").await;
    t.settle(Duration::from_millis(400)).await;
    assert_eq!(count(&t.raw, b"\x1b_Ga=t,"), 1);
    assert!(count(&t.raw, b"\x1b_Ga=p,") >= 2);

    // `i` turns pictures off: the placements are removed, a notice says so.
    t.send(b"i").await;
    t.wait_for("pictures off").await;
    let clears = count(&t.raw, b"\x1b_Ga=d,d=a");
    t.send(b"i").await;
    t.wait_for("pictures on (kitty)").await;
    t.settle(Duration::from_millis(300)).await;
    assert!(count(&t.raw, b"\x1b_Ga=p,") >= 3);
    assert!(clears >= 1);
    server.stop().await;
}

#[tokio::test]
async fn sixel_guest_gets_a_sixel_that_decodes() {
    let c = content();
    let server = server(&c).await;
    let mut t = guest(&server, "xterm", None, SIXEL).await;
    t.settle(Duration::from_millis(200)).await;
    t.send(b"4").await;
    t.wait_raw("a sixel image", |r| find(r, b"\x1bP").is_some())
        .await;
    t.settle(Duration::from_millis(200)).await;
    let start = find(&t.raw, b"\x1bP").unwrap();
    let end = start + find(&t.raw[start..], b"\x1b\\").unwrap() + 2;
    let img = icy_sixel::SixelImage::decode(&t.raw[start..end]).unwrap();
    assert!(
        img.width >= 400 && img.height >= 200,
        "{}x{}",
        img.width,
        img.height
    );
    // Within the screen: 100 columns × 10 px, 30 rows × 20 px.
    assert!(img.width <= 1000 && img.height <= 600);
    t.wait_for("SEASIDE").await;
    no_stray_bytes(&t);
    server.stop().await;
}

#[tokio::test]
async fn silent_terminal_gets_half_blocks_at_once_and_no_stray_bytes() {
    let c = content();
    let server = server(&c).await;
    let mut t = guest(&server, "xterm-256color", None, b"").await;
    t.send(b"4").await;
    t.wait_until("half-block picture", has_half_blocks).await;
    t.wait_for("SEASIDE").await;
    for seq in [&b"\x1b_Ga="[..], b"\x1bP", b"\x1b]1337"] {
        assert!(
            find(&t.raw, seq).is_none(),
            "{seq:?} sent to a silent terminal"
        );
    }
    no_stray_bytes(&t);
    // `i` toggles them off and on.
    t.send(b"i").await;
    t.wait_until("no half-blocks", |s| !has_half_blocks(s))
        .await;
    t.send(b"i").await;
    t.wait_until("half-blocks again", has_half_blocks).await;
    server.stop().await;
}

#[tokio::test]
async fn inside_tmux_half_blocks_even_when_kitty_answers() {
    let c = content();
    let server = server(&c).await;
    for term in ["tmux-256color", "screen-256color"] {
        let mut t = Term::open_as(server.addr, term, &[], None).await;
        t.wait_for("Pictures").await;
        assert!(find(&t.raw, PROBE).is_none(), "no probe inside {term}");
        t.send(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4c").await;
        t.send(b"4").await;
        t.wait_until("half-block picture", has_half_blocks).await;
        assert!(find(&t.raw, b"\x1b_Ga=").is_none());
        assert!(find(&t.raw, b"\x1bP").is_none());
        no_stray_bytes(&t);
    }
    server.stop().await;
}

#[tokio::test]
async fn reader_shows_a_markdown_image_as_pixels_with_its_alt_text() {
    let c = content();
    let server = server(&c).await;
    let answer = b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c";
    let mut t = guest(&server, "xterm-kitty", Some("blog/post"), answer).await;
    t.wait_raw("a kitty placement", |r| find(r, b"\x1b_Ga=p,").is_some())
        .await;
    t.wait_for("[image] an inline picture").await;
    assert!(!has_half_blocks(t.parser.screen()));
    no_stray_bytes(&t);
    server.stop().await;
}

/// A post that opens with a tall picture (16 rows of the reader), then long text.
fn tall_post(c: &ContentDir) {
    c.write("images/tall.png", png(160, 160));
    let text: String = (1..=60).map(|i| format!("Paragraph {i}.\n\n")).collect();
    c.write(
        "blog/tall.md",
        format!(
            "---\ntitle: Tall\ndate: 2026-01-03\n---\n![a tall picture](/images/tall.png)\n\n{text}"
        ),
    );
}

/// Every sixel in `raw` from `from` on, decoded.
fn sixels(raw: &[u8], from: usize) -> Vec<icy_sixel::SixelImage> {
    let mut out = Vec::new();
    let mut at = from;
    while let Some(start) = find(&raw[at..], b"\x1bP").map(|i| i + at) {
        let Some(end) = find(&raw[start..], b"\x1b\\").map(|i| start + i + 2) else {
            break;
        };
        if let Ok(img) = icy_sixel::SixelImage::decode(&raw[start..end]) {
            out.push(img);
        }
        at = end;
    }
    out
}

#[tokio::test]
async fn a_picture_scrolled_partly_off_stays_sixel_cut_to_the_rows_in_view() {
    let c = content();
    tall_post(&c);
    let server = server(&c).await;
    let mut t = sixel_guest(&server, SIXEL).await;
    let whole = sixels(&t.raw, 0).pop().unwrap();
    assert!(whole.height >= 200, "{}x{}", whole.width, whole.height);
    // Scroll down three lines: the picture's first rows leave the top of the view.
    let mark = t.raw.len();
    t.send(b"jjj").await;
    t.wait_raw("a cut sixel", |r| {
        sixels(r, mark)
            .iter()
            .any(|s| s.height < whole.height && s.width == whole.width)
    })
    .await;
    t.settle(Duration::from_millis(300)).await;
    let cut = sixels(&t.raw, mark).pop().unwrap();
    assert!(
        cut.height > 0 && cut.height < whole.height && cut.height % 6 == 0,
        "{} of {}",
        cut.height,
        whole.height
    );
    assert!(!has_half_blocks(t.parser.screen()), "{}", t.screen());
    // Back up: the whole picture again (same size as the first).
    let mark = t.raw.len();
    t.send(b"kkk").await;
    t.wait_raw("the whole sixel again", |r| {
        sixels(r, mark).iter().any(|s| s.height == whole.height)
    })
    .await;
    no_stray_bytes(&t);
    server.stop().await;
}

#[tokio::test]
async fn a_picture_scrolled_partly_off_is_a_kitty_source_rectangle_of_the_same_image() {
    let c = content();
    tall_post(&c);
    let server = server(&c).await;
    let mut t = guest(&server, "xterm-kitty", Some("blog/tall"), KITTY).await;
    t.wait_raw("a kitty placement", |r| find(r, b"\x1b_Ga=p,").is_some())
        .await;
    t.settle(Duration::from_millis(200)).await;
    let mark = t.raw.len();
    t.send(b"jjj").await;
    t.wait_raw("a placement with a source rectangle", |r| {
        find(&r[mark..], b",x=0,y=").is_some()
    })
    .await;
    t.settle(Duration::from_millis(200)).await;
    let text = String::from_utf8_lossy(&t.raw[mark..]).into_owned();
    let place = &text[text.rfind("\x1b_Ga=p,").unwrap()..];
    let place = &place[..place.find("\x1b\\").unwrap()];
    let field = |k: &str| -> u32 {
        place
            .split(',')
            .find_map(|f| f.strip_prefix(k))
            .unwrap_or_else(|| panic!("{k} in {place}"))
            .parse()
            .unwrap()
    };
    // Three rows of 16 px are scrolled off (or fewer, if the picture started lower);
    // the rows left are placed over the rows left.
    let (y, h, r) = (field("y="), field("h="), field("r="));
    assert!(y > 0 && y % 16 == 0 && y <= 48, "{place}");
    assert_eq!(h.div_ceil(16), r, "{place}");
    // The same image, never transmitted again.
    assert_eq!(count(&t.raw, b"\x1b_Ga=t,"), 1);
    assert!(!has_half_blocks(t.parser.screen()));
    no_stray_bytes(&t);
    server.stop().await;
}

#[tokio::test]
async fn iterm2_guest_gets_an_inline_file_of_the_placed_size() {
    let c = content();
    let server = server(&c).await;
    // What iTerm2 3.5 answers: no kitty reply, its cell size, XTVERSION, DA1 (with 4:
    // iTerm2 also draws sixel, but its own protocol is preferred).
    let answer = b"\x1b[6;16;8t\x1bP>|iTerm2 3.5.0\x1b\\\x1b[?62;4c";
    let mut t = guest(&server, "xterm-256color", None, answer).await;
    t.settle(Duration::from_millis(200)).await;
    t.send(b"4").await;
    t.wait_raw("an iTerm2 inline file", |r| {
        find(r, b"\x1b]1337;File=").is_some_and(|s| r[s..].contains(&0x07))
    })
    .await;
    t.wait_for("SEASIDE").await;
    let start = find(&t.raw, b"\x1b]1337;File=").unwrap();
    let end = start + t.raw[start..].iter().position(|&b| b == 0x07).unwrap();
    let seq = String::from_utf8(t.raw[start + b"\x1b]1337;File=".len()..end].to_vec()).unwrap();
    let (args, b64) = seq.split_once(':').unwrap();
    let arg = |k: &str| -> u32 {
        args.split(';')
            .find_map(|a| a.strip_prefix(k))
            .unwrap_or_else(|| panic!("{k} in {args}"))
            .parse()
            .unwrap()
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(arg("size=") as usize, bytes.len());
    assert_eq!(arg("inline="), 1);
    let img = image::load_from_memory(&bytes).unwrap();
    // Placed over width×height cells of the 8×16 cells the terminal reported.
    assert_eq!(img.width().div_ceil(8), arg("width="), "{args}");
    assert_eq!(img.height().div_ceil(16), arg("height="), "{args}");
    assert!(arg("width=") >= 40, "a full-screen picture: {args}");
    let aspect = img.width() as f64 / img.height() as f64;
    assert!((aspect - 160.0 / 90.0).abs() < 0.05, "{aspect}");
    assert!(find(&t.raw, b"\x1b_Ga=").is_none(), "kitty sent to iTerm2");
    assert!(sixels(&t.raw, 0).is_empty(), "sixel sent to iTerm2");
    assert!(!has_half_blocks(t.parser.screen()));
    no_stray_bytes(&t);
    server.stop().await;
}

#[tokio::test]
async fn a_guest_scrolling_past_a_picture_gets_few_fresh_sixels_then_half_blocks() {
    let c = content();
    tall_post(&c);
    let server = server(&c).await;
    // A sixel terminal with a cell size of its own (7×13 px): nothing is cached for it.
    let mut t = sixel_guest(&server, b"\x1b[6;13;7t\x1b[?63;1;2;4;6;9;15;22c").await;
    let mark = t.raw.len();
    let started = std::time::Instant::now();
    for _ in 0..60 {
        t.send(b"j").await;
    }
    t.wait_for("51%").await; // 60 lines down
    let elapsed = started.elapsed().as_secs_f64();
    t.settle(Duration::from_millis(200)).await;
    let sent = count(&t.raw[mark..], b"\x1bP");
    let budget =
        sshfolio::graphics::ENCODE_BURST + sshfolio::graphics::ENCODES_PER_SECOND * (elapsed + 0.2);
    assert!(
        (sent as f64) <= budget + 1.0,
        "{sent} sixels in {elapsed:.2} s"
    );
    // Past the budget the picture's rows in view were drawn as half-blocks.
    assert!(
        count(&t.raw[mark..], "▀".as_bytes()) > 0,
        "no half-blocks after {sent} sixels"
    );
    no_stray_bytes(&t);
    server.stop().await;
}
