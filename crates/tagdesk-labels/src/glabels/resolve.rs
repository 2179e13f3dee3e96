//! From the [`Entry`]s of all files to the report: validate each geometry, drop duplicate definitions, turn
//! `equiv=` templates into aliases of the template they name (across files, in any order, following chains),
//! and give every imported template a unique id.

use std::collections::HashMap;

use super::template::{Body, Entry};
use super::{ImportReport, SkipKind, Skipped};
use crate::bundle::UniqueNames;
use crate::geometry::SheetTemplate;

/// The longest `equiv=` chain followed (gLabels data has none longer than 2).
const MAX_CHAIN: usize = 32;

/// Where an entry ended up.
enum Outcome {
    /// Imported as `templates[i]`.
    Imported(usize),
    /// Skipped, with this kind and reason.
    Skipped(SkipKind, String),
    /// An `equiv=` not followed yet.
    Equiv(String),
}

/// Builds the report from every `<Template>` read, in file order.
pub(crate) fn resolve(entries: Vec<Entry>, ignored_files: Vec<String>) -> ImportReport {
    let mut templates: Vec<SheetTemplate> = Vec::new();
    let mut outcomes = Vec::with_capacity(entries.len());
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let key = (entry.brand.to_lowercase(), entry.part.to_lowercase());
        if let Some(&first) = by_key.get(&key) {
            let first: &Entry = &entries[first];
            let reason =
                format!("{} is defined twice; the first definition (in {}) is kept.", entry.name(), first.file);
            outcomes.push(Outcome::Skipped(SkipKind::Duplicate, reason));
            continue;
        }
        by_key.insert(key, index);
        outcomes.push(match &entry.body {
            Body::Sheet(sheet) => match sheet.validate() {
                Ok(()) => {
                    templates.push(sheet.as_ref().clone());
                    Outcome::Imported(templates.len() - 1)
                }
                Err(e) => Outcome::Skipped(SkipKind::Invalid, e.to_string()),
            },
            Body::Equiv(part) => Outcome::Equiv(part.clone()),
            Body::Skip(kind, reason) => Outcome::Skipped(*kind, reason.clone()),
        });
    }
    let mut skipped = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let outcome = match &outcomes[index] {
            Outcome::Imported(_) => continue,
            Outcome::Skipped(kind, reason) => Err((*kind, reason.clone())),
            Outcome::Equiv(part) => follow(&entries, &outcomes, &by_key, &entry.brand, part),
        };
        match outcome {
            Ok(target) => {
                let aliases = &mut templates[target].aliases;
                if !aliases.iter().any(|a| a.eq_ignore_ascii_case(&entry.part)) {
                    aliases.push(entry.part.clone());
                }
            }
            Err((kind, reason)) => {
                skipped.push(Skipped { name: entry.name(), file: entry.file.clone(), kind, reason });
            }
        }
    }
    let mut ids = UniqueNames::new();
    for template in &mut templates {
        template.id = ids.claim(&template.id);
    }
    ImportReport { templates, skipped, ignored_files }
}

/// The template an `equiv=` chain starting at `brand`/`part` ends at, or why it ends nowhere usable.
fn follow(
    entries: &[Entry],
    outcomes: &[Outcome],
    by_key: &HashMap<(String, String), usize>,
    brand: &str,
    part: &str,
) -> Result<usize, (SkipKind, String)> {
    let mut part = part.to_owned();
    for _ in 0..MAX_CHAIN {
        let Some(&index) = by_key.get(&(brand.to_lowercase(), part.to_lowercase())) else {
            let reason = format!("It is the same as {brand} {part}, which is in none of the imported files.");
            return Err((SkipKind::MissingEquiv, reason));
        };
        match &outcomes[index] {
            Outcome::Imported(target) => return Ok(*target),
            Outcome::Skipped(kind, reason) => {
                return Err((
                    *kind,
                    format!("It is the same as {}, which was skipped: {reason}", entries[index].name()),
                ));
            }
            Outcome::Equiv(next) => part.clone_from(next),
        }
    }
    Err((SkipKind::MissingEquiv, format!("Its equiv= references go round in a circle (at {brand} {part}).")))
}
