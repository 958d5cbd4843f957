//! `sshfolio fetch-images`: download every image the content refers to (story images,
//! thumbnails, Markdown images) into `content/images/`, named by a hash of the URL, and
//! list them in `content/images/remote.yml`. Source files are never touched.
//!
//! Limits per image: https only (http only to loopback, for tests), at most
//! `MAX_REDIRECTS` redirects (each hop checked again), `Limits::timeout` for the whole
//! image, `Limits::max_bytes`, and image content types we can show (png, jpeg, gif).
//! A failure is one line naming the image and never stops the others.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::content::images::{self, remote};

/// Most redirects followed for one image.
pub const MAX_REDIRECTS: usize = 3;

/// Bounds on each download.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For the whole image: connect, redirects, headers and body.
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// References downloaded now.
    pub fetched: Vec<String>,
    /// References already on disk (local files or earlier downloads).
    pub present: usize,
    /// `reference: why` for each image that failed.
    pub failed: Vec<String>,
    /// Site paths skipped because no `--site` was given.
    pub no_site: Vec<String>,
}

/// Download what `content`'s references need. `site` is the live website that
/// site-relative paths (`/images/x.png`) are fetched from. Progress and failures go to
/// `log`, one line each.
pub fn fetch_images(
    content: &Path,
    site: Option<&str>,
    limits: Limits,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Report> {
    let index = crate::content::load(content).map_err(|e| {
        let first = e.diagnostics.first().map(|d| d.to_string());
        anyhow::anyhow!(
            "{} cannot be loaded{}",
            content.display(),
            first.map(|d| format!(": {d}")).unwrap_or_default()
        )
    })?;
    let refs = crate::content::loader::image_refs(
        &index.site,
        &index.projects,
        &index.posts,
        &index.stories,
    );
    let mut remote =
        remote::try_read(content).map_err(|e| anyhow::anyhow!("images/{}: {e}", remote::FILE))?;
    let agent = agent();
    let site = site.map(|s| s.trim_end_matches('/'));
    let mut report = Report::default();
    let mut seen = std::collections::HashSet::new();
    for (src, _) in refs {
        let src = src.trim();
        if src.is_empty() || !seen.insert(src) {
            continue;
        }
        if images::resolve(content, &remote, src).is_some() {
            report.present += 1;
            continue;
        }
        let (url, from_site) = if is_url(src) {
            (src.to_string(), false)
        } else {
            match site {
                Some(site) => (format!("{site}/{}", src.trim_start_matches('/')), true),
                None => {
                    report.no_site.push(src.to_string());
                    continue;
                }
            }
        };
        match download(&agent, &url, limits) {
            Ok((bytes, kind)) => {
                let file = file_name(&url, &kind);
                let dir = content.join("images");
                let saved = std::fs::create_dir_all(&dir)
                    .and_then(|()| std::fs::write(dir.join(&file), &bytes));
                if let Err(e) = saved {
                    report.failed.push(format!("{src}: cannot save: {e}"));
                    log(&format!("failed {src}: cannot save: {e}"));
                    continue;
                }
                log(&format!(
                    "fetched {src} -> images/{file} ({} bytes)",
                    bytes.len()
                ));
                remote.insert(
                    src.to_string(),
                    remote::Entry {
                        file,
                        size: bytes.len() as u64,
                        kind,
                        fetched: rfc3339(SystemTime::now()),
                        from: from_site.then_some(url),
                    },
                );
                report.fetched.push(src.to_string());
            }
            Err(e) => {
                log(&format!("failed {src}: {e}"));
                report.failed.push(format!("{src}: {e}"));
            }
        }
    }
    if !report.fetched.is_empty() {
        remote::write(content, &remote)?;
    }
    if !report.no_site.is_empty() {
        log(&format!(
            "{} site path(s) skipped (give --site URL to fetch them), e.g. {}",
            report.no_site.len(),
            report.no_site[0]
        ));
    }
    Ok(report)
}

fn is_url(src: &str) -> bool {
    let lower = src.get(..8).unwrap_or(src).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// One agent for the run: redirects followed by hand (each hop is checked), no proxy
/// from the environment, statuses read rather than turned into errors.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .proxy(None)
        .user_agent("sshfolio fetch-images")
        .accept("image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5")
        .build()
        .new_agent()
}

/// Why one image was not downloaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("not an https URL (http is allowed only to localhost): {0}")]
    Scheme(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    Redirects,
    #[error("redirect without a Location")]
    NoLocation,
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("not an image we can show (content type `{0}`)")]
    Type(String),
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Http(String),
}

/// Content types kept (what `content::images` decodes).
const TYPES: &[&str] = &["image/png", "image/jpeg", "image/jpg", "image/gif"];

/// GET `url` within `limits`: the body and its content type.
pub fn download(
    agent: &ureq::Agent,
    url: &str,
    limits: Limits,
) -> Result<(Vec<u8>, String), FetchError> {
    let deadline = Instant::now() + limits.timeout;
    let mut url = url.to_string();
    for hop in 0..=MAX_REDIRECTS {
        allowed(&url)?;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(FetchError::Timeout(limits.timeout));
        }
        let mut resp = agent
            .get(&url)
            .config()
            .timeout_global(Some(left))
            .build()
            .call()
            .map_err(|e| http_error(e, limits))?;
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            if hop == MAX_REDIRECTS {
                return Err(FetchError::Redirects);
            }
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or(FetchError::NoLocation)?;
            url = join(&url, location);
            continue;
        }
        if status != 200 {
            return Err(FetchError::Status(status));
        }
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !TYPES.contains(&kind.as_str()) {
            return Err(FetchError::Type(kind));
        }
        let declared = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limits.max_bytes) {
            return Err(FetchError::TooLarge(limits.max_bytes));
        }
        let mut bytes = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(limits.max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                if Instant::now() >= deadline || e.kind() == std::io::ErrorKind::TimedOut {
                    FetchError::Timeout(limits.timeout)
                } else {
                    FetchError::Http(e.to_string())
                }
            })?;
        if bytes.len() as u64 > limits.max_bytes {
            return Err(FetchError::TooLarge(limits.max_bytes));
        }
        let kind = if kind == "image/jpg" {
            "image/jpeg".to_string()
        } else {
            kind
        };
        return Ok((bytes, kind));
    }
    Err(FetchError::Redirects)
}

fn http_error(e: ureq::Error, limits: Limits) -> FetchError {
    match e {
        ureq::Error::Timeout(_) => FetchError::Timeout(limits.timeout),
        other => FetchError::Http(other.to_string()),
    }
}

/// https anywhere; http only to a loopback host (tests and local mirrors).
fn allowed(url: &str) -> Result<(), FetchError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    if let Some(rest) = lower.strip_prefix("http://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or("");
        let host = if let Some(v6) = host_port.strip_prefix('[') {
            v6.split(']').next().unwrap_or("")
        } else {
            host_port.split(':').next().unwrap_or("")
        };
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(());
        }
    }
    Err(FetchError::Scheme(url.chars().take(200).collect()))
}

/// A redirect's `Location` against the URL it came from.
fn join(base: &str, location: &str) -> String {
    let location = location.trim();
    if is_url(location) {
        return location.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}{rest}", &base[..scheme_end]);
    }
    if location.starts_with('/') {
        return format!("{}{location}", &base[..authority_end]);
    }
    let path = &base[authority_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{}{dir}{location}", &base[..authority_end])
}

/// `images/<16 hex of sha256(url)>.<ext>`: stable, so a re-run finds the same file.
pub fn file_name(url: &str, kind: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, url.as_bytes());
    let hex: String = digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ext = match kind {
        "image/png" => "png",
        "image/gif" => "gif",
        _ => "jpg",
    };
    format!("{hex}.{ext}")
}

/// `2026-12-06T17:40:00Z`.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(allowed("https://images.example/a.png").is_ok());
        assert!(allowed("http://127.0.0.1:8080/a.png").is_ok());
        assert!(allowed("http://localhost/a.png").is_ok());
        assert!(allowed("http://[::1]:9/a.png").is_ok());
        assert!(allowed("http://example.com/a.png").is_err());
        assert!(allowed("http://127.0.0.1.evil.test/a.png").is_err());
        assert!(allowed("http://user@10.0.0.1/a.png").is_err());
        assert!(allowed("ftp://127.0.0.1/a.png").is_err());
        assert!(allowed("file:///etc/passwd").is_err());
    }

    #[test]
    fn redirect_locations_resolve_against_the_url() {
        let base = "http://127.0.0.1:80/a/b.png?x=1";
        assert_eq!(join(base, "/c.png"), "http://127.0.0.1:80/c.png");
        assert_eq!(join(base, "c.png"), "http://127.0.0.1:80/a/c.png");
        assert_eq!(join(base, "https://x.test/d"), "https://x.test/d");
        assert_eq!(join(base, "//x.test/e"), "http://x.test/e");
    }

    #[test]
    fn names_are_stable_hashes_and_dates_are_utc() {
        let a = file_name("https://x.test/a?w=1", "image/jpeg");
        assert_eq!(a, file_name("https://x.test/a?w=1", "image/jpeg"));
        assert_ne!(a, file_name("https://x.test/a?w=2", "image/jpeg"));
        assert!(a.ends_with(".jpg") && a.len() == 20, "{a}");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        assert_eq!(rfc3339(t), "2026-05-28T20:26:40Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
