//! Pictures in a session: the image probe's answers turned into the guest's protocol
//! (`Probe`), and the cell-buffer side of writing pixels after a frame (cells a picture
//! left behind are repainted; a picture whose cells changed is written again).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::graphics::Protocol;
use crate::graphics::detect::{self, Answers, Env};
use crate::tui::input::Reply;

/// One guest's image probe: what its environment said, what its terminal answered.
#[derive(Debug)]
pub(crate) struct Probe {
    env: Env,
    answers: Answers,
    protocol: Protocol,
    cell: (u16, u16),
    /// The decision changed since `take_change`.
    changed: bool,
}

impl Probe {
    /// The probe for `env`, the protocol its environment alone gives (used until the
    /// terminal answers, so a silent terminal costs nothing), and the queries to send
    /// (none when the answers could not change the decision: `NO_COLOR`, tmux).
    pub fn start(env: Env) -> (Self, &'static [u8]) {
        let answers = Answers::default();
        let protocol = detect::decide(&env, &answers);
        let cell = detect::cell_size(&env, &answers);
        let forced = {
            let all = Answers {
                kitty: true,
                sixel: true,
                da1: true,
                ..Answers::default()
            };
            detect::decide(&env, &all) == protocol
        };
        let probe = Self {
            env,
            answers,
            protocol,
            cell,
            changed: false,
        };
        (probe, if forced { &[] } else { detect::PROBE })
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn cell(&self) -> (u16, u16) {
        self.cell
    }

    /// Take a terminal reply; other replies are ignored.
    pub fn reply(&mut self, r: &Reply) {
        match r {
            Reply::KittyGraphics { ok } => self.answers.kitty |= *ok,
            Reply::DeviceAttributes { sixel } => {
                self.answers.da1 = true;
                self.answers.sixel |= *sixel;
            }
            Reply::Version(v) => self.answers.version = Some(v.clone()),
            Reply::CellSize { width, height } => self.answers.cell = Some((*width, *height)),
            _ => return,
        }
        let protocol = detect::decide(&self.env, &self.answers);
        let cell = detect::cell_size(&self.env, &self.answers);
        if (protocol, cell) != (self.protocol, self.cell) {
            self.protocol = protocol;
            self.cell = cell;
            self.changed = true;
        }
    }

    /// The new decision, once, after it changed.
    pub fn take_change(&mut self) -> Option<(Protocol, (u16, u16))> {
        std::mem::take(&mut self.changed).then_some((self.protocol, self.cell))
    }
}

/// Make the cells of `r` in `shown` differ from anything a frame draws, so the next
/// diff repaints them (over the pixels a picture left there).
pub(crate) fn invalidate(shown: &mut Buffer, r: Rect) {
    let r = r.intersection(shown.area);
    for y in r.y..r.bottom() {
        for x in r.x..r.right() {
            if let Some(c) = shown.cell_mut((x, y)) {
                c.set_symbol("\u{fffe}");
            }
        }
    }
}

/// Whether any cell of `r` differs between the two frames.
pub(crate) fn changed(shown: &Buffer, next: &Buffer, r: Rect) -> bool {
    let r = r.intersection(shown.area).intersection(next.area);
    (r.y..r.bottom()).any(|y| (r.x..r.right()).any(|x| shown.cell((x, y)) != next.cell((x, y))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_switch_the_protocol_once() {
        let (mut p, q) = Probe::start(Env {
            term: "xterm-256color".into(),
            ..Env::default()
        });
        assert_eq!(q, detect::PROBE);
        assert_eq!(p.protocol(), Protocol::HalfBlocks);
        p.reply(&Reply::CellSize {
            width: 8,
            height: 16,
        });
        p.reply(&Reply::DeviceAttributes { sixel: true });
        assert_eq!(p.take_change(), Some((Protocol::Sixel, (8, 16))));
        assert_eq!(p.take_change(), None);
        p.reply(&Reply::DeviceAttributes { sixel: true });
        assert_eq!(p.take_change(), None);
    }

    #[test]
    fn tmux_and_no_color_send_no_probe() {
        let (p, q) = Probe::start(Env {
            term: "tmux-256color".into(),
            ..Env::default()
        });
        assert!(q.is_empty());
        assert_eq!(p.protocol(), Protocol::HalfBlocks);
        let (p, q) = Probe::start(Env {
            term: "xterm".into(),
            no_images: true,
            ..Env::default()
        });
        assert!(q.is_empty());
        assert_eq!(p.protocol(), Protocol::None);
    }
}

/// The figures in BENCHMARKS.md ("Pictures"): bytes and server CPU per protocol for
/// opening the Stories screen and for scrolling a post past an image (first guest:
/// encodes; second: from the shared cache). Run with
/// `cargo test --release --lib pictures_bench -- --ignored --nocapture`.
#[cfg(test)]
mod bench {
    use std::sync::Arc;
    use std::time::Instant;

    use super::super::{ByteScreen, Screen};
    use crate::content::Index;
    use crate::cpu_time::thread_cpu;
    use crate::graphics::Protocol;
    use crate::render::cache::RenderCache;
    use crate::tui::input::{InputParser, Parsed};
    use crate::tui::{App, AppEvent, AppOptions};

    fn photo(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let r = (x * 255 / w) as u8;
            let g = (y * 255 / h) as u8;
            let b = ((x ^ y) & 0xff) as u8;
            image::Rgb([r, g, b])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn keys(app: &mut App, bytes: &[u8]) {
        let mut p = InputParser::new();
        for item in p.feed(bytes, Instant::now()) {
            if let Parsed::Event(ev) = item {
                app.update(AppEvent::Input(ev));
            }
        }
    }

    /// One guest of a 120×40 screen drawing `protocol`, opened at `start` (or home),
    /// types `typed` a key and a frame at a time: the bytes sent and the CPU time taken.
    fn guest(
        index: &Arc<Index>,
        cache: &RenderCache,
        protocol: Protocol,
        start: Option<&str>,
        typed: &[u8],
    ) -> String {
        let opts = AppOptions {
            images: protocol,
            start: start.map(Into::into),
            ..Default::default()
        };
        let mut app = App::new(index.clone(), cache.clone(), opts);
        let mut screen = ByteScreen::new(120, 40).unwrap();
        screen.set_images(protocol, (10, 20));
        screen.draw(&app).unwrap();
        screen.take_output();
        let t = thread_cpu();
        let mut bytes = 0;
        for key in typed {
            keys(&mut app, std::slice::from_ref(key));
            screen.draw(&app).unwrap();
            bytes += screen.take_output().len();
        }
        let cpu = (thread_cpu() - t).as_secs_f64() * 1e3;
        format!("{bytes} B, {cpu:.1} ms")
    }

    #[test]
    #[ignore]
    fn pictures_bench() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path();
        std::fs::create_dir_all(c.join("images")).unwrap();
        std::fs::create_dir_all(c.join("stories")).unwrap();
        std::fs::create_dir_all(c.join("blog")).unwrap();
        std::fs::write(c.join("site.yml"), "name: Bench\n").unwrap();
        std::fs::write(c.join("images/story.png"), photo(1080, 720)).unwrap();
        std::fs::write(c.join("images/inline.png"), photo(640, 360)).unwrap();
        std::fs::write(
            c.join("stories/01-a.yml"),
            "label: A\ntext: A story.\nimage: /images/story.png\n",
        )
        .unwrap();
        let para = "Some words that fill a line of text in the post, and wrap. ".repeat(4);
        let mut md = String::from("---\ntitle: Post\ndate: 2026-01-02\n---\n");
        for _ in 0..12 {
            md.push_str(&format!("{para}\n\n"));
        }
        md.push_str("![inline](/images/inline.png)\n\n");
        for _ in 0..30 {
            md.push_str(&format!("{para}\n\n"));
        }
        std::fs::write(c.join("blog/post.md"), md).unwrap();
        let index = Arc::new(crate::content::load(c).unwrap());
        println!(
            "| protocol | open Stories, 1st guest | open Stories, 2nd guest | scroll 60 lines past an image, 1st guest | … 2nd guest |"
        );
        println!("|---|---|---|---|---|");
        for protocol in [
            Protocol::Kitty,
            Protocol::Sixel,
            Protocol::Iterm2,
            Protocol::HalfBlocks,
        ] {
            let cache = RenderCache::new();
            let mut cells = Vec::new();
            for _guest in 0..2 {
                cells.push(guest(&index, &cache, protocol, None, b"4"));
            }
            // Two guests scroll the same post: the first encodes, the second is served
            // from the shared cache.
            for _guest in 0..2 {
                cells.push(guest(
                    &index,
                    &cache,
                    protocol,
                    Some("blog/post"),
                    &[b'j'; 60],
                ));
            }
            println!(
                "| {} | {} | {} | {} | {} |",
                protocol.label(),
                cells[0],
                cells[1],
                cells[2],
                cells[3]
            );
        }
    }
}

/// Draw `p` as half-block cells into `buf` (a picture over the session's encode budget):
/// the picture fitted to its whole box and centred in it, the rows in view.
pub(crate) fn draw_cells(buf: &mut Buffer, p: &crate::graphics::Placement) {
    let area = p.area.intersection(buf.area);
    if area.width == 0 || area.height == 0 {
        return;
    }
    let box_rows = if p.clip.rows == 0 {
        area.height
    } else {
        p.clip.rows.max(area.height)
    };
    let lines =
        crate::render::preview_lines(&p.image, usize::from(area.width), usize::from(box_rows));
    let h = lines.len() as u16;
    let w = lines.first().map_or(0, |l| l.width() as u16);
    let x = area.x + area.width.saturating_sub(w) / 2;
    let top = box_rows.saturating_sub(h) / 2;
    for (i, line) in lines.iter().enumerate() {
        // Box row `top + i`, shown at `area.y + (row - above)` when in view.
        let Some(r) = (top + i as u16).checked_sub(p.clip.above) else {
            continue;
        };
        if r < area.height {
            buf.set_line(x, area.y + r, line, w);
        }
    }
}
