//! A small YAML writer for front matter and story files: block mappings and sequences,
//! keys in the order given, scalars plain when that reads back as the same string and
//! double-quoted otherwise. Output always parses back with serde_yaml to the same values.

use super::devalue::Value;

/// Write `entries` as a top-level block mapping (each line ends with `\n`). Null and
/// undefined values are omitted.
pub(crate) fn mapping(entries: &[(String, Value)]) -> String {
    let mut out = String::new();
    write_mapping(&mut out, entries, 0);
    out
}

fn write_mapping(out: &mut String, entries: &[(String, Value)], indent: usize) {
    let mut first = true;
    for (k, v) in entries {
        if v.is_nothing() {
            continue;
        }
        // The first key of a mapping inside a sequence item shares the `- ` line.
        if !first || indent == 0 || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        first = false;
        out.push_str(&key(k));
        out.push(':');
        write_value(out, v, indent);
    }
    if first {
        // Nothing written: an empty mapping must still be a value.
        if !out.ends_with("- ") {
            push_indent(out, indent);
        }
        out.push_str("{}\n");
    }
}

/// Write the value after `key:` (or after `- `), ending the line(s).
fn write_value(out: &mut String, v: &Value, indent: usize) {
    let after_dash = out.ends_with("- ");
    match v {
        Value::Object(entries) if entries.iter().any(|(_, v)| !v.is_nothing()) => {
            if after_dash {
                write_mapping(out, entries, indent + 2);
            } else {
                out.push('\n');
                write_mapping(out, entries, indent + 2);
            }
        }
        Value::Object(_) => {
            push_sep(out, after_dash);
            out.push_str("{}\n");
        }
        Value::Array(items) if !items.is_empty() => {
            if !after_dash {
                out.push('\n');
            }
            let mut first = true;
            for item in items {
                if !(first && after_dash) {
                    push_indent(out, indent + 2);
                }
                first = false;
                out.push_str("- ");
                write_value(out, item, indent + 2);
            }
        }
        Value::Array(_) => {
            push_sep(out, after_dash);
            out.push_str("[]\n");
        }
        _ => {
            push_sep(out, after_dash);
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

fn push_sep(out: &mut String, after_dash: bool) {
    if !after_dash {
        out.push(' ');
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A scalar as YAML text.
pub(crate) fn scalar(v: &Value) -> String {
    match v {
        Value::Undefined | Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::String(s) => string(s),
        // Callers handle collections; keep this total anyway.
        Value::Array(_) | Value::Object(_) => "null".into(),
    }
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with('-')
    {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// A string scalar: plain when it is unambiguous, double-quoted otherwise.
pub(crate) fn string(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// Conservative plain-scalar test, confirmed by parsing: a plain scalar must read back
/// as this very string (not a number, bool, null, date-less-than-string, …).
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim()
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control() || !is_printable(c))
    {
        return false;
    }
    matches!(
        serde_yaml::from_str::<serde_yaml::Value>(s),
        Ok(serde_yaml::Value::String(ref back)) if back == s
    )
}

/// Characters YAML allows unescaped (YAML 1.2 §5.1 c-printable, minus the line
/// separators YAML 1.1 readers treat as breaks).
fn is_printable(c: char) -> bool {
    !matches!(
        c,
        '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// A double-quoted scalar with YAML escapes.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || !is_printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn roundtrip(entries: Vec<(String, Value)>) -> (String, serde_yaml::Value) {
        let text = mapping(&entries);
        let back: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        (text, back)
    }

    #[test]
    fn quotes_only_what_needs_it() {
        for (input, want) in [
            ("Cloudform UI", "Cloudform UI"),
            ("2026-05-14", "2026-05-14"),
            ("5 min", "5 min"),
            (
                "🚀 Welcome to My Digital Sandbox!",
                "🚀 Welcome to My Digital Sandbox!",
            ),
            (
                "When Packets Disappear: Debugging",
                "\"When Packets Disappear: Debugging\"",
            ),
            ("#3b82f6", "\"#3b82f6\""),
            ("true", "\"true\""),
            ("null", "\"null\""),
            ("12", "\"12\""),
            ("1e3", "\"1e3\""),
            ("", "\"\""),
            (" padded", "\" padded\""),
            ("say \"hi\"", "say \"hi\""),
            ("a\nb", "\"a\\nb\""),
            ("- dash", "\"- dash\""),
        ] {
            assert_eq!(string(input), want, "{input:?}");
        }
    }

    #[test]
    fn every_string_reads_back_the_same() {
        let nasty = [
            "a: b",
            "a #b",
            "'",
            "\"",
            "\\",
            "\u{7}",
            "\u{2028}",
            "x\ty",
            "@at",
            "`tick`",
            "%pct",
            "{a}",
            "[a]",
            "~",
            "yes",
            "NO",
            ".inf",
            "0x1f",
            "0o7",
            "-",
            "?",
            ":",
            "a:",
            "\u{feff}bom",
            "🗺\u{fe0f}",
            "trailing ",
            "multi\nline\n",
            "0.5",
            "+1",
        ];
        for n in nasty {
            let (text, back) = roundtrip(vec![("k".into(), s(n))]);
            assert_eq!(
                back["k"],
                serde_yaml::Value::String(n.into()),
                "{n:?} → {text}"
            );
        }
    }

    #[test]
    fn nested_values_and_omitted_nulls() {
        let (text, back) = roundtrip(vec![
            ("title".into(), s("T")),
            ("gone".into(), Value::Null),
            ("tags".into(), Value::Array(vec![s("Docker"), s("C#")])),
            ("order".into(), Value::Number("5".into())),
            ("vault".into(), Value::Bool(true)),
            (
                "seo".into(),
                Value::Object(vec![
                    ("title".into(), s("Other")),
                    ("x".into(), Value::Undefined),
                ]),
            ),
            (
                "list".into(),
                Value::Array(vec![Value::Object(vec![
                    ("a".into(), s("1")),
                    ("b".into(), s("2")),
                ])]),
            ),
            ("empty".into(), Value::Array(vec![])),
        ]);
        assert_eq!(
            text,
            "title: T\ntags:\n  - Docker\n  - C#\norder: 5\nvault: true\nseo:\n  title: Other\nlist:\n  - a: \"1\"\n    b: \"2\"\nempty: []\n"
        );
        assert_eq!(back["tags"][1], serde_yaml::Value::String("C#".into()));
        assert_eq!(back["list"][0]["b"], serde_yaml::Value::String("2".into()));
        assert!(back.get("gone").is_none());
    }
}
