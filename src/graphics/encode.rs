//! The protocol encoders: a picture scaled to fit a box of cells, then written as a
//! kitty transmission (base64 PNG in 4 KiB chunks, placed later by id), a sixel DCS
//! string (icy_sixel's quantiser) or an iTerm2 inline file (base64 PNG).

use std::io::Cursor;

use base64::Engine;
use image::imageops::FilterType;
use image::{ImageFormat, RgbImage};

use super::Protocol;
use crate::content::images::Picture;

/// An image ready to send: what a terminal needs to show it, and the cells it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub protocol: Protocol,
    /// Kitty: the transmission (`a=t`, image number `kitty_id`); sixel: the DCS string;
    /// iTerm2: the OSC 1337 sequence.
    pub bytes: Vec<u8>,
    /// Cells covered (at most the box asked for).
    pub cols: u16,
    pub rows: u16,
    /// The image's size in pixels.
    pub width: u32,
    pub height: u32,
    /// Kitty image number (unique per encoding in this process).
    pub kitty_id: u32,
}

/// The size `picture` takes to fit `cols`×`rows` cells of `cell` pixels, keeping its
/// aspect; sixel heights are whole bands of 6 pixels, so it never spills a row.
pub fn fit(picture: &Picture, cols: u16, rows: u16, cell: (u16, u16), sixel: bool) -> (u32, u32) {
    let bw = u32::from(cols.max(1)) * u32::from(cell.0.max(1));
    let bh = u32::from(rows.max(1)) * u32::from(cell.1.max(1));
    let (pw, ph) = (picture.width.max(1), picture.height.max(1));
    let scale = f64::min(f64::from(bw) / f64::from(pw), f64::from(bh) / f64::from(ph));
    let w = ((f64::from(pw) * scale).floor() as u32).clamp(1, bw);
    let mut h = ((f64::from(ph) * scale).floor() as u32).clamp(1, bh);
    if sixel && h >= 6 {
        h -= h % 6;
    }
    (w, h)
}

/// `picture` resized to `w`×`h`.
fn resized(picture: &Picture, w: u32, h: u32) -> Option<RgbImage> {
    let img = RgbImage::from_raw(picture.width, picture.height, picture.rgb.clone())?;
    if (w, h) == (picture.width, picture.height) {
        return Some(img);
    }
    Some(image::imageops::resize(&img, w, h, FilterType::Triangle))
}

fn png(img: &RgbImage) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).ok()?;
    Some(out.into_inner())
}

/// Encode `picture` for `protocol` to fit `cols`×`rows` cells. `None` for the
/// cell-based protocols (half-blocks, none) or when encoding fails.
pub fn encode(
    picture: &Picture,
    protocol: Protocol,
    cols: u16,
    rows: u16,
    cell: (u16, u16),
    kitty_id: u32,
) -> Option<Encoded> {
    encode_crop(picture, protocol, cols, rows, cell, kitty_id, None)
}

/// `encode`, keeping only the pixel rows `crop` (`y0..y1`) of the fitted picture.
pub fn encode_crop(
    picture: &Picture,
    protocol: Protocol,
    cols: u16,
    rows: u16,
    cell: (u16, u16),
    kitty_id: u32,
    crop: Option<(u32, u32)>,
) -> Option<Encoded> {
    if !matches!(
        protocol,
        Protocol::Kitty | Protocol::Sixel | Protocol::Iterm2
    ) {
        return None;
    }
    let (w, h) = fit(picture, cols, rows, cell, protocol == Protocol::Sixel);
    let mut img = resized(picture, w, h)?;
    let mut h = h;
    if let Some((y0, y1)) = crop {
        let y1 = y1.min(h);
        if y0 >= y1 {
            return None;
        }
        img = image::imageops::crop_imm(&img, 0, y0, w, y1 - y0).to_image();
        h = y1 - y0;
    }
    let bytes = match protocol {
        Protocol::Kitty => kitty_transmit(kitty_id, &png(&img)?),
        Protocol::Iterm2 => iterm2(&png(&img)?, cols_for(w, cell.0), rows_for(h, cell.1)),
        _ => sixel(&img)?,
    };
    Some(Encoded {
        protocol,
        bytes,
        cols: cols_for(w, cell.0).min(cols.max(1)),
        rows: rows_for(h, cell.1).min(rows.max(1)),
        width: w,
        height: h,
        kitty_id,
    })
}

pub(super) fn cols_for(w: u32, cw: u16) -> u16 {
    w.div_ceil(u32::from(cw.max(1))).min(u32::from(u16::MAX)) as u16
}

pub(super) fn rows_for(h: u32, ch: u16) -> u16 {
    h.div_ceil(u32::from(ch.max(1))).min(u32::from(u16::MAX)) as u16
}

/// Kitty: transmit a PNG as image `id` (quietly: `q=2`), in chunks of 4096 base64
/// bytes (`m=1` on all but the last).
pub fn kitty_transmit(id: u32, png: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    let chunks: Vec<&[u8]> = b64.as_bytes().chunks(4096).collect();
    let mut out = Vec::with_capacity(b64.len() + chunks.len() * 16 + 32);
    for (i, chunk) in chunks.iter().enumerate() {
        let more = u8::from(i + 1 < chunks.len());
        if i == 0 {
            out.extend_from_slice(format!("\x1b_Ga=t,f=100,i={id},q=2,m={more};").as_bytes());
        } else {
            out.extend_from_slice(format!("\x1b_Gm={more};").as_bytes());
        }
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\x1b\\");
    }
    out
}

/// Kitty: show image `id` at the cursor over `cols`×`rows` cells, cursor not moved;
/// with `source` (`width`, `y0`, `y1`), only the pixel rows `y0..y1` of the image.
pub fn kitty_place(
    id: u32,
    placement: u32,
    cols: u16,
    rows: u16,
    source: Option<(u32, u32, u32)>,
) -> Vec<u8> {
    let rect = source.map_or(String::new(), |(w, y0, y1)| {
        format!(",x=0,y={y0},w={w},h={}", y1.saturating_sub(y0))
    });
    format!("\x1b_Ga=p,i={id},p={placement}{rect},c={cols},r={rows},C=1,q=2\x1b\\").into_bytes()
}

/// Kitty: remove every placement (image data stays, to be placed again by id).
pub const KITTY_CLEAR: &[u8] = b"\x1b_Ga=d,d=a,q=2\x1b\\";

/// iTerm2: an inline file of `cols`×`rows` cells.
pub fn iterm2(png: &[u8], cols: u16, rows: u16) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    let mut out = format!(
        "\x1b]1337;File=inline=1;size={};width={cols};height={rows};preserveAspectRatio=1;doNotMoveCursor=1:",
        png.len()
    )
    .into_bytes();
    out.extend_from_slice(b64.as_bytes());
    out.push(0x07);
    out
}

/// Sixel: a DCS string with up to 256 quantised colours.
fn sixel(img: &RgbImage) -> Option<Vec<u8>> {
    let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let opts = icy_sixel::EncodeOptions {
        max_colors: 256,
        diffusion: 0.5,
        ..Default::default()
    };
    let s =
        icy_sixel::sixel_encode(&rgba, img.width() as usize, img.height() as usize, &opts).ok()?;
    Some(s.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: u32, h: u32) -> Picture {
        let rgb = (0..w * h)
            .flat_map(|i| {
                if i % w < w / 2 {
                    [200, 0, 0]
                } else {
                    [0, 0, 200]
                }
            })
            .collect();
        Picture {
            width: w,
            height: h,
            rgb,
        }
    }

    #[test]
    fn fits_the_box_keeping_the_aspect() {
        let p = picture(400, 200);
        assert_eq!(fit(&p, 20, 20, (10, 20), false), (200, 100));
        assert_eq!(fit(&p, 80, 5, (10, 20), false), (200, 100));
        let (_, h) = fit(&p, 30, 3, (10, 20), true);
        assert_eq!(h % 6, 0);
        assert!(h <= 60);
    }

    #[test]
    fn kitty_payload_is_a_png_of_the_placed_size() {
        let e = encode(&picture(400, 200), Protocol::Kitty, 20, 10, (10, 20), 7).unwrap();
        assert_eq!((e.width, e.height), (200, 100));
        assert_eq!((e.cols, e.rows), (20, 5));
        let text = String::from_utf8(e.bytes).unwrap();
        assert!(text.starts_with("\x1b_Ga=t,f=100,i=7,q=2,m="));
        let b64: String = text
            .split("\x1b\\")
            .filter_map(|c| c.split_once(';').map(|(_, d)| d))
            .collect();
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (200, 100));
    }

    #[test]
    fn sixel_decodes_to_the_fitted_size() {
        let e = encode(&picture(120, 60), Protocol::Sixel, 12, 3, (10, 20), 0).unwrap();
        let img = icy_sixel::SixelImage::decode(&e.bytes).unwrap();
        assert_eq!((img.width as u32, img.height as u32), (e.width, e.height));
        assert_eq!(e.height % 6, 0);
        assert!(e.bytes.starts_with(b"\x1bP"));
        assert!(e.bytes.ends_with(b"\x1b\\"));
    }

    #[test]
    fn iterm2_is_one_osc_with_the_cell_size() {
        let e = encode(&picture(40, 40), Protocol::Iterm2, 4, 4, (10, 20), 0).unwrap();
        let text = String::from_utf8(e.bytes).unwrap();
        assert!(text.starts_with("\x1b]1337;File=inline=1;"), "{text:.60}");
        assert!(text.contains(";width=4;height=2;"), "{text:.120}");
        assert!(text.ends_with('\x07'));
        assert!(encode(&picture(4, 4), Protocol::HalfBlocks, 4, 4, (10, 20), 0).is_none());
    }
}
