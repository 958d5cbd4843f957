//! Reload cost: the time to rebuild the content index from disk (what the watcher does
//! in `spawn_blocking` after each save), for the seed content and for the seed plus
//! 1,000 generated posts of realistic size (headings, paragraphs, lists, a code block).
//! The same two indexes measure search: what one keystroke in the search screen costs
//! (the query on the engine built with the index, then the snippets of the results on a
//! 30-row screen), and the engine's build alone.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A post of about 600 words: front matter, three sections, a list, a code block.
fn generated_post(i: usize) -> String {
    let para = "Packets leave the host, cross the overlay, and arrive a little smaller \
                than they set out; the *tunnel* takes its share and the **MTU** decides \
                whether the rest fits. We measured it with `ping -M do` and wrote it down.";
    let mut body = String::new();
    for s in 0..3 {
        body.push_str(&format!("## Section {s} of post {i}\n\n"));
        for _ in 0..4 {
            body.push_str(para);
            body.push_str("\n\n");
        }
        body.push_str("- first point\n- second point with `code`\n- third point\n\n");
    }
    body.push_str(
        "```bash\ndocker network create --opt com.docker.network.driver.mtu=1450 net\n```\n",
    );
    format!(
        "---\ntitle: \"Generated post {i}\"\ndescription: Post number {i}.\ndate: 2025-{:02}-{:02}\n\
         readTime: 3 min\ntags:\n  - Tag{}\n  - Bench\n---\n\n{body}",
        i % 12 + 1,
        i % 28 + 1,
        i % 20
    )
}

fn benches(c: &mut Criterion) {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    c.bench_function("reload seed content", |b| {
        b.iter(|| black_box(sshfolio::content::load(&seed).unwrap()))
    });

    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("content");
    copy_dir(&seed, &big);
    for i in 0..1000 {
        std::fs::write(big.join(format!("blog/gen-{i:04}.md")), generated_post(i)).unwrap();
    }
    let index = sshfolio::content::load(&big).unwrap();
    assert_eq!(index.posts.len(), 1006);
    let mut g = c.benchmark_group("reload big");
    g.sample_size(20);
    g.bench_function("reload seed + 1,000 generated posts", |b| {
        b.iter(|| black_box(sshfolio::content::load(&big).unwrap()))
    });
    g.finish();

    let seed_index = sshfolio::content::load(&seed).unwrap();
    let mut g = c.benchmark_group("search");
    for q in ["swarm openstack", "iptables mangle", "packets ", "netw"] {
        g.bench_function(format!("seed: {q:?}"), |b| {
            b.iter(|| black_box(search_shown(&seed_index, q)))
        });
        g.bench_function(format!("seed + 1,000: {q:?}"), |b| {
            b.iter(|| black_box(search_shown(&index, q)))
        });
    }
    let long = "x".repeat(10_000);
    g.bench_function("seed + 1,000: 10,000-char query", |b| {
        b.iter(|| black_box(search_shown(&index, &long)))
    });
    g.sample_size(10);
    g.bench_function("build the engine for seed + 1,000", |b| {
        b.iter(|| black_box(sshfolio::content::search::Engine::build(&index)))
    });
    g.finish();
}

/// Results a 30-row terminal shows at once (a title row and a snippet row each).
const SHOWN: usize = 12;

/// A keystroke in the search screen: the query, then the snippets of the rows shown.
fn search_shown(index: &sshfolio::content::Index, q: &str) -> Vec<String> {
    let engine = index.engine();
    let hits = engine.search(q);
    hits.iter()
        .take(SHOWN)
        .map(|h| engine.snippet(h, q))
        .collect()
}

criterion_group!(reload, benches);
criterion_main!(reload);
