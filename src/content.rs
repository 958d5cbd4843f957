//! Content: the owner's Markdown + YAML site (Nuxt Content layout), loaded into one
//! immutable `Index` that every session shares.
//!
//! - `doc`: the document model of a page body (blocks, inlines, MDC components).
//! - `model`: the index and its items (site, projects, posts, stories).
//! - `clean`: control characters removed from every string content can carry.
//! - `files`: reading only regular files, inside the directory (symlinks refused).
//! - `diag`: `path:line:col: message` diagnostics, and the body warnings they come from.
//! - `rgb`: a colour from content (stories, image previews).
//! - `frontmatter`: YAML front matter split and typed decoding.
//! - `mdc`: the MDC pre-pass (block components, props) over markdown source.
//! - `markdown`: markdown + MDC source → `Document`.
//! - `slug`: heading ids, made like the original site's.
//! - `loader`: a content directory → `Index` (or diagnostics).
//! - `links`: a link's URL → the page and heading it names; broken-link warnings.
//! - `search`: full-text search on tantivy (stemmed, case-folded, ranked, in RAM).
//! - `images`: local images decoded into small previews at load time.
//! - `import`: a Nuxt `_payload.json` → content source files.
//! - `watch`: hot reload: a debounced watcher that rebuilds and publishes the index.

pub mod clean;
pub mod diag;
pub mod doc;
pub mod files;
pub mod frontmatter;
pub mod images;
pub mod import;
pub mod links;
pub mod loader;
pub mod markdown;
pub mod mdc;
pub mod model;
pub mod rgb;
pub mod search;
mod slug;
pub mod watch;

pub use diag::{Diagnostic, Severity};
pub use doc::{Block, Document, Inline};
pub use loader::{LoadError, LoadOptions, load, load_with};
pub use model::{Index, PageRef, Post, Project, Source, Story};
/// The index's search engine (named here so `model` need not import `search`).
pub use search::Engine as SearchEngine;
