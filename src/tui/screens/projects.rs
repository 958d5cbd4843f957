//! The Projects list, with a preview pane (description, status, the start of the page)
//! on wide terminals.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{Ctx, Step, keep, move_list, open_item};
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::columns::{Col, layout};
use crate::tui::keymap::Action;
use crate::tui::state::{Hit, ListState, Screen};
use crate::tui::strings as s;
use crate::tui::views::{
    fit, header_style, light, list_offset, marker, pad, paint_selected, panel, status_style,
    status_word,
};

/// Projects get a preview pane from this width up.
const PREVIEW_MIN: u16 = 100;

/// The projects list's state: the selection.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProjectsScreen {
    pub list: ListState,
}

impl ProjectsScreen {
    /// Every project, in index order.
    pub fn items(&self, cx: &Ctx) -> Vec<PageRef> {
        items_of(cx.index)
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        match action {
            Action::Open => open_item(Screen::Projects, self.items(cx), self.list.selected),
            _ => move_list(&mut self.list, action, cx.index.projects.len(), cx),
        }
    }

    /// A click on the n-th row.
    pub fn click(&mut self, hit: Hit, cx: &Ctx) -> Step {
        match hit {
            Hit::Item(i) => {
                self.list.selected = i;
                self.act(Action::Open, cx)
            }
            _ => Step::Idle,
        }
    }

    /// Keep the selected project selected across a reload from `old`.
    pub fn reload(&mut self, old: &Index, cx: &Ctx) {
        let sel = self.list.selected;
        self.list.selected = keep(old, cx.index, &items_of(old), sel, &self.items(cx));
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let area = Rect::new(
            area.x + 1,
            area.y + 1,
            area.width.saturating_sub(2),
            area.height.saturating_sub(1),
        );
        let n = cx.index.projects.len();
        if n == 0 {
            buf.set_string(area.x + 2, area.y, s::PROJECTS_EMPTY, theme.dim());
            return;
        }
        // Columns from the content: the longest title, region and status, the vault mark.
        let ps = &cx.index.projects;
        let title_want = ps
            .iter()
            .map(|p| str_width(&p.title))
            .max()
            .unwrap_or(0)
            .max(str_width(s::COL_PROJECT));
        let region = Col::of(
            ps.iter()
                .filter_map(|p| p.region.as_deref())
                .chain([s::COL_REGION]),
            1,
        );
        // The status column holds a light, a space and the word.
        let status = Col::of(
            ps.iter()
                .map(|p| status_word(p.rack_status))
                .chain([s::COL_STATUS]),
            2,
        );
        let status = Col {
            width: status.width + 2,
            ..status
        };
        let vault = Col {
            width: if ps.iter().any(|p| p.vault) {
                str_width(s::VAULT_LABEL)
            } else {
                0
            },
            keep: 0,
        };
        let cols_all = [region, status, vault];
        let natural = 2 + title_want + cols_all.iter().map(|c| c.width + 1).sum::<usize>() + 1;
        let (list, preview) = if area.width >= PREVIEW_MIN {
            // The list as wide as its content (at most 3/5), the preview the rest.
            let lw = (natural as u16).min(area.width * 3 / 5);
            (
                Rect::new(area.x, area.y, lw, area.height),
                Some(Rect::new(
                    area.x + lw + 1,
                    area.y,
                    area.width - lw - 1,
                    area.height,
                )),
            )
        } else {
            (area, None)
        };
        let cols = layout(
            (list.width as usize).saturating_sub(3),
            title_want,
            12,
            &cols_all,
            false,
        );
        let head = header_style(theme);
        let cell = |spans: &mut Vec<Span<'static>>,
                    x: &mut usize,
                    at: Option<usize>,
                    text: String,
                    style| {
            if let Some(at) = at {
                spans.push(Span::raw(" ".repeat(at.saturating_sub(*x))));
                *x = at + str_width(&text);
                spans.push(Span::styled(text, style));
            }
        };
        let mut spans = vec![
            Span::raw("  "),
            Span::styled(pad(s::COL_PROJECT, cols.title), head),
        ];
        let mut x = cols.title;
        cell(
            &mut spans,
            &mut x,
            cols.cols[0],
            s::COL_REGION.to_string(),
            head,
        );
        cell(
            &mut spans,
            &mut x,
            cols.cols[1],
            s::COL_STATUS.to_string(),
            head,
        );
        Line::from(spans).render(Rect { height: 1, ..list }, buf);
        let list = Rect::new(
            list.x,
            list.y + 1,
            list.width,
            list.height.saturating_sub(1),
        );
        let rows = list.height as usize;
        let off = list_offset(self.list.selected, n, rows);
        for (i, p) in cx.index.projects.iter().enumerate().skip(off).take(rows) {
            let y = list.y + (i - off) as u16;
            let selected = self.list.selected == i;
            let mut spans = vec![
                marker(selected, theme),
                Span::styled(pad(&fit(&p.title, cols.title), cols.title), theme.base()),
            ];
            let mut x = cols.title;
            let region = p.region.clone().unwrap_or_default();
            cell(&mut spans, &mut x, cols.cols[0], region, theme.dim());
            if let Some(at) = cols.cols[1] {
                spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
                spans.push(light(p.rack_status, theme));
                spans.push(Span::raw(" "));
                x = at + 2;
                let word = status_word(p.rack_status).to_string();
                cell(
                    &mut spans,
                    &mut x,
                    Some(at + 2),
                    word,
                    status_style(p.rack_status, theme),
                );
            }
            if p.vault {
                cell(
                    &mut spans,
                    &mut x,
                    cols.cols[2],
                    s::VAULT_LABEL.to_string(),
                    theme.dim(),
                );
            }
            let r = Rect::new(list.x, y, list.width, 1);
            Line::from(spans).render(r, buf);
            if selected {
                paint_selected(r, buf, theme);
            }
            cx.hit(r, Hit::Item(i));
        }
        if let Some(pr) = preview {
            self.preview(cx, pr, buf, theme);
        }
    }

    fn preview(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(p) = cx.index.projects.get(self.list.selected) else {
            return;
        };
        let block = panel(&p.title, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let mut inner = Rect::new(
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(2),
            inner.height,
        );
        // The thumbnail first: a third of the pane, as the terminal shows pictures.
        let thumb = p
            .thumbnail
            .as_deref()
            .and_then(|t| cx.index.images.get(t.trim()));
        let mut thumb_shown = false;
        if let Some(img) = thumb
            && inner.height >= 16
        {
            let h = (inner.height / 3).min(12);
            thumb_shown = cx.picture(Rect::new(inner.x, inner.y, inner.width, h), img, buf);
            if thumb_shown {
                inner = Rect::new(inner.x, inner.y + h + 1, inner.width, inner.height - h - 1);
            }
        }
        let mut lines: Vec<Line> = Vec::new();
        if !p.description.trim().is_empty() {
            for l in crate::tui::text::wrap(p.description.trim(), inner.width as usize) {
                lines.push(Line::styled(l, theme.base()));
            }
            lines.push(Line::default());
        }
        let field = |k: &str| Span::styled(pad(k, 8), theme.dim());
        if let Some(r) = &p.region {
            lines.push(Line::from(vec![
                field(s::PREVIEW_REGION),
                Span::styled(r.clone(), theme.base()),
            ]));
        }
        lines.push(Line::from(vec![
            field(s::PREVIEW_STATUS),
            light(p.rack_status, theme),
            Span::styled(
                format!(" {}", status_word(p.rack_status)),
                status_style(p.rack_status, theme),
            ),
            Span::styled(
                if p.vault {
                    format!("   {}", s::VAULT_LABEL)
                } else {
                    String::new()
                },
                theme.dim(),
            ),
        ]));
        if let Some(u) = &p.live_url {
            lines.push(Line::from(vec![
                field(s::PREVIEW_URL),
                Span::styled(u.clone(), theme.link()),
            ]));
        }
        lines.push(Line::default());
        // The header is pre-wrapped, so the body excerpt fills exactly what is left.
        let used = (lines.len() as u16).min(inner.height);
        Paragraph::new(lines).render(Rect::new(inner.x, inner.y, inner.width, used), buf);
        let body = Rect::new(inner.x, inner.y + used, inner.width, inner.height - used);
        if body.height > 0 {
            let rendered = cx.rendered(PageRef::Project(self.list.selected), body.width);
            // The page starts with its thumbnail's card: skip it when shown above.
            let skip = match rendered.pictures.first() {
                Some(pic) if thumb_shown && pic.line <= 1 => {
                    let from = pic.line + usize::from(pic.rows);
                    (from..rendered.len())
                        .position(|i| rendered.line_text(i).trim_start().starts_with('╰'))
                        .map_or(0, |i| from + i + 2)
                }
                _ => 0,
            };
            let shown = rendered.lines().skip(skip).take(body.height as usize);
            for (i, l) in shown.enumerate() {
                l.patch_style(ratatui::style::Style::default().add_modifier(Modifier::DIM))
                    .render(Rect::new(body.x, body.y + i as u16, body.width, 1), buf);
            }
        }
    }
}

fn items_of(index: &Index) -> Vec<PageRef> {
    (0..index.projects.len()).map(PageRef::Project).collect()
}
