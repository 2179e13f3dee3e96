//! Fitting lines of text into a box with the embedded font's metrics: each item first shrinks from its
//! preferred to its minimum size until one line fits the width, then wraps (word by word, breaking words
//! longer than the box), then — when the box is too low for every line — the last line an item keeps is
//! ended with "…". Items are listed by priority: when not even one line of each fits, the last items are
//! dropped. No item is set larger than the first (the title). Nothing ever leaves the box.

use std::ops::Range;

use super::font::{self, MM_PER_PT};
use crate::Mm;

/// Line pitch as a multiple of the font size.
pub const LINE_PITCH: f32 = 1.2;

/// Font sizes are chosen in steps of this many points.
const SIZE_STEP: f32 = 0.25;

/// The ellipsis ending a truncated line.
const ELLIPSIS: &str = "…";

/// One text to fit: preferred and minimum font size in points.
#[derive(Debug, Clone, Copy)]
pub struct FitItem<'a> {
    pub text: &'a str,
    pub preferred_pt: f32,
    pub min_pt: f32,
}

/// How lines sit in the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left-aligned, the block centred vertically.
    LeftMiddle,
    /// Centred horizontally, the block at the top.
    CentreTop,
}

/// One fitted line, relative to the box's top-left corner (mm, y down).
#[derive(Debug, Clone, PartialEq)]
pub struct FittedLine {
    /// Which [`FitItem`] the line belongs to.
    pub item: usize,
    pub text: String,
    pub size_pt: f32,
    /// Left edge of the text.
    pub x: Mm,
    /// Top of the line box (one pitch high).
    pub y: Mm,
    /// Measured width.
    pub width: Mm,
    /// Line box height (the pitch).
    pub height: Mm,
    /// Baseline, from the box top.
    pub baseline: Mm,
}

/// Collapses white space and drops control characters; `None` when nothing printable is left.
pub fn normalise(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (!out.is_empty()).then_some(out)
}

/// The pitch of one line at `size_pt`, in mm.
fn pitch(size_pt: f32) -> Mm {
    size_pt * LINE_PITCH * MM_PER_PT
}

/// Fits `items` into a `width × height` mm box.
pub fn fit(items: &[FitItem<'_>], width: Mm, height: Mm, align: Align) -> Vec<FittedLine> {
    if !(width > 0.0 && height > 0.0) {
        return Vec::new();
    }
    let texts: Vec<(usize, String, FitItem<'_>)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let ok = item.min_pt > 0.0 && item.preferred_pt >= item.min_pt;
            normalise(item.text).filter(|_| ok).map(|t| (i, t, *item))
        })
        .collect();
    // 1. Shrink: each item to the largest size at which one line fits the width (not below its minimum).
    let mut sizes: Vec<f32> = texts
        .iter()
        .map(|(_, text, item)| {
            let at_one_pt = font::text_width_mm(text, 1.0);
            let fitting = if at_one_pt > 0.0 { width / at_one_pt } else { item.preferred_pt };
            let stepped = (fitting / SIZE_STEP).floor() * SIZE_STEP;
            stepped.min(item.preferred_pt).max(item.min_pt)
        })
        .collect();
    // No item is set larger than the first (the title), so the hierarchy holds.
    if let Some(&title) = sizes.first() {
        for (size, (_, _, item)) in sizes.iter_mut().zip(&texts).skip(1) {
            *size = size.min(title).max(item.min_pt);
        }
    }
    // Then all together, when even one line each is too high.
    while sizes.iter().map(|&s| pitch(s)).sum::<Mm>() > height {
        let mut changed = false;
        for (size, (_, _, item)) in sizes.iter_mut().zip(&texts) {
            if *size > item.min_pt {
                *size = (*size - SIZE_STEP).max(item.min_pt);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // 2. Wrap.
    let wrapped: Vec<Vec<Range<usize>>> =
        texts.iter().zip(&sizes).map(|((_, text, _), &size)| wrap(text, size, width)).collect();
    // 3. Share the height: one line per item by priority, then further lines by priority.
    let mut kept = vec![0_usize; texts.len()];
    let mut used: Mm = 0.0;
    for (i, lines) in wrapped.iter().enumerate() {
        if !lines.is_empty() && used + pitch(sizes[i]) <= height {
            kept[i] = 1;
            used += pitch(sizes[i]);
        }
    }
    for (i, lines) in wrapped.iter().enumerate() {
        while kept[i] > 0 && kept[i] < lines.len() && used + pitch(sizes[i]) <= height {
            kept[i] += 1;
            used += pitch(sizes[i]);
        }
    }
    // 4. Ellipsise what was cut, and place.
    let metrics = font::vertical_metrics();
    let mut y = match align {
        Align::LeftMiddle => (height - used) / 2.0,
        Align::CentreTop => 0.0,
    };
    let mut out = Vec::new();
    for (i, lines) in wrapped.iter().enumerate() {
        let size = sizes[i];
        for k in 0..kept[i] {
            let text = if k + 1 == kept[i] && kept[i] < lines.len() {
                ellipsise(&texts[i].1[lines[k].start..], size, width)
            } else {
                texts[i].1[lines[k].clone()].to_owned()
            };
            let line_width = font::text_width_mm(&text, size);
            let x = match align {
                Align::LeftMiddle => 0.0,
                Align::CentreTop => ((width - line_width) / 2.0).max(0.0),
            };
            let h = pitch(size);
            let half_leading = (h - (metrics.ascent + metrics.descent) * size * MM_PER_PT) / 2.0;
            let baseline = y + half_leading + metrics.ascent * size * MM_PER_PT;
            if !text.is_empty() {
                out.push(FittedLine {
                    item: texts[i].0,
                    text,
                    size_pt: size,
                    x,
                    y,
                    width: line_width,
                    height: h,
                    baseline,
                });
            }
            y += h;
        }
    }
    out
}

/// Wraps `text` (already normalised) into lines no wider than `width` at `size_pt`, breaking words that
/// are wider than a line. Lines are byte ranges of `text`; empty when not even one character fits.
pub fn wrap(text: &str, size_pt: f32, width: Mm) -> Vec<Range<usize>> {
    let limit = width_limit_units(width, size_pt);
    let space = font::advance_units(' ');
    let mut lines = Vec::new();
    let mut line: Option<(usize, u64)> = None; // (start, units) of the line being filled
    let mut pos = 0;
    for word in text.split(' ') {
        let start = pos;
        pos += word.len() + 1;
        let word_units = font::text_units(word);
        if let Some((line_start, units)) = line {
            if units + space + word_units <= limit {
                line = Some((line_start, units + space + word_units));
                continue;
            }
            lines.push(line_start..start - 1);
        }
        if word_units <= limit {
            line = Some((start, word_units));
            continue;
        }
        // A word wider than the line: break it between characters.
        let (mut chunk_start, mut units) = (start, 0);
        for (i, c) in word.char_indices() {
            let c_units = font::advance_units(c);
            if c_units > limit {
                return Vec::new();
            }
            if units + c_units > limit {
                lines.push(chunk_start..start + i);
                (chunk_start, units) = (start + i, 0);
            }
            units += c_units;
        }
        line = Some((chunk_start, units));
    }
    if let Some((line_start, _)) = line {
        lines.push(line_start..text.len());
    }
    lines
}

/// Cuts `text` so that it plus "…" fits `width`; empty when not even the ellipsis fits.
pub fn ellipsise(text: &str, size_pt: f32, width: Mm) -> String {
    let limit = width_limit_units(width, size_pt);
    let mut units = font::text_units(ELLIPSIS);
    if units > limit {
        return String::new();
    }
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += font::advance_units(c);
        if units > limit {
            break;
        }
        end = i + c.len_utf8();
    }
    let mut out = text[..end].trim_end().to_owned();
    out.push_str(ELLIPSIS);
    out
}

/// The widest run of font units that fits `width` mm at `size_pt` (rounded down).
fn width_limit_units(width: Mm, size_pt: f32) -> u64 {
    let mm_per_unit = font::units_to_mm(1000, size_pt) / 1000.0;
    if mm_per_unit > 0.0 && width > 0.0 { (width / mm_per_unit).floor().min(1e15) as u64 } else { 0 }
}
