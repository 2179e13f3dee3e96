//! QR codes for portal URLs. fast_qr picks the encoding mode itself (never forced: an upper-case URL gets
//! alphanumeric mode and so a low version); the matrix carries no quiet zone — every output adds
//! [`QUIET_ZONE`] light modules around it. [`to_svg`] and [`to_png`] are the downloadable files.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::LabelError;

/// Light modules around every code (the QR specification's minimum).
pub const QUIET_ZONE: usize = 4;

/// QR error correction level: L 7 %, M 15 % (the default), Q 25 %, H 30 % of the code may be damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EcLevel {
    L,
    #[default]
    M,
    Q,
    H,
}

/// An encoded QR code: `size × size` modules, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Modules per side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn size_with_quiet_zone(&self) -> usize {
        self.size + 2 * QUIET_ZONE
    }

    /// Whether the module at column `x`, row `y` (from the top-left, quiet zone excluded) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }
}

/// Encodes `payload` (normally an upper-case portal URL) at error correction `ec`.
pub fn encode(payload: &str, ec: EcLevel) -> Result<QrMatrix, LabelError> {
    let level = match ec {
        EcLevel::L => fast_qr::ECL::L,
        EcLevel::M => fast_qr::ECL::M,
        EcLevel::Q => fast_qr::ECL::Q,
        EcLevel::H => fast_qr::ECL::H,
    };
    let code = fast_qr::QRBuilder::new(payload.as_bytes())
        .ecl(level)
        .build()
        .map_err(|e| LabelError::Qr(format!("This address cannot be put into a QR code: {e:?}")))?;
    let size = code.size;
    let mut dark = Vec::with_capacity(size * size);
    for y in 0..size {
        for x in 0..size {
            dark.push(code[y][x].value());
        }
    }
    Ok(QrMatrix { size, dark })
}

/// The smallest PNG size accepted by [`to_png`], in pixels per side.
pub const PNG_MIN_PX: u32 = 64;

/// The largest PNG size accepted by [`to_png`], in pixels per side.
pub const PNG_MAX_PX: u32 = 4096;

/// A standalone SVG of the code: the `viewBox` is in modules and includes the [`QUIET_ZONE`] on every side,
/// a white background rectangle fills it, and the dark modules are ONE `<path>` whose horizontal runs are
/// merged (`M x y h run v1 h -run z` per run). `shape-rendering="crispEdges"` keeps module edges sharp.
/// The SVG has no `width`/`height`: it scales to whatever box shows it.
pub fn to_svg(m: &QrMatrix) -> String {
    let side = m.size_with_quiet_zone();
    let mut path = String::with_capacity(m.size() * m.size() * 4);
    for y in 0..m.size() {
        let mut x = 0;
        while x < m.size() {
            if !m.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < m.size() && m.is_dark(x, y) {
                x += 1;
            }
            let run = x - start;
            // Writing into a String cannot fail.
            let _ = write!(path, "M{} {}h{run}v1h-{run}z", start + QUIET_ZONE, y + QUIET_ZONE);
        }
    }
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">"#,
            r##"<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##,
            "\n"
        ),
        side = side,
        path = path
    )
}

/// Pixels per module of a PNG asked for at `size_px`: the largest integer scale whose image (quiet zone
/// included) is at most `size_px` wide, and at least 1.
pub fn png_scale(m: &QrMatrix, size_px: u32) -> u32 {
    let modules = u32::try_from(m.size_with_quiet_zone()).unwrap_or(u32::MAX);
    (size_px / modules.max(1)).max(1)
}

/// The side in pixels of the PNG that [`to_png`] makes for `size_px`: `(size + 8) × png_scale`.
pub fn png_side(m: &QrMatrix, size_px: u32) -> u32 {
    let modules = u32::try_from(m.size_with_quiet_zone()).unwrap_or(u32::MAX);
    modules.saturating_mul(png_scale(m, size_px))
}

/// A 1-bit grayscale PNG of the code with the quiet zone, a whole number of pixels per module.
///
/// `size_px` (64 ..= 4096) is an upper bound, not the exact size: the image is square with side
/// [`png_side`] = (modules + 8) × ⌊`size_px` / (modules + 8)⌋ pixels, so up to one module's width smaller
/// than asked (a version-3 code, 29 + 8 modules, asked for at 512 px is 13 px per module = 481 px). Only when
/// the code has more modules than `size_px` pixels is the image larger, at 1 pixel per module.
pub fn to_png(m: &QrMatrix, size_px: u32) -> Result<Vec<u8>, LabelError> {
    if !(PNG_MIN_PX..=PNG_MAX_PX).contains(&size_px) {
        return Err(LabelError::Qr(format!(
            "The PNG size must be between {PNG_MIN_PX} and {PNG_MAX_PX} pixels (asked for {size_px})."
        )));
    }
    let scale = png_scale(m, size_px) as usize;
    let side = m.size_with_quiet_zone() * scale;
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0xff_u8; row_bytes * side];
    for my in 0..m.size() {
        let mut row = vec![0xff_u8; row_bytes];
        for mx in (0..m.size()).filter(|&mx| m.is_dark(mx, my)) {
            let first = (mx + QUIET_ZONE) * scale;
            for px in first..first + scale {
                row[px / 8] &= !(0x80 >> (px % 8));
            }
        }
        let top = (my + QUIET_ZONE) * scale;
        for line in pixels[top * row_bytes..(top + scale) * row_bytes].chunks_exact_mut(row_bytes) {
            line.copy_from_slice(&row);
        }
    }
    let side = u32::try_from(side).map_err(|_| LabelError::Qr("The QR code is too large for a PNG.".into()))?;
    let mut out = Vec::with_capacity(pixels.len() / 8 + 256);
    let fail = |e: png::EncodingError| LabelError::Render(format!("The QR code PNG could not be written: {e}"));
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fast);
    // Rows repeat `scale` times: the Up filter turns every repeat into zeros.
    encoder.set_filter(png::Filter::Up);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(&pixels).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "HTTPS://DESK.EXAMPLE.COM/D/K7Q2M9XH4T";

    /// Reads the dark modules back out of `to_svg`'s path (absolute `M x y h run v1 h -run z` runs).
    fn modules_from_svg(svg: &str, side: usize) -> Vec<bool> {
        let d = svg.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a path");
        let mut dark = vec![false; side * side];
        for run in d.split('z').filter(|r| !r.is_empty()) {
            let run = run.strip_prefix('M').expect("M");
            let (xy, rest) = run.split_once('h').expect("h");
            let (x, y) = xy.split_once(' ').expect("x y");
            let len: usize = rest.split_once('v').expect("v").0.parse().expect("run");
            let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
            for dx in 0..len {
                assert!(!dark[y * side + x + dx], "runs overlap");
                dark[y * side + x + dx] = true;
            }
        }
        dark
    }

    #[test]
    fn svg_has_quiet_zone_background_one_path_and_the_exact_modules() {
        let m = encode(URL, EcLevel::M).expect("encodes");
        let svg = to_svg(&m);
        let side = m.size_with_quiet_zone();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        assert!(svg.contains("shape-rendering=\"crispEdges\""));
        assert!(svg.contains(&format!("<rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>")));
        assert_eq!(svg.matches("<path").count(), 1);
        let dark = modules_from_svg(&svg, side);
        for y in 0..side {
            for x in 0..side {
                let expected = x >= QUIET_ZONE && y >= QUIET_ZONE && m.is_dark(x - QUIET_ZONE, y - QUIET_ZONE);
                assert_eq!(dark[y * side + x], expected, "module {x},{y}");
            }
        }
        // Runs are merged: fewer path commands than dark modules.
        let runs = svg.matches('z').count();
        assert!(runs < dark.iter().filter(|d| **d).count() / 2, "{runs} runs");
    }

    fn decode(png_bytes: &[u8]) -> (u32, Vec<u8>) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("png data");
        assert_eq!(info.width, info.height);
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        buf.truncate(info.buffer_size());
        (info.width, buf)
    }

    #[test]
    fn png_is_a_whole_number_of_pixels_per_module_and_decodes_to_the_matrix() {
        let m = encode(URL, EcLevel::M).expect("encodes");
        let modules = m.size_with_quiet_zone() as u32;
        let png_bytes = to_png(&m, 512).expect("png");
        assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");
        let (side, pixels) = decode(&png_bytes);
        let scale = 512 / modules;
        assert_eq!(side, modules * scale);
        assert_eq!(side, png_side(&m, 512));
        assert!(side <= 512 && side + modules > 512);
        let side = side as usize;
        let scale = scale as usize;
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / scale, y / scale);
                let dark = mx >= QUIET_ZONE && my >= QUIET_ZONE && m.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
                assert_eq!(pixels[y * side + x], if dark { 0 } else { 255 }, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn png_size_is_bounded_and_falls_back_to_one_pixel_per_module() {
        let m = encode(URL, EcLevel::M).expect("encodes");
        assert!(matches!(to_png(&m, 63), Err(LabelError::Qr(msg)) if msg.contains("between 64 and 4096")));
        assert!(to_png(&m, 4097).is_err());
        assert!(to_png(&m, 0).is_err());
        let (side, _) = decode(&to_png(&m, 4096).expect("png"));
        assert!(side <= 4096);
        // A long payload needs more modules than 64 pixels: 1 pixel per module, larger than asked.
        let long = encode(&"A".repeat(1500), EcLevel::L).expect("encodes");
        assert!(long.size_with_quiet_zone() > 64);
        let (side, _) = decode(&to_png(&long, 64).expect("png"));
        assert_eq!(side as usize, long.size_with_quiet_zone());
    }
}
