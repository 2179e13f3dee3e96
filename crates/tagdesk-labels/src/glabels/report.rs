//! What an import produced: the templates, the skipped `<Template>`s with their reasons, and counts.

use std::collections::BTreeMap;
use std::fmt;

use crate::bundle::UniqueNames;
use crate::geometry::SheetTemplate;

/// Why a `<Template>` was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipKind {
    /// `<Label-round>`.
    Round,
    /// `<Label-cd>` (CD/DVD, with a hole).
    Cd,
    /// `<Label-ellipse>`.
    Ellipse,
    /// `<Label-path>` (a free-form outline).
    Path,
    /// `<Label-continuous>` without a label length.
    Continuous,
    /// No label element, or one this import does not know.
    OtherShape,
    /// Unreadable numbers, a missing page size, or geometry that fails [`SheetTemplate::validate`].
    Invalid,
    /// A second definition of a brand and part already read.
    Duplicate,
    /// An `equiv=` naming a template that is in none of the files (or a circle of them).
    MissingEquiv,
}

impl SkipKind {
    /// A short name for counts and logs, e.g. `round`, `cd`, `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipKind::Round => "round",
            SkipKind::Cd => "cd",
            SkipKind::Ellipse => "ellipse",
            SkipKind::Path => "path",
            SkipKind::Continuous => "continuous",
            SkipKind::OtherShape => "other shape",
            SkipKind::Invalid => "invalid",
            SkipKind::Duplicate => "duplicate",
            SkipKind::MissingEquiv => "missing equiv",
        }
    }
}

impl fmt::Display for SkipKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `<Template>` that was not imported. An `equiv=` of a skipped template is skipped with that template's
/// kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// "Brand Part", e.g. "Avery 5931".
    pub name: String,
    /// Why, in a sentence for the person importing.
    pub reason: String,
    /// Why, for counting.
    pub kind: SkipKind,
    /// The file it was in.
    pub file: String,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The imported templates, valid, with unique ids, in file order; `equiv=` templates are in their
    /// [`aliases`](SheetTemplate::aliases) (part numbers of the same brand).
    pub templates: Vec<SheetTemplate>,
    /// The `<Template>`s not imported.
    pub skipped: Vec<Skipped>,
    /// Files that are gLabels files without templates or paper sizes (`categories.xml`, `vendors.xml`).
    pub ignored_files: Vec<String>,
}

impl ImportReport {
    /// How many `<Template>` elements were read: imported + aliases + skipped.
    pub fn read(&self) -> usize {
        self.templates.len() + self.alias_count() + self.skipped.len()
    }

    /// How many `equiv=` templates became aliases of an imported template.
    pub fn alias_count(&self) -> usize {
        self.templates.iter().map(|t| t.aliases.len()).sum()
    }

    /// How many `<Template>`s were skipped, by kind.
    pub fn skipped_by_kind(&self) -> BTreeMap<SkipKind, usize> {
        let mut counts = BTreeMap::new();
        for skipped in &self.skipped {
            *counts.entry(skipped.kind).or_insert(0) += 1;
        }
        counts
    }

    /// The template for "Brand Part" (ignoring case), by its own name or as an alias: `find("Avery",
    /// "L7160")` is Avery 7160, of which L7160 is an `equiv=`.
    pub fn find(&self, brand: &str, part: &str) -> Option<&SheetTemplate> {
        let brand = brand.trim();
        let part = part.trim();
        let full = format!("{brand} {part}");
        let by_name = self.templates.iter().find(|t| t.name.eq_ignore_ascii_case(&full));
        by_name.or_else(|| {
            self.templates.iter().find(|t| {
                let same_brand = t.name.len() > brand.len()
                    && t.name.is_char_boundary(brand.len())
                    && t.name[..brand.len()].eq_ignore_ascii_case(brand)
                    && t.name[brand.len()..].starts_with(' ');
                same_brand && t.aliases.iter().any(|a| a.eq_ignore_ascii_case(part))
            })
        })
    }

    /// Renames imported templates whose id is one of `taken` (compared ignoring case; e.g. the built-in
    /// templates' ids or a workspace's existing ones) by appending `-2`, `-3`…, keeping all ids unique.
    pub fn avoid_ids<'a>(&mut self, taken: impl IntoIterator<Item = &'a str>) {
        let mut ids = UniqueNames::new();
        for id in taken {
            ids.claim(id);
        }
        for template in &mut self.templates {
            template.id = ids.claim(&template.id);
        }
    }
}
