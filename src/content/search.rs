//! Full-text search over an index on tantivy, in RAM: built with the index (so a
//! reload rebuilds it) and shared by every session. Every word of a query must occur
//! (in any order, in any field); words are stemmed and case-folded (`analyze`); the
//! last word also matches as a prefix while it is being typed. Results come title hits
//! first, then tag and description hits, then body hits, each by BM25 score. A body
//! hit's snippet (around its best paragraph) is made only when asked for
//! (`Engine::snippet`, for the rows on screen): ranking reads no body text. Query cost
//! is bounded: `MAX_QUERY` characters, `MAX_TERMS` words, `LIMIT` results.

mod analyze;
mod text;

use std::fmt;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DocAddress, TantivyDocument, Term};

pub use analyze::{MAX_QUERY, MAX_TERMS, Terms};

use super::model::{Index, PageRef};
use text::Item;

/// At most this many results per query.
pub const LIMIT: usize = 200;
/// Characters of context shown before a body match.
const SNIPPET_LEAD: usize = 24;
const SNIPPET_LEN: usize = 120;

/// A searchable thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doc {
    Page(PageRef),
    /// Index into `Index::stories`.
    Story(usize),
}

/// Where a result's words were found (lower sorts first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// A word of the query is in the title.
    Title,
    /// In the tags, description or other metadata (not the title).
    Meta,
    /// Only in the body.
    Body,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: Doc,
    pub rank: Rank,
    pub score: f32,
    /// The line the result shows when it is known without reading the body
    /// (description, tags or a metadata line); `Engine::snippet` gives every hit's.
    line: Option<String>,
    /// The item's place in the engine's `items`.
    item: usize,
}

struct Fields {
    title: Field,
    tags: Field,
    meta: Field,
    body: Field,
    /// Everything again, unstemmed: the prefix of the word being typed.
    raw: Field,
    ord: Field,
}

struct Inner {
    reader: tantivy::IndexReader,
    fields: Fields,
    items: Vec<(Doc, Item)>,
}

/// The search engine of one index generation.
#[derive(Default)]
pub struct Engine {
    /// `None` when building failed (logged); such an engine finds nothing.
    inner: Option<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.inner.as_ref().map_or(0, |i| i.items.len());
        write!(f, "Engine({n} items)")
    }
}

impl Engine {
    pub fn build(index: &Index) -> Engine {
        match build(text::items(index)) {
            Ok(inner) => Engine { inner: Some(inner) },
            Err(e) => {
                tracing::error!("search index not built: {e}");
                Engine::default()
            }
        }
    }

    /// The results for `query`, best first.
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let terms = Terms::parse(query);
        match &self.inner {
            Some(inner) if !terms.is_empty() => inner.search(&terms).unwrap_or_else(|e| {
                tracing::warn!("search failed: {e}");
                Vec::new()
            }),
            _ => Vec::new(),
        }
    }

    /// The line `hit` (a result of `query` on this engine) shows: the description on a
    /// title match, the tags on a tag match, else the metadata line or body paragraph
    /// holding the most of the query's words, from a little before the first. A body
    /// hit's costs reading its paragraphs: ask for the hits shown.
    pub fn snippet(&self, hit: &Hit, query: &str) -> String {
        if let Some(line) = &hit.line {
            return line.clone();
        }
        match self.inner.as_ref().and_then(|i| i.items.get(hit.item)) {
            Some((_, item)) => body_snippet(item, &Terms::parse(query)),
            None => String::new(),
        }
    }
}

fn build(items: Vec<(Doc, Item)>) -> tantivy::Result<Inner> {
    let mut sb = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        title: sb.add_text_field("title", text(analyze::STEMMED)),
        tags: sb.add_text_field("tags", text(analyze::STEMMED)),
        meta: sb.add_text_field("meta", text(analyze::STEMMED)),
        body: sb.add_text_field("body", text(analyze::STEMMED)),
        raw: sb.add_text_field("raw", text(analyze::RAW)),
        ord: sb.add_u64_field("ord", STORED),
    };
    let index = tantivy::Index::create_in_ram(sb.build());
    index
        .tokenizers()
        .register(analyze::STEMMED, analyze::stemmed());
    index.tokenizers().register(analyze::RAW, analyze::raw());
    // One thread and the smallest arena tantivy allows: the corpus is small.
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
    for (ord, (_, item)) in items.iter().enumerate() {
        let mut doc = TantivyDocument::new();
        let fold = |s: &str| analyze::prefold(s).into_owned();
        doc.add_text(fields.title, fold(&item.title));
        for t in &item.tags {
            doc.add_text(fields.tags, fold(t));
        }
        for m in &item.meta {
            doc.add_text(fields.meta, fold(m));
        }
        for b in &item.body {
            doc.add_text(fields.body, fold(b));
        }
        let all = [item.title.as_str()]
            .into_iter()
            .chain(item.tags.iter().map(String::as_str))
            .chain(item.meta.iter().map(String::as_str))
            .chain(item.body.iter().map(|b| &**b));
        for t in all {
            doc.add_text(fields.raw, fold(t));
        }
        doc.add_u64(fields.ord, ord as u64);
        writer.add_document(doc)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    Ok(Inner {
        reader,
        fields,
        items,
    })
}

impl Inner {
    fn query(&self, terms: &Terms) -> BooleanQuery {
        let f = &self.fields;
        let boosted = [(f.title, 4.0), (f.tags, 3.0), (f.meta, 1.5), (f.body, 1.0)];
        let last = terms.stems.len().saturating_sub(1);
        let must = terms.stems.iter().enumerate().map(|(i, stem)| {
            let mut any: Vec<(Occur, Box<dyn Query>)> = boosted
                .iter()
                .map(|&(field, boost)| {
                    let term = Term::from_field_text(field, stem);
                    let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(q), boost)) as _,
                    )
                })
                .collect();
            if i == last
                && let Some(prefix) = &terms.prefix
            {
                let term = Term::from_field_text(f.raw, prefix);
                any.push((
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new_prefix(term, 0, true)),
                ));
            }
            (
                Occur::Must,
                Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
            )
        });
        BooleanQuery::new(must.collect())
    }

    fn search(&self, terms: &Terms) -> tantivy::Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let top: Vec<(f32, DocAddress)> =
            searcher.search(&self.query(terms), &TopDocs::with_limit(LIMIT))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let ord = doc.get_first(self.fields.ord).and_then(|v| v.as_u64());
            let Some(ord) = ord.map(|o| o as usize) else {
                continue;
            };
            let Some((doc, item)) = self.items.get(ord) else {
                continue;
            };
            let (rank, line) = describe(item, terms);
            hits.push(Hit {
                doc: *doc,
                rank,
                score,
                line,
                item: ord,
            });
        }
        // Stable: within a rank, tantivy's order (score, then index order).
        hits.sort_by_key(|h| h.rank);
        Ok(hits)
    }
}

/// Where `item` matched best, and the line a result shows for it unless that is a body
/// paragraph (`body_snippet`). Every hit holds every word somewhere: one with none in
/// its title, tags or metadata is a body hit, found without reading the body.
fn describe(item: &Item, terms: &Terms) -> (Rank, Option<String>) {
    if terms.count_in(&item.title) > 0 {
        return (Rank::Title, Some(description(item)));
    }
    let tags = item.tags.join(" ");
    if terms.count_in(&tags) > 0 {
        let shown: Vec<String> = item.tags.iter().map(|t| format!("#{t}")).collect();
        return (Rank::Meta, Some(first(&shown.join(" "))));
    }
    if let Some((line, at)) = best(&item.meta, terms) {
        return (Rank::Meta, Some(snippet(line, at)));
    }
    (Rank::Body, None)
}

/// A body hit's line: around its best paragraph (the description if none holds a word).
fn body_snippet(item: &Item, terms: &Terms) -> String {
    match best(&item.body, terms) {
        Some((p, at)) => snippet(p, at),
        None => description(item),
    }
}

/// The first `SNIPPET_LEN` characters of `s`.
fn first(s: &str) -> String {
    s.chars().take(SNIPPET_LEN).collect()
}

fn description(item: &Item) -> String {
    item.meta.first().map(|m| first(m)).unwrap_or_default()
}

/// The text holding the most of the query's words (the first, on a tie), and where its
/// first word of the query starts.
fn best<'a>(texts: &'a [impl AsRef<str>], terms: &Terms) -> Option<(&'a str, usize)> {
    let mut top: Option<(usize, &str, usize)> = None;
    for t in texts.iter().map(AsRef::as_ref) {
        let (n, at) = terms.count_and_first(t);
        if n > 0 && top.is_none_or(|(m, _, _)| n > m) {
            top = Some((n, t, at.unwrap_or(0)));
            if n == terms.stems.len() {
                break;
            }
        }
    }
    top.map(|(_, t, at)| (t, at))
}

/// `SNIPPET_LEN` characters of `text` on one line, starting a little before byte `at`
/// (its first word of the query).
fn snippet(text: &str, at: usize) -> String {
    let before = text.get(..at).map_or(0, |s| s.chars().count());
    let start = before.saturating_sub(SNIPPET_LEAD);
    let mut out: String = text
        .chars()
        .skip(start)
        .take(SNIPPET_LEN)
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if start > 0 {
        out.insert(0, '…');
    }
    out
}

#[cfg(test)]
mod tests;
