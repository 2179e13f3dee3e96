#!/usr/bin/env bash
# Load benchmark of the customer portal (issue 3, "Benchmarks"): a release build on SQLite with one
# deployment of 1,000 devices, measured on loopback with bounded load generators.
#
#   bench/portal.sh                      # build, seed, measure, print the table (about 4 minutes + build)
#   BENCH_DURATION=20 bench/portal.sh    # longer runs per scenario
#
# Scenarios (each a fixed duration; every loop here ends by itself; only 127.0.0.1 is contacted):
#   1. GET /static/portal.css                    the ceiling (wrk)
#   2. GET /d/<token> with a portal session      rotating over all 1,000 device tokens (wrk + Lua)
#   3. the same at half the rate measured in 2   p99 with a fixed request rate (oha -q, latency-corrected)
#   4. POST /d/<token>/report, one client        every request from one client: the per-client quota
#                                                (20/hour) refuses all but the first 20 with 429
#   5. POST /d/<token>/report, many clients      a new X-Forwarded-For address per request (the server runs
#                                                with TAGDESK_TRUST_PROXY_HEADERS=true for this): accepted
#                                                reports (303), spread over the 1,000 devices
#   6. GET /d/<token> again, now that devices list the reports of 4-5
# 1 and 2 run in interleaved rounds, 3 in as many rounds (medians count); between 3 and 4 a breakdown runs
# the same server path with less work (/healthz, 404 without and with DB lookups, the PIN page).
# At the end: the server's peak RSS (VmHWM) and the targets (device page >= 50 % of the static ceiling;
# p99 < 10 ms at half the maximum rate).
#
# Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS
# (default 4), BENCH_THREADS (wrk threads, default 2), BENCH_DEVICES (default 1000), BENCH_PORT (default:
# first free port from 18480), BENCH_OUT (default bench/out), BENCH_SKIP_BUILD=1 (use the existing
# release binary), BENCH_KEEP=1 (keep the temporary data directory and server log), BENCH_ROUNDS (default 3),
# BENCH_BREAKDOWN=0 (skip the breakdown runs), BENCH_PROFILE=1 (perf profile of one device-page run),
# BENCH_WAIT_QUIET=N (wait up to N s for a load average below 0.5 before measuring).
#
# Needs: curl, jq, wrk (Debian: apt-get install -y wrk; installed automatically when running as root) and
# oha (cargo install oha --locked into bench/.tools; done automatically on first run, a few minutes).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-4}
THREADS=${BENCH_THREADS:-2}
DEVICES=${BENCH_DEVICES:-1000}
ROUNDS=${BENCH_ROUNDS:-3}
OUT=${BENCH_OUT:-$BENCH/out}
OHA_VERSION=1.16.0
PIN=4821
HOST=127.0.0.1

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for n in "$DURATION" "$WARMUP" "$CONNS" "$THREADS" "$DEVICES" "$ROUNDS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "numeric settings only (got '$n')"
done
((DURATION >= 1 && DURATION <= 300)) || die "BENCH_DURATION must be 1..300 seconds"
((CONNS >= 1 && CONNS <= 64)) || die "BENCH_CONNECTIONS must be 1..64"
((THREADS >= 1 && THREADS <= CONNS && THREADS <= 16)) || die "BENCH_THREADS must be 1..min(16, connections)"
((DEVICES >= 1 && DEVICES <= 100000)) || die "BENCH_DEVICES must be 1..100000"
((ROUNDS >= 1 && ROUNDS <= 10)) || die "BENCH_ROUNDS must be 1..10"

# --- tools -------------------------------------------------------------------------------------------
command -v curl >/dev/null || die "curl is missing (apt-get install -y curl)"
command -v jq >/dev/null || die "jq is missing (apt-get install -y jq)"
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk from Debian"
    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  fi
  command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"
fi
OHA="$BENCH/.tools/bin/oha"
if [[ ! -x "$OHA" ]]; then
  if command -v oha >/dev/null; then
    OHA=$(command -v oha)
  else
    log "installing oha $OHA_VERSION into bench/.tools (cargo install --locked; takes a few minutes once)"
    cargo install oha --locked --version "$OHA_VERSION" --root "$BENCH/.tools" >&2
  fi
fi

# --- build -------------------------------------------------------------------------------------------
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET_DIR/release/tagdesk"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building the release binary (cargo build --release -p tagdesk)"
  (cd "$ROOT" && cargo build --release -p tagdesk >&2)
fi
[[ -x "$BIN" ]] || die "no release binary at $BIN"

# --- server ------------------------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
PORT=${BENCH_PORT:-}
if [[ -z "$PORT" ]]; then
  for candidate in $(seq 18480 18580); do
    if port_free "$candidate"; then PORT=$candidate; break; fi
  done
  [[ -n "$PORT" ]] || die "no free port in 18480-18580"
else
  port_free "$PORT" || die "port $PORT is in use"
fi
BASE="http://$HOST:$PORT"

WORK=$(mktemp -d /tmp/tagdesk-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  local status=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $status != 0 && -f "$WORK/server.log" ]]; then
    mkdir -p "$OUT" && cp "$WORK/server.log" "$OUT/server-failed.log" 2>/dev/null || true
    log "server log copied to $OUT/server-failed.log"
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh data directory and SQLite database; nothing from the caller's environment or a tagdesk.toml
# in the working directory leaks in (commands run in $WORK).
unset TAGDESK_DATABASE_URL TAGDESK_CONFIG TAGDESK_ADDR TAGDESK_SECRET_KEY TAGDESK_LOG RUST_LOG
export TAGDESK_DATA_DIR="$WORK/data"
export TAGDESK_PUBLIC_URL="$BASE"
export TAGDESK_TRUST_PROXY_HEADERS=true
tagdesk() { (cd "$WORK" && "$BIN" "$@"); }

c() { curl -sS --max-time 10 "$@"; }
api() { c -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' "$@"; }

log "seeding: workspace, admin, API key"
printf 'bench-password-%s\n' "$RANDOM$RANDOM" |
  tagdesk admin create-user --email bench@example.com --workspace Bench --role admin >/dev/null
API_KEY=$(tagdesk admin create-api-key --workspace Bench --name bench | tail -n 1)
[[ -n "$API_KEY" ]] || die "no API key"

log "starting the server on $BASE (SQLite in $WORK/data)"
(cd "$WORK" && exec "$BIN" serve --addr "$HOST:$PORT") >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  [[ "$(c -o /dev/null -w '%{http_code}' "$BASE/readyz" 2>/dev/null || true)" == 200 ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 20 "$WORK/server.log")"
  sleep 0.2
done
[[ "$(c -o /dev/null -w '%{http_code}' "$BASE/readyz")" == 200 ]] || die "the server is not ready after 30 s"

log "seeding: deployment, $DEVICES devices (CSV import), portal settings"
DEPLOYMENT_ID=$(api -X POST "$BASE/api/v1/deployments" \
  -d '{"name":"Bench Plant","address":"Benchstraße 1, Berlin","timezone":"Europe/Berlin","language":"en"}' | jq -r .id)
[[ "$DEPLOYMENT_ID" != null && -n "$DEPLOYMENT_ID" ]] || die "could not create the deployment"
{
  echo "name,serial_number,manufacturer,model,tags,notes"
  for i in $(seq 1 "$DEVICES"); do
    printf 'Coffee machine %04d,SN-%06d,Acme,Barista 3000,"bench, floor-%d",Kitchen %d\n' "$i" "$i" $((i % 12)) $((i % 40))
  done
} >"$WORK/devices.csv"
tagdesk devices import "$WORK/devices.csv" --deployment "Bench Plant" --workspace Bench >/dev/null 2>>"$WORK/cli.log"

jq -n --arg pin "$PIN" '{
  enabled: true, pin: $pin, show_open_cases: true, open_case_window_days: 30,
  welcome_message: "Welcome to the **Bench Plant** service portal.\n\nReport a problem with this machine below.",
  instructions: "1. Describe what happens.\n2. Add a photo if it helps.\n3. Leave a way to reach you.",
  contact_details: "Facility team: [service@example.com](mailto:service@example.com), phone +49 30 1234 567",
  template_ids: [], allow_free_description: true, contact_rule: "name_and_email_or_phone",
  language: "en", photos_allowed: true, max_photos: 3, max_photo_size_mb: 10 }' >"$WORK/portal.json"
status=$(api -o "$WORK/portal-put.json" -w '%{http_code}' -X PUT "$BASE/api/v1/deployments/$DEPLOYMENT_ID/portal" \
  -d @"$WORK/portal.json")
[[ "$status" == 200 ]] || die "enabling the portal failed ($status): $(cat "$WORK/portal-put.json")"

# Every device's token, from the API's portal_url (paginated).
: >"$WORK/tokens.txt"
cursor=""
for _ in $(seq 1 $((DEVICES / 200 + 2))); do
  query="deployment_id=$DEPLOYMENT_ID&limit=200"
  [[ -n "$cursor" ]] && query="$query&cursor=$cursor"
  api "$BASE/api/v1/devices?$query" >"$WORK/page.json"
  jq -r '.items[].portal_url // empty | sub(".*/d/"; "")' "$WORK/page.json" >>"$WORK/tokens.txt"
  cursor=$(jq -r '.next_cursor // empty' "$WORK/page.json")
  [[ -z "$cursor" ]] && break
done
TOKEN_COUNT=$(wc -l <"$WORK/tokens.txt")
[[ "$TOKEN_COUNT" == "$DEVICES" ]] || die "expected $DEVICES device tokens, got $TOKEN_COUNT"
TOKEN0=$(head -n 1 "$WORK/tokens.txt")
sed "s|^|$BASE/d/|" "$WORK/tokens.txt" >"$WORK/urls.txt"

# --- portal session ----------------------------------------------------------------------------------
log "opening a portal session: PIN page (double-submit CSRF cookie) -> POST the PIN"
JAR="$WORK/cookies.txt"
hidden() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -n 1 | sed 's/.*value="//; s/"$//'; }
PIN_CSRF=$(c -c "$JAR" -b "$JAR" "$BASE/d/$TOKEN0" | hidden _csrf)
[[ -n "$PIN_CSRF" ]] || die "the PIN page has no _csrf field"
status=$(c -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' \
  --data-urlencode "pin=$PIN" --data-urlencode "_csrf=$PIN_CSRF" "$BASE/d/$TOKEN0/pin")
[[ "$status" == 303 ]] || die "the PIN was not accepted (HTTP $status)"
SESSION=$(awk '$6 == "tagdesk_portal" { print $7 }' "$JAR")
[[ -n "$SESSION" ]] || die "no tagdesk_portal cookie after the PIN"
COOKIE="tagdesk_portal=$SESSION"

# The device page (not the PIN page) for a sample of devices; its size.
for token in $(awk 'NR % 97 == 1' "$WORK/tokens.txt"); do
  c -H "Cookie: $COOKIE" -o "$WORK/device.html" -w '%{http_code}' "$BASE/d/$token" >"$WORK/status"
  [[ "$(cat "$WORK/status")" == 200 ]] || die "device page $token: HTTP $(cat "$WORK/status")"
  grep -q "/d/$token/report" "$WORK/device.html" || die "device page $token is not the device page"
  ! grep -q 'name="pin"' "$WORK/device.html" || die "device page $token shows the PIN form: no session"
done
DEVICE_PAGE_BYTES=$(wc -c <"$WORK/device.html")
CSS_BYTES=$(c "$BASE/static/portal.css" | wc -c)

# The report form's token (bound to the session, the same for every device of the deployment).
FORM_CSRF=$(c -H "Cookie: $COOKIE" "$BASE/d/$TOKEN0/report?template=free" | hidden _csrf)
[[ -n "$FORM_CSRF" ]] || die "the report form has no _csrf field"
# One report by hand, as curl sends the form: must be accepted (303 to /done).
status=$(c -H "Cookie: $COOKIE" -H 'X-Forwarded-For: 198.19.255.254' -o /dev/null -w '%{http_code} %{redirect_url}' \
  -F "_csrf=$FORM_CSRF" -F template=free -F "idempotency_key=bench-probe-$$" \
  -F 'description=Probe report before the load run.' -F 'reporter_name=Bench Probe' \
  -F reporter_email=probe@example.com -F 'photos=@/dev/null;filename=' "$BASE/d/$TOKEN0/report")
[[ "$status" == "303 $BASE/d/$TOKEN0/done" ]] || die "the probe report was not accepted: $status"

# --- measuring ---------------------------------------------------------------------------------------
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
# Context switches of all the server's threads (voluntary + involuntary): a thread hand-off costs two.
switches() { cat /proc/"$SERVER_PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }
export BENCH_LIB="$BENCH/lib" BENCH_TOKENS="$WORK/tokens.txt" BENCH_COOKIE="$COOKIE" BENCH_CSRF="$FORM_CSRF"

# run_wrk NAME LABEL SCRIPT URL: one wrk run; appends a result object to $RESULTS.
run_wrk() {
  local name=$1 label=$2 script=$3 url=$4 before after sw_before sw_after
  log "$label: wrk -t$THREADS -c$CONNS -d${DURATION}s"
  before=$(cpu_ticks) sw_before=$(switches)
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$BENCH/lib/$script" "$url" >"$OUT/$name.txt"
  after=$(cpu_ticks) sw_after=$(switches)
  grep '^BENCH ' "$OUT/$name.txt" | sed 's/^BENCH //' | jq -c --arg name "$name" --arg scenario "$label" \
    --argjson cpu "$(((after - before)))" --argjson tck "$CLK_TCK" --argjson sw "$((sw_after - sw_before))" '
    (.duration_us / 1e6) as $s | {
      name: $name, scenario: $scenario, tool: "wrk", requests, seconds: $s,
      rps: (.requests / $s), p50_ms: (.latency_us.p50 / 1000), p90_ms: (.latency_us.p90 / 1000),
      p99_ms: (.latency_us.p99 / 1000), max_ms: (.latency_us.max / 1000),
      bytes_per_req: (if .requests > 0 then .bytes / .requests else 0 end),
      errors: ([.errors.connect, .errors.read, .errors.write, .errors.timeout] | add),
      non_2xx_3xx: .errors.status,
      statuses, server_cpu: ($cpu / $tck / $s),
      cpu_us_per_req: (if .requests > 0 then $cpu / $tck * 1e6 / .requests else 0 end),
      switches_per_req: (if .requests > 0 then $sw / .requests else 0 end) }' >>"$RESULTS"
}

warm() { # warm up without recording
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 5s -s "$BENCH/lib/$1" "$2" >/dev/null
}

# Other processes on the machine distort every figure. BENCH_WAIT_QUIET=N waits up to N seconds for the
# 1-minute load average to fall below 0.5 (the seeded server idles meanwhile); a warning either way.
quiet() { awk '{ exit !($1 < 0.5) }' /proc/loadavg; }
if [[ "${BENCH_WAIT_QUIET:-0}" =~ ^[0-9]+$ ]] && ((${BENCH_WAIT_QUIET:-0} > 0)) && ! quiet; then
  log "waiting up to ${BENCH_WAIT_QUIET} s for a quiet machine (load average $(cut -d' ' -f1 /proc/loadavg))"
  deadline=$((SECONDS + BENCH_WAIT_QUIET))
  while ((SECONDS < deadline)) && ! quiet; do sleep 5; done
fi
quiet || log "warning: load average $(cut -d' ' -f1-3 /proc/loadavg) before measuring: other processes compete for the CPU, figures will be noisy"
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
BASELINE_RSS_KB=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")

# run_oha NAME LABEL RATE: the device page at a fixed rate (oha -q, latency corrected for coordinated
# omission), rotating over the device URLs.
run_oha() {
  local name=$1 label=$2 rate=$3 before after sw_before sw_after
  log "$label: oha -q $rate -c $CONNS -z ${DURATION}s --latency-correction"
  before=$(cpu_ticks) sw_before=$(switches)
  "$OHA" -z "${DURATION}s" -w -c "$CONNS" -q "$rate" --latency-correction --urls-from-file "$WORK/urls.txt" \
    -H "Cookie: $COOKIE" --no-tui --output-format json -o "$OUT/$name.json" >/dev/null
  after=$(cpu_ticks) sw_after=$(switches)
  jq -c --arg name "$name" --arg scenario "$label" --argjson cpu "$((after - before))" --argjson tck "$CLK_TCK" \
    --argjson sw "$((sw_after - sw_before))" '
    (.summary.total) as $s | ([.statusCodeDistribution[]] | add // 0) as $n | {
      name: $name, scenario: $scenario, tool: "oha", requests: $n, seconds: $s, rps: .summary.requestsPerSec,
      p50_ms: (.latencyPercentiles.p50 * 1000), p90_ms: (.latencyPercentiles.p90 * 1000),
      p99_ms: (.latencyPercentiles.p99 * 1000), max_ms: (.summary.slowest * 1000),
      bytes_per_req: (.summary.sizePerRequest // 0), non_2xx_3xx: 0,
      errors: ([.errorDistribution[]?] | add // 0), statuses: .statusCodeDistribution,
      server_cpu: ($cpu / $tck / $s), cpu_us_per_req: (if $n > 0 then $cpu / $tck * 1e6 / $n else 0 end),
      switches_per_req: (if $n > 0 then $sw / $n else 0 end) }' \
    "$OUT/$name.json" >>"$RESULTS"
}

median() { jq -s 'sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end'; }
values() { jq -r --arg prefix "$1" "select(.name | startswith(\$prefix)) | $2" "$RESULTS"; }

# 1 + 2: static ceiling and device page, interleaved rounds (a burst of noise from other processes on
# this shared machine then hits one round, and the medians and per-round ratios show it).
if ((WARMUP > 0)); then
  warm static.lua "$BASE/static/portal.css"
  warm device.lua "$BASE/"
fi
for round in $(seq 1 "$ROUNDS"); do
  run_wrk "static-$round" "static /static/portal.css (round $round)" static.lua "$BASE/static/portal.css"
  if [[ "${BENCH_PROFILE:-0}" == 1 && $round == 1 ]]; then
    # A flat CPU profile of the server during the first device-page run (perf, Debian's linux-perf).
    perf record -q -F 999 -p "$SERVER_PID" -o "$OUT/perf-device.data" -- sleep "$DURATION" 2>/dev/null &
    PERF_PID=$!
  fi
  run_wrk "device-$round" "device page, max rate (round $round)" device.lua "$BASE/"
  if [[ -n "${PERF_PID:-}" ]]; then
    wait "$PERF_PID" || true
    PERF_PID=""
    perf report -i "$OUT/perf-device.data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^#' | grep . |
      head -n 12 >"$OUT/perf-device-threads.txt" || true
    perf report -i "$OUT/perf-device.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' |
      grep . | head -n 60 >"$OUT/perf-device-symbols.txt" || true
    log "profile: $OUT/perf-device-threads.txt, $OUT/perf-device-symbols.txt (the profiled round runs slower)"
  fi
done
STATIC_RPS=$(values static- .rps | median)
DEVICE_RPS=$(values device- .rps | median)

# 3: the device page at half the median maximum rate.
HALF_RATE=$(jq -n --argjson r "$DEVICE_RPS" '[($r / 2 | floor), 1] | max')
for round in $(seq 1 "$ROUNDS"); do
  run_oha "half-$round" "device page at $HALF_RATE/s = half max (round $round)" "$HALF_RATE"
done
HALF_P99=$(values half- .p99_ms | median)
HALF_P99_WORST=$(values half- .p99_ms | jq -s max)

# Where the device page's time goes: the same server path with less work (one round each).
if [[ "${BENCH_BREAKDOWN:-1}" == 1 ]]; then
  [[ "$(c -o /dev/null -w '%{http_code}' "$BASE/d/0000000000000")" == 404 ]] || die "/d/0000000000000 is not a 404"
  run_wrk "x-healthz" "breakdown: GET /healthz (no DB, no template)" static.lua "$BASE/healthz"
  run_wrk "x-malformed" "breakdown: 404 for a malformed token (template, no DB)" static.lua "$BASE/d/not-a-token"
  run_wrk "x-unknown" "breakdown: 404 for an unknown token (answer cached; 2 queries on a miss)" static.lua "$BASE/d/0000000000000"
  BENCH_COOKIE="" run_wrk "x-pin" "breakdown: PIN page, no session (label cached; 3 queries on a miss)" device.lua "$BASE/"
fi

# 4 + 5: report submissions.
cases_before=$(api "$BASE/api/v1/deployments/$DEPLOYMENT_ID" | jq .open_case_count)
BENCH_RUN="s$STAMP" BENCH_CLIENTS=single \
  run_wrk report-one-client "report, one client (quota: 429 after 20)" report.lua "$BASE/"
BENCH_RUN="d$STAMP" BENCH_CLIENTS=distinct \
  run_wrk report-many-clients "report, a client per request (accepted)" report.lua "$BASE/"
cases_after=$(api "$BASE/api/v1/deployments/$DEPLOYMENT_ID" | jq .open_case_count)
accepted=$(values report .statuses[\"303\"] | jq -s 'map(. // 0) | add')

# 6: the device page once its devices list cases.
run_wrk device-after "device page after the reports (cases listed)" device.lua "$BASE/"

LOAD_AT_END=$(cut -d' ' -f1-3 /proc/loadavg)
PEAK_RSS_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")
FINAL_RSS_KB=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")

# --- report ------------------------------------------------------------------------------------------
RATIO=$(jq -n --argjson d "$DEVICE_RPS" --argjson s "$STATIC_RPS" '$d / $s * 100')
ROUND_RATIOS=$(for round in $(seq 1 "$ROUNDS"); do
  jq -s --arg r "$round" 'map(select(.name == "static-\($r)" or .name == "device-\($r)")) | "\(.[1].rps / .[0].rps * 100 | round) %"' "$RESULTS"
done | jq -rs 'join(", ")')
CPU_RATIO=$(jq -s '(map(select(.name | startswith("static-")) | .cpu_us_per_req) | add / length) as $s
  | (map(select(.name | startswith("device-")) | .cpu_us_per_req) | add / length) as $d | $s / $d * 100' "$RESULTS")
ratio_ok=$(jq -rn --argjson r "$RATIO" 'if $r >= 50 then "met" else "MISSED" end')
p99_ok=$(jq -rn --argjson p "$HALF_P99" 'if $p < 10 then "met" else "MISSED" end')
GIT_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=$(cd "$ROOT" && [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] && echo " (uncommitted changes)" || true)

{
  echo "# Portal benchmark $STAMP"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem/ { print $2 }') GiB, Linux $(uname -r); load average (1/5/15 min) $LOAD_AT_START at the start of measuring, $LOAD_AT_END at the end"
  echo "- build: release, git $GIT_REV$GIT_DIRTY; SQLite, fresh data directory; 1 deployment, $DEVICES devices, portal on"
  echo "- load: $CONNS connections, $THREADS wrk threads, ${DURATION} s per run, $ROUNDS interleaved rounds of 1-2 and $ROUNDS of 3 (${WARMUP} s warm-up); load generator and server share the machine"
  echo "- tools: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), oha $("$OHA" --version | awk '{ print $2 }')"
  echo
  echo "| scenario | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | bytes/resp | statuses | server CPU (cores) | server CPU µs/req | context switches/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
  jq -r 'def r2: . * 100 | round / 100;
    def statuses: [(.statuses // {} | to_entries[] | "\(.key): \(.value)"),
      (if (.non_2xx_3xx // 0) > 0 and (.statuses // {} | length) == 0 then "non-2xx/3xx: \(.non_2xx_3xx)" else empty end),
      (if .errors > 0 then "socket errors: \(.errors)" else empty end)] | if length > 0 then join(", ") else "-" end;
    "| \(.scenario) | \(.requests) | \(.rps | floor) | \(.p50_ms | r2) | \(.p90_ms | r2) | \(.p99_ms | r2) | \(.max_ms * 10 | round / 10) | \(.bytes_per_req | round) | \(statuses) | \(.server_cpu | r2) | \(.cpu_us_per_req | round) | \(.switches_per_req * 10 | round / 10) |"' "$RESULTS"
  echo
  echo "bytes/resp: wrk counts headers and body, oha the body only. Server CPU: user + system time of the server process during the run (/proc/<pid>/stat), per second and per request. Context switches: all server threads (/proc/<pid>/task/*/status)."
  echo
  echo "- device page: $DEVICE_PAGE_BYTES bytes of HTML (+ $CSS_BYTES bytes of CSS, cached 1 h); device tokens rotate over all $DEVICES devices"
  echo "- reports accepted (303) during the runs: $accepted; open cases $cases_before -> $cases_after (before: the probe report; the rise can exceed the 303s counted by the few requests in flight when wrk stops, which it does not count)"
  echo "- server RSS: $((BASELINE_RSS_KB / 1024)) MiB after seeding, $((FINAL_RSS_KB / 1024)) MiB at the end, **peak (VmHWM) $((PEAK_RSS_KB / 1024)) MiB**"
  printf -- '- medians: static %.0f req/s, device page %.0f req/s; per-round ratios: %s\n' "$STATIC_RPS" "$DEVICE_RPS" "$ROUND_RATIOS"
  printf -- '- server CPU per request, static ÷ device page: %.1f %% (the same ratio measured in CPU time instead of throughput)\n' "$CPU_RATIO"
  echo
  printf -- '- **device page ÷ static ceiling: %.1f %%** (median rates; target ≥ 50 %%: %s)\n' "$RATIO" "$ratio_ok"
  printf -- '- **p99 of the device page at half the maximum rate (%s/s): %.2f ms** (median of %s rounds, worst %.2f ms; target < 10 ms: %s)\n' "$HALF_RATE" "$HALF_P99" "$ROUNDS" "$HALF_P99_WORST" "$p99_ok"
} >"$OUT/portal-$STAMP.md"
cp "$OUT/portal-$STAMP.md" "$OUT/latest.md"
cp "$RESULTS" "$OUT/portal-$STAMP.jsonl"
echo
cat "$OUT/portal-$STAMP.md"
echo
log "written to $OUT/portal-$STAMP.md (raw: .jsonl and the tools' outputs in $OUT)"
