//! PNG logo uploads decoded with the `png` crate: every colour type and bit depth becomes RGBA8; the size is
//! checked from the header before any pixel buffer is allocated.

use std::io::Cursor;

use png::{BitDepth, ColorType, Decoder, Limits, Transformations};

use super::rgba::Rgba;
use super::{MAX_PIXELS, MAX_SIDE};
use crate::LabelError;

/// Bytes the decoder may allocate beyond the image (metadata chunks), and for the image itself.
const DECODER_LIMIT: usize = 128 * 1024 * 1024;

/// Decodes a PNG (its first frame when animated).
pub(crate) fn decode(bytes: &[u8]) -> Result<Rgba, LabelError> {
    let unreadable = |e: png::DecodingError| LabelError::Logo(format!("The logo is not a readable PNG image: {e}"));
    let mut decoder = Decoder::new_with_limits(Cursor::new(bytes), Limits { bytes: DECODER_LIMIT });
    decoder.set_transformations(Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true);
    let info = decoder.read_header_info().map_err(unreadable)?;
    let (width, height) = (info.width, info.height);
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(LabelError::Logo(format!(
            "The logo may be at most {MAX_SIDE} × {MAX_SIDE} pixels (this one is {width} × {height})."
        )));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(LabelError::Logo(format!("The logo may have at most {MAX_PIXELS} pixels.")));
    }
    let mut reader = decoder.read_info().map_err(unreadable)?;
    let size = reader.output_buffer_size().ok_or_else(|| LabelError::Logo("The logo PNG is too large.".into()))?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(unreadable)?;
    if frame.bit_depth != BitDepth::Eight {
        return Err(LabelError::Logo("The logo PNG has an unsupported bit depth.".into()));
    }
    let channels = match frame.color_type {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb => 3,
        ColorType::Rgba => 4,
        ColorType::Indexed => return Err(LabelError::Logo("The logo PNG's palette could not be read.".into())),
    };
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut pixels = Vec::with_capacity(w * h * 4);
    for row in buffer.chunks(frame.line_size).take(h) {
        for px in row.chunks_exact(channels).take(w) {
            let rgba = match *px {
                [g] => [g, g, g, 255],
                [g, a] => [g, g, g, a],
                [r, g, b] => [r, g, b, 255],
                [r, g, b, a] => [r, g, b, a],
                _ => [0, 0, 0, 0],
            };
            pixels.extend_from_slice(&rgba);
        }
    }
    if pixels.len() != w * h * 4 {
        return Err(LabelError::Logo("The logo PNG's pixel data is incomplete.".into()));
    }
    Ok(Rgba { width: frame.width, height: frame.height, pixels })
}
