//! gLabels distances: a number with an optional unit (`pt`, `in`, `mm`, `cm`, `pc`); a bare number is in
//! points (1/72 in), as gLabels reads it.

use crate::geometry::{MM_PER_INCH, Mm};

/// Millimetres per unit, for every unit gLabels knows.
const UNITS: [(&str, f64); 6] = [
    ("", MM_PER_INCH as f64 / 72.0),
    ("pt", MM_PER_INCH as f64 / 72.0),
    ("in", MM_PER_INCH as f64),
    ("mm", 1.0),
    ("cm", 10.0),
    ("pc", MM_PER_INCH as f64 / 6.0),
];

/// The largest distance accepted, in mm (far beyond any page; keeps arithmetic finite).
const MAX_DISTANCE: f64 = 100_000.0;

/// Parses a gLabels distance (`"3.2mm"`, `"0.0625in"`, `" 181.4 "`) into millimetres. The error names what
/// is wrong with the text.
pub(crate) fn parse_length(text: &str) -> Result<Mm, String> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim();
    let Some(&(_, factor)) = UNITS.iter().find(|(name, _)| name.eq_ignore_ascii_case(unit)) else {
        return Err(format!("unknown unit in \"{text}\" (gLabels uses pt, in, mm, cm or pc)"));
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("\"{text}\" is not a distance"))?;
    let mm = value * factor;
    if !mm.is_finite() || mm.abs() > MAX_DISTANCE {
        return Err(format!("\"{text}\" is not a usable distance"));
    }
    Ok(mm as Mm)
}

/// Like [`parse_length`], but text without any number — empty, or a unit alone like `"in"` — reads as 0, as
/// gLabels reads it (its data has `x0=""` and `round="in"`). For optional distances such as margins.
pub(crate) fn parse_optional_length(text: &str) -> Result<Mm, String> {
    let bare = text.trim();
    if bare.is_empty() || UNITS.iter().any(|(name, _)| name.eq_ignore_ascii_case(bare)) {
        return Ok(0.0);
    }
    parse_length(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mm(text: &str) -> Mm {
        parse_length(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_unit_and_bare_points() {
        assert!((mm("72") - 25.4).abs() < 1e-4);
        assert!((mm("72pt") - 25.4).abs() < 1e-4);
        assert!((mm("1in") - 25.4).abs() < 1e-4);
        assert!((mm("0.0625in") - 1.5875).abs() < 1e-4);
        assert!((mm("3.2mm") - 3.2).abs() < 1e-4);
        assert!((mm("2.54cm") - 25.4).abs() < 1e-4);
        assert!((mm("6pc") - 25.4).abs() < 1e-4);
        assert!((mm(" 5 MM ") - 5.0).abs() < 1e-4);
        assert!((mm("1e1mm") - 10.0).abs() < 1e-4);
        assert!((mm("-1.5mm") + 1.5).abs() < 1e-4);
        assert_eq!(mm("0"), 0.0);
    }

    #[test]
    fn optional_distances_without_a_number_are_zero() {
        assert_eq!(parse_optional_length(""), Ok(0.0));
        assert_eq!(parse_optional_length(" in "), Ok(0.0));
        assert_eq!(parse_optional_length("mm"), Ok(0.0));
        assert!((parse_optional_length("2mm").expect("2 mm") - 2.0).abs() < 1e-6);
        assert!(parse_optional_length("wide").is_err());
    }

    #[test]
    fn garbage_is_refused() {
        for bad in ["", "mm", "abc", "3.2 furlongs", "1e999", "NaN", "inf", "1,5mm", "3px", "1e9in", "--2"] {
            assert!(parse_length(bad).is_err(), "{bad}");
        }
    }
}
