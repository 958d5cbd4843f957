//! Engine tests on small hand-made indexes (the seed's are in tests/tui.rs).

use super::*;
use crate::content::model::Post;
use crate::content::{Block, Document, Inline};

fn post(slug: &str, title: &str, tags: &[&str], body: &str) -> Post {
    Post {
        slug: slug.into(),
        title: title.into(),
        description: format!("About {slug}."),
        date: Default::default(),
        read_time: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        thumbnail: None,
        body: Document {
            blocks: vec![Block::Paragraph(vec![Inline::Text(body.into())])],
        },
        source: format!("blog/{slug}.md").into(),
    }
}

fn engine() -> Engine {
    let mut ix = Index::default();
    ix.posts = vec![
        post(
            "swarm-a",
            "Swarm on OpenStack",
            &["docker"],
            "Nodes and managers.",
        ),
        post(
            "swarm-b",
            "Highly available services",
            &["swarm"],
            "We ran it on OpenStack VMs.",
        ),
        post(
            "mtu",
            "When packets disappear",
            &["network"],
            "Use iptables -t mangle to clamp.",
        ),
        post("greek", "Words", &[], "ὁ σοφος λέγει. Die Straße."),
        post("openstack", "Notes", &["openstack"], "Only openstack here."),
    ];
    Engine::build(&ix)
}

fn slugs(e: &Engine, q: &str) -> Vec<usize> {
    e.search(q)
        .iter()
        .map(|h| match h.doc {
            Doc::Page(PageRef::Post(i)) => i,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn every_word_must_match_in_any_order_and_field() {
    let e = engine();
    let mut got = slugs(&e, "swarm openstack");
    got.sort();
    assert_eq!(got, vec![0, 1]);
    assert_eq!(slugs(&e, "openstack swarm ").len(), 2);
    assert_eq!(slugs(&e, "iptables mangle"), vec![2]);
    assert_eq!(slugs(&e, "mangle nosuchword "), Vec::<usize>::new());
}

#[test]
fn stems_case_and_prefix() {
    let e = engine();
    assert_eq!(slugs(&e, "PACKET "), vec![2]);
    assert_eq!(slugs(&e, "ΣΟΦΟΣ"), vec![3]);
    assert_eq!(slugs(&e, "strasse"), vec![3]);
    assert_eq!(slugs(&e, "iptables man"), vec![2]);
}

#[test]
fn title_and_tag_hits_come_first_with_a_snippet() {
    let e = engine();
    let hits = e.search("openstack ");
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].rank, Rank::Title);
    assert_eq!(hits[0].doc, Doc::Page(PageRef::Post(0)));
    assert_eq!(hits[1].rank, Rank::Meta);
    assert_eq!(e.snippet(&hits[1], "openstack "), "#openstack");
    assert_eq!(hits[2].rank, Rank::Body);
    let body = e.snippet(&hits[2], "openstack ");
    assert!(body.contains("OpenStack VMs"), "{:?}", hits[2]);
}

#[test]
fn hostile_queries_are_bounded_and_plain() {
    let e = engine();
    assert!(e.search(&".*(?[]\\^$|+{}".repeat(800)).is_empty());
    assert!(e.search(&"x".repeat(10_000)).is_empty());
    assert_eq!(slugs(&e, &"mangle ".repeat(2_000)), vec![2]);
    assert!(Engine::default().search("anything").is_empty());
}

#[test]
fn one_pass_counts_and_finds_as_the_word_list_does() {
    // The oracle: count over `words` as ranking did, and `find`'s first range as the
    // snippet did, on every text of the bundled site.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let index = crate::content::load(&dir).unwrap();
    let items = text::items(&index);
    for q in [
        "packets ",
        "netw",
        "iptables man",
        "swarm openstack",
        "the mtu",
        "ΣΟΦΟΣ d",
    ] {
        let terms = Terms::parse(q);
        let last = terms.stems.len() - 1;
        let prefixed = |raw: &str| terms.prefix.as_deref().is_some_and(|p| raw.starts_with(p));
        for (_, item) in &items {
            let texts = (item.body.iter().map(|b| &**b))
                .chain(item.meta.iter().map(String::as_str))
                .chain([item.title.as_str()]);
            for t in texts {
                let words = analyze::words(t);
                let count = (terms.stems.iter().enumerate())
                    .filter(|(i, s)| {
                        (words.iter()).any(|(_, st, raw)| st == *s || (*i == last && prefixed(raw)))
                    })
                    .count();
                let first = terms.find(t).first().map(|r| r.start);
                assert_eq!(terms.count_and_first(t), (count, first), "{q:?} in {t:?}");
            }
        }
    }
}
