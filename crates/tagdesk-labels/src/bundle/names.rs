//! File names for per-device files: [`file_stem`] turns a device's name and serial number into a
//! filesystem-safe ASCII stem, [`UniqueNames`] makes stems unique within one archive.

use std::collections::HashSet;

use super::ascii_fold;

/// The longest stem [`file_stem`] and [`UniqueNames::claim`] return, in characters (all ASCII).
pub const MAX_STEM_LEN: usize = 80;

/// The most characters of the stem the serial number may take.
const MAX_SERIAL_LEN: usize = 40;

/// The stem used when nothing of the name and serial is left.
const FALLBACK: &str = "device";

/// Names Windows refuses as a file name, with or without an extension.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A filesystem-safe file name stem (no extension) for a device: `name_serial`, e.g.
/// `Kaffeemaschine_Kueche_SN-42` for the name "Kaffeemaschine Küche" and the serial number "SN-42"; just the
/// name when the serial is empty.
///
/// Only ASCII letters, digits, `-`, `_` and `.` remain: accented letters are transliterated (ä → ae, ö → oe,
/// ü → ue, ß → ss, é → e, ł → l, ş → s, Greek and Cyrillic romanised), every other character (spaces,
/// slashes, quotes, emoji, CJK…) becomes `_`, and runs of `_` collapse into one. The stem never starts or
/// ends with `.`, `-` or `_`, is at most [`MAX_STEM_LEN`] characters (the serial keeps up to 40 of them, the
/// name is shortened first), never is a reserved Windows device name (`CON`, `NUL`, `COM1`… get a trailing
/// `_`) and is never empty: `"device"` when nothing is left.
pub fn file_stem(name: &str, serial: &str) -> String {
    let serial = truncate(&clean(serial), MAX_SERIAL_LEN);
    let room = if serial.is_empty() { MAX_STEM_LEN } else { MAX_STEM_LEN - serial.len() - 1 };
    let name = truncate(&clean(name), room);
    let mut stem = match (name.is_empty(), serial.is_empty()) {
        (true, true) => FALLBACK.to_owned(),
        (false, true) => name,
        (true, false) => serial,
        (false, false) => format!("{name}_{serial}"),
    };
    let base = stem.split('.').next().unwrap_or_default().to_ascii_lowercase();
    if RESERVED.contains(&base.as_str()) {
        stem.insert(base.len(), '_');
    }
    stem
}

/// `text` with only the allowed characters, runs of `_` collapsed and the ends trimmed.
fn clean(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if !ascii_fold(c, &mut folded) {
            folded.push('_');
        }
    }
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    trim_ends(&out).to_owned()
}

/// `text` without leading and trailing `.`, `-` and `_`.
fn trim_ends(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, '.' | '-' | '_'))
}

/// The first `max` characters of the ASCII `text`, ends trimmed again.
fn truncate(text: &str, max: usize) -> String {
    let cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    trim_ends(&text[..cut]).to_owned()
}

/// Hands out unique names: a name already handed out (compared case-insensitively, as Windows and macOS file
/// systems do) comes back with `-2`, `-3`… appended, shortened so the result stays within
/// [`MAX_STEM_LEN`] characters.
#[derive(Debug, Default, Clone)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    /// An empty set of names.
    pub fn new() -> Self {
        Self::default()
    }

    /// `stem` if no equal name (ignoring case) was claimed before, else the first free `stem-N`, N ≥ 2.
    /// The returned name is claimed.
    pub fn claim(&mut self, stem: &str) -> String {
        if self.taken.insert(stem.to_lowercase()) {
            return stem.to_owned();
        }
        let mut n = 2_u64;
        loop {
            let suffix = format!("-{n}");
            let keep = MAX_STEM_LEN.saturating_sub(suffix.len()).max(1);
            let base = stem.char_indices().nth(keep).map_or(stem, |(i, _)| &stem[..i]);
            let candidate = format!("{base}{suffix}");
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// How many names were claimed.
    pub fn len(&self) -> usize {
        self.taken.len()
    }

    /// Whether no name was claimed yet.
    pub fn is_empty(&self) -> bool {
        self.taken.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_ascii_transliterated_and_joined() {
        assert_eq!(file_stem("Kaffeemaschine Küche", "SN 42"), "Kaffeemaschine_Kueche_SN_42");
        assert_eq!(file_stem("Drucker 3. OG / Süd", "A-17"), "Drucker_3._OG_Sued_A-17");
        assert_eq!(file_stem("Straße Łódź", ""), "Strasse_Lodz");
        assert_eq!(file_stem("Şişli Café", "x"), "Sisli_Cafe_x");
        assert_eq!(file_stem("Εκτυπωτής", "7"), "Ektypotis_7");
        assert_eq!(file_stem("打印机", "SN1"), "SN1");
        assert_eq!(file_stem("a\"b<c>d|e?f*g:h\\i", ""), "a_b_c_d_e_f_g_h_i");
    }

    #[test]
    fn stems_are_never_empty_hidden_reserved_or_long() {
        assert_eq!(file_stem("", ""), "device");
        assert_eq!(file_stem("  ", "🙂"), "device");
        assert_eq!(file_stem("...", "..."), "device");
        assert_eq!(file_stem(".bashrc", ""), "bashrc");
        assert_eq!(file_stem("-rf", ""), "rf");
        assert_eq!(file_stem("../../etc/passwd", ""), "etc_passwd");
        assert_eq!(file_stem("CON", ""), "CON_");
        assert_eq!(file_stem("nul.txt", ""), "nul_.txt");
        assert_eq!(file_stem("Console", ""), "Console");
        let long = file_stem(&"Überlange Gerätebezeichnung ".repeat(10), "SERIAL-123456");
        assert!(long.len() <= MAX_STEM_LEN, "{long}");
        assert!(long.ends_with("_SERIAL-123456"), "{long}");
        let stem = file_stem(&"x".repeat(500), &"9".repeat(500));
        assert!(stem.len() <= MAX_STEM_LEN);
        for stem in [long, stem] {
            assert!(stem.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        }
    }

    #[test]
    fn unique_names_number_repeats_case_insensitively() {
        let mut names = UniqueNames::new();
        assert_eq!(names.claim("Printer"), "Printer");
        assert_eq!(names.claim("printer"), "printer-2");
        assert_eq!(names.claim("PRINTER"), "PRINTER-3");
        assert_eq!(names.claim("printer-2"), "printer-2-2");
        assert_eq!(names.len(), 4);
        let long = "y".repeat(MAX_STEM_LEN);
        assert_eq!(names.claim(&long), long);
        let second = names.claim(&long);
        assert_eq!(second.len(), MAX_STEM_LEN);
        assert!(second.ends_with("-2"));
    }
}
