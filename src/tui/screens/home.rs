//! The home screen: a control plane — site header, the stories strip, the rack of
//! projects with their status lights, every other project, the posts (as many as
//! fit), the regions and the about panel; panels as wide as their content, stacked on
//! narrow screens, on a canvas that scrolls to keep the selection in view. A screen
//! tall enough for the whole page gives items their descriptions (posts first) and
//! spreads the rows still left between the panels. Its list is the rack's projects,
//! the other projects, then the posts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::{Ctx, Step, keep, move_list, open_item};
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::keymap::Action;
use crate::tui::state::{Hit, ListState, Screen};
use crate::tui::views::{fit, site_name};

mod panels;

use panels::{
    Rows, about_height, about_panel, others_panel, posts_panel, rack_panel, rack_width,
    regions_height, regions_panel, stories_strip,
};

/// Rack and other projects side by side when the second panel gets this many columns.
const BESIDE_MIN: u16 = 22;
/// A title never gets fewer columns than this while a column can be dropped instead.
const TITLE_MIN: usize = 12;

/// The home screen's state: the selection in its list.
#[derive(Debug, Clone, Default)]
pub(crate) struct HomeScreen {
    pub list: ListState,
}

impl HomeScreen {
    /// Home's selectable items: the racked projects, the other projects, the posts.
    pub fn items(&self, cx: &Ctx) -> Vec<PageRef> {
        items_of(cx.index)
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        match action {
            Action::Open => open_item(Screen::Home, self.items(cx), self.list.selected),
            _ => {
                let len = self.items(cx).len();
                move_list(&mut self.list, action, len, cx)
            }
        }
    }

    /// A click on the n-th item or on a story chip.
    pub fn click(&mut self, hit: Hit, cx: &Ctx) -> Step {
        match hit {
            Hit::Item(i) => {
                self.list.selected = i;
                self.act(Action::Open, cx)
            }
            Hit::Story(i) => Step::Story(i),
            _ => Step::Idle,
        }
    }

    /// Keep the selected item selected across a reload from `old`.
    pub fn reload(&mut self, old: &Index, cx: &Ctx) {
        let sel = self.list.selected;
        self.list.selected = keep(old, cx.index, &items_of(old), sel, &self.items(cx));
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw(self, cx, area, buf, theme);
    }
}

fn draw(screen: &HomeScreen, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let inner = Rect::new(
        area.x + 2,
        area.y,
        area.width.saturating_sub(4),
        area.height,
    );
    if inner.height < 4 {
        return;
    }
    // Short screens lose the blank rows around the header.
    let roomy = inner.height >= 16;
    let y = inner.y + u16::from(roomy);
    let name = site_name(cx.index);
    buf.set_stringn(
        inner.x,
        y,
        name,
        inner.width as usize,
        theme.title().add_modifier(Modifier::BOLD),
    );
    let tag = cx.index.site.tagline.trim();
    let nx = inner.x + str_width(name).min(inner.width as usize) as u16 + 3;
    if !tag.is_empty() && nx < inner.right() {
        let w = (inner.right() - nx) as usize;
        buf.set_string(nx, y, fit(tag, w), theme.dim());
    }
    let sy = y + 1 + u16::from(roomy);
    stories_strip(cx, Rect::new(inner.x, sy, inner.width, 1), buf, theme);
    let rest_y = sy + 1 + u16::from(roomy);
    let rest = Rect::new(
        inner.x,
        rest_y,
        inner.width,
        inner.bottom().saturating_sub(rest_y),
    );
    if rest.height < 3 {
        return;
    }
    let rack = rack_of(cx.index);
    let others = others_of(cx.index);
    let first_post = rack.len() + others.len();
    let gap = u16::from(rest.height >= 20);
    // Every panel at its natural height (a long list at most a screenful, scrolling
    // inside), drawn on a canvas that scrolls to keep the selection on screen.
    let cap = rest.height.max(3);
    let rack_w = rack_width(cx, &rack).min(rest.width);
    let beside = !others.is_empty() && rest.width >= rack_w + 1 + BESIDE_MIN;
    let regions_w = rack_w.min(rest.width);
    let below_beside = rest.width >= regions_w + 1 + BESIDE_MIN;
    let (regions_h, about_h) = if below_beside {
        let about_w = rest.width - regions_w - 1;
        (regions_height(cx, &rack), about_height(cx, about_w, theme))
    } else {
        (
            regions_height(cx, &rack),
            about_height(cx, rest.width, theme),
        )
    };
    let below_h = if below_beside {
        regions_h.max(about_h)
    } else {
        regions_h + u16::from(regions_h > 0) * gap + about_h
    };
    // Each panel's height with its items shown as `each` says: (rack, others, posts).
    let heights = |projects: Rows, posts: Rows| {
        let rack_h = projects.height(rack.len()) + 2;
        let others_h = if others.is_empty() {
            0
        } else {
            projects.height(others.len()) + 2
        };
        (rack_h, others_h, posts.height(cx.index.posts.len()) + 2)
    };
    let total_of = |(rack_h, others_h, posts_h): (u16, u16, u16)| {
        let lists = if beside {
            rack_h.max(others_h) + gap + posts_h + gap
        } else {
            rack_h + gap + posts_h + gap + others_h + u16::from(others_h > 0) * gap
        };
        lists.saturating_add(below_h)
    };
    // A tall screen shows more of each item while the whole page still fits: the posts'
    // descriptions, the projects', then a blank row between posts, between projects.
    let (desc, both) = (
        Rows {
            desc: true,
            space: false,
        },
        Rows {
            desc: true,
            space: true,
        },
    );
    let levels = [
        (both, both),
        (desc, both),
        (desc, desc),
        (Rows::default(), desc),
        (Rows::default(), Rows::default()),
    ];
    let (each_project, each_post) = levels
        .into_iter()
        .find(|&(pr, po)| total_of(heights(pr, po)) <= rest.height)
        .unwrap_or_default();
    let (rack_h, others_h, posts_h) = heights(each_project, each_post);
    let (rack_h, others_h, posts_h) = (rack_h.min(cap), others_h.min(cap), posts_h.min(cap));
    // The rows still left over go to the blank rows above, between and below the
    // panels, evenly, so the page has no empty half.
    let spare = rest
        .height
        .saturating_sub(total_of((rack_h, others_h, posts_h)));
    let slots = if beside || others_h == 0 { 4 } else { 5 };
    let mut blank = [gap; 5];
    blank[0] = u16::from(roomy);
    blank[slots - 1] = 0;
    if gap > 0 {
        for _ in 0..spare {
            let i = (0..slots)
                .min_by_key(|&i| (blank[i], usize::from(i == 0)))
                .unwrap_or(0);
            blank[i] += 1;
        }
    }
    let mut extra = blank.iter().zip([u16::from(roomy), gap, gap, gap, 0]);
    let mut more = move || {
        extra
            .next()
            .map(|(b, base)| b.saturating_sub(base))
            .unwrap_or(0)
    };
    let canvas_area = Rect::new(rest.x, rest.y, rest.width, cap.saturating_mul(5));
    let mut canvas = Buffer::empty(canvas_area);
    canvas.set_style(canvas_area, Style::default().fg(theme.fg).bg(theme.bg));
    let c = &mut canvas;
    let marks = cx.hit_marks();
    let mut y = rest.y + more();
    let rack_y = y;
    let rack_area = Rect::new(rest.x, y, if beside { rack_w } else { rest.width }, rack_h);
    rack_panel(screen, cx, &rack, each_project, rack_area, c, theme);
    let mut others_y = y;
    if beside {
        let x = rest.x + rack_w + 1;
        others_panel(
            screen,
            cx,
            &others,
            rack.len(),
            each_project,
            Rect::new(x, y, rest.right() - x, others_h),
            c,
            theme,
        );
        y += rack_h.max(others_h) + gap + more();
    } else {
        y += rack_h + gap + more();
    }
    let posts_y = y;
    posts_panel(
        screen,
        cx,
        first_post,
        each_post,
        Rect::new(rest.x, y, rest.width, posts_h),
        c,
        theme,
    );
    y += posts_h + gap + more();
    if !beside && others_h > 0 {
        others_y = y;
        others_panel(
            screen,
            cx,
            &others,
            rack.len(),
            each_project,
            Rect::new(rest.x, y, rest.width, others_h),
            c,
            theme,
        );
        y += others_h + gap + more();
    }
    // Regions and about, side by side when there is room.
    let below = Rect::new(rest.x, y, rest.width, cap);
    if below_beside {
        let used = regions_panel(
            cx,
            &rack,
            Rect {
                width: regions_w,
                ..below
            },
            c,
            theme,
        );
        let x = below.x + regions_w + 1;
        let about = about_panel(cx, Rect::new(x, below.y, below.right() - x, cap), c, theme);
        y += used.max(about);
    } else {
        let used = regions_panel(cx, &rack, below, c, theme);
        y += used + u16::from(used > 0) * gap;
        y += about_panel(cx, Rect::new(below.x, y, below.width, cap), c, theme);
    }
    // The selection's row on the canvas, with the row under it (a panel's border).
    let sel = screen.list.selected;
    let sel_y = if sel < rack.len() {
        rack_y + 1 + sel as u16 * each_project.stride()
    } else if sel < first_post {
        others_y + 1 + (sel - rack.len()) as u16 * each_project.stride()
    } else {
        let last = each_post.fit(posts_h.saturating_sub(2)).saturating_sub(1);
        posts_y + 1 + (sel - first_post).min(last) as u16 * each_post.stride()
    };
    let total = y.saturating_sub(rest.y);
    let off = (sel_y + 2)
        .saturating_sub(rest.bottom())
        .min(total.saturating_sub(rest.height));
    for row in 0..rest.height {
        let from = rest.y + off + row;
        if from >= canvas_area.bottom() {
            break;
        }
        for x in rest.x..rest.right() {
            buf[(x, rest.y + row)] = canvas[(x, from)].clone();
        }
    }
    cx.shift_hits(marks, off, rest);
}

/// Home's items in `index`: the racked projects, the other projects, then the posts.
fn items_of(index: &Index) -> Vec<PageRef> {
    let rack = rack_of(index).into_iter().map(PageRef::Project);
    let others = others_of(index).into_iter().map(PageRef::Project);
    let posts = (0..index.posts.len()).map(PageRef::Post);
    rack.chain(others).chain(posts).collect()
}

/// The projects without a rack bay, in project order.
fn others_of(index: &Index) -> Vec<usize> {
    (index.projects.iter().enumerate())
        .filter(|(_, p)| p.rack_bay.is_none())
        .map(|(i, _)| i)
        .collect()
}
/// The projects that sit in a rack bay, ordered as a rack is: by bay label with its
/// number compared as a number ("BAY 2" before "BAY 10"), then by project order.
pub(crate) fn rack_of(index: &Index) -> Vec<usize> {
    let mut rack: Vec<(usize, &str)> = (index.projects.iter().enumerate())
        .filter_map(|(i, p)| p.rack_bay.as_deref().map(|bay| (i, bay)))
        .collect();
    let key = |bay: &str| {
        let digits: String = bay.chars().filter(|c| c.is_ascii_digit()).collect();
        let number = digits.parse::<u64>().unwrap_or(u64::MAX);
        let prefix: String = bay.chars().filter(|c| !c.is_ascii_digit()).collect();
        (prefix.trim().to_lowercase(), number)
    };
    rack.sort_by(|a, b| key(a.1).cmp(&key(b.1)).then(a.0.cmp(&b.0)));
    rack.into_iter().map(|(i, _)| i).collect()
}
