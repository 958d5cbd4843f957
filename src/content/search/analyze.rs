//! Words as search sees them: one analyzer for the index, the query and highlighting,
//! so a highlighted word is exactly a word that matched. Split on anything not a letter
//! or digit, Unicode-lowercased, final sigma folded into sigma, accents and `ß` folded
//! to ASCII where Latin, English-stemmed ("packets" → "packet").

use std::cell::RefCell;
use std::ops::Range;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenStream,
};

/// Name of the stemmed analyzer in the index's tokenizer registry.
pub(crate) const STEMMED: &str = "folio_en";
/// Name of the unstemmed analyzer (for prefixes of the word being typed).
pub(crate) const RAW: &str = "folio_raw";

/// Words longer than this (bytes) are not indexed or matched.
const MAX_WORD: usize = 40;
/// At most this many words of a query count; the rest are ignored.
pub const MAX_TERMS: usize = 8;
/// Longest query looked at, in characters.
pub const MAX_QUERY: usize = 200;
/// A prefix shorter than this matches only as a whole word.
const MIN_PREFIX: usize = 2;

pub(crate) fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub(crate) fn raw() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Fold what the lowercaser leaves apart: `Σ`, `σ` and final `ς` are one letter to a
/// reader. Every replacement keeps its UTF-8 length, so offsets stay offsets of `text`.
pub(crate) fn prefold(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['ς', 'Σ']) {
        text.replace(['ς', 'Σ'], "σ").into()
    } else {
        text.into()
    }
}

thread_local! {
    /// Both analyzers, built once per thread rather than once per text.
    static ANALYZERS: RefCell<(TextAnalyzer, TextAnalyzer)> = RefCell::new((stemmed(), raw()));
}

/// Give `f` each word of `text` (byte range in `text`, stemmed form, unstemmed form)
/// until it returns false.
fn each_word(text: &str, mut f: impl FnMut(Range<usize>, &str, &str) -> bool) {
    let folded = prefold(text);
    ANALYZERS.with_borrow_mut(|(stem, raw)| {
        let mut a = stem.token_stream(&folded);
        let mut b = raw.token_stream(&folded);
        // Both streams come from the same tokenizer and the same length filter: one
        // token each, in step.
        while a.advance() && b.advance() {
            let (s, r) = (a.token(), b.token());
            if !f(s.offset_from..s.offset_to, &s.text, &r.text) {
                break;
            }
        }
    });
}

/// The words of `text`: (byte range in `text`, stemmed form, unstemmed form).
pub(crate) fn words(text: &str) -> Vec<(Range<usize>, String, String)> {
    let mut out = Vec::new();
    each_word(text, |range, stem, raw| {
        out.push((range, stem.to_string(), raw.to_string()));
        true
    });
    out
}

/// A query, analyzed: the words every result must contain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    /// Stemmed words, in query order, without repeats.
    pub(crate) stems: Vec<String>,
    /// The last word unstemmed, when it may still be being typed (no space after it):
    /// any word starting with it matches too.
    pub(crate) prefix: Option<String>,
}

impl Terms {
    pub fn parse(query: &str) -> Terms {
        let capped: String = query.chars().take(MAX_QUERY).collect();
        let mut words = words(&capped);
        words.truncate(MAX_TERMS);
        let typing = !capped.ends_with(char::is_whitespace);
        let prefix = match words.last() {
            Some((_, _, raw)) if typing && raw.chars().count() >= MIN_PREFIX => Some(raw.clone()),
            _ => None,
        };
        let mut stems: Vec<String> = Vec::new();
        for (_, s, _) in words {
            if !stems.contains(&s) {
                stems.push(s);
            }
        }
        Terms { stems, prefix }
    }

    pub fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }

    fn matches(&self, stem: &str, raw: &str) -> bool {
        self.stems.iter().any(|s| s == stem)
            || self.prefix.as_deref().is_some_and(|p| raw.starts_with(p))
    }

    /// Byte ranges of `text` holding a word of the query, left to right.
    pub fn find(&self, text: &str) -> Vec<Range<usize>> {
        if self.is_empty() {
            return Vec::new();
        }
        words(text)
            .into_iter()
            .filter(|(_, s, r)| self.matches(s, r))
            .map(|(range, _, _)| range)
            .collect()
    }

    /// How many of the query's words occur in `text` (each counted once).
    pub fn count_in(&self, text: &str) -> usize {
        self.count_and_first(text).0
    }

    /// How many of the query's words occur in `text` (each counted once), and where
    /// the first word of `text` that is one of them starts (`find`'s first range): one
    /// pass over `text`, stopping once both are known.
    pub(crate) fn count_and_first(&self, text: &str) -> (usize, Option<usize>) {
        let last = self.stems.len().saturating_sub(1);
        let mut seen = vec![false; self.stems.len()];
        let mut count = 0;
        let mut first = None;
        each_word(text, |range, stem, raw| {
            let prefixed = self.prefix.as_deref().is_some_and(|p| raw.starts_with(p));
            for (i, s) in self.stems.iter().enumerate() {
                if !seen[i] && (s == stem || (i == last && prefixed)) {
                    seen[i] = true;
                    count += 1;
                }
            }
            if first.is_none() && self.matches(stem, raw) {
                first = Some(range.start);
            }
            count < self.stems.len() || first.is_none()
        });
        (count, first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_fold_case_sigma_and_sharp_s() {
        let t = Terms::parse("Packets ΣΟΦΟΣ STRASSE ");
        assert_eq!(t.prefix, None);
        assert_eq!(t.find("one packet"), vec![4..10]);
        assert_eq!(t.find("ὁ σοφος"), vec![4..14]);
        assert_eq!(t.find("die Straße"), vec![4..11]);
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_while_typing() {
        let t = Terms::parse("iptables man");
        assert_eq!(t.find("iptables -t mangle"), vec![0..8, 12..18]);
        assert_eq!(
            Terms::parse("iptables man ").find("mangle"),
            Vec::<Range<usize>>::new()
        );
    }

    #[test]
    fn queries_are_capped_and_metacharacters_are_not_words() {
        assert!(Terms::parse(".*(?[]\\^$|+{}").is_empty());
        let t = Terms::parse(&"word ".repeat(5000));
        assert_eq!(t.stems.len(), 1);
        let t = Terms::parse(&(0..100).map(|i| format!("w{i} ")).collect::<String>());
        assert_eq!(t.stems.len(), MAX_TERMS);
    }
}
