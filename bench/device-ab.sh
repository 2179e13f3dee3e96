#!/usr/bin/env bash
# Side-by-side comparison of the device page for two release binaries (e.g. before and after a change) on
# one shared machine, where separate bench/portal.sh runs minutes apart see different background load:
# both servers run at once on copies of the same seeded data, and short wrk rounds alternate between them
# (A B, B A, …), so a burst of noise hits both alike. Only 127.0.0.1 is contacted; every run ends by itself.
#
#   BENCH_KEEP=1 bench/portal.sh            # once: seeds and keeps a data directory (path in its last line)
#   bench/device-ab.sh BIN_A BIN_B KEPT_DIR # e.g. /tmp/base/tagdesk target/release/tagdesk /tmp/tagdesk-bench.XXXX
#
# Knobs: AB_ROUNDS (default 12), AB_DURATION (s per run, default 8), BENCH_USER_AGENT (sent on the device
# requests, e.g. a phone's). Prints one JSON line per run, then the medians per binary: static and device
# page req/s, server CPU µs per request, and the device page's B ÷ A.

set -euo pipefail
[[ $# == 3 ]] || { echo "usage: $0 BIN_A BIN_B KEPT_BENCH_DIR" >&2; exit 2; }
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${AB_ROUNDS:-12}
DURATION=${AB_DURATION:-8}
[[ "$ROUNDS" =~ ^[0-9]+$ && "$DURATION" =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 50 && DURATION >= 1 && DURATION <= 60)) ||
  { echo "AB_ROUNDS 1-50, AB_DURATION 1-60" >&2; exit 2; }
for tool in wrk jq curl; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }; done
[[ -f "$3/tokens.txt" && -f "$3/cookies.txt" && -d "$3/data" ]] || { echo "$3 is not a kept bench directory" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tagdesk-ab.XXXXXX)
declare -A BIN=([A]=$1 [B]=$2) PORT=([A]=18701 [B]=18702) PID=()
cleanup() {
  for k in A B; do [[ -n "${PID[$k]:-}" ]] && kill -TERM "${PID[$k]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
unset TAGDESK_DATABASE_URL TAGDESK_CONFIG TAGDESK_ADDR TAGDESK_SECRET_KEY TAGDESK_LOG RUST_LOG
COOKIE="tagdesk_portal=$(awk '$6 == "tagdesk_portal" { print $7 }' "$3/cookies.txt")"
for k in A B; do
  cp -a "$3/data" "$WORK/data-$k"
  (cd "$WORK" && TAGDESK_DATA_DIR="$WORK/data-$k" TAGDESK_PUBLIC_URL="http://127.0.0.1:${PORT[$k]}" \
    TAGDESK_TRUST_PROXY_HEADERS=true exec "${BIN[$k]}" serve --addr "127.0.0.1:${PORT[$k]}") >"$WORK/server-$k.log" 2>&1 &
  PID[$k]=$!
done
for k in A B; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:${PORT[$k]}/healthz" >/dev/null && break; sleep 0.1; done
done
TCK=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run() { # run KEY SCRIPT PATH SECONDS
  local before after
  before=$(ticks "${PID[$1]}")
  BENCH_LIB=$BENCH/lib BENCH_TOKENS="$3/tokens.txt" BENCH_COOKIE="$COOKIE" \
    wrk -t2 -c4 -d"$5s" --timeout 5s -s "$BENCH/lib/$2" "http://127.0.0.1:${PORT[$1]}$4" | grep '^BENCH ' | sed 's/^BENCH //' >"$WORK/out"
  after=$(ticks "${PID[$1]}")
  jq -c --arg k "$1" --arg s "${2%.lua}" --argjson cpu $((after - before)) --argjson tck "$TCK" \
    '{k: $k, s: $s, rps: (.requests / (.duration_us / 1e6) | floor), cpu_us: ($cpu / $tck * 1e6 / .requests * 10 | round / 10), p99_ms: (.latency_us.p99 / 1000)}' "$WORK/out"
}
set -- "$3"
for k in A B; do run "$k" static.lua "$1" /static/portal.css 2 >/dev/null; run "$k" device.lua "$1" / 2 >/dev/null; done
: >"$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then order="A B"; else order="B A"; fi
  for k in $order; do
    run "$k" static.lua "$1" /static/portal.css "$DURATION" | tee -a "$WORK/results"
    run "$k" device.lua "$1" / "$DURATION" | tee -a "$WORK/results"
  done
done
jq -s '
  def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  (group_by(.k + " " + .s) | map({(.[0].k + " " + .[0].s): {rps: (map(.rps) | med | floor), cpu_us: (map(.cpu_us) | med * 10 | round / 10)}}) | add) as $m
  | $m + {"device B / A": ($m["B device"].rps / $m["A device"].rps * 1000 | round / 10 | tostring + " %")}' "$WORK/results"
