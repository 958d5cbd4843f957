//! The content index: every project, post and story of a site, immutable once built and
//! shared by all sessions as `Arc<Index>` (a reload builds a new one).

use std::collections::HashMap;
use std::path::PathBuf;

use super::diag::Diagnostic;
use super::doc::Document;
pub use super::rgb::Rgb;

/// `site.yml`: who the portfolio belongs to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Site {
    pub name: String,
    pub tagline: String,
    /// The `about` text, parsed as markdown.
    pub about: Document,
    pub links: Vec<SiteLink>,
    /// `url`: the site's web address (`https://example.com`), for a page's link.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteLink {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RackStatus {
    Live,
    Offline,
    /// No `rackStatus` in front matter.
    #[default]
    Unknown,
}

/// A calendar date from front matter (`YYYY-MM-DD`), ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// File stem: `projects/<slug>.md`.
    pub slug: String,
    pub title: String,
    pub description: String,
    pub order: i64,
    pub region: Option<String>,
    pub rack_bay: Option<String>,
    pub rack_status: RackStatus,
    pub vault: bool,
    pub live_url: Option<String>,
    pub thumbnail: Option<String>,
    pub hash: Option<String>,
    pub body: Document,
    pub source: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    /// File stem: `blog/<slug>.md`.
    pub slug: String,
    pub title: String,
    pub description: String,
    pub date: Date,
    /// As written, e.g. "5 min".
    pub read_time: Option<String>,
    pub tags: Vec<String>,
    pub thumbnail: Option<String>,
    pub body: Document,
    pub source: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// File stem: `stories/<id>.yml`, e.g. `01-data-center`.
    pub id: String,
    pub label: String,
    pub text: String,
    pub image: Option<String>,
    pub color: Option<Rgb>,
    pub link: Option<String>,
    pub order: i64,
    pub source: PathBuf,
}

/// Front matter fields as JSON values (`--json` output carries every one of them).
pub type Front = Vec<(String, serde_json::Value)>;

/// What a content file said, kept beside the typed item for `--json` output.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// The body as source text (front matter removed, control characters cleaned,
    /// CRLF as LF); empty for stories.
    pub markdown: String,
    /// Every front matter field (a story's every field), in file order.
    pub front: Front,
}

/// Which kind of page a slug names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageRef {
    /// Index into `Index::projects`.
    Project(usize),
    /// Index into `Index::posts`.
    Post(usize),
}

/// Everything the server shows, built once per load and never mutated.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub site: Site,
    /// Sorted by `order`, then slug.
    pub projects: Vec<Project>,
    /// Newest first, then slug.
    pub posts: Vec<Post>,
    /// Sorted by `order`, then id.
    pub stories: Vec<Story>,
    /// Every tag used by a post, sorted case-insensitively, deduplicated.
    pub tags: Vec<String>,
    /// `"projects/<slug>"` and `"blog/<slug>"` → page.
    pub pages: HashMap<String, PageRef>,
    /// `"projects/<slug>"`, `"blog/<slug>"` and `"stories/<id>"` → what the file said:
    /// the body's source text and every front matter field (for `--json`).
    pub sources: HashMap<String, Source>,
    /// Warnings found while loading (errors prevent an Index from being built).
    pub warnings: Vec<Diagnostic>,
    /// Increases with every successful load; sessions use it to notice reloads.
    pub generation: u64,
    /// Previews of the local images (`/images/...` under `content/images/`) that the
    /// pages, thumbnails and stories refer to, decoded at load time.
    pub images: std::sync::Arc<super::images::Previews>,
    /// The full-text search engine of this content, built on first use (the loader
    /// builds it with the index).
    pub search: std::sync::OnceLock<std::sync::Arc<super::SearchEngine>>,
}

impl Index {
    /// Find a page by `projects/<slug>`, `blog/<slug>` or a bare slug (projects first).
    pub fn find(&self, key: &str) -> Option<PageRef> {
        let key = key.trim_matches('/');
        if let Some(p) = self.pages.get(key) {
            return Some(*p);
        }
        self.pages
            .get(&format!("projects/{key}"))
            .or_else(|| self.pages.get(&format!("blog/{key}")))
            .copied()
    }

    pub fn project(&self, i: usize) -> Option<&Project> {
        self.projects.get(i)
    }

    pub fn post(&self, i: usize) -> Option<&Post> {
        self.posts.get(i)
    }

    /// The body of a page.
    pub fn body(&self, page: PageRef) -> Option<&Document> {
        match page {
            PageRef::Project(i) => self.projects.get(i).map(|p| &p.body),
            PageRef::Post(i) => self.posts.get(i).map(|p| &p.body),
        }
    }

    /// The title of a page.
    pub fn title(&self, page: PageRef) -> Option<&str> {
        match page {
            PageRef::Project(i) => self.projects.get(i).map(|p| p.title.as_str()),
            PageRef::Post(i) => self.posts.get(i).map(|p| p.title.as_str()),
        }
    }

    /// The search engine of this index (built now if nobody has yet).
    pub fn engine(&self) -> &super::SearchEngine {
        self.search
            .get_or_init(|| std::sync::Arc::new(super::SearchEngine::build(self)))
    }

    /// The page's address on the web: the site's `url` + its path, or a project's
    /// `liveUrl`.
    pub fn web_url(&self, page: PageRef) -> Option<String> {
        if let PageRef::Project(i) = page
            && let Some(live) = self.projects.get(i).and_then(|p| p.live_url.clone())
        {
            return Some(live);
        }
        let base = self.site.url.as_deref()?.trim_end_matches('/');
        Some(format!("{base}/{}", self.key(page)?))
    }

    /// The stable key of a page (`projects/<slug>` or `blog/<slug>`), which survives reloads.
    pub fn key(&self, page: PageRef) -> Option<String> {
        match page {
            PageRef::Project(i) => self.projects.get(i).map(|p| format!("projects/{}", p.slug)),
            PageRef::Post(i) => self.posts.get(i).map(|p| format!("blog/{}", p.slug)),
        }
    }
}
