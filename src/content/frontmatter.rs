//! Front matter: split `---` YAML from a markdown file (only at byte 0) and decode it,
//! and decode the whole-file YAML of stories and `site.yml`, into typed metadata.
//!
//! Every problem becomes a `Diagnostic` with the file's absolute line and column:
//! serde_yaml's own locations (relative to the YAML text) are shifted by the line the
//! YAML starts on, and problems with one field point at that field's top-level key.
//! Unknown keys are warnings (Nuxt sites carry extra keys such as `navigation`).
//!
//! Over 600 lines: ~660 lines of code (every front-matter field typed and checked), the rest its tests.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::diag::{Diagnostic, Severity};
use super::model::{Date, Front, RackStatus, Rgb, SiteLink};

/// A markdown file cut into its front matter and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the `---` lines, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// 1-based file line of the YAML's first line (2 when there is front matter).
    pub yaml_line: u32,
    /// Everything after the closing `---` line (or the whole file).
    pub body: &'a str,
    /// 1-based file line of the body's first line.
    pub body_line: u32,
}

/// Front matter opened on line 1 but never closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("front matter opened here is never closed (no closing `---` line)")]
pub struct UnclosedFrontMatter;

/// Split front matter from `src`. Front matter exists only when the file starts at
/// byte 0 with a `---` line; it ends at the next line that is exactly `---`.
pub fn split(src: &str) -> Result<Split<'_>, UnclosedFrontMatter> {
    let after_open = if let Some(rest) = src.strip_prefix("---\n") {
        rest
    } else if let Some(rest) = src.strip_prefix("---\r\n") {
        rest
    } else {
        return Ok(Split {
            yaml: None,
            yaml_line: 1,
            body: src,
            body_line: 1,
        });
    };
    let yaml_start = src.len() - after_open.len();
    let mut offset = yaml_start;
    let mut line = 2u32;
    for raw in after_open.split_inclusive('\n') {
        let text = raw.trim_end_matches(['\n', '\r']);
        if text.trim_end() == "---" {
            let body_start = offset + raw.len();
            return Ok(Split {
                yaml: Some(&src[yaml_start..offset]),
                yaml_line: 2,
                body: &src[body_start..],
                body_line: line + 1,
            });
        }
        offset += raw.len();
        line = line.saturating_add(1);
    }
    Err(UnclosedFrontMatter)
}

/// Project front matter (`projects/<slug>.md`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectMeta {
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
    /// Every front matter field as written (cleaned), in file order.
    pub front: Front,
}

/// Post front matter (`blog/<slug>.md`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostMeta {
    pub title: String,
    pub description: String,
    pub date: Date,
    pub read_time: Option<String>,
    pub tags: Vec<String>,
    pub thumbnail: Option<String>,
    /// Every front matter field as written (cleaned), in file order.
    pub front: Front,
}

/// A story file (`stories/<id>.yml`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoryMeta {
    pub label: String,
    pub text: String,
    pub image: Option<String>,
    pub color: Option<Rgb>,
    pub link: Option<String>,
    pub order: i64,
    /// Every field as written (cleaned), in file order.
    pub front: Front,
}

/// `site.yml`; `about` is markdown source, parsed by the loader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteMeta {
    pub name: String,
    pub tagline: String,
    pub about: String,
    pub links: Vec<SiteLink>,
    pub url: Option<String>,
}

/// Decode project front matter. `yaml_line` is the file line of the YAML's first line.
/// Returns `None` when an error makes the metadata unusable; problems go to `diags`.
pub fn decode_project(
    path: &Path,
    yaml: &str,
    yaml_line: u32,
    diags: &mut Vec<Diagnostic>,
) -> Option<ProjectMeta> {
    let mut f = Fields::parse(path, yaml, yaml_line, diags)?;
    let meta = ProjectMeta {
        title: f.required_string("title"),
        description: f.string("description").unwrap_or_default(),
        order: f.int("order").unwrap_or(0),
        region: f.string("region"),
        rack_bay: f.string("rackBay"),
        rack_status: f.rack_status("rackStatus"),
        vault: f.bool("vault").unwrap_or(false),
        live_url: f.string("liveUrl"),
        thumbnail: f.string("thumbnail"),
        hash: f.string("hash"),
        front: f.front.clone(),
    };
    f.finish().then_some(meta)
}

/// Decode post front matter.
pub fn decode_post(
    path: &Path,
    yaml: &str,
    yaml_line: u32,
    diags: &mut Vec<Diagnostic>,
) -> Option<PostMeta> {
    let mut f = Fields::parse(path, yaml, yaml_line, diags)?;
    let meta = PostMeta {
        title: f.required_string("title"),
        description: f.string("description").unwrap_or_default(),
        date: f.date("date"),
        read_time: f.string("readTime"),
        tags: f.tags("tags"),
        thumbnail: f.string("thumbnail"),
        front: f.front.clone(),
    };
    f.finish().then_some(meta)
}

/// Decode a story file (the whole file is YAML, starting on line 1).
pub fn decode_story(path: &Path, yaml: &str, diags: &mut Vec<Diagnostic>) -> Option<StoryMeta> {
    let mut f = Fields::parse(path, yaml, 1, diags)?;
    let meta = StoryMeta {
        label: f.required_string("label"),
        text: f.string("text").unwrap_or_default(),
        image: f.string("image"),
        color: f.color("color"),
        link: f.string("link"),
        order: f.int("order").unwrap_or(0),
        front: f.front.clone(),
    };
    f.finish().then_some(meta)
}

/// Decode `site.yml` (the whole file is YAML, starting on line 1).
pub fn decode_site(path: &Path, yaml: &str, diags: &mut Vec<Diagnostic>) -> Option<SiteMeta> {
    let mut f = Fields::parse(path, yaml, 1, diags)?;
    let meta = SiteMeta {
        name: f.string("name").unwrap_or_default(),
        tagline: f.string("tagline").unwrap_or_default(),
        about: f.string("about").unwrap_or_default(),
        links: f.links("links"),
        url: f.string("url").filter(|u| !u.trim().is_empty()),
    };
    f.finish().then_some(meta)
}

/// Parse a `YYYY-MM-DD` calendar date (a time part after `T` or a space is ignored).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let date = s.split(['T', ' ']).next().unwrap_or(s);
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = date.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days {
        return None;
    }
    Some(Date {
        year: u16::try_from(year).ok()?,
        month: u8::try_from(month).ok()?,
        day: u8::try_from(day).ok()?,
    })
}

/// Parse `#rrggbb` (or the short `#rgb`).
pub fn parse_color(s: &str) -> Option<Rgb> {
    let hex = s.trim().strip_prefix('#')?;
    if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    match hex.len() {
        6 => Some(Rgb(byte(0)?, byte(2)?, byte(4)?)),
        3 => {
            let nib = |i: usize| u8::from_str_radix(hex.get(i..=i)?, 16).ok().map(|v| v * 17);
            Some(Rgb(nib(0)?, nib(1)?, nib(2)?))
        }
        _ => None,
    }
}

/// Flow collections (`[`, `{`) nested deeper than this are refused before parsing:
/// libyaml's cost grows with the square of the nesting.
pub(crate) const MAX_YAML_DEPTH: usize = 64;

/// The 0-based line and 1-based column where flow nesting first exceeds
/// `MAX_YAML_DEPTH`, or `None`. Brackets inside quoted scalars and comments do not
/// count; a quote starts a scalar only where YAML allows one to.
pub(crate) fn too_deep(yaml: &str) -> Option<(u32, u32)> {
    #[derive(PartialEq)]
    enum Q {
        None,
        Single,
        Double,
    }
    let mut depth = 0usize;
    let mut quote = Q::None;
    for (n, line) in yaml.split('\n').enumerate() {
        let mut prev = ' ';
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match quote {
                Q::Double => {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        quote = Q::None;
                    }
                }
                Q::Single => {
                    if c == '\'' {
                        quote = Q::None;
                    }
                }
                Q::None => {
                    let scalar_start =
                        prev.is_whitespace() || matches!(prev, ':' | '[' | '{' | ',' | '-');
                    match c {
                        '"' if scalar_start => quote = Q::Double,
                        '\'' if scalar_start => quote = Q::Single,
                        '#' if prev.is_whitespace() => break,
                        '[' | '{' => {
                            depth += 1;
                            if depth > MAX_YAML_DEPTH {
                                let line = u32::try_from(n).unwrap_or(u32::MAX);
                                let col = u32::try_from(i + 1).unwrap_or(u32::MAX);
                                return Some((line, col));
                            }
                        }
                        ']' | '}' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
            }
            prev = c;
        }
    }
    None
}

/// Where the YAML's own error points, as absolute file (line, col), and its message
/// without serde_yaml's relative " at line N column M" suffix.
fn yaml_error(err: &serde_yaml::Error, yaml_line: u32) -> (u32, u32, String) {
    let text = err.to_string();
    let message = match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match err.location() {
        Some(loc) => {
            let line = u32::try_from(loc.line()).unwrap_or(u32::MAX);
            let col = u32::try_from(loc.column()).unwrap_or(u32::MAX);
            (
                yaml_line.saturating_add(line.saturating_sub(1)),
                col,
                message,
            )
        }
        None => (yaml_line, 1, message),
    }
}

/// A YAML mapping being decoded field by field, so that each problem can point at its
/// key. Keys taken are removed; what is left at `finish` is unknown.
struct Fields<'a> {
    path: &'a Path,
    yaml: &'a str,
    yaml_line: u32,
    map: Mapping,
    diags: &'a mut Vec<Diagnostic>,
    errors: bool,
    /// The whole mapping as JSON, after cleaning, before any key is taken.
    front: Front,
}

impl<'a> Fields<'a> {
    fn parse(
        path: &'a Path,
        yaml: &'a str,
        yaml_line: u32,
        diags: &'a mut Vec<Diagnostic>,
    ) -> Option<Self> {
        if let Some((line, col)) = too_deep(yaml) {
            diags.push(Diagnostic {
                path: path.to_path_buf(),
                line: yaml_line.saturating_add(line),
                col,
                severity: Severity::Error,
                message: format!("YAML nested more than {MAX_YAML_DEPTH} levels deep"),
            });
            return None;
        }
        let value: Value = if yaml.trim().is_empty() {
            Value::Null
        } else {
            match serde_yaml::from_str(yaml) {
                Ok(v) => v,
                Err(e) => {
                    let (line, col, message) = yaml_error(&e, yaml_line);
                    diags.push(Diagnostic {
                        path: path.to_path_buf(),
                        line,
                        col,
                        severity: Severity::Error,
                        message: format!("bad YAML: {message}"),
                    });
                    return None;
                }
            }
        };
        let mut map = match value {
            Value::Null => Mapping::new(),
            Value::Mapping(m) => m,
            other => {
                diags.push(Diagnostic {
                    path: path.to_path_buf(),
                    line: yaml_line,
                    col: 1,
                    severity: Severity::Error,
                    message: format!("expected a mapping of keys, found {}", kind(&other)),
                });
                return None;
            }
        };
        let dirty = clean_mapping(&mut map);
        let front = map
            .iter()
            .filter_map(|(k, v)| Some((scalar(k)?, serde_json::to_value(v).ok()?)))
            .collect();
        let mut fields = Fields {
            path,
            yaml,
            yaml_line,
            map,
            diags,
            errors: false,
            front,
        };
        for key in dirty {
            fields.problem(
                &key,
                Severity::Warning,
                format!("control characters removed from `{key}`"),
            );
        }
        Some(fields)
    }

    /// The absolute (line, col) of a top-level key's value, or of the YAML start.
    fn locate(&self, key: &str) -> (u32, u32) {
        for (i, line) in self.yaml.lines().enumerate() {
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")));
            if let Some(rest) = rest {
                let after = rest.trim_start();
                if let Some(value) = after.strip_prefix(':') {
                    let value_start = line.len() - value.trim_start().len();
                    let i = u32::try_from(i).unwrap_or(u32::MAX);
                    let col = u32::try_from(value_start + 1).unwrap_or(u32::MAX);
                    return (self.yaml_line.saturating_add(i), col);
                }
            }
        }
        (self.yaml_line, 1)
    }

    fn problem(&mut self, key: &str, severity: Severity, message: String) {
        let (line, col) = self.locate(key);
        if severity == Severity::Error {
            self.errors = true;
        }
        self.diags.push(Diagnostic {
            path: self.path.to_path_buf(),
            line,
            col,
            severity,
            message,
        });
    }

    fn error(&mut self, key: &str, message: String) {
        self.problem(key, Severity::Error, message);
    }

    /// Remove a key; YAML `null` counts as absent.
    fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn string(&mut self, key: &str) -> Option<String> {
        let v = self.take(key)?;
        match scalar(&v) {
            Some(s) => Some(s),
            None => {
                self.error(key, format!("`{key}` must be text, found {}", kind(&v)));
                None
            }
        }
    }

    fn required_string(&mut self, key: &str) -> String {
        if !self.map.contains_key(key) {
            self.errors = true;
            self.diags.push(Diagnostic {
                path: self.path.to_path_buf(),
                line: self.yaml_line.saturating_sub(1).max(1),
                col: 1,
                severity: Severity::Error,
                message: format!("missing `{key}`"),
            });
            return String::new();
        }
        let before = self.diags.len();
        match self.string(key) {
            Some(s) if !s.trim().is_empty() => s,
            Some(_) => {
                self.error(key, format!("`{key}` is empty"));
                String::new()
            }
            None => {
                // `null`: no error was recorded yet.
                if self.diags.len() == before {
                    self.error(key, format!("`{key}` is empty"));
                }
                String::new()
            }
        }
    }

    fn int(&mut self, key: &str) -> Option<i64> {
        let v = self.take(key)?;
        let parsed = match &v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                key,
                format!("`{key}` must be a whole number, found {}", show(&v)),
            );
        }
        parsed
    }

    fn bool(&mut self, key: &str) -> Option<bool> {
        let v = self.take(key)?;
        match v {
            Value::Bool(b) => Some(b),
            other => {
                self.error(
                    key,
                    format!("`{key}` must be true or false, found {}", show(&other)),
                );
                None
            }
        }
    }

    fn rack_status(&mut self, key: &str) -> RackStatus {
        let Some(s) = self.string(key) else {
            return RackStatus::Unknown;
        };
        match s.trim().to_ascii_lowercase().as_str() {
            "live" => RackStatus::Live,
            "offline" => RackStatus::Offline,
            _ => {
                self.error(
                    key,
                    format!("unknown `{key}` \"{s}\" (expected live or offline)"),
                );
                RackStatus::Unknown
            }
        }
    }

    fn date(&mut self, key: &str) -> Date {
        if !self.map.contains_key(key) || self.map.get(key).is_some_and(Value::is_null) {
            self.map.remove(key);
            self.errors = true;
            self.diags.push(Diagnostic {
                path: self.path.to_path_buf(),
                line: self.yaml_line.saturating_sub(1).max(1),
                col: 1,
                severity: Severity::Error,
                message: format!("missing `{key}` (YYYY-MM-DD)"),
            });
            return Date::default();
        }
        let Some(s) = self.string(key) else {
            return Date::default();
        };
        match parse_date(&s) {
            Some(d) => d,
            None => {
                self.error(
                    key,
                    format!("`{key}` \"{s}\" is not a date (expected YYYY-MM-DD)"),
                );
                Date::default()
            }
        }
    }

    fn color(&mut self, key: &str) -> Option<Rgb> {
        let s = self.string(key)?;
        let c = parse_color(&s);
        if c.is_none() {
            self.error(
                key,
                format!("`{key}` \"{s}\" is not a colour (expected #rrggbb)"),
            );
        }
        c
    }

    fn tags(&mut self, key: &str) -> Vec<String> {
        let Some(v) = self.take(key) else {
            return Vec::new();
        };
        match &v {
            Value::Sequence(items) => {
                let mut tags = Vec::new();
                for item in items {
                    match scalar(item) {
                        Some(t) if !t.trim().is_empty() => tags.push(t.trim().to_string()),
                        Some(_) => {}
                        None => {
                            self.error(key, format!("`{key}` entries must be text"));
                            return Vec::new();
                        }
                    }
                }
                tags
            }
            other => match scalar(other) {
                Some(t) => vec![t],
                None => {
                    self.error(key, format!("`{key}` must be a list of text"));
                    Vec::new()
                }
            },
        }
    }

    fn links(&mut self, key: &str) -> Vec<SiteLink> {
        let Some(v) = self.take(key) else {
            return Vec::new();
        };
        let Value::Sequence(items) = v else {
            self.error(key, format!("`{key}` must be a list of {{label, url}}"));
            return Vec::new();
        };
        let mut links = Vec::new();
        for item in &items {
            let label = item.get("label").and_then(scalar);
            let url = item.get("url").and_then(scalar);
            match (label, url) {
                (Some(label), Some(url)) => links.push(SiteLink { label, url }),
                _ => {
                    self.error(key, format!("each of `{key}` needs a `label` and a `url`"));
                    return Vec::new();
                }
            }
        }
        links
    }

    /// Warn about keys nobody took; true when no error was found.
    fn finish(mut self) -> bool {
        let leftover: Vec<String> = self
            .map
            .keys()
            .map(|k| scalar(k).unwrap_or_else(|| "?".to_string()))
            .collect();
        for key in leftover {
            self.problem(
                &key,
                Severity::Warning,
                format!("unknown key `{key}` ignored"),
            );
        }
        !self.errors
    }
}

/// Remove control characters from every string in a YAML value (escapes such as
/// `"\e"` decode to them); true when something was removed. Depth is bounded by
/// `too_deep`, checked before parsing.
fn clean_yaml(v: &mut Value) -> bool {
    match v {
        Value::String(s) => super::clean::in_place(s),
        Value::Sequence(items) => items.iter_mut().fold(false, |c, i| clean_yaml(i) | c),
        Value::Mapping(m) => !clean_mapping(m).is_empty(),
        Value::Tagged(t) => clean_yaml(&mut t.value),
        _ => false,
    }
}

/// Clean a mapping's keys and values; the (cleaned) keys whose entry changed.
fn clean_mapping(m: &mut Mapping) -> Vec<String> {
    let mut changed = Vec::new();
    let keys: Vec<Value> = m.keys().cloned().collect();
    for old in keys {
        let mut k = old.clone();
        let key_changed = match &mut k {
            Value::String(s) => super::clean::in_place(s),
            _ => false,
        };
        if key_changed && let Some(v) = m.remove(&old) {
            m.insert(k.clone(), v);
        }
        let value_changed = m.get_mut(&k).is_some_and(clean_yaml);
        if key_changed || value_changed {
            changed.push(scalar(&k).unwrap_or_default());
        }
    }
    changed
}

/// A scalar as text: strings as they are, numbers and booleans as YAML writes them.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar(&t.value),
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn show(v: &Value) -> String {
    match scalar(v) {
        Some(s) => format!("\"{s}\""),
        None => kind(v).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("blog/x.md")
    }

    #[test]
    fn split_only_at_byte_zero() {
        let s = split("---\ntitle: A\n---\nbody\n").unwrap();
        assert_eq!(s.yaml, Some("title: A\n"));
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
        let s = split("\n---\ntitle: A\n---\n").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body_line, 1);
        // A rule later in the body is not front matter.
        let s = split("text\n\n---\n\nmore").unwrap();
        assert_eq!(s.yaml, None);
    }

    #[test]
    fn split_crlf_and_empty() {
        let s = split("---\r\ntitle: A\r\n---\r\nbody").unwrap();
        assert_eq!(s.yaml, Some("title: A\r\n"));
        assert_eq!(s.body, "body");
        let s = split("---\n---\n").unwrap();
        assert_eq!(s.yaml, Some(""));
        assert_eq!(s.body, "");
    }

    #[test]
    fn split_unclosed_is_an_error() {
        assert_eq!(split("---\ntitle: A\nbody\n"), Err(UnclosedFrontMatter));
    }

    #[test]
    fn yaml_syntax_error_has_absolute_line() {
        let mut d = Vec::new();
        // Line 2 of the file is `title: A`, line 3 is the bad one.
        let yaml = "title: A\ndate: [2026\n";
        assert!(decode_post(p(), yaml, 2, &mut d).is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0].line >= 3, "{:?}", d[0]);
        assert!(d[0].message.starts_with("bad YAML"), "{}", d[0].message);
        assert!(!d[0].message.contains(" at line "), "{}", d[0].message);
    }

    #[test]
    fn yaml_tab_error_exact_position() {
        let mut d = Vec::new();
        let yaml = "title: A\n\tdate: 2026-01-01\n";
        assert!(decode_post(p(), yaml, 2, &mut d).is_none());
        assert_eq!((d[0].line, d[0].col), (3, 1), "{:?}", d[0]);
    }

    #[test]
    fn missing_title_and_date() {
        let mut d = Vec::new();
        assert!(decode_post(p(), "description: x\n", 2, &mut d).is_none());
        let msgs: Vec<_> = d
            .iter()
            .map(|d| (d.line, d.col, d.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            vec![
                (1, 1, "missing `title`"),
                (1, 1, "missing `date` (YYYY-MM-DD)")
            ]
        );
    }

    #[test]
    fn bad_date_points_at_value() {
        let mut d = Vec::new();
        let yaml = "title: T\ndate: 2026-02-30\n";
        assert!(decode_post(p(), yaml, 2, &mut d).is_none());
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].col), (3, 7));
        assert!(d[0].message.contains("not a date"), "{}", d[0].message);
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert!(parse_date("2026-05-17T10:00:00Z").is_some());
    }

    #[test]
    fn post_decodes() {
        let mut d = Vec::new();
        let yaml = "title: Hello\ndate: 2026-05-17\nreadTime: 3 min\ntags: [Guide, MDC]\nthumbnail: /x.png\nnavigation: true\n";
        let m = decode_post(p(), yaml, 2, &mut d).unwrap();
        assert_eq!(m.title, "Hello");
        assert_eq!(m.date.to_string(), "2026-05-17");
        assert_eq!(m.read_time.as_deref(), Some("3 min"));
        assert_eq!(m.tags, vec!["Guide", "MDC"]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!((d[0].line, d[0].col), (7, 13));
        assert!(d[0].message.contains("navigation"));
    }

    #[test]
    fn project_fields_and_nulls() {
        let mut d = Vec::new();
        let yaml = "title: Cloudform UI\norder: 5\nrackStatus: live\nrackBay: BAY 01\nvault: true\nliveUrl: null\nregion: EU-WEST-2\n";
        let m = decode_project(Path::new("projects/a.md"), yaml, 2, &mut d).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.order, 5);
        assert_eq!(m.rack_status, RackStatus::Live);
        assert_eq!(m.rack_bay.as_deref(), Some("BAY 01"));
        assert!(m.vault);
        assert_eq!(m.live_url, None);
    }

    #[test]
    fn unknown_rack_status_and_bad_vault() {
        let mut d = Vec::new();
        let yaml = "title: X\nrackStatus: burning\nvault: maybe\n";
        assert!(decode_project(Path::new("projects/a.md"), yaml, 2, &mut d).is_none());
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!((d[0].line, d[0].col), (3, 13));
        assert!(d[0].message.contains("burning"));
        assert_eq!((d[1].line, d[1].col), (4, 8));
    }

    #[test]
    fn story_colour() {
        let mut d = Vec::new();
        let m = decode_story(
            Path::new("stories/01.yml"),
            "label: A\ncolor: '#ff8800'\n",
            &mut d,
        )
        .unwrap();
        assert_eq!(m.color, Some(Rgb(255, 136, 0)));
        let mut d = Vec::new();
        assert!(
            decode_story(
                Path::new("stories/01.yml"),
                "label: A\ncolor: orange\n",
                &mut d
            )
            .is_none()
        );
        assert_eq!((d[0].line, d[0].col), (2, 8));
        assert!(d[0].message.contains("not a colour"));
    }

    #[test]
    fn non_mapping_is_an_error() {
        let mut d = Vec::new();
        assert!(decode_story(Path::new("s.yml"), "- a\n- b\n", &mut d).is_none());
        assert!(d[0].message.contains("mapping"));
    }

    #[test]
    fn hostile_yaml_is_an_error_not_a_crash() {
        let deep = format!("label: x\nlist: {}", "[".repeat(1_000_000));
        let mut d = Vec::new();
        assert!(decode_story(Path::new("s.yml"), &deep, &mut d).is_none());
        assert_eq!(
            (d[0].line, d[0].col, d[0].message.as_str()),
            (2, 71, "YAML nested more than 64 levels deep")
        );
        // Brackets inside quoted text do not count; quotes inside words do not quote.
        let text = format!(
            "label: \"{}\"\ntext: it's {}\n",
            "[".repeat(100),
            "]".repeat(100)
        );
        let mut d = Vec::new();
        assert!(
            decode_story(Path::new("s.yml"), &text, &mut d).is_some(),
            "{d:?}"
        );
        let t = crate::cpu_time::thread_cpu();
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\nlabel: x\n";
        let mut d = Vec::new();
        assert!(decode_story(Path::new("s.yml"), bomb, &mut d).is_none());
        assert!(d[0].message.contains("limit"), "{}", d[0].message);
        assert!((crate::cpu_time::thread_cpu() - t).as_secs() < 10);
    }

    #[test]
    fn site_links() {
        let mut d = Vec::new();
        let yaml = "name: Abbey\ntagline: hi\nabout: |\n  I build **things**.\nlinks:\n  - label: GitHub\n    url: https://github.com/x\n";
        let s = decode_site(Path::new("site.yml"), yaml, &mut d).unwrap();
        assert!(d.is_empty());
        assert_eq!(s.links.len(), 1);
        assert_eq!(s.about, "I build **things**.\n");
    }
}
