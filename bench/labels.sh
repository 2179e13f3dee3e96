#!/usr/bin/env bash
# Label benchmark (issue 8, "Benchmark"): 10,000 labels as a PDF of Avery L7160 sheets and as a ZIP of
# per-device SVG + PNG (512 px) codes — wall time and peak RSS, each format in its own process — for
#   (a) the pure renderer (tagdesk-labels, example bench_labels, reading the labels from a CSV),
#   (b) the real CLI end to end (`tagdesk labels`) on a SQLite database with 10,000 imported devices,
#   (c) a reference of what a user would otherwise write (Python segno + reportlab from PyPI, in bench/.venv),
# and our speed as reference time / our time. A benchmark, not a test: it never fails on a missed target.
#
#   bench/labels.sh                      # build (release), run, print the table (a few minutes)
#   BENCH_SKIP_BUILD=1 bench/labels.sh   # reuse the release binaries in ${CARGO_TARGET_DIR:-target}
#
# Knobs: BENCH_LABELS (default 10000), BENCH_ROUNDS (runs of each of ours, median counts; default 3),
# BENCH_REF_ROUNDS (default 1), BENCH_PNG_PX (default 512), BENCH_OUT (default bench/out),
# BENCH_REFERENCE=0 (skip the Python reference), BENCH_CLI=0 (skip the CLI runs), BENCH_PROFILE=1 (perf
# profile of one pure PDF and ZIP run: bench/out/perf-labels-*.txt), BENCH_KEEP=1 (keep the temporary data
# directory), BENCH_WAIT_QUIET=N (wait up to N s for a load average below BENCH_QUIET_LOAD, default 0.5). Needs /usr/bin/time (Debian: time), curl, jq, python3 (>= 3.9, with venv) and, for the
# reference, PyPI; only 127.0.0.1 is contacted besides.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
N=${BENCH_LABELS:-10000}
ROUNDS=${BENCH_ROUNDS:-3}
REF_ROUNDS=${BENCH_REF_ROUNDS:-1}
PNG_PX=${BENCH_PNG_PX:-512}
OUT=${BENCH_OUT:-$BENCH/out}
HELPER="$BENCH/labels_reference.py"
PUBLIC_URL=https://desk.example.com
HOST=127.0.0.1

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for n in "$N" "$ROUNDS" "$REF_ROUNDS" "$PNG_PX"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "numeric settings only (got '$n')"
done
((N >= 1 && N <= 20000)) || die "BENCH_LABELS must be 1..20000 (the most one print may hold)"
((ROUNDS >= 1 && ROUNDS <= 10 && REF_ROUNDS >= 0 && REF_ROUNDS <= 5)) || die "BENCH_ROUNDS 1..10, BENCH_REF_ROUNDS 0..5"

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install -y time)"
command -v curl >/dev/null || die "curl is missing (apt-get install -y curl)"
command -v jq >/dev/null || die "jq is missing (apt-get install -y jq)"
command -v python3 >/dev/null || die "python3 is missing"

# --- build (once) ------------------------------------------------------------------------------------
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET_DIR/release/tagdesk"
EXAMPLE="$TARGET_DIR/release/examples/bench_labels"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building release: the tagdesk binary and the bench_labels example"
  (cd "$ROOT" && cargo build --release -p tagdesk -p tagdesk-labels --bin tagdesk --example bench_labels >&2)
fi
[[ -x "$BIN" ]] || die "no release binary at $BIN"
[[ -x "$EXAMPLE" ]] || die "no example at $EXAMPLE (cargo build --release -p tagdesk-labels --example bench_labels)"

# --- the reference's virtual environment -------------------------------------------------------------
VENV="$BENCH/.venv"
REFERENCE=${BENCH_REFERENCE:-1}
if [[ "$REFERENCE" == 1 ]]; then
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import segno, reportlab' 2>/dev/null; then
    log "installing segno and reportlab from PyPI into bench/.venv"
    if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check segno reportlab >&2; }; then
      log "warning: could not install the reference (no PyPI?); its rows stay empty"
      REFERENCE=0
    fi
  fi
fi

# --- data --------------------------------------------------------------------------------------------
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/tagdesk-labels-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  local status=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LABELS="$OUT/labels-$N.csv"
DEVICES="$WORK/devices.csv"
log "generating $N synthetic labels ($LABELS)"
python3 "$HELPER" generate "$N" "$LABELS" "$DEVICES"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

# measure GROUP FORMAT OUTFILE COMMAND…: one run under /usr/bin/time -v; appends a result line.
measure() {
  local group=$1 fmt=$2 out=$3
  shift 3
  rm -f "$out"
  if ! /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt"; then
    log "warning: $group $fmt failed: $(tail -n 3 "$WORK/stderr.txt")"
  fi
  python3 "$HELPER" record "$group" "$fmt" "$WORK/time.txt" "$WORK/stdout.txt" "$out" >>"$RESULTS"
  log "$group $fmt: $(jq -r '"\(.wall_s) s wall, \(.rss_kb / 1024 | floor) MB peak RSS"' <<<"$(tail -n 1 "$RESULTS")")"
}

# Other processes on the machine distort every figure. BENCH_WAIT_QUIET=N waits up to N seconds for the
# 1-minute load average to fall below BENCH_QUIET_LOAD (default 0.5); a warning either way.
QUIET_LOAD=${BENCH_QUIET_LOAD:-0.5}
quiet() { awk -v max="$QUIET_LOAD" '{ exit !($1 < max) }' /proc/loadavg; }
if [[ "${BENCH_WAIT_QUIET:-0}" =~ ^[0-9]+$ ]] && ((${BENCH_WAIT_QUIET:-0} > 0)) && ! quiet; then
  log "waiting up to ${BENCH_WAIT_QUIET} s for a load average below $QUIET_LOAD (now $(cut -d' ' -f1 /proc/loadavg))"
  deadline=$((SECONDS + BENCH_WAIT_QUIET))
  while ((SECONDS < deadline)) && ! quiet; do sleep 5; done
fi
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
quiet || log "warning: load average $LOAD_AT_START: other processes compete for the 2 cores, figures will be noisy"

# --- (a) the pure renderer ---------------------------------------------------------------------------
for round in $(seq 1 "$ROUNDS"); do
  for fmt in pdf zip; do
    measure pure "$fmt" "$OUT/labels-$N.$fmt" "$EXAMPLE" "$fmt" "$LABELS" "$OUT/labels-$N.$fmt" "$PNG_PX"
  done
done
if [[ "${BENCH_PROFILE:-0}" == 1 ]] && command -v perf >/dev/null; then
  for fmt in pdf zip; do
    log "perf profile of one pure $fmt run"
    perf record -q --call-graph dwarf,16384 -F 499 -o "$WORK/perf-$fmt.data" "$EXAMPLE" "$fmt" "$LABELS" "$WORK/profiled.$fmt" "$PNG_PX" >/dev/null 2>&1 || true
    perf report -i "$WORK/perf-$fmt.data" --no-children --percent-limit 0.5 --stdio -g none 2>/dev/null |
      grep -v '^$' | head -n 80 >"$OUT/perf-labels-$fmt.txt" || true
  done
fi

# --- (b) the CLI end to end --------------------------------------------------------------------------
if [[ "${BENCH_CLI:-1}" == 1 ]]; then
  unset TAGDESK_DATABASE_URL TAGDESK_CONFIG TAGDESK_ADDR TAGDESK_SECRET_KEY TAGDESK_LOG RUST_LOG
  export TAGDESK_DATA_DIR="$WORK/data" TAGDESK_PUBLIC_URL="$PUBLIC_URL"
  tagdesk() { (cd "$WORK" && "$BIN" "$@"); }
  log "seeding: workspace, admin, API key, a deployment (API), $N devices (tagdesk devices import)"
  printf 'bench-password-%s\n' "$RANDOM$RANDOM" |
    tagdesk admin create-user --email bench@example.com --workspace Bench --role admin >/dev/null 2>>"$WORK/cli.log"
  API_KEY=$(tagdesk admin create-api-key --workspace Bench --name bench 2>>"$WORK/cli.log" | tail -n 1)
  PORT=""
  for candidate in $(seq 18780 18880); do
    if ! (exec 3<>"/dev/tcp/$HOST/$candidate") 2>/dev/null; then PORT=$candidate; break; fi
  done
  [[ -n "$PORT" ]] || die "no free port in 18780-18880"
  (cd "$WORK" && exec "$BIN" serve --addr "$HOST:$PORT") >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/readyz" || true)" == 200 ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 20 "$WORK/server.log")"
    sleep 0.2
  done
  DEPLOYMENT_ID=$(curl -sS --max-time 10 -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \
    -X POST "http://$HOST:$PORT/api/v1/deployments" \
    -d '{"name":"Bench Plant","timezone":"Europe/Berlin","language":"en"}' | jq -r .id)
  [[ -n "$DEPLOYMENT_ID" && "$DEPLOYMENT_ID" != null ]] || die "could not create the deployment"
  kill -TERM "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  started=$SECONDS
  tagdesk devices import "$DEVICES" --deployment "Bench Plant" --workspace Bench >/dev/null 2>>"$WORK/cli.log" ||
    die "device import failed: $(tail -n 5 "$WORK/cli.log")"
  IMPORT_S=$((SECONDS - started))
  log "imported $N devices in ${IMPORT_S} s"
  cd "$WORK" # no tagdesk.toml of the caller's working directory leaks in
  for round in $(seq 1 "$ROUNDS"); do
    for fmt in pdf zip; do
      measure cli "$fmt" "$OUT/cli-$N.$fmt" "$BIN" labels --deployment "Bench Plant" --workspace Bench \
        --template avery-l7160 --fields qr,name,serial,site,cta --png-size "$PNG_PX" --format "$fmt" --out "$OUT/cli-$N.$fmt"
      grep -h '^Wrote ' "$WORK/stdout.txt" >&2 || true
    done
  done
fi

# --- (c) the reference -------------------------------------------------------------------------------
if [[ "$REFERENCE" == 1 ]]; then
  for round in $(seq 1 "$REF_ROUNDS"); do
    for fmt in pdf zip; do
      log "reference $fmt (segno + reportlab; slow)"
      measure reference "$fmt" "$OUT/reference-$N.$fmt" "$VENV/bin/python" "$HELPER" "$fmt" "$LABELS" "$OUT/reference-$N.$fmt" "$PNG_PX"
    done
  done
fi
LOAD_AT_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
GIT_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=$(cd "$ROOT" && [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] && echo " (uncommitted changes)" || true)
VERSIONS=""
if [[ "$REFERENCE" == 1 ]]; then
  VERSIONS=$("$VENV/bin/python" -c 'import segno, reportlab, sys; print(f"Python {sys.version.split()[0]}, segno {segno.__version__}, reportlab {reportlab.Version}")')
fi
{
  echo "# Label benchmark $STAMP"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem/ { print $2 }') GiB, Linux $(uname -r); load average (1/5/15 min) $LOAD_AT_START at the start, $LOAD_AT_END at the end"
  echo "- build: release, git $GIT_REV$GIT_DIRTY; $N labels (bench/labels_reference.py generate), Avery L7160 (21 a page) with QR, name, serial, site and call to action; ZIP: SVG + PNG ${PNG_PX} px per device"
  echo "- each run is its own process under /usr/bin/time -v (wall = the whole process, RSS = its peak); ours $ROUNDS runs each (medians), the reference $REF_ROUNDS"
  [[ -n "$VERSIONS" ]] && echo "- reference: $VERSIONS"
  [[ -n "${IMPORT_S:-}" ]] && echo "- CLI: SQLite in a fresh data directory, $N devices imported with tagdesk devices import in ${IMPORT_S} s (not counted)"
  echo
  python3 "$HELPER" report "$RESULTS"
} >"$OUT/labels-$STAMP.md"
cp "$OUT/labels-$STAMP.md" "$OUT/labels-latest.md"
cp "$RESULTS" "$OUT/labels-$STAMP.jsonl"
echo
cat "$OUT/labels-$STAMP.md"
echo
log "written to $OUT/labels-$STAMP.md (raw: .jsonl; outputs: $OUT/{labels,cli,reference}-$N.{pdf,zip})"
