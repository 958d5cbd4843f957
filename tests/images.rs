//! Images: `fetch-images` against a real HTTP server on 127.0.0.1 (limits, redirects,
//! `remote.yml`, re-runs), and hostile image files in `check`.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use sshfolio::content::images::remote;
use sshfolio::fetch::{Limits, fetch_images};

use crate::util::{ContentDir, sshfolio};

/// A small PNG, `w`×`h`, two colours.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if (x / 4 + y / 4) % 2 == 0 {
            image::Rgb([230, 60, 30])
        } else {
            image::Rgb([20, 90, 220])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A tiny HTTP/1.1 server: one thread, one request per connection, the routes the
/// tests need. Counts requests per path.
struct Http {
    addr: SocketAddr,
    hits: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Http {
    fn start() -> Http {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let h = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let h = h.clone();
                std::thread::spawn(move || serve(stream, &h));
            }
        });
        Http { addr, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, hits: &std::sync::Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
    }
    hits.lock().unwrap().push(path.clone());
    let respond = |s: &mut TcpStream, status: &str, headers: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(body);
    };
    match path.as_str() {
        "/a.png" | "/images/thumbs/site.png" | "/b.png" => respond(
            &mut stream,
            "200 OK",
            "Content-Type: image/png\r\n",
            &png(16, 8),
        ),
        "/photo" => respond(
            &mut stream,
            "200 OK",
            "Content-Type: image/png; charset=binary\r\n",
            &png(32, 16),
        ),
        "/big.png" => respond(
            &mut stream,
            "200 OK",
            "Content-Type: image/png\r\n",
            &vec![7u8; 5000],
        ),
        "/undeclared.png" => {
            // No Content-Length: the limit must stop the read itself.
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.write_all(&vec![7u8; 5000]);
        }
        "/page.html" => respond(
            &mut stream,
            "200 OK",
            "Content-Type: text/html\r\n",
            b"<html></html>",
        ),
        "/loop" => respond(&mut stream, "302 Found", "Location: /loop\r\n", b""),
        "/r1" => respond(&mut stream, "301 Moved", "Location: /r2\r\n", b""),
        "/r2" => respond(&mut stream, "302 Found", "Location: r3\r\n", b""),
        "/r3" => respond(&mut stream, "307 Temporary", "Location: /b.png\r\n", b""),
        "/away" => respond(
            &mut stream,
            "302 Found",
            "Location: http://192.0.2.1/x.png\r\n",
            b"",
        ),
        "/slow.png" => std::thread::sleep(Duration::from_secs(4)),
        _ => respond(&mut stream, "404 Not Found", "", b""),
    }
}

fn content_with(c: &ContentDir, http: &Http) {
    c.write("site.yml", "name: Test\n");
    let stories = [
        ("01-a", http.url("/a.png")),
        ("02-big", http.url("/big.png")),
        ("03-undeclared", http.url("/undeclared.png")),
        ("04-html", http.url("/page.html")),
        ("05-loop", http.url("/loop")),
        ("06-hops", http.url("/r1")),
        ("07-slow", http.url("/slow.png")),
        ("08-away", http.url("/away")),
        ("09-missing", http.url("/nothing.png")),
        ("10-plain-http", "http://example.com/x.png".to_string()),
    ];
    for (i, (name, url)) in stories.iter().enumerate() {
        c.write(
            &format!("stories/{name}.yml"),
            format!("label: S{i}\ntext: t\nimage: {url}\norder: {i}\n"),
        );
    }
    c.write(
        "projects/p.md",
        "---\ntitle: P\ndescription: d\nthumbnail: /images/thumbs/site.png\n---\nBody.\n",
    );
    c.write(
        "blog/post.md",
        format!(
            "---\ntitle: Post\ndate: 2026-01-02\n---\nText.\n\n![a photo]({})\n\n> ![quoted](/images/thumbs/site.png)\n",
            http.url("/photo")
        ),
    );
}

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(1),
        max_bytes: 4096,
    }
}

#[test]
fn fetch_images_downloads_within_limits_and_a_rerun_fetches_nothing() {
    let http = Http::start();
    let c = ContentDir::new();
    content_with(&c, &http);
    let source_before = std::fs::read_to_string(c.path().join("stories/01-a.yml")).unwrap();
    let mut lines = Vec::new();
    let site = http.url("");
    let report = fetch_images(c.path(), Some(&site), limits(), &mut |l| {
        lines.push(l.to_string())
    })
    .unwrap();
    let failed = |what: &str| {
        report
            .failed
            .iter()
            .find(|f| f.contains(what))
            .cloned()
            .unwrap_or_else(|| panic!("no failure for {what}: {:?}", report.failed))
    };
    assert!(failed("/big.png").contains("larger than 4096 bytes"));
    assert!(failed("/undeclared.png").contains("larger than 4096 bytes"));
    assert!(failed("/page.html").contains("content type `text/html`"));
    assert!(failed("/loop").contains("more than 3 redirects"));
    assert!(failed("/slow.png").contains("timed out"));
    assert!(failed("/away").contains("not an https URL"));
    assert!(failed("/nothing.png").contains("HTTP status 404"));
    assert!(failed("example.com").contains("not an https URL"));
    assert_eq!(report.failed.len(), 8, "{:?}", report.failed);
    // One line per failure, naming the image.
    for f in &report.failed {
        assert_eq!(lines.iter().filter(|l| l.ends_with(f.as_str())).count(), 1);
    }
    // Fetched: a plain image, one after 3 redirects, one with parameters in its type,
    // and a site path via --site.
    let mut fetched = report.fetched.clone();
    fetched.sort();
    let mut want = vec![
        http.url("/a.png"),
        http.url("/r1"),
        http.url("/photo"),
        "/images/thumbs/site.png".to_string(),
    ];
    want.sort();
    assert_eq!(fetched, want);

    let r = remote::read(c.path());
    assert_eq!(r.len(), 4);
    let a = &r[&http.url("/a.png")];
    assert_eq!(a.kind, "image/png");
    assert_eq!(a.size, png(16, 8).len() as u64);
    assert!(a.file.ends_with(".png") && a.fetched.ends_with('Z'));
    assert_eq!(
        std::fs::read(c.path().join("images").join(&a.file)).unwrap(),
        png(16, 8)
    );
    let site_entry = &r["/images/thumbs/site.png"];
    assert_eq!(
        site_entry.from.as_deref(),
        Some(http.url("/images/thumbs/site.png").as_str())
    );
    // Sources untouched; the index now decodes the downloads.
    assert_eq!(
        std::fs::read_to_string(c.path().join("stories/01-a.yml")).unwrap(),
        source_before
    );
    let index = sshfolio::content::load(c.path()).unwrap();
    assert!(index.images.contains_key(&http.url("/a.png")));
    assert!(index.images.contains_key("/images/thumbs/site.png"));
    assert!(index.images.contains_key(&http.url("/photo")));

    // A re-run fetches nothing new (the failures are tried again).
    let before = http.hits().len();
    let again = fetch_images(c.path(), Some(&site), limits(), &mut |_| {}).unwrap();
    assert!(again.fetched.is_empty(), "{:?}", again.fetched);
    assert_eq!(again.present, 4);
    let new_hits: Vec<String> = http.hits()[before..].to_vec();
    for ok in [
        "/a.png",
        "/photo",
        "/images/thumbs/site.png",
        "/r1",
        "/b.png",
    ] {
        assert!(!new_hits.iter().any(|h| h == ok), "{ok} fetched again");
    }
}

#[test]
fn fetch_images_cli_reports_and_site_paths_need_site() {
    let http = Http::start();
    let c = ContentDir::new();
    c.write("site.yml", "name: Test\n");
    c.write(
        "stories/01-a.yml",
        format!("label: A\nimage: {}\n", http.url("/a.png")),
    );
    c.write(
        "projects/p.md",
        "---\ntitle: P\ndescription: d\nthumbnail: /images/thumbs/site.png\n---\n",
    );
    let dir = c.path().to_str().unwrap();
    let out = sshfolio(&["fetch-images", "--content", dir]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 fetched, 0 already here, 0 failed, 1 need --site"),
        "{stdout}"
    );
    assert!(stderr.contains("give --site URL"), "{stderr}");
    let out = sshfolio(&["fetch-images", "--content", dir, "--site", &http.url("/")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 fetched, 1 already here, 0 failed"),
        "{stdout}"
    );
}

/// CRC-32 (IEEE), as PNG chunks use.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn hostile_images_are_check_warnings_and_placeholders() {
    let c = ContentDir::new();
    c.write("site.yml", "name: Test\n");
    // A 20,000×20,000 PNG: a valid header and a few bytes of data (a decompression
    // bomb would inflate to 1.2 GB); refused by the decoder's limits before allocating.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    // A correct CRC over the IHDR chunk, so the decoder reads the size and refuses it.
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    c.write("images/bomb.png", &bomb);
    let mut gif = Vec::new();
    {
        let img = image::RgbaImage::from_pixel(64, 64, image::Rgba([1, 2, 3, 255]));
        let mut enc = image::codecs::gif::GifEncoder::new(&mut gif);
        enc.encode_frame(image::Frame::new(img)).unwrap();
    }
    gif.truncate(gif.len() / 2);
    c.write("images/cut.gif", &gif);
    c.write(
        "images/logo.svg",
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
    );
    c.write("images/empty.png", "");
    c.write(
        "blog/post.md",
        "---\ntitle: Post\ndate: 2026-01-02\n---\n![bomb](/images/bomb.png)\n\n![cut](/images/cut.gif)\n\n![logo](/images/logo.svg)\n\n![nothing](/images/empty.png)\n",
    );
    let started = std::time::Instant::now();
    let out = sshfolio(&["check", "--content", c.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for name in ["bomb.png", "cut.gif", "logo.svg", "empty.png"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no warning for {name}: {stderr}"));
        assert!(line.contains("blog/post.md:1:1: warning: image"), "{line}");
    }
    let bomb = stderr.lines().find(|l| l.contains("bomb.png")).unwrap();
    assert!(
        bomb.contains("limit"),
        "refused by the decoder's limits: {bomb}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // The reader shows framed placeholders with the alt text.
    let index = sshfolio::content::load(c.path()).unwrap();
    assert!(index.images.is_empty());
    let doc = &index.posts[0].body;
    let opts = sshfolio::render::RenderOptions {
        width: 60,
        theme: sshfolio::theme::ThemeKind::Dark,
        plain: true,
    };
    let text = sshfolio::render::render_with(doc, opts, &index.images)
        .plain_lines()
        .join("\n");
    for alt in ["bomb", "cut", "logo", "nothing"] {
        assert!(text.contains(&format!("[image] {alt}")), "{text}");
    }
}
