//! The pure-rendering half of `bench/labels.sh`: reads synthetic labels from a CSV (`name,serial,site,url`,
//! as `bench/labels_reference.py generate` writes it), renders them as a PDF on Avery L7160 sheets or as a
//! ZIP of SVG + PNG codes, writes the file, and prints one JSON line with the timings. One format per
//! process, so that `/usr/bin/time -v` measures each format's peak RSS on its own:
//!
//! ```sh
//! cargo run --release -p tagdesk-labels --example bench_labels -- pdf bench/out/labels.csv bench/out/labels.pdf
//! cargo run --release -p tagdesk-labels --example bench_labels -- zip bench/out/labels.csv bench/out/labels.zip 512
//! ```

use std::time::Instant;

use tagdesk_labels::bundle::{CodeFile, zip_codes};
use tagdesk_labels::geometry::builtin;
use tagdesk_labels::pdf::render_sheets;
use tagdesk_labels::{EcLevel, LabelData, PrintOptions};

/// The call to action printed on every label (as for an English deployment).
const CTA: &str = "Scan to report a problem";

/// `FORMAT INPUT.csv OUT [PNG_PX]`.
struct Args {
    format: String,
    input: String,
    out: String,
    png_px: u32,
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_labels pdf|zip INPUT.csv OUT [PNG_PX]";
    let format = args.next().ok_or(usage)?;
    let input = args.next().ok_or(usage)?;
    let out = args.next().ok_or(usage)?;
    let png_px = match args.next() {
        Some(raw) => raw.parse().map_err(|_| format!("PNG_PX {raw:?} is not a number"))?,
        None => 512,
    };
    if format != "pdf" && format != "zip" {
        return Err(usage.to_owned());
    }
    Ok(Args { format, input, out, png_px })
}

/// The labels of the CSV.
fn read_labels(path: &str) -> Result<Vec<LabelData>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut labels = Vec::new();
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        labels.push(LabelData { name: field(0), serial: field(1), site: field(2), url: field(3), cta: None });
    }
    Ok(labels)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let started = Instant::now();
    let labels = read_labels(&args.input)?;
    let read_s = started.elapsed().as_secs_f64();

    let rendering = Instant::now();
    let (bytes, pages) = if args.format == "pdf" {
        let template = builtin("avery-l7160").ok_or("no avery-l7160 template")?;
        let options = PrintOptions { cta: CTA.to_owned(), ..PrintOptions::default() };
        let pdf = render_sheets(&template, &labels, &options, &|_| {})?;
        (pdf, labels.len().div_ceil(template.labels_per_page() as usize))
    } else {
        let files: Vec<CodeFile> = labels
            .iter()
            .map(|l| CodeFile { name: l.name.clone(), serial: l.serial.clone(), url: l.url.clone() })
            .collect();
        (zip_codes(&files, args.png_px, EcLevel::M, &|_| {})?, 0)
    };
    let render_s = rendering.elapsed().as_secs_f64();

    let writing = Instant::now();
    std::fs::write(&args.out, &bytes)?;
    let write_s = writing.elapsed().as_secs_f64();
    println!(
        "{{\"tool\":\"tagdesk-labels\",\"format\":\"{}\",\"labels\":{},\"pages\":{pages},\"bytes\":{},\
         \"read_s\":{read_s:.4},\"render_s\":{render_s:.4},\"write_s\":{write_s:.4},\"total_s\":{:.4}}}",
        args.format,
        labels.len(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
