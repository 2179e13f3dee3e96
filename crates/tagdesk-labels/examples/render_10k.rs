//! Renders 10,000 labels on Avery L7160 sheets and prints the wall time — a quick check of the PDF
//! target (≤ 1.5 s on the 2-core reference machine, release build):
//! `cargo run --release --example render_10k -p tagdesk-labels [OUT.pdf]`.

use std::time::Instant;

use tagdesk_labels::geometry::builtin;
use tagdesk_labels::pdf::render_sheets;
use tagdesk_labels::{LabelData, PrintOptions};

/// Crockford base32 digits.
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 13-character token derived from `i` (distinct for distinct `i` below 2^60: the low 60 bits of an
/// odd multiple xor a constant are a bijection).
fn token(i: u64) -> String {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
    (0..13).map(|k| char::from(CROCKFORD[((x >> (5 * k)) & 31) as usize])).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let template = builtin("avery-l7160").ok_or("no avery-l7160 template")?;
    let labels: Vec<LabelData> = (0..10_000_u64)
        .map(|i| LabelData {
            url: format!("HTTPS://DESK.EXAMPLE.COM/D/{}", token(i)),
            name: format!("Laptop {i:05} — Finance"),
            serial: format!("SN-{:08X}", i * 7919),
            site: "Headquarters Berlin".to_owned(),
            cta: None,
        })
        .collect();
    let options = PrintOptions { cta: "Scan to report a problem".to_owned(), ..PrintOptions::default() };
    let started = Instant::now();
    let pdf = render_sheets(&template, &labels, &options, &|_| {})?;
    let elapsed = started.elapsed();
    println!(
        "10000 labels, {} pages, {:.1} MB PDF in {:.3} s",
        10_000_usize.div_ceil(21),
        pdf.len() as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    if let Some(out) = std::env::args().nth(1) {
        std::fs::write(out, &pdf)?;
    }
    Ok(())
}
