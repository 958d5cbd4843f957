//! The owner's side of the SSH layer: how guests authenticate when the owner wants to
//! recognise returning ones (`--identify-guests`), their visitor ids, the visit record
//! of each session channel, and `ssh host stats` for keys listed in `keys/owners`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Instant;

use russh::keys::PublicKey;
use russh::server::Auth;
use russh::{MethodKind, MethodSet};

use crate::commands::{self, Outcome};
use crate::content::Index;
use crate::stats::{self, Event, Recorder, VisitorId, recorder};

/// What the handler needs of the owner's settings; the default records nothing and
/// accepts `none`.
#[derive(Debug, Clone, Default)]
pub struct OwnerSide {
    pub recorder: Recorder,
    /// Offer `publickey` and `keyboard-interactive` instead of accepting `none`.
    pub identify_guests: bool,
    /// `keys/owners` (authorized_keys format): who may run `stats`.
    pub owners: Option<PathBuf>,
    /// The data directory `stats` reads.
    pub data: Option<PathBuf>,
}

/// The login name that asks for key authentication even without `--identify-guests`,
/// so an owner's client offers its key: `ssh owner@host stats`.
pub const OWNER_USER: &str = "owner";

impl OwnerSide {
    /// The answer to a `none` request: accepted, unless guests are to be identified (or
    /// the login name is `owner`); then the client is told to go on with `publickey`
    /// (a client with a key offers it; any key is accepted) or `keyboard-interactive`
    /// (accepted with no prompt, for clients without a key).
    pub fn none_reply(&self, user: &str) -> Option<Auth> {
        if !self.identify_guests && user != OWNER_USER {
            return None;
        }
        let mut methods = MethodSet::empty();
        methods.push(MethodKind::PublicKey);
        methods.push(MethodKind::KeyboardInteractive);
        Some(Auth::Reject {
            proceed_with_methods: Some(methods),
            partial_success: false,
        })
    }

    /// The visitor: the proven key's hash when there is one, else the address's
    /// (salted daily); `None` with stats off.
    pub fn visitor(&self, key: Option<&PublicKey>, ip: IpAddr) -> Option<VisitorId> {
        let by_key = key
            .and_then(|k| k.to_bytes().ok())
            .and_then(|bytes| self.recorder.visitor_for_key(&bytes));
        by_key.or_else(|| self.recorder.visitor_for_addr(ip))
    }
}

/// How a colour depth is named in the analytics.
pub fn depth_label(depth: crate::theme::ColorDepth) -> &'static str {
    use crate::theme::ColorDepth;
    match depth {
        ColorDepth::TrueColor => "truecolor",
        ColorDepth::Ansi256 => "256",
        ColorDepth::Ansi16 => "16",
        ColorDepth::None => "none",
    }
}

/// One visit being recorded: started when the session channel starts its work, ended
/// (with its length and why) when that work is over.
#[derive(Debug, Clone)]
pub struct VisitLog {
    pub recorder: Recorder,
    pub id: i64,
    pub visitor: Option<VisitorId>,
    began: Instant,
}

/// What is known of a visit when it starts.
pub struct VisitStart<'a> {
    pub visitor: Option<VisitorId>,
    pub kind: &'static str,
    pub client: &'a [u8],
    pub term: &'a str,
    pub size: (u16, u16),
    pub depth: &'a str,
    pub exec: Option<&'a str>,
}

impl VisitLog {
    pub fn start(recorder: &Recorder, v: VisitStart<'_>) -> Self {
        let id = recorder::new_visit_id();
        if let Some(visitor) = &v.visitor {
            recorder.send(Event::Visit(Box::new(stats::Visit {
                id,
                at: recorder::now_secs(),
                visitor: visitor.clone(),
                kind: v.kind,
                client: recorder::clip(&String::from_utf8_lossy(v.client), recorder::TEXT_MAX),
                term: recorder::clip(v.term, recorder::TEXT_MAX),
                cols: v.size.0,
                rows: v.size.1,
                depth: v.depth.to_string(),
                theme: "dark".into(),
                images: String::new(),
                exec: v.exec.map(|c| recorder::clip(c, recorder::TEXT_MAX)),
            })));
        }
        Self {
            recorder: recorder.clone(),
            id,
            visitor: v.visitor,
            began: Instant::now(),
        }
    }

    /// Where the TUI session sends its page views and searches (`None`: stats off).
    pub fn link(&self) -> Option<crate::session::seen::StatsLink> {
        Some(crate::session::seen::StatsLink {
            recorder: self.recorder.clone(),
            visit: self.id,
            visitor: self.visitor.clone()?,
        })
    }

    /// The visit is over: `end` is why (`quit`, `idle`, `exit 0`…).
    pub fn end(&self, end: &str, theme: Option<&str>) {
        if self.visitor.is_none() {
            return;
        }
        self.recorder.send(Event::VisitEnd {
            visit: self.id,
            secs: self.began.elapsed().as_secs_f64(),
            end: end.to_string(),
            theme: theme.map(str::to_string),
        });
    }
}

/// Run an exec command: `stats` for owners, everything else as `commands::run` (where
/// `stats` is an unknown command, so strangers learn nothing).
pub async fn exec(
    owner: &OwnerSide,
    key: Option<&PublicKey>,
    index: &Index,
    line: &str,
) -> Outcome {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.first() == Some(&"stats") && is_owner(owner, key).await {
        let args: Vec<String> = words[1..].iter().map(|s| s.to_string()).collect();
        let data = owner.data.clone();
        return tokio::task::spawn_blocking(move || owner_stats(data, &args))
            .await
            .unwrap_or_else(|_| fail(1, "stats failed".into()));
    }
    commands::run(index, line)
}

async fn is_owner(owner: &OwnerSide, key: Option<&PublicKey>) -> bool {
    match (&owner.owners, key) {
        (Some(path), Some(key)) => stats::owners::is_owner(path, key).await,
        _ => false,
    }
}

/// `stats [--since SPAN] [--json]` over this server's own database.
fn owner_stats(data: Option<PathBuf>, args: &[String]) -> Outcome {
    let Some(data) = data else {
        return fail(1, "stats are off on this server (--no-stats)".into());
    };
    let mut span = 7 * 86_400;
    let mut json = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--since" => match it.next().map(|s| stats::report::parse_since(s)) {
                Some(Ok(s)) => span = s,
                Some(Err(e)) => return fail(2, e),
                None => return fail(2, "--since needs a span like 7d".into()),
            },
            other => {
                let other: String = other.chars().filter(|c| !c.is_control()).take(40).collect();
                return fail(2, format!("stats: unknown option '{other}'"));
            }
        }
    }
    match stats::report::build(&[data], span, recorder::now_secs()) {
        Ok(r) if json => match serde_json::to_string_pretty(&r) {
            Ok(s) => ok(s + "\n"),
            Err(e) => fail(1, e.to_string()),
        },
        Ok(r) => ok(stats::text::render(&r)),
        Err(e) => fail(1, format!("{e:#}")),
    }
}

fn ok(stdout: String) -> Outcome {
    Outcome {
        stdout,
        ..Default::default()
    }
}

fn fail(status: u32, msg: String) -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: format!("sshfolio: {msg}\n"),
        status,
    }
}
