#!/usr/bin/env bash
# Availability-attack measurement of one Tagdesk binary: what a handful of cheap requests costs the server
# (memory, worker threads, upload slots, file descriptors, sign-in lock-out). A measurement, not a test:
# nothing here passes or fails, every figure is printed and written to bench/out/hardening-<UTC time>.json.
#
#   bench/hardening.sh                                  # target/release/tagdesk of this repository
#   TAGDESK_BIN=/tmp/tagdesk-before bench/hardening.sh  # any other build (no build step here)
#   BENCH_SCENARIOS=1,5 bench/hardening.sh              # a subset
#
# Scenarios (details in bench/README.md and bench/hardening.py):
#   1. 150 and 180 simultaneous wrong sign-ins from 6 client addresses each: server RSS, statuses, time
#   2. 110,000 device tags / template options / notification emails via the API, and a 30 MiB CSV import
#      sent chunked (no Content-Length): status, time, max /healthz latency meanwhile
#   3. 4 report uploads on workspace A's portal dribbling 1 byte every 20 s vs. honest reports on B's
#   4. 1,100 connections that never finish their request headers: accepted, closed, fds, /healthz
#   5. 11 wrong passwords for an admin from one address, then the right one from another (fresh server)
#
# The server runs as `tagdesk serve --addr 127.0.0.1:<port> --data-dir <fresh temp dir>` (SQLite) with
# RLIMIT_NOFILE 1024 (`ulimit -n 1024`, as on a default systemd/Docker host) on the server process only.
# Clients bind to loopback source addresses 127.0.0.1-127.0.0.40 (all of 127.0.0.0/8 is local on Linux);
# nothing leaves the machine. Every loop is bounded; a trap stops every server started here. About 2.5 min
# plus scenario 2, which waits for each answer: about 3 min more where that validation is quadratic.
#
# Knobs (environment): TAGDESK_BIN (binary, default target/release/tagdesk), BENCH_PORT (default: first
# free port from 18680; scenario 5's server takes the next free one), BENCH_SCENARIOS (default 1,2,3,4,5),
# BENCH_KEEP=1 (keep the temporary directory: data dirs and server logs), BENCH_OUT (default bench/out),
# BENCH_QUADRATIC_TIMEOUT (client timeout of each scenario-2 request, s, default 120).
#
# Needs: bash, python3 >= 3.11 (standard library only), Linux /proc.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
BIN=${TAGDESK_BIN:-$ROOT/target/release/tagdesk}
OUT=${BENCH_OUT:-$BENCH/out}
HOST=127.0.0.1

log() { printf '[hardening] %s\n' "$*" >&2; }
die() { printf '[hardening] error: %s\n' "$*" >&2; exit 1; }

[[ -x "$BIN" ]] || die "no executable tagdesk binary at $BIN (set TAGDESK_BIN)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
command -v python3 >/dev/null || die "python3 is missing"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 >= 3.11 is needed"
[[ "${BENCH_SCENARIOS:-1,2,3,4,5}" =~ ^[1-5](,[1-5])*$ ]] || die "BENCH_SCENARIOS is a list like 1,2,3"
[[ "${BENCH_QUADRATIC_TIMEOUT:-120}" =~ ^[0-9]+$ ]] && ((${BENCH_QUADRATIC_TIMEOUT:-120} >= 1 && ${BENCH_QUADRATIC_TIMEOUT:-120} <= 300)) ||
  die "BENCH_QUADRATIC_TIMEOUT must be 1..300 seconds"

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=${BENCH_PORT:-}
if [[ -z "$PORT" ]]; then
  for candidate in $(seq 18680 18780); do
    if port_free "$candidate"; then PORT=$candidate; break; fi
  done
  [[ -n "$PORT" ]] || die "no free port in 18680-18780"
else
  [[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT >= 1024 && PORT <= 65000)) || die "BENCH_PORT must be 1024..65000"
  port_free "$PORT" || die "port $PORT is in use"
fi

WORK=$(mktemp -d /tmp/tagdesk-hardening.XXXXXX)
PY_PID=""
stop_pid() { # TERM, up to 10 s, then KILL; only processes this script started (pids recorded by it)
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$PY_PID" ]] && stop_pid "$PY_PID"
  if [[ -f "$WORK/server-pids" ]]; then
    while read -r pid; do [[ "$pid" =~ ^[0-9]+$ ]] && stop_pid "$pid"; done <"$WORK/server-pids"
  fi
  if [[ $status != 0 ]]; then
    for logfile in "$WORK"/*/server.log; do
      [[ -f "$logfile" ]] || continue
      mkdir -p "$OUT" && cp "$logfile" "$OUT/hardening-failed-$(basename "$(dirname "$logfile")").log" 2>/dev/null || true
    done
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $WORK (data directories and server logs)"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing of the caller's Tagdesk configuration leaks in (the Python side also drops TAGDESK_* for the
# server, and runs it in its own directory so no tagdesk.toml is picked up).
unset TAGDESK_DATABASE_URL TAGDESK_CONFIG TAGDESK_ADDR TAGDESK_SECRET_KEY TAGDESK_LOG TAGDESK_DATA_DIR RUST_LOG
# The load generator itself holds 1,100+ sockets in scenario 4; only the server is limited to 1024.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

export HARDENING_BIN="$BIN" HARDENING_WORK="$WORK" HARDENING_OUT="$OUT" HARDENING_PORT="$PORT" HARDENING_ROOT="$ROOT"
export HARDENING_SERVER_NOFILE=1024
log "binary $BIN, port $PORT, temp $WORK"
python3 "$BENCH/hardening.py" &
PY_PID=$!
wait "$PY_PID"
PY_PID=""
