//! Text fitting: very long names (200 characters, one 80-character word), German, Polish, Turkish and
//! Greek text, an empty serial number. On every built-in template nothing may be drawn outside the labels
//! (raster scan), every code must still decode from its own label with a blank quiet zone (so no text
//! overlaps it), the layout's rectangles must stay inside the label and off the code, and the text must
//! come back out of the PDF (ToUnicode).

mod pdf_support;

use pdf_support::{Raster, Scratch, labels, tools, url};
use tagdesk_labels::geometry::{builtin, builtins};
use tagdesk_labels::pdf::{TextField, layout_label, render_sheets};
use tagdesk_labels::{Fields, LabelData, LabelShape, PrintOptions, Rect};

const CTA_DE: &str = "Scannen, um eine Störung zu melden";

fn options() -> PrintOptions {
    PrintOptions { cta: CTA_DE.to_owned(), ..PrintOptions::default() }
}

fn label(i: u64, name: &str, serial: &str, site: &str) -> LabelData {
    LabelData { url: url(1000 + i), name: name.to_owned(), serial: serial.to_owned(), site: site.to_owned(), cta: None }
}

/// Exactly `n` characters of words.
fn words(n: usize) -> String {
    "Conference room projector on the third floor next to the kitchen and the fire exit "
        .chars()
        .cycle()
        .take(n)
        .collect()
}

/// The texts that make fitting hard.
fn hard_labels() -> Vec<LabelData> {
    let long_word: String =
        "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen".chars().cycle().take(80).collect();
    vec![
        label(0, &words(200), "SN-0001", "Head office"),
        label(1, &long_word, "SN-0002", "Head office"),
        label(2, "Großraumbüro Drucker Ärger Öl Übung", "SN-ÄÖÜ-äöü-ß", "München Süd"),
        label(3, "Łódź drukarka żółć", "ŁŻŚĆ-łżść", "Gdańsk Wrzeszcz"),
        label(4, "İstanbul yazıcı ğüşıöç", "ĞİŞ-ğış", "Iğdır Şubesi"),
        label(5, "Εκτυπωτής αβγ δεζ Ω", "ΑΒΓ-ΩΨ", "Αθήνα"),
        label(6, "Reception scanner", "", "Lobby"),
        label(7, &words(200), &"9".repeat(80), &words(120)),
        label(8, "", "", ""),
    ]
}

#[test]
fn long_and_international_texts_stay_inside_their_labels_and_off_the_code() {
    let Some(tools) = tools("long_and_international_texts_stay_inside") else { return };
    let scratch = Scratch::new("text-fit");
    let mut sheet = hard_labels();
    sheet.extend(labels(3));
    for template in builtins() {
        tools.assert_sheet(&scratch, &template, &options(), &sheet);
    }
    // Text only (no code): still inside the labels.
    let text_only = PrintOptions { fields: Fields { qr: false, ..Fields::default() }, ..options() };
    let template = builtin("avery-l7651").expect("built in");
    let pdf = render_sheets(&template, &hard_labels(), &text_only, &|_| {}).expect("render");
    let path = scratch.write("text-only.pdf", &pdf);
    tools.qpdf_check(&path);
    let pages = tools.rasterise(&path);
    let rects = template.label_rects();
    let raster = Raster::load(&pages[0]);
    assert!(raster.ink_outside(&rects, 0.3).is_empty(), "text-only labels: ink outside");
    assert!(tools.decode(&pages).iter().all(Vec::is_empty), "no codes when the QR field is off");
}

#[test]
fn layout_rects_never_leave_the_label_or_touch_the_code() {
    let all = Fields::default();
    let combos = [
        all,
        Fields { serial: false, site: false, cta: false, ..all },
        Fields { qr: false, ..all },
        Fields { name: false, serial: false, site: false, cta: false, ..all },
    ];
    // Every built-in shape, and odd custom ones: tiny, tall and narrow, a long strip, square, portrait.
    let custom = [(5.0, 3.0), (12.0, 40.0), (200.0, 10.0), (50.0, 50.0), (40.0, 80.0), (19.0, 19.0)];
    let shapes =
        builtins()
            .into_iter()
            .map(|t| (t.id, t.label))
            .chain(custom.map(|(width, height)| {
                (format!("{width}x{height}"), LabelShape { width, height, corner_radius: 1.0 })
            }));
    for (id, shape) in shapes {
        let whole = Rect { x: 0.0, y: 0.0, w: shape.width, h: shape.height };
        for fields in combos {
            let options = PrintOptions { fields, ..options() };
            for (i, data) in hard_labels().iter().enumerate() {
                let what = format!("{id} label {i} fields {fields:?}");
                let layout = layout_label(&shape, data, &options, 29);
                assert_eq!(layout.qr.is_some(), fields.qr, "{what}");
                if let Some(code) = layout.qr {
                    assert!(whole.contains(&code.rect, 1e-4), "{what}: code {:?} leaves the label", code.rect);
                    assert!((code.rect.w - code.rect.h).abs() < 1e-4, "{what}: square");
                    assert!((code.module * 37.0 - code.rect.w).abs() < 1e-3, "{what}: 29 + 8 modules");
                }
                for (k, line) in layout.lines.iter().enumerate() {
                    assert!(whole.contains(&line.rect, 1e-4), "{what}: line {line:?} leaves the label");
                    let pad = (shape.width.min(shape.height) * 0.07).min(1.5) - 1e-4;
                    assert!(line.rect.x >= pad && line.rect.right() <= shape.width - pad, "{what}: padding");
                    assert!(line.rect.y >= pad && line.rect.bottom() <= shape.height - pad, "{what}: padding");
                    if let Some(code) = layout.qr {
                        assert!(!line.rect.overlaps(&code.rect, 0.0), "{what}: line {line:?} overlaps the code");
                    }
                    for other in &layout.lines[k + 1..] {
                        assert!(!line.rect.overlaps(&other.rect, 1e-4), "{what}: lines overlap");
                    }
                    let (preferred, min) = line.field.sizes_pt();
                    assert!(line.size_pt <= preferred && line.size_pt >= min, "{what}: size {}", line.size_pt);
                    assert!(!line.text.is_empty());
                    let measured = tagdesk_labels::pdf::text_width_mm(&line.text, line.size_pt);
                    assert!(measured <= line.rect.w + 1e-4, "{what}: measured width");
                }
                assert!(layout.logo.is_none(), "{what}: no logo without one");
                let serials = layout.lines.iter().filter(|l| l.field == TextField::Serial).count();
                if data.serial.is_empty() {
                    assert_eq!(serials, 0, "{what}: an empty serial takes no line");
                }
            }
        }
    }
}

#[test]
fn text_shrinks_then_wraps_then_ellipsises() {
    let template = builtin("avery-l7160").expect("built in");
    let name_lines = |name: &str| {
        let data = label(0, name, "SN-1", "Site");
        layout_label(&template.label, &data, &options(), 29)
            .lines
            .into_iter()
            .filter(|l| l.field == TextField::Name)
            .collect::<Vec<_>>()
    };
    let short = name_lines("Printer");
    assert_eq!((short.len(), short[0].size_pt), (1, 11.0), "a short name at the preferred size");
    let medium = name_lines("Printer on the 3rd floor");
    assert_eq!(medium.len(), 1, "a medium name shrinks onto one line: {medium:?}");
    assert!(medium[0].size_pt < 11.0 && medium[0].size_pt >= 6.0, "{medium:?}");
    let long = name_lines(&words(200));
    assert!(long.len() >= 2 && long.iter().all(|l| l.size_pt == 6.0), "a long name wraps at the minimum: {long:?}");
    let joined: String = long.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ");
    assert_eq!(joined, words(200).trim_end(), "200 characters fit on L7160, words in order");
    let longer = name_lines(&words(400));
    let last = longer.last().expect("lines");
    assert!(last.text.ends_with('…'), "what does not fit is ellipsised: {longer:?}");
    let joined: String = longer.iter().map(|l| l.text.trim_end_matches('…')).collect::<Vec<_>>().join(" ");
    assert!(words(400).starts_with(joined.trim_end()), "words stay in order: {joined}");
    let word: String = "X".repeat(80);
    let broken = name_lines(&word);
    assert!(broken.len() >= 2, "an 80-character word is broken: {broken:?}");
    assert!(broken.iter().all(|l| l.text.chars().all(|c| c == 'X' || c == '…')), "{broken:?}");
    // Empty fields take no space; the rest keep their order.
    let data = label(0, "Scanner", "", "Lobby");
    let mut fields: Vec<TextField> =
        layout_label(&template.label, &data, &options(), 29).lines.iter().map(|l| l.field).collect();
    fields.dedup();
    assert_eq!(fields, [TextField::Name, TextField::Site, TextField::Cta]);
}

#[test]
fn international_text_comes_back_out_of_the_pdf() {
    let Some(tools) = tools("international_text_comes_back_out_of_the_pdf") else { return };
    let scratch = Scratch::new("unicode");
    let template = builtin("avery-5163").expect("built in");
    let labels = hard_labels()[2..6].to_vec();
    let pdf = render_sheets(&template, &labels, &options(), &|_| {}).expect("render");
    let path = scratch.write("unicode.pdf", &pdf);
    tools.qpdf_check(&path);
    let text = tools.text(&path);
    for expected in [
        "Großraumbüro",
        "Ärger",
        "ÄÖÜ-äöü-ß",
        "München",
        "Łódź",
        "żółć",
        "ŁŻŚĆ-łżść",
        "Gdańsk",
        "İstanbul",
        "yazıcı",
        "ğüşıöç",
        "ĞİŞ-ğış",
        "Iğdır",
        "Şubesi",
        "Εκτυπωτής",
        "αβγ",
        "Ω",
        "ΑΒΓ-ΩΨ",
        "Αθήνα",
        "Störung",
    ] {
        assert!(text.contains(expected), "pdftotext lacks {expected:?}:\n{text}");
    }
    let fonts = tools.fonts(&path);
    assert!(fonts.contains("Identity-H") && fonts.lines().count() == 3, "one embedded font:\n{fonts}");
}

#[test]
fn each_label_can_carry_its_own_call_to_action() {
    let Some(tools) = tools("each_label_can_carry_its_own_call_to_action") else { return };
    let scratch = Scratch::new("cta");
    let template = builtin("avery-l7160").expect("built in");
    let mut labels = vec![label(1, "Drucker Süd", "SN-1", "München"), label(2, "Printer North", "SN-2", "Leeds")];
    labels[1].cta = Some("Scan to report a problem".to_owned());
    // The first label keeps the print's default (German here), the second says its own.
    let pdf = render_sheets(&template, &labels, &options(), &|_| {}).expect("render");
    let path = scratch.write("cta.pdf", &pdf);
    tools.qpdf_check(&path);
    let text = tools.text(&path).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Störung"), "the default call to action:\n{text}");
    assert!(text.contains("Scan to report"), "the label's own call to action:\n{text}");
}
