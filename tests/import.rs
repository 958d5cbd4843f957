//! `sshfolio import-nuxt`: the seed payload is the oracle. Everything the original site
//! showed (every paragraph, heading, list item, code line, table cell, image and
//! component, in order) must come back when the imported files are loaded.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;
use sshfolio::content::doc::{Block, Document, Inline};
use sshfolio::content::import::{convert, import_nuxt};

use crate::util::{bin, seed_payload};

// ---------------------------------------------------------------------------------
// An independent devalue reader for the oracle (the seed has no cycles).

fn hydrate(values: &[Json], i: i64) -> Json {
    if i < 0 {
        return Json::Null;
    }
    match &values[i as usize] {
        Json::Array(a) => match a.first() {
            Some(Json::String(_)) => hydrate(values, a[1].as_i64().unwrap()),
            _ => Json::Array(
                a.iter()
                    .map(|r| hydrate(values, r.as_i64().unwrap()))
                    .collect(),
            ),
        },
        Json::Object(o) => Json::Object(
            o.iter()
                .map(|(k, r)| (k.clone(), hydrate(values, r.as_i64().unwrap())))
                .collect(),
        ),
        v => v.clone(),
    }
}

fn seed() -> Json {
    let bytes = std::fs::read(seed_payload()).unwrap();
    let values: Vec<Json> = serde_json::from_slice(&bytes).unwrap();
    hydrate(&values, 0)
}

/// `(collection, slug, item)` for every project and post of the seed.
fn pages(root: &Json) -> Vec<(String, String, Json)> {
    let mut out = Vec::new();
    for key in ["home-projects", "home-blog"] {
        for item in root["data"][key].as_array().unwrap() {
            let stem = item["stem"].as_str().unwrap();
            let (c, s) = stem.split_once('/').unwrap();
            out.push((c.to_string(), s.to_string(), item.clone()));
        }
    }
    out
}

/// One thing the original page showed.
#[derive(Debug, Clone, PartialEq)]
enum Fact {
    Text(String),
    Component {
        name: String,
        props: Vec<(String, String)>,
    },
}

const HTML: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "a",
    "img",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "pre",
    "br",
    "span",
    "style",
];

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_text(out: &mut Vec<Fact>, s: &str) {
    let n = norm(s);
    if !n.is_empty() {
        out.push(Fact::Text(n));
    }
}

/// Walk a minimark tree in document order and list what it shows.
fn facts(node: &Json, out: &mut Vec<Fact>) {
    if let Some(s) = node.as_str() {
        push_text(out, s);
        return;
    }
    let a = node.as_array().unwrap();
    let tag = a[0].as_str().unwrap();
    let attrs = a[1].as_object().unwrap();
    let attr = |k: &str| attrs.get(k).and_then(Json::as_str).unwrap_or("");
    match tag {
        "style" => return,
        "pre" => {
            for line in attr("code").lines() {
                push_text(out, line);
            }
            return;
        }
        "img" => {
            push_text(out, attr("alt"));
            push_text(out, attr("src"));
            return;
        }
        t if !HTML.contains(&t) => {
            let mut props: Vec<(String, String)> = attrs
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect();
            props.sort();
            out.push(Fact::Component {
                name: t.to_string(),
                props,
            });
        }
        _ => {}
    }
    for c in &a[2..] {
        facts(c, out);
    }
    if tag == "a" {
        push_text(out, attr("href"));
    }
}

fn page_facts(item: &Json) -> Vec<Fact> {
    let mut out = Vec::new();
    for n in item["body"]["value"].as_array().unwrap() {
        facts(n, &mut out);
    }
    out
}

// Components in a haystack: \u{1}name\u{2}k=v\u{2}k=v\u{1}.
const OPEN: char = '\u{1}';
const SEP: char = '\u{2}';

fn token(name: &str, props: &[(String, String)]) -> String {
    let mut s = format!("{OPEN}{name}");
    for (k, v) in props {
        s.push(SEP);
        s.push_str(&format!("{k}={v}"));
    }
    s.push(OPEN);
    s
}

/// Find every fact in `hay`, in order. Returns the first one missing, with context.
fn check_in_order(facts: &[Fact], hay: &str) -> Result<(), String> {
    let hay = norm(hay);
    let mut at = 0;
    for (i, f) in facts.iter().enumerate() {
        match f {
            Fact::Text(t) => match hay[at..].find(t.as_str()) {
                Some(p) => at += p + t.len(),
                None => {
                    return Err(format!(
                        "fact #{i} {t:?} not found after …{}",
                        tail(&hay[..at])
                    ));
                }
            },
            Fact::Component { name, props } => {
                let mut found = false;
                let mut search = at;
                while let Some(p) = hay[search..].find(&format!("{OPEN}{name}")) {
                    let start = search + p + 1;
                    let Some(end) = hay[start..].find(OPEN) else {
                        break;
                    };
                    let tok = &hay[start..start + end];
                    let mut parts = tok.split(SEP);
                    let got_name = parts.next().unwrap_or("");
                    let got: Vec<&str> = parts.collect();
                    if got_name == name
                        && props
                            .iter()
                            .all(|(k, v)| got.contains(&norm(&format!("{k}={v}")).as_str()))
                    {
                        at = start + end + 1;
                        found = true;
                        break;
                    }
                    search = start;
                }
                if !found {
                    return Err(format!(
                        "fact #{i}: component {name} {props:?} not found after …{}",
                        tail(&hay[..at])
                    ));
                }
            }
        }
    }
    Ok(())
}

fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(120)..].iter().collect()
}

// ---------------------------------------------------------------------------------
// Haystack 1: the loaded documents.

fn doc_text(doc: &Document) -> String {
    let mut s = String::new();
    blocks_text(&doc.blocks, &mut s);
    s
}

fn blocks_text(blocks: &[Block], s: &mut String) {
    for b in blocks {
        block_text(b, s);
        s.push('\n');
    }
}

fn block_text(b: &Block, s: &mut String) {
    match b {
        Block::Heading { content, .. } | Block::Paragraph(content) => inlines_text(content, s),
        Block::Code { code, .. } => {
            s.push_str(code);
        }
        Block::Table { header, rows, .. } => {
            for cell in header.iter().chain(rows.iter().flatten()) {
                inlines_text(cell, s);
                s.push_str(" | ");
            }
        }
        Block::Quote(inner) => blocks_text(inner, s),
        Block::List { items, .. } => {
            for item in items {
                blocks_text(item, s);
            }
        }
        Block::Image { alt, src, .. } => s.push_str(&format!(" {alt} {src} ")),
        Block::Rule => s.push_str(" --- "),
        Block::Component {
            name,
            props,
            children,
            slots,
            ..
        } => {
            s.push_str(&token(name, &sorted(props)));
            blocks_text(children, s);
            for (_, blocks) in slots {
                blocks_text(blocks, s);
            }
        }
        Block::Html(h) => s.push_str(h),
    }
}

fn sorted(props: &[(String, String)]) -> Vec<(String, String)> {
    let mut p = props.to_vec();
    p.sort();
    p
}

fn inlines_text(inlines: &[Inline], s: &mut String) {
    for i in inlines {
        match i {
            Inline::Text(t) | Inline::Code(t) | Inline::Html(t) => s.push_str(t),
            Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => {
                inlines_text(c, s)
            }
            Inline::Link { url, content, .. } => {
                inlines_text(content, s);
                s.push_str(&format!(" {url} "));
            }
            Inline::Image { alt, src, .. } => s.push_str(&format!(" {alt} {src} ")),
            Inline::Component { name, props, label } => {
                s.push_str(&token(name, &sorted(props)));
                inlines_text(label, s);
            }
            Inline::SoftBreak | Inline::HardBreak => s.push(' '),
        }
    }
}

// ---------------------------------------------------------------------------------
// Haystack 2: the written Markdown source, without a parser. Escapes are undone and
// quote/list markers dropped outside code fences; MDC components become tokens.

fn source_text(md: &str) -> String {
    let body = md
        .strip_prefix("---\n")
        .and_then(|r| r.split_once("\n---\n"))
        .map_or(md, |(_, b)| b);
    let mut out = String::new();
    let mut fence: Option<String> = None;
    for line in body.lines() {
        let trimmed = line.trim_start_matches([' ', '>']).trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        if let Some(f) = &fence {
            if marker.len() >= f.len() && trimmed.trim() == marker && marker.starts_with(&f[..1]) {
                fence = None;
            } else {
                out.push_str(line.trim());
            }
            out.push('\n');
            continue;
        }
        if marker.len() >= 3 {
            fence = Some(marker);
            out.push('\n');
            continue;
        }
        // List markers and quote markers are layout, not text.
        let mut t = trimmed;
        for m in ["- ", "* "] {
            t = t.strip_prefix(m).unwrap_or(t);
        }
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && matches!(t.as_bytes().get(digits), Some(b'.' | b')')) {
            t = &t[digits + 1..];
        }
        out.push_str(&components_to_tokens(t));
        out.push('\n');
    }
    out
}

/// `::name{k="v"}` and `:name{k="v"}` → tokens; `\x` → `x`; table pipes → spaces.
fn components_to_tokens(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() {
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '|' {
            out.push_str(" | ");
            i += 1;
            continue;
        }
        if c == ':'
            && chars
                .get(i + 1)
                .is_some_and(|n| *n == ':' || n.is_ascii_alphabetic())
        {
            let mut j = i;
            while j < chars.len() && chars[j] == ':' {
                j += 1;
            }
            let name_start = j;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '-') {
                j += 1;
            }
            let name: String = chars[name_start..j].iter().collect();
            if !name.is_empty() && chars.get(j) == Some(&'{') {
                let close = chars[j..].iter().position(|c| *c == '}').map(|p| j + p);
                if let Some(close) = close {
                    let inner: String = chars[j + 1..close].iter().collect();
                    out.push_str(&token(&name, &parse_props(&inner)));
                    i = close + 1;
                    continue;
                }
            }
            if !name.is_empty() && j == chars.len() {
                out.push_str(&token(&name, &[]));
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn parse_props(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_string();
        let after = &rest[eq + 1..];
        let q = after.chars().next().unwrap_or('"');
        let end = after[1..].find(q).map_or(after.len(), |p| p + 1);
        out.push((key, after[1..end].to_string()));
        rest = after.get(end + 1..).unwrap_or("").trim();
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------

fn import_seed(dir: &Path) {
    import_nuxt(&seed_payload(), dir, false).unwrap();
}

#[test]
fn seed_import_writes_every_page_and_story() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("content");
    let report = import_nuxt(&seed_payload(), &out, false).unwrap();
    assert_eq!((report.projects, report.posts, report.stories), (9, 6, 6));
    for f in [
        "projects/cloudform-ui.md",
        "blog/embedding-external-content.md",
        "stories/01-data-center.yml",
        "site.yml",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // No temporary files left behind.
    for sub in ["projects", "blog", "stories"] {
        for e in std::fs::read_dir(out.join(sub)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            assert!(!name.starts_with('.'), "stray {sub}/{name}");
        }
    }
}

#[test]
fn reimport_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    import_seed(&a);
    import_seed(&b);
    // And over itself, with --force.
    import_nuxt(&seed_payload(), &b, true).unwrap();
    let mut n = 0;
    for sub in ["", "projects", "blog", "stories"] {
        for e in std::fs::read_dir(a.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let rel = p.strip_prefix(&a).unwrap();
                assert_eq!(
                    std::fs::read(&p).unwrap(),
                    std::fs::read(b.join(rel)).unwrap(),
                    "{rel:?}"
                );
                n += 1;
            }
        }
    }
    assert_eq!(n, 22);
}

#[test]
fn cli_refuses_a_non_empty_directory_without_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let out = bin()
        .args(["import-nuxt"])
        .arg(seed_payload())
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert!(
        !dir.path().join("projects").exists(),
        "wrote despite refusing"
    );

    let out = bin()
        .args(["import-nuxt"])
        .arg(seed_payload())
        .arg("--out")
        .arg(dir.path())
        .arg("--force")
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let msg = String::from_utf8_lossy(&out.stdout);
    assert!(msg.contains("9 projects, 6 posts, 6 stories"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn written_source_holds_every_fact_of_the_payload_in_order() {
    let dir = tempfile::tempdir().unwrap();
    import_seed(dir.path());
    let root = seed();
    let mut total = 0;
    for (collection, slug, item) in pages(&root) {
        let facts = page_facts(&item);
        total += facts.len();
        let md =
            std::fs::read_to_string(dir.path().join(format!("{collection}/{slug}.md"))).unwrap();
        if let Err(e) = check_in_order(&facts, &source_text(&md)) {
            panic!("{collection}/{slug}.md: {e}");
        }
    }
    assert!(total > 500, "the oracle found only {total} facts");
}

#[test]
fn loaded_documents_hold_every_fact_of_the_payload_in_order() {
    let dir = tempfile::tempdir().unwrap();
    import_seed(dir.path());
    let index = sshfolio::content::load(dir.path()).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let root = seed();
    for (collection, slug, item) in pages(&root) {
        let key = format!("{collection}/{slug}");
        let page = index
            .find(&key)
            .unwrap_or_else(|| panic!("{key} not loaded"));
        let doc = index.body(page).unwrap();
        if let Err(e) = check_in_order(&page_facts(&item), &doc_text(doc)) {
            panic!("{key}: {e}");
        }
        assert_eq!(index.title(page), item["title"].as_str(), "{key} title");
    }
}

#[test]
fn loaded_front_matter_and_stories_match_the_payload() {
    let dir = tempfile::tempdir().unwrap();
    import_seed(dir.path());
    let index = sshfolio::content::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let root = seed();
    let s = |v: &Json| v.as_str().map(str::to_string);
    for item in root["data"]["home-projects"].as_array().unwrap() {
        let slug = item["stem"]
            .as_str()
            .unwrap()
            .trim_start_matches("projects/");
        let p = index
            .projects
            .iter()
            .find(|p| p.slug == slug)
            .unwrap_or_else(|| panic!("{slug}"));
        assert_eq!(Some(p.title.clone()), s(&item["title"]));
        assert_eq!(Some(p.description.clone()), s(&item["description"]));
        assert_eq!(Some(p.order), item["order"].as_i64());
        assert_eq!(p.region, s(&item["region"]));
        assert_eq!(p.rack_bay, s(&item["rackBay"]));
        assert_eq!(p.live_url, s(&item["liveUrl"]));
        assert_eq!(p.thumbnail, s(&item["thumbnail"]));
        assert_eq!(p.hash, s(&item["hash"]));
        assert_eq!(p.vault, item["vault"].as_bool().unwrap_or(false));
    }
    for item in root["data"]["home-blog"].as_array().unwrap() {
        let slug = item["stem"].as_str().unwrap().trim_start_matches("blog/");
        let p = index
            .posts
            .iter()
            .find(|p| p.slug == slug)
            .unwrap_or_else(|| panic!("{slug}"));
        assert_eq!(Some(p.title.clone()), s(&item["title"]));
        assert_eq!(Some(p.date.to_string()), s(&item["date"]));
        assert_eq!(p.read_time, s(&item["readTime"]));
        let tags: Vec<String> = item["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(s)
            .collect();
        assert_eq!(p.tags, tags);
    }
    let stories: HashMap<&str, &Json> = root["data"]["nav-stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["stem"].as_str().unwrap().trim_start_matches("stories/"),
                i,
            )
        })
        .collect();
    assert_eq!(index.stories.len(), stories.len());
    for st in &index.stories {
        let item = stories[st.id.as_str()];
        assert_eq!(Some(st.label.clone()), s(&item["label"]));
        assert_eq!(Some(st.text.clone()), s(&item["text"]));
        assert_eq!(st.image, s(&item["image"]));
        assert_eq!(st.link, s(&item["link"]));
        assert_eq!(Some(st.order), item["order"].as_i64());
        let color = st
            .color
            .map(|c| format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2));
        assert_eq!(color, s(&item["color"]));
    }
    assert!(
        index
            .site
            .links
            .iter()
            .any(|l| l.url == "https://x.com/abbeytetteh_")
    );
}

#[test]
fn the_swallowing_embeds_are_written_closed_and_childless() {
    let files = convert(&std::fs::read(seed_payload()).unwrap()).unwrap();
    let post = files
        .iter()
        .find(|f| f.path.ends_with("embedding-external-content.md"))
        .unwrap();
    // Component lines outside code fences (the post's fenced examples show `::x{}` too).
    let mut in_fence = false;
    let mut lines = Vec::new();
    for l in post.contents.lines() {
        if l.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            lines.push(l);
        }
    }
    let openings: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::") && l.len() > 2)
        .collect();
    assert_eq!(openings.len(), 7, "{openings:?}");
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("::") && l.len() > 2 {
            assert_eq!(
                lines.get(i + 1),
                Some(&"::"),
                "{l} is not closed right away"
            );
        }
    }
    // Nothing of the post is lost: its last words come after the last embed.
    let last_embed = post.contents.rfind("::github").unwrap();
    assert!(post.contents[..last_embed].contains("The repo from the talk:"));
}

// ---------------------------------------------------------------------------------
// Hostile payloads: an error that says what is wrong, never a panic or a hang.

fn err_of(payload: &[u8]) -> String {
    convert(payload)
        .map(|f| format!("unexpected success: {} files", f.len()))
        .unwrap_err_or_msg()
}

trait ErrMsg {
    fn unwrap_err_or_msg(self) -> String;
}

impl ErrMsg for Result<String, sshfolio::content::import::ImportError> {
    fn unwrap_err_or_msg(self) -> String {
        match self {
            Ok(s) => panic!("{s}"),
            Err(e) => e.to_string(),
        }
    }
}

#[test]
fn hostile_payloads_are_clear_errors() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"<html>not json</html>".to_vec(), "not valid JSON"),
        (b"".to_vec(), "not valid JSON"),
        (br#"{"data":{}}"#.to_vec(), "expected a JSON array"),
        (b"[]".to_vec(), "empty"),
        (br#"[{"data":1},{"a":1}]"#.to_vec(), "cyclic"),
        (br#"[{"data":1},["ShallowReactive",0]]"#.to_vec(), "cyclic"),
        (br#"[{"prerenderedAt":1},5]"#.to_vec(), "no `data`"),
        (br#"[{"data":1},"text"]"#.to_vec(), "`data` is a string"),
        (br#"[{"data":1},{"home-projects":2},[3],{"stem":4,"body":5},"projects/x",7]"#.to_vec(), "body"),
        (br#"[{"data":1},{"home-projects":2},[3],{"stem":4,"body":5},"projects/../../x",{}]"#.to_vec(), "plain file name"),
        (br#"[{"data":1},{"other":2},[]]"#.to_vec(), "no projects"),
        (br#"[{"data":1},{"home-projects":2},[3],{"stem":4,"body":5},"projects/x",{"type":6,"value":7},"minimark",[8],[9,10,11],"p",{},42]"#.to_vec(), "projects/x: body value[0][2]: expected a string"),
        (br#"[{"data":99}]"#.to_vec(), "not in the array"),
        (br#"[["Uint8Array","AAAA"]]"#.to_vec(), "unsupported devalue type"),
    ];
    for (payload, want) in cases {
        let msg = err_of(&payload);
        assert!(
            msg.contains(want),
            "{:?}: got {msg:?}, want {want:?}",
            String::from_utf8_lossy(&payload)
        );
    }
}

#[test]
fn hostile_nesting_is_an_error_not_a_stack_overflow() {
    // 100k levels of JSON brackets.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(err_of(deep.as_bytes()).contains("not valid JSON"));
    // 100k levels of references, each entry pointing at the next.
    let mut chain = String::from("[{\"data\":1}");
    for i in 2..100_000 {
        chain.push_str(&format!(",[{i}]"));
    }
    chain.push_str(",\"end\"]");
    assert!(err_of(chain.as_bytes()).contains("levels deep"));
    // A minimark body nested 100k deep.
    let mut body = String::from(
        r#"[{"data":1},{"home-projects":2},[3],{"stem":4,"body":5},"projects/x",{"type":6,"value":7},"minimark",[9],"div""#,
    );
    for i in 10..100_000 {
        body.push_str(&format!(",[8,-1,{i}]"));
    }
    body.push_str(r#","leaf"]"#);
    assert!(err_of(body.as_bytes()).contains("levels deep"));
}

#[test]
fn cli_reports_a_bad_payload_with_its_path_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("_payload.json");
    std::fs::write(&payload, "[[0]]").unwrap();
    let out = bin()
        .arg("import-nuxt")
        .arg(&payload)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("_payload.json") && err.contains("cyclic"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

/// A fixed-seed stand-in for the fuzz target: thousands of mutations of the seed, at
/// the byte level and at the level of devalue references, must never panic.
#[test]
fn mutated_seed_payloads_never_panic() {
    let seed = std::fs::read(seed_payload()).unwrap();
    let values: Vec<Json> = serde_json::from_slice(&seed).unwrap();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut ok = 0;
    // ~15 ms a round in an unoptimised test build: 2000 rounds keep this under a minute.
    for round in 0..2000 {
        let bytes = if round % 2 == 0 {
            // Byte mutations: flip, delete, duplicate a range.
            let mut b = seed.clone();
            for _ in 0..(next() % 4 + 1) {
                let len = b.len().max(1) as u64;
                let i = (next() % len) as usize;
                match next() % 3 {
                    0 => b[i] = next() as u8,
                    1 => {
                        let end = (i + (next() % 64) as usize).min(b.len());
                        b.drain(i..end);
                    }
                    _ => {
                        let end = (i + (next() % 64) as usize).min(b.len());
                        let chunk = b[i..end].to_vec();
                        b.splice(i..i, chunk);
                    }
                }
                if b.is_empty() {
                    break;
                }
            }
            b
        } else {
            // Structural mutations: point references elsewhere (cycles, sharing,
            // wrong types), or replace values with other types.
            let mut v = values.clone();
            for _ in 0..(next() % 6 + 1) {
                let i = (next() % v.len() as u64) as usize;
                let target = Json::from((next() % (v.len() as u64 + 3)) as i64 - 1);
                match &mut v[i] {
                    Json::Array(a) if !a.is_empty() => {
                        let j = (next() % a.len() as u64) as usize;
                        a[j] = target;
                    }
                    Json::Object(o) if !o.is_empty() => {
                        let j = (next() % o.len() as u64) as usize;
                        let key = o.keys().nth(j).unwrap().clone();
                        o.insert(key, target);
                    }
                    other => {
                        *other = match next() % 4 {
                            0 => Json::Null,
                            1 => Json::from(-7),
                            2 => Json::from("[\"p\",{}]"),
                            _ => Json::Array(vec![Json::from("p"), target]),
                        }
                    }
                }
            }
            serde_json::to_vec(&v).unwrap()
        };
        if convert(&bytes).is_ok() {
            ok += 1;
        }
    }
    // Some mutations are harmless (a changed letter in a paragraph) and must import.
    assert!(ok > 0, "no mutated payload imported at all");
}
