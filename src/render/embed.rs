//! MDC components and images as cards: rounded boxes with a label on the top border
//! (YouTube, tweets, Instagram, Spotify, GitHub repos), their URLs recorded as links.

use ratatui::style::{Color, Style};

use super::inline::{Piece, bounded};
use super::style::Palette;
use super::width::{str_width, take_width};
use super::wrap::{Row, row_width, wrap};
use super::writer::Writer;
use crate::content::doc::{Props, prop};
use crate::content::images::Preview;
use crate::content::model::Rgb;

/// Props listed inside an unknown component's box, at most.
const MAX_PROPS_SHOWN: usize = 4;
/// Cards are never wider than this, however wide the screen.
const MAX_CARD: usize = 76;

/// `╭─ label ───╮` across `width` columns.
pub(crate) fn top_border(pal: &Palette, width: usize, label: &str) -> Row {
    let width = width.max(2);
    let mut row = vec![Piece::new("╭─", pal.border)];
    let mut used = 2;
    let label = bounded(label);
    if !label.is_empty() && width >= 8 {
        let (l, lw) = take_width(&label, width - 6);
        row.push(Piece::new(" ", pal.border));
        row.push(Piece::new(l, pal.label));
        row.push(Piece::new(" ", pal.border));
        used += lw + 2;
    }
    row.push(Piece::new(
        "─".repeat(width.saturating_sub(used + 1)),
        pal.border,
    ));
    row.push(Piece::new("╮", pal.border));
    row
}

/// `╰───╯` across `width` columns.
pub(crate) fn bottom_border(pal: &Palette, width: usize) -> Row {
    let width = width.max(2);
    vec![
        Piece::new("╰", pal.border),
        Piece::new("─".repeat(width - 2), pal.border),
        Piece::new("╯", pal.border),
    ]
}

/// A card: a rounded box as wide as its content needs (up to the width), each
/// content line wrapped inside it.
fn card(w: &mut Writer<'_>, label: &str, lines: Vec<Vec<Piece>>) {
    let pal = w.pal;
    let avail = w.avail();
    if avail < 8 {
        for l in &lines {
            for row in wrap(l, avail) {
                w.emit(row);
            }
        }
        return;
    }
    let box_w = card_width(&lines, avail, label);
    w.emit(top_border(pal, box_w, label));
    card_body(w, lines, box_w);
}

/// A card's width for `lines` under `label` in `avail` columns (at least 8).
fn card_width(lines: &[Vec<Piece>], avail: usize, label: &str) -> usize {
    let natural = lines
        .iter()
        .map(|l| row_width(l))
        .max()
        .unwrap_or(0)
        .max(str_width(label) + 4);
    (natural + 4).min(avail).min(MAX_CARD)
}

/// A card's rows and bottom border (its top border already emitted).
fn card_body(w: &mut Writer<'_>, lines: Vec<Vec<Piece>>, box_w: usize) {
    let pal = w.pal;
    let inner = box_w - 4;
    for l in &lines {
        for row in wrap(l, inner) {
            let rw = row_width(&row);
            let mut out = vec![Piece::new("│ ", pal.border)];
            out.extend(row);
            out.push(Piece::new(
                " ".repeat(inner.saturating_sub(rw)),
                Style::default(),
            ));
            out.push(Piece::new(" │", pal.border));
            w.emit(out);
        }
    }
    w.emit(bottom_border(pal, box_w));
}

fn url_line(w: &mut Writer<'_>, url: &str) -> Vec<Piece> {
    let id = w.links.add(url);
    vec![Piece::link(bounded(url), w.pal.link_text, id)]
}

/// Draw a known embed's card; `false` when `name` is not one we know.
pub(crate) fn known_embed(w: &mut Writer<'_>, name: &str, props: &Props) -> bool {
    let pal = w.pal;
    let get = |k: &str| prop(props, k).map(bounded).filter(|v| !v.trim().is_empty());
    let id = get("id");
    let mut lines: Vec<Vec<Piece>> = Vec::new();
    let label;
    match name.to_ascii_lowercase().as_str() {
        "youtube" | "youtube-video" => {
            label = "YouTube";
            let title = get("title").unwrap_or_else(|| "YouTube video".to_string());
            lines.push(vec![Piece::new(format!("▶ {title}"), pal.card_title)]);
            if let Some(id) = &id {
                lines.push(url_line(w, &format!("https://youtu.be/{id}")));
            }
        }
        "tweet" | "twitter" | "x" => {
            label = "Post on X";
            if let Some(author) = get("author").or_else(|| get("user")) {
                lines.push(vec![Piece::new(format!("@{author}"), pal.card_title)]);
            }
            if let Some(text) = get("text").or_else(|| get("caption")) {
                lines.push(vec![Piece::new(text, pal.text)]);
            }
            match &id {
                Some(id) => lines.push(url_line(w, &format!("https://x.com/i/status/{id}"))),
                None => lines.push(vec![Piece::new("tweet", pal.dim)]),
            }
        }
        "instagram" => {
            label = "Instagram";
            if let Some(author) = get("author") {
                let author = author.trim_start_matches('@').to_string();
                lines.push(vec![Piece::new(format!("@{author}"), pal.card_title)]);
            }
            if let Some(caption) = get("caption") {
                lines.push(vec![Piece::new(caption, pal.emphasis.patch(pal.text))]);
            }
            if let Some(id) = &id {
                lines.push(url_line(w, &format!("https://www.instagram.com/p/{id}")));
            }
        }
        "spotify" => {
            label = "Spotify";
            let kind = get("type").unwrap_or_else(|| "track".to_string());
            let mut cap = kind.clone();
            if let Some(f) = cap.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            let title = get("title").map(|t| format!(": {t}")).unwrap_or_default();
            lines.push(vec![Piece::new(format!("♫ {cap}{title}"), pal.card_title)]);
            if let Some(id) = &id {
                let kind: String = kind
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                lines.push(url_line(
                    w,
                    &format!("https://open.spotify.com/{kind}/{id}"),
                ));
            }
        }
        "github" | "github-repo" | "repo" => {
            label = "GitHub";
            let repo = get("repo").or_else(|| id.clone());
            if let Some(repo) = &repo {
                lines.push(vec![Piece::new(repo.clone(), pal.card_title)]);
            }
            if let Some(d) = get("description") {
                lines.push(vec![Piece::new(d, pal.text)]);
            }
            let mut meta = Vec::new();
            if let Some(lang) = get("language") {
                meta.push(Piece::new(format!("● {lang}"), pal.label));
            }
            if let Some(stars) = get("stars") {
                if !meta.is_empty() {
                    meta.push(Piece::new("  ", Style::default()));
                }
                meta.push(Piece::new(format!("★ {stars}"), pal.dim));
            }
            if !meta.is_empty() {
                lines.push(meta);
            }
            if let Some(repo) = &repo {
                lines.push(url_line(w, &format!("https://github.com/{repo}")));
            }
        }
        _ => return false,
    }
    card(w, label, lines);
    true
}

/// Most rows a preview takes (two pixels per row).
const PREVIEW_ROWS: usize = 16;

/// An image standing alone: a framed placeholder with alt text, title and URL, and
/// above them a half-block preview when the image is decoded (a local file or a
/// download), recorded as a `PictureSpan` for guests whose terminal shows pixels.
pub(crate) fn image(w: &mut Writer<'_>, alt: &str, src: &str, title: Option<&str>) {
    let pal = w.pal;
    let mut lines = Vec::new();
    let inner = w.avail().min(MAX_CARD).saturating_sub(4);
    let mut picture = None;
    if !pal.plain
        && inner >= 4
        && w.avail() >= 8
        && let Some(p) = w.images.get(src.trim())
    {
        let rows = preview_rows(p, inner, PREVIEW_ROWS);
        let cols = rows.first().map_or(0, |r| r.len());
        picture = Some((cols, rows.len()));
        lines.extend(rows);
    }
    let alt = bounded(alt);
    if alt.trim().is_empty() {
        lines.push(vec![Piece::new("[image]", pal.dim)]);
    } else {
        lines.push(vec![
            Piece::new("[image] ", pal.dim),
            Piece::new(alt, pal.emphasis.patch(pal.text)),
        ]);
    }
    if let Some(t) = title.map(bounded).filter(|t| !t.trim().is_empty()) {
        lines.push(vec![Piece::new(t, pal.dim)]);
    }
    if !src.trim().is_empty() {
        lines.push(url_line(w, src));
    }
    if let Some((cols, rows)) = picture {
        // After the card's top border, inside its `│ `.
        let box_w = card_width(&lines, w.avail(), "image");
        w.emit(top_border(pal, box_w, "image"));
        w.picture(src.trim(), 2, cols, rows);
        card_body(w, lines, box_w);
        return;
    }
    card(w, "image", lines);
}

/// The first few props of an unknown component, inside its box.
pub(crate) fn props_lines(w: &mut Writer<'_>, props: &Props, always: bool) {
    if props.is_empty() {
        if always {
            w.emit(vec![Piece::new("(empty)", w.pal.dim)]);
        }
        return;
    }
    let avail = w.avail();
    for (k, v) in props.iter().take(MAX_PROPS_SHOWN) {
        let pieces = vec![
            Piece::new(format!("{}: ", bounded(k)), w.pal.dim),
            Piece::new(bounded(v), w.pal.text),
        ];
        for row in wrap(&pieces, avail) {
            w.emit(row);
        }
    }
    if props.len() > MAX_PROPS_SHOWN {
        let more = format!("… {} more", props.len() - MAX_PROPS_SHOWN);
        for row in wrap(&[Piece::new(more, w.pal.dim)], avail) {
            w.emit(row);
        }
    }
    w.end_block();
}

/// `p` scaled to fit `cols` columns and `rows` rows (never enlarged), as rows of `▀`
/// whose foreground is the upper pixel and background the lower one.
pub(crate) fn preview_rows(p: &Preview, cols: usize, rows: usize) -> Vec<Vec<Piece>> {
    let (pw, ph) = (usize::from(p.width), usize::from(p.height));
    if pw == 0 || ph == 0 || cols == 0 || rows == 0 {
        return Vec::new();
    }
    let scale = f64::min(cols as f64 / pw as f64, (rows * 2) as f64 / ph as f64).min(1.0);
    let tw = ((pw as f64 * scale).round() as usize).clamp(1, cols);
    let th = ((ph as f64 * scale).round() as usize).clamp(1, rows * 2);
    // The average of the source pixels under each target pixel.
    let sample = |tx: usize, ty: usize| -> Color {
        let (x0, x1) = (tx * pw / tw, ((tx + 1) * pw / tw).max(tx * pw / tw + 1));
        let (y0, y1) = (ty * ph / th, ((ty + 1) * ph / th).max(ty * ph / th + 1));
        let (mut r, mut g, mut b, mut n) = (0u32, 0u32, 0u32, 0u32);
        for y in y0..y1.min(ph) {
            for x in x0..x1.min(pw) {
                let Rgb(pr, pg, pb) = p.at(x, y);
                r += u32::from(pr);
                g += u32::from(pg);
                b += u32::from(pb);
                n += 1;
            }
        }
        let n = n.max(1);
        Color::Rgb((r / n) as u8, (g / n) as u8, (b / n) as u8)
    };
    (0..th.div_ceil(2))
        .map(|row| {
            (0..tw)
                .map(|x| {
                    let mut style = Style::default().fg(sample(x, row * 2));
                    if row * 2 + 1 < th {
                        style = style.bg(sample(x, row * 2 + 1));
                    }
                    Piece::new("▀", style)
                })
                .collect()
        })
        .collect()
}
