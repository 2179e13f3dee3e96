//! The `tagdesk` binary end to end, as an operator uses it: migrate, create the first admin and an API key,
//! serve the API, import and export devices, back up, stop with SIGTERM — on SQLite always and on
//! PostgreSQL when `TAGDESK_TEST_POSTGRES_URL` is set — plus the failures an operator must understand at a
//! glance (a bad database URL, an unreachable server). Label printing from the command line: [`labels`].

mod labels;
mod support;

use std::time::{Duration, Instant};

use support::{STOP_TIMEOUT, Server, Tagdesk};
use tagdesk_store::{Store, sqlx, users};

/// A password that passes the policy, as typed on stdin.
const PASSWORD: &str = "correct horse battery staple\n";

const CSV_HEADER: &str = "name,serial_number,manufacturer,model,tags,notes";

#[test]
fn operator_story_on_sqlite() {
    let tagdesk = Tagdesk::sqlite();
    operator_story(&tagdesk, "SQLite");
}

#[test]
fn operator_story_on_postgres() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let tagdesk = Tagdesk::postgres(&url);
    operator_story(&tagdesk, "PostgreSQL");
    let target = tagdesk.path("backup.db");
    let stderr = tagdesk.fails(&["admin", "backup", "--to", path(&target)], "");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!stderr.contains("URL scheme"), "the database URL is fine; the backup method is not: {stderr}");
    assert!(!target.exists());
}

/// Migrate, users, an API key, the API on a running server, devices as CSV, and a graceful stop.
fn operator_story(tagdesk: &Tagdesk, backend: &str) {
    let stdout = tagdesk.ok(&["migrate"], "");
    assert!(stdout.contains(&format!("({backend})")), "{stdout}");
    tagdesk.ok(&["migrate"], "");

    // The first user creates the workspace.
    let stdout = tagdesk.ok(&create_user("a@example.com", "Acme", "admin"), PASSWORD);
    assert!(stdout.contains("a@example.com") && stdout.contains("Acme"), "{stdout}");
    let stderr = tagdesk.fails(&create_user("A@Example.COM", "Acme", "member"), PASSWORD);
    assert_one_sentence(&stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    let stderr = tagdesk.fails(&create_user("b@example.com", "Acme", "member"), "short\n");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("at least 10 characters"), "{stderr}");
    tagdesk.ok(&create_user("b@example.com", "acme", "member"), PASSWORD);

    // The key is alone on the last line, so scripts can take it with `tail -n 1`.
    let stdout = tagdesk.ok(&["admin", "create-api-key", "--workspace", "Acme", "--name", "ci"], "");
    let key = stdout.lines().last().expect("a last line").to_owned();
    assert!(key.starts_with("tdk_") && key.len() > 20, "{stdout}");
    assert!(!key.contains(char::is_whitespace), "{stdout}");
    let stderr = tagdesk.fails(&["admin", "create-api-key", "--workspace", "Nowhere", "--name", "ci"], "");
    assert!(stderr.contains("no workspace named"), "{stderr}");

    let server = tagdesk.start(&["serve"]);
    assert!(!server.stdout().contains("/setup?token="), "users exist, so no setup link: {}", server.stdout());
    let (status, body) = server.call("GET", "/api/v1/deployments", &key, None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""items":[]"#), "{body}");
    let (status, _) = server.request("GET", "/api/v1/deployments", None, None).expect("request without key");
    assert_eq!(status, 401);
    let (status, _) = server.call("GET", "/api/v1/deployments", "tdk_wrong", None);
    assert_eq!(status, 401);
    for name in ["Plant", "Spare"] {
        let body = format!(r#"{{"name":"{name}","timezone":"Europe/Berlin"}}"#);
        let (status, created) = server.call("POST", "/api/v1/deployments", &key, Some(&body));
        assert_eq!(status, 201, "{created}");
        assert!(created.contains(&format!(r#""name":"{name}""#)), "{created}");
    }

    // Devices: imported while the server runs, then exported in the same shape.
    let good = tagdesk.path("good.csv");
    let rows = [
        r#"Press 1,SN-100,Bosch,X1,"line a, hydraulic",first"#,
        "Press 2,SN-200,Bosch,X2,,",
        r#"Label printer,,Zebra,ZT411,office,"notes, with a comma""#,
    ];
    std::fs::write(&good, format!("{CSV_HEADER}\n{}\n", rows.join("\n"))).expect("write good.csv");
    let stdout = tagdesk.ok(&["devices", "import", path(&good), "--deployment", "Plant"], "");
    assert!(stdout.contains("Imported 3 device(s)"), "{stdout}");
    let csv = tagdesk.ok(&["devices", "export", "--deployment", "plant"], "");
    let mut expected = vec![CSV_HEADER];
    expected.extend(rows);
    assert_eq!(csv.lines().collect::<Vec<_>>(), expected);
    let (_, listed) = server.call("GET", "/api/v1/deployments", &key, None);
    assert!(listed.contains(r#""device_count":3"#), "the server sees the imported devices: {listed}");

    // A file with a bad row imports nothing and names the line.
    let bad = tagdesk.path("bad.csv");
    std::fs::write(&bad, format!("{CSV_HEADER}\nScanner,SN-300,,,,\n,SN-301,,,,\nTablet,SN-302,,,,\n")).expect("write");
    let stderr = tagdesk.fails(&["devices", "import", path(&bad), "--deployment", "Spare"], "");
    assert!(stderr.contains("Line 3"), "{stderr}");
    assert!(!stderr.contains("Line 2") && !stderr.contains("Line 4"), "only the bad line: {stderr}");
    let csv = tagdesk.ok(&["devices", "export", "--deployment", "Spare"], "");
    assert_eq!(csv.lines().collect::<Vec<_>>(), [CSV_HEADER], "nothing was imported");
    let clash = tagdesk.path("clash.csv");
    std::fs::write(&clash, format!("{CSV_HEADER}\nScanner,sn-100,,,,\n")).expect("write clash.csv");
    let stderr = tagdesk.fails(&["devices", "import", path(&clash), "--deployment", "Spare"], "");
    assert!(stderr.contains("Line 2"), "a serial number used in the workspace already: {stderr}");
    let stderr = tagdesk.fails(&["devices", "export", "--deployment", "Nowhere"], "");
    assert_one_sentence(&stderr);

    let (status, took, stdout) = server.terminate();
    assert_graceful(status, took, &stdout);
}

#[test]
fn first_start_on_an_empty_data_dir_prints_a_setup_link() {
    let tagdesk = Tagdesk::sqlite();
    let server = tagdesk.start(&["serve"]);
    let prefix = format!("http://127.0.0.1:{}/setup?token=", server.port);
    let stdout = wait_for_stdout(&server, &prefix);
    let link = stdout.lines().find_map(|line| line.trim().strip_prefix(&prefix)).expect("the setup link");
    assert!(link.len() >= 32 && link.chars().all(|c| c.is_ascii_alphanumeric()), "{stdout}");
    let (status, page) = server.request("GET", &format!("/setup?token={link}"), None, None).expect("setup page");
    assert_eq!(status, 200, "the printed link opens the setup page: {page}");

    let (status, took, stdout) = server.terminate();
    assert_graceful(status, took, &stdout);
}

#[test]
fn admin_backup_of_a_running_server_is_an_sqlite_database() {
    let tagdesk = Tagdesk::sqlite();
    tagdesk.ok(&create_user("a@example.com", "Acme", "admin"), PASSWORD);
    tagdesk.ok(&create_user("b@example.com", "Acme", "member"), PASSWORD);
    let server = tagdesk.start(&["serve"]);

    let target = tagdesk.path("backup.db");
    let stdout = tagdesk.ok(&["admin", "backup", "--to", path(&target)], "");
    assert!(stdout.contains("Backup written"), "{stdout}");
    let count = support::block_on(async {
        let store = Store::open_sqlite_file(&target).await.expect("open the backup");
        let mut conn = store.read().await.expect("read");
        let count = users::count_all(&mut conn).await.expect("count users");
        drop(conn);
        store.close().await;
        count
    });
    assert_eq!(count, 2);

    let stderr = tagdesk.fails(&["admin", "backup", "--to", path(&target)], "");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("exists already"), "an existing file is never overwritten: {stderr}");

    let (status, took, stdout) = server.terminate();
    assert_graceful(status, took, &stdout);
}

#[test]
fn an_unsupported_database_url_fails_with_one_sentence() {
    let tagdesk = Tagdesk::with_database_url("mysql://root:secret@localhost/tagdesk");
    for args in [&["migrate"][..], &["serve"], &["admin", "create-api-key", "--workspace", "A", "--name", "n"]] {
        let stderr = tagdesk.fails(args, "");
        assert_one_sentence(&stderr);
        assert!(stderr.contains("unsupported database URL scheme"), "{stderr}");
        assert!(!stderr.contains("secret"), "the password is redacted: {stderr}");
    }
}

#[test]
fn an_unreachable_postgres_fails_with_one_sentence_naming_postgresql() {
    let tagdesk = Tagdesk::with_database_url("postgres://nobody@127.0.0.1:1/x");
    let started = Instant::now();
    let stderr = tagdesk.fails(&["migrate"], "");
    assert!(started.elapsed() < Duration::from_secs(15), "gave up after {:?}", started.elapsed());
    assert_one_sentence(&stderr);
    assert!(stderr.contains("cannot connect to the PostgreSQL database"), "{stderr}");
    assert_no_repeated_cause(&stderr);
}

#[test]
fn a_scan_retention_outside_its_range_fails_with_one_sentence() {
    let tagdesk = Tagdesk::sqlite();
    for value in ["0", "3651", "a year"] {
        let output =
            tagdesk.command(&["migrate"]).env("TAGDESK_SCAN_RETENTION_DAYS", value).output().expect("run tagdesk");
        assert!(!output.status.success(), "TAGDESK_SCAN_RETENTION_DAYS={value} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_one_sentence(&stderr);
        assert!(stderr.contains("TAGDESK_SCAN_RETENTION_DAYS"), "{stderr}");
    }
    let output = tagdesk.command(&["migrate"]).env("TAGDESK_SCAN_RETENTION_DAYS", "30").output().expect("run tagdesk");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_modified_migration_fails_with_one_sentence() {
    let tagdesk = Tagdesk::sqlite();
    tagdesk.ok(&["migrate"], "");
    support::block_on(async {
        let store = Store::open_sqlite_file(&tagdesk.data_dir().join("tagdesk.db")).await.expect("open");
        let mut tx = store.begin().await.expect("begin");
        sqlx::query("UPDATE _sqlx_migrations SET checksum = X'00'").execute(&mut *tx).await.expect("tamper");
        tx.commit().await.expect("commit");
        store.close().await;
    });
    let stderr = tagdesk.fails(&["migrate"], "");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("migration failed") && stderr.contains("modified"), "{stderr}");
    assert_no_repeated_cause(&stderr);
}

#[test]
fn demo_loads_and_prints_its_login() {
    let tagdesk = Tagdesk::sqlite();
    let server = tagdesk.start(&["demo"]);
    let login = format!("http://127.0.0.1:{}/login", server.port);
    let stdout = wait_for_stdout(&server, "Tagdesk listens on");
    assert!(stdout.contains("Demo workspace"), "{stdout}");
    assert!(stdout.contains(&format!("Sign in at {login} as demo@tagdesk.example with password ")), "{stdout}");
    assert!(!stdout.contains("/setup?token="), "the demo has users, so no setup link: {stdout}");
    let (status, page) = server.request("GET", "/login", None, None).expect("login page");
    assert_eq!(status, 200, "{page}");

    let (status, took, stdout) = server.terminate();
    assert_graceful(status, took, &stdout);
}

fn create_user<'a>(email: &'a str, workspace: &'a str, role: &'a str) -> [&'a str; 8] {
    ["admin", "create-user", "--email", email, "--workspace", workspace, "--role", role]
}

fn path(path: &std::path::Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// A failure is one line: `tagdesk: <what went wrong>`.
fn assert_one_sentence(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected:\n{stderr}");
    assert!(lines[0].starts_with("tagdesk: "), "{stderr}");
}

/// Each cause in an error chain is told once (an error that prints its source in its own message and
/// also returns it from `source()` shows up twice in `{:#}`).
fn assert_no_repeated_cause(stderr: &str) {
    let clauses: Vec<&str> = stderr.trim().split(": ").collect();
    for (i, clause) in clauses.iter().enumerate() {
        assert!(!clauses[i + 1..].contains(clause), "a cause is repeated: {stderr}");
    }
}

/// SIGTERM ends the server with exit code 0, in time, after it says so.
fn assert_graceful(status: std::process::ExitStatus, took: Duration, stdout: &str) {
    assert_eq!(status.code(), Some(0), "exit after SIGTERM: {status}\n{stdout}");
    assert!(took < STOP_TIMEOUT, "took {took:?}");
    assert!(stdout.contains("stopped"), "{stdout}");
}

/// The server's stdout once it contains `needle` (it is read on another thread, so it may lag a little).
fn wait_for_stdout(server: &Server, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stdout = server.stdout();
        if stdout.contains(needle) {
            return stdout;
        }
        assert!(Instant::now() < deadline, "{needle:?} not printed:\n{stdout}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Modes of a path (permission bits only).
#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_its_files_are_private_and_open_modes_are_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let tagdesk = Tagdesk::sqlite();
    tagdesk.ok(&["migrate"], "");
    tagdesk.ok(&create_user("a@example.com", "Acme", "admin"), PASSWORD);
    let dir = tagdesk.data_dir();
    assert_eq!(mode(&dir), 0o700, "data directory");
    for entry in std::fs::read_dir(&dir).expect("list") {
        let path = entry.expect("entry").path();
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), expected, "{}", path.display());
    }
    assert!(dir.join("tagdesk.db").exists());
    let backup = tagdesk.path("backup.db");
    tagdesk.ok(&["admin", "backup", "--to", path(&backup)], "");
    assert_eq!(mode(&backup), 0o600, "a backup holds the same data");

    // An installation whose directory was opened up is told so at start, with the fix.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let output = tagdesk.run(&["migrate"], "");
    assert!(output.status.success());
    assert!(
        output.stderr.contains("other users can access this") && output.stderr.contains("chmod 0700"),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains(&dir.display().to_string()), "{}", output.stderr);
}

/// A raw HTTP/1.1 exchange: the whole answer as text.
fn raw_http(port: u16, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

#[test]
fn failed_sign_ins_are_logged_without_the_password_or_email() {
    let tagdesk = Tagdesk::sqlite();
    tagdesk.ok(&create_user("victim@example.com", "Acme", "admin"), PASSWORD);
    let server = tagdesk.start(&["serve"]);
    let page = raw_http(server.port, "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .expect("CSRF cookie")
        .to_owned();
    let token = page.split("name=\"_csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("token");
    let secret = "Hunter2-very-secret";
    let body = format!("_csrf={token}&email=victim%40example.com&password={secret}");
    for _ in 0..3 {
        let answer = raw_http(
            server.port,
            &format!(
                "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {cookie}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        );
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    std::thread::sleep(Duration::from_millis(200));
    let log = server.stderr();
    assert_eq!(log.matches("sign-in failed").count(), 3, "one line per failed sign-in:\n{log}");
    assert!(log.contains("client.key="), "{log}");
    assert!(!log.contains(secret) && !log.contains("victim@example.com"), "no password or email in the log:\n{log}");
    assert!(!log.contains("127.0.0.1:") || !log.contains("client.key=127"), "no client address:\n{log}");
    drop(server);
}

/// The value of the first `"field":"…"` in a JSON text (the CLI tests have no JSON parser).
fn json_text<'a>(json: &'a str, field: &str) -> &'a str {
    let start = json.find(&format!("\"{field}\":\"")).unwrap_or_else(|| panic!("no {field} in {json}"));
    let rest = &json[start + field.len() + 4..];
    &rest[..rest.find('"').unwrap_or(rest.len())]
}

#[test]
fn the_server_records_scans_and_writes_the_last_ones_at_shutdown() {
    let tagdesk = Tagdesk::sqlite();
    tagdesk.ok(&create_user("a@example.com", "Acme", "admin"), PASSWORD);
    let stdout = tagdesk.ok(&["admin", "create-api-key", "--workspace", "Acme", "--name", "ci"], "");
    let key = stdout.lines().last().expect("a key").to_owned();
    let server = tagdesk.start(&["serve"]);
    let body = r#"{"name":"Plant","timezone":"Europe/Berlin"}"#;
    let (status, deployment) = server.call("POST", "/api/v1/deployments", &key, Some(body));
    assert_eq!(status, 201, "{deployment}");
    let deployment = json_text(&deployment, "id").to_owned();
    let body = format!(r#"{{"deployment_id":"{deployment}","name":"Press 1"}}"#);
    let (status, device) = server.call("POST", "/api/v1/devices", &key, Some(&body));
    assert_eq!(status, 201, "{device}");
    let token = json_text(&device, "portal_url").rsplit('/').next().expect("token").to_owned();
    let portal = r#"{"enabled":true,"pin":"4821","show_open_cases":true,"open_case_window_days":30,
        "welcome_message":"","instructions":"","contact_details":"","template_ids":[],"allow_free_description":true,
        "contact_rule":"name_and_email_or_phone","language":"en","photos_allowed":false,"max_photos":1,
        "max_photo_size_mb":1}"#;
    let (status, settings) =
        server.call("PUT", &format!("/api/v1/deployments/{deployment}/portal"), &key, Some(portal));
    assert_eq!(status, 200, "{settings}");
    let phone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
    let page = raw_http(
        server.port,
        &format!("GET /d/{token} HTTP/1.1\r\nHost: x\r\nUser-Agent: {phone}\r\nConnection: close\r\n\r\n"),
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{}", page.lines().next().unwrap_or_default());
    assert!(page.contains("tagdesk_portal_visitor="), "the phone gets its visitor cookie");
    // Stopped at once: the event may still be queued; shutdown writes it.
    let (status, took, stdout) = server.terminate();
    assert_graceful(status, took, &stdout);
    let (events, scans) = support::block_on(async {
        let store = Store::open_sqlite_file(&tagdesk.data_dir().join("tagdesk.db")).await.expect("open");
        let mut conn = store.read().await.expect("conn");
        let events: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM portal_events WHERE kind = 'scan' AND device_class = 'phone'")
                .fetch_one(&mut *conn)
                .await
                .expect("events");
        let scans: i64 =
            sqlx::query_scalar("SELECT scans FROM device_scan_stats").fetch_one(&mut *conn).await.expect("stats");
        drop(conn);
        store.close().await;
        (events, scans)
    });
    assert_eq!((events, scans), (1, 1));
}
