//! The command-line tools some tests check their output with: `qpdf` (PDF structure), `pdftotext` and
//! `pdftoppm` (poppler-utils) and `zbarimg` (zbar-tools). A missing tool skips that check with a printed
//! notice; in CI (`CI=true`, where `.ci/run` installs them) it fails the test instead.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `program args…` if it is installed: `None` (with a notice) when it is not, and a panic when it is
/// not and `CI=true`.
#[track_caller]
pub fn run(program: &str, args: &[&std::ffi::OsStr]) -> Option<Output> {
    match Command::new(program).args(args).output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let package = match program {
                "qpdf" => "qpdf",
                "zbarimg" => "zbar-tools",
                _ => "poppler-utils",
            };
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{program} is not installed (apt-get install {package}); CI must run this check"
            );
            eprintln!("NOTICE: {program} is not installed (apt-get install {package}); skipping this check");
            None
        }
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

/// A temp dir holding `bytes` as `name`.
fn file_with(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    (dir, path)
}

/// Fails unless `qpdf --check` accepts the PDF (skipped without qpdf outside CI).
#[track_caller]
pub fn assert_qpdf_ok(pdf: &[u8], what: &str) {
    let (_dir, path) = file_with("check.pdf", pdf);
    if let Some(out) = run("qpdf", &["--check".as_ref(), path.as_os_str()]) {
        assert!(
            out.status.success(),
            "qpdf --check fails on {what}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The PDF's text (`pdftotext -layout`), or `None` without pdftotext outside CI.
#[track_caller]
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let (_dir, path) = file_with("text.pdf", pdf);
    let out = run("pdftotext", &["-layout".as_ref(), path.as_os_str(), "-".as_ref()])?;
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The QR codes `zbarimg --raw -q` reads in an image file (empty when it finds none).
#[track_caller]
fn decode_file(path: &Path) -> Option<Vec<String>> {
    let out = run("zbarimg", &["--raw".as_ref(), "-q".as_ref(), path.as_os_str()])?;
    // 0: codes found, 4: none found.
    assert!(matches!(out.status.code(), Some(0 | 4)), "zbarimg failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).filter(|l| !l.is_empty()).collect())
}

/// The QR codes in a PNG, or `None` without zbarimg outside CI.
#[track_caller]
pub fn decode_png(png: &[u8]) -> Option<Vec<String>> {
    let (_dir, path) = file_with("code.png", png);
    decode_file(&path)
}

/// The QR codes on the PDF's first page, rasterised at 300 dpi (`pdftoppm`), or `None` without
/// pdftoppm or zbarimg outside CI.
#[track_caller]
pub fn decode_pdf_first_page(pdf: &[u8]) -> Option<Vec<String>> {
    let (dir, path) = file_with("label.pdf", pdf);
    let prefix = dir.path().join("page");
    let args =
        ["-png".as_ref(), "-r".as_ref(), "300".as_ref(), "-f".as_ref(), "1".as_ref(), "-l".as_ref(), "1".as_ref()];
    let mut all: Vec<&std::ffi::OsStr> = args.to_vec();
    all.extend([path.as_os_str(), prefix.as_os_str()]);
    let out = run("pdftoppm", &all)?;
    assert!(out.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_dir(dir.path())
        .expect("read temp dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("pdftoppm wrote a PNG");
    decode_file(&page)
}
