//! Column layout for list rows, as pure functions: each column is as wide as its
//! longest entry (region, status, date…), columns never touch (one space at least),
//! the title takes what is left and is shortened with `…` only when the row truly has
//! no room, and columns that do not fit are dropped, least important first. Tags that
//! do not fit are counted as `+N`.

use crate::render::width::str_width;

/// Columns between two columns.
pub(crate) const GAP: usize = 1;

/// A column beside the title: its width (its longest entry, header included) and how
/// much it matters (higher is kept longer when the row is narrow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Col {
    pub width: usize,
    pub keep: u8,
}

impl Col {
    /// A column as wide as the widest of `entries`.
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a str>, keep: u8) -> Col {
        let width = entries.into_iter().map(str_width).max().unwrap_or(0);
        Col { width, keep }
    }
}

/// Where a row's parts go: the title's width, then each column's start (relative to
/// the row) or `None` when it was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub title: usize,
    pub cols: Vec<Option<usize>>,
}

/// Lay out a row `total` columns wide: the title first (wanting `title_want` columns,
/// never fewer than `title_min` while a column can still be dropped), then `cols` in
/// order, each `GAP` after the one before. Spare room goes to the title, up to what it
/// wants; the columns then sit right after it (`flush_right` puts the last column at
/// the row's right edge instead).
pub(crate) fn layout(
    total: usize,
    title_want: usize,
    title_min: usize,
    cols: &[Col],
    flush_right: bool,
) -> Layout {
    let mut kept: Vec<bool> = cols.iter().map(|c| c.width > 0).collect();
    let used = |kept: &[bool]| -> usize {
        cols.iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.width + GAP)
            .sum()
    };
    // Drop the least important columns until the title has its minimum.
    while used(&kept) + title_min.min(title_want) > total {
        let drop = cols
            .iter()
            .enumerate()
            .filter(|(i, _)| kept[*i])
            .min_by_key(|(i, c)| (c.keep, usize::MAX - *i));
        match drop {
            Some((i, _)) => kept[i] = false,
            None => break,
        }
    }
    let room = total.saturating_sub(used(&kept));
    let title = if flush_right {
        room
    } else {
        room.min(title_want)
    };
    let mut x = title;
    let mut out = Vec::with_capacity(cols.len());
    for (c, k) in cols.iter().zip(&kept) {
        if *k {
            x += GAP;
            out.push(Some(x));
            x += c.width;
        } else {
            out.push(None);
        }
    }
    Layout { title, cols: out }
}

/// How many of `tags` (each drawn as `#tag`, one space apart) fit in `width` columns,
/// keeping room for a `+N` marker for the rest: (shown, the marker or "").
pub(crate) fn fit_tags(tags: &[&str], width: usize) -> (usize, String) {
    let w = |t: &str| str_width(t) + 1;
    let all: usize = tags.iter().map(|t| w(t)).sum::<usize>() + tags.len().saturating_sub(1);
    if all <= width {
        return (tags.len(), String::new());
    }
    let mut used = 0;
    let mut shown = 0;
    for (i, t) in tags.iter().enumerate() {
        let more = format!("+{}", tags.len() - i - 1);
        let sep = usize::from(i > 0);
        let need = used + sep + w(t);
        let marker = if i + 1 < tags.len() {
            1 + more.len()
        } else {
            0
        };
        if need + marker > width {
            break;
        }
        used = need;
        shown = i + 1;
    }
    let rest = tags.len() - shown;
    (
        shown,
        if rest > 0 {
            format!("+{rest}")
        } else {
            String::new()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_longest_entry_and_never_touch() {
        let region = Col::of(["EU-CENTRAL-1", "AF-SOUTH-1", "REGION"], 2);
        let status = Col::of(["live", "offline", "STATUS"], 3);
        assert_eq!((region.width, status.width), (12, 7));
        let l = layout(80, 30, 10, &[region, status], false);
        assert_eq!(l.title, 30);
        assert_eq!(l.cols, vec![Some(31), Some(31 + 12 + 1)]);
    }

    #[test]
    fn the_title_takes_what_is_left_and_columns_drop_least_important_first() {
        let cols = [
            Col { width: 12, keep: 1 },
            Col { width: 7, keep: 3 },
            Col { width: 10, keep: 2 },
        ];
        // Room for all: the title gets exactly the rest.
        let l = layout(50, 60, 12, &cols, true);
        assert_eq!(l.title, 50 - (13 + 8 + 11));
        assert_eq!(l.cols[2], Some(50 - 10));
        // Too narrow: the keep-1 column goes first, then keep-2.
        let l = layout(31, 60, 12, &cols, true);
        assert_eq!(l.cols[0], None);
        assert!(l.cols[1].is_some() && l.cols[2].is_some());
        assert_eq!(l.title, 31 - 8 - 11);
        let l = layout(22, 60, 12, &cols, true);
        assert_eq!((l.cols[0], l.cols[2]), (None, None));
        assert_eq!(l.title, 22 - 8);
    }

    #[test]
    fn tags_that_do_not_fit_are_counted() {
        let tags = ["docker", "swarm", "openstack", "ha"];
        assert_eq!(fit_tags(&tags, 80), (4, String::new()));
        // "#docker #swarm" is 14, " +2" 3 more.
        assert_eq!(fit_tags(&tags, 17), (2, "+2".into()));
        assert_eq!(fit_tags(&tags, 16), (1, "+3".into()));
        assert_eq!(fit_tags(&tags, 2), (0, "+4".into()));
    }
}
