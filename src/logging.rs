//! The server's log (text or JSON lines on stderr) that a guest can neither forge nor
//! flood: every field value is escaped (CR, LF, ESC and every other C0 control, DEL, C1,
//! bidi and line/paragraph separators) and cut to a bounded length, and russh's own
//! records (which carry guest strings, e.g. `unknown channel request {type}`) pass a
//! rate limit; how many were dropped is said on the next line written.
//!
//! One line per event, always: a value can never contain a raw newline, in either format.

use std::fmt::{self, Write as _};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::config::LogFormat;

/// The longest a field value gets, in characters (before escaping). Our own values are
/// far shorter; a guest's string (a channel request type, a KEXINIT name list inside a
/// handshake error) is cut here.
pub const VALUE_MAX: usize = 240;

/// russh's records: this many a second on average…
const RUSSH_PER_SEC: f64 = 5.0;
/// …with bursts of this many.
const RUSSH_BURST: f64 = 20.0;

/// Install the process-wide subscriber: `RUST_LOG` (default `info,russh=warn,tantivy=warn`: dependencies only say warnings), stderr.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,russh=warn,tantivy=warn"));
    let ansi = format == LogFormat::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .event_format(Format::new(format, ansi))
        .try_init();
}

/// The event formatter for both formats.
pub struct Format {
    json: bool,
    ansi: bool,
    russh: Mutex<Bucket>,
}

impl Format {
    pub fn new(format: LogFormat, ansi: bool) -> Self {
        Format {
            json: format == LogFormat::Json,
            ansi: ansi && format == LogFormat::Text,
            russh: Mutex::new(Bucket {
                tokens: RUSSH_BURST,
                at: Instant::now(),
                dropped: 0,
            }),
        }
    }

    /// Whether a record of `target` may be written now; `Some(n)` when it may, with the
    /// number of russh records dropped since the last line (to be reported on this one).
    fn admit(&self, target: &str) -> Option<u64> {
        let Ok(mut b) = self.russh.lock() else {
            return Some(0);
        };
        if target == "russh" || target.starts_with("russh::") {
            let now = Instant::now();
            let refill = now.duration_since(b.at).as_secs_f64() * RUSSH_PER_SEC;
            b.tokens = (b.tokens + refill).min(RUSSH_BURST);
            b.at = now;
            if b.tokens < 1.0 {
                b.dropped += 1;
                return None;
            }
            b.tokens -= 1.0;
        }
        Some(std::mem::take(&mut b.dropped))
    }
}

/// A token bucket for russh's records, and how many it has dropped since the last line.
struct Bucket {
    tokens: f64,
    at: Instant,
    dropped: u64,
}

impl<S, N> FormatEvent<S, N> for Format
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        // Dropped: nothing is written (the layer writes an empty buffer).
        let Some(dropped) = self.admit(meta.target()) else {
            return Ok(());
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        if dropped > 0 {
            fields.values.push(("russh_dropped", Val::U64(dropped)));
        }
        let mut time = String::new();
        let _ = SystemTime.format_time(&mut Writer::new(&mut time));
        if self.json {
            writeln!(
                writer,
                "{}",
                json_line(&time, meta.level(), meta.target(), fields)
            )
        } else {
            let line = text_line(&time, meta.level(), meta.target(), fields, self.ansi);
            writeln!(writer, "{line}")
        }
    }
}

/// One field value, already cut to `VALUE_MAX` characters (not yet escaped).
enum Val {
    /// A string value (`auth = "none"`, `why`): always quoted in text, as tracing's own
    /// formatter does.
    Str(String),
    /// A `%display` or `?debug` value: bare when it has no space, `=`, quote or control.
    Fmt(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
}

/// The fields of one event, in order; `message` kept apart.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    values: Vec<(&'static str, Val)>,
}

impl Fields {
    fn push(&mut self, field: &Field, value: Val) {
        match (field.name(), value) {
            // tracing-log's bookkeeping for records from the `log` crate (russh's).
            (name, _) if name.starts_with("log.") => {}
            ("message", Val::Str(s) | Val::Fmt(s)) => self.message = Some(s),
            (name, v) => self.values.push((name, v)),
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut cut = Bounded::default();
        // A formatter that writes past the bound is stopped there (an `Err` from our
        // writer), so a huge value costs no more than `VALUE_MAX` characters.
        let _ = write!(cut, "{value:?}");
        self.push(field, Val::Fmt(cut.finish()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let mut cut = Bounded::default();
        let _ = cut.write_str(value);
        self.push(field, Val::Str(cut.finish()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, Val::U64(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Val::I64(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Val::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Val::Bool(value));
    }
}

/// A `fmt::Write` that keeps the first `VALUE_MAX` characters and then refuses more.
#[derive(Default)]
struct Bounded {
    s: String,
    chars: usize,
    cut: bool,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.chars == VALUE_MAX {
                self.cut = true;
                return Err(fmt::Error);
            }
            self.s.push(c);
            self.chars += 1;
        }
        Ok(())
    }
}

impl Bounded {
    fn finish(mut self) -> String {
        if self.cut {
            self.s.push_str("…[cut]");
        }
        self.s
    }
}

/// Characters that never reach a log line raw: C0 (including tab, CR, LF, ESC), DEL, C1,
/// the bidi controls and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\0'..='\x1f' | '\x7f'..='\u{9f}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as an escape (`\n`, `\r`, `\t`, `\x1b`,
/// `\u{85}`); with `quoted`, also `\` and `"` (a quoted value stays unambiguous).
pub fn escape(s: &str, quoted: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' | '"' if quoted => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x80 && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// `2026-01-02T03:04:05.678901Z  INFO target: message key=value key="a value"`
fn text_line(time: &str, level: &Level, target: &str, fields: Fields, ansi: bool) -> String {
    let mut line = String::with_capacity(128);
    line.push_str(time);
    let level = format!("{level:>5}");
    if ansi {
        let colour = match level.trim() {
            "ERROR" => "31",
            "WARN" => "33",
            "INFO" => "32",
            "DEBUG" => "34",
            _ => "35",
        };
        let _ = write!(line, " \x1b[{colour}m{level}\x1b[0m ");
    } else {
        let _ = write!(line, " {level} ");
    }
    escape(target, false, &mut line);
    line.push(':');
    if let Some(m) = &fields.message {
        line.push(' ');
        escape(m, false, &mut line);
    }
    for (name, value) in &fields.values {
        let _ = write!(line, " {name}=");
        match value {
            Val::Str(s) => {
                line.push('"');
                escape(s, true, &mut line);
                line.push('"');
            }
            // Already quoted by `Debug` (a string): its quotes and backslashes are escaped.
            Val::Fmt(s) if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') => {
                escape(s, false, &mut line);
            }
            Val::Fmt(s) => {
                let bare = !s.is_empty()
                    && !s
                        .chars()
                        .any(|c| c == ' ' || c == '=' || c == '"' || c == '\\' || is_unsafe(c));
                if bare {
                    line.push_str(s);
                } else {
                    line.push('"');
                    escape(s, true, &mut line);
                    line.push('"');
                }
            }
            Val::U64(v) => {
                let _ = write!(line, "{v}");
            }
            Val::I64(v) => {
                let _ = write!(line, "{v}");
            }
            Val::F64(v) => {
                let _ = write!(line, "{v}");
            }
            Val::Bool(v) => {
                let _ = write!(line, "{v}");
            }
        }
    }
    line
}

/// `{"timestamp":…,"level":"INFO","fields":{"message":…,…},"target":…}` — the shape of
/// tracing-subscriber's JSON format. serde_json escapes C0, `"` and `\`; the other unsafe
/// characters are written as `\uXXXX` here (still the same string once decoded).
fn json_line(time: &str, level: &Level, target: &str, fields: Fields) -> String {
    let mut map = Map::new();
    if let Some(m) = fields.message {
        map.insert("message".into(), Value::String(m));
    }
    for (name, value) in fields.values {
        let v = match value {
            Val::Str(s) | Val::Fmt(s) => Value::String(s),
            Val::U64(v) => Value::from(v),
            Val::I64(v) => Value::from(v),
            Val::F64(v) => Value::from(v),
            Val::Bool(v) => Value::Bool(v),
        };
        map.insert(name.into(), v);
    }
    let mut obj = Map::new();
    obj.insert("timestamp".into(), Value::String(time.into()));
    obj.insert("level".into(), Value::String(level.to_string()));
    obj.insert("fields".into(), Value::Object(map));
    obj.insert("target".into(), Value::String(target.into()));
    let raw = Value::Object(obj).to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_unsafe(c) {
            // Only inside strings (serde_json writes no raw control outside them), and
            // serde_json has already escaped every C0 one.
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str, quoted: bool) -> String {
        let mut out = String::new();
        escape(s, quoted, &mut out);
        out
    }

    #[test]
    fn every_control_is_escaped() {
        assert_eq!(esc("a\r\nb", false), "a\\r\\nb");
        assert_eq!(esc("\x1b[2J\x07", false), "\\x1b[2J\\x07");
        assert_eq!(esc("\u{9b}31m\u{85}", false), "\\u{9b}31m\\u{85}");
        assert_eq!(esc("\u{202e}txt.exe", false), "\\u{202e}txt.exe");
        assert_eq!(esc("x\u{7f}\u{2028}", false), "x\\x7f\\u{2028}");
        assert_eq!(esc(r#"say "hi" \ bye"#, true), r#"say \"hi\" \\ bye"#);
        assert_eq!(esc("héllo ✓", false), "héllo ✓");
    }

    #[test]
    fn values_are_cut_while_formatting() {
        let long = "x".repeat(100_000);
        let mut cut = Bounded::default();
        assert!(write!(cut, "unknown channel request {long}").is_err());
        let m = cut.finish();
        assert_eq!(m.chars().count(), VALUE_MAX + "…[cut]".chars().count());
        assert!(m.starts_with("unknown channel request xxx"));
    }

    #[test]
    fn text_values_with_spaces_or_quotes_are_quoted() {
        let fields = Fields {
            message: Some("connection".into()),
            values: vec![
                ("peer", Val::Fmt("127.0.0.1:5".into())),
                ("why", Val::Str("handshake failed: x\ny=\"z\"".into())),
                ("term", Val::Str(String::new())),
                ("error", Val::Fmt("early eof".into())),
                ("name", Val::Fmt("\"a b\"".into())),
                ("n", Val::U64(3)),
            ],
        };
        let line = text_line("T", &Level::INFO, "sshfolio::ssh", fields, false);
        assert_eq!(
            line,
            r#"T  INFO sshfolio::ssh: connection peer=127.0.0.1:5 why="handshake failed: x\ny=\"z\"" term="" error="early eof" name="a b" n=3"#
        );
    }

    #[test]
    fn json_has_no_raw_control_and_decodes_to_the_value() {
        let value = "a\r\n\x1b[31m\u{85}\u{9b}\u{202e}\u{2028}z";
        let fields = Fields {
            message: Some(value.into()),
            values: vec![("n", Val::U64(1))],
        };
        let line = json_line("T", &Level::WARN, "russh::server", fields);
        assert!(!line.chars().any(is_unsafe), "{line:?}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["fields"]["message"], value);
        assert_eq!(v["level"], "WARN");
        assert_eq!(v["target"], "russh::server");
    }

    #[test]
    fn russh_records_are_rate_limited_and_the_drop_is_counted() {
        let f = Format::new(LogFormat::Text, false);
        let admitted = (0..1000)
            .filter(|_| f.admit("russh::server").is_some())
            .count();
        assert!(
            admitted >= RUSSH_BURST as usize && admitted < 40,
            "{admitted}"
        );
        // Our own lines are never dropped, and the next one reports the drop.
        assert_eq!(
            f.admit("sshfolio::ssh::accept"),
            Some(1000 - admitted as u64)
        );
        assert_eq!(f.admit("sshfolio::ssh::accept"), Some(0));
    }
}
