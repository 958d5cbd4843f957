//! The renderer seen from outside: snapshots of a rich sample document at 40, 80 and
//! 120 columns, and an ANSI dump for looking at the output in a real terminal.

#[path = "render/seed.rs"]
mod seed;

use std::fmt::Write as _;

use ratatui::style::{Color, Modifier};
use ratatui::text::Line;
use sshfolio::render::sample::rich_document;
use sshfolio::render::{RenderOptions, render};
use sshfolio::theme::ThemeKind;

fn plain(width: u16) -> String {
    let r = render(
        &rich_document(),
        RenderOptions {
            width,
            theme: ThemeKind::Dark,
            plain: true,
        },
    );
    r.plain_lines().join("\n")
}

#[test]
fn rich_sample_at_40() {
    insta::assert_snapshot!(plain(40));
}

#[test]
fn rich_sample_at_80() {
    insta::assert_snapshot!(plain(80));
}

#[test]
fn rich_sample_at_120() {
    insta::assert_snapshot!(plain(120));
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"│╭╮╰╯─┌┐└┘├┤┬┴┼".contains(*c))
        .collect()
}

/// Every seed page at 40, 80 and 120 columns, one snapshot per page.
#[test]
fn seed_pages_snapshots() {
    let Some(pages) = seed::load() else {
        eprintln!("seed payload not found; skipping");
        return;
    };
    assert_eq!(pages.len(), 15);
    for page in &pages {
        let mut out = String::new();
        for width in [40u16, 80, 120] {
            let r = render(
                &page.doc,
                RenderOptions {
                    width,
                    theme: ThemeKind::Dark,
                    plain: true,
                },
            );
            let _ = writeln!(out, "======== {width} columns ========");
            out.push_str(&r.plain_lines().join("\n"));
            out.push('\n');
        }
        let name = page.path.trim_matches('/').replace('/', "__");
        insta::assert_snapshot!(name, out);
    }
}

/// Nothing the original site shows is lost: every word of every paragraph, heading,
/// list item and table cell, every code line (drawn or, when clipped, kept whole in
/// `wide`), every image alt and URL, every embed's fields and URL.
#[test]
fn seed_pages_show_everything_at_40_80_and_120() {
    let Some(pages) = seed::load() else {
        eprintln!("seed payload not found; skipping");
        return;
    };
    for page in &pages {
        assert_shows_everything(page, &page.doc, &page.path);
    }
}

/// The same check on the repository's `content/` (imported from the payload) as the
/// server loads it: the payload stays the one oracle, and the whole chain (import,
/// markdown + MDC parser, renderer) must show every word of every seed page.
#[test]
fn loaded_content_shows_every_seed_word_at_40_80_and_120() {
    let Some(pages) = seed::load() else {
        eprintln!("seed payload not found; skipping");
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let index = sshfolio::content::load(&dir).unwrap();
    assert_eq!(index.projects.len() + index.posts.len(), pages.len());
    for page in &pages {
        let key = page.path.trim_matches('/');
        let found = index
            .find(key)
            .unwrap_or_else(|| panic!("{key} not loaded"));
        let doc = index.body(found).unwrap();
        assert_shows_everything(page, doc, &format!("content/{key}.md"));
    }
}

fn assert_shows_everything(page: &seed::SeedPage, doc: &sshfolio::content::Document, name: &str) {
    for width in [40u16, 80, 120] {
        for theme in [ThemeKind::Dark, ThemeKind::Light] {
            let r = render(
                doc,
                RenderOptions {
                    width,
                    theme,
                    plain: false,
                },
            );
            let lines = r.plain_lines();
            for (i, l) in r.lines().enumerate() {
                assert!(
                    l.width() <= usize::from(width),
                    "{name} at {width}: line {i} too wide: {:?}",
                    lines[i]
                );
            }
            let all: String = lines.iter().map(|l| squash(l)).collect();
            for w in &page.words {
                assert!(
                    all.contains(&squash(w)),
                    "{name} at {width}: {w:?} is missing"
                );
            }
            let wide: Vec<String> = r
                .wide
                .iter()
                .map(|w| {
                    r.wide_full(w)
                        .spans
                        .iter()
                        .map(|s| s.content.as_ref())
                        .collect()
                })
                .collect();
            for c in &page.code_lines {
                let c = c.replace('\t', "    ");
                assert!(
                    lines.iter().chain(&wide).any(|l| l.contains(c.trim_end())),
                    "{name} at {width}: code line {c:?} is missing"
                );
            }
        }
    }
}

fn sgr_colour(c: Color, fg: bool) -> Option<String> {
    let base = if fg { 38 } else { 48 };
    match c {
        Color::Rgb(r, g, b) => Some(format!("{base};2;{r};{g};{b}")),
        Color::Indexed(i) => Some(format!("{base};5;{i}")),
        _ => None,
    }
}

/// A line as ANSI escapes, for `cat` in a terminal.
fn ansi(line: &Line<'_>) -> String {
    let mut out = String::new();
    for s in &line.spans {
        let mut codes = vec!["0".to_string()];
        if let Some(fg) = s.style.fg.and_then(|c| sgr_colour(c, true)) {
            codes.push(fg);
        }
        if let Some(bg) = s.style.bg.and_then(|c| sgr_colour(c, false)) {
            codes.push(bg);
        }
        let m = s.style.add_modifier;
        for (flag, code) in [
            (Modifier::BOLD, "1"),
            (Modifier::DIM, "2"),
            (Modifier::ITALIC, "3"),
            (Modifier::UNDERLINED, "4"),
            (Modifier::CROSSED_OUT, "9"),
        ] {
            if m.contains(flag) {
                codes.push(code.to_string());
            }
        }
        let _ = write!(out, "\x1b[{}m{}", codes.join(";"), s.content);
    }
    out.push_str("\x1b[0m");
    out
}

/// `SSHFOLIO_DUMP=path cargo test --test main dump_ansi -- --ignored` writes the rich
/// sample as ANSI at `SSHFOLIO_DUMP_WIDTH` (default 80) columns, for viewing by eye.
#[test]
#[ignore]
fn dump_ansi() {
    let path = std::env::var("SSHFOLIO_DUMP").unwrap_or_else(|_| "/tmp/render.ansi".into());
    let width = std::env::var("SSHFOLIO_DUMP_WIDTH")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(80);
    let theme = match std::env::var("SSHFOLIO_DUMP_THEME").as_deref() {
        Ok("light") => ThemeKind::Light,
        _ => ThemeKind::Dark,
    };
    let r = render(
        &rich_document(),
        RenderOptions {
            width,
            theme,
            plain: false,
        },
    );
    let text: Vec<String> = r.lines().map(|l| ansi(&l)).collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

/// Source text through the real parser and the renderer: the seed's unclosed-embed
/// quirk keeps every paragraph after the card, nothing inside it.
#[test]
fn parsed_markdown_with_unclosed_embeds_renders_everything_in_flow() {
    let src = "## Video\n\n::youtube{id=\"abc123\" title=\"A talk\"}\n\nAfter the video, \
               thanks :mention{name=\"Joe\"}.\n\n| A | B |\n|---|---|\n| 1 | two |\n\n\
               ```ts\nconst x: number = 1;\n```\n\n> quoted\n\n1. one\n2. two\n";
    let (doc, _warnings) = sshfolio::content::markdown::parse(src);
    let r = render(
        &doc,
        RenderOptions {
            width: 60,
            theme: ThemeKind::Dark,
            plain: true,
        },
    );
    let lines = r.plain_lines();
    let text = lines.join("\n");
    let card_end = lines.iter().position(|l| l.starts_with('╰')).unwrap();
    let after = lines
        .iter()
        .position(|l| l.contains("After the video"))
        .unwrap();
    assert!(after > card_end, "{text}");
    assert!(!lines[after].contains('│'), "{text}");
    for want in [
        "▶ A talk",
        "https://youtu.be/abc123",
        "@Joe",
        "│ 1 │ two │",
        "╭─ ts ",
        "const x: number = 1;",
        "│ quoted",
        "1. one",
        "2. two",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    assert_eq!(r.anchors[0].title, "Video");
    assert_eq!(lines[r.anchors[0].line], "Video");
}

/// Over real SSH, the reader wraps a link's visible URL in OSC 8; vt100 ignores OSC 8,
/// so the raw bytes carry the sequence and the screen still shows the URL.
#[tokio::test]
async fn reader_links_are_osc8_hyperlinks_over_ssh() {
    use crate::util::{Term, TestServer, test_index};
    use sshfolio::content::{Block, Document, Inline};
    use std::sync::Arc;

    let server = TestServer::start().await;
    let mut index = test_index();
    let link = |url: &str, text: &str| Inline::Link {
        url: url.into(),
        title: None,
        content: vec![Inline::Text(text.into())],
    };
    index.posts[0].body = Document {
        blocks: vec![
            Block::Paragraph(vec![
                Inline::Text("Read ".into()),
                link("https://example.com/osc8", "https://example.com/osc8"),
            ]),
            Block::Paragraph(vec![link(
                "https://example.com/evil\u{1b}]8;;https://attacker.test\u{7}x",
                "a trap",
            )]),
        ],
    };
    server.index.send(Arc::new(index)).unwrap();
    let mut term = Term::open(server.addr, 80, 24, Some("blog/hello")).await;
    term.wait_for("https://example.com/osc8").await;
    term.wait_for("a trap").await;
    let raw = String::from_utf8_lossy(&term.raw).into_owned();
    let open = "\x1b]8;;https://example.com/osc8\x1b\\";
    let at = raw.find(open).expect("no OSC 8 link opened");
    let close = raw[at..].find("\x1b]8;;\x1b\\").expect("link never closed") + at;
    let inside = &raw[at + open.len()..close];
    let text: String = inside.chars().filter(|c| c.is_ascii_graphic()).collect();
    assert!(text.contains("https://example.com/osc8"), "{inside:?}");
    // The content's ESC/BEL never reach the guest: no second link was smuggled in.
    assert!(!raw.contains("\x1b]8;;https://attacker.test"), "{raw:?}");
    assert!(raw.contains("\x1b]8;;https://example.com/evil]8;;https://attacker.testx\x1b\\"));
    term.send(b"q").await;
    term.wait_closed().await;
    server.stop().await;
}

fn encoded(img: image::RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// Cells drawing a preview: `▀` with an RGB foreground (and background).
fn preview_cells(lines: &[Line<'_>]) -> Vec<(Color, Option<Color>)> {
    lines
        .iter()
        .flat_map(|l| &l.spans)
        .filter(|s| !s.content.is_empty() && s.content.chars().all(|c| c == '▀'))
        .filter_map(|s| match s.style.fg {
            Some(fg @ Color::Rgb(..)) => Some(vec![(fg, s.style.bg); s.content.chars().count()]),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A local image under `content/images/` is previewed in half-blocks (a GIF by its
/// first frame); a corrupt one stays a placeholder and is reported, without a panic.
#[test]
fn local_images_get_half_block_previews() {
    use crate::util::ContentDir;
    use image::{Delay, Frame, RgbImage, RgbaImage, codecs::gif::GifEncoder};

    let c = ContentDir::new();
    let red_over_blue = RgbImage::from_fn(40, 20, |_, y| {
        if y < 10 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    c.write(
        "images/pic.png",
        encoded(red_over_blue, image::ImageFormat::Png),
    );
    let mut gif = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut gif);
        for colour in [[0, 255, 0, 255], [255, 0, 255, 255]] {
            let frame = RgbaImage::from_pixel(8, 8, image::Rgba(colour));
            enc.encode_frame(Frame::from_parts(
                frame,
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            ))
            .unwrap();
        }
    }
    c.write("images/anim.gif", &gif);
    c.write("images/broken.png", b"\x89PNG\r\n\x1a\nnot really");
    c.write(
        "blog/pics.md",
        "---\ntitle: Pics\ndate: 2026-01-01\n---\n\
         ![A red and blue picture](/images/pic.png)\n\n\
         ![An animation](/images/anim.gif)\n\n\
         ![Broken](/images/broken.png)\n\n\
         ![Elsewhere](https://example.com/x.png)\n",
    );
    let index = sshfolio::content::load(c.path()).unwrap();
    assert!(
        index
            .warnings
            .iter()
            .any(|d| d.message.contains("/images/broken.png")),
        "{:?}",
        index.warnings
    );
    let doc = &index.posts[0].body;
    let opts = RenderOptions {
        width: 80,
        theme: ThemeKind::Dark,
        plain: false,
    };
    let r = sshfolio::render::render_with(doc, opts, &index.images);
    let cells = preview_cells(&r.lines().collect::<Vec<_>>());
    let red = Color::Rgb(255, 0, 0);
    let blue = Color::Rgb(0, 0, 255);
    let green = Color::Rgb(0, 255, 0);
    assert!(cells.contains(&(red, Some(red))), "no red cells");
    assert!(cells.contains(&(blue, Some(blue))), "no blue cells");
    assert!(
        cells.iter().any(|(fg, _)| *fg == green),
        "gif's first frame missing"
    );
    assert!(!cells.iter().any(|(fg, _)| *fg == Color::Rgb(255, 0, 255)));
    // 40×20 pixels: 40 columns, 10 rows; the 8×8 gif: 8 columns, 4 rows.
    assert_eq!(cells.len(), 40 * 10 + 8 * 4);
    let text = r.plain_lines().join("\n");
    for alt in [
        "A red and blue picture",
        "An animation",
        "Broken",
        "Elsewhere",
    ] {
        assert!(text.contains(alt), "{alt} missing:\n{text}");
    }
    assert!(text.contains("/images/broken.png"));
    // Every line stays within the width, previews included.
    for l in r.lines() {
        assert!(l.width() <= 80, "{l:?}");
    }
    // At 40 columns the picture shrinks to fit its frame.
    let narrow =
        sshfolio::render::render_with(doc, RenderOptions { width: 40, ..opts }, &index.images);
    for l in narrow.lines() {
        assert!(l.width() <= 40);
    }
    assert!(preview_cells(&narrow.lines().collect::<Vec<_>>()).len() < 40 * 10);
    // Plain output has no previews.
    let plain = sshfolio::render::render_with(
        doc,
        RenderOptions {
            plain: true,
            ..opts
        },
        &index.images,
    );
    assert!(plain.plain_lines().iter().all(|l| !l.contains('▀')));
}

/// A story image and a project thumbnail that are local files show as half-block
/// previews in the stories player and at the top of the project's page.
#[test]
fn story_images_and_thumbnails_are_previewed_in_the_ui() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use sshfolio::content::images::{Preview, Previews};
    use sshfolio::content::model::{Rgb, Story};
    use sshfolio::render::cache::RenderCache;
    use sshfolio::tui::{App, AppEvent, AppOptions};
    use std::sync::Arc;
    use terminput::{Event, KeyCode, KeyEvent};

    let mut index = crate::util::test_index();
    index.stories.push(Story {
        id: "s".into(),
        label: "Setup".into(),
        text: "My desk.".into(),
        image: Some("/images/desk.png".into()),
        color: None,
        link: None,
        order: 1,
        source: "stories/s.yml".into(),
    });
    index.projects[0].thumbnail = Some("/images/thumb.png".into());
    let solid = |c: Rgb| {
        Arc::new(Preview {
            width: 12,
            height: 8,
            pixels: vec![c; 96],
            id: 0,
            picture: None,
        })
    };
    let mut images = Previews::new();
    images.insert("/images/desk.png".into(), solid(Rgb(255, 0, 0)));
    images.insert("/images/thumb.png".into(), solid(Rgb(0, 255, 0)));
    index.images = Arc::new(images);
    let index = Arc::new(index);

    let cells_of = |term: &Terminal<TestBackend>, want: Color| {
        let buf = term.backend().buffer();
        buf.content()
            .iter()
            .filter(|c| c.symbol() == "▀" && c.fg == want && c.bg == want)
            .count()
    };
    let mut app = App::new(index.clone(), RenderCache::new(), AppOptions::default());
    app.update(AppEvent::Input(Event::Key(KeyEvent::new(KeyCode::Char(
        '4',
    )))));
    let mut term = Terminal::new(TestBackend::new(80, 30)).unwrap();
    term.draw(|f| app.view(f)).unwrap();
    assert_eq!(cells_of(&term, Color::Rgb(255, 0, 0)), 12 * 4);

    let opts = AppOptions {
        start: Some("projects/rack".into()),
        ..AppOptions::default()
    };
    let app = App::new(index, RenderCache::new(), opts);
    term.draw(|f| app.view(f)).unwrap();
    assert_eq!(cells_of(&term, Color::Rgb(0, 255, 0)), 12 * 4);
}

/// The home screen's site links are reported for OSC 8, over the cells showing them.
#[test]
fn home_site_links_are_hyperlinks() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use sshfolio::content::model::SiteLink;
    use sshfolio::render::cache::RenderCache;
    use sshfolio::tui::{App, AppOptions};
    use std::sync::Arc;

    let mut index = crate::util::test_index();
    index.site.links = vec![SiteLink {
        label: "GitHub".into(),
        url: "https://github.com/someone".into(),
    }];
    let app = App::new(Arc::new(index), RenderCache::new(), AppOptions::default());
    let mut term = Terminal::new(TestBackend::new(100, 40)).unwrap();
    term.draw(|f| app.view(f)).unwrap();
    let links = app.links();
    let (rect, url) = links
        .iter()
        .find(|(_, u)| u.contains("github.com/someone"))
        .expect("site link not reported");
    assert_eq!(url, "https://github.com/someone");
    let buf = term.backend().buffer();
    let shown: String = (rect.x..rect.right())
        .map(|x| buf[(x, rect.y)].symbol().to_string())
        .collect();
    assert_eq!(shown, "https://github.com/someone");
}
