//! Import of gLabels template files (the XML of Debian's `glabels-data`, the largest open database of label
//! stock). Every rectangular `<Template>` becomes a [`SheetTemplate`] with all its `<Layout>`s; `equiv=`
//! templates become [aliases](SheetTemplate::aliases) of the template they name; round, CD/DVD, elliptical and
//! free-form labels, tapes without a length and templates whose geometry fails
//! [`SheetTemplate::validate`] are skipped with a counted [`SkipKind`] and a reason.
//!
//! Distances may be in `pt`, `in`, `mm`, `cm` or `pc`; a bare number is in points. `size=` names a paper
//! (gLabels' `paper-sizes.xml` is built in, and one passed to [`import_files`] adds to it), `Other` uses the
//! template's own `width`/`height`, and `roll` (or a single label filling its page, like Brother DK rolls)
//! makes a roll template: one label per page.

mod paper;
mod report;
mod resolve;
mod template;
mod units;

pub use paper::{PaperSize, builtin_paper_sizes, parse_paper_sizes};
pub use report::{ImportReport, SkipKind, Skipped};

use roxmltree::Document;

use crate::LabelError;
#[cfg(doc)]
use crate::geometry::SheetTemplate;

/// The longest id [`slug`] makes, in characters.
const MAX_ID_LEN: usize = 64;

/// Imports one gLabels template file. `equiv=` references must be to templates in the same file; use
/// [`import_files`] when they point into other files.
pub fn import(xml: &str) -> Result<ImportReport, LabelError> {
    import_files(&[("template file", xml)])
}

/// Imports several gLabels files at once, given as (file name, XML) pairs; the names only appear in
/// reasons and errors. `equiv=` references are resolved across all files, whatever their order. A
/// `<Glabels-paper-sizes>` file adds paper sizes for all of them; other gLabels files (`categories.xml`,
/// `vendors.xml`) are listed in [`ImportReport::ignored_files`]. A file that is not XML or not a gLabels
/// file at all is refused with an error naming it.
pub fn import_files(files: &[(&str, &str)]) -> Result<ImportReport, LabelError> {
    let mut docs = Vec::with_capacity(files.len());
    for (name, xml) in files {
        let doc = Document::parse(xml).map_err(|e| LabelError::Import(format!("{name} is not readable XML: {e}")))?;
        let root = doc.root_element().tag_name().name();
        if !root.starts_with("Glabels-") {
            return Err(LabelError::Import(format!(
                "{name} is not a gLabels template file (its root element is <{root}>, not <Glabels-templates>)."
            )));
        }
        docs.push((*name, doc));
    }
    let mut papers = paper::PaperTable::builtin();
    for (_, doc) in &docs {
        if doc.root_element().has_tag_name("Glabels-paper-sizes") {
            papers.extend(paper::paper_sizes_of(doc.root_element()));
        }
    }
    let mut entries = Vec::new();
    let mut ignored = Vec::new();
    for (name, doc) in &docs {
        let root = doc.root_element();
        if root.has_tag_name("Glabels-templates") {
            let nodes = root.children().filter(|n| n.has_tag_name("Template"));
            entries.extend(nodes.map(|node| template::read_template(node, name, &papers)));
        } else if !root.has_tag_name("Glabels-paper-sizes") {
            ignored.push((*name).to_owned());
        }
    }
    Ok(resolve::resolve(entries, ignored))
}

/// A template id from brand and part: lower-case ASCII letters, digits and single `-` (accents
/// transliterated), e.g. `avery-l7160`; `template` when nothing is left. Safe in file names and URLs; made
/// unique by the import.
pub fn slug(brand: &str, part: &str) -> String {
    let mut folded = String::new();
    for c in format!("{brand} {part}").chars() {
        if !crate::bundle::ascii_fold(c, &mut folded) {
            folded.push('-');
        }
    }
    let mut id = String::with_capacity(folded.len());
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' };
        if !(c == '-' && (id.is_empty() || id.ends_with('-'))) && id.len() < MAX_ID_LEN {
            id.push(c);
        }
    }
    let id = id.trim_end_matches('-');
    if id.is_empty() { "template".to_owned() } else { id.to_owned() }
}

#[cfg(test)]
mod tests;
