//! The loader reads a content directory into an `Index`, collecting every problem.
//!
//! Layout (DESIGN.md §1): `projects/*.md`, `blog/*.md`, `stories/*.yml` (or `.yaml`),
//! optional `site.yml`. Missing `projects/`, `blog/` or `stories/` directories mean
//! empty lists; a missing content directory is an error. Every file is read whole but
//! never more than `MAX_FILE_BYTES`, and every problem in every file is collected
//! before deciding: any error means no `Index`.
//!
//! `generation` comes from a process-wide counter: each successful `load` gets the next
//! number (1, 2, …), so a reload always has a larger generation than what it replaces.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::clean;
use super::diag::{Diagnostic, Severity};
use super::doc::Block;
use super::files::{Files, io_message, whole_file};
use super::frontmatter;
use super::images;
use super::markdown::{self, BodyWarning};
use super::model::{Index, PageRef, Post, Project, Site, Source, Story};

pub use super::files::{MAX_FILE_BYTES, MAX_FILES_PER_DIR};

/// How a content directory is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Read files that symlinks lead to outside the content directory (refused with a
    /// warning otherwise).
    pub follow_symlinks: bool,
}

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Loading failed: at least one diagnostic is an error. All problems found are listed
/// (warnings too), in path order.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} problem(s) in content", diagnostics.len())]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

/// Load the content directory at `dir` with the default options.
pub fn load(dir: &Path) -> Result<Index, LoadError> {
    load_with(dir, LoadOptions::default())
}

/// Load the content directory at `dir`.
pub fn load_with(dir: &Path, opts: LoadOptions) -> Result<Index, LoadError> {
    let mut diags = Vec::new();
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(LoadError {
                diagnostics: vec![whole_file(dir, "not a directory".to_string())],
            });
        }
        Err(e) => {
            return Err(LoadError {
                diagnostics: vec![whole_file(
                    dir,
                    format!("cannot open content directory: {}", io_message(&e)),
                )],
            });
        }
    }

    let files = Files::new(dir, opts.follow_symlinks);
    let mut sources = HashMap::new();
    let mut projects = Vec::new();
    let mut links = Vec::new();
    for path in files.list(&dir.join("projects"), &["md"], &mut diags) {
        if let Some((p, src)) = load_project(&files, &path, &mut diags, &mut links) {
            sources.insert(format!("projects/{}", p.slug), src);
            projects.push(p);
        }
    }
    let mut posts = Vec::new();
    for path in files.list(&dir.join("blog"), &["md"], &mut diags) {
        if let Some((p, src)) = load_post(&files, &path, &mut diags, &mut links) {
            sources.insert(format!("blog/{}", p.slug), src);
            posts.push(p);
        }
    }
    let mut stories = Vec::new();
    for path in files.list(&dir.join("stories"), &["yml", "yaml"], &mut diags) {
        if let Some((s, src)) = load_story(&files, &path, &mut diags) {
            sources.insert(format!("stories/{}", s.id), src);
            stories.push(s);
        }
    }
    let site = load_site(&files, &dir.join("site.yml"), &mut diags).unwrap_or_default();

    duplicates(
        projects
            .iter()
            .map(|p| (p.slug.as_str(), p.source.as_path())),
        "slug",
        &mut diags,
    );
    duplicates(
        posts.iter().map(|p| (p.slug.as_str(), p.source.as_path())),
        "slug",
        &mut diags,
    );
    duplicates(
        stories.iter().map(|s| (s.id.as_str(), s.source.as_path())),
        "story id",
        &mut diags,
    );
    for post in &posts {
        if let Some(project) = projects.iter().find(|p| p.slug == post.slug) {
            diags.push(Diagnostic {
                path: post.source.clone(),
                line: 0,
                col: 0,
                severity: Severity::Warning,
                message: format!(
                    "slug `{}` is also the project {}; a bare `{}` finds the project",
                    post.slug,
                    project.source.display(),
                    post.slug
                ),
            });
        }
    }

    diags.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(LoadError { diagnostics: diags });
    }

    projects.sort_by(|a, b| (a.order, &a.slug).cmp(&(b.order, &b.slug)));
    posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
    stories.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));

    let images = load_images(
        dir,
        opts.follow_symlinks,
        &site,
        &projects,
        &posts,
        &stories,
        &mut diags,
    );

    let mut pages = HashMap::new();
    for (i, p) in projects.iter().enumerate() {
        pages.insert(format!("projects/{}", p.slug), PageRef::Project(i));
    }
    for (i, p) in posts.iter().enumerate() {
        pages.insert(format!("blog/{}", p.slug), PageRef::Post(i));
    }

    let mut index = Index {
        site,
        tags: tags(&posts),
        projects,
        posts,
        stories,
        pages,
        sources,
        warnings: diags,
        generation: GENERATION.fetch_add(1, Ordering::Relaxed) + 1,
        images: Arc::new(images),
        ..Index::default()
    };
    // Internal links that point nowhere are warnings: the page still serves.
    let broken = super::links::check(&index, &links);
    if !broken.is_empty() {
        index.warnings.extend(broken);
        index
            .warnings
            .sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    }
    // Built with the index: a reload's first search does not wait for it.
    index.engine();
    Ok(index)
}

/// Decode the local images the content refers to (standalone images in bodies,
/// thumbnails, story images); a file that exists but cannot be decoded is a warning.
fn load_images(
    dir: &Path,
    follow_symlinks: bool,
    site: &Site,
    projects: &[Project],
    posts: &[Post],
    stories: &[Story],
    diags: &mut Vec<Diagnostic>,
) -> images::Previews {
    let srcs = image_refs(site, projects, posts, stories);
    let site_path = Path::new("site.yml");
    let (previews, errors) = images::load(dir, srcs.iter().map(|(s, _)| *s), follow_symlinks);
    for (src, e) in errors {
        let path = srcs
            .iter()
            .find(|(s, _)| *s == src)
            .map_or(site_path, |(_, p)| *p);
        diags.push(Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            col: 0,
            severity: Severity::Warning,
            message: format!("image `{src}` has no preview: {e}"),
        });
    }
    previews
}

/// Every image reference of the content, with the file that makes it: thumbnails,
/// story images and standalone images in bodies (also inside quotes, lists and
/// components), in a stable order, repeats included.
pub fn image_refs<'a>(
    site: &'a Site,
    projects: &'a [Project],
    posts: &'a [Post],
    stories: &'a [Story],
) -> Vec<(&'a str, &'a Path)> {
    let mut srcs: Vec<(&str, &Path)> = Vec::new();
    let mut stack: Vec<(&Block, &Path)> = Vec::new();
    let site_path = Path::new("site.yml");
    stack.extend(site.about.blocks.iter().rev().map(|b| (b, site_path)));
    for p in projects {
        srcs.extend(p.thumbnail.as_deref().map(|t| (t, p.source.as_path())));
    }
    for p in posts {
        srcs.extend(p.thumbnail.as_deref().map(|t| (t, p.source.as_path())));
    }
    for s in stories {
        srcs.extend(s.image.as_deref().map(|t| (t, s.source.as_path())));
    }
    for p in projects.iter().rev() {
        stack.extend(p.body.blocks.iter().rev().map(|b| (b, p.source.as_path())));
    }
    for p in posts.iter().rev() {
        stack.extend(p.body.blocks.iter().rev().map(|b| (b, p.source.as_path())));
    }
    while let Some((b, path)) = stack.pop() {
        match b {
            Block::Image { src, .. } => srcs.push((src, path)),
            Block::Quote(c) => stack.extend(c.iter().rev().map(|b| (b, path))),
            Block::List { items, .. } => {
                stack.extend(
                    items
                        .iter()
                        .rev()
                        .flat_map(|i| i.iter().rev())
                        .map(|b| (b, path)),
                );
            }
            Block::Component {
                children, slots, ..
            } => {
                stack.extend(
                    slots
                        .iter()
                        .rev()
                        .flat_map(|(_, s)| s.iter().rev())
                        .map(|b| (b, path)),
                );
                stack.extend(children.iter().rev().map(|b| (b, path)));
            }
            _ => {}
        }
    }
    srcs
}

/// Every tag, deduplicated case-insensitively (first spelling wins, in date order),
/// sorted case-insensitively.
fn tags(posts: &[Post]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut tags: Vec<String> = Vec::new();
    let mut by_date: Vec<&Post> = posts.iter().collect();
    by_date.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
    for post in by_date {
        for t in &post.tags {
            if seen.insert(t.to_lowercase()) {
                tags.push(t.clone());
            }
        }
    }
    tags.sort_by_key(|t| (t.to_lowercase(), t.clone()));
    tags
}

/// Report keys that two files share (compared case-insensitively, as a case-insensitive
/// file system or URL would collide).
fn duplicates<'a>(
    items: impl Iterator<Item = (&'a str, &'a Path)>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<String, &Path> = HashMap::new();
    for (key, path) in items {
        match seen.get(&key.to_lowercase()) {
            Some(first) => diags.push(whole_file(
                path,
                format!("duplicate {what} `{key}` (also {})", first.display()),
            )),
            None => {
                seen.insert(key.to_lowercase(), path);
            }
        }
    }
}

/// A markdown page: its front matter (split, not yet decoded) and parsed body.
struct Page {
    yaml: String,
    yaml_line: u32,
    body: super::doc::Document,
    /// The body's source text (after cleaning).
    markdown: String,
}

fn load_page(
    files: &Files,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
    links: &mut Vec<super::links::SourceLink>,
) -> Option<Page> {
    let text = files.read_text(path, diags)?;
    let split = match frontmatter::split(&text) {
        Ok(s) => s,
        Err(e) => {
            diags.push(Diagnostic {
                path: path.to_path_buf(),
                line: 1,
                col: 1,
                severity: Severity::Error,
                message: e.to_string(),
            });
            return None;
        }
    };
    let (mut body, warnings) = markdown::parse_from_line(split.body, split.body_line);
    let failed = warnings.iter().any(|w| w.error);
    push_body_warnings(path, warnings, diags);
    if failed {
        return None;
    }
    links.extend(super::links::scan(path, split.body, split.body_line));
    clean_body(path, split.body, split.body_line, &mut body, diags);
    Some(Page {
        yaml: split.yaml.unwrap_or("").to_string(),
        yaml_line: split.yaml_line.max(2),
        body,
        markdown: split.body.to_string(),
    })
}

/// Remove control characters that entities (`&#27;`) put into a parsed body, with a
/// warning at each such entity.
fn clean_body(
    path: &Path,
    source: &str,
    first_line: u32,
    body: &mut super::doc::Document,
    diags: &mut Vec<Diagnostic>,
) {
    for (at, c) in clean::entities(source).into_iter().take(5) {
        let before = &source[..at];
        let line = before.matches('\n').count();
        let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        diags.push(Diagnostic {
            path: path.to_path_buf(),
            line: first_line.saturating_add(u32::try_from(line).unwrap_or(u32::MAX)),
            col: u32::try_from(col).unwrap_or(u32::MAX),
            severity: Severity::Warning,
            message: format!(
                "character reference to control character {} removed",
                clean::name(c)
            ),
        });
    }
    clean::document(body);
}

fn push_body_warnings(path: &Path, warnings: Vec<BodyWarning>, diags: &mut Vec<Diagnostic>) {
    diags.extend(warnings.into_iter().map(|w| Diagnostic {
        path: path.to_path_buf(),
        line: w.line,
        col: w.col,
        severity: if w.error {
            Severity::Error
        } else {
            Severity::Warning
        },
        message: w.message,
    }));
}

/// A page's slug: the file stem without a Nuxt ordering prefix (`01.intro` → `intro`).
fn slug(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| clean::string(&s.to_string_lossy()).into_owned())
        .unwrap_or_default();
    match stem.split_once('.') {
        Some((num, rest))
            if !num.is_empty() && !rest.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) =>
        {
            rest.to_string()
        }
        _ => stem,
    }
}

fn load_project(
    files: &Files,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
    links: &mut Vec<super::links::SourceLink>,
) -> Option<(Project, Source)> {
    let page = load_page(files, path, diags, links)?;
    let m = frontmatter::decode_project(path, &page.yaml, page.yaml_line, diags)?;
    let source = Source {
        markdown: page.markdown,
        front: m.front,
    };
    let project = Project {
        slug: slug(path),
        title: m.title,
        description: m.description,
        order: m.order,
        region: m.region,
        rack_bay: m.rack_bay,
        rack_status: m.rack_status,
        vault: m.vault,
        live_url: m.live_url,
        thumbnail: m.thumbnail,
        hash: m.hash,
        body: page.body,
        source: path.to_path_buf(),
    };
    Some((project, source))
}

fn load_post(
    files: &Files,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
    links: &mut Vec<super::links::SourceLink>,
) -> Option<(Post, Source)> {
    let page = load_page(files, path, diags, links)?;
    let m = frontmatter::decode_post(path, &page.yaml, page.yaml_line, diags)?;
    let source = Source {
        markdown: page.markdown,
        front: m.front,
    };
    let post = Post {
        slug: slug(path),
        title: m.title,
        description: m.description,
        date: m.date,
        read_time: m.read_time,
        tags: m.tags,
        thumbnail: m.thumbnail,
        body: page.body,
        source: path.to_path_buf(),
    };
    Some((post, source))
}

fn load_story(files: &Files, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<(Story, Source)> {
    let text = files.read_text(path, diags)?;
    let m = frontmatter::decode_story(path, &text, diags)?;
    let source = Source {
        markdown: String::new(),
        front: m.front,
    };
    let story = Story {
        id: path
            .file_stem()
            .map(|s| clean::string(&s.to_string_lossy()).into_owned())
            .unwrap_or_default(),
        label: m.label,
        text: m.text,
        image: m.image,
        color: m.color,
        link: m.link,
        order: m.order,
        source: path.to_path_buf(),
    };
    Some((story, source))
}

/// `site.yml` is optional; `about` is markdown.
fn load_site(files: &Files, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Site> {
    if !files.optional(path, diags) {
        return None;
    }
    let text = files.read_text(path, diags)?;
    let m = frontmatter::decode_site(path, &text, diags)?;
    // `about: |` puts the text on the lines after the key.
    let about_line = text
        .lines()
        .position(|l| l.starts_with("about:"))
        .map_or(1, |i| u32::try_from(i + 2).unwrap_or(u32::MAX));
    let (about, warnings) = markdown::parse_from_line(&m.about, about_line);
    push_body_warnings(path, warnings, diags);
    Some(Site {
        name: m.name,
        tagline: m.tagline,
        about,
        links: m.links,
        url: m.url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuxt_prefix_is_not_part_of_the_slug() {
        assert_eq!(slug(Path::new("blog/01.intro.md")), "intro");
        assert_eq!(slug(Path::new("blog/v1.2-notes.md")), "v1.2-notes");
        assert_eq!(slug(Path::new("blog/2026.md")), "2026");
    }
}
