//! The client matrix (issue 12, item 4): every SSH client that installs here — OpenSSH,
//! paramiko, asyncssh, PuTTY's plink, dropbear's dbclient — logs in without a prompt
//! with no key, an RSA key (OpenSSH: from an RSA-only agent), an Ed25519 key and
//! keyboard-interactive, without a PTY (`projects` prints the list) and with one (the
//! UI's first frame, then `q`). The server's log says which method let each one in.
//!
//! Each cell connects through its own relay from its own loopback address (127.0.0.N),
//! so its `connection` log line is told apart from the others'. Cells run in parallel.
//!
//! To run the matrix against a server flag, add a `Variant` and a test calling `matrix`
//! with it: `args` are appended to `serve`; `offers_none` says whether `none` still
//! lets a guest in (otherwise a key logs in with publickey, no key with
//! keyboard-interactive).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::logs::serve_defaults;
use crate::tools;
use crate::util::WAIT;

/// How long one cell may take: a Python client's start on a loaded 2-core CI machine
/// alone can take seconds.
const CELL_WAIT: Duration = Duration::from_secs(40);

/// Cells run at once.
const WORKERS: usize = 4;

/// How the server under test is started.
pub struct Variant {
    pub args: &'static [&'static str],
    /// Whether `none` gets a guest in.
    pub offers_none: bool,
}

/// The default server: every method, `none` included.
pub const DEFAULT: Variant = Variant {
    args: &[],
    offers_none: true,
};

/// `--identify-guests` (issue 15): `none` is refused, a key logs in with publickey and
/// a keyless client with keyboard-interactive, no prompt either way (but paramiko, see
/// `expected_auth`).
pub const IDENTIFY_GUESTS: Variant = Variant {
    args: &["--identify-guests"],
    offers_none: false,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Client {
    OpenSsh,
    Paramiko,
    AsyncSsh,
    Plink,
    Dbclient,
}

const CLIENTS: [Client; 5] = [
    Client::OpenSsh,
    Client::Paramiko,
    Client::AsyncSsh,
    Client::Plink,
    Client::Dbclient,
];

/// What the client brings.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cred {
    /// No key at all.
    None,
    Rsa,
    Ed25519,
    /// Told to use keyboard-interactive (and no key).
    KbdInt,
}

const CREDS: [Cred; 4] = [Cred::None, Cred::Rsa, Cred::Ed25519, Cred::KbdInt];

impl Client {
    /// Whether it can run here (with the tools its keys need).
    fn present(self) -> bool {
        match self {
            Client::OpenSsh => which("ssh") && which("ssh-agent") && which("ssh-add"),
            Client::Paramiko => tools::python_has("paramiko"),
            Client::AsyncSsh => tools::python_has("asyncssh"),
            Client::Plink => which("plink") && which("puttygen"),
            Client::Dbclient => which("dbclient") && which("dropbearconvert"),
        }
    }

    /// Whether it asks for `none` before anything else (to learn the methods); paramiko
    /// does exactly what it is told.
    fn probes_none(self) -> bool {
        self != Client::Paramiko
    }

    /// The method the server should record for this client bringing `cred`.
    fn expected_auth(self, cred: Cred, v: &Variant) -> &'static str {
        match cred {
            _ if v.offers_none && (self.probes_none() || cred == Cred::None) => "none",
            // paramiko asks for the userauth service again after a refusal, which russh
            // leaves unanswered: the server lets a keyless paramiko in with `none`.
            Cred::None if self == Client::Paramiko => "none",
            Cred::Rsa | Cred::Ed25519 => "publickey",
            Cred::None | Cred::KbdInt => "keyboard-interactive",
        }
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The guests' keys in every format the clients read, an empty `HOME`, and an agent
/// holding only the RSA key.
struct Kit {
    dir: tempfile::TempDir,
    agent: Option<Child>,
}

impl Kit {
    fn new(clients: &[Client]) -> Kit {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("home")).unwrap();
        for (name, args) in [
            ("rsa", &["-t", "rsa", "-b", "2048"][..]),
            ("ed25519", &["-t", "ed25519"]),
        ] {
            run(Command::new("ssh-keygen")
                .args(args)
                .args(["-q", "-N", "", "-C", "guest", "-f"])
                .arg(d.join(name)));
            if clients.contains(&Client::Plink) {
                run(Command::new("puttygen")
                    .arg(d.join(name))
                    .args(["-O", "private", "-o"])
                    .arg(d.join(format!("{name}.ppk"))));
            }
            if clients.contains(&Client::Dbclient) {
                run(Command::new("dropbearconvert")
                    .args(["openssh", "dropbear"])
                    .arg(d.join(name))
                    .arg(d.join(format!("{name}.dropbear"))));
            }
        }
        let mut agent = None;
        if clients.contains(&Client::OpenSsh) {
            let sock = d.join("agent.sock");
            agent = Some(
                Command::new("ssh-agent")
                    .arg("-D")
                    .arg("-a")
                    .arg(&sock)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            let deadline = Instant::now() + WAIT;
            while !sock.exists() {
                assert!(Instant::now() < deadline, "ssh-agent did not start");
                std::thread::sleep(Duration::from_millis(10));
            }
            run(Command::new("ssh-add")
                .arg(d.join("rsa"))
                .env("SSH_AUTH_SOCK", &sock)
                .stdout(Stdio::null()));
        }
        Kit { dir, agent }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Kit {
    fn drop(&mut self) {
        if let Some(mut a) = self.agent.take() {
            let _ = a.kill();
            let _ = a.wait();
        }
    }
}

/// A one-connection relay on 127.0.0.1 that connects on to `server` from `source`.
fn relay(server: SocketAddr, source: Ipv4Addr) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((client, _)) = listener.accept() else {
            return;
        };
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.bind(&SocketAddr::from((source, 0)).into()).unwrap();
        socket.connect(&server.into()).unwrap();
        let upstream: TcpStream = socket.into();
        let pipe = |mut from: TcpStream, mut to: TcpStream| {
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(std::net::Shutdown::Write);
            })
        };
        pipe(client.try_clone().unwrap(), upstream.try_clone().unwrap());
        pipe(upstream, client);
    });
    port
}

/// paramiko: exactly the method asked for; stdin → channel → stdout; its exit status.
const PARAMIKO: &str = r#"
import os, sys, threading, paramiko
port, cred, key, pty, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5]
t = paramiko.Transport(("127.0.0.1", port))
t.start_client(timeout=10)
def no_prompts(title, instructions, prompts):
    if prompts:
        sys.exit("prompted: %r" % (prompts,))
    return []
if cred == "none":
    try:
        t.auth_none("guest")
    except paramiko.BadAuthenticationType:
        t.auth_interactive("guest", no_prompts)
elif cred == "kbdint":
    t.auth_interactive("guest", no_prompts)
else:
    k = (paramiko.RSAKey if cred == "rsa" else paramiko.Ed25519Key).from_private_key_file(key)
    t.auth_publickey("guest", k)
ch = t.open_session(timeout=10)
if pty:
    ch.get_pty(term="xterm-256color", width=100, height=30)
    ch.invoke_shell()
else:
    ch.exec_command(cmd)
def pump():
    while True:
        b = sys.stdin.buffer.read1(1024)
        if not b:
            return
        ch.sendall(b)
threading.Thread(target=pump, daemon=True).start()
while True:
    b = ch.recv(65536)
    if not b:
        break
    sys.stdout.buffer.write(b)
    sys.stdout.buffer.flush()
# os._exit: the stdin thread may still be reading.
os._exit(ch.recv_exit_status())
"#;

/// asyncssh: its own choice of method (none first) from what it is given.
const ASYNCSSH: &str = r#"
import asyncio, os, sys, threading, asyncssh
port, cred, key, pty, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5]
class Guest(asyncssh.SSHClient):
    def kbdint_auth_requested(self):
        return ""
    def kbdint_challenge_received(self, name, instructions, lang, prompts):
        if prompts:
            sys.exit("prompted: %r" % (prompts,))
        return []
async def main():
    opts = dict(username="guest", known_hosts=None, agent_path=None, client_keys=None)
    if cred in ("rsa", "ed25519"):
        opts.update(client_keys=[key], preferred_auth="publickey")
    elif cred == "kbdint":
        opts.update(preferred_auth="keyboard-interactive")
    conn, _ = await asyncssh.create_connection(Guest, "127.0.0.1", port, **opts)
    async with conn:
        if pty:
            proc = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        else:
            proc = await conn.create_process(cmd, encoding=None)
        loop = asyncio.get_running_loop()
        def pump():
            while True:
                b = sys.stdin.buffer.read1(1024)
                if not b:
                    return
                loop.call_soon_threadsafe(proc.stdin.write, b)
        threading.Thread(target=pump, daemon=True).start()
        while True:
            b = await proc.stdout.read(65536)
            if not b:
                break
            sys.stdout.buffer.write(b)
            sys.stdout.buffer.flush()
        await proc.wait()
        return proc.exit_status
code = asyncio.run(main())
sys.stdout.flush()
os._exit(code or 0)
"#;

/// The command line of one cell (a PTY cell of a native client runs inside `script`,
/// in a 100×30 pseudo-terminal).
fn command(client: Client, cred: Cred, pty: bool, port: u16, kit: &Kit, hostkey: &str) -> Command {
    let key = |ext: &str| match cred {
        Cred::Rsa => kit.path(&format!("rsa{ext}")),
        Cred::Ed25519 => kit.path(&format!("ed25519{ext}")),
        _ => PathBuf::new(),
    };
    let cred_name = match cred {
        Cred::None => "none",
        Cred::Rsa => "rsa",
        Cred::Ed25519 => "ed25519",
        Cred::KbdInt => "kbdint",
    };
    let port_s = port.to_string();
    let native = |args: Vec<String>| -> Command {
        if pty {
            let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
            let mut c = Command::new("script");
            c.args(["-qefc"])
                .arg(format!("stty cols 100 rows 30; exec {}", quoted.join(" ")))
                .arg("/dev/null");
            c
        } else {
            let mut c = Command::new(&args[0]);
            c.args(&args[1..]);
            c
        }
    };
    let s = |x: &str| x.to_string();
    let p = |x: PathBuf| x.to_string_lossy().into_owned();
    match client {
        Client::OpenSsh => {
            let mut a: Vec<String> = ["ssh", "-F", "/dev/null", "-p", &port_s]
                .map(s)
                .into_iter()
                .chain(
                    [
                        "StrictHostKeyChecking=no",
                        "UserKnownHostsFile=/dev/null",
                        "LogLevel=ERROR",
                    ]
                    .iter()
                    .flat_map(|o| [s("-o"), s(o)]),
                )
                .collect();
            let opts: Vec<String> = match cred {
                // A keyless user's defaults (BatchMode would skip keyboard-interactive,
                // the only way in for a keyless client when `none` is refused).
                Cred::None => vec![s("PubkeyAuthentication=no"), s("IdentityAgent=none")],
                // The RSA-only agent of the issue.
                Cred::Rsa => vec![
                    s("BatchMode=yes"),
                    format!("IdentityAgent={}", p(kit.path("agent.sock"))),
                    s("PreferredAuthentications=publickey"),
                ],
                Cred::Ed25519 => vec![
                    s("BatchMode=yes"),
                    s("IdentityAgent=none"),
                    s("IdentitiesOnly=yes"),
                    format!("IdentityFile={}", p(key(""))),
                    s("PreferredAuthentications=publickey"),
                ],
                // BatchMode skips keyboard-interactive; a prompt would hang or fail.
                Cred::KbdInt => vec![
                    s("IdentityAgent=none"),
                    s("PubkeyAuthentication=no"),
                    s("PreferredAuthentications=keyboard-interactive"),
                ],
            };
            a.extend(opts.into_iter().flat_map(|o| [s("-o"), o]));
            if pty {
                a.extend([s("-tt"), s("guest@127.0.0.1")]);
            } else {
                a.extend([s("-T"), s("guest@127.0.0.1"), s("projects")]);
            }
            native(a)
        }
        Client::Plink => {
            let mut a = [
                "plink", "-ssh", "-batch", "-noagent", "-P", &port_s, "-hostkey", hostkey,
            ]
            .map(s)
            .to_vec();
            if matches!(cred, Cred::Rsa | Cred::Ed25519) {
                a.extend([s("-i"), p(key(".ppk"))]);
            }
            if pty {
                a.extend([s("-t"), s("guest@127.0.0.1")]);
            } else {
                a.extend([s("-T"), s("guest@127.0.0.1"), s("projects")]);
            }
            native(a)
        }
        Client::Dbclient => {
            let mut a = ["dbclient", "-y", "-y", "-p", &port_s].map(s).to_vec();
            if matches!(cred, Cred::Rsa | Cred::Ed25519) {
                a.extend([s("-i"), p(key(".dropbear"))]);
            }
            if pty {
                a.extend([s("-t"), s("guest@127.0.0.1")]);
            } else {
                a.extend([s("-T"), s("guest@127.0.0.1"), s("projects")]);
            }
            native(a)
        }
        Client::Paramiko | Client::AsyncSsh => {
            let script = if client == Client::Paramiko {
                PARAMIKO
            } else {
                ASYNCSSH
            };
            let mut c = Command::new("python3");
            c.args(["-W", "ignore", "-c", script, &port_s, cred_name])
                .arg(key(""))
                .arg(if pty { "1" } else { "0" })
                .arg("projects");
            c
        }
    }
}

/// Run one cell: returns the client's failure, if any.
fn cell(mut cmd: Command, pty: bool, kit: &Kit) -> Result<(), String> {
    cmd.env("HOME", kit.path("home"))
        .env("TERM", "xterm-256color")
        .env("SHELL", "/bin/sh")
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let mut stdin = child.stdin.take();
    if !pty {
        stdin = None; // EOF: an exec command needs no input
    }
    let out = Arc::new(Mutex::new(Vec::new()));
    let err = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    for (mut from, to) in [
        (
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            out.clone(),
        ),
        (Box::new(child.stderr.take().unwrap()), err.clone()),
    ] {
        readers.push(std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                to.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        }));
    }
    let said = |out: &Mutex<Vec<u8>>, err: &Mutex<Vec<u8>>| {
        format!(
            "stdout: {:?}\nstderr: {}",
            String::from_utf8_lossy(&out.lock().unwrap())
                .chars()
                .take(600)
                .collect::<String>(),
            String::from_utf8_lossy(&err.lock().unwrap())
        )
    };
    let deadline = Instant::now() + CELL_WAIT;
    if pty {
        // The first frame: the section tabs on a 100×30 screen. Then `q`.
        loop {
            let mut term = vt100::Parser::new(30, 100, 0);
            term.process(&out.lock().unwrap());
            let screen = term.screen().contents();
            if screen.contains("Projects") && screen.contains("Blog") {
                break;
            }
            if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no first frame; screen:\n{screen}\n{}",
                    said(&out, &err)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(w) = stdin.as_mut() {
            let _ = w.write_all(b"q");
            let _ = w.flush();
        }
    }
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not exit; {}", said(&out, &err)));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    // The readers finish at EOF, just after the exit: wait for them (a fixed pause
    // here lost the output of a client that exited while the machine was loaded).
    while !readers.iter().all(|r| r.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !status.success() {
        return Err(format!("exit {status}; {}", said(&out, &err)));
    }
    if !pty && !String::from_utf8_lossy(&out.lock().unwrap()).contains("Legacy Monitor") {
        return Err(format!("no project list; {}", said(&out, &err)));
    }
    Ok(())
}

/// Every present client × credential × PTY against a server started with `v`.
pub fn matrix(test: &str, v: &Variant) {
    let clients: Vec<Client> = CLIENTS
        .into_iter()
        .filter(|c| tools::need(c.present(), test, &format!("{c:?}")))
        .collect();
    if !tools::need(
        which("ssh-keygen") && which("script"),
        test,
        "ssh-keygen and script",
    ) {
        return;
    }
    let kit = Arc::new(Kit::new(&clients));
    let mut server = serve_defaults(v.args);
    let hostkey = {
        let line = server.wait_log("generated host key");
        let at = line.find("fingerprint=").unwrap() + "fingerprint=".len();
        line[at..].split_whitespace().next().unwrap().to_string()
    };
    let mut cells = Vec::new();
    for &client in &clients {
        for cred in CREDS {
            for pty in [false, true] {
                cells.push((client, cred, pty));
            }
        }
    }
    // Each cell from its own address: 127.0.0.10, .11, …
    let queue = Arc::new(Mutex::new(
        cells.iter().copied().enumerate().collect::<Vec<_>>(),
    ));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, results, kit, hostkey) =
                (queue.clone(), results.clone(), kit.clone(), hostkey.clone());
            let addr = server.addr;
            std::thread::spawn(move || {
                loop {
                    let Some((i, (client, cred, pty))) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let source = Ipv4Addr::new(127, 0, 0, 10 + i as u8);
                    let port = relay(addr, source);
                    let r = cell(command(client, cred, pty, port, &kit, &hostkey), pty, &kit);
                    results.lock().unwrap().push((i, source, r));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by_key(|r| r.0);
    // Which method let each one in: its `connection` line.
    let log = server.wait_until("a connection line per cell", |log| {
        results
            .iter()
            .all(|(_, source, r)| r.is_err() || log.contains(&format!("connection peer={source}:")))
    });
    let mut failures = Vec::new();
    let mut table = String::new();
    for (i, source, r) in &results {
        let (client, cred, pty) = cells[*i];
        let want = client.expected_auth(cred, v);
        let got = log
            .lines()
            .find(|l| l.contains(&format!("connection peer={source}:")))
            .and_then(|l| l.split(" auth=").nth(1))
            .map(|a| {
                a.split(' ')
                    .next()
                    .unwrap_or_default()
                    .trim_matches('"')
                    .to_string()
            })
            .unwrap_or_default();
        let pty_s = if pty { "pty" } else { "exec" };
        let verdict = match r {
            Err(e) => format!(
                "FAILED: {e}\nserver: {:?}",
                log.lines()
                    .filter(|l| l.contains(&format!("peer={source}:")))
                    .collect::<Vec<_>>()
            ),
            Ok(()) if got != want => format!("FAILED: logged in with {got:?}, expected {want:?}"),
            Ok(()) => format!("ok ({got})"),
        };
        table.push_str(&format!("{client:?} {cred:?} {pty_s}: {verdict}\n"));
        if !verdict.starts_with("ok") {
            failures.push(format!("{client:?} {cred:?} {pty_s}: {verdict}"));
        }
    }
    eprintln!("{test}:\n{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_client_logs_in_with_every_credential() {
    matrix("every_client_logs_in_with_every_credential", &DEFAULT);
}

#[test]
fn every_client_logs_in_with_every_credential_when_guests_are_identified() {
    matrix(
        "every_client_logs_in_with_every_credential_when_guests_are_identified",
        &IDENTIFY_GUESTS,
    );
}
