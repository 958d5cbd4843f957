//! Import a Nuxt Content `_payload.json` (devalue-encoded, minimark bodies) as source
//! files in the content layout of DESIGN.md §1.
//!
//! - `devalue`: the payload's flat JSON array → one `Value` tree (wrappers unwrapped,
//!   cycles and depth refused).
//! - `minimark`: a page body → Markdown/MDC source (including the leaf-embed repair).
//! - `yaml`: front matter and story files.
//!
//! `convert` is the pure part (bytes in, files out; what the fuzz target calls);
//! `import_nuxt` adds reading the payload and writing the files.

mod devalue;
mod minimark;
mod yaml;

use std::path::{Path, PathBuf};

pub use devalue::DevalueError;
use devalue::Value;
pub use minimark::BodyError;

/// What an import wrote.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub projects: usize,
    pub posts: usize,
    pub stories: usize,
    /// Every file written, relative to the output directory, in write order.
    pub files: Vec<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The payload decodes but does not hold what a Nuxt Content site's payload holds.
    #[error("{0}")]
    Payload(String),
    #[error("not a devalue payload: {0}")]
    Devalue(#[from] DevalueError),
    #[error("{item}: {source}")]
    Body { item: String, source: BodyError },
    /// Any of the above, with the payload file it came from.
    #[error("{path}: {source}")]
    In {
        path: std::path::PathBuf,
        source: Box<ImportError>,
    },
    #[error("{0} is not empty (use --force to overwrite)")]
    NotEmpty(std::path::PathBuf),
}

/// Largest payload we read; the seed is 150 KB.
const MAX_PAYLOAD_BYTES: u64 = 64 << 20;

/// What kind of content a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Project,
    Post,
    Story,
    Site,
}

/// One file an import produces, with its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub path: PathBuf,
    pub kind: FileKind,
    pub contents: String,
}

/// Read `payload` and write content source files under `out`.
///
/// Refuses a non-empty `out` unless `force`; with `force`, files of the same names
/// are replaced and other files are left alone. Each file is written beside its
/// final name and renamed into place, so a reader never sees half a file.
pub fn import_nuxt(payload: &Path, out: &Path, force: bool) -> Result<ImportReport, ImportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Io { path, source }
    };
    let meta = std::fs::metadata(payload).map_err(io(payload))?;
    if meta.len() > MAX_PAYLOAD_BYTES {
        return Err(ImportError::In {
            path: payload.to_path_buf(),
            source: Box::new(ImportError::Payload(format!(
                "payload is {} bytes, more than the {MAX_PAYLOAD_BYTES} allowed",
                meta.len()
            ))),
        });
    }
    let bytes = std::fs::read(payload).map_err(io(payload))?;
    let files = convert(&bytes).map_err(|e| ImportError::In {
        path: payload.to_path_buf(),
        source: Box::new(e),
    })?;

    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(ImportError::NotEmpty(out.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(out)(e)),
    }

    let mut report = ImportReport::default();
    for f in &files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        write_atomic(&path, f.contents.as_bytes())?;
        match f.kind {
            FileKind::Project => report.projects += 1,
            FileKind::Post => report.posts += 1,
            FileKind::Story => report.stories += 1,
            FileKind::Site => {}
        }
        report.files.push(f.path.clone());
    }
    Ok(report)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.import-tmp"));
    std::fs::write(&tmp, bytes).map_err(|source| ImportError::Io {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        ImportError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Decode a payload and produce every file of the import, in a stable order:
/// projects, posts and stories in payload order, then `site.yml`. No I/O.
pub fn convert(payload: &[u8]) -> Result<Vec<OutFile>, ImportError> {
    let mut root = devalue::decode(payload)?;
    clean(&mut root);
    let data = match root.get("data") {
        Some(d @ Value::Object(_)) => d,
        Some(other) => {
            return Err(ImportError::Payload(format!(
                "`data` is {}, expected an object",
                other.kind()
            )));
        }
        None => {
            return Err(ImportError::Payload(
                "no `data` in the payload (is this a Nuxt `_payload.json`?)".into(),
            ));
        }
    };
    let mut files: Vec<OutFile> = Vec::new();
    for (key, value) in data.as_object().unwrap_or_default() {
        let items: &[Value] = match value {
            Value::Array(items) => items,
            Value::Object(_) => std::slice::from_ref(value),
            _ => continue,
        };
        for item in items {
            let Some(file) = item_file(key, item)? else {
                continue;
            };
            // The same item can appear under several keys (nav-stories, footer-stories).
            match files.iter().find(|f| f.path == file.path) {
                Some(f) if f.contents == file.contents => {}
                Some(_) => {
                    return Err(ImportError::Payload(format!(
                        "two different items would both be written to {}",
                        file.path.display()
                    )));
                }
                None => files.push(file),
            }
        }
    }
    if files.is_empty() {
        return Err(ImportError::Payload(
            "the payload's `data` holds no projects, blog posts or stories (items with a `stem` under projects/, blog/ or stories/)".into(),
        ));
    }
    // Stable grouping: projects, posts, stories (each in payload order).
    files.sort_by_key(|f| f.kind as u8);
    files.push(site_file(data));
    Ok(files)
}

/// Remove control characters from every string and key of the payload, so no file we
/// write carries one (nor a YAML escape that decodes to one).
fn clean(root: &mut Value) {
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                super::clean::in_place(s);
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(fields) => {
                for (k, v) in fields.iter_mut() {
                    super::clean::in_place(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

/// Front matter fields Nuxt Content generates (not written by the owner).
const GENERATED: &[&str] = &["id", "stem", "extension", "path", "body", "__hash__"];

/// The file for one content item, or `None` when it is not one we serve.
fn item_file(key: &str, item: &Value) -> Result<Option<OutFile>, ImportError> {
    let Some(stem) = item.get("stem").and_then(Value::as_str) else {
        return Ok(None);
    };
    let Some((collection, slug)) = stem.split_once('/') else {
        return Ok(None);
    };
    let kind = match collection {
        "projects" => FileKind::Project,
        "blog" => FileKind::Post,
        "stories" => FileKind::Story,
        _ => return Ok(None),
    };
    if !safe_slug(slug) {
        return Err(ImportError::Payload(format!(
            "data.{key}: item stem {:?} does not end in a plain file name (letters, digits, '-', '_', '.')",
            stem.chars().take(80).collect::<String>()
        )));
    }
    let fields = item.as_object().unwrap_or_default();
    let file = match kind {
        FileKind::Story => {
            let fm = front_matter(
                fields,
                &["label", "text", "image", "color", "link", "order"],
            );
            OutFile {
                path: PathBuf::from(format!("stories/{slug}.yml")),
                kind,
                contents: yaml::mapping(&fm),
            }
        }
        _ => {
            let first: &[&str] = if kind == FileKind::Project {
                &[
                    "title",
                    "description",
                    "order",
                    "region",
                    "rackBay",
                    "rackStatus",
                    "vault",
                    "liveUrl",
                    "thumbnail",
                    "hash",
                ]
            } else {
                &[
                    "title",
                    "description",
                    "date",
                    "readTime",
                    "tags",
                    "thumbnail",
                ]
            };
            let fm = front_matter(fields, first);
            let body = minimark::body_to_markdown(item.get("body").unwrap_or(&Value::Undefined))
                .map_err(|source| ImportError::Body {
                    item: stem.chars().take(80).collect(),
                    source,
                })?;
            let mut contents = format!("---\n{}---\n", yaml::mapping(&fm));
            if !body.is_empty() {
                contents.push('\n');
                contents.push_str(&body);
            }
            let dir = if kind == FileKind::Project {
                "projects"
            } else {
                "blog"
            };
            OutFile {
                path: PathBuf::from(format!("{dir}/{slug}.md")),
                kind,
                contents,
            }
        }
    };
    Ok(Some(file))
}

/// A slug that is one safe file name: no separators, no `..`, no hidden files.
fn safe_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The owner-written fields of an item: `first` keys first, then the rest in payload
/// order; generated fields dropped; `meta` (fields outside the collection's schema)
/// spread back in; `seo` dropped when it only repeats title/description; `navigation`
/// dropped when it is the default `true`. Nulls are left to the YAML writer to omit.
fn front_matter(fields: &[(String, Value)], first: &[&str]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v);
    for k in first {
        if let Some(v) = get(k) {
            out.push(((*k).to_string(), v.clone()));
        }
    }
    for (k, v) in fields {
        if first.contains(&k.as_str()) || GENERATED.contains(&k.as_str()) {
            continue;
        }
        match k.as_str() {
            "meta" => continue,
            "seo" if seo_is_redundant(v, get("title"), get("description")) => continue,
            "navigation" if matches!(v, Value::Bool(true)) => continue,
            // Nuxt Content v2's generated fields.
            _ if k.starts_with('_') => continue,
            _ => out.push((k.clone(), v.clone())),
        }
    }
    if let Some(Value::Object(meta)) = get("meta") {
        for (k, v) in meta {
            if !out.iter().any(|(o, _)| o == k) && !GENERATED.contains(&k.as_str()) {
                out.push((k.clone(), v.clone()));
            }
        }
    }
    out
}

fn seo_is_redundant(seo: &Value, title: Option<&Value>, description: Option<&Value>) -> bool {
    match seo {
        Value::Object(entries) => entries.iter().all(|(k, v)| match k.as_str() {
            "title" => Some(v) == title,
            "description" => Some(v) == description,
            _ => v.is_nothing(),
        }),
        v => v.is_nothing(),
    }
}

/// `site.yml`: what the payload tells about the owner. What it does not tell (Nuxt
/// payloads of a home page carry no name, tagline or bio) is written as YAML comments
/// for the owner, never as values: a guest never reads a placeholder.
fn site_file(data: &Value) -> OutFile {
    let mut urls = Vec::new();
    collect_strings(data, &mut urls);
    let mut links: Vec<(String, String, String)> = Vec::new(); // (label, url, handle)
    for u in urls {
        if let Some((label, handle)) = social_link(u)
            && !links.iter().any(|(_, url, _)| url == u)
        {
            links.push((label.to_string(), u.to_string(), handle));
        }
    }
    let mut s = String::from(
        "# Who this portfolio belongs to. Written by `sshfolio import-nuxt` from the site's\n\
         # Nuxt payload; the commented keys are what the payload did not contain: fill them\n\
         # in and uncomment them (a key left out is simply not shown).\n",
    );
    match links.first() {
        Some((label, _, handle)) => {
            s.push_str(&format!(
                "# The payload has no full name; this is the handle of your {label} link.\n"
            ));
            s.push_str(&format!("name: {}\n", yaml::string(handle)));
        }
        None => s.push_str("# name: Your Name\n"),
    }
    s.push_str("# tagline: One line about what you do\n");
    s.push_str("# about: |\n#   A few sentences about yourself, in Markdown.\n");
    if links.is_empty() {
        s.push_str("# links:\n#   - {label: GitHub, url: https://github.com/you}\n");
    } else {
        s.push_str("links:\n");
        for (label, url, _) in &links {
            s.push_str(&format!(
                "  - label: {}\n    url: {}\n",
                yaml::string(label),
                yaml::string(url)
            ));
        }
    }
    OutFile {
        path: PathBuf::from("site.yml"),
        kind: FileKind::Site,
        contents: s,
    }
}

/// Every string in a value, depth first, in payload order.
fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(o) => o.iter().for_each(|(_, v)| collect_strings(v, out)),
        _ => {}
    }
}

/// A link to a person's profile on a known site: its label and the handle.
fn social_link(url: &str) -> Option<(&'static str, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let (host, path) = rest.split_once('/')?;
    let path = path.trim_end_matches('/');
    let (label, handle) = match host {
        "x.com" | "twitter.com" => ("X", path),
        "github.com" => ("GitHub", path),
        "instagram.com" => ("Instagram", path),
        "linkedin.com" => ("LinkedIn", path.strip_prefix("in/")?),
        "bsky.app" => ("Bluesky", path.strip_prefix("profile/")?),
        "youtube.com" => ("YouTube", path.strip_prefix('@')?),
        _ => return None,
    };
    let plain = !handle.is_empty()
        && handle.len() <= 64
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    plain.then(|| (label, handle.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_drops_generated_fields_and_orders_title_first() {
        let s = |v: &str| Value::String(v.into());
        let fields = vec![
            ("id".into(), s("projects/projects/x.md")),
            ("order".into(), Value::Number("3".into())),
            ("title".into(), s("X")),
            ("description".into(), s("D")),
            (
                "meta".into(),
                Value::Object(vec![("extra".into(), s("kept"))]),
            ),
            ("navigation".into(), Value::Bool(true)),
            (
                "seo".into(),
                Value::Object(vec![
                    ("title".into(), s("X")),
                    ("description".into(), s("D")),
                ]),
            ),
            ("stem".into(), s("projects/x")),
            ("liveUrl".into(), Value::Null),
            ("__hash__".into(), s("h")),
        ];
        let fm = front_matter(&fields, &["title", "description"]);
        assert_eq!(
            yaml::mapping(&fm),
            "title: X\ndescription: D\norder: 3\nextra: kept\n"
        );
        let mut other_seo = fields.clone();
        other_seo[6].1 = Value::Object(vec![("title".into(), s("Other"))]);
        other_seo[5].1 = Value::Bool(false);
        let text = yaml::mapping(&front_matter(&other_seo, &["title"]));
        assert!(text.contains("navigation: false\n"), "{text}");
        assert!(text.contains("seo:\n  title: Other\n"), "{text}");
    }

    #[test]
    fn slugs_that_escape_the_directory_are_refused() {
        for bad in ["../x", "a/b", "", ".hidden", "a b", "a\\b"] {
            assert!(!safe_slug(bad), "{bad:?}");
        }
        assert!(safe_slug("01-data-center"));
    }

    #[test]
    fn social_links_give_label_and_handle() {
        assert_eq!(
            social_link("https://x.com/abbeytetteh_"),
            Some(("X", "abbeytetteh_".into()))
        );
        assert_eq!(social_link("https://github.com/nuxt/nuxt"), None);
        assert_eq!(social_link("https://images.unsplash.com/photo"), None);
    }
}
