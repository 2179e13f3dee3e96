//! The ZIP of per-device QR codes: `<stem>.svg` (deflated) and `<stem>.png` (stored — PNG is compressed
//! already) for every device. Codes are encoded in parallel chunk by chunk and written in order, one chunk
//! being written while the next is encoded.

use std::io::{Cursor, Write as _};

use rayon::prelude::*;
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::{UniqueNames, file_stem};
use crate::LabelError;
use crate::qr::{self, EcLevel, PNG_MAX_PX, PNG_MIN_PX};

/// Devices encoded in parallel before their files are written (bounds the memory held at once).
pub const ZIP_CHUNK: usize = 256;

/// One device of a ZIP: what its files are named after and what its code holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFile {
    /// The device's name.
    pub name: String,
    /// The device's serial number (may be empty).
    pub serial: String,
    /// The QR payload, encoded as given: the device's portal URL in upper case (`HTTPS://HOST/D/TOKEN`).
    pub url: String,
}

/// A ZIP with `<stem>.svg` and `<stem>.png` per device, in the order of `items`. Stems come from
/// [`file_stem`]`(name, serial)` made unique (ignoring case) with [`UniqueNames`]; PNGs are made by
/// [`qr::to_png`] at `png_px` (64 ..= 4096, checked before any work), SVGs by [`qr::to_svg`], both at error
/// correction `ec`. Codes are encoded on rayon's thread pool [`ZIP_CHUNK`] devices at a time, each chunk
/// while the previous one is written. `progress` is called from the calling thread with the number of
/// devices written so far, after every chunk and once more at the end. Entries carry the fixed ZIP epoch (1980-01-01) as their
/// time, so equal input gives an identical archive.
pub fn zip_codes(
    items: &[CodeFile],
    png_px: u32,
    ec: EcLevel,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<u8>, LabelError> {
    if !(PNG_MIN_PX..=PNG_MAX_PX).contains(&png_px) {
        return Err(LabelError::Qr(format!(
            "The PNG size must be between {PNG_MIN_PX} and {PNG_MAX_PX} pixels (asked for {png_px})."
        )));
    }
    let mut names = UniqueNames::new();
    let stems: Vec<String> = items.iter().map(|item| names.claim(&file_stem(&item.name, &item.serial))).collect();
    let mut writer = Writer {
        zip: ZipWriter::new(Cursor::new(Vec::new())),
        svg: SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1))
            .unix_permissions(0o644),
        png: SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o644),
    };
    let encode = |chunk: &[CodeFile]| -> Result<Vec<Encoded>, LabelError> {
        chunk
            .par_iter()
            .map(|item| {
                let matrix = qr::encode(&item.url, ec)?;
                Ok((qr::to_svg(&matrix), qr::to_png(&matrix, png_px)?))
            })
            .collect()
    };
    let mut chunks = items.chunks(ZIP_CHUNK).zip(stems.chunks(ZIP_CHUNK));
    let mut done = 0;
    if let Some((first, first_stems)) = chunks.next() {
        let (mut pending, mut pending_stems) = (encode(first)?, first_stems);
        // While one chunk is written (deflate, CRC), the next is encoded on the other threads.
        for (chunk, chunk_stems) in chunks {
            let (written, next) = rayon::join(|| writer.add_all(&pending, pending_stems), || encode(chunk));
            written?;
            done += pending.len();
            progress(done);
            (pending, pending_stems) = (next?, chunk_stems);
        }
        writer.add_all(&pending, pending_stems)?;
        done += pending.len();
    }
    progress(done);
    let cursor = writer.zip.finish().map_err(zip_error)?;
    Ok(cursor.into_inner())
}

/// One device's SVG text and PNG bytes.
type Encoded = (String, Vec<u8>);

/// The archive being written and the options of its two kinds of entries.
struct Writer {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    svg: SimpleFileOptions,
    png: SimpleFileOptions,
}

impl Writer {
    /// Writes `<stem>.svg` and `<stem>.png` for each encoded device.
    fn add_all(&mut self, encoded: &[Encoded], stems: &[String]) -> Result<(), LabelError> {
        for ((svg, png), stem) in encoded.iter().zip(stems) {
            add(&mut self.zip, &format!("{stem}.svg"), svg.as_bytes(), self.svg)?;
            add(&mut self.zip, &format!("{stem}.png"), png, self.png)?;
        }
        Ok(())
    }
}

/// Writes one entry.
fn add(
    zip: &mut ZipWriter<Cursor<Vec<u8>>>,
    name: &str,
    bytes: &[u8],
    options: SimpleFileOptions,
) -> Result<(), LabelError> {
    zip.start_file(name, options).map_err(zip_error)?;
    zip.write_all(bytes).map_err(|e| LabelError::Render(format!("The ZIP file could not be written: {e}")))
}

/// A ZIP writer failure as a rendering error.
fn zip_error(e: zip::result::ZipError) -> LabelError {
    LabelError::Render(format!("The ZIP file could not be written: {e}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::io::Read as _;
    use std::sync::Mutex;

    use super::*;

    fn device(name: &str, serial: &str, token: &str) -> CodeFile {
        CodeFile { name: name.into(), serial: serial.into(), url: format!("HTTPS://DESK.EXAMPLE/D/{token}") }
    }

    #[test]
    fn zip_round_trips_with_unique_names_and_the_right_methods() {
        let mut items = vec![
            device("Drucker Küche", "SN-1", "AAAA1111"),
            device("drucker küche", "sn-1", "BBBB2222"),
            device("Drucker Küche", "SN-1", "CCCC3333"),
            device("", "", "DDDD4444"),
        ];
        items.extend((0..ZIP_CHUNK + 10).map(|i| device("Ticket printer", "", &format!("T{i:06}"))));
        let calls = Mutex::new(Vec::new());
        let record = |n: usize| calls.lock().expect("lock").push(n);
        let bytes = zip_codes(&items, 256, EcLevel::M, &record).expect("zip");
        assert_eq!(*calls.lock().expect("lock"), vec![ZIP_CHUNK, items.len()]);

        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        assert_eq!(archive.len(), 2 * items.len());
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).expect("entry");
            let name = file.name().expect("a UTF-8 name").into_owned();
            names.push(name.clone());
            assert!(seen.insert(name.to_lowercase()), "duplicate {name}");
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("reads");
            if name.ends_with(".png") {
                assert_eq!(file.compression(), CompressionMethod::Stored, "{name}");
                assert_eq!(&content[..8], b"\x89PNG\r\n\x1a\n");
            } else {
                assert!(name.ends_with(".svg"), "{name}");
                assert_eq!(file.compression(), CompressionMethod::Deflated, "{name}");
                assert!(content.starts_with(b"<svg"));
            }
        }
        assert_eq!(
            names[..8],
            [
                "Drucker_Kueche_SN-1.svg",
                "Drucker_Kueche_SN-1.png",
                "drucker_kueche_sn-1-2.svg",
                "drucker_kueche_sn-1-2.png",
                "Drucker_Kueche_SN-1-3.svg",
                "Drucker_Kueche_SN-1-3.png",
                "device.svg",
                "device.png",
            ]
        );
        assert!(names.contains(&format!("Ticket_printer-{}.png", ZIP_CHUNK + 10)));
        // The SVG holds the device's own code.
        let mut svg = String::new();
        archive.by_name("device.svg").expect("entry").read_to_string(&mut svg).expect("utf-8");
        let expected = qr::to_svg(&qr::encode("HTTPS://DESK.EXAMPLE/D/DDDD4444", EcLevel::M).expect("qr"));
        assert_eq!(svg, expected);
    }

    #[test]
    fn zip_is_deterministic_and_refuses_bad_sizes_and_payloads() {
        let items = [device("A", "1", "X1"), device("B", "2", "X2")];
        let once = zip_codes(&items, 128, EcLevel::H, &|_| {}).expect("zip");
        assert_eq!(once, zip_codes(&items, 128, EcLevel::H, &|_| {}).expect("zip"));
        assert!(matches!(zip_codes(&items, 10, EcLevel::M, &|_| {}), Err(LabelError::Qr(_))));
        let too_long = [CodeFile { name: "x".into(), serial: String::new(), url: "\u{1F600}".repeat(2000) }];
        assert!(matches!(zip_codes(&too_long, 128, EcLevel::M, &|_| {}), Err(LabelError::Qr(_))));
        let empty = zip_codes(&[], 128, EcLevel::M, &|_| {}).expect("zip");
        assert_eq!(zip::ZipArchive::new(Cursor::new(empty)).expect("a zip").len(), 0);
    }
}
