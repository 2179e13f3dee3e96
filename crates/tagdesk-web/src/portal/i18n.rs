//! The portal's languages: Fluent messages compiled into the binary (`locales/<lang>/portal.ftl`) and the
//! choice of language for a request — the `?lang=` switcher (remembered in a cookie), else the browser's
//! `Accept-Language` where we support it, else the deployment's default. Adding a language means adding
//! one directory of `.ftl` files and one [`Lang`] variant.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
}

impl Lang {
    /// Every supported language, in switcher order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// BCP 47 code (`en`, `de`), for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
        }
    }

    /// Parses a code or a language tag (`de`, `de-AT`, `EN_us`); `None` when unsupported.
    pub fn parse(raw: &str) -> Option<Self> {
        let primary = raw.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Self::En => fluent_templates::langid!("en"),
            Self::De => fluent_templates::langid!("de"),
        }
    }
}

/// The best supported language in an `Accept-Language` header (highest q first; ties keep header order).
pub fn from_accept_language(header: &str) -> Option<Lang> {
    let mut candidates: Vec<(u16, usize, Lang)> = header
        .split(',')
        .enumerate()
        .filter_map(|(index, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // q=0 means "not acceptable"; NaN is nonsense.
            if q.is_nan() || q <= 0.0 {
                return None;
            }
            // q has at most three decimals; scale to an integer for a total order.
            let weight = (q.min(1.0) * 1000.0).round() as u16;
            Lang::parse(tag).map(|lang| (weight, index, lang))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.first().map(|c| c.2)
}

/// How the language of a request was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The language to answer in.
    pub lang: Lang,
    /// Whether the visitor picked it just now with `?lang=` (the response remembers it in a cookie).
    pub remember: bool,
}

/// Chooses the language: the `?lang=` switcher, else the remembered choice, else `Accept-Language`,
/// else the deployment default, else English.
pub fn negotiate(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>, default: Option<&str>) -> Negotiated {
    if let Some(lang) = query.and_then(Lang::parse) {
        return Negotiated { lang, remember: true };
    }
    let lang = cookie
        .and_then(Lang::parse)
        .or_else(|| accept.and_then(from_accept_language))
        .or_else(|| default.and_then(Lang::parse))
        .unwrap_or(Lang::En);
    Negotiated { lang, remember: false }
}

/// Translations for one request; templates call `tr.t("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// Translations in `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.lang.id(), key)
    }

    /// The message `key` with one number argument (plurals work on it).
    pub fn n(&self, key: &str, name: &str, value: impl AsNumber) -> String {
        self.with(key, &[(name, FluentValue::from(value.as_number()))])
    }

    /// The message `key` with one text argument.
    pub fn s(&self, key: &str, name: &str, value: &str) -> String {
        self.with(key, &[(name, FluentValue::from(value.to_owned()))])
    }

    /// The message `key` with arguments.
    pub fn with(&self, key: &str, args: &[(&str, FluentValue<'static>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'static>> =
            args.iter().map(|(name, value)| (Cow::Owned((*name).to_owned()), value.clone())).collect();
        LOCALES.lookup_with_args(&self.lang.id(), key, &args)
    }

    /// Whether `key` exists in this language (no fallback) and formats without errors, given a value for
    /// every argument the portal's messages use.
    pub fn has(&self, key: &str) -> bool {
        let args: HashMap<&str, FluentValue<'static>> = [
            ("minutes", FluentValue::from(2)),
            ("number", FluentValue::from(2)),
            ("count", FluentValue::from(2)),
            ("mb", FluentValue::from(2)),
            ("max", FluentValue::from(2)),
            ("day", FluentValue::from(2)),
            ("year", FluentValue::from(2025)),
            ("month", FluentValue::from("Jun")),
            ("name", FluentValue::from("photo.jpg")),
            ("reason", FluentValue::from("reason")),
            ("device", FluentValue::from("Device")),
            ("kind", FluentValue::from("Kind")),
        ]
        .into_iter()
        .collect();
        LOCALES.lookup_single_language(&self.lang.id(), key, Some(&args)).is_ok()
    }

    /// A calendar date (UTC) of a millisecond timestamp: `3 Jun 2025` / `3. Juni 2025`.
    pub fn date(&self, ms: impl AsNumber) -> String {
        let Some(time) = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms.as_number()) else {
            return String::new();
        };
        use chrono::Datelike;
        let month = self.t(&format!("month-{}", time.month()));
        self.with(
            "date-format",
            &[
                ("day", FluentValue::from(i64::from(time.day()))),
                ("month", FluentValue::from(month)),
                ("year", FluentValue::from(i64::from(time.year()))),
            ],
        )
    }

    /// RFC 3339 form of a millisecond timestamp, for `<time datetime>`.
    pub fn iso(&self, ms: impl AsNumber) -> String {
        crate::format::rfc3339(ms.as_number())
    }
}

/// An integer however many references deep askama hands it over.
pub trait AsNumber {
    /// The value.
    fn as_number(&self) -> i64;
}

impl AsNumber for i64 {
    fn as_number(&self) -> i64 {
        *self
    }
}

impl AsNumber for usize {
    fn as_number(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: AsNumber + ?Sized> AsNumber for &T {
    fn as_number(&self) -> i64 {
        (**self).as_number()
    }
}

/// The message files, for the completeness test.
#[cfg(test)]
pub(crate) const SOURCES: [(Lang, &str); 2] =
    [(Lang::En, include_str!("../../locales/en/portal.ftl")), (Lang::De, include_str!("../../locales/de/portal.ftl"))];

/// Message ids defined in a Fluent file (top-level `id = …` lines).
#[cfg(test)]
pub(crate) fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim().to_owned()))
        .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_key_exists_in_every_language() {
        let sets: Vec<(Lang, BTreeSet<String>)> =
            SOURCES.iter().map(|(lang, src)| (*lang, message_ids(src).into_iter().collect())).collect();
        let all: BTreeSet<String> = sets.iter().flat_map(|(_, ids)| ids.iter().cloned()).collect();
        assert!(all.len() > 50, "expected the portal's messages, found {}", all.len());
        for (lang, ids) in &sets {
            let missing: Vec<&String> = all.difference(ids).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            for id in ids {
                assert!(Tr::new(*lang).has(id), "{} cannot format {id}", lang.code());
            }
        }
        for (lang, src) in SOURCES {
            let ids = message_ids(src);
            let unique: BTreeSet<&String> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "{} defines a key twice", lang.code());
        }
    }

    /// Every `tr.t("…")`, `tr.n("…"`, `tr.s("…"` and `key: "…"` used by the portal's code and templates
    /// names a message that exists.
    #[test]
    fn every_key_used_is_defined() {
        let defined: BTreeSet<String> = message_ids(SOURCES[0].1).into_iter().collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        let mut files = Vec::new();
        for sub in ["src/portal", "templates/portal"] {
            for entry in std::fs::read_dir(format!("{dir}{sub}")).expect("dir").flatten() {
                // This file's own docs and tests name example keys.
                if !entry.path().ends_with("i18n.rs") {
                    files.push(entry.path());
                }
            }
        }
        let mut used = BTreeSet::new();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("read");
            for marker in [".t(\"", ".n(\"", ".s(\"", ".with(\""] {
                for piece in text.split(marker).skip(1) {
                    if let Some(key) = piece.split('"').next()
                        && !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        used.insert(key.to_owned());
                    }
                }
            }
        }
        assert!(used.len() > 30, "scanner found only {} keys", used.len());
        let missing: Vec<&String> = used.difference(&defined).collect();
        assert!(missing.is_empty(), "used but not defined: {missing:?}");
    }

    #[test]
    fn language_is_negotiated_in_order() {
        assert_eq!(
            negotiate(Some("de"), Some("en"), Some("en"), Some("en")),
            Negotiated { lang: Lang::De, remember: true }
        );
        assert_eq!(negotiate(Some("xx"), Some("de"), None, None).lang, Lang::De);
        assert_eq!(negotiate(None, Some("de"), Some("en"), None).lang, Lang::De);
        assert_eq!(negotiate(None, None, Some("fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7"), Some("en")).lang, Lang::De);
        assert_eq!(negotiate(None, None, Some("en;q=0.5, de-AT"), None).lang, Lang::De);
        assert_eq!(negotiate(None, None, Some("de;q=0, fr"), Some("de")).lang, Lang::De);
        assert_eq!(negotiate(None, None, Some("de;q=0, en"), Some("de")).lang, Lang::En);
        assert_eq!(negotiate(None, None, Some("fr, it"), Some("de")).lang, Lang::De);
        assert_eq!(negotiate(None, None, None, Some("nope")).lang, Lang::En);
        assert_eq!(negotiate(None, None, Some("*"), None).lang, Lang::En);
    }

    #[test]
    fn messages_take_arguments_and_plurals() {
        let en = Tr::new(Lang::En);
        let de = Tr::new(Lang::De);
        assert_eq!(en.n("pin-locked", "minutes", 1_i64), "Too many wrong PINs. Please wait 1 minute and try again.");
        assert!(en.n("pin-locked", "minutes", 5_i64).contains("5 minutes"));
        assert!(de.n("pin-locked", "minutes", 5_i64).contains("5 Minuten"));
        assert_eq!(en.date(1_748_945_520_000_i64), "3 Jun 2025");
        assert_eq!(de.date(1_748_945_520_000_i64), "3. Juni 2025");
    }
}
