//! Drives the real `tagdesk` binary: one command at a time ([`Tagdesk::run`]) or a server in the
//! background ([`Server`]), each test on its own data directory — and, for the PostgreSQL run, on its own
//! database `tagdesk_t_<random hex>`, created through `TAGDESK_TEST_POSTGRES_URL` and dropped again when the
//! [`Tagdesk`] is dropped, also after a panic.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tagdesk_testdb::PostgresDatabase;
pub use tagdesk_testdb::postgres_url;

/// How long a server may take to answer `/healthz` (first builds of the demo hash passwords).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a graceful shutdown may take.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// The binary pointed at a fresh data directory (and database).
pub struct Tagdesk {
    dir: tempfile::TempDir,
    database_url: Option<String>,
    _postgres: Option<PostgresDatabase>,
}

impl Tagdesk {
    /// A fresh data directory with the default SQLite database in it.
    pub fn sqlite() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), database_url: None, _postgres: None }
    }

    /// A fresh data directory and a new, empty database on the server behind `maintenance_url`.
    pub fn postgres(maintenance_url: &str) -> Self {
        let db = block_on(PostgresDatabase::create(maintenance_url));
        let database_url = db.url().to_owned();
        Self { dir: tempfile::tempdir().expect("temp dir"), database_url: Some(database_url), _postgres: Some(db) }
    }

    /// A database URL given on the command line instead of the default (for the bad-URL tests).
    pub fn with_database_url(url: &str) -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), database_url: Some(url.to_owned()), _postgres: None }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A path in the test's scratch directory (outside the data directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `tagdesk --data-dir … [--database-url …] ARGS` with a clean environment: no `TAGDESK_*` variables
    /// from the caller, and a working directory without a `tagdesk.toml`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tagdesk"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("TAGDESK_") {
                command.env_remove(name);
            }
        }
        command.env_remove("RUST_LOG").env("RUST_BACKTRACE", "1").env("NO_COLOR", "1").current_dir(self.dir.path());
        command.arg("--data-dir").arg(self.data_dir());
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command.args(args);
        command
    }

    /// Runs a command to its end, feeding `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tagdesk");
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_bytes()).expect("write stdin");
        drop(input);
        let output = child.wait_with_output().expect("wait for tagdesk");
        let output = Output {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(!output.stderr.contains("panicked"), "tagdesk {args:?} panicked:\n{}", output.stderr);
        output
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(output.status.success(), "tagdesk {args:?} failed: {output:?}");
        output.stdout
    }

    /// Runs a command that must fail with a non-zero exit code; returns its stderr, checked to be short
    /// and free of panics and backtraces.
    pub fn fails(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(!output.status.success(), "tagdesk {args:?} should fail: {output:?}");
        assert!(output.status.code().is_some_and(|code| code != 0), "tagdesk {args:?} was killed: {output:?}");
        assert!(!output.stderr.to_lowercase().contains("backtrace"), "tagdesk {args:?}: {}", output.stderr);
        output.stderr
    }

    /// Starts `tagdesk ARGS --addr 127.0.0.1:<free port>` and waits until `/healthz` answers.
    pub fn start(&self, args: &[&str]) -> Server {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut args = args.to_vec();
        args.extend(["--addr", &addr]);
        let mut child = self
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tagdesk server");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().expect("stdout"), Arc::clone(&stdout)),
            collect(child.stderr.take().expect("stderr"), Arc::clone(&stderr)),
        ];
        let mut server = Server { child, port, stdout, stderr, readers };
        server.wait_until_healthy();
        server
    }
}

/// Copies a child's output, line by line, into `sink`.
fn collect(stream: impl Read + Send + 'static, sink: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut sink = sink.lock().expect("output lock");
            sink.push_str(&line);
            sink.push('\n');
        }
    })
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A `tagdesk serve` (or `demo`) running in the background; killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Server {
    /// What the server printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("output lock").clone()
    }

    /// What the server printed on stderr so far (its log).
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("output lock").clone()
    }

    fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok((200, body)) = self.request("GET", "/healthz", None, None)
                && body == "ok"
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tagdesk exited with {status} before answering /healthz:\n{}", self.stderr());
            }
            assert!(Instant::now() < deadline, "tagdesk did not answer /healthz in time:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One HTTP/1.1 request: (status, body).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        api_key: Option<&str>,
        json: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        http(self.port, method, path, api_key, json)
    }

    /// A request that must get an answer.
    pub fn call(&self, method: &str, path: &str, api_key: &str, json: Option<&str>) -> (u16, String) {
        self.request(method, path, Some(api_key), json).expect("HTTP request")
    }

    /// Sends SIGTERM and waits for the exit (at most [`STOP_TIMEOUT`]); returns the exit status, how long
    /// it took, and everything printed on stdout.
    pub fn terminate(mut self) -> (ExitStatus, Duration, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for tagdesk") {
                break status;
            }
            assert!(started.elapsed() < STOP_TIMEOUT, "tagdesk did not stop within {STOP_TIMEOUT:?} of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        (status, took, self.stdout())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A minimal HTTP/1.1 client: one request per connection (`Connection: close`).
fn http(
    port: u16,
    method: &str,
    path: &str,
    api_key: Option<&str>,
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(key) = api_key {
        request.push_str(&format!("Authorization: Bearer {key}\r\n"));
    }
    let body = json.unwrap_or_default();
    if json.is_some() {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Ok((status, if chunked { dechunk(body) } else { body.to_owned() }))
}

/// Decodes a chunked body.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// Runs a future to completion on a private single-threaded runtime (the tests themselves are synchronous).
pub fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime").block_on(future)
}
