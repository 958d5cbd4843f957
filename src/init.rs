//! `sshfolio init`: a starter site that `check` passes — `site.yml` with the owner's
//! name, tagline and links, one project, one post that shows off what the reader
//! renders (headings, code, a table, a quote, a list, an image, an embed) and one
//! story — written into an empty directory (or over our own files with `--force`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

/// What `init` was asked for.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub dir: PathBuf,
    pub name: String,
    pub tagline: String,
    /// `(label, url)` pairs, in order.
    pub links: Vec<(String, String)>,
    /// Write into a non-empty directory (our files are overwritten, others kept).
    pub force: bool,
}

/// `LABEL=URL` → `(label, url)`.
pub fn parse_link(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((label, url)) if !label.trim().is_empty() && !url.trim().is_empty() => {
            Ok((label.trim().to_string(), url.trim().to_string()))
        }
        _ => Err(format!(
            "expected LABEL=URL, like GitHub=https://github.com/me, not {s:?}"
        )),
    }
}

#[derive(Serialize)]
struct SiteYml<'a> {
    name: &'a str,
    tagline: &'a str,
    about: &'a str,
    links: Vec<LinkYml<'a>>,
}

#[derive(Serialize)]
struct LinkYml<'a> {
    label: &'a str,
    url: &'a str,
}

const ABOUT: &str = "A few sentences about you, in **Markdown**. Edit `site.yml` to change them.\n";

const PROJECT: &str = r#"---
title: My First Project
description: One line that says what it does and why it matters.
order: 1
region: EU-WEST-1
rackBay: BAY 01
rackStatus: live
---

Say what the project is, who it is for, and what you learned building it.

## Stack

- Rust, because it is fast and it does not crash
- SQLite, because one file is easy to back up

Link to the source or a live demo in the front matter (`liveUrl`).
"#;

const STORY: &str = "label: HELLO\ntext: This site is served over SSH. Edit stories/01-hello.yml.\ncolor: \"#7aa2f7\"\norder: 1\n";

/// The post: every block the reader draws, so the owner sees them all at once.
fn post(date: &str) -> String {
    format!(
        r#"---
title: Hello, terminal
description: What a post can hold — headings, code, tables, quotes, lists, images and embeds.
date: {date}
readTime: 2 min
tags:
  - Meta
  - Guide
---

This post shows what the reader renders. Copy what you need and delete the rest.

## Headings

Use `##` and `###` for sections: they make the table of contents, and `]` / `[`
jump between them.

### A smaller heading

Text can be **bold**, *italic*, ~~struck~~ or `code`, and [links](https://example.com)
stay visible with their address.

## Code

```rust
fn main() {{
    println!("Hello from the terminal!");
}}
```

## A table

| Key     | Does                 |
|---------|----------------------|
| `j` `k` | scroll               |
| `/`     | search every page    |
| `t`     | light or dark theme  |

## A quote

> Programs must be written for people to read, and only incidentally for machines
> to execute. — Harold Abelson

## A list

1. Edit this post in `blog/hello.md`
2. Run `sshfolio check` to see any mistake with its line and column
3. Save: connected guests see the change within a second

- bullets work too
  - and nest

## An image

Images live under `images/` and show as a preview:

![A gradient](/images/starter.png)

## An embed

::github{{repo="sshfolio/sshfolio" description="A portfolio you visit with ssh." language="Rust" stars="1"}}
::
"#
    )
}

/// Every file `init` writes, relative to the site directory.
const FILES: &[&str] = &[
    "site.yml",
    "projects/my-first-project.md",
    "blog/hello.md",
    "stories/01-hello.yml",
    "images/starter.png",
];

/// Write the starter site. Refuses a non-empty directory unless `force`.
pub fn init(opts: &InitOptions) -> anyhow::Result<()> {
    let dir = &opts.dir;
    if !opts.force && is_non_empty(dir)? {
        bail!(
            "{} is not empty; choose another directory or add --force (our files are overwritten, others kept)",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let site = SiteYml {
        name: &opts.name,
        tagline: &opts.tagline,
        about: ABOUT,
        links: opts
            .links
            .iter()
            .map(|(label, url)| LinkYml { label, url })
            .collect(),
    };
    let yaml = format!(
        "# Who this portfolio belongs to: name, tagline, about (Markdown) and links.\n{}",
        serde_yaml::to_string(&site)?
    );
    let today = crate::stats::report::date(crate::stats::recorder::now_secs().div_euclid(86_400));
    write(dir, FILES[0], yaml.as_bytes())?;
    write(dir, FILES[1], PROJECT.as_bytes())?;
    write(dir, FILES[2], post(&today).as_bytes())?;
    write(dir, FILES[3], STORY.as_bytes())?;
    write(dir, FILES[4], &starter_png()?)?;
    Ok(())
}

/// What to do next, printed after `init`.
pub fn next_steps(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "A starter site is in {d}. Next:\n\n  ${{EDITOR:-vi}} {d}/site.yml\n  sshfolio serve --content {d}\n\nthen visit it with `ssh -p 2222 localhost` (`sshfolio check --content {d}` checks your edits).\n"
    )
}

fn is_non_empty(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// A small gradient, made here so the repository carries no binary.
fn starter_png() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(96, 48, |x, y| {
        let r = (40 + x * 2) as u8;
        let g = (60 + y * 3) as u8;
        image::Rgb([r, g, 200])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_parse() {
        assert_eq!(
            parse_link("GitHub=https://github.com/me"),
            Ok(("GitHub".into(), "https://github.com/me".into()))
        );
        assert!(parse_link("nolabel").is_err());
        assert!(parse_link("=https://x").is_err());
    }

    #[test]
    fn a_non_empty_directory_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.txt"), "keep").unwrap();
        let mut opts = InitOptions {
            dir: dir.path().to_path_buf(),
            name: "Ada".into(),
            tagline: "t".into(),
            links: vec![],
            force: false,
        };
        assert!(init(&opts).unwrap_err().to_string().contains("not empty"));
        opts.force = true;
        init(&opts).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("mine.txt")).unwrap(),
            "keep"
        );
    }
}
