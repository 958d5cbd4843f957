//! Image previews: the site's `/images/...` files (under `content/images/`) decoded
//! once at load time into small RGB grids that the renderer draws as half-blocks.
//!
//! Bounded: only png, jpeg and gif (first frame); files over `MAX_BYTES` or images over
//! `MAX_SIDE`×`MAX_SIDE` are refused, at most `MAX_IMAGES` are decoded per load, and a
//! corrupt file is a warning, never a panic.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

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
/// tall (two pixels per row: 16 rows of half-blocks).
pub const PREVIEW_W: u32 = 96;
pub const PREVIEW_H: u32 = 32;

/// A small RGB picture, row-major, `width * height` pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub width: u16,
    pub height: u16,
    pub pixels: Vec<Rgb>,
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

/// Why an image has no preview (the loader turns it into a warning).
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("image is larger than {} MiB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("cannot read image: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a png, jpeg or gif image")]
    Format,
    #[error("cannot decode image: {0}")]
    Decode(#[from] image::ImageError),
}

/// Decode `path` into a preview (bounded in bytes, pixels and time).
pub fn decode_file(path: &Path) -> Result<Preview, PreviewError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_BYTES {
        return Err(PreviewError::TooLarge);
    }
    let bytes = std::fs::read(path)?;
    decode(&bytes)
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
    Ok(Preview {
        width: tw as u16,
        height: th as u16,
        pixels,
    })
}

/// Decode every local image among `srcs`; `(src, error)` for each that failed.
pub fn load<'a>(
    content: &Path,
    srcs: impl IntoIterator<Item = &'a str>,
) -> (Previews, Vec<(String, PreviewError)>) {
    let mut out = Previews::new();
    let mut errors = Vec::new();
    let mut tried = 0;
    for src in srcs {
        if out.contains_key(src) || errors.iter().any(|(s, _)| s == src) {
            continue;
        }
        let Some(path) = local_path(content, src) else {
            continue;
        };
        if !path.is_file() {
            continue;
        }
        tried += 1;
        if tried > MAX_IMAGES {
            break;
        }
        match decode_file(&path) {
            Ok(p) => {
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
        assert_eq!((p.width, p.height), (96, 24));
        assert_eq!(p.at(0, 0), Rgb(255, 0, 0));
        assert_eq!(p.at(95, 23), Rgb(0, 0, 255));
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
