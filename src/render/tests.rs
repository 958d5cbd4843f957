//! Behaviour of the whole renderer on hand-built documents: the width invariant,
//! nothing lost, anchors, links, tables, embeds, plain output, hostile input.
//! Test code only: `render.rs` declares it as `#[cfg(test)] mod tests;`.
//!
//! Over 600 lines: test code only: the render tests in one place.
#![cfg(test)]

use ratatui::style::Style;
use unicode_segmentation::UnicodeSegmentation;

use super::sample::{deep_nesting, hostile_document, rich_document, seed_tables};
use super::width::grapheme_width;
use super::*;
use crate::content::doc::{Block, Document, Inline};

fn opts(width: u16) -> RenderOptions {
    RenderOptions {
        width,
        theme: ThemeKind::Dark,
        plain: false,
    }
}

fn plain_opts(width: u16) -> RenderOptions {
    RenderOptions {
        plain: true,
        ..opts(width)
    }
}

/// The text at display columns `start..end` of `line`.
fn columns(line: &str, start: usize, end: usize) -> String {
    let mut col = 0;
    let mut out = String::new();
    for g in line.graphemes(true) {
        if col >= start && col < end {
            out.push_str(g);
        }
        col += grapheme_width(g);
    }
    out
}

fn assert_within(r: &Rendered, width: usize, what: &str) {
    for (i, l) in r.lines().enumerate() {
        assert!(
            l.width() <= width,
            "{what}: line {i} is {} wide at width {width}: {:?}",
            l.width(),
            r.plain_lines()[i]
        );
        let cells: usize = l
            .spans
            .iter()
            .map(|s| super::width::str_width(&s.content))
            .sum();
        assert!(
            cells <= width,
            "{what}: line {i} has {cells} cells at {width}"
        );
    }
}

#[test]
fn no_line_is_wider_than_the_width_for_any_width() {
    let doc = hostile_document();
    for width in 1..=130u16 {
        for o in [opts(width), plain_opts(width)] {
            let r = render(&doc, o);
            assert_within(&r, usize::from(width), "hostile");
            assert!(!r.is_empty());
        }
    }
    for width in [0u16, 200, 300, 301, u16::MAX] {
        let r = render(&doc, opts(width));
        assert_within(&r, usize::from(width.clamp(1, 300)), "extreme");
    }
}

/// Every visible word of a document, plus each code line (walked recursively; test
/// documents are shallow).
fn words(blocks: &[Block], out: &mut Vec<String>, code: &mut Vec<String>) {
    fn inl(i: &[Inline], out: &mut Vec<String>) {
        for x in i {
            let text = Inline::plain_text(std::slice::from_ref(x));
            out.extend(text.split_whitespace().map(str::to_string));
            if let Inline::Link { url, .. } = x {
                out.push(url.clone());
            }
        }
    }
    for b in blocks {
        match b {
            Block::Heading { content, .. } | Block::Paragraph(content) => inl(content, out),
            Block::Code { code: c, .. } => code.extend(c.lines().map(str::to_string)),
            Block::Table { header, rows, .. } => {
                for c in header.iter().chain(rows.iter().flatten()) {
                    inl(c, out);
                }
            }
            Block::Quote(b) => words(b, out, code),
            Block::List { items, .. } => {
                for i in items {
                    words(i, out, code);
                }
            }
            Block::Image { alt, src, .. } => {
                out.extend(alt.split_whitespace().map(str::to_string));
                out.push(src.clone());
            }
            Block::Rule => {}
            Block::Component {
                props, children, ..
            } => {
                for (k, v) in props {
                    if k != "id" && k != "type" {
                        out.extend(v.split_whitespace().map(str::to_string));
                    }
                }
                words(children, out, code);
            }
            Block::Html(h) => out.extend(h.split_whitespace().map(str::to_string)),
        }
    }
}

#[test]
fn every_word_and_code_line_appears_at_40_80_and_120() {
    let doc = rich_document();
    let (mut ws, mut code) = (Vec::new(), Vec::new());
    words(&doc.blocks, &mut ws, &mut code);
    for width in [40u16, 80, 120] {
        let r = render(&doc, plain_opts(width));
        let lines = r.plain_lines();
        // Words may be broken across lines (and table borders): compare without
        // whitespace and frame characters.
        let squash = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace() && !"│╭╮╰╯─┌┐└┘├┤┬┴┼".contains(*c))
                .collect()
        };
        let all: String = lines.iter().map(|l| squash(l)).collect();
        for w in &ws {
            assert!(all.contains(&squash(w)), "{w:?} lost at width {width}");
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
        for c in &code {
            let c = c.replace('\t', "    ");
            assert!(
                lines
                    .iter()
                    .chain(wide.iter())
                    .any(|l| l.contains(c.as_str())),
                "code line {c:?} lost at width {width}"
            );
        }
    }
}

#[test]
fn anchors_point_at_their_heading_lines() {
    let r = render(&rich_document(), opts(80));
    let lines = r.plain_lines();
    assert_eq!(r.anchors.len(), 6);
    for a in &r.anchors {
        assert!(
            lines[a.line].contains(&a.title),
            "{a:?} -> {:?}",
            lines[a.line]
        );
    }
    assert_eq!(r.anchors[1].id, "second-level");
    assert_eq!(r.anchors[1].level, 2);
}

#[test]
fn link_spans_cover_exactly_the_url_text() {
    for width in [20u16, 40, 80] {
        let r = render(&rich_document(), opts(width));
        let lines = r.plain_lines();
        // Consecutive spans of one URL on consecutive lines are one wrapped URL.
        let mut found: Vec<(String, String)> = Vec::new();
        let mut prev_line = usize::MAX;
        for l in &r.links {
            let text = columns(&lines[l.line], l.start.into(), l.end.into());
            match found.last_mut() {
                Some((url, acc)) if *url == l.url && l.line == prev_line.wrapping_add(1) => {
                    acc.push_str(&text)
                }
                _ => found.push((l.url.clone(), text)),
            }
            prev_line = l.line;
        }
        for (url, text) in &found {
            assert_eq!(url, text, "link span text at width {width}");
        }
        let by_url: std::collections::BTreeMap<(String, usize), ()> =
            found.iter().map(|(u, _)| ((u.clone(), 0), ())).collect();
        for url in [
            "https://example.com/docs",
            "https://example.org",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://x.com/i/status/1234567890",
            "https://www.instagram.com/p/CxYz123",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://github.com/owner/project",
            "/images/network.gif",
        ] {
            assert!(by_url.keys().any(|k| k.0 == url), "no link span for {url}");
        }
    }
}

#[test]
fn link_url_follows_its_text_in_parentheses() {
    let r = render(&rich_document(), plain_opts(200));
    let text = r.plain_lines().join("\n");
    assert!(text.contains("link to the docs (https://example.com/docs)"));
    // An autolink is not repeated.
    assert!(!text.contains("https://example.org (https://example.org)"));
    assert!(text.contains("@Joe"));
}

#[test]
fn plain_output_has_no_styles_at_all() {
    let r = render(&hostile_document(), plain_opts(80));
    for l in r.lines().chain(r.wide.iter().map(|w| r.wide_full(w))) {
        assert_eq!(l.style, Style::default());
        for s in &l.spans {
            assert_eq!(s.style, Style::default(), "{:?}", s.content);
        }
    }
}

#[test]
fn plain_and_styled_layouts_are_the_same_text() {
    // The same words, except that without colour inline code keeps its backticks
    // (which may wrap a line, or size a table, differently).
    let doc = rich_document();
    let words = |lines: Vec<String>| -> Vec<String> {
        lines
            .join(" ")
            .replace('`', "")
            .split_whitespace()
            // Borders and rules follow the cells' widths.
            .filter(|w| !w.chars().all(|c| ('\u{2500}'..='\u{257f}').contains(&c)))
            .map(str::to_string)
            .collect()
    };
    for width in [30u16, 80] {
        let plain = render(&doc, plain_opts(width)).plain_lines();
        assert!(plain.iter().any(|l| l.contains("`inline code`")));
        assert_eq!(words(render(&doc, opts(width)).plain_lines()), words(plain));
    }
}

#[test]
fn a_table_that_cannot_fit_is_stacked() {
    let doc = Document {
        blocks: seed_tables(),
    };
    let r = render(&doc, plain_opts(24));
    let text = r.plain_lines().join("\n");
    assert!(!text.contains('┌'), "{text}");
    assert!(text.contains("Source: Monitoring node"), "{text}");
    assert!(text.contains("Result: ✅ Works"), "{text}");
    // At 120 columns the same tables are grids, no wider than needed.
    let r = render(&doc, plain_opts(120));
    let lines = r.plain_lines();
    assert!(lines[0].starts_with('┌'), "{lines:?}");
    assert!(lines[0].chars().count() < 120);
    assert!(lines.iter().any(|l| l.contains("│ Source")));
}

#[test]
fn table_columns_are_balanced_and_cells_wrapped_at_40() {
    let doc = Document {
        blocks: seed_tables(),
    };
    let r = render(&doc, plain_opts(40));
    let lines = r.plain_lines();
    assert!(lines[0].starts_with('┌'), "{}", lines.join("\n"));
    // Every grid line of a table has the same width.
    let first_table: Vec<&String> = lines.iter().take_while(|l| !l.is_empty()).collect();
    let w0 = super::width::str_width(first_table[0]);
    for l in &first_table {
        assert_eq!(super::width::str_width(l), w0, "{}", lines.join("\n"));
    }
}

#[test]
fn long_code_lines_are_clipped_with_a_marker_and_kept_whole() {
    let r = render(&hostile_document(), opts(60));
    let long = r
        .wide
        .iter()
        .find(|w| {
            r.wide_full(w)
                .spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
                .contains(&"x".repeat(10_000))
        })
        .expect("the 10,000-column line is in wide");
    let drawn = &r.plain_lines()[long.line];
    assert!(drawn.trim_end_matches(['│', ' ']).ends_with('…'), "{drawn}");
    assert!(drawn.starts_with("│ echo"), "{drawn}");
}

#[test]
fn code_blocks_show_their_language_and_are_highlighted() {
    let r = render(&rich_document(), opts(80));
    let lines = r.plain_lines();
    assert!(lines.iter().any(|l| l.starts_with("╭─ yaml ─")));
    let yaml = lines
        .iter()
        .position(|l| l.contains("name: sshfolio"))
        .unwrap();
    let colours: std::collections::HashSet<_> = r
        .line(yaml)
        .unwrap_or_default()
        .spans
        .iter()
        .filter_map(|s| s.style.fg)
        .collect();
    assert!(colours.len() > 2, "{:?}", r.line(yaml).unwrap_or_default());
}

#[test]
fn embeds_are_cards_and_swallowed_children_follow_them() {
    let r = render(&rich_document(), plain_opts(80));
    let lines = r.plain_lines();
    let card = lines
        .iter()
        .position(|l| l.contains("▶ An unclosed embed"))
        .unwrap();
    let child = lines
        .iter()
        .position(|l| l.contains("Swallowed paragraph"))
        .unwrap();
    assert!(child > card);
    // The child is outside the card: no border on its line.
    assert!(!lines[child].contains('│'), "{}", lines[child]);
    assert!(lines.iter().any(|l| l.contains("★ 1234")));
    assert!(lines.iter().any(|l| l.starts_with("╭─ YouTube ")));
}

#[test]
fn unknown_components_are_labelled_boxes_with_bounded_props() {
    let r = render(&hostile_document(), plain_opts(80));
    let lines = r.plain_lines();
    let top = lines
        .iter()
        .position(|l| l.starts_with("╭─ weird "))
        .unwrap();
    let bottom = top
        + lines[top..]
            .iter()
            .position(|l| l.starts_with('╰'))
            .unwrap();
    assert!(bottom - top < 10, "{}", lines[top..=bottom].join("\n"));
    assert!(lines[top..bottom].iter().any(|l| l.contains("… 996 more")));
    let callout = lines
        .iter()
        .position(|l| l.starts_with("╭─ callout "))
        .unwrap();
    assert!(
        lines[callout + 1..callout + 5]
            .iter()
            .any(|l| l.contains("Inside an unknown component."))
    );
}

#[test]
fn lists_have_bullets_by_depth_and_right_aligned_numbers() {
    let r = render(&rich_document(), plain_opts(80));
    let lines = r.plain_lines();
    assert!(lines.iter().any(|l| l == "• First bullet"));
    assert!(lines.iter().any(|l| l == "  ◦ Nested bullet"));
    assert!(lines.iter().any(|l| l == "    ▪ Third level bullet"));
    assert!(lines.iter().any(|l| l == " 8. Ordered item 0"));
    assert!(lines.iter().any(|l| l == "11. Ordered item 3"));
    // A wrapped item hangs under its text.
    let r = render(&rich_document(), plain_opts(30));
    let lines = r.plain_lines();
    let i = lines
        .iter()
        .position(|l| l.starts_with("• Second bullet"))
        .unwrap();
    assert!(lines[i + 1].starts_with("  ") && !lines[i + 1].starts_with("   "));
}

#[test]
fn quotes_have_bars_and_nest() {
    let r = render(&rich_document(), plain_opts(80));
    let lines = r.plain_lines();
    assert!(lines.iter().any(|l| l == "│ A quote with a strong word."));
    assert!(lines.iter().any(|l| l == "│ │ A nested quote."));
    assert!(lines.iter().any(|l| l == "│"));
}

#[test]
fn five_hundred_nesting_levels_render_quickly_at_every_width() {
    let doc = Document {
        blocks: vec![deep_nesting(500)],
    };
    let start = crate::cpu_time::thread_cpu();
    for width in [1u16, 5, 10, 40, 80, 300] {
        let r = render(&doc, plain_opts(width));
        assert_within(&r, usize::from(width), "deep");
        let text: String = r.plain_lines().concat();
        assert!(text.contains("bottom"), "{width}: {text}");
    }
    assert!((crate::cpu_time::thread_cpu() - start).as_secs() < 10);
    // Content keeps room to breathe at 80 columns.
    let r = render(&doc, plain_opts(80));
    let last = r
        .plain_lines()
        .into_iter()
        .find(|l| l.contains("bottom"))
        .unwrap();
    assert!(last.trim_start_matches(['│', '•', '◦', '▪', ' ']).len() >= 10);
}

#[test]
fn emoji_and_cjk_are_measured_like_the_terminal() {
    let doc = Document {
        blocks: vec![Block::Paragraph(vec![Inline::Text(
            "🗺️🗺️🗺️🗺️🗺️ 日本語日本語日本語".into(),
        )])],
    };
    for width in 1..=12u16 {
        let r = render(&doc, opts(width));
        assert_within(&r, usize::from(width), "emoji");
    }
    let r = render(&doc, opts(10));
    assert_eq!(r.plain_lines()[0], "🗺️🗺️🗺️🗺️🗺️");
}

/// A tiny deterministic PRNG (xorshift) for the randomized test below.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TRICKY: &[&str] = &[
    "a",
    "word",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u{200d}",
    "\u{fe0f}",
    "\u{301}",
    "👩‍👩‍👧",
    "🇺🇸",
    "🇺",
    "🗺️",
    "日本",
    "ﾊ",
    "\u{1b}[2J",
    "\u{7f}",
    "\u{85}",
    "—",
    "…",
    "لا",
    "\u{202e}",
    "\u{ad}",
    "\u{1160}",
    "\u{115f}",
    "ᄀ",
    "𝕏",
    "\u{2028}",
    "\u{feff}",
    "\u{0}",
    "https://x.y/z",
    "supercalifragilistic",
    "✅",
    "❌",
    "→",
    "’",
];

fn rand_text(r: &mut Rng) -> String {
    (0..r.below(12))
        .map(|_| TRICKY[r.below(TRICKY.len())])
        .collect()
}

fn rand_inlines(r: &mut Rng, depth: usize) -> Vec<Inline> {
    (0..r.below(5))
        .map(|_| match r.below(if depth > 3 { 3 } else { 11 }) {
            0 | 1 => Inline::Text(rand_text(r)),
            2 => Inline::Code(rand_text(r)),
            3 => Inline::Strong(rand_inlines(r, depth + 1)),
            4 => Inline::Emphasis(rand_inlines(r, depth + 1)),
            5 => Inline::Link {
                url: rand_text(r),
                title: None,
                content: rand_inlines(r, depth + 1),
            },
            6 => Inline::Image {
                alt: rand_text(r),
                src: rand_text(r),
                title: None,
            },
            7 => Inline::Component {
                name: "mention".into(),
                props: vec![("name".into(), rand_text(r))],
                label: vec![],
            },
            8 => Inline::HardBreak,
            9 => Inline::Strikethrough(rand_inlines(r, depth + 1)),
            _ => Inline::SoftBreak,
        })
        .collect()
}

fn rand_blocks(r: &mut Rng, depth: usize) -> Vec<Block> {
    (0..r.below(5))
        .map(|_| match r.below(if depth > 4 { 4 } else { 12 }) {
            0 | 1 => Block::Paragraph(rand_inlines(r, 0)),
            2 => Block::Heading {
                level: r.below(8) as u8,
                id: String::new(),
                content: rand_inlines(r, 0),
            },
            3 => Block::Code {
                lang: ["rust", "bash", "yaml", "", "json", "nope"]
                    .get(r.below(6))
                    .map(|s| s.to_string()),
                code: (0..r.below(4))
                    .map(|_| rand_text(r) + "\n")
                    .collect::<String>()
                    .into(),
            },
            4 => Block::Quote(rand_blocks(r, depth + 1)),
            5 => Block::List {
                start: (r.below(2) == 0).then(|| r.next()),
                items: (0..r.below(4)).map(|_| rand_blocks(r, depth + 1)).collect(),
            },
            6 => {
                let cols = r.below(5);
                Block::Table {
                    align: vec![Default::default(); r.below(6)],
                    header: (0..cols).map(|_| rand_inlines(r, 0)).collect(),
                    rows: (0..r.below(4))
                        .map(|_| (0..r.below(7)).map(|_| rand_inlines(r, 0)).collect())
                        .collect(),
                }
            }
            7 => Block::Image {
                alt: rand_text(r),
                src: rand_text(r),
                title: Some(rand_text(r)),
            },
            8 => Block::Rule,
            9 => Block::Html(rand_text(r)),
            _ => Block::Component {
                name: [
                    "youtube",
                    "tweet",
                    "instagram",
                    "spotify",
                    "github",
                    "box",
                    "",
                ][r.below(7)]
                .to_string(),
                props: (0..r.below(6))
                    .map(|_| {
                        let k = ["id", "title", "type", "repo", "author", "caption", "x"];
                        (k[r.below(k.len())].to_string(), rand_text(r))
                    })
                    .collect(),
                children: rand_blocks(r, depth + 1),
                slots: vec![("s".into(), rand_blocks(r, depth + 1))],
                closed: r.below(2) == 0,
                line: 0,
            },
        })
        .collect()
}

#[test]
fn random_documents_never_break_the_width_invariant() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        let doc = Document {
            blocks: rand_blocks(&mut r, 0),
        };
        let width = 1 + r.below(140) as u16;
        let plain = r.below(3) == 0;
        let theme = if r.below(2) == 0 {
            ThemeKind::Dark
        } else {
            ThemeKind::Light
        };
        let rendered = render(
            &doc,
            RenderOptions {
                width,
                theme,
                plain,
            },
        );
        assert_within(&rendered, usize::from(width), &format!("{doc:?}"));
        let lines = rendered.len();
        for l in &rendered.links {
            assert!(l.line < lines && l.start < l.end && usize::from(l.end) <= usize::from(width));
        }
        for a in &rendered.anchors {
            assert!(a.line < lines);
        }
    }
}

#[test]
fn very_narrow_widths_still_show_text() {
    let doc = rich_document();
    for width in [3u16, 5, 9] {
        let r = render(&doc, plain_opts(width));
        assert_within(&r, usize::from(width), "narrow");
        let all: String = r.plain_lines().concat();
        assert!(
            all.contains("First") && all.contains("bullet"),
            "{width}: {all}"
        );
    }
}
