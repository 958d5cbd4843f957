//! `sshfolio local` in a real pseudo-terminal (openpty): the terminal is probed for
//! pictures as an SSH guest's is, a kitty terminal gets kitty images, a silent one
//! half-blocks, and no query or reply shows on the screen.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::images::png;
use crate::util::{self, ContentDir};

const PROBE: &[u8] = sshfolio::graphics::detect::PROBE;

/// `sshfolio local` on the slave side of a 100×30 pty; what it writes is collected.
struct Local {
    master: std::fs::File,
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Local {
    fn start(content: &ContentDir, term: &str) -> Local {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 30,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors we then own.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: both are fresh descriptors from openpty, owned from here on.
        let (master, slave) = unsafe {
            (
                std::fs::File::from_raw_fd(master),
                OwnedFd::from_raw_fd(slave),
            )
        };
        let mut cmd = util::bin();
        cmd.args(["local", "--content"])
            .arg(content.path())
            .env("TERM", term)
            .env_remove("NO_COLOR")
            .env_remove("TERM_PROGRAM")
            .env_remove("COLORTERM")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // The pty becomes the child's controlling terminal (what /dev/tty opens).
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Local { master, child, out }
    }

    fn raw(&self) -> Vec<u8> {
        self.out.lock().unwrap().clone()
    }

    fn screen(&self) -> vt100::Screen {
        let mut p = vt100::Parser::new(30, 100, 0);
        p.process(&self.raw());
        p.screen().clone()
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    fn wait(&self, what: &str, pred: impl Fn(&[u8], &vt100::Screen) -> bool) {
        let deadline = Instant::now() + util::WAIT;
        loop {
            let raw = self.raw();
            if pred(&raw, &self.screen()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{}",
                self.screen().contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `q` until it exits (it must, and cleanly).
    fn quit(mut self) {
        let deadline = Instant::now() + util::WAIT;
        loop {
            self.send(b"q");
            std::thread::sleep(Duration::from_millis(200));
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("`local` did not quit");
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content() -> ContentDir {
    let c = ContentDir::new();
    c.write("site.yml", "name: Local\n");
    c.write("images/photo.png", png(160, 90));
    c.write(
        "stories/01-sea.yml",
        "label: SEASIDE\ntext: A photo of the sea.\nimage: /images/photo.png\norder: 1\n",
    );
    c
}

fn no_stray_bytes(s: &vt100::Screen) {
    let text = s.contents();
    for q in ["Gi=31", "62;", "22c", "OK", "[16t", ">0q", "16;8"] {
        assert!(!text.contains(q), "{q:?} on screen:\n{text}");
    }
}

#[test]
fn local_probes_a_kitty_terminal_and_shows_kitty_images() {
    let c = content();
    let mut l = Local::start(&c, "xterm-kitty");
    l.wait("the image probe", |r, _| find(r, PROBE).is_some());
    l.send(b"\x1b_Gi=31;OK\x1b\\\x1b[6;16;8t\x1b[?62;22c");
    std::thread::sleep(Duration::from_millis(300));
    l.send(b"4");
    l.wait("a kitty image", |r, s| {
        find(r, b"\x1b_Ga=t,f=100,").is_some()
            && find(r, b"\x1b_Ga=p,").is_some()
            && s.contents().contains("SEASIDE")
    });
    let screen = l.screen();
    assert!(
        screen.contents().matches('▀').count() < 50,
        "pixels, not half-blocks"
    );
    no_stray_bytes(&screen);
    l.quit();
}

#[test]
fn local_with_a_silent_terminal_shows_half_blocks_and_no_stray_bytes() {
    let c = content();
    let mut l = Local::start(&c, "xterm-256color");
    l.wait("the image probe", |r, _| find(r, PROBE).is_some());
    // No answer at all: the first frames never waited for one.
    l.send(b"4");
    l.wait("half-blocks", |_, s| s.contents().matches('▀').count() > 50);
    let raw = l.raw();
    assert!(find(&raw, b"\x1b_Ga=").is_none() && find(&raw, b"\x1b]1337").is_none());
    no_stray_bytes(&l.screen());
    l.quit();
}
