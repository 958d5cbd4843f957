//! Search: a case-insensitive substring match over titles, descriptions, tags and body
//! text of every project, post and story. Plain `str::find` on lowercased text, so any
//! query (regex metacharacters, 10,000 characters) is just text; queries are capped.

use std::sync::{Arc, Mutex, Weak};

use crate::content::{Block, Document, Index, Inline};

use crate::content::PageRef;

/// Longest query kept, in characters.
pub(crate) const MAX_QUERY: usize = 200;
/// Characters of context shown before a body match.
const SNIPPET_LEAD: usize = 24;
const SNIPPET_LEN: usize = 120;

/// What a search result opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Page(PageRef),
    Story(usize),
}

/// How a result matched (lower sorts first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchRank {
    Title,
    Meta,
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub target: Target,
    pub rank: MatchRank,
    /// A short piece of text around the match (description or body).
    pub snippet: String,
}

/// One searchable thing, its text lowercased once per index.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    target: Target,
    title: String,
    /// Descriptions, tags, region…, one line each: (lowercased, as a result shows it).
    meta: Vec<(String, String)>,
    /// Body paragraphs: (original, lowercased).
    body: Vec<(String, String)>,
    description: String,
}

/// The corpus of the index most recently searched, shared by every session on it: a
/// thousand guests searching cost one corpus, not a thousand. Weak on both sides, so
/// it goes away with the last session holding it (and a reload makes a new one).
static SHARED: Mutex<Option<(Weak<Index>, Weak<Corpus>)>> = Mutex::new(None);

/// The corpus of `index`, built on first use and shared with every other session on
/// the same index.
pub(crate) fn shared(index: &Arc<Index>) -> Arc<Corpus> {
    let lock = || SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((ix, corpus)) = lock().as_ref()
        && Weak::ptr_eq(ix, &Arc::downgrade(index))
        && let Some(corpus) = corpus.upgrade()
    {
        return corpus;
    }
    // Built outside the lock: other sessions' searches never wait on it.
    let corpus = Arc::new(Corpus::build(index));
    *lock() = Some((Arc::downgrade(index), Arc::downgrade(&corpus)));
    corpus
}

/// The searchable text of an index, built once per content generation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Corpus {
    entries: Vec<Entry>,
}

impl Corpus {
    pub(crate) fn build(index: &Index) -> Corpus {
        let mut entries = Vec::new();
        for (i, p) in index.projects.iter().enumerate() {
            let extras = [&p.region, &p.rack_bay, &p.live_url].into_iter().flatten();
            let meta = lines_of(&p.description)
                .chain(extras.map(|e| meta_line(e, e.clone())))
                .collect();
            entries.push(Entry {
                target: Target::Page(crate::content::PageRef::Project(i)),
                title: p.title.to_lowercase(),
                meta,
                body: paragraphs(&p.body),
                description: p.description.clone(),
            });
        }
        for (i, p) in index.posts.iter().enumerate() {
            // Tags match as words ("docker openstack") and show as #tags.
            let tags = meta_line(&p.tags.join(" "), format_tags(&p.tags));
            let meta = lines_of(&p.description).chain([tags]).collect();
            entries.push(Entry {
                target: Target::Page(crate::content::PageRef::Post(i)),
                title: p.title.to_lowercase(),
                meta,
                body: paragraphs(&p.body),
                description: p.description.clone(),
            });
        }
        for (i, s) in index.stories.iter().enumerate() {
            entries.push(Entry {
                target: Target::Story(i),
                title: s.label.to_lowercase(),
                meta: s.link.iter().map(|l| meta_line(l, l.clone())).collect(),
                body: vec![(s.text.clone(), s.text.to_lowercase())],
                description: s.text.clone(),
            });
        }
        Corpus { entries }
    }

    /// Every entry matching `query`, title matches first, then descriptions and tags,
    /// then body text; within a rank, projects, posts, stories in index order.
    pub(crate) fn search(&self, query: &str) -> Vec<SearchHit> {
        let q = normalize(query);
        if q.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<SearchHit> = self
            .entries
            .iter()
            .filter_map(|e| {
                if e.title.contains(&q) {
                    return Some(hit(e, MatchRank::Title, first_line(&e.description)));
                }
                if let Some((_, shown)) = e.meta.iter().find(|(lower, _)| lower.contains(&q)) {
                    // Show the line that matched (a tag, a region), with the hit in view.
                    let lower = shown.to_lowercase();
                    let text = match lower.find(&q) {
                        Some(at) => snippet(shown, &lower, at),
                        None => first_line(&e.description),
                    };
                    return Some(hit(e, MatchRank::Meta, text));
                }
                e.body.iter().find_map(|(orig, lower)| {
                    lower
                        .find(&q)
                        .map(|at| hit(e, MatchRank::Body, snippet(orig, lower, at)))
                })
            })
            .collect();
        hits.sort_by_key(|h| h.rank);
        hits
    }
}

/// The query as matched: capped, lowercased, trimmed.
pub(crate) fn normalize(query: &str) -> String {
    let capped: String = query.chars().take(MAX_QUERY).collect();
    capped.trim().to_lowercase()
}

/// A searchable line: `text` lowercased, and `shown` as a result shows it.
fn meta_line(text: &str, shown: String) -> (String, String) {
    (text.to_lowercase(), shown)
}

/// Each line of `text` as a searchable line.
fn lines_of(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split('\n').map(|l| meta_line(l, l.to_string()))
}

/// Tags as a result shows them: `#a #b`.
fn format_tags(tags: &[String]) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("#{t}")).collect();
    tags.join(" ")
}

fn hit(e: &Entry, rank: MatchRank, snippet: String) -> SearchHit {
    SearchHit {
        target: e.target,
        rank,
        snippet,
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(SNIPPET_LEN)
        .collect()
}

/// Text around a match at byte `at` of `lower`, taken from `orig` by character count
/// (lowercasing keeps the count for nearly all text; a mismatch only shifts the window).
fn snippet(orig: &str, lower: &str, at: usize) -> String {
    let chars_before = lower.get(..at).map(|s| s.chars().count()).unwrap_or(0);
    let start = chars_before.saturating_sub(SNIPPET_LEAD);
    let mut out: String = orig.chars().skip(start).take(SNIPPET_LEN).collect();
    out = out.replace('\n', " ");
    if start > 0 {
        out.insert(0, '…');
    }
    out
}

/// The plain text of each block of a document, one string per paragraph-like block.
fn paragraphs(doc: &Document) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for b in &doc.blocks {
        push_block(b, &mut out, 0);
    }
    out.into_iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let lower = s.to_lowercase();
            (s, lower)
        })
        .collect()
}

/// Nesting deeper than this is not searched (bounded work on hostile content).
const MAX_DEPTH: usize = 32;

fn push_block(b: &Block, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match b {
        Block::Heading { content, .. } | Block::Paragraph(content) => {
            out.push(Inline::plain_text(content))
        }
        Block::Code { code, .. } => out.push(code.clone()),
        Block::Html(t) => out.push(t.clone()),
        Block::Table { header, rows, .. } => {
            let cells = header.iter().chain(rows.iter().flatten());
            let line: Vec<String> = cells.map(|c| Inline::plain_text(c)).collect();
            out.push(line.join(" "));
        }
        Block::Quote(blocks) => blocks.iter().for_each(|b| push_block(b, out, depth + 1)),
        Block::List { items, .. } => items
            .iter()
            .flatten()
            .for_each(|b| push_block(b, out, depth + 1)),
        Block::Image { alt, .. } => out.push(alt.clone()),
        Block::Rule => {}
        Block::Component {
            props,
            children,
            slots,
            ..
        } => {
            let text: Vec<&str> = props.iter().map(|(_, v)| v.as_str()).collect();
            out.push(text.join(" "));
            children.iter().for_each(|b| push_block(b, out, depth + 1));
            slots
                .iter()
                .flat_map(|(_, bs)| bs)
                .for_each(|b| push_block(b, out, depth + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_queries_are_plain_text_and_capped() {
        let c = Corpus::default();
        assert!(c.search(&".*(".repeat(5000)).is_empty());
        assert_eq!(normalize(&"x".repeat(10_000)).chars().count(), MAX_QUERY);
    }

    #[test]
    fn snippet_survives_multibyte_text() {
        let orig = "Ünïcödé — text with İstanbul and more";
        let lower = orig.to_lowercase();
        let at = lower
            .find("istanbul")
            .or_else(|| lower.find("stanbul"))
            .unwrap();
        let s = snippet(orig, &lower, at);
        assert!(s.contains("stanbul"));
    }

    #[test]
    fn a_tag_match_shows_the_tags_not_just_the_description() {
        let mut index = Index::default();
        index.posts.push(crate::content::model::Post {
            slug: "p".into(),
            title: "Packets".into(),
            description: "A deep dive.".into(),
            date: Default::default(),
            read_time: None,
            tags: vec!["Docker".into(), "OpenStack".into()],
            thumbnail: None,
            body: Default::default(),
            source: "blog/p.md".into(),
        });
        let hits = Corpus::build(&index).search("openstack");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].rank, MatchRank::Meta);
        assert!(hits[0].snippet.contains("#OpenStack"), "{:?}", hits[0]);
        let hits = Corpus::build(&index).search("deep");
        assert_eq!(hits[0].snippet, "A deep dive.");
    }

    #[test]
    fn sessions_on_one_index_share_one_corpus() {
        let a = Arc::new(Index::default());
        let b = Arc::new(Index::default());
        // Other tests search too (one slot, process-wide): retry past their interleaving.
        assert!((0..100).any(|_| {
            let first = shared(&a);
            Arc::ptr_eq(&first, &shared(&a))
        }));
        let first = shared(&a);
        assert!(!Arc::ptr_eq(&first, &shared(&b)));
    }
}
