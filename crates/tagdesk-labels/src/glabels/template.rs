//! One gLabels `<Template>` element read into a [`SheetTemplate`], an `equiv=` reference, or a reason to skip
//! it. Geometry is converted to millimetres; nothing is validated here beyond reading numbers.

use roxmltree::Node;

use super::paper::PaperTable;
use super::units::{parse_length, parse_optional_length};
use super::{SkipKind, slug};
use crate::geometry::{LabelShape, Layout, Mm, PageSize, SheetTemplate};

/// The most labels across or down one layout (the page limit of `validate` is lower still).
const MAX_GRID: u32 = 1000;

/// How far a single label may be from filling its page and still count as a roll label, in mm.
const ROLL_SLACK: Mm = 1.0;

/// One `<Template>` of a file.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The file it came from.
    pub file: String,
    pub brand: String,
    pub part: String,
    pub body: Body,
}

impl Entry {
    /// "Brand Part".
    pub fn name(&self) -> String {
        format!("{} {}", self.brand, self.part).trim().to_owned()
    }
}

/// What a `<Template>` holds.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// Its own geometry (not validated yet; the id is the plain slug).
    Sheet(Box<SheetTemplate>),
    /// `equiv=`: the same stock as this other part of the same brand.
    Equiv(String),
    /// Not importable.
    Skip(SkipKind, String),
}

/// Reads one `<Template>` element.
pub(crate) fn read_template(node: Node<'_, '_>, file: &str, papers: &PaperTable) -> Entry {
    let attr = |name: &str| node.attribute(name).map(str::trim).unwrap_or_default();
    let (mut brand, mut part) = (attr("brand").to_owned(), attr("part").to_owned());
    if brand.is_empty() && part.is_empty() {
        // gLabels 2.0 files name a template `name="Avery 5160"`.
        let legacy = attr("name");
        let (b, p) = legacy.split_once(char::is_whitespace).unwrap_or(("", legacy));
        (brand, part) = (b.trim().to_owned(), p.trim().to_owned());
    }
    let body = if brand.is_empty() && part.is_empty() {
        Body::Skip(SkipKind::Invalid, "The template has no brand or part number.".into())
    } else if !attr("equiv").is_empty() {
        Body::Equiv(attr("equiv").to_owned())
    } else {
        match read_sheet(node, &brand, &part, papers) {
            Ok(sheet) => Body::Sheet(Box::new(sheet)),
            Err((kind, reason)) => Body::Skip(kind, reason),
        }
    };
    Entry { file: file.to_owned(), brand, part, body }
}

/// A skipped template's kind and reason.
type Skip = (SkipKind, String);

/// The geometry of a template with its own `<Label-…>` element.
fn read_sheet(node: Node<'_, '_>, brand: &str, part: &str, papers: &PaperTable) -> Result<SheetTemplate, Skip> {
    let invalid = |reason: String| (SkipKind::Invalid, reason);
    let Some(shape) = node.children().find(|n| n.is_element() && n.tag_name().name().starts_with("Label-")) else {
        return Err((SkipKind::OtherShape, "The template has no label shape.".into()));
    };
    let (label, continuous) = match shape.tag_name().name() {
        "Label-rectangle" => (rectangle(shape)?, false),
        "Label-continuous" => (continuous(shape)?, true),
        "Label-round" => return Err((SkipKind::Round, "Round labels are not supported.".into())),
        "Label-cd" => return Err((SkipKind::Cd, "CD/DVD labels are not supported.".into())),
        "Label-ellipse" => return Err((SkipKind::Ellipse, "Elliptical labels are not supported.".into())),
        "Label-path" => return Err((SkipKind::Path, "Labels with a free-form outline are not supported.".into())),
        other => return Err((SkipKind::OtherShape, format!("The label shape <{other}> is not supported."))),
    };
    let layouts = if continuous {
        vec![Layout { columns: 1, rows: 1, left: 0.0, top: 0.0, pitch_x: label.width, pitch_y: label.height }]
    } else {
        shape.children().filter(|n| n.has_tag_name("Layout")).map(layout).collect::<Result<Vec<_>, _>>()?
    };
    if layouts.is_empty() {
        return Err(invalid("The template has no <Layout>.".into()));
    }
    let size = node.attribute("size").map(str::trim).unwrap_or_default();
    let attr_length = |name: &str| -> Result<Option<Mm>, Skip> {
        node.attribute(name).map(|v| parse_length(v).map_err(|e| invalid(format!("Page {name}: {e}.")))).transpose()
    };
    let count: u32 = layouts.iter().map(|l| l.columns.saturating_mul(l.rows)).fold(0, u32::saturating_add);
    let is_roll = size.eq_ignore_ascii_case("roll") || continuous;
    let (page, paper_name) = if is_roll {
        let extent = extent(&layouts, label);
        let width = attr_length("width")?.unwrap_or(extent.width).max(extent.width);
        (PageSize { width, height: extent.height }, None)
    } else if let Some(paper) = papers.get(size).filter(|_| !size.eq_ignore_ascii_case("other")) {
        (paper.page, Some(paper.name.clone()))
    } else {
        match (attr_length("width")?, attr_length("height")?) {
            (Some(width), Some(height)) => (PageSize { width, height }, None),
            _ if size.is_empty() || size.eq_ignore_ascii_case("other") => {
                return Err(invalid("The template has no page width and height.".into()));
            }
            _ => return Err(invalid(format!("The paper size \"{size}\" is unknown."))),
        }
    };
    // A single label filling a page of its own size (Brother DK rolls are written that way); a named paper
    // stays a sheet.
    let one_per_page = count == 1
        && paper_name.is_none()
        && (page.width - label.width).abs() <= ROLL_SLACK
        && (page.height - label.height).abs() <= ROLL_SLACK
        && layouts[0].left.abs() <= ROLL_SLACK
        && layouts[0].top.abs() <= ROLL_SLACK;
    let description = node.attribute("_description").or_else(|| node.attribute("description")).unwrap_or_default();
    let name = format!("{brand} {part}").trim().to_owned();
    let id = slug(brand, part);
    if (is_roll && count == 1) || one_per_page {
        let summary = format!("{} × {} mm, one label per page", fmt_mm(label.width), fmt_mm(label.height));
        let description = join(description, &summary);
        return Ok(SheetTemplate::roll(&id, &name, &description, label.width, label.height, label.corner_radius));
    }
    let paper_name = paper_name.unwrap_or_else(|| format!("{} × {} mm", fmt_mm(page.width), fmt_mm(page.height)));
    let summary = format!("{} × {} mm, {count} per {paper_name} sheet", fmt_mm(label.width), fmt_mm(label.height));
    Ok(SheetTemplate {
        id,
        name,
        description: join(description, &summary),
        page,
        label,
        layouts,
        roll: false,
        aliases: Vec::new(),
    })
}

/// A `<Label-rectangle width= height= round=>`; the corner radius is capped at half the shorter side (gLabels
/// draws a larger one as a half circle too). `x_waste`/`y_waste` (over-print allowance) are not kept.
fn rectangle(shape: Node<'_, '_>) -> Result<LabelShape, Skip> {
    let width = length(shape, "width")?;
    let height = length(shape, "height")?;
    let round = optional_length(shape, "round")?.unwrap_or(0.0);
    Ok(LabelShape { width, height, corner_radius: round.clamp(0.0, (width.min(height) / 2.0).max(0.0)) })
}

/// A `<Label-continuous width= default_height=>` tape: a fixed length is needed to print it.
fn continuous(shape: Node<'_, '_>) -> Result<LabelShape, Skip> {
    let width = length(shape, "width")?;
    match optional_length(shape, "default_height")?.or(optional_length(shape, "height")?) {
        Some(height) if height > 0.0 => Ok(LabelShape { width, height, corner_radius: 0.0 }),
        _ => Err((SkipKind::Continuous, "A continuous tape without a label length cannot be printed.".into())),
    }
}

/// A `<Layout nx= ny= x0= y0= dx= dy=>`.
fn layout(node: Node<'_, '_>) -> Result<Layout, Skip> {
    let count = |name: &str| -> Result<u32, Skip> {
        let text = node.attribute(name).map(str::trim).unwrap_or("1");
        let n = text.parse::<u32>().ok().or_else(|| {
            let f = text.parse::<f64>().ok()?;
            (f.fract() == 0.0 && (0.0..=f64::from(MAX_GRID)).contains(&f)).then_some(f as u32)
        });
        match n {
            Some(n) if (1..=MAX_GRID).contains(&n) => Ok(n),
            _ => Err((
                SkipKind::Invalid,
                format!("Layout {name}=\"{text}\" must be a whole number from 1 to {MAX_GRID}."),
            )),
        }
    };
    let at = |name: &str| optional_length(node, name).map(|v| v.unwrap_or(0.0));
    Ok(Layout {
        columns: count("nx")?,
        rows: count("ny")?,
        left: at("x0")?,
        top: at("y0")?,
        pitch_x: at("dx")?,
        pitch_y: at("dy")?,
    })
}

/// A required distance attribute.
fn length(node: Node<'_, '_>, name: &str) -> Result<Mm, Skip> {
    let Some(text) = node.attribute(name) else {
        return Err((SkipKind::Invalid, format!("<{}> has no {name}.", node.tag_name().name())));
    };
    parse_length(text).map_err(|e| (SkipKind::Invalid, format!("{name}: {e}.")))
}

/// An optional distance attribute (one without a number reads as 0, as in gLabels).
fn optional_length(node: Node<'_, '_>, name: &str) -> Result<Option<Mm>, Skip> {
    node.attribute(name)
        .map(|v| parse_optional_length(v).map_err(|e| (SkipKind::Invalid, format!("{name}: {e}."))))
        .transpose()
}

/// The width and height the labels of all layouts span, with the top-left margins repeated on the far sides.
fn extent(layouts: &[Layout], label: LabelShape) -> PageSize {
    let mut size = PageSize { width: label.width, height: label.height };
    for l in layouts {
        let right = l.left + (l.columns.saturating_sub(1)) as Mm * l.pitch_x + label.width;
        let bottom = l.top + (l.rows.saturating_sub(1)) as Mm * l.pitch_y + label.height;
        size.width = size.width.max(right + l.left.max(0.0));
        size.height = size.height.max(bottom + l.top.max(0.0));
    }
    size
}

/// "gLabels description, summary", or just the summary.
fn join(description: &str, summary: &str) -> String {
    let description = description.trim();
    if description.is_empty() { summary.to_owned() } else { format!("{description}, {summary}") }
}

/// A length for people: at most one decimal, no trailing `.0`.
fn fmt_mm(mm: Mm) -> String {
    let text = format!("{mm:.1}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}
