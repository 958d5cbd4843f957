//! The stats report as text for a terminal: bar charts of eighth blocks, aligned
//! columns, and every stored string printed with its control characters escaped.

use std::fmt::Write as _;

use super::report::{Count, Report};

/// Widest bar, in cells.
const BAR: usize = 32;

/// A bar of `value / max` of `BAR` cells, in eighths.
pub fn bar(value: usize, max: usize) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let eighths = (value * BAR * 8).div_ceil(max).max(1);
    let mut s = "█".repeat(eighths / 8);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    s.push_str(PARTS[eighths % 8]);
    s
}

/// `s` safe to print: control characters shown as `\u{..}` escapes, cut to `max`.
pub fn printable(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().take(max) {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let days = r.span_secs as f64 / 86_400.0;
    let _ = writeln!(
        o,
        "sshfolio stats since {} ({} day{}, {} database{})",
        r.since,
        fmt_num(days),
        if (days - 1.0).abs() < f64::EPSILON {
            ""
        } else {
            "s"
        },
        r.databases,
        if r.databases == 1 { "" } else { "s" }
    );
    let t = &r.totals;
    let _ = writeln!(
        o,
        "{} visitors · {} visits · {} page views · {} searches · {} links followed · {} copies\n",
        t.visitors, t.visits, t.page_views, t.searches, t.links_followed, t.copies
    );

    let _ = writeln!(o, "VISITORS PER DAY (visits)");
    let max = r.days.iter().map(|d| d.visitors).max().unwrap_or(0);
    for d in &r.days {
        let _ = writeln!(
            o,
            "  {}  {:>5} {:<w$} ({})",
            d.date,
            d.visitors,
            bar(d.visitors, max),
            d.visits,
            w = BAR + 1
        );
    }

    let _ = writeln!(o, "\nTOP PAGES");
    if r.pages.is_empty() {
        let _ = writeln!(o, "  (none yet)");
    } else {
        let _ = writeln!(
            o,
            "  {:<40} {:>6} {:>8} {:>12}",
            "page", "views", "median", "read to end"
        );
        for p in &r.pages {
            let name = printable(&format!("{}/{}", p.kind, p.slug), 40);
            let _ = writeln!(
                o,
                "  {:<40} {:>6} {:>8} {:>11.0}%",
                name,
                p.views,
                secs(p.median_secs),
                p.read_to_end * 100.0
            );
        }
    }

    histogram(&mut o, "SEARCHES", &r.searches);
    histogram(&mut o, "SEARCHES WITH NO RESULT", &r.no_results);
    if !r.links.is_empty() {
        let _ = writeln!(o, "\nLINKS (followed, copied)");
        for l in &r.links {
            let _ = writeln!(
                o,
                "  {:<56} {:>4} {:>4}",
                printable(&l.url, 56),
                l.followed,
                l.copied
            );
        }
    }
    histogram(&mut o, "TERMINALS (TERM)", &r.terminals.term);
    histogram(&mut o, "SIZES", &r.terminals.size);
    histogram(&mut o, "COLOUR DEPTH", &r.terminals.depth);
    histogram(&mut o, "IMAGE PROTOCOL", &r.terminals.images);
    histogram(&mut o, "THEME", &r.terminals.theme);
    histogram(&mut o, "CLIENTS", &r.clients);
    o
}

fn histogram(o: &mut String, title: &str, counts: &[Count]) {
    let _ = writeln!(o, "\n{title}");
    if counts.is_empty() {
        let _ = writeln!(o, "  (none yet)");
        return;
    }
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0);
    for c in counts {
        let label = if c.value.is_empty() {
            "(empty)".to_string()
        } else {
            printable(&c.value, 30)
        };
        let _ = writeln!(o, "  {:<30} {:>5} {}", label, c.count, bar(c.count, max));
    }
}

fn secs(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.0}s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_in_eighths() {
        assert_eq!(bar(0, 10), "");
        assert_eq!(bar(10, 10).chars().count(), BAR);
        assert_eq!(bar(5, 10).chars().count(), BAR / 2);
        assert_eq!(bar(1, 1000), "▏");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\u{0}b\x1b[2J", 64), "a\\u{0}b\\u{1b}[2J");
    }
}
