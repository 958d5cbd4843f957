//! Images: the site's `/images/...` files (under `content/images/`) and the downloads
//! `remote.yml` lists, decoded once at load time into a small RGB grid that the renderer
//! draws as half-blocks, and a larger picture that `graphics` encodes for terminals that
//! show pixels (kitty, sixel, iTerm2).
//!
//! Image files are opened like content files (`files::open_regular`: `O_NONBLOCK`, then
//! `fstat` on the open file: a FIFO, socket or device is refused and never blocks) and
//! a symlink that leads out of the content directory is refused unless the owner serves
//! with `--follow-symlinks`.
//!
//! Bounded: only png, jpeg and gif (first frame); files over `MAX_BYTES` or images over
//! `MAX_SIDE`×`MAX_SIDE` are refused before any pixel is allocated (explicit decoder
//! limits), at most `MAX_IMAGES` are decoded per load, pictures share `PICTURE_BUDGET`
//! bytes, and a corrupt, truncated or unsupported file is a warning, never a panic.
//!
//! - `remote`: `content/images/remote.yml`, the downloads of `sshfolio fetch-images`.

pub mod remote;

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

use super::rgb::Rgb;

/// Largest image file decoded.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Largest width or height decoded.
pub const MAX_SIDE: u32 = 4096;
/// Most images decoded per load.
const MAX_IMAGES: usize = 64;
/// A stored preview is at most this many pixels wide (one pixel per column) and
/// tall (two pixels per row: 48 rows of half-blocks, a full-screen story).
pub const PREVIEW_W: u32 = 160;
pub const PREVIEW_H: u32 = 96;
/// A picture for pixel protocols is at most this large (a full-screen story at 10×20
/// pixel cells and 80×30 cells is 800×600).
pub const PICTURE_W: u32 = 800;
pub const PICTURE_H: u32 = 600;
/// All pictures of one load together hold at most this many bytes of pixels; images
/// beyond it keep their half-block preview only.
pub const PICTURE_BUDGET: usize = 48 * 1024 * 1024;

/// Image ids are unique in the process (a reload gets new ones), so encodings cached by
/// id never mix two loads' images.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A small RGB picture, row-major, `width * height` pixels, and the larger picture that
/// pixel protocols show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub width: u16,
    pub height: u16,
    pub pixels: Vec<Rgb>,
    /// Unique in the process: the key of encodings and a kitty image number.
    pub id: u64,
    /// The image at up to `PICTURE_W`×`PICTURE_H`; `None` past `PICTURE_BUDGET`.
    pub picture: Option<Arc<Picture>>,
}

/// RGB pixels, row-major, three bytes a pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Preview {
    /// The pixel at (x, y); black outside.
    pub fn at(&self, x: usize, y: usize) -> Rgb {
        if x >= usize::from(self.width) {
            return Rgb(0, 0, 0);
        }
        let i = y * usize::from(self.width) + x;
        self.pixels.get(i).copied().unwrap_or(Rgb(0, 0, 0))
    }
}

/// Previews by `src` exactly as the content writes it (`/images/a.png`).
pub type Previews = HashMap<String, Arc<Preview>>;

/// The file a site path refers to: `/images/x/y.png` (or `images/…`) →
/// `<content>/images/x/y.png`. `None` for other paths, URLs and `..` tricks.
pub fn local_path(content: &Path, src: &str) -> Option<PathBuf> {
    let src = src.trim();
    let rest = src
        .strip_prefix("/images/")
        .or_else(|| src.strip_prefix("images/"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let rel = Path::new(rest);
    if rest.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(content.join("images").join(rel))
}

/// The file `src` refers to: `content/images/NAME` for `/images/NAME` or `images/NAME`
/// when something is there (a file, or a FIFO or directory that decoding then refuses),
/// else the download `remote` lists for it.
pub fn resolve(content: &Path, remote: &remote::Remote, src: &str) -> Option<PathBuf> {
    match local_path(content, src) {
        Some(p) if p.exists() => Some(p),
        _ => remote::path_of(content, remote, src),
    }
}

/// Why an image has no preview (the loader turns it into a warning).
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("image is larger than {} MiB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("cannot read image: {0}")]
    Io(#[from] std::io::Error),
    #[error("image is not a regular file (a FIFO, socket, device or directory); not read")]
    NotRegular,
    #[error(
        "image links outside the content directory (to {0}); not read (serve with --follow-symlinks to allow)"
    )]
    Outside(PathBuf),
    #[error("not a png, jpeg or gif image")]
    Format,
    #[error("cannot decode image: {0}")]
    Decode(#[from] image::ImageError),
}

/// Decode `path` into a preview (bounded in bytes, pixels and time): opened without
/// blocking, a regular file by `fstat`, its size checked before reading and never read
/// past `MAX_BYTES` (it may grow meanwhile).
pub fn decode_file(path: &Path) -> Result<Preview, PreviewError> {
    let file = super::files::open_regular(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            PreviewError::NotRegular
        } else {
            PreviewError::Io(e)
        }
    })?;
    if file.metadata()?.len() > MAX_BYTES {
        return Err(PreviewError::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    decode(&bytes)
}

/// Whether `path` may be read: it resolves inside `content` (symlinks followed), or the
/// owner allows links out. A path that does not resolve is left to the read to report.
fn inside(content: &Path, path: &Path, follow_symlinks: bool) -> Result<(), PreviewError> {
    if follow_symlinks {
        return Ok(());
    }
    let (Ok(root), Ok(real)) = (std::fs::canonicalize(content), std::fs::canonicalize(path)) else {
        return Ok(());
    };
    if real.starts_with(&root) {
        Ok(())
    } else {
        Err(PreviewError::Outside(real))
    }
}

/// Decode image bytes (png, jpeg, or a gif's first frame) into a preview.
pub fn decode(bytes: &[u8]) -> Result<Preview, PreviewError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(PreviewError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif) => {}
        _ => return Err(PreviewError::Format),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_SIDE as u64 * MAX_SIDE as u64 * 4 + MAX_BYTES);
    reader.limits(limits);
    let img = reader.decode()?;
    Ok(from_image(&img, true))
}

/// The preview (and, when `picture`, the larger picture) of a decoded image.
fn from_image(img: &image::DynamicImage, picture: bool) -> Preview {
    let (w, h) = (img.width().max(1), img.height().max(1));
    // Fit in PREVIEW_W × PREVIEW_H, keeping the aspect ratio (pixels are square: a
    // half-block cell is one pixel wide and two tall).
    let scale = f64::min(
        f64::from(PREVIEW_W) / f64::from(w),
        f64::from(PREVIEW_H) / f64::from(h),
    )
    .min(1.0);
    let tw = ((f64::from(w) * scale).round() as u32).clamp(1, PREVIEW_W);
    let th = ((f64::from(h) * scale).round() as u32).clamp(1, PREVIEW_H);
    let small = img.resize_exact(tw, th, FilterType::Triangle).to_rgb8();
    let pixels = small.pixels().map(|p| Rgb(p[0], p[1], p[2])).collect();
    let picture = picture.then(|| {
        let scale = f64::min(
            f64::from(PICTURE_W) / f64::from(w),
            f64::from(PICTURE_H) / f64::from(h),
        )
        .min(1.0);
        let pw = ((f64::from(w) * scale).round() as u32).clamp(1, PICTURE_W);
        let ph = ((f64::from(h) * scale).round() as u32).clamp(1, PICTURE_H);
        let big = if (pw, ph) == (w, h) {
            img.to_rgb8()
        } else {
            img.resize_exact(pw, ph, FilterType::Triangle).to_rgb8()
        };
        Arc::new(Picture {
            width: pw,
            height: ph,
            rgb: big.into_raw(),
        })
    });
    Preview {
        width: tw as u16,
        height: th as u16,
        pixels,
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        picture,
    }
}

/// Decode every local image among `srcs`; `(src, error)` for each that failed. Files
/// that symlinks lead to outside `content` are refused unless `follow_symlinks`.
pub fn load<'a>(
    content: &Path,
    srcs: impl IntoIterator<Item = &'a str>,
    follow_symlinks: bool,
) -> (Previews, Vec<(String, PreviewError)>) {
    let mut out = Previews::new();
    let mut errors = Vec::new();
    let mut tried = 0;
    let mut budget = PICTURE_BUDGET;
    let remote = remote::read(content);
    for src in srcs {
        if out.contains_key(src) || errors.iter().any(|(s, _)| s == src) {
            continue;
        }
        let Some(path) = resolve(content, &remote, src) else {
            continue;
        };
        tried += 1;
        if tried > MAX_IMAGES {
            break;
        }
        match inside(content, &path, follow_symlinks).and_then(|()| decode_file(&path)) {
            Ok(mut p) => {
                let bytes = p.picture.as_ref().map_or(0, |pic| pic.rgb.len());
                if bytes > budget {
                    p.picture = None;
                } else {
                    budget -= bytes;
                }
                out.insert(src.to_string(), Arc::new(p));
            }
            Err(e) => errors.push((src.to_string(), e)),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn site_paths_map_under_content_images_only() {
        let c = Path::new("/c");
        assert_eq!(
            local_path(c, "/images/a/b.png"),
            Some(PathBuf::from("/c/images/a/b.png"))
        );
        assert_eq!(local_path(c, "/images/../secret.png"), None);
        assert_eq!(local_path(c, "https://x.test/images/a.png"), None);
        assert_eq!(local_path(c, "/images/"), None);
        assert_eq!(local_path(c, "/etc/passwd"), None);
    }

    #[test]
    fn decodes_and_scales_keeping_the_aspect() {
        let p = decode(&png(400, 100)).unwrap();
        assert_eq!((p.width, p.height), (160, 40));
        assert_eq!(p.at(0, 0), Rgb(255, 0, 0));
        assert_eq!(p.at(159, 39), Rgb(0, 0, 255));
        let pic = p.picture.as_ref().unwrap();
        assert_eq!((pic.width, pic.height), (400, 100));
        let big = decode(&png(1600, 1200)).unwrap();
        let pic = big.picture.as_ref().unwrap();
        assert_eq!((pic.width, pic.height), (PICTURE_W, PICTURE_H));
        let small = decode(&png(4, 2)).unwrap();
        assert_eq!((small.width, small.height), (4, 2));
    }

    #[test]
    fn corrupt_truncated_and_huge_images_are_errors() {
        assert!(decode(b"not an image at all").is_err());
        let mut bytes = png(50, 50);
        bytes.truncate(bytes.len() / 2);
        assert!(decode(&bytes).is_err());
        // A PNG header claiming 100000×100000 pixels is refused before allocating.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(decode(&huge).is_err());
    }
}
