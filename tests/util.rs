//! Test helpers: start the real server in-process on 127.0.0.1:0 and drive it with
//! russh's client, reading the screen through `vt100`.

#![allow(dead_code)]

pub mod child;

pub use child::{assert_ok, http_get, metric};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::ChannelMsg;
use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use sshfolio::config::Limits;
use sshfolio::content::Index;
use sshfolio::content::model::{Date, PageRef, Post, Project, RackStatus, Site};
use tokio::sync::{oneshot, watch};

/// How long any wait in a test may take before it fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A small hand-built site (the loader is not needed to test the SSH layer).
pub fn test_index() -> Index {
    let project = Project {
        slug: "rack".into(),
        title: "The Rack".into(),
        description: "A control plane.".into(),
        order: 1,
        region: Some("EU-WEST-1".into()),
        rack_bay: Some("BAY 01".into()),
        rack_status: RackStatus::Live,
        vault: false,
        live_url: None,
        thumbnail: None,
        hash: None,
        body: Default::default(),
        source: "projects/rack.md".into(),
    };
    let post = Post {
        slug: "hello".into(),
        title: "Hello World".into(),
        description: "First post.".into(),
        date: Date {
            year: 2024,
            month: 5,
            day: 1,
        },
        read_time: Some("3 min".into()),
        tags: vec!["go".into()],
        thumbnail: None,
        body: Default::default(),
        source: "blog/hello.md".into(),
    };
    let mut pages = HashMap::new();
    pages.insert("projects/rack".to_string(), PageRef::Project(0));
    pages.insert("blog/hello".to_string(), PageRef::Post(0));
    Index {
        site: Site {
            name: "Test Folio".into(),
            ..Default::default()
        },
        projects: vec![project],
        posts: vec![post],
        pages,
        ..Default::default()
    }
}

/// A running server. Dropping it without `stop` aborts nothing: call `stop`.
pub struct TestServer {
    pub addr: SocketAddr,
    pub keys: PathBuf,
    pub index: watch::Sender<Arc<Index>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _tmp: Option<tempfile::TempDir>,
}

impl TestServer {
    pub async fn start() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let keys = tmp.path().join("keys");
        let mut s = Self::start_with(&keys, test_limits()).await;
        s._tmp = Some(tmp);
        s
    }

    pub async fn start_with(keys: &Path, limits: Limits) -> Self {
        Self::start_owner(keys, limits, Default::default()).await
    }

    /// With analytics, guest identification or owner keys (`OwnerSide`).
    pub async fn start_owner(
        keys: &Path,
        limits: Limits,
        owner: sshfolio::ssh::owner::OwnerSide,
    ) -> Self {
        let host_key = sshfolio::ssh::hostkey::load_or_generate(keys).unwrap();
        let listeners = sshfolio::ssh::accept::bind(&["127.0.0.1:0".parse().unwrap()])
            .await
            .unwrap();
        let addr = listeners[0].local_addr().unwrap();
        let (index_tx, index_rx) = watch::channel(Arc::new(test_index()));
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let server = sshfolio::ssh::Server {
            host_key,
            index: index_rx,
            limits,
            test_hooks: true,
            proxy: Default::default(),
            owner,
        };
        let task = tokio::spawn(sshfolio::ssh::serve(server, listeners, async move {
            let _ = shutdown_rx.await;
        }));
        Self {
            addr,
            keys: keys.to_path_buf(),
            index: index_tx,
            shutdown: Some(shutdown_tx),
            task,
            _tmp: None,
        }
    }

    /// Shut down and wait for `serve` to return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("serve did not return after shutdown")
            .unwrap()
            .unwrap();
    }
}

pub fn test_limits() -> Limits {
    Limits {
        shutdown_grace: Duration::from_secs(2),
        // Tests connect from 127.0.0.1 in quick succession, many at once.
        per_ip_burst: 1000,
        per_ip_rate: 1000.0,
        max_startups_per_source: 1000,
        ..Limits::default()
    }
}

/// A client that trusts any host key and remembers its fingerprint.
#[derive(Clone, Default)]
pub struct Client {
    pub host_key: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let PublicKeyOrCertificate::PublicKey { key, .. } = key {
            *self.host_key.lock().unwrap() =
                Some(key.fingerprint(russh::keys::HashAlg::Sha256).to_string());
        }
        Ok(true)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Login {
    None,
    Password,
    KeyboardInteractive,
    PublicKey,
}

pub type Conn = client::Handle<Client>;

/// Connect without authenticating.
pub async fn connect_raw(addr: SocketAddr, client: Client) -> Conn {
    let config = Arc::new(client::Config {
        inactivity_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    });
    tokio::time::timeout(WAIT, client::connect(config, addr, client))
        .await
        .expect("connect timed out")
        .expect("connect failed")
}

/// Connect and log in with `how`.
pub async fn connect(addr: SocketAddr, how: Login) -> Conn {
    let mut h = connect_raw(addr, Client::default()).await;
    let ok = match how {
        Login::None => h.authenticate_none("guest").await.unwrap().success(),
        Login::Password => h
            .authenticate_password("root", "hunter2")
            .await
            .unwrap()
            .success(),
        Login::KeyboardInteractive => matches!(
            h.authenticate_keyboard_interactive_start("guest", None)
                .await
                .unwrap(),
            client::KeyboardInteractiveAuthResponse::Success
        ),
        Login::PublicKey => {
            let key = PrivateKey::random(
                &mut russh::keys::key::safe_rng(),
                russh::keys::Algorithm::Ed25519,
            )
            .unwrap();
            h.authenticate_publickey("guest", PrivateKeyWithHashAlg::new(Arc::new(key), None))
                .await
                .unwrap()
                .success()
        }
    };
    assert!(ok, "login with {how:?} was refused");
    h
}

/// Everything a channel delivered.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: Option<u32>,
}

/// Run a command without a PTY and collect its output.
pub async fn exec(addr: SocketAddr, command: &str) -> Output {
    let conn = connect(addr, Login::None).await;
    exec_on(&conn, command).await
}

/// Run `command` without a PTY on an open, logged-in connection.
pub async fn exec_on(conn: &Conn, command: &str) -> Output {
    let mut ch = conn.channel_open_session().await.unwrap();
    ch.exec(true, command).await.unwrap();
    let mut out = Output::default();
    tokio::time::timeout(WAIT, async {
        while let Some(msg) = ch.wait().await {
            match msg {
                ChannelMsg::Data { data } => out.stdout.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, ext: 1 } => out.stderr.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => out.status = Some(exit_status),
                ChannelMsg::Close => break,
                _ => {}
            }
        }
    })
    .await
    .expect("exec did not finish");
    out
}

/// An interactive session: a PTY channel whose output feeds a vt100 screen.
pub struct Term {
    pub conn: Conn,
    pub channel: russh::Channel<client::Msg>,
    pub parser: vt100::Parser,
    /// Every byte received, in order.
    pub raw: Vec<u8>,
    pub closed: bool,
    pub exit_status: Option<u32>,
}

impl Term {
    /// Log in, request a PTY (TERM xterm-256color) and a shell (or exec `command`).
    pub async fn open(addr: SocketAddr, cols: u32, rows: u32, command: Option<&str>) -> Term {
        let conn = connect(addr, Login::None).await;
        Self::open_on(conn, cols, rows, command).await
    }

    pub async fn open_on(conn: Conn, cols: u32, rows: u32, command: Option<&str>) -> Term {
        Self::open_with(conn, "xterm-256color", &[], cols, rows, command).await
    }

    /// Log in and open a 100×30 PTY with this `TERM` and these env requests, then a
    /// shell (or exec `command`).
    pub async fn open_as(
        addr: SocketAddr,
        term: &str,
        env: &[(&str, &str)],
        command: Option<&str>,
    ) -> Term {
        let conn = connect(addr, Login::None).await;
        Self::open_with(conn, term, env, 100, 30, command).await
    }

    /// `open_on` with this `TERM` and these env requests (sent before the PTY).
    pub async fn open_with(
        conn: Conn,
        term: &str,
        env: &[(&str, &str)],
        cols: u32,
        rows: u32,
        command: Option<&str>,
    ) -> Term {
        let channel = conn.channel_open_session().await.unwrap();
        for (k, v) in env {
            channel.set_env(true, *k, *v).await.unwrap();
        }
        channel
            .request_pty(true, term, cols, rows, 0, 0, &[])
            .await
            .unwrap();
        match command {
            Some(c) => channel.exec(true, c).await.unwrap(),
            None => channel.request_shell(true).await.unwrap(),
        }
        // The client's screen has the size the server clamps to.
        let (c, r) = sshfolio::session::clamp_size(cols, rows);
        Term {
            conn,
            channel,
            parser: vt100::Parser::new(r, c, 0),
            raw: Vec::new(),
            closed: false,
            exit_status: None,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Where `text` first is on screen (0-based column, row).
    pub fn find(&self, text: &str) -> Option<(u16, u16)> {
        let s = self.parser.screen();
        let (rows, cols) = s.size();
        (0..rows).find_map(|r| {
            let line = s.contents_between(r, 0, r, cols);
            line.find(text)
                .map(|b| (line[..b].chars().count() as u16, r))
        })
    }

    /// Read one message (or time out after `d`); false when nothing more will come.
    async fn pump(&mut self, d: Duration) -> bool {
        if self.closed {
            return false;
        }
        match tokio::time::timeout(d, self.channel.wait()).await {
            Err(_) => true,
            Ok(None) => {
                self.closed = true;
                false
            }
            Ok(Some(msg)) => {
                match msg {
                    ChannelMsg::Data { data } => {
                        self.parser.process(&data);
                        self.raw.extend_from_slice(&data);
                    }
                    ChannelMsg::ExitStatus { exit_status } => self.exit_status = Some(exit_status),
                    ChannelMsg::Close => self.closed = true,
                    _ => {}
                }
                !self.closed
            }
        }
    }

    /// Wait until the screen satisfies `pred`.
    pub async fn wait_until(&mut self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !pred(self.parser.screen()) {
            if tokio::time::Instant::now() > deadline
                || !self.pump(Duration::from_millis(100)).await
            {
                if pred(self.parser.screen()) {
                    return;
                }
                panic!("timed out waiting for {what}; screen:\n{}", self.screen());
            }
        }
    }

    /// Wait until every byte received so far satisfies `pred`.
    pub async fn wait_raw(&mut self, what: &str, pred: impl Fn(&[u8]) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !pred(&self.raw) {
            if tokio::time::Instant::now() > deadline
                || !self.pump(Duration::from_millis(100)).await
            {
                if pred(&self.raw) {
                    return;
                }
                panic!("timed out waiting for {what}; screen:\n{}", self.screen());
            }
        }
    }

    /// Read whatever arrives for `d`.
    pub async fn settle(&mut self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        while tokio::time::Instant::now() < until {
            if !self.pump(Duration::from_millis(50)).await {
                return;
            }
        }
    }

    /// Wait until the screen contains `text`.
    pub async fn wait_for(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_until(text, move |s| s.contents().contains(&t))
            .await;
    }

    pub async fn send(&self, bytes: &[u8]) {
        self.channel.data(bytes).await.unwrap();
    }

    pub async fn resize(&mut self, cols: u32, rows: u32) {
        self.channel.window_change(cols, rows, 0, 0).await.unwrap();
        let (c, r) = sshfolio::session::clamp_size(cols, rows);
        self.parser.screen_mut().set_size(r, c);
    }

    /// Read until the server closes the channel.
    pub async fn wait_closed(&mut self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.pump(Duration::from_millis(100)).await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "channel never closed; screen:\n{}",
                self.screen()
            );
        }
    }
}

/// The text of a ratatui buffer, a string a row (the second cell of a wide character
/// skipped, trailing blanks trimmed).
pub fn buffer_lines(buf: &ratatui::buffer::Buffer) -> Vec<String> {
    let w = usize::from(buf.area.width.max(1));
    let mut out = Vec::new();
    for row in buf.content.chunks(w) {
        let mut line = String::new();
        let mut skip = 0;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = cell.symbol();
            line.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// A temporary content directory, removed on drop.
pub struct ContentDir {
    pub dir: tempfile::TempDir,
}

impl ContentDir {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ContentDir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `rel` (creating parent dirs) and return its full path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

/// Run the built `sshfolio` binary with `args`.
pub fn sshfolio(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sshfolio"))
        .args(args)
        .env_remove("SSHFOLIO_CONTENT")
        .output()
        .unwrap()
}

/// The original site's payload, the importer's test oracle.
pub fn seed_payload() -> PathBuf {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/_payload.json");
    if shared.exists() {
        shared
    } else {
        PathBuf::from("/work/shared/seed/_payload.json")
    }
}

/// The built `sshfolio` binary, to be given arguments.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sshfolio"));
    c.env_remove("SSHFOLIO_CONTENT");
    // Analytics of servers that don't name a `--data` go to a temporary directory,
    // not the repository's `data/`.
    static DATA: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    if let Some(d) = DATA
        .get_or_init(|| tempfile::tempdir().unwrap())
        .path()
        .to_str()
    {
        c.env("SSHFOLIO_DATA", d);
    }
    c
}

/// A server on a temporary copy of the repo's `content/`, with the content watcher
/// running on that copy (hot reload end to end).
pub struct LiveServer {
    pub server: TestServer,
    /// Holds `content/`; the watcher also sees the content dir itself come and go.
    pub root: ContentDir,
    pub watcher: sshfolio::content::watch::ContentWatcher,
}

impl LiveServer {
    pub async fn start() -> Self {
        Self::start_with(test_limits()).await
    }

    pub async fn start_with(limits: Limits) -> Self {
        let root = ContentDir::new();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
        copy_dir(&repo, &root.path().join("content"));
        let keys = root.path().join("keys");
        let server = TestServer::start_with(&keys, limits).await;
        let index = sshfolio::content::load(&root.path().join("content")).unwrap();
        server.index.send_replace(Arc::new(index));
        let watcher = sshfolio::content::watch::ContentWatcher::start(
            &root.path().join("content"),
            server.index.clone(),
            Default::default(),
        )
        .unwrap();
        LiveServer {
            server,
            root,
            watcher,
        }
    }

    /// The watched content directory.
    pub fn content(&self) -> PathBuf {
        self.root.path().join("content")
    }

    pub async fn stop(self) {
        drop(self.watcher);
        self.server.stop().await;
    }
}

/// Copy a directory tree (files and directories only).
pub fn copy_dir(from: &Path, to: &Path) {
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
