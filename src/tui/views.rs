//! Views: the drawing the screens share. The chrome (tab bar, rule, notice line, footer
//! hints, the too-small notice) and the helpers every screen draws with (fitting text,
//! list offsets, selection marks, panels, status lights, match highlights). Pure: no
//! state but the buffer and the hit map they are given. Each screen's own drawing is its
//! `view` in `screens/`; the router (`App::render`) puts the chrome and a screen together.

pub(crate) mod fast;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use unicode_segmentation::UnicodeSegmentation;

use super::state::{CellRun, Hit, HitMap, Notice, NoticeKind, OnlineSlot, Screen, Section};
use super::strings as s;
use super::{highlight, keymap};
use crate::content::Index;
use crate::content::model::{RackStatus, Rgb};
use crate::render::width::{grapheme_width, str_width};
use crate::theme::{ColorDepth, Theme};

/// Below this size the app shows only the too-small notice.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// The notice line: a mark and the text, in the notice's colour.
pub(crate) fn notice(n: &Notice, r: Rect, buf: &mut Buffer, theme: &Theme) {
    let (mark, color) = match n.kind {
        NoticeKind::Info => ("● ", theme.accent),
        NoticeKind::Warn => ("▲ ", theme.warn),
    };
    let line = Line::from(vec![
        Span::styled(format!(" {mark}"), Style::default().fg(color)),
        Span::styled(n.text.clone(), Style::default().fg(color)),
    ]);
    fast::render_line(&line, r, buf);
}

/// The frame split into its fixed parts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chrome {
    pub tabs: Rect,
    pub rule: Rect,
    pub body: Rect,
    pub notice: Option<Rect>,
    pub footer: Rect,
}

/// Tab bar, a rule, the body, an optional notice line, the footer.
pub(crate) fn chrome(area: Rect, notice: bool) -> Chrome {
    let h = area.height;
    let row = |y: u16| {
        Rect::new(
            area.x,
            area.y + y.min(h.saturating_sub(1)),
            area.width,
            1.min(h),
        )
    };
    let footer_y = h.saturating_sub(1);
    let notice_rows = u16::from(notice);
    let body_h = h.saturating_sub(3 + notice_rows);
    Chrome {
        tabs: row(0),
        rule: row(1),
        body: Rect::new(area.x, area.y + 2.min(h), area.width, body_h),
        notice: notice.then(|| row(footer_y.saturating_sub(1))),
        footer: row(footer_y),
    }
}

/// The tab bar: brand, the four tabs, guests online. When the width runs short the
/// online count goes first, then the brand, then the tabs' padding: the tabs always
/// stay (they are how a guest finds the sections, and mouse targets).
#[allow(clippy::too_many_arguments)]
pub(crate) fn tabs(
    hits: &mut HitMap,
    index: &Index,
    guests: usize,
    active: Section,
    show_active: bool,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let labels = [s::TAB_HOME, s::TAB_PROJECTS, s::TAB_BLOG, s::TAB_STORIES];
    let tab_text = |i: usize, pad: bool| {
        if pad {
            format!(" {} {} ", i + 1, labels[i])
        } else {
            format!("{} {}", i + 1, labels[i])
        }
    };
    let tabs_w = |pad: bool| -> u16 {
        (0..4)
            .map(|i| str_width(&tab_text(i, pad)) as u16 + 1)
            .sum()
    };
    let brand = format!("◆ {}", site_name(index));
    let brand_w = str_width(&brand).min(24) as u16 + 3;
    let online_w = online_width(guests);
    let room = area.width.saturating_sub(1);
    let (show_brand, show_online, pad) = if brand_w + tabs_w(true) + online_w <= room {
        (true, true, true)
    } else if brand_w + tabs_w(true) <= room {
        (true, false, true)
    } else if tabs_w(true) <= room {
        (false, false, true)
    } else {
        (false, false, false)
    };
    if show_brand && pad {
        // Brand and padded tabs stay put whatever the count: its label may come and go
        // on its own (a hibernated session rewrites just these cells, `online_patch`).
        hits.online = Some(OnlineSlot {
            y: area.y,
            x: if show_online {
                online_x(area.right(), online_w)
            } else {
                area.right()
            },
            right: area.right(),
            room: room - brand_w - tabs_w(true),
        });
    }
    let mut x = area.x + 1;
    if show_brand {
        fast::set_stringn(
            buf,
            x,
            area.y,
            &brand,
            (brand_w - 3) as usize,
            theme.title(),
        );
        x += brand_w;
    }
    for (i, sec) in Section::ALL.iter().enumerate() {
        let text = tab_text(i, pad);
        let w = str_width(&text) as u16;
        if x + w > area.right() {
            break;
        }
        if *sec == active && show_active {
            let st = Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD);
            fast::set_string(buf, x, area.y, &text, st);
        } else {
            let (digit, rest) = text.split_at(if pad { 3 } else { 2 });
            fast::set_string(buf, x, area.y, digit, theme.dim());
            fast::set_string(buf, x + digit.len() as u16, area.y, rest, theme.base());
        }
        hits.regions
            .push((Rect::new(x, area.y, w, 1), Hit::Tab(*sec)));
        x += w + 1;
    }
    if show_online {
        for (x, text, style) in online_label(guests, area.right(), theme) {
            fast::set_string(buf, x, area.y, text, style);
        }
    }
}

/// Columns the guests-online label takes with its margin.
fn online_width(n: usize) -> u16 {
    str_width(&s::online(n)) as u16 + 3
}

/// Where a label of `width` (`online_width`) starts when it ends at `right`.
fn online_x(right: u16, width: u16) -> u16 {
    (right + 1).saturating_sub(width)
}

/// The guests-online label ending at `right`: (x, text, style) for its light and its
/// words (the cell between them is blank).
fn online_label(n: usize, right: u16, theme: &Theme) -> [(u16, String, Style); 2] {
    let x = online_x(right, online_width(n));
    [
        (x, "●".to_string(), Style::default().fg(theme.live)),
        (x + 2, s::online(n), theme.dim()),
    ]
}

/// The cells that turn the guests-online label in `slot` into `n`'s, exactly as a full
/// repaint of the tab bar would draw them (blanks where a wider label was, or the
/// whole slot when the new one doesn't fit); `slot` then describes the new label.
pub(crate) fn online_patch(
    slot: &mut OnlineSlot,
    n: usize,
    theme: &Theme,
    depth: ColorDepth,
) -> Vec<CellRun> {
    // What `draw` leaves under the label: the frame's base style, then the label's.
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let convert = |st: Style| {
        let st = base.patch(st);
        Style {
            fg: st.fg.map(|c| depth.convert(c)),
            bg: st.bg.map(|c| depth.convert(c)),
            ..st
        }
    };
    let run = |x: u16, text: String, style: Style| CellRun {
        x,
        y: slot.y,
        text,
        style: convert(style),
    };
    let w = online_width(n);
    let fits = w <= slot.room;
    let new_x = if fits {
        online_x(slot.right, w)
    } else {
        slot.right
    };
    let start = slot.x.min(new_x);
    let mut runs = Vec::new();
    if new_x > start {
        runs.push(run(
            start,
            " ".repeat((new_x - start) as usize),
            Style::default(),
        ));
    }
    if fits {
        let [(dx, dot, dot_style), (tx, text, text_style)] = online_label(n, slot.right, theme);
        runs.push(run(dx, dot, dot_style));
        runs.push(run(dx + 1, " ".to_string(), Style::default()));
        runs.push(run(tx, text, text_style));
    }
    slot.x = new_x;
    runs
}

pub(crate) fn rule(area: Rect, buf: &mut Buffer, theme: &Theme) {
    let line = "─".repeat(area.width as usize);
    fast::set_string(buf, area.x, area.y, line, Style::default().fg(theme.border));
}

/// Key hints for the current screen, from the key table; `? help` is pinned to the
/// right so it survives narrow terminals, the rest fill from the left while they fit.
/// The search screen offers only its own keys (letters type); the reader offers
/// sideways scrolling only when its page has `wide` code.
pub(crate) fn footer(screen: Screen, wide: bool, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let hints: Vec<_> = match screen {
        Screen::Search => keymap::SEARCH_HINTS.to_vec(),
        Screen::Reader if !wide => keymap::hints(screen)
            .filter(|(a, _, _)| *a != keymap::Action::Right)
            .collect(),
        s => keymap::hints(s).collect(),
    };
    let mut right = area.right();
    let pinned = hints.iter().find(|(a, _, _)| *a == keymap::Action::Help);
    if let Some((_, keys, word)) = pinned {
        let w = (str_width(keys) + 1 + str_width(word)) as u16;
        if w + 2 < area.width {
            right = area.right() - w - 1;
            fast::set_string(buf, right, area.y, *keys, theme.accent());
            fast::set_string(
                buf,
                right + str_width(keys) as u16 + 1,
                area.y,
                *word,
                theme.dim(),
            );
        }
    }
    let mut x = area.x + 1;
    let mut first = true;
    for (action, keys, word) in &hints {
        if *action == keymap::Action::Help && pinned.is_some() {
            continue;
        }
        let sep = if first { "" } else { "  " };
        let w = (str_width(sep) + str_width(keys) + 1 + str_width(word)) as u16;
        if x + w + 2 > right {
            continue;
        }
        fast::set_string(buf, x, area.y, sep, theme.dim());
        x += str_width(sep) as u16;
        fast::set_string(buf, x, area.y, *keys, theme.accent());
        x += str_width(keys) as u16 + 1;
        fast::set_string(buf, x, area.y, *word, theme.dim());
        x += str_width(word) as u16;
        first = false;
    }
}

pub(crate) fn too_small(area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let lines = vec![
        Line::styled(s::TOO_SMALL, theme.title()),
        Line::styled(
            s::too_small_size(area.width, area.height, MIN_WIDTH, MIN_HEIGHT),
            theme.dim(),
        ),
    ];
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + (area.height - h) / 2;
    Paragraph::new(lines)
        .alignment(Alignment::Center)
        .render(Rect::new(area.x, y, area.width, h), buf);
}

// ----- helpers shared by the screens --------------------------------------------------

pub(crate) fn site_name(index: &Index) -> &str {
    let n = index.site.name.trim();
    if n.is_empty() {
        s::DEFAULT_SITE_NAME
    } else {
        n
    }
}

/// `s` cut to `w` columns (grapheme-safe), with `…` when cut.
pub(crate) fn fit(text: &str, w: usize) -> String {
    if str_width(text) <= w {
        return text.to_string();
    }
    if w == 0 {
        return String::new();
    }
    if text.chars().all(crate::render::width::one_column) {
        // One character, one grapheme, one column: no segmentation needed.
        let mut out: String = text.chars().take(w - 1).collect();
        out.push('…');
        return out;
    }
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let gw = grapheme_width(g);
        if used + gw + 1 > w {
            break;
        }
        out.push_str(g);
        used += gw;
    }
    out.push('…');
    out
}

/// `s` fitted and padded with spaces to exactly `w` columns.
pub(crate) fn pad(text: &str, w: usize) -> String {
    let mut t = fit(text, w);
    let tw = str_width(&t);
    t.extend(std::iter::repeat_n(' ', w.saturating_sub(tw)));
    t
}

/// The first list index to show so that `selected` is visible in `height` rows.
pub(crate) fn list_offset(selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    selected.saturating_sub(height - 1).min(len - height)
}

/// The selection marker column: `›` for the selected row (visible without colour).
pub(crate) fn marker(selected: bool, theme: &Theme) -> Span<'static> {
    if selected {
        Span::styled("› ", theme.title())
    } else {
        Span::raw("  ")
    }
}

/// Paint a row as selected: bold on the selection background (the `›` marker says it
/// without colour).
pub(crate) fn paint_selected(row: Rect, buf: &mut Buffer, theme: &Theme) {
    fast::set_style(buf, row, theme.selected());
}

pub(crate) fn story_color(c: Option<Rgb>, theme: &Theme) -> ratatui::style::Color {
    match c {
        Some(Rgb(r, g, b)) => ratatui::style::Color::Rgb(r, g, b),
        None => theme.accent2,
    }
}

/// A status light: blinking green when live (the terminal's own SGR blink, no timer),
/// red when offline, nothing when unknown (no status is not bad news).
pub(crate) fn light(status: RackStatus, theme: &Theme) -> Span<'static> {
    match status {
        RackStatus::Live => Span::styled(
            "●",
            Style::default()
                .fg(theme.live)
                .add_modifier(Modifier::SLOW_BLINK),
        ),
        RackStatus::Offline => Span::styled("●", Style::default().fg(theme.offline)),
        RackStatus::Unknown => Span::raw(" "),
    }
}

pub(crate) fn status_word(status: RackStatus) -> &'static str {
    match status {
        RackStatus::Live => s::STATUS_LIVE,
        RackStatus::Offline => s::STATUS_OFFLINE,
        RackStatus::Unknown => s::STATUS_UNKNOWN,
    }
}

pub(crate) fn status_style(status: RackStatus, theme: &Theme) -> Style {
    match status {
        RackStatus::Live => Style::default().fg(theme.live),
        RackStatus::Offline => Style::default().fg(theme.offline),
        RackStatus::Unknown => theme.dim(),
    }
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A rounded panel with a dim title, the app's one border style.
pub(crate) fn panel<'a>(title: &'a str, theme: &Theme) -> ratatui::widgets::Block<'a> {
    use ratatui::widgets::{Block, BorderType, Borders};
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border))
        .title(Span::styled(
            format!(" {title} "),
            Style::default().fg(theme.dim).add_modifier(Modifier::BOLD),
        ))
}

/// The style of a search hit drawn over text: the theme's highlight background, and
/// reverse video where there is no colour.
pub(crate) fn match_style(depth: ColorDepth, theme: &Theme) -> Style {
    let style = Style::default().fg(theme.fg).bg(theme.highlight_bg);
    if depth == ColorDepth::None {
        style.add_modifier(Modifier::REVERSED)
    } else {
        style
    }
}

/// Paint every hit of the folded `query` in `line`, drawn in the one-row `area` with its
/// first `shift` columns scrolled off, in `style`.
pub(crate) fn mark(
    buf: &mut Buffer,
    area: Rect,
    line: &Line<'_>,
    query: &str,
    shift: usize,
    style: Style,
) {
    let hits = highlight::columns(line, query);
    for (x, w) in highlight::visible(&hits, shift, area.width as usize) {
        fast::set_style(buf, Rect::new(area.x + x, area.y, w, 1), style);
    }
}

/// Column headings: small, dim, bold.
pub(crate) fn header_style(theme: &Theme) -> Style {
    theme.dim().add_modifier(Modifier::BOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_on_graphemes_and_marks_the_cut() {
        assert_eq!(fit("hello", 10), "hello");
        assert_eq!(fit("hello world", 6), "hello…");
        assert_eq!(str_width(&fit("🗺️🗺️🗺️", 4)), 3);
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("a — “b” → c", 7), "a — “b…");
        assert_eq!(fit("ab", 1), "…");
    }

    #[test]
    fn list_offset_keeps_selection_visible() {
        assert_eq!(list_offset(0, 100, 10), 0);
        assert_eq!(list_offset(15, 100, 10), 6);
        assert_eq!(list_offset(99, 100, 10), 90);
        assert_eq!(list_offset(3, 5, 10), 0);
    }
}
