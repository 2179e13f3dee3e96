//! A decoded RGBA8 image (straight, not premultiplied alpha) and its box-filter downscale.

/// Pixels as RGBA quadruples, row by row, straight alpha.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Rgba {
    /// This image scaled down (never up) so its longer side is at most `max_side`, each output pixel the
    /// alpha-weighted average of the source pixels it covers (a box filter: no colour fringes at
    /// transparent edges). An image already small enough is returned as it is.
    pub fn fit_within(self, max_side: u32) -> Rgba {
        let long = self.width.max(self.height);
        if long <= max_side || max_side == 0 {
            return self;
        }
        let scale = |side: u32| -> u32 {
            let scaled = u64::from(side) * u64::from(max_side) / u64::from(long);
            u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
        };
        let (width, height) = (scale(self.width), scale(self.height));
        let (sw, sh) = (self.width as usize, self.height as usize);
        let (dw, dh) = (width as usize, height as usize);
        let mut pixels = Vec::with_capacity(dw * dh * 4);
        for oy in 0..dh {
            let (y0, y1) = span(oy, dh, sh);
            for ox in 0..dw {
                let (x0, x1) = span(ox, dw, sw);
                let mut sum = [0_u64; 4];
                for y in y0..y1 {
                    let row = &self.pixels[(y * sw + x0) * 4..(y * sw + x1) * 4];
                    for px in row.chunks_exact(4) {
                        let a = u64::from(px[3]);
                        sum[0] += u64::from(px[0]) * a;
                        sum[1] += u64::from(px[1]) * a;
                        sum[2] += u64::from(px[2]) * a;
                        sum[3] += a;
                    }
                }
                let count = ((y1 - y0) * (x1 - x0)) as u64;
                let average = |total: u64, n: u64| u8::try_from((total + n / 2) / n).unwrap_or(u8::MAX);
                match sum[3] {
                    // Fully transparent: white, the colour of the label behind it.
                    0 => pixels.extend_from_slice(&[255, 255, 255, 0]),
                    weight => {
                        pixels.extend(sum[..3].iter().map(|&channel| average(channel, weight)));
                        pixels.push(average(weight, count));
                    }
                }
            }
        }
        Rgba { width, height, pixels }
    }

    /// The colour as RGB triples and the alpha channel, separately.
    pub fn split(&self) -> (Vec<u8>, Vec<u8>) {
        let count = self.pixels.len() / 4;
        let (mut rgb, mut alpha) = (Vec::with_capacity(count * 3), Vec::with_capacity(count));
        for px in self.pixels.chunks_exact(4) {
            rgb.extend_from_slice(&px[..3]);
            alpha.push(px[3]);
        }
        (rgb, alpha)
    }
}

/// The source pixels `[start, end)` that output pixel `index` of `out` covers in a row of `source` pixels
/// (at least one).
fn span(index: usize, out: usize, source: usize) -> (usize, usize) {
    let start = index * source / out;
    let end = ((index + 1) * source / out).max(start + 1).min(source);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_filter_averages_by_alpha_and_keeps_the_aspect_ratio() {
        // 4 × 2: left half opaque red / transparent green, right half opaque blue.
        let mut pixels = Vec::new();
        for _ in 0..2 {
            pixels.extend_from_slice(&[255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255]);
        }
        let small = Rgba { width: 4, height: 2, pixels }.fit_within(2);
        assert_eq!((small.width, small.height), (2, 1));
        // The transparent green does not tint the red; alpha is the average.
        assert_eq!(small.pixels, [255, 0, 0, 128, 0, 0, 255, 255]);
        let tall = Rgba { width: 3, height: 3000, pixels: vec![10; 3 * 3000 * 4] }.fit_within(1024);
        assert_eq!((tall.width, tall.height), (1, 1024));
        assert_eq!(tall.pixels.len(), 1024 * 4);
        let same = Rgba { width: 2, height: 1, pixels: vec![1; 8] };
        assert_eq!(same.clone().fit_within(1024), same);
        let (rgb, alpha) = same.split();
        assert_eq!((rgb.len(), alpha.len()), (6, 2));
    }
}
