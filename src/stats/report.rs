//! `sshfolio stats`: read one or more replicas' databases, merge them, and summarise —
//! visitors and visits per day, top pages (median time, share read to the end),
//! searches (and those with no result), terminals and clients — as JSON or as text
//! with bar charts (`text.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::store;

/// A post read at least this far counts as read to the end.
const END_PCT: i64 = store::FINISHED_PCT as i64;
/// Rows in each top list.
const TOP: usize = 15;

/// `--since`: `7d`, `24h`, `30m`, `2w` (or plain seconds).
pub fn parse_since(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let bad = || format!("expected a span like 7d, 24h, 30m or 2w, not {s:?}");
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).filter(|v| *v > 0).ok_or_else(bad)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// First day covered (UTC, `YYYY-MM-DD`) and the span in seconds.
    pub since: String,
    pub span_secs: i64,
    pub databases: usize,
    pub totals: Totals,
    pub days: Vec<Day>,
    pub pages: Vec<Page>,
    pub searches: Vec<Count>,
    pub no_results: Vec<Count>,
    pub links: Vec<Link>,
    pub terminals: Terminals,
    pub clients: Vec<Count>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Totals {
    pub visitors: usize,
    pub visits: usize,
    pub page_views: usize,
    pub searches: usize,
    pub links_followed: usize,
    pub copies: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Day {
    pub date: String,
    pub visitors: usize,
    pub visits: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Page {
    /// `post` or `project`.
    pub kind: String,
    pub slug: String,
    pub views: usize,
    pub median_secs: f64,
    /// Views that reached the end, as a share of all views (0..=1).
    pub read_to_end: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    pub value: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub followed: usize,
    pub copied: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Terminals {
    pub term: Vec<Count>,
    pub size: Vec<Count>,
    pub depth: Vec<Count>,
    pub images: Vec<Count>,
    pub theme: Vec<Count>,
}

/// Rows read from every database, before summarising.
#[derive(Default)]
struct Rows {
    visits: Vec<VisitRow>,
    views: Vec<(String, String, f64, i64)>,
    searches: Vec<(String, i64)>,
    links: Vec<(String, bool)>,
}

struct VisitRow {
    started: i64,
    visitor: String,
    kind: String,
    client: String,
    term: String,
    size: String,
    depth: String,
    theme: String,
    images: String,
}

/// Read `paths` (data directories or database files) and summarise the last
/// `span_secs` up to `now`.
pub fn build(paths: &[PathBuf], span_secs: i64, now: i64) -> anyhow::Result<Report> {
    use anyhow::Context;
    let from = now - span_secs;
    let mut rows = Rows::default();
    for path in paths {
        let conn = store::open_for_reading(path)
            .with_context(|| format!("cannot open the stats database in {}", path.display()))?;
        read(&conn, from, &mut rows)
            .with_context(|| format!("cannot read the stats database in {}", path.display()))?;
    }
    Ok(summarise(rows, paths.len(), from, now, span_secs))
}

fn read(conn: &Connection, from: i64, rows: &mut Rows) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        // Created but never written: nothing to read.
        return Ok(());
    }
    let mut st = conn.prepare(
        "SELECT started, visitor, kind, client, term, cols, rows, depth, theme, images
         FROM visits WHERE started >= ?1",
    )?;
    let it = st.query_map(params![from], |r| {
        Ok(VisitRow {
            started: r.get(0)?,
            visitor: r.get(1)?,
            kind: r.get(2)?,
            client: r.get(3)?,
            term: r.get(4)?,
            size: format!("{}x{}", r.get::<_, i64>(5)?, r.get::<_, i64>(6)?),
            depth: r.get(7)?,
            theme: r.get(8)?,
            images: r.get(9)?,
        })
    })?;
    for v in it {
        rows.visits.push(v?);
    }
    let mut st =
        conn.prepare("SELECT kind, slug, secs, read_pct FROM page_views WHERE at >= ?1")?;
    for v in st.query_map(params![from], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })? {
        rows.views.push(v?);
    }
    let mut st = conn.prepare("SELECT query, results FROM searches WHERE at >= ?1")?;
    for v in st.query_map(params![from], |r| Ok((r.get(0)?, r.get(1)?)))? {
        rows.searches.push(v?);
    }
    let mut st = conn.prepare("SELECT url, copied FROM links WHERE at >= ?1")?;
    for v in st.query_map(params![from], |r| Ok((r.get(0)?, r.get(1)?)))? {
        rows.links.push(v?);
    }
    Ok(())
}

fn summarise(rows: Rows, databases: usize, from: i64, now: i64, span_secs: i64) -> Report {
    // Every day of the span, oldest first, even the empty ones (the chart's x axis).
    let mut per_day: BTreeMap<i64, (HashSet<&str>, usize)> = BTreeMap::new();
    for d in from.div_euclid(86_400)..=now.div_euclid(86_400) {
        per_day.insert(d, (HashSet::new(), 0));
    }
    let mut visitors = HashSet::new();
    for v in &rows.visits {
        visitors.insert(v.visitor.as_str());
        let e = per_day.entry(v.started.div_euclid(86_400)).or_default();
        e.0.insert(v.visitor.as_str());
        e.1 += 1;
    }
    let days = per_day
        .iter()
        .map(|(d, (who, n))| Day {
            date: date(*d),
            visitors: who.len(),
            visits: *n,
        })
        .collect();

    let mut pages: HashMap<(&str, &str), Vec<(f64, i64)>> = HashMap::new();
    for (kind, slug, secs, pct) in &rows.views {
        pages
            .entry((kind.as_str(), slug.as_str()))
            .or_default()
            .push((*secs, *pct));
    }
    let mut pages: Vec<Page> = pages
        .into_iter()
        .map(|((kind, slug), views)| {
            let mut secs: Vec<f64> = views.iter().map(|v| v.0).collect();
            let ended = views.iter().filter(|v| v.1 >= END_PCT).count();
            Page {
                kind: kind.to_string(),
                slug: slug.to_string(),
                views: views.len(),
                median_secs: median(&mut secs),
                read_to_end: ended as f64 / views.len().max(1) as f64,
            }
        })
        .collect();
    pages.sort_by(|a, b| {
        b.views
            .cmp(&a.views)
            .then_with(|| (&a.kind, &a.slug).cmp(&(&b.kind, &b.slug)))
    });
    pages.truncate(TOP);

    let searches = top(rows.searches.iter().map(|s| s.0.as_str()));
    let no_results = top(rows
        .searches
        .iter()
        .filter(|s| s.1 == 0)
        .map(|s| s.0.as_str()));
    let mut links: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (url, copied) in &rows.links {
        let e = links.entry(url.as_str()).or_default();
        if *copied {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    let mut links: Vec<Link> = links
        .into_iter()
        .map(|(url, (followed, copied))| Link {
            url: url.to_string(),
            followed,
            copied,
        })
        .collect();
    links.sort_by(|a, b| (b.followed + b.copied).cmp(&(a.followed + a.copied)));
    links.truncate(TOP);

    let tui: Vec<&VisitRow> = rows.visits.iter().filter(|v| v.kind == "tui").collect();
    let terminals = Terminals {
        term: top(tui.iter().map(|v| v.term.as_str())),
        size: top(tui.iter().map(|v| v.size.as_str())),
        depth: top(tui.iter().map(|v| v.depth.as_str())),
        images: top(tui.iter().map(|v| {
            if v.images.is_empty() {
                "none"
            } else {
                v.images.as_str()
            }
        })),
        theme: top(tui.iter().map(|v| v.theme.as_str())),
    };
    let clients = top(rows.visits.iter().map(|v| v.client.as_str()));
    Report {
        since: date(from.div_euclid(86_400)),
        span_secs,
        databases,
        totals: Totals {
            visitors: visitors.len(),
            visits: rows.visits.len(),
            page_views: rows.views.len(),
            searches: rows.searches.len(),
            links_followed: rows.links.iter().filter(|l| !l.1).count(),
            copies: rows.links.iter().filter(|l| l.1).count(),
        },
        days,
        pages,
        searches,
        no_results,
        links,
        terminals,
        clients,
    }
}

/// The most frequent values, most first (ties by value).
fn top<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Count> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(value, count)| Count {
            value: value.to_string(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    out.truncate(TOP);
    out
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's civil_from_days).
pub fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse() {
        assert_eq!(parse_since("7d"), Ok(7 * 86_400));
        assert_eq!(parse_since("24h"), Ok(86_400));
        assert_eq!(parse_since("2w"), Ok(14 * 86_400));
        assert_eq!(parse_since("90"), Ok(90));
        assert!(parse_since("7x").is_err());
        assert!(parse_since("d").is_err());
        assert!(parse_since("0d").is_err());
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(19_723), "2024-01-01");
        assert_eq!(date(20_513), "2026-03-01");
        assert_eq!(date(-1), "1969-12-31");
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
