//! Imported gLabels templates print as exactly as the built-in ones: a deterministic sample of the
//! installed package's rectangular templates (spread over the whole set, with multi-layout sheets and
//! rolls among them) is rendered, rasterised and scanned like the built-ins — every code decodes to its
//! device's URL inside its label's rectangle, no ink outside the labels — also with a start position and a
//! calibration offset. Needs `glabels-data` (installed by `.ci/run`; under `CI=true` its absence fails).

mod pdf_support;

use pdf_support::{Scratch, labels, skip_notice, tools};
use tagdesk_labels::pdf::module_size_mm;
use tagdesk_labels::{PrintOptions, SheetTemplate, glabels};

const DIR: &str = "/usr/share/libglabels-3.0/templates";

/// Every rectangular template of the installed package (equivalents resolved), or `None` outside CI.
fn imported() -> Option<Vec<SheetTemplate>> {
    let entries = match std::fs::read_dir(DIR) {
        Ok(entries) => entries,
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{DIR} is missing ({e}): install glabels-data");
            skip_notice(&format!("pdf_glabels: {DIR} is missing (apt-get install -y glabels-data)"));
            return None;
        }
    };
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("readable")))
        .collect();
    files.sort();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
    Some(glabels::import_files(&borrowed).expect("the package imports").templates)
}

fn options() -> PrintOptions {
    PrintOptions { cta: "Scan to report a problem".to_owned(), ..PrintOptions::default() }
}

/// Every n-th template whose codes a phone can read (≥ 0.3 mm modules: the print page warns below 0.4),
/// plus every multi-layout sheet among the first ones and a roll — at most `max`.
fn sample(all: &[SheetTemplate], max: usize) -> Vec<SheetTemplate> {
    let readable: Vec<&SheetTemplate> = all
        .iter()
        .filter(|t| module_size_mm(t, &options(), &pdf_support::url(0)) >= 0.3 && t.labels_per_page() <= 80)
        .collect();
    let mut chosen: Vec<SheetTemplate> =
        readable.iter().filter(|t| t.layouts.len() > 1).take(2).map(|t| (*t).clone()).collect();
    chosen.extend(readable.iter().filter(|t| t.roll).take(1).map(|t| (*t).clone()));
    let step = (readable.len() / max.saturating_sub(chosen.len()).max(1)).max(1);
    for t in readable.iter().step_by(step) {
        if chosen.len() >= max {
            break;
        }
        if !chosen.iter().any(|c| c.id == t.id) {
            chosen.push((*t).clone());
        }
    }
    chosen
}

#[test]
fn a_sample_of_imported_glabels_templates_scans_inside_its_labels() {
    let Some(tools) = tools("a_sample_of_imported_glabels_templates_scans_inside_its_labels") else { return };
    let Some(all) = imported() else { return };
    let chosen = sample(&all, 12);
    assert!(chosen.len() >= 10, "a real sample, got {}", chosen.len());
    assert!(chosen.iter().any(|t| t.layouts.len() > 1), "a sheet with several layouts is in the sample");
    let scratch = Scratch::new("glabels");
    for template in &chosen {
        let per_page = template.labels_per_page() as usize;
        let count = if template.roll { 2 } else { per_page + 1 };
        let pdf = tools.assert_sheet(&scratch, template, &options(), &labels(count));
        let fonts = tools.fonts(&pdf);
        assert!(fonts.contains("Identity-H"), "{}: the font is embedded:\n{fonts}", template.name);
    }
    // A start position and a calibration offset on two of them.
    for template in chosen.iter().filter(|t| !t.roll && t.labels_per_page() > 4).take(2) {
        let options = PrintOptions { start_at: 3, offset_x: -0.8, offset_y: 1.2, ..options() };
        tools.assert_sheet(&scratch, template, &options, &labels(template.labels_per_page() as usize));
    }
    eprintln!(
        "checked {} imported templates: {}",
        chosen.len(),
        chosen.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
    );
}
