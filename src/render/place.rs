//! The reading place: a line of a layout as (top-level block, line within it), which
//! survives a new width (a resize keeps the block that was on the top row on the top
//! row), and how far a page may scroll (past its last line, so that its last heading
//! can reach the top row).

use super::Rendered;

/// Where a guest is reading, independent of the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    /// Index of the top-level block (paragraph, heading, code block…) of the document.
    pub block: usize,
    /// Lines into that block.
    pub line: usize,
}

impl Rendered {
    /// The place of line `line`.
    pub fn place(&self, line: usize) -> Place {
        let block = self.blocks.partition_point(|&start| start <= line);
        match block.checked_sub(1) {
            Some(b) => Place {
                block: b,
                line: line - self.blocks[b],
            },
            None => Place { block: 0, line },
        }
    }

    /// The line of `place` in this layout: its block's first line, plus as many of the
    /// lines into it as the block still has.
    pub fn line_of(&self, place: Place) -> usize {
        let Some(&start) = self.blocks.get(place.block) else {
            return self.len().saturating_sub(1);
        };
        let end = self
            .blocks
            .get(place.block + 1)
            .copied()
            .unwrap_or(self.len());
        start + place.line.min(end.saturating_sub(start + 1))
    }

    /// The farthest the page scrolls in a view `height` lines tall: to its last page,
    /// or further, until its last heading is on the top row.
    pub fn max_scroll(&self, height: usize) -> usize {
        let last_page = self.len().saturating_sub(height);
        let last_heading = self.anchors.last().map_or(0, |a| a.line);
        last_page.max(last_heading)
    }
}

#[cfg(test)]
mod tests {
    use crate::content::markdown;
    use crate::render::{RenderOptions, render};
    use crate::theme::ThemeKind;

    fn at(width: u16) -> crate::render::Rendered {
        let para = "words that wrap differently at every width of the screen ".repeat(4);
        let md = format!("# One\n\n{para}\n\n## Two\n\n{para}\n\n## Three\n\nshort\n");
        let (doc, _) = markdown::parse(&md);
        render(
            &doc,
            RenderOptions {
                width,
                theme: ThemeKind::Dark,
                plain: false,
            },
        )
    }

    #[test]
    fn a_place_survives_a_new_width() {
        let (narrow, wide) = (at(30), at(100));
        let two = |r: &crate::render::Rendered| {
            r.anchors
                .iter()
                .find(|a| a.title == "Two")
                .map(|a| a.line)
                .unwrap_or(0)
        };
        let place = narrow.place(two(&narrow));
        assert_eq!(wide.line_of(place), two(&wide));
        // A line inside a wrapped paragraph maps into the same paragraph.
        let inside = narrow.place(two(&narrow) - 2);
        let back = wide.line_of(inside);
        assert!(back < two(&wide) && back > 0, "{back}");
        // The top is the same place at every width (the reader relies on it to skip
        // laying out the old width).
        for r in [&narrow, &wide, &at(1), &super::super::Rendered::default()] {
            assert_eq!(r.place(0), super::Place::default());
        }
    }

    #[test]
    fn the_last_heading_can_reach_the_top_row() {
        let r = at(80);
        let last = r.anchors.last().map(|a| a.line).unwrap_or(0);
        assert!(
            r.len().saturating_sub(10) < last,
            "the fixture ends on a short section"
        );
        assert_eq!(r.max_scroll(10), last);
        assert_eq!(r.max_scroll(1), r.len() - 1);
    }
}
