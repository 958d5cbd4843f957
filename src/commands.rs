//! Exec commands without a PTY (`ssh host blog --json`): plain text and JSON output.
//!
//! `run` is a pure function from the index and the command line to what the guest
//! receives (stdout, stderr, exit status); the SSH layer only carries the bytes.

use serde_json::{Value, json};

use crate::content::model::{Post, Project, RackStatus, Story};
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::render::{RenderOptions, render};
use crate::theme::ThemeKind;

/// Longest command line we look at; the rest is ignored.
pub const MAX_COMMAND: usize = 1024;
/// Column width of plain-text output.
const WIDTH: usize = 80;

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
    (
        "show <slug> [--json]",
        "print a project or post as plain text",
    ),
    ("help", "this list"),
];

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

/// Run one command line (`""` is the bare `ssh host`).
pub fn run(index: &Index, line: &str) -> Outcome {
    let line: String = line.chars().take(MAX_COMMAND).collect();
    let words: Vec<&str> = line.split_whitespace().collect();
    let json = words.contains(&"--json");
    let args: Vec<&str> = words.iter().copied().filter(|w| *w != "--json").collect();
    match args.as_slice() {
        [] if !json => Outcome::ok(home(index)),
        ["help" | "--help" | "-h"] => Outcome::ok(help(index)),
        ["projects"] => Outcome::ok(if json {
            to_json(index.projects.iter().map(project_json).collect())
        } else {
            projects(index)
        }),
        ["blog" | "posts"] => Outcome::ok(if json {
            to_json(index.posts.iter().map(post_json).collect())
        } else {
            posts(index)
        }),
        ["stories"] => Outcome::ok(if json {
            to_json(index.stories.iter().map(story_json).collect())
        } else {
            stories(index)
        }),
        ["show", slug] => show(index, slug, json),
        ["show"] => Outcome::fail(2, "usage: show <slug> [--json]".into()),
        [first, ..] => Outcome::fail(
            2,
            format!("unknown command '{}'; try 'help'", sanitize(first)),
        ),
        [] => Outcome::fail(2, "unknown command '--json'; try 'help'".into()),
    }
}

/// A guest's word, safe to print back: no control characters, bounded length.
fn sanitize(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.chars().count() > 40 {
        format!("{clean}…")
    } else {
        clean
    }
}

fn site_name(index: &Index) -> &str {
    if index.site.name.is_empty() {
        "sshfolio"
    } else {
        &index.site.name
    }
}

fn home(index: &Index) -> String {
    let mut out = String::new();
    out.push_str(site_name(index));
    out.push('\n');
    if !index.site.tagline.is_empty() {
        out.push_str(&wrap(&index.site.tagline, WIDTH));
    }
    out.push('\n');
    if !index.projects.is_empty() {
        out.push_str("Projects\n");
        for p in &index.projects {
            out.push_str(&format!("  {:<28} {}\n", p.slug, p.title));
        }
        out.push('\n');
    }
    if !index.posts.is_empty() {
        out.push_str("Blog\n");
        for p in &index.posts {
            out.push_str(&format!("  {}  {:<28} {}\n", p.date, p.slug, p.title));
        }
        out.push('\n');
    }
    if !index.stories.is_empty() {
        out.push_str("Stories\n");
        for s in &index.stories {
            out.push_str(&format!("  {}\n", s.label));
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
    format!(
        "{} over SSH. Without a command and with a terminal you get the full UI.\n\n{}",
        site_name(index),
        commands_list()
    )
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
            meta.push(r.clone());
        }
        let st = status_word(p.rack_status);
        if !st.is_empty() {
            meta.push(st.to_string());
        }
        if p.vault {
            meta.push("vault".into());
        }
        out.push_str(&format!("{}  ({})\n", p.title, p.slug));
        push_entry_tail(&mut out, &meta, &p.description);
    }
    out
}

/// The lines under a listed item's title: its meta (`a · b`) and wrapped description,
/// then the blank line between items.
fn push_entry_tail(out: &mut String, meta: &[String], description: &str) {
    if !meta.is_empty() {
        out.push_str(&format!("  {}\n", meta.join(" · ")));
    }
    if !description.is_empty() {
        out.push_str(&indent(&wrap(description, WIDTH - 2), "  "));
    }
    out.push('\n');
}

fn posts(index: &Index) -> String {
    let mut out = String::new();
    for p in &index.posts {
        out.push_str(&format!("{}  {}  ({})\n", p.date, p.title, p.slug));
        let mut meta = Vec::new();
        if let Some(r) = &p.read_time {
            meta.push(r.clone());
        }
        if !p.tags.is_empty() {
            meta.push(
                p.tags
                    .iter()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        push_entry_tail(&mut out, &meta, &p.description);
    }
    out
}

fn stories(index: &Index) -> String {
    let mut out = String::new();
    for s in &index.stories {
        out.push_str(&format!("{}\n", s.label));
        if !s.text.is_empty() {
            out.push_str(&indent(&wrap(&s.text, WIDTH - 2), "  "));
        }
        if let Some(l) = &s.link {
            out.push_str(&format!("  {l}\n"));
        }
        out.push('\n');
    }
    out
}

fn show(index: &Index, slug: &str, json: bool) -> Outcome {
    let Some(page) = index.find(slug) else {
        return Outcome::fail(
            1,
            format!("no page '{}'; try 'projects' or 'blog'", sanitize(slug)),
        );
    };
    let body = index
        .body(page)
        .map(|doc| {
            render(
                doc,
                RenderOptions {
                    width: WIDTH as u16,
                    theme: ThemeKind::Dark,
                    plain: true,
                },
            )
            .plain_lines()
            .into_iter()
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
        })
        .unwrap_or_default();
    match (page, json) {
        (PageRef::Project(i), true) => match index.project(i) {
            Some(p) => {
                let mut v = project_json(p);
                v["body"] = Value::String(body);
                Outcome::ok(to_json(v))
            }
            None => Outcome::fail(1, "page vanished".into()),
        },
        (PageRef::Post(i), true) => match index.post(i) {
            Some(p) => {
                let mut v = post_json(p);
                v["body"] = Value::String(body);
                Outcome::ok(to_json(v))
            }
            None => Outcome::fail(1, "page vanished".into()),
        },
        (page, false) => {
            let mut out = String::new();
            let title = index.title(page).unwrap_or_default();
            out.push_str(title);
            out.push('\n');
            out.push_str(&"=".repeat(str_width(title).clamp(1, WIDTH)));
            out.push('\n');
            let (meta, description) = match page {
                PageRef::Project(i) => index
                    .project(i)
                    .map(|p| {
                        let mut m = Vec::new();
                        if let Some(r) = &p.region {
                            m.push(r.clone());
                        }
                        let st = status_word(p.rack_status);
                        if !st.is_empty() {
                            m.push(st.to_string());
                        }
                        if let Some(u) = &p.live_url {
                            m.push(u.clone());
                        }
                        (m.join(" · "), p.description.clone())
                    })
                    .unwrap_or_default(),
                PageRef::Post(i) => index
                    .post(i)
                    .map(|p| {
                        let mut m = vec![p.date.to_string()];
                        if let Some(r) = &p.read_time {
                            m.push(r.clone());
                        }
                        if !p.tags.is_empty() {
                            m.push(
                                p.tags
                                    .iter()
                                    .map(|t| format!("#{t}"))
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            );
                        }
                        (m.join(" · "), p.description.clone())
                    })
                    .unwrap_or_default(),
            };
            if !meta.is_empty() {
                out.push_str(&meta);
                out.push('\n');
            }
            if !description.is_empty() {
                out.push('\n');
                out.push_str(&wrap(&description, WIDTH));
            }
            if !body.trim().is_empty() {
                out.push('\n');
                out.push_str(&body);
                out.push('\n');
            }
            Outcome::ok(out)
        }
    }
}

fn to_json(v: Value) -> String {
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

fn project_json(p: &Project) -> Value {
    json!({
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "order": p.order,
        "region": p.region,
        "rackBay": p.rack_bay,
        "rackStatus": match p.rack_status {
            RackStatus::Live => Value::from("live"),
            RackStatus::Offline => Value::from("offline"),
            RackStatus::Unknown => Value::Null,
        },
        "vault": p.vault,
        "liveUrl": p.live_url,
        "thumbnail": p.thumbnail,
    })
}

fn post_json(p: &Post) -> Value {
    json!({
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "date": p.date.to_string(),
        "readTime": p.read_time,
        "tags": p.tags,
        "thumbnail": p.thumbnail,
    })
}

fn story_json(s: &Story) -> Value {
    json!({
        "id": s.id,
        "label": s.label,
        "text": s.text,
        "image": s.image,
        "color": s.color.map(|c| format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)),
        "link": s.link,
        "order": s.order,
    })
}

/// Greedy word wrap at `width` display columns; every line ends with `\n`.
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
    use crate::content::model::{Date, Site};
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
        assert!(v["body"].is_string());
        let o = run(&index(), "show nope");
        assert_eq!(o.status, 1);
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
