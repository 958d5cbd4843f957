//! The renderer's palette: every style a rendered document uses, derived once from the
//! theme, or all `Style::default()` for plain output.

use ratatui::style::{Color, Modifier, Style};

use crate::theme::ThemeKind;

/// Styles for one (theme, plain) pair. In plain mode every field is `Style::default()`.
#[derive(Debug, Clone)]
pub(crate) struct Palette {
    pub plain: bool,
    pub kind: ThemeKind,
    pub text: Style,
    pub strong: Style,
    pub emphasis: Style,
    pub strike: Style,
    pub code: Style,
    pub link_text: Style,
    pub link_url: Style,
    pub dim: Style,
    pub heading: [Style; 6],
    pub heading_rule: Style,
    pub quote_bar: Style,
    pub quote_text: Style,
    pub bullet: Style,
    pub rule: Style,
    pub border: Style,
    pub label: Style,
    pub card_title: Style,
    pub mention: Style,
    pub table_header: Style,
    pub html: Style,
    pub code_block: Style,
    pub code_marker: Style,
    /// Background of code blocks (`None` in plain mode).
    pub code_bg: Option<Color>,
}

impl Palette {
    pub fn new(kind: ThemeKind, plain: bool) -> Self {
        let t = kind.theme();
        let d = Style::default();
        if plain {
            return Self {
                plain,
                kind,
                text: d,
                strong: d,
                emphasis: d,
                strike: d,
                code: d,
                link_text: d,
                link_url: d,
                dim: d,
                heading: [d; 6],
                heading_rule: d,
                quote_bar: d,
                quote_text: d,
                bullet: d,
                rule: d,
                border: d,
                label: d,
                card_title: d,
                mention: d,
                table_header: d,
                html: d,
                code_block: d,
                code_marker: d,
                code_bg: None,
            };
        }
        let bold = Modifier::BOLD;
        Self {
            plain,
            kind,
            text: d.fg(t.fg),
            strong: d.add_modifier(bold),
            emphasis: d.add_modifier(Modifier::ITALIC),
            strike: d.add_modifier(Modifier::CROSSED_OUT),
            code: d.fg(t.code_fg).bg(t.code_bg),
            link_text: d.fg(t.link).add_modifier(Modifier::UNDERLINED),
            link_url: d.fg(t.dim),
            dim: d.fg(t.dim),
            heading: [
                d.fg(t.heading[0]).add_modifier(bold),
                d.fg(t.heading[1]).add_modifier(bold),
                d.fg(t.heading[2]).add_modifier(bold),
                d.fg(t.accent2).add_modifier(bold),
                d.fg(t.fg).add_modifier(bold | Modifier::ITALIC),
                d.fg(t.dim).add_modifier(bold | Modifier::ITALIC),
            ],
            heading_rule: d.fg(t.border),
            quote_bar: d.fg(t.accent2),
            quote_text: d.fg(t.quote).add_modifier(Modifier::ITALIC),
            bullet: d.fg(t.accent),
            rule: d.fg(t.border),
            border: d.fg(t.border),
            label: d.fg(t.accent).add_modifier(bold),
            card_title: d.fg(t.fg).add_modifier(bold),
            mention: d.fg(t.accent2).add_modifier(bold),
            table_header: d.fg(t.accent).add_modifier(bold),
            html: d.fg(t.dim),
            code_block: d.fg(t.fg).bg(t.code_bg),
            code_marker: d.fg(t.warn).bg(t.code_bg).add_modifier(bold),
            code_bg: Some(t.code_bg),
        }
    }
}
