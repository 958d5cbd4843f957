//! The module graph of `src/`, read from its `crate::` and `super::` paths: no module
//! imports a sibling that imports it back (directly or around a longer circle), and the
//! lower layers never reach up (`content`, `render` and `ssh` never import `tui`; `tui`
//! never imports `session` or `ssh`; `content` never imports `render`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path such as `["content", "model"]` (the crate root is `[]`).
type Module = Vec<String>;

/// Every module of the library with the paths its non-test code names.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    collect(src, &mut files);
    let mut sources = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap().with_extension("");
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts == ["main"] {
            continue; // the binary, not the library
        }
        let module = if parts == ["lib"] { Vec::new() } else { parts };
        sources.insert(module, std::fs::read_to_string(&f).unwrap());
    }
    let modules: BTreeSet<Module> = sources.keys().cloned().collect();
    sources
        .iter()
        .map(|(m, text)| {
            let refs = paths(text, m)
                .into_iter()
                .map(|p| longest_module(&p, &modules))
                .collect();
            (m.clone(), refs)
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module paths named by `text` (the file of module `m`), up to its tests.
fn paths(text: &str, m: &Module) -> Vec<Module> {
    if text.contains("#![cfg(test)]") {
        return Vec::new();
    }
    // Code only: comments dropped, and the test module at the end left out.
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        let t = l.trim_start();
        if t.starts_with("#[cfg(test)]") && lines.peek().is_some_and(|n| n.contains("mod tests")) {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        code.push_str(l);
        code.push('\n');
    }
    let mut out = Vec::new();
    // `use` declarations, braces expanded: `use crate::a::{b, c::d};`.
    for stmt in code.split(';') {
        let Some(i) = stmt.find("use ") else { continue };
        let before = &stmt[..i];
        if !before.trim().is_empty()
            && !before.trim_end().ends_with("pub")
            && !before.trim_end().ends_with(')')
            && !before.trim_end().ends_with('}')
        {
            continue;
        }
        let tree = without_renames(&stmt[i + 4..]);
        for p in expand(&tree) {
            if let Some(abs) = absolute(&p, m) {
                out.push(abs);
            }
        }
    }
    // Paths written in place: `crate::render::width::str_width(..)`, `super::images::X`.
    for start in ["crate::", "super::"] {
        for (i, _) in code.match_indices(start) {
            let prev = code[..i].chars().next_back();
            if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
                continue;
            }
            let rest = &code[i..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            if rest[end..].starts_with('{') {
                continue; // a use tree, read above
            }
            if let Some(abs) = absolute(rest[..end].trim_end_matches(':'), m) {
                out.push(abs);
            }
        }
    }
    out
}

/// A use tree with its renames (`x as y`) and whitespace left out.
fn without_renames(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "as" {
            // Skip the new name, keep what closes the tree after it (`y},`).
            let rest = words.get(i + 1).copied().unwrap_or("");
            let cut = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'));
            out.push_str(cut.map_or("", |c| &rest[c..]));
            i += 2;
            continue;
        }
        out.push_str(words[i]);
        i += 1;
    }
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    (parts.into_iter().filter(|p| !p.is_empty()))
        .flat_map(|p| expand(p))
        .map(|p| format!("{prefix}{p}"))
        .collect()
}

/// A `crate::`, `super::` or `self::` path as an absolute module path (other paths —
/// std, other crates — are `None`).
fn absolute(path: &str, m: &Module) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut base: Module = match segs.next()? {
        "crate" => Vec::new(),
        "self" => m.clone(),
        "super" => m[..m.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    for s in segs {
        match s {
            "super" => {
                base.pop();
            }
            "self" | "*" => {}
            s => base.push(s.to_string()),
        }
    }
    Some(base)
}

/// The longest prefix of `p` that is a module (a path names an item in it).
fn longest_module(p: &Module, modules: &BTreeSet<Module>) -> Module {
    (0..=p.len())
        .rev()
        .map(|n| p[..n].to_vec())
        .find(|m| modules.contains(m))
        .unwrap_or_default()
}

/// For every module, the edges between its children (`a` → `b` when code under `a`
/// names something under `b`), and a circle among them if there is one.
fn sibling_cycles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    let mut parents: BTreeSet<Module> = BTreeSet::new();
    for m in g.keys() {
        for n in 0..m.len() {
            parents.insert(m[..n].to_vec());
        }
    }
    let mut cycles = Vec::new();
    for parent in parents {
        let child_of = |m: &Module| -> Option<Module> {
            (m.len() > parent.len() && m.starts_with(&parent)).then(|| m[..=parent.len()].to_vec())
        };
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (from, refs) in g {
            let Some(a) = child_of(from) else { continue };
            for to in refs {
                if let Some(b) = child_of(to)
                    && a != b
                {
                    edges.entry(a.clone()).or_default().insert(b);
                }
            }
        }
        if let Some(c) = find_cycle(&edges) {
            cycles.push(c);
        }
    }
    cycles
}

/// A circle in a directed graph, as the nodes around it, if there is one.
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        n: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            return Some(path[i..].to_vec());
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.clone());
        for next in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.clone());
        None
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn show(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn no_module_imports_a_sibling_that_imports_it_back() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(g.len() > 50, "read {} modules", g.len());
    let cycles: Vec<String> = sibling_cycles(&g)
        .iter()
        .map(|c| c.iter().map(show).collect::<Vec<_>>().join(" → "))
        .collect();
    assert!(cycles.is_empty(), "import circles: {cycles:#?}");
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let rules: &[(&str, &[&str])] = &[
        ("content", &["tui", "session", "ssh", "render"]),
        ("render", &["tui", "session", "ssh"]),
        ("ssh", &["tui"]),
        ("tui", &["session", "ssh"]),
    ];
    let mut broken = Vec::new();
    for (from, refs) in &g {
        for (low, high) in rules {
            if from.first().map(String::as_str) != Some(*low) {
                continue;
            }
            for to in refs {
                if to.first().is_some_and(|t| high.contains(&t.as_str())) {
                    broken.push(format!("{} → {}", show(from), show(to)));
                }
            }
        }
    }
    assert!(broken.is_empty(), "imports up the layers: {broken:#?}");
}

#[test]
fn the_reader_of_paths_finds_circles_and_layer_breaks() {
    let m = |s: &str| -> Module { s.split("::").map(String::from).collect() };
    // Braces, `super`, `self` and renames are read as the compiler reads them.
    let here = m("content::images");
    let mut found = paths(
        "use super::{model::Rgb, doc};\nuse crate::tui::{self as t, views::fast};\nfn f(_: super::images::P) {}",
        &here,
    );
    found.sort();
    found.dedup();
    let want = [
        m("content::doc"),
        m("content::images::P"),
        m("content::model::Rgb"),
        m("tui"),
        m("tui::views::fast"),
    ];
    assert_eq!(found, want);
    assert!(paths("//! use crate::tui::App;\nfn f() {}", &here).is_empty());
    // A circle of three is found, a chain is not.
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    edges.entry(m("a")).or_default().insert(m("b"));
    edges.entry(m("b")).or_default().insert(m("c"));
    assert_eq!(find_cycle(&edges), None);
    edges.entry(m("c")).or_default().insert(m("a"));
    assert_eq!(find_cycle(&edges).map(|c| c.len()), Some(3));
}
