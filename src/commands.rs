//! Exec commands without a PTY (`ssh host blog --json`): plain text and JSON output.
//!
//! `run` is a pure function from the index and the command line to what the guest
//! receives (stdout, stderr, exit status); the SSH layer only carries the bytes.
//! `show` is the plain page text (`show.rs`); `json` the `--json` shapes.
//!
//! Over 600 lines: ~500 lines of code (every listing and `show`'s checks), the rest its tests.

mod json;
pub mod show;

use serde_json::Value;

use crate::content::model::RackStatus;
use crate::content::{Index, PageRef};
use crate::render::width::str_width;

/// Longest command line we look at; the rest is ignored.
pub const MAX_COMMAND: usize = 1024;
/// Column width of plain-text output.
const WIDTH: usize = 80;
/// Widest slug column in the index; longer slugs put the title on the next line.
const SLUG_COLUMN: usize = 30;

/// What a command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub status: u32,
}

impl Outcome {
    fn ok(stdout: String) -> Self {
        Self {
            stdout,
            stderr: String::new(),
            status: 0,
        }
    }

    fn fail(status: u32, msg: String) -> Self {
        Self {
            stdout: String::new(),
            stderr: format!("sshfolio: {msg}\n"),
            status,
        }
    }
}

/// The commands, for `help` and the index.
const COMMANDS: &[(&str, &str)] = &[
    ("projects [--json]", "list the projects"),
    ("blog [--json]", "list the posts, newest first"),
    ("stories [--json]", "list the stories"),
    ("show <slug> [--json]", "a project or post as plain text"),
    ("   [--width N]", "wrap prose at N columns (default 80)"),
    ("help", "this list"),
];

/// Command names `run` knows.
const KNOWN: &[&str] = &["projects", "blog", "posts", "stories", "show", "help"];

/// Is `cmd` a deep link the TUI opens (`blog/<slug>`, `projects/<slug>`)?
pub fn deep_link(cmd: &str) -> Option<&str> {
    let cmd = cmd.trim();
    let (section, slug) = cmd.split_once('/')?;
    if !matches!(section, "blog" | "projects")
        || slug.is_empty()
        || slug.contains(char::is_whitespace)
    {
        return None;
    }
    Some(cmd)
}

/// Whether a guest with a terminal who asked for `cmd` gets the UI opened at a page:
/// a deep link to a page that exists. A link to no page goes to `run`, which says so.
pub fn opens_page(index: &Index, cmd: &str) -> bool {
    deep_link(cmd).is_some_and(|link| index.find(link).is_some())
}

/// Run one command line (`""` is the bare `ssh host`).
pub fn run(index: &Index, line: &str) -> Outcome {
    let line: String = line.chars().take(MAX_COMMAND).collect();
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&cmd, rest)) = words.split_first() else {
        return Outcome::ok(home(index));
    };
    if let Some(link) = deep_link(cmd) {
        return deep_link_without_terminal(index, link);
    }
    if matches!(cmd, "--help" | "-h") && rest.is_empty() {
        return Outcome::ok(help(index));
    }
    if cmd.starts_with('-') {
        return Outcome::fail(2, format!("unknown option '{}'; try 'help'", sanitize(cmd)));
    }
    if !KNOWN.contains(&cmd) {
        return Outcome::fail(
            2,
            format!("unknown command '{}'; try 'help'", sanitize(cmd)),
        );
    }
    let mut json = false;
    let mut width = WIDTH;
    let mut args = Vec::new();
    let mut words = rest.iter();
    while let Some(&w) = words.next() {
        match w {
            "--json" => json = true,
            "--width" if cmd == "show" => match words.next().map(|n| parse_width(n)) {
                Some(Ok(n)) => width = n,
                Some(Err(e)) => return Outcome::fail(2, e),
                None => return Outcome::fail(2, "--width needs a number of columns".into()),
            },
            w if cmd == "show" && w.starts_with("--width=") => {
                match parse_width(&w["--width=".len()..]) {
                    Ok(n) => width = n,
                    Err(e) => return Outcome::fail(2, e),
                }
            }
            w if w.starts_with('-') && w.len() > 1 => {
                return Outcome::fail(
                    2,
                    format!("unknown option '{}' for '{cmd}'; try 'help'", sanitize(w)),
                );
            }
            w => args.push(w),
        }
    }
    match (cmd, args.as_slice()) {
        ("help", []) => Outcome::ok(help(index)),
        ("projects", []) => Outcome::ok(if json {
            json::to_string(&Value::Array(
                index
                    .projects
                    .iter()
                    .map(|p| json::project(index, p))
                    .collect(),
            ))
        } else {
            projects(index)
        }),
        ("blog" | "posts", []) => Outcome::ok(if json {
            json::to_string(&Value::Array(
                index.posts.iter().map(|p| json::post(index, p)).collect(),
            ))
        } else {
            posts(index)
        }),
        ("stories", []) => Outcome::ok(if json {
            json::to_string(&Value::Array(
                index
                    .stories
                    .iter()
                    .map(|s| json::story(index, s))
                    .collect(),
            ))
        } else {
            stories(index)
        }),
        ("show", [slug]) => show(index, slug, json, width),
        ("show", _) => Outcome::fail(2, "usage: show <slug> [--json] [--width N]".into()),
        (_, [extra, ..]) => Outcome::fail(
            2,
            format!(
                "'{cmd}' takes no arguments (got '{}'); try 'help'",
                sanitize(extra)
            ),
        ),
        _ => Outcome::fail(2, format!("unknown command '{cmd}'; try 'help'")),
    }
}

fn parse_width(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (show::MIN_WIDTH..=show::MAX_WIDTH).contains(&n) => Ok(n),
        _ => Err(format!(
            "--width takes a number of columns from {} to {}, not '{}'",
            show::MIN_WIDTH,
            show::MAX_WIDTH,
            sanitize(s)
        )),
    }
}

/// `ssh host blog/<slug>` without `-t`: the UI needs a terminal.
fn deep_link_without_terminal(index: &Index, link: &str) -> Outcome {
    let slug = link.split_once('/').map_or(link, |(_, s)| s);
    if index.find(link).is_none() {
        return no_page(slug);
    }
    Outcome::fail(
        2,
        format!(
            "'{0}' opens the page in the UI, which needs a terminal: use 'ssh -t <host> {0}', or 'ssh <host> show {1}' for plain text",
            sanitize(link),
            sanitize(slug)
        ),
    )
}

fn no_page(slug: &str) -> Outcome {
    Outcome::fail(
        1,
        format!("no page '{}'; try 'projects' or 'blog'", sanitize(slug)),
    )
}

/// A guest's word, safe to print back: no control characters, bounded length.
fn sanitize(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !c.is_control() && !crate::content::clean::is_forbidden(*c))
        .take(40)
        .collect();
    if s.chars().count() > 40 {
        format!("{clean}…")
    } else {
        clean
    }
}

fn site_name(index: &Index) -> String {
    if index.site.name.trim().is_empty() {
        "sshfolio".into()
    } else {
        one_line(&index.site.name)
    }
}

/// Text for one line: runs of whitespace (newlines from YAML block scalars) as one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `lead` then `key` padded to `key_w`, then `title` wrapped in what is left of the
/// 80 columns (continuation lines start under the title). A key wider than its column
/// gets a line of its own, so it never runs into the title.
fn row(out: &mut String, lead: &str, key: &str, key_w: usize, title: &str) {
    let indent = str_width(lead) + key_w + 2;
    let room = WIDTH.saturating_sub(indent).max(20);
    let title = wrap(&one_line(title), room);
    let mut lines = title.lines();
    if str_width(key) > key_w {
        out.push_str(&format!("{lead}{key}\n"));
    } else {
        let pad = key_w - str_width(key);
        let first = lines.next().unwrap_or("");
        out.push_str(
            &format!("{lead}{key}{}  {first}\n", " ".repeat(pad))
                .trim_end()
                .to_string(),
        );
        out.push('\n');
    }
    for l in lines {
        out.push_str(&format!("{}{l}\n", " ".repeat(indent)));
    }
}

fn slug_column<'a>(slugs: impl Iterator<Item = &'a str>) -> usize {
    slugs.map(str_width).max().unwrap_or(0).min(SLUG_COLUMN)
}

fn home(index: &Index) -> String {
    let mut out = String::new();
    out.push_str(&site_name(index));
    out.push('\n');
    if !index.site.tagline.is_empty() {
        out.push_str(&wrap(&one_line(&index.site.tagline), WIDTH));
    }
    out.push('\n');
    if !index.projects.is_empty() {
        out.push_str("Projects\n");
        let w = slug_column(index.projects.iter().map(|p| p.slug.as_str()));
        for p in &index.projects {
            row(&mut out, "  ", &p.slug, w, &p.title);
        }
        out.push('\n');
    }
    if !index.posts.is_empty() {
        out.push_str("Blog\n");
        let w = slug_column(index.posts.iter().map(|p| p.slug.as_str()));
        for p in &index.posts {
            row(&mut out, &format!("  {}  ", p.date), &p.slug, w, &p.title);
        }
        out.push('\n');
    }
    if !index.stories.is_empty() {
        out.push_str("Stories\n");
        for s in &index.stories {
            out.push_str(&indent(&wrap(&one_line(&s.label), WIDTH - 2), "  "));
        }
        out.push('\n');
    }
    out.push_str(&commands_list());
    out
}

fn commands_list() -> String {
    let mut out = String::from("Commands (ssh host <command>):\n");
    for (cmd, what) in COMMANDS {
        out.push_str(&format!("  {cmd:<22} {what}\n"));
    }
    out.push_str("  (with ssh -t: blog/<slug> or projects/<slug> opens that page)\n");
    out
}

fn help(index: &Index) -> String {
    let intro = format!(
        "{} over SSH. Without a command and with a terminal you get the full UI.",
        site_name(index)
    );
    format!("{}\n{}", wrap(&intro, WIDTH), commands_list())
}

fn status_word(s: RackStatus) -> &'static str {
    match s {
        RackStatus::Live => "live",
        RackStatus::Offline => "offline",
        RackStatus::Unknown => "",
    }
}

fn projects(index: &Index) -> String {
    let mut out = String::new();
    for p in &index.projects {
        let mut meta = Vec::new();
        if let Some(r) = &p.region {
            meta.push(one_line(r));
        }
        let st = status_word(p.rack_status);
        if !st.is_empty() {
            meta.push(st.to_string());
        }
        if p.vault {
            meta.push("vault".into());
        }
        out.push_str(&wrap(
            &format!("{}  ({})", one_line(&p.title), p.slug),
            WIDTH,
        ));
        push_entry_tail(&mut out, &meta, &p.description);
    }
    out
}

/// The lines under a listed item's title: its meta (`a · b`) and wrapped description,
/// then the blank line between items.
fn push_entry_tail(out: &mut String, meta: &[String], description: &str) {
    if !meta.is_empty() {
        out.push_str(&indent(&wrap(&meta.join(" · "), WIDTH - 2), "  "));
    }
    if !description.is_empty() {
        out.push_str(&indent(&wrap(description, WIDTH - 2), "  "));
    }
    out.push('\n');
}

fn tag_list(tags: &[String]) -> String {
    tags.iter()
        .map(|t| format!("#{}", one_line(t)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn posts(index: &Index) -> String {
    let mut out = String::new();
    for p in &index.posts {
        out.push_str(&wrap(
            &format!("{}  {}  ({})", p.date, one_line(&p.title), p.slug),
            WIDTH,
        ));
        let mut meta = Vec::new();
        if let Some(r) = &p.read_time {
            meta.push(one_line(r));
        }
        if !p.tags.is_empty() {
            meta.push(tag_list(&p.tags));
        }
        push_entry_tail(&mut out, &meta, &p.description);
    }
    out
}

fn stories(index: &Index) -> String {
    let mut out = String::new();
    for s in &index.stories {
        out.push_str(&wrap(&one_line(&s.label), WIDTH));
        if !s.text.is_empty() {
            out.push_str(&indent(&wrap(&s.text, WIDTH - 2), "  "));
        }
        if let Some(l) = &s.link {
            out.push_str(&format!("  {}\n", one_line(l)));
        }
        out.push('\n');
    }
    out
}

fn show(index: &Index, slug: &str, as_json: bool, width: usize) -> Outcome {
    let Some(page) = index.find(slug) else {
        return no_page(slug);
    };
    let (Some(key), Some(doc)) = (index.key(page), index.body(page)) else {
        return no_page(slug);
    };
    let body = show::body(index, page, width);
    if as_json {
        let item = match page {
            PageRef::Project(i) => index.project(i).map(|p| json::project(index, p)),
            PageRef::Post(i) => index.post(i).map(|p| json::post(index, p)),
        };
        let Some(item) = item else {
            return no_page(slug);
        };
        return Outcome::ok(json::to_string(&json::page(item, &key, index, doc, &body)));
    }
    let mut out = String::new();
    let title = one_line(index.title(page).unwrap_or_default());
    out.push_str(&wrap(&title, width));
    out.push_str(&"=".repeat(str_width(&title).clamp(1, width)));
    out.push('\n');
    let (meta, description) = match page {
        PageRef::Project(i) => index
            .project(i)
            .map(|p| {
                let mut m = Vec::new();
                if let Some(r) = &p.region {
                    m.push(one_line(r));
                }
                let st = status_word(p.rack_status);
                if !st.is_empty() {
                    m.push(st.to_string());
                }
                if let Some(u) = &p.live_url {
                    m.push(one_line(u));
                }
                (m.join(" · "), p.description.clone())
            })
            .unwrap_or_default(),
        PageRef::Post(i) => index
            .post(i)
            .map(|p| {
                let mut m = vec![p.date.to_string()];
                if let Some(r) = &p.read_time {
                    m.push(one_line(r));
                }
                if !p.tags.is_empty() {
                    m.push(tag_list(&p.tags));
                }
                (m.join(" · "), p.description.clone())
            })
            .unwrap_or_default(),
    };
    if !meta.is_empty() {
        out.push_str(&wrap(&meta, width));
    }
    if !description.is_empty() {
        out.push('\n');
        out.push_str(&wrap(&description, width));
    }
    if !body.trim().is_empty() {
        out.push('\n');
        out.push_str(&body);
        out.push('\n');
    }
    Outcome::ok(out)
}

/// Greedy word wrap at `width` display columns; every line ends with `\n`. A word
/// wider than the width (a URL, a slug) gets a line of its own, whole.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for para in text.lines() {
        let mut line = String::new();
        let mut w = 0;
        for word in para.split_whitespace() {
            let ww = str_width(word);
            if w > 0 && w + 1 + ww > width {
                out.push_str(&line);
                out.push('\n');
                line.clear();
                w = 0;
            }
            if w > 0 {
                line.push(' ');
                w += 1;
            }
            line.push_str(word);
            w += ww;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::model::{Date, Post, Project, Site};
    use std::collections::HashMap;

    fn index() -> Index {
        let project = Project {
            slug: "rack".into(),
            title: "The Rack".into(),
            description: "A control plane.".into(),
            order: 1,
            region: Some("EU-WEST-1".into()),
            rack_bay: Some("BAY 01".into()),
            rack_status: RackStatus::Live,
            vault: false,
            live_url: None,
            thumbnail: None,
            hash: None,
            body: Default::default(),
            source: "projects/rack.md".into(),
        };
        let post = Post {
            slug: "hello".into(),
            title: "Hello World".into(),
            description: "First post.".into(),
            date: Date {
                year: 2024,
                month: 5,
                day: 1,
            },
            read_time: Some("3 min".into()),
            tags: vec!["go".into()],
            thumbnail: None,
            body: Default::default(),
            source: "blog/hello.md".into(),
        };
        let mut pages = HashMap::new();
        pages.insert("projects/rack".to_string(), PageRef::Project(0));
        pages.insert("blog/hello".to_string(), PageRef::Post(0));
        Index {
            site: Site {
                name: "Test Folio".into(),
                ..Default::default()
            },
            projects: vec![project],
            posts: vec![post],
            pages,
            ..Default::default()
        }
    }

    #[test]
    fn bare_ssh_prints_index_and_commands() {
        let o = run(&index(), "");
        assert_eq!(o.status, 0);
        assert!(o.stdout.starts_with("Test Folio\n"), "{}", o.stdout);
        assert!(o.stdout.contains("The Rack"));
        assert!(o.stdout.contains("Hello World"));
        assert!(o.stdout.contains("show <slug>"));
    }

    #[test]
    fn unknown_command_is_one_stderr_line_and_status_2() {
        let o = run(&index(), "cat /etc/passwd");
        assert_eq!(o.status, 2);
        assert_eq!(o.stdout, "");
        assert_eq!(o.stderr, "sshfolio: unknown command 'cat'; try 'help'\n");
    }

    #[test]
    fn control_characters_are_not_echoed() {
        let o = run(&index(), "\x1b]0;pwned\x07");
        assert!(!o.stderr.contains('\x1b'));
        assert_eq!(o.status, 2);
    }

    #[test]
    fn json_lists_parse() {
        let o = run(&index(), "blog --json");
        let v: Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v[0]["slug"], "hello");
        assert_eq!(v[0]["date"], "2024-05-01");
        let o = run(&index(), "projects --json");
        let v: Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v[0]["rackStatus"], "live");
    }

    #[test]
    fn show_prints_title_and_meta() {
        let o = run(&index(), "show hello");
        assert_eq!(o.status, 0);
        assert!(
            o.stdout
                .starts_with("Hello World\n===========\n2024-05-01 · 3 min · #go\n")
        );
        let o = run(&index(), "show blog/hello --json");
        let v: Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v["title"], "Hello World");
        assert!(v["text"].is_string() && v["markdown"].is_string());
        assert!(v["headings"].is_array() && v["links"].is_array());
        let o = run(&index(), "show nope");
        assert_eq!(o.status, 1);
        assert_eq!(
            o.stderr,
            "sshfolio: no page 'nope'; try 'projects' or 'blog'\n"
        );
    }

    #[test]
    fn errors_name_the_mistake() {
        let o = run(&index(), "blog --xml");
        assert_eq!(o.status, 2);
        assert_eq!(
            o.stderr,
            "sshfolio: unknown option '--xml' for 'blog'; try 'help'\n"
        );
        let o = run(&index(), "show hello --width");
        assert_eq!(o.status, 2);
        assert!(o.stderr.contains("--width"), "{}", o.stderr);
        let o = run(&index(), "--xml");
        assert_eq!(o.stderr, "sshfolio: unknown option '--xml'; try 'help'\n");
        let o = run(&index(), "blog/hello");
        assert_eq!(o.status, 2);
        assert!(
            o.stderr.contains("ssh -t") && o.stderr.contains("show hello"),
            "{}",
            o.stderr
        );
        let o = run(&index(), "blog/nope");
        assert_eq!(o.status, 1);
        assert_eq!(
            o.stderr,
            "sshfolio: no page 'nope'; try 'projects' or 'blog'\n"
        );
        assert!(!opens_page(&index(), "blog/nope"));
        assert!(opens_page(&index(), "blog/hello"));
        let o = run(&index(), "blog extra");
        assert_eq!(o.status, 2);
        assert!(
            o.stderr.contains("'blog' takes no arguments"),
            "{}",
            o.stderr
        );
    }

    #[test]
    fn listings_fit_80_columns_and_long_slugs_never_touch_titles() {
        let mut ix = index();
        let long = "a-very-long-slug-that-goes-on-and-on-and-on-for-ever";
        ix.posts[0].slug = long.into();
        ix.posts[0].title =
            "A title that is long enough to need wrapping when the slug column is wide".into();
        for cmd in ["", "blog", "projects", "stories", "help"] {
            let o = run(&ix, cmd);
            for line in o.stdout.lines() {
                if line.contains(long) {
                    // A slug is never cut: it may be alone on its line.
                    assert!(
                        line.trim_end().ends_with(long) || line.contains(&format!("({long})")),
                        "{line}"
                    );
                    continue;
                }
                assert!(str_width(line) <= 80, "{cmd:?}: {line}");
            }
        }
        let home = run(&ix, "").stdout;
        let lines: Vec<&str> = home.lines().collect();
        let i = lines.iter().position(|l| l.contains(long)).unwrap();
        assert_eq!(lines[i].trim(), format!("2024-05-01  {long}"));
        assert!(lines[i + 1].trim_start().starts_with("A title"), "{home}");
    }

    #[test]
    fn deep_links() {
        assert_eq!(deep_link("blog/hello"), Some("blog/hello"));
        assert_eq!(deep_link("projects/x"), Some("projects/x"));
        assert_eq!(deep_link("blog"), None);
        assert_eq!(deep_link("etc/passwd"), None);
    }

    #[test]
    fn wrap_respects_width() {
        let text = "word ".repeat(50);
        for line in wrap(&text, 20).lines() {
            assert!(str_width(line) <= 20);
        }
    }
}
