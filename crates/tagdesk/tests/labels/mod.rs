//! `tagdesk labels …` end to end on the real binary and a fresh SQLite data directory: a deployment with
//! devices made through the CLI and the API, then PDF sheets (checked with `qpdf --check`, rasterised with
//! `pdftoppm` and every code decoded with `zbarimg`), a ZIP of codes named by device, a CSV of device →
//! URL, the selection flags, gLabels import and the template list, and the errors a script must be able
//! to tell apart. Without qpdf, poppler-utils, zbar-tools or glabels-data a test prints a skip notice —
//! unless `CI=true`, where a missing tool fails it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Tagdesk;
use raster::{AVERY_5160, AVERY_L7160, Sheet, decode_labels, zbar};

mod raster;

/// The public URL the labels point at (from the config file the label commands get).
const PUBLIC_URL: &str = "https://desk.example.com";
/// What every QR payload starts with: the public URL in upper case.
const PAYLOAD_PREFIX: &str = "HTTPS://DESK.EXAMPLE.COM/D/";
/// Where Debian's glabels-data puts its templates.
const GLABELS_DIR: &str = "/usr/share/libglabels-3.0/templates";
/// A password that passes the policy, as typed on stdin.
const PASSWORD: &str = "correct horse battery staple\n";

/// A seeded device: what was imported and the token the server gave it.
#[derive(Debug, Clone)]
struct Device {
    name: String,
    serial: String,
    tag: &'static str,
    token: String,
}

impl Device {
    /// The QR payload and CSV URL of this device.
    fn payload(&self) -> String {
        format!("{PAYLOAD_PREFIX}{}", self.token.to_ascii_uppercase())
    }
}

/// A workspace "Acme" with a deployment "Plant" of 30 devices, and a config file with the public URL.
struct Plant {
    tagdesk: Tagdesk,
    config: PathBuf,
    devices: Vec<Device>,
}

/// Prints "SKIPPED …" past the test harness's output capture.
fn skip_notice(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {message}");
}

/// Prints "NOTE …" past the test harness's output capture (figures worth seeing in every run).
fn notice(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "NOTE {message}");
}

/// Whether every tool runs (and glabels-data is installed when asked); outside CI a missing one skips
/// the test with a notice, under `CI=true` it fails it.
fn tools(test: &str, programs: &[&str], glabels: bool) -> bool {
    let mut missing: Vec<String> = programs
        .iter()
        .filter(|tool| Command::new(tool).arg("--version").output().is_err())
        .map(|tool| (*tool).to_owned())
        .collect();
    if glabels && glabels_files().is_empty() {
        missing.push(format!("glabels-data ({GLABELS_DIR}/*.xml)"));
    }
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{test}: {} not installed (apt-get install -y qpdf poppler-utils zbar-tools glabels-data)",
        missing.join(", ")
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    skip_notice(&message);
    false
}

/// Every gLabels template file installed, sorted.
fn glabels_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(GLABELS_DIR)
        .map(|dir| {
            dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "xml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn path(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The devices of the plant: names and serials as (name, serial, tag).
fn device_rows() -> Vec<(String, String, &'static str)> {
    let mut rows: Vec<(String, String, &'static str)> = (1..=24)
        .map(|i| (format!("Press {i:02}"), format!("SN-{i:03}"), if i % 2 == 1 { "line-a" } else { "line-b" }))
        .collect();
    rows.extend([
        ("Kühlschrank Küche".to_owned(), String::new(), "office"),
        ("Kühlschrank Küche".to_owned(), String::new(), "office"),
        ("Drucker 3. OG / Süd".to_owned(), "A-17".to_owned(), "office"),
        ("Εκτυπωτής".to_owned(), "GR-7".to_owned(), "office"),
        (
            "Industrial coffee machine with an exceptionally long descriptive name, second floor, east wing".to_owned(),
            "SN-LONG-1".to_owned(),
            "office",
        ),
        ("Label printer".to_owned(), "ZT-411".to_owned(), "office"),
    ]);
    rows
}

/// Seeds the plant: `admin create-user` and `create-api-key`, a server for `POST /api/v1/deployments`,
/// `devices import` of 30 devices, and every device's token from `GET /api/v1/devices`.
fn plant() -> Plant {
    let tagdesk = Tagdesk::sqlite();
    tagdesk
        .ok(&["admin", "create-user", "--email", "a@example.com", "--workspace", "Acme", "--role", "admin"], PASSWORD);
    let stdout = tagdesk.ok(&["admin", "create-api-key", "--workspace", "Acme", "--name", "labels"], "");
    let key = stdout.lines().last().expect("a key").to_owned();
    let server = tagdesk.start(&["serve"]);
    let (status, body) =
        server.call("POST", "/api/v1/deployments", &key, Some(r#"{"name":"Plant","timezone":"Europe/Berlin"}"#));
    assert_eq!(status, 201, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let deployment_id = created["id"].as_str().expect("an id").to_owned();

    let rows = device_rows();
    let mut csv = String::from("name,serial_number,manufacturer,model,tags,notes\n");
    for (name, serial, tag) in &rows {
        csv.push_str(&format!("\"{name}\",{serial},Acme,X1,{tag},\n"));
    }
    let file = tagdesk.path("devices.csv");
    std::fs::write(&file, csv).expect("write devices.csv");
    let stdout = tagdesk.ok(&["devices", "import", path(&file), "--deployment", "Plant"], "");
    assert!(stdout.contains(&format!("Imported {} device(s)", rows.len())), "{stdout}");

    let (status, body) =
        server.call("GET", &format!("/api/v1/devices?deployment_id={deployment_id}&limit=200"), &key, None);
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), rows.len(), "{body}");
    let mut devices = Vec::new();
    let mut taken = BTreeSet::new();
    for item in items {
        let name = item["name"].as_str().expect("name").to_owned();
        let serial = item["serial_number"].as_str().unwrap_or_default().to_owned();
        let url = item["portal_url"].as_str().expect("a portal URL");
        let token = url.rsplit_once("/d/").expect("a /d/ URL").1.to_owned();
        let index = rows
            .iter()
            .enumerate()
            .position(|(i, (n, s, _))| *n == name && *s == serial && !taken.contains(&i))
            .expect("an imported row");
        taken.insert(index);
        devices.push(Device { name, serial, tag: rows[index].2, token });
    }
    drop(server);

    let config = tagdesk.path("labels.toml");
    std::fs::write(&config, format!("public_url = \"{PUBLIC_URL}\"\n")).expect("write the config");
    Plant { tagdesk, config, devices }
}

impl Plant {
    /// `tagdesk --config labels.toml labels ARGS`, which must succeed; returns (stdout, stderr).
    fn labels(&self, args: &[&str], stdin: &str) -> (String, String) {
        let output = self.tagdesk.run(&self.args(args), stdin);
        assert!(output.status.success(), "tagdesk labels {args:?} failed: {output:?}");
        (output.stdout, output.stderr)
    }

    /// The same, for a call that must fail; returns stderr (checked by `Tagdesk::fails`).
    fn labels_fail(&self, args: &[&str], stdin: &str) -> String {
        self.tagdesk.fails(&self.args(args), stdin)
    }

    fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["--config", path(&self.config), "labels"];
        all.extend_from_slice(args);
        all
    }

    /// The payloads of the devices `keep` selects.
    fn payloads(&self, keep: impl Fn(&Device) -> bool) -> BTreeSet<String> {
        self.devices.iter().filter(|d| keep(d)).map(Device::payload).collect()
    }

    /// Reads a CSV the command wrote: (name, serial) → (deployment, url), checking the header.
    fn read_csv(&self, file: &Path) -> BTreeMap<(String, String), (String, String)> {
        let mut reader = csv::Reader::from_path(file).expect("a CSV");
        assert_eq!(reader.headers().expect("a header"), vec!["name", "serial", "deployment", "url"]);
        let mut rows = BTreeMap::new();
        let mut count = 0;
        for record in reader.records() {
            let record = record.expect("a row");
            count += 1;
            rows.insert((record[0].to_owned(), record[1].to_owned()), (record[2].to_owned(), record[3].to_owned()));
        }
        // Two devices share name and (empty) serial; the map keeps one of them.
        assert!(count >= rows.len());
        rows
    }

    /// The URLs of a CSV the command wrote, in its order (every row).
    fn csv_urls(&self, file: &Path) -> Vec<String> {
        let mut reader = csv::Reader::from_path(file).expect("a CSV");
        reader.records().map(|r| r.expect("a row")[3].to_owned()).collect()
    }

    /// The URLs a selection prints, in print order (the CSV of the same selection is in that order).
    fn print_order(&self, selection: &[&str]) -> Vec<String> {
        let file = self.tagdesk.path("order.csv");
        let mut args = selection.to_vec();
        args.extend(["--format", "csv", "--out", path(&file)]);
        self.labels(&args, "");
        self.csv_urls(&file)
    }

    /// Reads `pdf` back: every label, from slot `start_at` on, decodes in its own rectangle of `sheet` to
    /// the URL of the device printed there; returns the number of pages.
    fn check_sheets(&self, pdf: &Path, sheet: Sheet, start_at: usize, order: &[String]) -> usize {
        qpdf_check(pdf);
        let scratch =
            self.tagdesk.path(&format!("raster-{}", pdf.file_stem().and_then(|s| s.to_str()).expect("a name")));
        let (pages, decoded) = decode_labels(pdf, &scratch, sheet, start_at, order.len());
        for (i, (found, url)) in decoded.iter().zip(order).enumerate() {
            assert_eq!(found, std::slice::from_ref(url), "label {i} (slot {}) of {}", start_at + i, pdf.display());
        }
        pages
    }
}

fn qpdf_check(pdf: &Path) {
    let output = Command::new("qpdf").args(["--check", path(pdf)]).output().expect("qpdf");
    assert!(output.status.success(), "qpdf --check {}: {}", pdf.display(), String::from_utf8_lossy(&output.stdout));
}

#[test]
fn labels_print_a_deployment_as_pdf_sheets_a_zip_of_codes_and_a_csv() {
    if !tools(
        "labels_print_a_deployment_as_pdf_sheets_a_zip_of_codes_and_a_csv",
        &["qpdf", "pdftoppm", "zbarimg"],
        false,
    ) {
        return;
    }
    let plant = plant();
    let all = plant.payloads(|_| true);
    assert_eq!(all.len(), 30, "every device has its own token");

    // PDF: 30 labels on Avery L7160 (21 a sheet) are two pages; every code decodes to its device's URL.
    let pdf = plant.tagdesk.path("plant.pdf");
    let (stdout, stderr) = plant
        .labels(&["--deployment", "plant", "--template", "avery-l7160", "--format", "pdf", "--out", path(&pdf)], "");
    assert!(stdout.starts_with("Wrote 30 labels (2 pages) to ") && stdout.contains("plant.pdf in "), "{stdout}");
    assert!(!stderr.contains('\r'), "no progress bar when stderr is not a terminal: {stderr}");
    let order = plant.print_order(&["--deployment", "Plant"]);
    assert_eq!(order.iter().cloned().collect::<BTreeSet<_>>(), all);
    assert_eq!(plant.check_sheets(&pdf, AVERY_L7160, 0, &order), 2);

    // A half-used sheet: 20 skipped + 12 labels = 2 pages; a tag narrows the selection.
    let pdf = plant.tagdesk.path("line-a.pdf");
    let (stdout, _) = plant.labels(
        &[
            "--deployment",
            "Plant",
            "--tag",
            "line-a",
            "--start-at",
            "20",
            "--fields",
            "qr,name,serial",
            "--outlines",
            "--format",
            "pdf",
            "--out",
            path(&pdf),
        ],
        "",
    );
    assert!(stdout.starts_with("Wrote 12 labels (2 pages)"), "20 skipped + 12 labels on 21-label sheets: {stdout}");
    let order = plant.print_order(&["--deployment", "Plant", "--tag", "line-a"]);
    assert_eq!(order.iter().cloned().collect::<BTreeSet<_>>(), plant.payloads(|d| d.tag == "line-a"));
    assert_eq!(plant.check_sheets(&pdf, AVERY_L7160, 20, &order), 2);

    // ZIP: an SVG and a PNG per device, named by name + serial, filesystem-safe and unique.
    let zip_path = plant.tagdesk.path("codes.zip");
    let (stdout, _) =
        plant.labels(&["--deployment", "Plant", "--format", "zip", "--png-size", "256", "--out", path(&zip_path)], "");
    assert!(stdout.starts_with("Wrote 30 labels (60 files)"), "{stdout}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("open zip")).expect("a ZIP");
    let names: BTreeSet<String> = archive.file_names().map(|n| n.expect("a UTF-8 name").into_owned()).collect();
    assert_eq!(names.len(), 60);
    for expected in [
        "Press_01_SN-001",
        "Press_24_SN-024",
        "Kuehlschrank_Kueche",
        "Kuehlschrank_Kueche-2",
        "Drucker_3._OG_Sued_A-17",
        "Ektypotis_GR-7",
        "Label_printer_ZT-411",
    ] {
        for ext in ["svg", "png"] {
            assert!(names.contains(&format!("{expected}.{ext}")), "{expected}.{ext} in {names:?}");
        }
    }
    assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))), "{names:?}");
    // The PNG named after a device holds that device's code.
    for (stem, serial) in [("Press_07_SN-007", "SN-007"), ("Ektypotis_GR-7", "GR-7")] {
        let mut png = Vec::new();
        archive.by_name(&format!("{stem}.png")).expect("entry").read_to_end(&mut png).expect("read PNG");
        let file = plant.tagdesk.path(&format!("{stem}.png"));
        std::fs::write(&file, png).expect("write PNG");
        let device = plant.devices.iter().find(|d| d.serial == serial).expect("device");
        assert_eq!(zbar(&file), [device.payload()], "{stem}.png");
        let mut svg = String::new();
        archive.by_name(&format!("{stem}.svg")).expect("entry").read_to_string(&mut svg).expect("read SVG");
        assert!(svg.starts_with("<svg"), "{svg}");
    }

    // CSV: one row per device with its deployment and URL.
    let csv_path = plant.tagdesk.path("urls.csv");
    let (stdout, _) = plant.labels(&["--deployment", "Plant", "--format", "csv", "--out", path(&csv_path)], "");
    assert!(stdout.starts_with("Wrote 30 labels (30 rows)"), "{stdout}");
    let rows = plant.read_csv(&csv_path);
    for device in &plant.devices {
        let (deployment, url) = rows.get(&(device.name.clone(), device.serial.clone())).expect("a row per device");
        assert_eq!(deployment, "Plant");
        if !device.serial.is_empty() {
            assert_eq!(url, &device.payload(), "{}", device.name);
        }
    }
    assert_eq!(plant.csv_urls(&csv_path).into_iter().collect::<BTreeSet<_>>(), all);

    // Writing again replaces the file atomically: nothing but the outputs is left in the directory.
    plant.labels(&["--deployment", "Plant", "--format", "csv", "--out", path(&csv_path)], "");
    let leftovers: Vec<String> = std::fs::read_dir(plant.tagdesk.path(""))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn labels_for_a_pasted_list_warn_about_entries_that_match_nothing() {
    let plant = plant();
    let press = |n: usize| plant.devices.iter().find(|d| d.serial == format!("SN-{n:03}")).expect("device").clone();
    let (a, b, c) = (press(3), press(4), press(5));
    // A serial (any case), a portal URL as a scanner types it, a bare token, and two that match nothing.
    let list =
        format!("sn-003\n{PUBLIC_URL}/d/{}\n{}\nSN-999\n\nNOT-A-DEVICE\n", b.token, c.token.to_ascii_lowercase());
    let file = plant.tagdesk.path("returned.txt");
    std::fs::write(&file, &list).expect("write the list");
    let csv_path = plant.tagdesk.path("returned.csv");
    let (stdout, stderr) = plant
        .labels(&["--deployment", "Plant", "--devices", path(&file), "--format", "csv", "--out", path(&csv_path)], "");
    assert!(stdout.starts_with("Wrote 3 labels (3 rows)"), "{stdout}");
    assert!(stderr.contains("warning: 2 entries of the device list ("), "{stderr}");
    assert!(stderr.contains("SN-999") && stderr.contains("NOT-A-DEVICE"), "{stderr}");
    assert!(!stderr.contains("sn-003"), "matched entries are not reported: {stderr}");
    let urls: BTreeSet<String> = plant.csv_urls(&csv_path).into_iter().collect();
    assert_eq!(urls, [a.payload(), b.payload(), c.payload()].into_iter().collect());

    // The same list on stdin.
    let (stdout, _) =
        plant.labels(&["--deployment", "Plant", "--devices", "-", "--format", "csv", "--out", path(&csv_path)], &list);
    assert!(stdout.starts_with("Wrote 3 labels"), "{stdout}");

    // Nothing matched: a failure, and no file.
    let none = plant.tagdesk.path("none.csv");
    let stderr = plant
        .labels_fail(&["--deployment", "Plant", "--devices", "-", "--format", "csv", "--out", path(&none)], "SN-999\n");
    assert!(
        stderr.contains("No devices match") && stderr.contains("none of the 1 entry of the device list"),
        "{stderr}"
    );
    assert!(!none.exists());

    // A search and "never scanned" (no label was scanned yet) combine.
    let (stdout, _) = plant.labels(
        &[
            "--deployment",
            "Plant",
            "--search",
            "Kühlschrank",
            "--never-scanned",
            "--format",
            "csv",
            "--out",
            path(&csv_path),
        ],
        "",
    );
    assert!(stdout.starts_with("Wrote 2 labels"), "{stdout}");
    let (stdout, _) = plant.labels(
        &["--deployment", "Plant", "--not-scanned-days", "30", "--format", "csv", "--out", path(&csv_path)],
        "",
    );
    assert!(stdout.starts_with("Wrote 30 labels"), "{stdout}");
}

#[test]
fn labels_refuse_bad_requests_with_a_clear_message_and_no_file() {
    let plant = plant();
    let out = plant.tagdesk.path("never.pdf");
    let out_arg = path(&out);

    let stderr =
        plant.labels_fail(&["--deployment", "Plant", "--start-at", "99", "--format", "pdf", "--out", out_arg], "");
    assert!(stderr.contains("--start-at") && stderr.contains("21 labels") && stderr.contains("0 to 20"), "{stderr}");

    let stderr = plant.labels_fail(&["--deployment", "Nowhere", "--format", "pdf", "--out", out_arg], "");
    assert!(stderr.contains("No deployment is called \u{201c}Nowhere\u{201d}"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");

    let stderr = plant.labels_fail(
        &["--deployment", "Plant", "--template", "no-such-sheet", "--format", "pdf", "--out", out_arg],
        "",
    );
    assert!(stderr.contains("--template") && stderr.contains("no-such-sheet"), "{stderr}");

    let stderr = plant
        .labels_fail(&["--deployment", "Plant", "--fields", "name,serial", "--format", "pdf", "--out", out_arg], "");
    assert!(stderr.contains("--fields") && stderr.contains("QR code"), "{stderr}");

    let stderr =
        plant.labels_fail(&["--deployment", "Plant", "--png-size", "300", "--format", "zip", "--out", out_arg], "");
    assert!(stderr.contains("--png-size"), "{stderr}");

    let stderr = plant
        .labels_fail(&["--deployment", "Plant", "--printer-profile", "Nope", "--format", "pdf", "--out", out_arg], "");
    assert!(stderr.contains("--printer-profile") && stderr.contains("Nope"), "{stderr}");

    let missing_dir = plant.tagdesk.path("no/such/dir/x.pdf");
    let stderr = plant.labels_fail(&["--deployment", "Plant", "--format", "pdf", "--out", path(&missing_dir)], "");
    assert!(stderr.contains("does not exist"), "{stderr}");

    let stderr = plant.labels_fail(
        &["--deployment", "Plant", "--devices", "/no/such/list.txt", "--format", "csv", "--out", out_arg],
        "",
    );
    assert!(stderr.contains("cannot read /no/such/list.txt"), "{stderr}");

    // clap: a missing flag or an unknown format is a usage error (exit 2).
    let output = plant.tagdesk.run(&plant.args(&["--deployment", "Plant", "--out", out_arg]), "");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stderr.contains("--format"), "{}", output.stderr);
    let output = plant.tagdesk.run(&plant.args(&["--deployment", "Plant", "--format", "docx", "--out", out_arg]), "");
    assert_eq!(output.status.code(), Some(2), "{output:?}");

    // Without a public URL there is nothing to put in the codes.
    let stderr = plant.tagdesk.fails(&["labels", "--deployment", "Plant", "--format", "pdf", "--out", out_arg], "");
    assert!(stderr.contains("TAGDESK_PUBLIC_URL"), "{stderr}");

    assert!(!out.exists(), "no failed call wrote a file");
}

#[test]
fn labels_templates_import_glabels_files_and_list_them() {
    let test = "labels_templates_import_glabels_files_and_list_them";
    if !tools(test, &["qpdf", "pdftoppm", "zbarimg"], true) {
        return;
    }
    let plant = plant();
    let before = plant.labels(&["templates", "list"], "").0;
    let header = before.lines().next().expect("a header");
    for column in ["SLUG", "NAME", "LABELS/PAGE", "SIZE"] {
        assert!(header.contains(column), "{header}");
    }
    let builtin = before.lines().find(|l| l.starts_with("avery-l7160 ")).expect("Avery L7160 is built in");
    assert!(builtin.contains(" 21 ") && builtin.contains("63.5 × 38.1 mm"), "{builtin}");
    assert!(!before.contains("glabels-"), "nothing imported yet");

    // Every file of the installed glabels-data.
    let files = glabels_files();
    let mut args = vec!["templates", "import"];
    args.extend(files.iter().map(|f| path(f)));
    let stdout = plant.labels(&args, "").0;
    let count = |key: &str| -> usize {
        let line = stdout
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(&format!("{key}:")))
            .unwrap_or_else(|| panic!("{key} in {stdout}"));
        line[key.len() + 1..].trim().parse().unwrap_or_else(|_| panic!("{line}"))
    };
    let (read, added, updated, aliases, skipped) =
        (count("read"), count("added"), count("updated"), count("aliases"), count("skipped"));
    notice(&format!(
        "{test}: gLabels import of {} files: read {read}, added {added}, updated {updated}, aliases {aliases}, skipped {skipped}",
        files.len()
    ));
    assert!(stdout.contains(&format!("from {} file(s) into \u{201c}Acme\u{201d}", files.len())), "{stdout}");
    assert!(read >= 500, "Debian's glabels-data has about 900 rectangular templates: {stdout}");
    assert_eq!((added, updated), (read, 0), "{stdout}");
    assert!(aliases > 0 && skipped > 0, "{stdout}");

    // Importing again updates every template and adds none.
    let again = plant.labels(&args, "").0;
    assert!(again.contains("added: 0\n") && again.contains(&format!("updated: {read}\n")), "{again}");

    let after = plant.labels(&["templates", "list", "--workspace", "acme"], "").0;
    let imported: Vec<&str> = after.lines().filter(|l| l.starts_with("glabels-")).collect();
    assert_eq!(imported.len(), read, "every imported template is listed");
    // gLabels' Avery 5160 (US Letter, 3 × 10), whose geometry the test knows.
    let line = imported.iter().find(|l| l.starts_with("glabels-avery-5160 ")).expect("Avery 5160 was imported");
    assert!(line.contains(" 30 ") && line.contains("66.67 × 25.4 mm"), "{line}");
    let slug = "glabels-avery-5160";

    // And a sheet prints on it.
    let pdf = plant.tagdesk.path("imported.pdf");
    let (stdout, _) = plant.labels(
        &["--deployment", "Plant", "--template", slug, "--tag", "line-b", "--format", "pdf", "--out", path(&pdf)],
        "",
    );
    assert!(stdout.starts_with("Wrote 12 labels"), "{stdout}");
    let order = plant.print_order(&["--deployment", "Plant", "--tag", "line-b"]);
    assert_eq!(plant.check_sheets(&pdf, AVERY_5160, 0, &order), 1);

    // Not a gLabels file: refused, naming it.
    let bogus = plant.tagdesk.path("bogus.xml");
    std::fs::write(&bogus, "<html></html>").expect("write");
    let stderr = plant.labels_fail(&["templates", "import", path(&bogus)], "");
    assert!(stderr.contains("bogus.xml") && stderr.contains("not a gLabels template file"), "{stderr}");
    let stderr = plant.labels_fail(&["templates", "list", "--workspace", "Nowhere"], "");
    assert!(stderr.contains("--workspace") && stderr.contains("Nowhere"), "{stderr}");
}
