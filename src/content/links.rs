//! Links between pages: a link's URL → the page and heading it names (or that it is
//! external, or points nowhere), and `check`'s report of internal links that point
//! nowhere, with the `path:line:col` of each in its source file.

use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::diag::{Diagnostic, Severity};
use super::doc::{Block, Document};
use super::model::{Index, PageRef};

/// Where a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A page of the site, at a heading (`anchor`, without `#`) or at its top.
    Page {
        page: PageRef,
        anchor: Option<String>,
    },
    /// A heading of the page the link is on (`#anchor`).
    Anchor(String),
    /// Outside the site (a scheme like `https:` or `mailto:`, or `//host`), or a path
    /// of the site that is not a page (`/images/x.png`): the terminal's business.
    External(String),
    /// Looks like a page of the site, but no such page exists.
    Missing(String),
}

impl LinkTarget {
    /// Whether the app opens it itself.
    pub fn is_internal(&self) -> bool {
        matches!(self, LinkTarget::Page { .. } | LinkTarget::Anchor(_))
    }
}

/// Resolve `url` as written on page `from` (`None`: a page-less text such as `about`).
///
/// Internal forms: `/blog/<slug>`, `/projects/<slug>`, `blog/<slug>`, a relative
/// `<slug>` or `<slug>.md` (or `./`, `../blog/<slug>`), each with an optional
/// `#anchor`, and a bare `#anchor`. A relative slug is looked up beside `from` first,
/// then anywhere (projects first, as `Index::find`).
pub fn resolve(index: &Index, from: Option<PageRef>, url: &str) -> LinkTarget {
    let url = url.trim();
    if let Some(anchor) = url.strip_prefix('#') {
        return LinkTarget::Anchor(anchor.to_string());
    }
    if url.is_empty() || url.starts_with("//") || has_scheme(url) {
        return LinkTarget::External(url.to_string());
    }
    let (path, anchor) = match url.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string()).filter(|a| !a.is_empty())),
        None => (url, None),
    };
    let path = path.split(['?']).next().unwrap_or(path);
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    if !absolute {
        if let Some(dir) = from.map(section) {
            parts.push(dir);
        }
    }
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let segments = path.split('/').filter(|s| !matches!(*s, "" | ".")).count();
    // A relative `name.ext` other than `.md` is a file beside the page, not a page.
    if let Some(last) = parts.last_mut() {
        match last.strip_suffix(".md") {
            Some(stem) => *last = stem,
            None if last.contains('.') => return LinkTarget::External(url.to_string()),
            None => {}
        }
    }
    let page = match parts.as_slice() {
        [section @ ("blog" | "projects"), slug] => index
            .pages
            .get(&format!("{section}/{slug}"))
            .copied()
            // A relative slug written on a page: beside it first, then anywhere.
            .or_else(|| {
                (!absolute && segments == 1)
                    .then(|| index.find(slug))
                    .flatten()
            }),
        [slug] if !absolute => index.find(slug),
        ["blog" | "projects", ..] => None,
        _ => return LinkTarget::External(url.to_string()),
    };
    match page {
        Some(page) => LinkTarget::Page { page, anchor },
        None => LinkTarget::Missing(url.to_string()),
    }
}

/// The URL path of a page's section, as links name it.
fn section(page: PageRef) -> &'static str {
    match page {
        PageRef::Project(_) => "projects",
        PageRef::Post(_) => "blog",
    }
}

/// `scheme:` as RFC 3986 spells it (`https:`, `mailto:`), not a Windows drive letter.
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether `doc` has a heading with anchor `id`.
pub fn has_anchor(doc: &Document, id: &str) -> bool {
    fn walk(blocks: &[Block], id: &str, depth: usize) -> bool {
        depth < 32
            && blocks.iter().any(|b| match b {
                Block::Heading { id: h, .. } => h == id,
                Block::Quote(bs) => walk(bs, id, depth + 1),
                Block::List { items, .. } => items.iter().any(|i| walk(i, id, depth + 1)),
                Block::Component {
                    children, slots, ..
                } => {
                    walk(children, id, depth + 1)
                        || slots.iter().any(|(_, bs)| walk(bs, id, depth + 1))
                }
                _ => false,
            })
    }
    walk(&doc.blocks, id, 0)
}

/// A link as written in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    pub path: PathBuf,
    pub url: String,
    /// 1-based file line and column (in characters) of the link's `[` or `<`.
    pub line: u32,
    pub col: u32,
}

/// Every markdown link of a page body whose first line is file line `first_line`.
pub fn scan(path: &Path, body: &str, first_line: u32) -> Vec<SourceLink> {
    let mut out = Vec::new();
    let parser = Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    for (event, range) in parser.into_offset_iter() {
        let Event::Start(Tag::Link { dest_url, .. }) = event else {
            continue;
        };
        let before = body.get(..range.start).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count();
        let col = before.get(line_start..).map_or(0, |s| s.chars().count());
        out.push(SourceLink {
            path: path.to_path_buf(),
            url: dest_url.to_string(),
            line: first_line.saturating_add(u32::try_from(line).unwrap_or(u32::MAX)),
            col: u32::try_from(col + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

/// The page a source file is, in `index`.
fn page_of(index: &Index, path: &Path) -> Option<PageRef> {
    let project = index.projects.iter().position(|p| p.source == path);
    let post = || index.posts.iter().position(|p| p.source == path);
    project
        .map(PageRef::Project)
        .or_else(|| post().map(PageRef::Post))
}

/// A warning for each internal link that points nowhere: no such page, or no such
/// heading on the page it names.
pub fn check(index: &Index, links: &[SourceLink]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for l in links {
        let from = page_of(index, &l.path);
        let problem = match resolve(index, from, &l.url) {
            LinkTarget::Missing(url) => Some(format!("link to `{url}`: no such page")),
            LinkTarget::Page {
                page,
                anchor: Some(a),
            } => index.body(page).filter(|d| !has_anchor(d, &a)).map(|_| {
                let key = index.key(page).unwrap_or_default();
                format!("link to `{}`: no heading `#{a}` in {key}", l.url)
            }),
            LinkTarget::Anchor(a) => from
                .and_then(|p| index.body(p))
                .filter(|d| !has_anchor(d, &a))
                .map(|_| format!("link to `#{a}`: no such heading on this page")),
            _ => None,
        };
        if let Some(message) = problem {
            out.push(Diagnostic {
                path: l.path.clone(),
                line: l.line,
                col: l.col,
                severity: Severity::Warning,
                message,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Inline;

    fn index() -> Index {
        let mut ix = Index::default();
        for (i, slug) in ["mtu", "swarm"].iter().enumerate() {
            ix.pages.insert(format!("blog/{slug}"), PageRef::Post(i));
        }
        ix.pages
            .insert("projects/engine".into(), PageRef::Project(0));
        ix
    }

    #[test]
    fn internal_forms_resolve_to_the_page_and_anchor() {
        let ix = index();
        let from = Some(PageRef::Post(1));
        let at = |page, a: Option<&str>| LinkTarget::Page {
            page,
            anchor: a.map(String::from),
        };
        let mtu = PageRef::Post(0);
        assert_eq!(
            resolve(&ix, from, "/blog/mtu#the-fix"),
            at(mtu, Some("the-fix"))
        );
        assert_eq!(resolve(&ix, from, "/blog/mtu/"), at(mtu, None));
        assert_eq!(resolve(&ix, from, "mtu"), at(mtu, None));
        assert_eq!(resolve(&ix, from, "mtu.md#x"), at(mtu, Some("x")));
        assert_eq!(resolve(&ix, from, "./mtu.md"), at(mtu, None));
        assert_eq!(
            resolve(&ix, from, "../projects/engine"),
            at(PageRef::Project(0), None)
        );
        assert_eq!(resolve(&ix, from, "engine"), at(PageRef::Project(0), None));
        assert_eq!(resolve(&ix, None, "blog/swarm"), at(PageRef::Post(1), None));
        assert_eq!(resolve(&ix, from, "#top"), LinkTarget::Anchor("top".into()));
    }

    #[test]
    fn external_and_missing_links_are_told_apart() {
        let ix = index();
        let from = Some(PageRef::Post(0));
        for url in [
            "https://x.com/a",
            "mailto:a@b.c",
            "//cdn.example/x",
            "/images/a.png",
        ] {
            assert_eq!(
                resolve(&ix, from, url),
                LinkTarget::External(url.into()),
                "{url}"
            );
        }
        for url in ["/blog/nope", "nope", "/projects/nope#x", "nope.md"] {
            assert_eq!(
                resolve(&ix, from, url),
                LinkTarget::Missing(url.into()),
                "{url}"
            );
        }
    }

    #[test]
    fn scan_reports_file_lines_and_columns() {
        let body = "Intro.\n\nSee [the fix](/blog/mtu#fix) and <https://x.com>.\n";
        let links = scan(Path::new("blog/a.md"), body, 5);
        assert_eq!(links.len(), 2);
        assert_eq!((links[0].line, links[0].col), (7, 5));
        assert_eq!(links[0].url, "/blog/mtu#fix");
    }

    #[test]
    fn anchors_are_found_in_nested_blocks() {
        let doc = Document {
            blocks: vec![Block::Quote(vec![Block::Heading {
                level: 2,
                id: "deep".into(),
                content: vec![Inline::Text("Deep".into())],
            }])],
        };
        assert!(has_anchor(&doc, "deep"));
        assert!(!has_anchor(&doc, "shallow"));
    }
}
