//! Import of small gLabels snippets: units, layouts, pages, rolls, equivs, skips and hostile input.

use super::*;
use crate::geometry::{MM_PER_INCH, Mm, PageSize};

fn file(templates: &str) -> String {
    format!("<?xml version=\"1.0\"?>\n<Glabels-templates>\n{templates}\n</Glabels-templates>")
}

fn close(a: Mm, b: Mm) -> bool {
    (a - b).abs() < 1e-3
}

const L7160: &str = r#"
  <Template brand="Avery" part="7160" size="A4" _description="Mailing labels">
    <Meta category="label"/>
    <Label-rectangle id="0" width="181.4" height="108.0" round="5">
      <Markup-margin size="5"/>
      <Layout nx="3" ny="7" x0="21.2" y0="43.9" dx="187.2" dy="108.0"/>
    </Label-rectangle>
  </Template>
  <Template brand="Avery" part="L7160" equiv="7160"/>
  <Template brand="Avery" part="J8160" equiv="7160"/>"#;

#[test]
fn bare_numbers_are_points_and_equivs_become_aliases() {
    let report = import(&file(L7160)).expect("imports");
    assert_eq!(report.templates.len(), 1);
    let t = &report.templates[0];
    assert_eq!(t.id, "avery-7160");
    assert_eq!(t.name, "Avery 7160");
    assert_eq!(t.description, "Mailing labels, 64 × 38.1 mm, 21 per A4 sheet");
    assert_eq!(t.page, PageSize::A4);
    let pt = MM_PER_INCH / 72.0;
    assert!(close(t.label.width, 181.4 * pt) && close(t.label.height, 38.1) && close(t.label.corner_radius, 5.0 * pt));
    let l = t.layouts[0];
    assert_eq!((l.columns, l.rows), (3, 7));
    assert!(close(l.left, 21.2 * pt) && close(l.top, 43.9 * pt) && close(l.pitch_x, 187.2 * pt));
    assert_eq!(t.aliases, ["L7160", "J8160"]);
    assert!(!t.roll);
    assert_eq!((report.read(), report.alias_count(), report.skipped.len()), (3, 2, 0));
    assert_eq!(report.find("avery", "l7160").map(|t| t.id.as_str()), Some("avery-7160"));
    assert_eq!(report.find("Avery", "7160").map(|t| t.id.as_str()), Some("avery-7160"));
    assert!(report.find("Herma", "L7160").is_none());
}

#[test]
fn every_unit_and_several_layouts_are_kept() {
    let xml = file(
        r#"<Template brand="Test" part="Mixed" size="US-Letter" description="Two grids">
          <Label-rectangle width="2in" height="2.54cm" round="1.5mm">
            <Layout nx="2" ny="3" x0="0.5in" y0="36pt" dx="2.25in" dy="1in"/>
            <Layout nx="1" ny="2" x0="5.5in" y0="3pc" dx="0" dy="25.4mm"/>
          </Label-rectangle>
        </Template>"#,
    );
    let report = import(&xml).expect("imports");
    let t = &report.templates[0];
    assert_eq!(t.page, PageSize::LETTER);
    assert!(close(t.label.width, 50.8) && close(t.label.height, 25.4) && close(t.label.corner_radius, 1.5));
    assert_eq!(t.layouts.len(), 2);
    assert_eq!(t.labels_per_page(), 8);
    let second = t.layouts[1];
    assert!(close(second.left, 139.7) && close(second.top, 12.7) && close(second.pitch_y, 25.4));
    assert!(t.description.starts_with("Two grids, 50.8 × 25.4 mm, 8 per US Letter sheet"), "{}", t.description);
}

#[test]
fn round_cd_ellipse_and_path_labels_are_skipped_with_their_kind() {
    let xml = file(
        r#"<Template brand="X" part="R" size="A4"><Label-round radius="20mm"><Layout nx="2" ny="2" x0="0" y0="0" dx="50mm" dy="50mm"/></Label-round></Template>
           <Template brand="X" part="R2" equiv="R"/>
           <Template brand="X" part="CD" size="A4"><Label-cd radius="58mm" hole="18mm"><Layout nx="1" ny="2" x0="0" y0="0" dx="0" dy="120mm"/></Label-cd></Template>
           <Template brand="X" part="E" size="A4"><Label-ellipse width="40mm" height="20mm"><Layout nx="1" ny="1"/></Label-ellipse></Template>
           <Template brand="X" part="P" size="A4"><Label-path d="M 0 0 L 10 0 L 10 10 Z"><Layout nx="1" ny="1"/></Label-path></Template>
           <Template brand="X" part="T" size="A4"><Label-triangle/></Template>
           <Template brand="X" part="N" size="A4"><Meta category="label"/></Template>"#,
    );
    let report = import(&xml).expect("imports");
    assert!(report.templates.is_empty());
    let counts = report.skipped_by_kind();
    assert_eq!(counts.get(&SkipKind::Round), Some(&2), "{counts:?}");
    assert_eq!(counts.get(&SkipKind::Cd), Some(&1));
    assert_eq!(counts.get(&SkipKind::Ellipse), Some(&1));
    assert_eq!(counts.get(&SkipKind::Path), Some(&1));
    assert_eq!(counts.get(&SkipKind::OtherShape), Some(&2));
    let alias = report.skipped.iter().find(|s| s.name == "X R2").expect("skipped");
    assert!(alias.reason.contains("X R") && alias.reason.contains("Round"), "{}", alias.reason);
    assert_eq!(report.read(), 7);
}

#[test]
fn equivs_resolve_across_files_in_any_order_and_through_chains() {
    let aliases = file(
        r#"<Template brand="Avery" part="L7160" equiv="7160"/>
           <Template brand="Avery" part="L7160-X" equiv="L7160"/>
           <Template brand="Avery" part="Nowhere" equiv="9999"/>
           <Template brand="Herma" part="7160" equiv="7160"/>
           <Template brand="Loop" part="A" equiv="B"/>
           <Template brand="Loop" part="B" equiv="A"/>"#,
    );
    let definitions = file(L7160);
    let report = import_files(&[("aliases.xml", &aliases), ("avery.xml", &definitions)]).expect("imports");
    assert_eq!(report.templates.len(), 1);
    assert_eq!(report.templates[0].aliases, ["L7160", "L7160-X", "J8160"]);
    let missing: Vec<&str> =
        report.skipped.iter().filter(|s| s.kind == SkipKind::MissingEquiv).map(|s| s.name.as_str()).collect();
    assert_eq!(missing, ["Avery Nowhere", "Herma 7160", "Loop A", "Loop B"]);
    // The same part defined again (here: the L7160 alias again in the second file) is a duplicate.
    let duplicates: Vec<&Skipped> = report.skipped.iter().filter(|s| s.kind == SkipKind::Duplicate).collect();
    assert_eq!(duplicates.len(), 1);
    assert_eq!((duplicates[0].name.as_str(), duplicates[0].file.as_str()), ("Avery L7160", "avery.xml"));
    assert!(duplicates[0].reason.contains("aliases.xml"), "{}", duplicates[0].reason);
    // Imported alone, the alias file has nothing to refer to.
    assert!(import(&aliases).expect("imports").templates.is_empty());
}

#[test]
fn other_sizes_rolls_and_tapes() {
    let xml = file(
        r#"<Template brand="Brother" part="DK-1201" size="Other" width="82pt" height="255pt" _description="Address">
             <Label-rectangle width="82pt" height="255pt" round="4pt"><Layout nx="1" ny="1" x0="0" y0="0" dx="0" dy="0"/></Label-rectangle>
           </Template>
           <Template brand="Odd" part="Sheet" size="Other" width="100mm" height="50mm">
             <Label-rectangle width="40mm" height="20mm"><Layout nx="2" ny="2" x0="5mm" y0="5mm" dx="50mm" dy="25mm"/></Label-rectangle>
           </Template>
           <Template brand="Dymo" part="Tape" size="roll" width="12mm">
             <Label-continuous width="12mm" min_height="10mm" max_height="1000mm"/>
           </Template>
           <Template brand="Dymo" part="Tape50" size="roll" width="12mm">
             <Label-continuous width="12mm" default_height="50mm"/>
           </Template>
           <Template brand="Zebra" part="2x1" size="roll" width="2in">
             <Label-rectangle width="2in" height="1in" round="0"><Layout nx="1" ny="1" x0="0" y0="0" dx="0" dy="0"/></Label-rectangle>
           </Template>"#,
    );
    let report = import(&xml).expect("imports");
    let ids: Vec<&str> = report.templates.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["brother-dk-1201", "odd-sheet", "dymo-tape50", "zebra-2x1"]);
    let dk = &report.templates[0];
    assert!(dk.roll && close(dk.page.width, 82.0 * MM_PER_INCH / 72.0) && close(dk.page.height, 89.958));
    assert_eq!(dk.description, "Address, 28.9 × 90 mm, one label per page");
    let odd = &report.templates[1];
    assert!(!odd.roll && odd.page == PageSize { width: 100.0, height: 50.0 });
    assert!(odd.description.ends_with("4 per 100 × 50 mm sheet"), "{}", odd.description);
    let tape = &report.templates[2];
    assert!(tape.roll && close(tape.label.width, 12.0) && close(tape.label.height, 50.0));
    assert!(report.templates[3].roll);
    assert_eq!(report.skipped_by_kind().get(&SkipKind::Continuous), Some(&1));
}

#[test]
fn impossible_geometry_and_bad_numbers_are_skipped_as_invalid() {
    let xml = file(
        r#"<Template brand="Bad" part="OffPage" size="A4"><Label-rectangle width="100mm" height="30mm"><Layout nx="3" ny="1" x0="0" y0="0" dx="100mm" dy="0"/></Label-rectangle></Template>
           <Template brand="Bad" part="Overlap" size="A4"><Label-rectangle width="60mm" height="30mm"><Layout nx="3" ny="1" x0="0" y0="0" dx="50mm" dy="0"/></Label-rectangle></Template>
           <Template brand="Bad" part="Units" size="A4"><Label-rectangle width="6 furlongs" height="30mm"><Layout nx="1" ny="1"/></Label-rectangle></Template>
           <Template brand="Bad" part="Huge" size="A4"><Label-rectangle width="1mm" height="1mm"><Layout nx="4294967296" ny="99999" x0="0" y0="0" dx="1mm" dy="1mm"/></Label-rectangle></Template>
           <Template brand="Bad" part="Many" size="A4"><Label-rectangle width="1mm" height="1mm"><Layout nx="1000" ny="1000" x0="0" y0="0" dx="1mm" dy="1mm"/></Label-rectangle></Template>
           <Template brand="Bad" part="Zero" size="A4"><Label-rectangle width="0" height="30mm"><Layout nx="0" ny="1"/></Label-rectangle></Template>
           <Template brand="Bad" part="NaN" size="A4"><Label-rectangle width="NaN" height="1e999"><Layout nx="1" ny="1"/></Label-rectangle></Template>
           <Template brand="Bad" part="NoLayout" size="A4"><Label-rectangle width="10mm" height="10mm"/></Template>
           <Template brand="Bad" part="Paper" size="Napkin"><Label-rectangle width="10mm" height="10mm"><Layout nx="1" ny="1"/></Label-rectangle></Template>
           <Template brand="Bad" part="NoPage" size="Other"><Label-rectangle width="10mm" height="10mm"><Layout nx="1" ny="1"/></Label-rectangle></Template>
           <Template brand="Bad" part="Negative" size="A4"><Label-rectangle width="10mm" height="10mm"><Layout nx="1" ny="1" x0="-5mm"/></Label-rectangle></Template>
           <Template size="A4"><Label-rectangle width="10mm" height="10mm"><Layout nx="1" ny="1"/></Label-rectangle></Template>"#,
    );
    let report = import(&xml).expect("imports");
    assert!(report.templates.is_empty(), "{:?}", report.templates);
    assert_eq!(report.skipped.len(), 12);
    assert!(report.skipped.iter().all(|s| s.kind == SkipKind::Invalid), "{:?}", report.skipped);
    let reason = |name: &str| &report.skipped.iter().find(|s| s.name == name).expect(name).reason;
    assert!(reason("Bad OffPage").contains("does not fit"));
    assert!(reason("Bad Overlap").contains("overlap"));
    assert!(reason("Bad Units").contains("furlongs"));
    assert!(reason("Bad Huge").contains("whole number"));
    assert!(reason("Bad Many").contains("at most"));
    assert!(reason("Bad Paper").contains("Napkin"));
}

#[test]
fn ids_are_slugs_unique_and_legacy_names_are_read() {
    assert_eq!(slug("Avery", "L7160"), "avery-l7160");
    assert_eq!(slug("Zweckform", "Ø 40mm / Rund"), "zweckform-oe-40mm-rund");
    assert_eq!(slug("Canon", "Type J Tray"), "canon-type-j-tray");
    assert_eq!(slug("", "../.."), "template");
    assert_eq!(slug("Ä", &"x".repeat(200)).len(), 64);
    let rect = r#"<Label-rectangle width="10mm" height="10mm"><Layout nx="1" ny="1"/></Label-rectangle>"#;
    let xml = file(&format!(
        r#"<Template brand="Acme" part="A B" size="A4">{rect}</Template>
           <Template brand="Acme" part="A/B" size="A4">{rect}</Template>
           <Template brand="ACME" part="a-b" size="A4">{rect}</Template>
           <Template name="Avery 5160" size="US-Letter">{rect}</Template>"#
    ));
    let mut report = import(&xml).expect("imports");
    let ids: Vec<&str> = report.templates.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["acme-a-b", "acme-a-b-2", "acme-a-b-3", "avery-5160"]);
    assert_eq!(report.templates[3].name, "Avery 5160");
    report.avoid_ids(["avery-5160", "avery-l7160"]);
    assert_eq!(report.templates[3].id, "avery-5160-2");
}

#[test]
fn non_glabels_input_is_refused_and_side_files_are_ignored() {
    assert!(matches!(import("not xml at all"), Err(LabelError::Import(m)) if m.contains("not readable XML")));
    assert!(matches!(import("<html><body/></html>"), Err(LabelError::Import(m)) if m.contains("<html>")));
    let doctype = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Glabels-templates>&a;</Glabels-templates>";
    assert!(import(doctype).is_err());
    let categories = "<Glabels-categories><Category id=\"label\" _name=\"Labels\"/></Glabels-categories>";
    let report = import_files(&[("categories.xml", categories)]).expect("imports");
    assert_eq!(report.ignored_files, ["categories.xml"]);
    assert_eq!(report.read(), 0);
    let papers = r#"<Glabels-paper-sizes><Paper-size id="Napkin" _name="Napkin" width="100mm" height="100mm"/></Glabels-paper-sizes>"#;
    let sheet = file(
        r#"<Template brand="Tea" part="Time" size="Napkin"><Label-rectangle width="40mm" height="40mm"><Layout nx="2" ny="2" x0="5mm" y0="5mm" dx="50mm" dy="50mm"/></Label-rectangle></Template>"#,
    );
    let report = import_files(&[("t.xml", &sheet), ("paper-sizes.xml", papers)]).expect("imports");
    assert_eq!(report.templates[0].page, PageSize { width: 100.0, height: 100.0 });
    assert!(report.templates[0].description.ends_with("4 per Napkin sheet"));
}

#[test]
fn deeply_nested_or_odd_xml_does_not_panic() {
    let deep = format!("<Glabels-templates>{}{}</Glabels-templates>", "<g>".repeat(5000), "</g>".repeat(5000));
    let _ = import(&deep);
    let odd = file(
        r#"<Template brand="&#x0;" part="&lt;script&gt;" size="A4" equiv=""><Label-rectangle width="10mm" height="10mm" round="999mm"><Layout nx="1.0" ny=" 2 " x0="1e-40mm" dy="10mm"/></Label-rectangle></Template>"#,
    );
    match import(&odd) {
        Ok(report) => {
            assert_eq!(report.templates.len(), 1);
            let t = &report.templates[0];
            assert_eq!(t.id, "script");
            assert!(close(t.label.corner_radius, 5.0));
            assert_eq!(t.labels_per_page(), 2);
        }
        Err(e) => assert!(matches!(e, LabelError::Import(_))),
    }
}
