//! Paper sizes that gLabels templates name in `size=` (`A4`, `US-Letter`…): the sizes of gLabels'
//! `paper-sizes.xml` are built in, and [`parse_paper_sizes`] reads such a file for any others.

use roxmltree::Document;

use super::units::parse_length;
use crate::LabelError;
use crate::geometry::{MM_PER_INCH, Mm, PageSize};

/// A named paper size.
#[derive(Debug, Clone, PartialEq)]
pub struct PaperSize {
    /// The id templates use in `size=`, e.g. `US-Letter`.
    pub id: String,
    /// What people call it, e.g. "US Letter".
    pub name: String,
    /// The page's size.
    pub page: PageSize,
}

/// The sizes of gLabels' `paper-sizes.xml`: id, name, width and height in mm.
const BUILT_IN: [(&str, &str, Mm, Mm); 40] = [
    ("A4", "A4", 210.0, 297.0),
    ("US-Letter", "US Letter", 8.5 * MM_PER_INCH, 11.0 * MM_PER_INCH),
    ("US-Legal", "US Legal", 8.5 * MM_PER_INCH, 14.0 * MM_PER_INCH),
    ("US-Executive", "US Executive", 7.25 * MM_PER_INCH, 10.5 * MM_PER_INCH),
    ("A0", "A0", 841.0, 1189.0),
    ("A1", "A1", 594.0, 841.0),
    ("A2", "A2", 420.0, 594.0),
    ("A3", "A3", 297.0, 420.0),
    ("A5", "A5", 148.0, 210.0),
    ("A6", "A6", 105.0, 148.0),
    ("A7", "A7", 74.0, 105.0),
    ("A8", "A8", 52.0, 74.0),
    ("A9", "A9", 37.0, 52.0),
    ("A10", "A10", 26.0, 37.0),
    ("B0", "B0", 1000.0, 1414.0),
    ("B1", "B1", 707.0, 1000.0),
    ("B2", "B2", 500.0, 707.0),
    ("B3", "B3", 353.0, 500.0),
    ("B4", "B4", 250.0, 353.0),
    ("B5", "B5", 176.0, 250.0),
    ("B6", "B6", 125.0, 176.0),
    ("B7", "B7", 88.0, 125.0),
    ("B8", "B8", 62.0, 88.0),
    ("B9", "B9", 44.0, 62.0),
    ("B10", "B10", 31.0, 44.0),
    ("number10", "#10 Envelope", 4.125 * MM_PER_INCH, 9.5 * MM_PER_INCH),
    ("monarch", "Monarch Envelope", 3.875 * MM_PER_INCH, 7.5 * MM_PER_INCH),
    ("c5", "C5", 162.0, 229.0),
    ("c6", "C6", 114.0, 162.0),
    ("dl", "DL", 110.0, 220.0),
    ("RA0", "RA0", 860.0, 1220.0),
    ("RA1", "RA1", 610.0, 860.0),
    ("RA2", "RA2", 430.0, 610.0),
    ("RA3", "RA3", 305.0, 430.0),
    ("RA4", "RA4", 215.0, 305.0),
    ("SRA0", "SRA0", 900.0, 1280.0),
    ("SRA1", "SRA1", 640.0, 900.0),
    ("SRA2", "SRA2", 450.0, 640.0),
    ("SRA3", "SRA3", 320.0, 450.0),
    ("SRA4", "SRA4", 225.0, 320.0),
];

/// The built-in paper sizes (those gLabels ships).
pub fn builtin_paper_sizes() -> Vec<PaperSize> {
    BUILT_IN
        .iter()
        .map(|&(id, name, width, height)| PaperSize {
            id: id.to_owned(),
            name: name.to_owned(),
            page: PageSize { width, height },
        })
        .collect()
}

/// Reads a gLabels `paper-sizes.xml` (`<Glabels-paper-sizes>` with `<Paper-size id= _name= width= height=>`
/// elements). Entries with a missing id or an unreadable size are left out; a file that is not such XML is
/// refused.
pub fn parse_paper_sizes(xml: &str) -> Result<Vec<PaperSize>, LabelError> {
    let doc = Document::parse(xml).map_err(|e| LabelError::Import(format!("The paper size file is not XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Glabels-paper-sizes" {
        return Err(LabelError::Import(format!(
            "This is not a gLabels paper size file (its root element is <{}>).",
            root.tag_name().name()
        )));
    }
    Ok(paper_sizes_of(root))
}

/// The readable `<Paper-size>` children of a `<Glabels-paper-sizes>` element.
pub(crate) fn paper_sizes_of(root: roxmltree::Node<'_, '_>) -> Vec<PaperSize> {
    root.children()
        .filter(|n| n.has_tag_name("Paper-size"))
        .filter_map(|n| {
            let id = n.attribute("id")?.trim();
            let name = n.attribute("_name").or_else(|| n.attribute("name")).unwrap_or(id).trim();
            let width = parse_length(n.attribute("width")?).ok()?;
            let height = parse_length(n.attribute("height")?).ok()?;
            (!id.is_empty() && width > 0.0 && height > 0.0).then(|| PaperSize {
                id: id.to_owned(),
                name: name.to_owned(),
                page: PageSize { width, height },
            })
        })
        .collect()
}

/// Paper sizes by id (ids compare ignoring case); later additions replace earlier ones.
#[derive(Debug, Clone)]
pub(crate) struct PaperTable {
    sizes: Vec<PaperSize>,
}

impl PaperTable {
    /// The built-in sizes.
    pub(crate) fn builtin() -> Self {
        PaperTable { sizes: builtin_paper_sizes() }
    }

    /// Adds or replaces sizes.
    pub(crate) fn extend(&mut self, sizes: Vec<PaperSize>) {
        for size in sizes {
            self.sizes.retain(|known| !known.id.eq_ignore_ascii_case(&size.id));
            self.sizes.push(size);
        }
    }

    /// The size with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&PaperSize> {
        self.sizes.iter().find(|size| size.id.eq_ignore_ascii_case(id.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_sizes_cover_the_common_papers() {
        let table = PaperTable::builtin();
        let a4 = table.get("a4").expect("A4");
        assert_eq!(a4.page, PageSize::A4);
        assert_eq!(table.get("US-Letter").expect("letter").page, PageSize::LETTER);
        assert_eq!(table.get("US-Letter").expect("letter").name, "US Letter");
        assert!((table.get("US-Legal").expect("legal").page.height - 355.6).abs() < 1e-3);
        assert_eq!(table.get("A5").expect("A5").page, PageSize { width: 148.0, height: 210.0 });
        assert!(table.get("Other").is_none());
    }

    #[test]
    fn a_paper_size_file_adds_and_replaces_sizes() {
        let xml = r#"<?xml version="1.0"?>
            <Glabels-paper-sizes>
              <Paper-size id="A4" _name="A4" width="210mm" height="297mm"/>
              <Paper-size id="Tabloid" _name="Tabloid" width="11in" height="17in"/>
              <Paper-size id="Broken" _name="Broken" width="wide" height="17in"/>
              <Paper-size _name="No id" width="1in" height="1in"/>
            </Glabels-paper-sizes>"#;
        let sizes = parse_paper_sizes(xml).expect("parses");
        assert_eq!(sizes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["A4", "Tabloid"]);
        let mut table = PaperTable::builtin();
        table.extend(sizes);
        assert!((table.get("tabloid").expect("added").page.height - 431.8).abs() < 1e-3);
        assert!(parse_paper_sizes("<Glabels-templates/>").is_err());
        assert!(parse_paper_sizes("not xml").is_err());
    }
}
