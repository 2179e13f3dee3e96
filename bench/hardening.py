#!/usr/bin/env python3
"""Availability-attack measurement of one Tagdesk binary (run through bench/hardening.sh).

Python 3.11 standard library only. Every connection goes to 127.0.0.1 (the server) from a loopback source
address (127.0.0.1-127.0.0.40); every loop is bounded in count and time; a refused connection, a timeout
or an error is recorded as a result, never raised.

Scenarios (BENCH_SCENARIOS selects, default 1,2,3,4,5):
  1  sign-in burst       150 (and 180) simultaneous wrong sign-ins: RSS, statuses, wall time
  2  quadratic input     110,000 tags / options / notification emails via the API, a 30 MiB chunked CSV
  3  slow uploads        4 dribbling report bodies on workspace A vs. an honest report on workspace B
  4  half-open conns     1,100 connections that never finish their headers
  5  lock-out            11 wrong passwords from one address, then the right one from another
                         (on a second, freshly seeded server: scenario 1's addresses have used up part of
                         their sign-in budget on the first one)

Configuration comes from hardening.sh through the environment (HARDENING_*).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

HOST = "127.0.0.1"
BIN = os.environ["HARDENING_BIN"]
WORK = os.environ["HARDENING_WORK"]
OUT = os.environ["HARDENING_OUT"]
ROOT = os.environ.get("HARDENING_ROOT", ".")
FIRST_PORT = int(os.environ["HARDENING_PORT"])
SCENARIOS = {s.strip() for s in os.environ.get("BENCH_SCENARIOS", "1,2,3,4,5").split(",") if s.strip()}
SERVER_NOFILE = int(os.environ.get("HARDENING_SERVER_NOFILE", "1024"))
PIN = "4821"
PID_FILE = os.path.join(WORK, "server-pids")

# Sizes of the attacks (the brief's figures; not meant to be tuned down).
BURSTS = ((150, [f"127.0.0.{i}" for i in range(2, 8)]), (180, [f"127.0.0.{i}" for i in range(8, 14)]))
QUADRATIC_N = 110_000
CSV_BYTES = 30 * 1024 * 1024
QUADRATIC_TIMEOUT = float(os.environ.get("BENCH_QUADRATIC_TIMEOUT", "120"))
IDLE_WAIT_MAX = 60.0
SLOW_CONNECTIONS = 4
SLOW_INTERVAL = 20.0
SLOW_TOTAL = 60.0
HALF_OPEN = 1_100
HALF_OPEN_SOURCES = [f"127.0.0.{i}" for i in range(2, 21)]
LOCKOUT_WRONG = 11

results: list[dict] = []
details: dict = {}


def log(message: str) -> None:
    print(f"[hardening] {message}", file=sys.stderr, flush=True)


def record(scenario: str, figure: str, value) -> None:
    results.append({"scenario": scenario, "figure": figure, "value": value})
    log(f"  {scenario} | {figure} | {value}")


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def mib(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f} MiB"


# --- HTTP over raw asyncio streams ------------------------------------------------------------------------


class Response:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.seconds = 0.0
        self.error: str | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def outcome(self) -> str:
        return str(self.status) if self.status is not None else (self.error or "no answer")

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


async def open_conn(src: str | None, port: int, timeout: float = 5.0):
    local = (src, 0) if src else None
    return await asyncio.wait_for(
        asyncio.open_connection(HOST, port, local_addr=local, limit=1 << 20), timeout
    )


async def read_response(reader: asyncio.StreamReader, resp: Response, method: str = "GET") -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    resp.status = int(lines[0].split()[1])
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            resp.headers.append((k.strip().lower(), v.strip()))
    if method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200:
        return
    if (resp.header("transfer-encoding") or "").lower() == "chunked":
        chunks = []
        for _ in range(1_000_000):
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        resp.body = b"".join(chunks)
    elif resp.header("content-length") is not None:
        resp.body = await reader.readexactly(int(resp.header("content-length")))
    else:
        resp.body = await reader.read(64 << 20)


def build_head(method: str, path: str, port: int, headers: dict | None, extra: str = "") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode("latin-1")


def describe(err: BaseException) -> str:
    if isinstance(err, (asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, ConnectionResetError):
        return "connection reset"
    if isinstance(err, BrokenPipeError):
        return "broken pipe"
    if isinstance(err, asyncio.IncompleteReadError):
        return "closed without a (complete) answer"
    if isinstance(err, OSError):
        return f"os error {err.errno} ({err.strerror})"
    return f"{type(err).__name__}: {err}"


async def request(
    method: str,
    path: str,
    *,
    port: int,
    src: str | None = None,
    headers: dict | None = None,
    body: bytes = b"",
    chunks=None,
    timeout: float = 10.0,
) -> Response:
    """One request on a fresh connection (`Connection: close`). `chunks`: an iterable of bytes sent with
    `Transfer-Encoding: chunked` instead of `body`. Never raises: failures end up in `Response.error`."""
    resp = Response()
    start = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await open_conn(src, port, timeout)
            if chunks is not None:
                writer.write(build_head(method, path, port, headers, "Transfer-Encoding: chunked\r\n"))
                try:
                    for chunk in chunks:
                        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        await writer.drain()
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
                except (ConnectionError, OSError) as err:  # an early answer may still be readable
                    resp.error = f"while sending: {describe(err)}"
            else:
                extra = f"Content-Length: {len(body)}\r\n" if body or method in ("POST", "PUT", "PATCH") else ""
                writer.write(build_head(method, path, port, headers, extra) + body)
                try:
                    await writer.drain()
                except (ConnectionError, OSError) as err:
                    resp.error = f"while sending: {describe(err)}"
            await read_response(reader, resp, method)
            resp.error = None if resp.status is not None else resp.error
    except BaseException as err:  # noqa: BLE001 - everything is a measured outcome
        if isinstance(err, asyncio.CancelledError):
            raise
        resp.error = describe(err) if resp.error is None else f"{resp.error}; {describe(err)}"
    finally:
        resp.seconds = time.monotonic() - start
        if writer is not None:
            writer.close()
    return resp


def merge(jar: dict[str, str], resp: Response) -> dict[str, str]:
    """A cookie jar: what the server set (an empty value or Max-Age=0 deletes), sent back as one header."""
    for k, v in resp.headers:
        if k != "set-cookie" or "=" not in v:
            continue
        name, value = v.split(";", 1)[0].split("=", 1)
        name, value = name.strip(), value.strip()
        if not value or re.search(r"(?i);\s*max-age=0\b", v):
            jar.pop(name, None)
        else:
            jar[name] = value
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def form(fields: dict) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def multipart(boundary: str, parts: list[tuple[str, str | bytes, str | None]]) -> bytes:
    out = []
    for name, value, filename in parts:
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
        data = value.encode() if isinstance(value, str) else value
        out.append(f"--{boundary}\r\n{disp}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def hidden(html: str, name: str) -> str | None:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return m.group(1) if m else None


# --- the server process --------------------------------------------------------------------------------------


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


def proc_status(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def fd_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def reset_hwm(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Server:
    """`tagdesk serve` on 127.0.0.1:<port> with a fresh data directory (SQLite) and RLIMIT_NOFILE=1024."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.dir = os.path.join(WORK, name)
        self.data = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "server.log")
        os.makedirs(self.data, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TAGDESK_", "RUST_LOG"))}
        self.env["TAGDESK_PUBLIC_URL"] = f"http://{HOST}:{port}"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [BIN, "--data-dir", self.data, *args], input=stdin, capture_output=True, text=True, cwd=self.dir, env=self.env, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"tagdesk {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def start(self) -> None:
        def limit() -> None:  # the server process only, like `ulimit -n 1024` in its shell
            resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_NOFILE, SERVER_NOFILE))
            os.setpgrp()

        log_file = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the server; restarts append
        self.proc = subprocess.Popen(
            [BIN, "serve", "--addr", f"{HOST}:{self.port}", "--data-dir", self.data],
            cwd=self.dir, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, preexec_fn=limit,
        )
        with open(PID_FILE, "a") as f:
            f.write(f"{self.proc.pid}\n")

    async def wait_ready(self) -> None:
        for _ in range(150):
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_tail()}")
            r = await request("GET", "/readyz", port=self.port, timeout=2)
            if r.status == 200:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("the server is not ready after 30 s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_text(self, since: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 20) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


# --- seeding ---------------------------------------------------------------------------------------------


class Workspace:
    def __init__(self, server: Server, label: str) -> None:
        self.server = server
        self.label = label
        self.name = f"Workspace {label}"
        self.email = f"admin-{label.lower()}@example.com"
        self.password = f"bench-{label.lower()}-{secrets.token_hex(8)}"
        self.api_key = ""
        self.deployment_id = ""
        self.device_id = ""
        self.token = ""
        self.portal_cookie = ""
        self.form_csrf = ""

    def create_admin(self) -> None:
        s = self.server
        s.cli("admin", "create-user", "--email", self.email, "--workspace", self.name, "--role", "admin",
              stdin=self.password + "\n")
        self.api_key = s.cli("admin", "create-api-key", "--workspace", self.name, "--name", "bench").strip().splitlines()[-1]

    def api_headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}

    async def api(self, method: str, path: str, payload=None, timeout: float = 15.0) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        return await request(method, "/api/v1" + path, port=self.server.port, headers=self.api_headers(),
                             body=body, timeout=timeout)

    async def seed_api(self) -> None:
        r = await self.api("POST", "/deployments", {"name": f"{self.label} Plant", "address": "Benchstraße 1, Berlin",
                                                    "timezone": "Europe/Berlin", "language": "en"})
        if r.status != 201:
            raise RuntimeError(f"create deployment: {r.outcome()} {r.text()[:300]}")
        self.deployment_id = json.loads(r.body)["id"]
        settings = {
            "enabled": True, "pin": PIN, "show_open_cases": True, "open_case_window_days": 30,
            "welcome_message": "Welcome.", "instructions": "Describe the problem.",
            "contact_details": "service@example.com", "template_ids": [], "allow_free_description": True,
            "contact_rule": "name_and_email_or_phone", "language": "en", "photos_allowed": True,
            "max_photos": 3, "max_photo_size_mb": 10,
        }
        r = await self.api("PUT", f"/deployments/{self.deployment_id}/portal", settings)
        if r.status != 200:
            raise RuntimeError(f"enable portal: {r.outcome()} {r.text()[:300]}")
        r = await self.api("POST", "/devices", {"deployment_id": self.deployment_id, "name": f"Coffee machine {self.label}",
                                                "serial_number": f"SN-{self.label}-0001", "tags": ["bench"]})
        if r.status != 201:
            raise RuntimeError(f"create device: {r.outcome()} {r.text()[:300]}")
        device = json.loads(r.body)
        self.device_id = device["id"]
        self.token = device["portal_url"].rsplit("/d/", 1)[1]

    async def portal_session(self, src: str) -> None:
        """PIN page (double-submit cookie) -> POST the PIN -> the report form's token, as a browser does."""
        port = self.server.port
        r = await request("GET", f"/d/{self.token}", port=port, src=src)
        jar = merge({}, r)
        csrf = hidden(r.text(), "_csrf")
        if not csrf:
            raise RuntimeError(f"PIN page without _csrf: {r.outcome()}")
        r = await request("POST", f"/d/{self.token}/pin", port=port, src=src, body=form({"pin": PIN, "_csrf": csrf}),
                          headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)})
        merge(jar, r)
        if r.status != 303 or not jar:
            raise RuntimeError(f"PIN not accepted: {r.outcome()}")
        self.portal_cookie = cookie_header(jar)
        r = await request("GET", f"/d/{self.token}/report?template=free", port=port, src=src,
                          headers={"Cookie": self.portal_cookie})
        m = re.search(r'action="/d/[^"?]+/report\?_csrf=([^"&]+)"', r.text())
        if r.status != 200 or not m:
            raise RuntimeError(f"report form without the action token: {r.outcome()}")
        self.form_csrf = urllib.parse.unquote(m.group(1))

    async def staff_session(self, src: str = HOST) -> tuple[str, str]:
        """Signs in through the login form; returns (cookie header, CSRF token of the signed-in session)."""
        anon = await anonymous_session(self.server.port, src)
        if anon is None:
            raise RuntimeError("no anonymous session from GET /login")
        jar, csrf = anon
        r = await request("POST", "/login", port=self.server.port, src=src,
                          body=form({"email": self.email, "password": self.password, "_csrf": csrf, "next": "/devices"}),
                          headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)})
        merge(jar, r)
        if r.status != 303 or not jar:
            raise RuntimeError(f"sign-in failed: {r.outcome()}")
        cookie = cookie_header(jar)
        r = await request("GET", "/devices/import", port=self.server.port, src=src, headers={"Cookie": cookie})
        csrf = hidden(r.text(), "_csrf")
        if r.status != 200 or not csrf:
            raise RuntimeError(f"import page: {r.outcome()}")
        return cookie, csrf


async def anonymous_session(port: int, src: str) -> tuple[dict[str, str], str] | None:
    """GET /login: (the cookies it set, the form's _csrf), as a signed-out browser holds them."""
    r = await request("GET", "/login", port=port, src=src)
    csrf = hidden(r.text(), "_csrf")
    return (merge({}, r), csrf) if r.status == 200 and csrf else None


async def anonymous_sessions(port: int, sources: list[str], n: int) -> list[tuple[str, str, str] | None]:
    sem = asyncio.Semaphore(12)

    async def one(i: int):
        src = sources[i % len(sources)]
        async with sem:
            got = await anonymous_session(port, src)
        return (src, cookie_header(got[0]), got[1]) if got else None

    return await asyncio.gather(*(one(i) for i in range(n)))


# --- samplers --------------------------------------------------------------------------------------------


async def sample_rss(pid: int, stop: asyncio.Event, out: list[int], interval: float = 0.02) -> None:
    deadline = time.monotonic() + 600
    while not stop.is_set() and time.monotonic() < deadline:
        v = proc_status(pid, "VmRSS")
        if v is not None:
            out.append(v)
        await asyncio.sleep(interval)


class HealthSampler:
    """GET /healthz every 100 ms on its own keep-alive connection from 127.0.0.1 while something else runs."""

    def __init__(self, port: int, interval: float = 0.1) -> None:
        self.port = port
        self.interval = interval
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.pending_since: float | None = None
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def _run(self) -> None:
        conn = None
        req = f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n\r\n".encode()
        deadline = time.monotonic() + 900
        while not self.stop.is_set() and time.monotonic() < deadline:
            start = time.monotonic()
            self.pending_since = start
            try:
                if conn is None:
                    conn = await open_conn(HOST, self.port, 60)
                conn[1].write(req)
                await conn[1].drain()
                resp = Response()
                await asyncio.wait_for(read_response(conn[0], resp), 120)
                self.latencies.append(time.monotonic() - start)
                if resp.status != 200:
                    self.failures.append(str(resp.status))
                if (resp.header("connection") or "").lower() == "close":
                    conn[1].close()
                    conn = None
            except asyncio.CancelledError:
                raise
            except BaseException as err:  # noqa: BLE001
                self.latencies.append(time.monotonic() - start)
                self.failures.append(describe(err))
                if conn is not None:
                    conn[1].close()
                conn = None
            self.pending_since = None
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - start)))
        if conn is not None:
            conn[1].close()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def finish(self) -> tuple[float | None, int, list[str]]:
        """Stops sampling; (max latency incl. a still pending probe, samples, failures)."""
        self.stop.set()
        pending = None if self.pending_since is None else time.monotonic() - self.pending_since
        if self.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.task), 1.0)
            except (asyncio.TimeoutError, TimeoutError):
                pending = None if self.pending_since is None else time.monotonic() - self.pending_since
                self.task.cancel()
                try:
                    await self.task
                except BaseException:  # noqa: BLE001
                    pass
        values = self.latencies + ([pending] if pending is not None else [])
        return (max(values) if values else None), len(values), self.failures


async def wait_idle(pid: int, max_wait: float = IDLE_WAIT_MAX) -> float | None:
    """Seconds until the server's CPU use falls below 10 % of a core (polled every 0.5 s), None if not
    within max_wait."""
    start = time.monotonic()
    last = cpu_seconds(pid)
    while time.monotonic() - start < max_wait:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pid)
        if now is None or last is None:
            return None
        if now - last < 0.05:
            return time.monotonic() - start - 0.5
        last = now
    return None


# --- scenario 1: sign-in burst ---------------------------------------------------------------------------


async def scenario_burst(server: Server, n: int, sources: list[str]) -> None:
    sc = f"1 sign-in burst x{n}"
    port, pid = server.port, server.pid
    sessions = await anonymous_sessions(port, sources, n)
    ready = [s for s in sessions if s]
    if len(ready) < n:
        record(sc, "anonymous sessions (GET /login) that failed", n - len(ready))
    conns = []
    connect_errors: dict[str, int] = {}

    async def connect(s):
        try:
            return s, await open_conn(s[0], port, 10)
        except BaseException as err:  # noqa: BLE001
            key = describe(err)
            connect_errors[key] = connect_errors.get(key, 0) + 1
            return None

    for got in await asyncio.gather(*(connect(s) for s in ready)):
        if got:
            conns.append(got)
    await asyncio.sleep(0.3)
    reset_ok = reset_hwm(pid)
    rss_before = proc_status(pid, "VmRSS")
    samples: list[int] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, stop, samples))
    start = time.monotonic()
    for i, ((src, cookie, csrf), (reader, writer)) in enumerate(conns):
        body = form({"email": f"burst{n}-{i}-{secrets.token_hex(3)}@example.com", "password": "wrong-password-1",
                     "_csrf": csrf, "next": "/cases"})
        writer.write(build_head("POST", "/login", port, {"Content-Type": "application/x-www-form-urlencoded",
                                                         "Cookie": cookie}, f"Content-Length: {len(body)}\r\n") + body)

    async def answer(reader, writer) -> tuple[str, float]:
        resp = Response()
        try:
            await writer.drain()
            await asyncio.wait_for(read_response(reader, resp, "POST"), 90)
            out = str(resp.status)
        except BaseException as err:  # noqa: BLE001
            out = describe(err)
        finally:
            writer.close()
        return out, time.monotonic() - start

    answers = await asyncio.gather(*(answer(r, w) for _, (r, w) in conns))
    wall = max((t for _, t in answers), default=0.0)
    stop.set()
    await sampler
    hwm = proc_status(pid, "VmHWM")
    counts: dict[str, int] = {}
    for out, _ in answers:
        counts[out] = counts.get(out, 0) + 1
    for k, v in connect_errors.items():
        counts[f"connect: {k}"] = v
    await asyncio.sleep(5)
    rss_after = proc_status(pid, "VmRSS")
    record(sc, "client addresses", f"{sources[0]}-{sources[-1].rsplit('.', 1)[1]} ({n // len(sources)} each)")
    record(sc, "RSS before", mib(rss_before))
    record(sc, "peak RSS during (20 ms samples)", mib(max(samples, default=None)))
    record(sc, "VmHWM during" + ("" if reset_ok else " (not reset: whole life)"), mib(hwm))
    record(sc, "RSS 5 s after", mib(rss_after))
    record(sc, "statuses", ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    record(sc, "wall time (send -> last answer)", f"{wall:.2f} s")
    details[f"burst_{n}"] = {"rss_samples_kb": samples[::5], "answers": answers}


# --- scenario 2: quadratic input -------------------------------------------------------------------------


async def measured(server: Server, sc: str, what: str, coro) -> Response:
    sampler = HealthSampler(server.port)
    sampler.start()
    await asyncio.sleep(0.3)
    resp = await coro
    hmax, hn, hfail = await sampler.finish()
    idle = await wait_idle(server.pid) if server.alive() else None
    record(sc, f"{what}: status", resp.outcome())
    record(sc, f"{what}: response time", f"{resp.seconds:.2f} s")
    record(sc, f"{what}: max /healthz latency during", f"{ms(hmax)} ({hn} samples" +
           (f", {len(hfail)} failed: {sorted(set(hfail))[:3]}" if hfail else "") + ")")
    record(sc, f"{what}: server busy after the answer",
           "not idle after 60 s" if idle is None else f"{idle:.1f} s")
    return resp


async def scenario_quadratic(server: Server, a: Workspace) -> None:
    sc = "2 quadratic input"
    n = QUADRATIC_N
    tags = [f"tag-{i:06d}" for i in range(n)]
    await measured(server, sc, f"device, {n:,} tags (POST /devices)",
                   a.api("POST", "/devices", {"deployment_id": a.deployment_id, "name": "Quadratic tags", "tags": tags},
                         timeout=QUADRATIC_TIMEOUT))
    options = [f"option-{i:06d}" for i in range(n)]
    await measured(server, sc, f"template, {n:,} options (POST /templates)",
                   a.api("POST", "/templates", {"name": "Quadratic options", "case_type": "anomaly",
                                                "fields": [{"label": "Pick one", "kind": "single_choice", "options": options}]},
                         timeout=QUADRATIC_TIMEOUT))
    emails = [f"n{i:06d}@example.com" for i in range(n)]
    await measured(server, sc, f"deployment, {n:,} emails (POST /deployments)",
                   a.api("POST", "/deployments", {"name": "Quadratic emails", "address": "", "timezone": "Europe/Berlin",
                                                  "language": "en", "notification_emails": emails},
                         timeout=QUADRATIC_TIMEOUT))
    # 30 MiB CSV import, chunked, no Content-Length (the back-office upload; the API has no import).
    cookie, csrf = await a.staff_session()
    row = "Device {i:07d},CSV-{i:07d},Acme,Model X,\"floor, bench\",imported\n"
    lines = ["name,serial_number,manufacturer,model,tags,notes\n"]
    size = len(lines[0])
    i = 0
    while size < CSV_BYTES - 64:
        line = row.format(i=i)
        lines.append(line)
        size += len(line)
        i += 1
    csv_bytes = "".join(lines).encode()
    boundary = "----hardeningcsv" + secrets.token_hex(6)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"deployment_id\"\r\n\r\n{a.deployment_id}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    payload = head + csv_bytes + tail

    def chunks():
        for at in range(0, len(payload), 64 * 1024):
            yield payload[at:at + 64 * 1024]

    reset_ok = reset_hwm(server.pid)
    rss_before = proc_status(server.pid, "VmRSS")
    resp = await measured(server, sc, f"CSV import {len(payload) / 1048576:.0f} MiB ({i:,} rows), chunked",
                          request("POST", f"/devices/import?_csrf={urllib.parse.quote(csrf)}", port=server.port,
                                  headers={"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
                                  chunks=chunks(), timeout=QUADRATIC_TIMEOUT))
    m = re.search(r"<li><a href=\"#f-file\">([^<]*)</a>", resp.text())
    if m:
        record(sc, "CSV import: message", m.group(1)[:120])
    record(sc, "CSV import: server RSS before / VmHWM" + ("" if reset_ok else " (whole life)"),
           f"{mib(rss_before)} / {mib(proc_status(server.pid, 'VmHWM'))}")


# --- scenario 3: slow uploads ----------------------------------------------------------------------------


async def honest_report(server: Server, b: Workspace, src: str, tag: str) -> Response:
    boundary = "----hardeninghonest" + secrets.token_hex(4)
    body = multipart(boundary, [
        ("template", "free", None), ("idempotency_key", f"honest-{tag}-{secrets.token_hex(8)}", None),
        ("description", "The display stays dark after the morning restart.", None),
        ("reporter_name", "Honest Visitor", None), ("reporter_email", "visitor@example.com", None),
        ("reporter_phone", "", None), ("website", "", None), ("photos", b"", ""),
    ])
    return await request("POST", f"/d/{b.token}/report?_csrf={urllib.parse.quote(b.form_csrf)}", port=server.port,
                         src=src, body=body, timeout=30,
                         headers={"Cookie": b.portal_cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"})


async def scenario_slow(server: Server, a: Workspace, b: Workspace) -> None:
    sc = "3 slow uploads"
    port = server.port
    attacker, honest_src = "127.0.0.21", "127.0.0.31"
    await a.portal_session(attacker)
    await b.portal_session(honest_src)
    boundary = "----dribble"
    declared = 50_000_000  # under the 64 MiB report limit, so it is not refused up front
    # The first part's headers go out complete; then its value arrives 1 byte every 20 s. (Dribbling inside
    # the part headers instead is cut by the server's 30 s wait for the next part; dribbled part data
    # is what an attacker who read the code would send.)
    part_head = f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n".encode()
    dribble = b"x" * 64
    head = build_head("POST", f"/d/{a.token}/report?_csrf={urllib.parse.quote(a.form_csrf)}", port,
                      {"Cookie": a.portal_cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
                      f"Content-Length: {declared}\r\n")
    start = time.monotonic()
    slow: list[dict] = []
    for k in range(SLOW_CONNECTIONS):
        entry = {"conn": None, "answer": None, "at": None, "sent": 0}
        try:
            entry["conn"] = await open_conn(attacker, port, 5)
            entry["conn"][1].write(head + part_head + dribble[:1])
            await entry["conn"][1].drain()
            entry["sent"] = 1
        except BaseException as err:  # noqa: BLE001
            entry["answer"], entry["at"] = f"connect/send: {describe(err)}", time.monotonic() - start
        slow.append(entry)

    async def watch(entry):
        if entry["conn"] is None:
            return
        resp = Response()
        try:
            await read_response(entry["conn"][0], resp, "POST")
            entry["answer"] = str(resp.status)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # noqa: BLE001
            entry["answer"] = describe(err)
        entry["at"] = time.monotonic() - start

    watchers = [asyncio.create_task(watch(e)) for e in slow]

    async def dribbler():
        for tick in range(1, int(SLOW_TOTAL // SLOW_INTERVAL) + 1):
            await asyncio.sleep(max(0.0, start + tick * SLOW_INTERVAL - time.monotonic()))
            for e in slow:
                if e["conn"] is not None and e["answer"] is None and e["sent"] < len(dribble):
                    try:
                        e["conn"][1].write(dribble[e["sent"]:e["sent"] + 1])
                        await e["conn"][1].drain()
                        e["sent"] += 1
                    except BaseException:  # noqa: BLE001 - the watcher records the outcome
                        pass

    drip = asyncio.create_task(dribbler())
    await asyncio.sleep(2.0)
    honest = []
    r = await honest_report(server, b, honest_src, "1")
    honest.append(("t+2 s", r))
    # After the dribblers passed the 30 s idle limit once (bytes at 20 s and 40 s).
    await asyncio.sleep(max(0.0, start + 41.0 - time.monotonic()))
    r = await honest_report(server, b, honest_src, "2")
    honest.append(("t+41 s", r))
    await asyncio.sleep(max(0.0, start + SLOW_TOTAL - 2 - time.monotonic()))
    drip.cancel()
    for t in watchers:
        t.cancel()
    await asyncio.gather(drip, *watchers, return_exceptions=True)
    for e in slow:
        if e["conn"] is not None:
            e["conn"][1].close()
    await asyncio.sleep(1.0)
    r = await honest_report(server, b, honest_src, "3")
    honest.append(("after closing the slow uploads", r))
    record(sc, "slow uploads (workspace A, from 127.0.0.21)",
           f"{SLOW_CONNECTIONS} x Content-Length {declared:,}, part headers, then 1 byte of the part every {SLOW_INTERVAL:.0f} s, {SLOW_TOTAL:.0f} s")
    record(sc, "slow uploads answered by the server", "; ".join(
        f"#{k + 1}: {e['answer']} at {e['at']:.1f} s" if e["answer"] else f"#{k + 1}: still open at {SLOW_TOTAL - 2:.0f} s ({e['sent']} bytes sent)"
        for k, e in enumerate(slow)))
    for when, resp in honest:
        record(sc, f"honest report on workspace B ({when})", f"{resp.outcome()} in {ms(resp.seconds)}")
    details["slow"] = [{"answer": e["answer"], "at": e["at"], "sent": e["sent"]} for e in slow]


# --- scenario 4: half-open connections ------------------------------------------------------------------


def server_sockets(pid: int) -> set[str]:
    out = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                out.add(target[8:-1])
    except OSError:
        pass
    return out


def tcp_on_port(port: int, remotes: set[str]) -> tuple[list[str], int]:
    """(inodes of established connections to `port` from `remotes`, how many of them have no inode yet:
    completed by the kernel but still in the accept queue)."""
    inodes, queued = [], 0
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                cols = line.split()
                local, remote, state, inode = cols[1], cols[2], cols[3], cols[9]
                if int(local.split(":")[1], 16) != port or state != "01":
                    continue
                raw = bytes.fromhex(remote.split(":")[0])[::-1]
                if socket.inet_ntoa(raw) not in remotes:
                    continue
                if inode == "0":
                    queued += 1
                else:
                    inodes.append(inode)
    except OSError:
        pass
    return inodes, queued


async def scenario_half_open(server: Server) -> None:
    sc = "4 half-open connections"
    port, pid = server.port, server.pid
    remotes = set(HALF_OPEN_SOURCES)
    fd_before = fd_count(pid)
    log_from = server.log_size()
    partial = f"GET / HTTP/1.1\r\nHost: x\r\n".encode()
    conns: list[dict] = []
    failures: dict[str, int] = {}
    sem = asyncio.Semaphore(100)
    t_open = time.monotonic()

    async def one(i: int):
        src = HALF_OPEN_SOURCES[i % len(HALF_OPEN_SOURCES)]
        async with sem:
            try:
                reader, writer = await open_conn(src, port, 3)
                writer.write(partial)
                await writer.drain()
                conns.append({"r": reader, "w": writer, "closed_at": None, "how": None})
            except BaseException as err:  # noqa: BLE001
                key = describe(err)
                failures[key] = failures.get(key, 0) + 1

    await asyncio.gather(*(one(i) for i in range(HALF_OPEN)))
    t0 = time.monotonic()

    async def watch(c):
        try:
            data = await c["r"].read(4096)
            c["how"] = f"answered {data[:12].decode('latin-1', 'replace')!r}" if data else "closed (FIN)"
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # noqa: BLE001
            c["how"] = describe(err)
        c["closed_at"] = time.monotonic() - t0

    watchers = [asyncio.create_task(watch(c)) for c in conns]
    probes, fds = [], []

    def accepted() -> tuple[int, int]:
        inodes, queued = tcp_on_port(port, remotes)
        mine = server_sockets(pid)
        return sum(1 for i in inodes if i in mine), queued

    async def probe(label: str):
        r = await request("GET", "/healthz", port=port, src=HOST, timeout=5)
        probes.append((label, r))
        fds.append(fd_count(pid))

    await asyncio.sleep(max(0.0, t0 + 2 - time.monotonic()))
    acc2, queued2 = accepted()
    fd_at_2 = fd_count(pid)
    await probe("t+2 s")
    await asyncio.sleep(max(0.0, t0 + 15 - time.monotonic()))
    closed15 = sum(1 for c in conns if c["closed_at"] is not None)
    acc15, queued15 = accepted()
    await probe("t+15 s")
    await asyncio.sleep(max(0.0, t0 + 30 - time.monotonic()))
    await probe("t+30 s")
    await asyncio.sleep(max(0.0, t0 + 40 - time.monotonic()))
    closed40 = sum(1 for c in conns if c["closed_at"] is not None)
    acc40, queued40 = accepted()
    fd_at_40 = fd_count(pid)
    for t in watchers:
        t.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)
    for c in conns:
        c["w"].close()
    await asyncio.sleep(3)
    after = await request("GET", "/healthz", port=port, src=HOST, timeout=5)
    fd_after = fd_count(pid)
    log_text = server.log_text(log_from)
    emfile = log_text.count("Too many open files")
    hows: dict[str, int] = {}
    for c in conns:
        if c["how"]:
            hows[c["how"]] = hows.get(c["how"], 0) + 1
    record(sc, "attack connections opened (client side)",
           f"{len(conns)} of {HALF_OPEN} in {t0 - t_open:.1f} s" +
           (f"; failed: {', '.join(f'{k}: {v}' for k, v in failures.items())}" if failures else ""))
    record(sc, "accepted by the server (its sockets) at t+2/15/40 s", f"{acc2} / {acc15} / {acc40}")
    record(sc, "left in the kernel accept queue at t+2/15/40 s", f"{queued2} / {queued15} / {queued40}")
    for label, r in probes:
        record(sc, f"GET /healthz on a fresh connection ({label})", f"{r.outcome()} in {ms(r.seconds)}")
    record(sc, "attack connections closed by the server after 15 s", closed15)
    record(sc, "attack connections closed by the server after 40 s",
           f"{closed40}" + (f" ({', '.join(f'{k}: {v}' for k, v in hows.items())})" if hows else ""))
    record(sc, "server fds: before / t+2 s / t+40 s / 3 s after closing (limit)",
           f"{fd_before} / {fd_at_2} / {fd_at_40} / {fd_after} ({SERVER_NOFILE})")
    record(sc, "'Too many open files' in the server log", f"{'yes' if emfile else 'no'} ({emfile} lines)")
    record(sc, "GET /healthz 3 s after closing all", f"{after.outcome()} in {ms(after.seconds)}")
    details["half_open"] = {"probe_fds": fds, "close_times": sorted(c["closed_at"] for c in conns if c["closed_at"] is not None)[:50]}


# --- scenario 5: lock-out --------------------------------------------------------------------------------


async def scenario_lockout(port: int) -> None:
    sc = "5 lock-out (fresh server)"
    server = Server("lockout", port)
    try:
        a = Workspace(server, "A")
        a.create_admin()
        server.start()
        await server.wait_ready()
        statuses = []
        for k in range(LOCKOUT_WRONG):
            anon = await anonymous_session(port, "127.0.0.2")
            if anon is None:
                statuses.append("no anonymous session")
                continue
            r = await request("POST", "/login", port=port, src="127.0.0.2",
                              body=form({"email": a.email, "password": f"wrong-password-{k:02d}", "_csrf": anon[1], "next": "/cases"}),
                              headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(anon[0])})
            statuses.append(r.outcome())
        counts: dict[str, int] = {}
        for s in statuses:
            counts[s] = counts.get(s, 0) + 1
        record(sc, f"{LOCKOUT_WRONG} wrong passwords for admin A from 127.0.0.2",
               ", ".join(f"{k}: {v}" for k, v in counts.items()) + f" (last: {statuses[-1]})")
        anon = await anonymous_session(port, "127.0.0.3")
        if anon is None:
            record(sc, "correct password from 127.0.0.3", "no anonymous session")
            return
        r = await request("POST", "/login", port=port, src="127.0.0.3",
                          body=form({"email": a.email, "password": a.password, "_csrf": anon[1], "next": "/cases"}),
                          headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(anon[0])})
        verdict = {303: "signed in", 429: "locked out"}.get(r.status or 0, "?")
        extra = f", Retry-After {r.header('retry-after')} s" if r.header("retry-after") else ""
        record(sc, "correct password from 127.0.0.3", f"{r.outcome()} ({verdict}{extra}) in {ms(r.seconds)}")
    finally:
        server.stop()


# --- main ------------------------------------------------------------------------------------------------


def free_port(start: int, taken: set[int]) -> int:
    for p in range(start, start + 200):
        if p not in taken and port_free(p):
            return p
    raise RuntimeError(f"no free port in {start}-{start + 199}")


async def guarded(name: str, coro) -> None:
    try:
        await coro
    except Exception as err:  # noqa: BLE001 - a scenario that could not run is a result too
        log(f"scenario {name} failed: {err!r}")
        record(name, "error", f"{type(err).__name__}: {str(err)[:300]}")


def print_table() -> str:
    w1 = max([len("scenario")] + [len(r["scenario"]) for r in results])
    w2 = max([len("figure")] + [len(r["figure"]) for r in results])
    lines = [f"| {'scenario'.ljust(w1)} | {'figure'.ljust(w2)} | value |",
             f"|{'-' * (w1 + 2)}|{'-' * (w2 + 2)}|-------|"]
    for r in results:
        lines.append(f"| {r['scenario'].ljust(w1)} | {r['figure'].ljust(w2)} | {r['value']} |")
    return "\n".join(lines)


async def main() -> int:
    for src in ("127.0.0.2", "127.0.0.40"):
        with socket.socket() as s:
            try:
                s.bind((src, 0))
            except OSError as err:
                log(f"cannot bind a client socket to {src} ({err}); the scenarios need 127.0.0.0/8 on lo")
                return 1
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    began = time.monotonic()
    with open(BIN, "rb") as f:
        bin_sha = hashlib.sha256(f.read()).hexdigest()[:16]
    version = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    meta = {
        "stamp": stamp, "binary": BIN, "binary_sha256_16": bin_sha, "binary_version": version,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
        "load_average_start": open("/proc/loadavg").read().split()[:3],
        "server_nofile": SERVER_NOFILE, "scenarios": sorted(SCENARIOS),
    }
    log(f"binary {BIN} ({version}, sha256 {bin_sha}...), server RLIMIT_NOFILE {SERVER_NOFILE}")
    port = FIRST_PORT
    main_server = None
    if SCENARIOS & {"1", "2", "3", "4"}:
        main_server = Server("main", port)
        a, b = Workspace(main_server, "A"), Workspace(main_server, "B")
        log("seeding: two workspaces (admin, API key) with the CLI")
        a.create_admin()
        b.create_admin()
        log(f"starting the server on http://{HOST}:{port}")
        main_server.start()
        try:
            await main_server.wait_ready()
            limits = open(f"/proc/{main_server.pid}/limits").read()
            meta["server_limits_nofile"] = next((ln for ln in limits.splitlines() if "open files" in ln), "").split()[3:5]
            log("seeding: deployments, portal (PIN), devices through the API")
            await a.seed_api()
            await b.seed_api()
            if "1" in SCENARIOS:
                for n, sources in BURSTS:
                    log(f"scenario 1: {n} simultaneous wrong sign-ins")
                    await guarded("1 sign-in burst", scenario_burst(main_server, n, sources))
            if "1" in SCENARIOS and SCENARIOS & {"2", "3", "4"}:
                # Scenario 1 leaves gigabytes of RSS behind; later RSS figures start from a fresh process.
                log("restarting the server (same data directory) after scenario 1")
                main_server.stop()
                main_server.start()
                await main_server.wait_ready()
                meta["restarted_after_scenario_1"] = True
            if "2" in SCENARIOS:
                log("scenario 2: quadratic input (tags, options, emails, 30 MiB chunked CSV)")
                await guarded("2 quadratic input", scenario_quadratic(main_server, a))
            if "3" in SCENARIOS:
                log("scenario 3: slow uploads (about 60 s)")
                await guarded("3 slow uploads", scenario_slow(main_server, a, b))
            if "4" in SCENARIOS:
                log("scenario 4: half-open connections (about 45 s)")
                await guarded("4 half-open connections", scenario_half_open(main_server))
            meta["server_alive_at_end"] = main_server.alive()
            meta["main_server_peak_rss_kb_since_last_reset"] = proc_status(main_server.pid, "VmHWM")
        finally:
            main_server.stop()
    if "5" in SCENARIOS:
        log("scenario 5: lock-out, on a second fresh server")
        await guarded("5 lock-out", scenario_lockout(free_port(port + 1, {port})))
    meta["seconds"] = round(time.monotonic() - began, 1)
    meta["load_average_end"] = open("/proc/loadavg").read().split()[:3]
    table = print_table()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"hardening-{stamp}.json")
    with open(path, "w") as f:
        json.dump({**meta, "results": results, "details": details}, f, indent=2, default=str)
    print()
    print(f"# Hardening measurement {stamp}: {version} ({BIN}), {meta['machine']}, {meta['seconds']} s")
    print()
    print(table)
    print()
    log(f"written to {path}")
    return 0


if __name__ == "__main__":
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed (asyncio.timeout)")
    sys.exit(asyncio.run(main()))
