#!/usr/bin/env bash
# Load benchmark (issue 7): the machine's limits and Xieshang at 64 connections on a
# generated city, in one run on one machine, with wrk (Debian's package) as the load
# generator. Prints throughput, p50/p99 latency, peak RSS and the ratios
#   intake ÷ raw durable insert   and   status page ÷ raw point-read handler.
#
#   scripts/load-bench.sh sqlite   DATA_DIR       # a directory filled by `xieshang datagen`
#   scripts/load-bench.sh postgres DATABASE_URL   # a database filled by `xieshang datagen`
#
# Fill one first, e.g. `target/release/xieshang --data-dir /tmp/city datagen`.
# Intake adds concerns to that database. Options (environment): SECONDS_PER_RUN
# (default 20), CONNECTIONS (default 64), THREADS (wrk threads, default 2),
# XIESHANG_BIN (a binary to measure instead of building this checkout's, for
# before/after runs).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:?sqlite or postgres}"
target="${2:?data directory or database URL}"
secs="${SECONDS_PER_RUN:-20}"
conns="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
if [ -n "${XIESHANG_BIN:-}" ]; then
  bin="$XIESHANG_BIN"
else
  cargo build -q --release -p xieshang
  bin=target/release/xieshang
fi
work="$(mktemp -d)"
# Below the kernel's ephemeral range (32768 and up here), so that no outgoing
# connection (the server's own to PostgreSQL, made before it listens) can hold
# the port a restarted server must bind.
port=$((20000 + RANDOM % 12000))
raw_port=$((port + 1))
base="http://127.0.0.1:$port"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$backend" = sqlite ]; then
  db_args=(--data-dir "$target")
  raw_url="sqlite://$work/raw.db"
else
  db_args=(--database-url "$target")
  raw_url="${target%/*}/xs_raw_$$"
  psql "${target%/*}/postgres" -qc "CREATE DATABASE xs_raw_$$" >/dev/null
  trap 'cleanup; psql "${target%/*}/postgres" -qc "DROP DATABASE IF EXISTS xs_raw_$$ WITH (FORCE)" >/dev/null || true' EXIT
fi

wait_ready() {
  for _ in $(seq 1 "${2:-600}"); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not ready: $1"; exit 1
}

peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "n/a (server gone)"; }

# wrk with --latency; prints "label  req/s  p50  p99".
results=()
run() {
  local label="$1" url="$2" script="${3:-}"
  local out
  if [ -n "$script" ]; then
    out="$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$script" "$url")"
  else
    out="$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$url")"
  fi
  local rps p50 p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")"
  printf '%-44s %10s req/s   p50 %9s   p99 %9s   non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${errors:-0}"
  results+=("$label=$rps")
}

rate_of() { for r in "${results[@]}"; do if [ "${r%%=*}" = "$1" ]; then echo "${r#*=}"; fi; done; }

echo "load benchmark: $backend, $conns connections, ${secs}s per run, wrk $threads threads, $(nproc) cores"

# --- The limits -----------------------------------------------------------------
clients=1
[ "$backend" = postgres ] && clients=64
insert_line="$("$bin" --log warn bench-raw-insert --url "$raw_url" --seconds "$secs" --clients "$clients")"
echo "$insert_line"
raw_insert="$(sed -E 's/.*= ([0-9]+) rows\/s.*/\1/' <<<"$insert_line")"

# The status page's size, to render a raw page of the same size.
"$bin" --log warn "${db_args[@]}" bench-sample --codes 20000 >"$work/sample.txt"
area="$(awk 'NR == 1 {print $2}' "$work/sample.txt")"
tail -n +2 "$work/sample.txt" >"$work/codes.txt"
XIESHANG_LOG=warn "$bin" "${db_args[@]}" --listen "127.0.0.1:$port" serve >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
wait_ready "$base/readyz"
page_bytes="$(curl -s "$base/track?code=$(head -1 "$work/codes.txt")" | wc -c)"

"$bin" --log warn bench-raw-serve --url "$raw_url" --addr "127.0.0.1:$raw_port" --rows 1000000 --page-bytes "$page_bytes" >"$work/raw.log" 2>&1 &
raw=$!
pids+=("$raw")
# The first run fills its table with a million rows: allow it ten minutes.
wait_ready "http://127.0.0.1:$raw_port/r/1" 6000
cat >"$work/raw.lua" <<'EOF'
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/r/" .. math.random(1, 1000000))
end
EOF
run "raw point-read page (${page_bytes} B)" "http://127.0.0.1:$raw_port" "$work/raw.lua"
kill "$raw"; wait "$raw" 2>/dev/null || true

# --- Xieshang ---------------------------------------------------------------------
cat >"$work/status.lua" <<EOF
math.randomseed(os.time())
codes = {}
for line in io.lines("$work/codes.txt") do codes[#codes + 1] = line end
request = function()
  return wrk.format("GET", "/track?code=" .. codes[math.random(#codes)])
end
EOF
run "status page /track (${page_bytes} B)" "$base" "$work/status.lua"

cat >"$work/intake.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"category":"road","area":"$area","title":"路灯不亮","description":"晚上路灯不亮，行人看不清路，请尽快维修。","address":"人民路12号"}'
EOF
run "intake POST /api/v1/concerns" "$base/api/v1/concerns" "$work/intake.lua"

# The intake run leaves the worker a backlog of notifications. It is drained
# before the next runs, which would otherwise measure the pages while sharing
# the two cores with the worker (and the time it takes is a figure of its own).
jobs_due() { curl -s "$base/metrics" | awk '$1 == "xieshang_jobs_due" {print $2}'; }
backlog="$(jobs_due)"
if [ -z "$backlog" ]; then
  echo "worker backlog after intake: n/a (this build has no xieshang_jobs_due metric; not waited for)"
else
  drain_start="$(date +%s.%N)"
  left="$backlog"
  for _ in $(seq 1 3000); do
    [ "$left" = 0 ] && break
    sleep 0.2
    left="$(jobs_due)"
  done
  echo "worker backlog after intake: $backlog jobs, $left left after $(awk -v a="$drain_start" \
    -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
fi

# A district's staff, logged in once; prints the session cookie's value.
login() {
  local jar="$work/jar-$1" token session
  token="$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)"
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$token" \
    --data-urlencode "username=staff-$1" --data-urlencode "password=xieshang-demo" "$base/login"
  session="$(awk '$6 == "xs_session" {print $7}' "$jar")"
  [ -n "$session" ] || { echo "staff login failed: staff-$1" >&2; exit 1; }
  echo "$session"
}
# Two queues: a district the intake run did not touch (the first district that
# is not the intake's), and the intake's own district, whose one grid now holds
# the run's whole backlog of new concerns.
curl -s "$base/api/v1/areas" >"$work/areas.json"
cat >"$work/districts.py" <<'EOF'
import json, sys
areas = {a["code"]: a for a in json.load(open(sys.argv[1]))}
def district_of(code):
    # Walk up to the district (which the list may leave out).
    while code in areas and areas[code]["kind"] != "district":
        code = areas[code]["parent"]
    return code
flooded = district_of(sys.argv[2])
districts = []
for a in areas.values():
    d = district_of(a["code"])
    if d not in districts:
        districts.append(d)
quiet = next(d for d in districts if d != flooded)
print(quiet, flooded)
EOF
read -r district flooded < <(python3 "$work/districts.py" "$work/areas.json" "$area")
session="$(login "$district")"
cat >"$work/staff.lua" <<EOF
wrk.headers["Cookie"] = "xs_session=$session"
EOF
run "staff queue /concerns (staff-$district)" "$base/concerns?state=submitted" "$work/staff.lua"
flooded_session="$(login "$flooded")"
cat >"$work/flooded.lua" <<EOF
wrk.headers["Cookie"] = "xs_session=$flooded_session"
EOF
run "staff queue /concerns (staff-$flooded, holds the intake)" "$base/concerns?state=submitted" "$work/flooded.lua"
# The dashboard's figures are computed once per scope and minute; the first
# computation after the server starts is timed on its own, then the steady state.
first="$(curl -s -o /dev/null -w '%{time_total}' -b "xs_session=$session" "$base/stats/concerns")"
echo "dashboard first computation (cold, one request): ${first} s"
run "dashboard /stats/concerns (staff-$district)" "$base/stats/concerns" "$work/staff.lua"

rss="$(peak_rss_mb "$server")"
kill "$server"; wait "$server" 2>/dev/null || true

intake="$(rate_of "intake POST /api/v1/concerns")"
status="$(rate_of "status page /track (${page_bytes} B)")"
rawread="$(rate_of "raw point-read page (${page_bytes} B)")"
echo "peak RSS of the Xieshang server: ${rss} MB"
python3 - "$intake" "$raw_insert" "$status" "$rawread" <<'EOF'
import sys
intake, raw_insert, status, raw_read = map(float, sys.argv[1:])
print(f"ratio intake / raw durable insert:        {intake / raw_insert:.2f}  ({intake:.0f} / {raw_insert:.0f})")
print(f"ratio status page / raw point-read page:  {status / raw_read:.2f}  ({status:.0f} / {raw_read:.0f})")
EOF
