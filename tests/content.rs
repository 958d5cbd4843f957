//! Content loading and `sshfolio check`: real directories in temp dirs, bad input of
//! every kind, and the binary's output and exit status.

use sshfolio::content::doc::prop;
use sshfolio::content::model::{RackStatus, Rgb};
use sshfolio::content::{Block, Inline, PageRef, Severity, load};

use crate::util::{ContentDir, sshfolio};

const PROJECT: &str = "---
title: Cloudform UI
description: A reactive management dashboard.
order: 5
region: EU-WEST-2
rackBay: BAY 01
rackStatus: live
vault: true
---

## Stack

Nuxt 3 and **TypeScript**.
";

/// Shaped like the seed's `embedding-external-content`: its blocks are never closed.
const EMBEDDING: &str = r#"---
title: Embedding External Content in Your Posts
date: 2026-05-17
readTime: 3 min
tags: [Guide, MDC, Embeds]
---
Posts support rich embeds.

## YouTube

::youtube{id="jNQXAC9IVRw" title="Me at the zoo"}

```md
::youtube{id="jNQXAC9IVRw" title="Video title here"}
```

---

## Using embeds in context

Thanks :mention{name="Joe"}, Berlin: 10:30.

::youtube{id="GBTdnfD6s5Q" title="Microservices at scale"}
The repo from the talk:
::github{repo="istio/istio" language=Go stars=35k}
"#;

const HELLO: &str = "---
title: Hello
date: 2026-05-18
tags: [guide, Intro]
---
First post.
";

const STORY_1: &str = "label: DATA_CENTER
text: Racking new servers.
image: https://images.example/x.jpg
color: '#ff8800'
link: https://x.com/someone
order: 1
";

const STORY_2: &str = "label: SECOND
text: Another.
color: null
order: 2
meta: {}
";

const SITE: &str = "name: Abbey
tagline: Cloud engineer
about: |
  I build **platforms**.
links:
  - label: GitHub
    url: https://github.com/example
";

fn good_site() -> ContentDir {
    let c = ContentDir::new();
    c.write("projects/cloudform-ui.md", PROJECT);
    c.write(
        "projects/another.md",
        "---\ntitle: Another\norder: 1\n---\nBody.\n",
    );
    c.write("blog/embedding-external-content.md", EMBEDDING);
    c.write("blog/hello.md", HELLO);
    c.write("stories/02-second.yml", STORY_2);
    c.write("stories/01-data-center.yml", STORY_1);
    c.write("site.yml", SITE);
    c.write("images/readme.txt", "not content");
    c
}

#[test]
fn loads_a_site_sorted_with_pages_and_tags() {
    let c = good_site();
    let index = load(c.path()).unwrap();

    let projects: Vec<_> = index.projects.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(projects, vec!["another", "cloudform-ui"]);
    let p = &index.projects[1];
    assert_eq!(p.title, "Cloudform UI");
    assert_eq!(p.rack_status, RackStatus::Live);
    assert_eq!(p.rack_bay.as_deref(), Some("BAY 01"));
    assert!(p.vault);
    assert!(matches!(&p.body.blocks[0], Block::Heading { id, .. } if id == "stack"));

    let posts: Vec<_> = index.posts.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(posts, vec!["hello", "embedding-external-content"]);
    assert_eq!(index.posts[1].read_time.as_deref(), Some("3 min"));
    assert_eq!(index.tags, vec!["Embeds", "guide", "Intro", "MDC"]);

    let stories: Vec<_> = index.stories.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(stories, vec!["01-data-center", "02-second"]);
    assert_eq!(index.stories[0].color, Some(Rgb(0xff, 0x88, 0x00)));
    assert_eq!(index.stories[1].color, None);

    assert_eq!(index.site.name, "Abbey");
    assert_eq!(index.site.links[0].url, "https://github.com/example");
    assert!(matches!(&index.site.about.blocks[0], Block::Paragraph(_)));

    assert_eq!(index.find("blog/hello"), Some(PageRef::Post(0)));
    assert_eq!(index.find("cloudform-ui"), Some(PageRef::Project(1)));
    assert_eq!(index.find("nope"), None);
}

#[test]
fn unclosed_blocks_keep_content_and_warn_with_file_lines() {
    let c = good_site();
    let index = load(c.path()).unwrap();
    let post = &index.posts[1];
    let blocks = &post.body.blocks;
    // Paragraph, heading, then the first youtube swallowing the rest of the post.
    assert_eq!(blocks.len(), 3);
    let Block::Component {
        name,
        closed,
        line,
        children,
        ..
    } = &blocks[2]
    else {
        panic!("{blocks:?}")
    };
    assert_eq!((name.as_str(), *closed, *line), ("youtube", false, 11));
    assert!(
        matches!(&children[0], Block::Code { lang: Some(l), code } if l == "md" && code.starts_with("::youtube"))
    );
    assert_eq!(children[1], Block::Rule);
    let Block::Paragraph(p) = &children[3] else {
        panic!("{children:?}")
    };
    assert_eq!(Inline::plain_text(p), "Thanks @Joe, Berlin: 10:30.");
    let Block::Component {
        name,
        props,
        children: inner,
        ..
    } = &children[4]
    else {
        panic!("{children:?}")
    };
    assert_eq!(name, "youtube");
    assert_eq!(prop(props, "title"), Some("Microservices at scale"));
    assert!(matches!(&inner[1], Block::Component { name, props, .. }
        if name == "github" && prop(props, "stars") == Some("35k")));

    let warnings: Vec<String> = index
        .warnings
        .iter()
        .filter(|w| w.path.ends_with("embedding-external-content.md"))
        .map(|w| format!("{}:{}:{:?}", w.line, w.col, w.severity))
        .collect();
    assert_eq!(
        warnings,
        vec!["11:1:Warning", "23:1:Warning", "25:1:Warning"]
    );
    // Unknown keys are warnings too, pointing at the key's value.
    assert!(
        index
            .warnings
            .iter()
            .any(|w| w.path.ends_with("02-second.yml")
                && w.line == 5
                && w.message.contains("`meta`"))
    );
}

#[test]
fn generation_increases_with_every_load() {
    let c = good_site();
    let a = load(c.path()).unwrap().generation;
    let b = load(c.path()).unwrap().generation;
    assert!(a >= 1 && b > a, "{a} {b}");
}

#[test]
fn missing_dirs_are_empty_but_a_missing_content_dir_is_an_error() {
    let c = ContentDir::new();
    let index = load(c.path()).unwrap();
    assert!(index.projects.is_empty() && index.posts.is_empty() && index.stories.is_empty());
    assert_eq!(index.site.name, "");

    let err = load(&c.path().join("absent")).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    assert!(
        err.diagnostics[0]
            .message
            .contains("cannot open content directory")
    );
}

/// Render diagnostics relative to the content dir, one `path:line:col: message` each.
fn report(c: &ContentDir) -> Vec<String> {
    let err = load(c.path()).unwrap_err();
    err.diagnostics
        .iter()
        .map(|d| {
            d.to_string()
                .replace(&format!("{}/", c.path().display()), "")
        })
        .collect()
}

#[test]
fn every_problem_in_every_file_is_reported() {
    let c = ContentDir::new();
    c.write("blog/a-no-title.md", "---\ndate: 2026-01-01\n---\nx\n");
    c.write(
        "blog/b-bad-date.md",
        "---\ntitle: B\ndate: 2026-02-30\n---\nx\n",
    );
    c.write(
        "blog/c-unclosed.md",
        "---\ntitle: C\ndate: 2026-01-01\nbody\n",
    );
    c.write("blog/d-bad-yaml.md", "---\ntitle: D\ndate: [2026\n---\nx\n");
    c.write("blog/e-no-front-matter.md", "Just text.\n");
    c.write("projects/f.md", "---\ntitle: F\nrackStatus: burning\n---\n");
    c.write("stories/01-g.yml", "label: G\ncolor: orange\n");
    c.write("stories/02-h.yml", "text: no label\n");
    let got = report(&c);
    assert_eq!(
        got,
        vec![
            "blog/a-no-title.md:1:1: missing `title`",
            "blog/b-bad-date.md:3:7: `date` \"2026-02-30\" is not a date (expected YYYY-MM-DD)",
            "blog/c-unclosed.md:1:1: front matter opened here is never closed (no closing `---` line)",
            got[3].as_str(),
            "blog/e-no-front-matter.md:1:1: missing `title`",
            "blog/e-no-front-matter.md:1:1: missing `date` (YYYY-MM-DD)",
            "projects/f.md:3:13: unknown `rackStatus` \"burning\" (expected live or offline)",
            "stories/01-g.yml:2:8: `color` \"orange\" is not a colour (expected #rrggbb)",
            "stories/02-h.yml:1:1: missing `label`",
        ]
    );
    // serde_yaml's location, shifted to the file: the flow sequence opened on line 3
    // runs into the closing `---` on line 4.
    assert!(
        got[3].starts_with("blog/d-bad-yaml.md:4:") && got[3].contains("bad YAML"),
        "{}",
        got[3]
    );
}

#[test]
fn duplicate_slugs_are_errors() {
    let c = ContentDir::new();
    c.write("blog/hello.md", HELLO);
    c.write("blog/01.hello.md", HELLO);
    c.write("projects/Tool.md", "---\ntitle: T\n---\n");
    c.write("projects/tool.md", "---\ntitle: T\n---\n");
    let got = report(&c);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("blog/hello.md:1:1: duplicate slug `hello` (also "));
    assert!(got[1].starts_with("projects/tool.md:1:1: duplicate slug `tool` (also "));
}

#[test]
fn non_utf8_empty_and_huge_files() {
    let c = ContentDir::new();
    c.write(
        "blog/latin1.md",
        b"---\ntitle: Caf\xe9\ndate: 2026-01-01\n---\n".as_slice(),
    );
    c.write("blog/empty.md", "");
    c.write("blog/blank.md", "\n  \n");
    c.write("stories/empty.yml", "");
    // 50 MB (sparse: nothing is written to disk) and just over the cap.
    let huge = c.write("blog/huge.md", "");
    std::fs::File::options()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    let over = c.write("projects/over.md", "");
    std::fs::File::options()
        .write(true)
        .open(&over)
        .unwrap()
        .set_len(4 * 1024 * 1024 + 1)
        .unwrap();
    let got = report(&c);
    assert_eq!(
        got,
        vec![
            "blog/blank.md:1:1: empty file",
            "blog/empty.md:1:1: empty file",
            "blog/huge.md:1:1: file too large (52428800 bytes; the limit is 4 MiB)",
            "blog/latin1.md:2:11: not valid UTF-8 (content files must be UTF-8 text)",
            "projects/over.md:1:1: file too large (4194305 bytes; the limit is 4 MiB)",
            "stories/empty.yml:1:1: empty file",
        ]
    );
}

#[test]
fn thousands_of_nesting_levels_are_refused_at_their_line() {
    let c = ContentDir::new();
    let front = "---\ntitle: Deep\ndate: 2026-01-01\n---\n";
    c.write(
        "blog/quotes.md",
        format!("{front}{}bottom\n", "> ".repeat(10_000)),
    );
    c.write(
        "blog/lists.md",
        format!("{front}{}bottom\n", "- ".repeat(10_000)),
    );
    let mut comps = String::from(front);
    for i in 0..5_000 {
        comps.push_str(&format!("{}c{i}\n", ":".repeat(2 + i % 3)));
    }
    comps.push_str("bottom\n");
    c.write("blog/components.md", comps);
    let mut stars = String::from(front);
    stars.push_str(&"*".repeat(20_000));
    stars.push_str("bottom");
    stars.push_str(&"*".repeat(20_000));
    c.write("blog/emphasis.md", stars);

    // Each is refused at its line (nothing deeper than the budget is ever built), in
    // bounded time, and the error names its file.
    let err = load(c.path()).unwrap_err();
    for name in ["quotes", "lists", "components", "emphasis"] {
        assert!(
            err.diagnostics
                .iter()
                .any(|d| d.path.ends_with(format!("blog/{name}.md"))
                    && d.severity == Severity::Error
                    && d.line >= 5
                    && d.message.contains("too deep")),
            "{name}: {:?}",
            err.diagnostics
        );
    }
}

#[test]
fn check_ok_prints_a_summary_and_exits_zero() {
    let c = good_site();
    let out = sshfolio(&["check", "--content", c.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("2 projects, 2 posts, 2 stories"),
        "{stdout}"
    );
    let dir = c.path().display().to_string();
    assert!(
        stderr.contains(&format!(
            "{dir}/blog/embedding-external-content.md:11:1: warning: `::youtube` is never closed"
        )),
        "{stderr}"
    );
}

#[test]
fn check_errors_exit_one_with_path_line_col() {
    let c = good_site();
    c.write("blog/bad.md", "---\ntitle: Bad\ndate: 2026-13-01\n---\n");
    let out = sshfolio(&["check", "--content", c.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let dir = c.path().display().to_string();
    assert!(
        stderr.lines().any(|l| l
            == format!(
                "{dir}/blog/bad.md:3:7: `date` \"2026-13-01\" is not a date (expected YYYY-MM-DD)"
            )),
        "{stderr}"
    );

    let out = sshfolio(&["check", "--content", &format!("{dir}/missing")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open content directory"));
}
