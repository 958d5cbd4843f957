//! A hand-built document holding every block and inline kind, plus hostile extremes:
//! the fixture of the renderer's tests, examples and benchmarks.

use crate::content::doc::{Align, Block, Document, Inline, Props};

fn t(s: &str) -> Inline {
    Inline::Text(s.to_string())
}

fn p(inlines: Vec<Inline>) -> Block {
    Block::Paragraph(inlines)
}

fn h(level: u8, id: &str, text: &str) -> Block {
    Block::Heading {
        level,
        id: id.to_string(),
        content: vec![t(text)],
    }
}

fn code(lang: &str, code: &str) -> Block {
    Block::Code {
        lang: (!lang.is_empty()).then(|| lang.to_string()),
        code: code.into(),
    }
}

fn comp(name: &str, props: &[(&str, &str)], children: Vec<Block>, closed: bool) -> Block {
    Block::Component {
        name: name.to_string(),
        props: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        children,
        slots: Vec::new(),
        closed,
        line: 0,
    }
}

fn cells(texts: &[&str]) -> Vec<Vec<Inline>> {
    texts.iter().map(|s| vec![t(s)]).collect()
}

/// The seed's two tables.
pub fn seed_tables() -> Vec<Block> {
    vec![
        Block::Table {
            align: vec![Align::None; 3],
            header: cells(&["Source", "Destination", "Result"]),
            rows: vec![
                cells(&[
                    "Monitoring node (outside OpenStack)",
                    "Email service (inside OpenStack)",
                    "✅ Works",
                ]),
                cells(&[
                    "Old test node (outside OpenStack)",
                    "Email service (inside OpenStack)",
                    "✅ Works",
                ]),
                cells(&[
                    "New test node (inside OpenStack)",
                    "Email service (inside OpenStack)",
                    "❌ Fails",
                ]),
            ],
        },
        Block::Table {
            align: vec![Align::None; 2],
            header: cells(&[
                "What we thought the problem was",
                "Docker overlay MTU mismatch",
            ]),
            rows: vec![
                cells(&[
                    "What the problem actually was",
                    "Docker (MTU 1500) vs OpenStack interface (MTU 1450) mismatch on outbound TCP from OpenStack nodes",
                ]),
                cells(&[
                    "Why it only affected OpenStack nodes",
                    "Outside nodes have real 1500 MTU interfaces with no mismatch",
                ]),
                vec![
                    vec![t("Where the fix lives")],
                    vec![
                        t("Manually on existing nodes, baked into Heat "),
                        Inline::Code("user_data".into()),
                        t(" for ASG nodes"),
                    ],
                ],
            ],
        },
    ]
}

/// Every kind of block and inline, with ordinary content.
pub fn rich_document() -> Document {
    let mut blocks = vec![
        h(1, "a-title", "A title at level one"),
        p(vec![
            t("Plain text with "),
            Inline::Strong(vec![t("bold")]),
            t(", "),
            Inline::Emphasis(vec![t("italic")]),
            t(", "),
            Inline::Code("inline code".into()),
            t(", "),
            Inline::Strikethrough(vec![t("struck")]),
            t(" and a "),
            Inline::Link {
                url: "https://example.com/docs".into(),
                title: None,
                content: vec![t("link to the docs")],
            },
            t(". An autolink: "),
            Inline::Link {
                url: "https://example.org".into(),
                title: None,
                content: vec![t("https://example.org")],
            },
            t(". Emoji 🗺️ map, 🚀 rocket, CJK 日本語のテキスト, dashes — and arrows → ’quotes’."),
            Inline::SoftBreak,
            t("Thanks to "),
            Inline::Component {
                name: "mention".into(),
                props: vec![("name".into(), "Joe".into())],
                label: vec![],
            },
            t(" for reviewing."),
            Inline::HardBreak,
            t("After a hard break."),
        ]),
        h(2, "second-level", "Second level heading"),
        p(vec![t(
            "A longer paragraph that has to wrap several times at narrow widths, so that the \
             hanging of words is visible: supercalifragilisticexpialidocious-and-then-some-more.",
        )]),
        h(3, "third-level", "Third level"),
        h(4, "fourth", "Fourth level"),
        h(5, "fifth", "Fifth level"),
        h(6, "sixth", "Sixth level"),
        Block::Quote(vec![
            p(vec![
                t("A quote with a "),
                Inline::Strong(vec![t("strong")]),
                t(" word."),
            ]),
            Block::Quote(vec![p(vec![t("A nested quote.")])]),
        ]),
        Block::List {
            start: None,
            items: vec![
                vec![p(vec![t("First bullet")])],
                vec![
                    p(vec![t(
                        "Second bullet, long enough to wrap onto a hanging indent line",
                    )]),
                    Block::List {
                        start: None,
                        items: vec![
                            vec![p(vec![t("Nested bullet")])],
                            vec![
                                p(vec![t("Nested again")]),
                                Block::List {
                                    start: None,
                                    items: vec![vec![p(vec![t("Third level bullet")])]],
                                },
                            ],
                        ],
                    },
                ],
            ],
        },
        Block::List {
            start: Some(8),
            items: (0..4)
                .map(|i| vec![p(vec![t(&format!("Ordered item {i}"))])])
                .collect(),
        },
        Block::Rule,
        code(
            "yaml",
            "name: sshfolio\nversion: 1\nlist:\n  - a\n  - \"b\"\n",
        ),
        code("bash", "#!/bin/bash\necho \"hello $USER\" | tr a-z A-Z\n"),
        code(
            "go",
            "package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n",
        ),
        code(
            "ts",
            "const x: number = 42;\nexport function f(a: string): void {}\n",
        ),
        code("python", "def f(x):\n    return x * 2  # double\n"),
        code("sql", "SELECT id, name FROM users WHERE id = 1;\n"),
        code("json", "{\"a\": [1, 2, 3], \"b\": null}\n"),
        code("md", "# Title\n\nSome *markdown*.\n"),
        code("text", "plain text block\n"),
        code("", "no language at all\n"),
        code("brainfudge", "++++[>++<-]\n"),
        Block::Image {
            alt: "A diagram of the network".into(),
            src: "/images/network.gif".into(),
            title: None,
        },
        Block::Image {
            alt: String::new(),
            src: "/images/no-alt.gif".into(),
            title: None,
        },
        Block::Html("<div class=\"note\">raw html</div>".into()),
        comp(
            "youtube",
            &[("id", "dQw4w9WgXcQ"), ("title", "Never gonna give you up")],
            vec![],
            true,
        ),
        comp("tweet", &[("id", "1234567890")], vec![], true),
        comp(
            "instagram",
            &[
                ("id", "CxYz123"),
                ("author", "someone"),
                ("caption", "A caption here"),
            ],
            vec![],
            true,
        ),
        comp(
            "spotify",
            &[("id", "4uLU6hMCjMI75M1A2tKUQC"), ("type", "track")],
            vec![],
            true,
        ),
        comp(
            "github",
            &[
                ("repo", "owner/project"),
                ("description", "A project description"),
                ("language", "Rust"),
                ("stars", "1234"),
            ],
            vec![],
            true,
        ),
        comp(
            "callout",
            &[("type", "warning")],
            vec![p(vec![t("Inside an unknown component.")])],
            true,
        ),
        comp(
            "youtube",
            &[("id", "unclosed1"), ("title", "An unclosed embed")],
            vec![p(vec![t("Swallowed paragraph after the unclosed embed.")])],
            false,
        ),
    ];
    blocks.extend(seed_tables());
    Document { blocks }
}

/// The rich document plus hostile extremes: a 10,000-column code line, a 60-column
/// table, a component with 1,000 props, and 500 levels of nested quotes and lists.
pub fn hostile_document() -> Document {
    let mut doc = rich_document();
    let long = "x".repeat(10_000);
    doc.blocks
        .push(code("bash", &format!("echo {long}\nshort line\n")));
    doc.blocks.push(Block::Table {
        align: vec![Align::Right; 60],
        header: (0..60).map(|i| vec![t(&format!("h{i}"))]).collect(),
        rows: vec![(0..60).map(|i| vec![t(&format!("cell{i}"))]).collect()],
    });
    let props: Props = (0..1_000)
        .map(|i| (format!("k{i}"), format!("v{i}")))
        .collect();
    doc.blocks.push(Block::Component {
        name: "weird".into(),
        props,
        children: vec![],
        slots: vec![],
        closed: true,
        line: 0,
    });
    doc.blocks.push(deep_nesting(500));
    doc
}

/// `depth` levels alternating quotes and lists, with text at the bottom.
pub fn deep_nesting(depth: usize) -> Block {
    let mut b = p(vec![t("the bottom of a very deep nest")]);
    for i in 0..depth {
        b = if i % 2 == 0 {
            Block::Quote(vec![b])
        } else {
            Block::List {
                start: None,
                items: vec![vec![b]],
            }
        };
    }
    b
}
