//! Search, as the app sees it: the index's full-text engine (`content::search`) asked
//! for a query, its results turned into the search screen's hits. The engine is built
//! with the index and shared by every session on it.

use std::sync::{Arc, OnceLock};

use crate::content::Index;
use crate::content::search::{Doc, Rank};

use crate::content::PageRef;

/// Longest query kept, in characters.
pub(crate) const MAX_QUERY: usize = crate::content::search::MAX_QUERY;

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

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub target: Target,
    pub rank: MatchRank,
    /// The engine's result, which makes the snippet.
    hit: crate::content::search::Hit,
    /// A short piece of text around the words (description, tags or body): made the
    /// first time it is asked for (`Corpus::snippet`), then kept.
    snippet: OnceLock<String>,
}

/// The search of one index generation (a reload brings a new index, so a new one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Corpus {
    index: Option<Arc<Index>>,
}

/// The search of `index`.
pub(crate) fn shared(index: &Arc<Index>) -> Arc<Corpus> {
    Arc::new(Corpus {
        index: Some(index.clone()),
    })
}

impl Corpus {
    /// Every item holding every word of `query`: title hits first, then tags and
    /// descriptions, then bodies, each by relevance.
    pub(crate) fn search(&self, query: &str) -> Vec<SearchHit> {
        let Some(index) = &self.index else {
            return Vec::new();
        };
        index
            .engine()
            .search(query)
            .into_iter()
            .map(|h| SearchHit {
                target: match h.doc {
                    Doc::Page(p) => Target::Page(p),
                    Doc::Story(i) => Target::Story(i),
                },
                rank: match h.rank {
                    Rank::Title => MatchRank::Title,
                    Rank::Meta => MatchRank::Meta,
                    Rank::Body => MatchRank::Body,
                },
                hit: h,
                snippet: OnceLock::new(),
            })
            .collect()
    }

    /// The snippet of `hit`, a result of `query` on this corpus. A body hit's is made
    /// on the first call (it reads the body's paragraphs): call it for the rows shown.
    pub(crate) fn snippet<'a>(&self, hit: &'a SearchHit, query: &str) -> &'a str {
        hit.snippet.get_or_init(|| match &self.index {
            Some(index) => index.engine().snippet(&hit.hit, query),
            None => String::new(),
        })
    }
}

/// The query as highlighted: capped, lowercased, leading blanks dropped (a trailing
/// blank means the last word is finished: no prefix matching).
pub(crate) fn normalize(query: &str) -> String {
    let capped: String = query.chars().take(MAX_QUERY).collect();
    let q = capped.trim_start().to_lowercase();
    if q.trim().is_empty() {
        String::new()
    } else {
        q
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
        assert_eq!(normalize("   "), "");
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
        let c = shared(&Arc::new(index));
        let hits = c.search("openstack");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].rank, MatchRank::Meta);
        let snippet = c.snippet(&hits[0], "openstack");
        assert!(snippet.contains("#OpenStack"), "{:?}", hits[0]);
        let hits = c.search("deep");
        assert_eq!(c.snippet(&hits[0], "deep"), "A deep dive.");
    }
}
