#!/usr/bin/env bash
# Load benchmark (issue 7): the machine's limits and Xieshang at 64 connections on
# generated cities, in one run on one machine, with wrk (Debian's package) as the
# load generator. Prints throughput, p50/p99 latency, peak RSS and the ratios
#   intake ÷ raw durable insert   and   status page ÷ raw point-read handler.
#
#   scripts/load-bench.sh all      DATA_DIR DATABASE_URL  # the limits, then Xieshang on SQLite and on PostgreSQL
#   scripts/load-bench.sh sqlite   DATA_DIR               # the limits, then Xieshang on SQLite
#   scripts/load-bench.sh postgres DATABASE_URL           # the limits, then Xieshang on PostgreSQL
#
# DATA_DIR is a directory and DATABASE_URL a database filled by `xieshang
# bench datagen`, e.g. `target/release/xieshang --data-dir /tmp/city bench datagen`.
# Intake adds concerns to them.
#
# The limits are the issue's: durable single-row inserts of a ~500-byte row into
# SQLite with the product's pragmas (one client, one transaction per row,
# through SQLite's own interface by rusqlite since 2026-12-04: through the
# product's async driver the limit measured less than half of what SQLite and
# the disk allow, and flattered intake's ratio; BENCHMARKS.md), and a
# minimal axum handler reading one row by primary key from a 1,000,000-row
# SQLite table and rendering a page of the status page's size (on reader
# connections, as the status page reads; decision 0012), measured at the start
# and again at the end, the higher of the two being the limit. Whenever
# PostgreSQL is measured, the same two are also measured on PostgreSQL (inserts
# from 64 clients, just before Xieshang on PostgreSQL), and its ratios are
# printed against both: the SQLite limits (the machine's) and PostgreSQL's own.
#
# Options (environment): SECONDS_PER_RUN (default 20), CONNECTIONS (default 64),
# THREADS (wrk threads, default 2), XIESHANG_BIN (a binary to measure instead of
# building this checkout's, for before/after runs), ONLY (a regular expression:
# measure only the runs whose key matches, e.g. ONLY='^proposal_unit_'; the
# limits and ratios are then left out).
set -euo pipefail
# The server's rate limits would measure the limiter, not the server: every
# request here comes from one address.
export XIESHANG_RATE_LIMITS=false
cd "$(dirname "$0")/.."
# shellcheck source=lib/load.sh
. scripts/lib/load.sh
mode="${1:?all, sqlite or postgres}"
case "$mode" in
  all) sqlite_dir="${2:?data directory}"; pg_url="${3:?database URL}"; backends=(sqlite postgres) ;;
  sqlite) sqlite_dir="${2:?data directory}"; pg_url=""; backends=(sqlite) ;;
  postgres) sqlite_dir=""; pg_url="${2:?database URL}"; backends=(postgres) ;;
  *) echo "unknown mode $mode: all, sqlite or postgres"; exit 2 ;;
esac
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
# A city copied just before the run (as BENCHMARKS.md's runs do, a fresh copy
# each time) is still being written back by the kernel for a while, and that
# writeback lands in the first measurements' own flushes: SQLite intake alone
# on a 1.8 GB copy started at once measured p99 493 and 530 ms, after a `sync`
# 75 and 134 ms. So everything is on disk before the first measurement.
sync
work="$(mktemp -d)"
# Below the kernel's ephemeral range (32768 and up here), so that no outgoing
# connection (the server's own to PostgreSQL, made before it listens) can hold
# the port a restarted server must bind.
port=$((20000 + RANDOM % 12000))
raw_port=$((port + 1))
base="http://127.0.0.1:$port"
raw_pg_db="xs_raw_$$"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "$pg_url" ]; then
    psql "${pg_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $raw_pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

wait_ready() {
  for _ in $(seq 1 "${2:-600}"); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not ready: $1"; exit 1
}

peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "n/a (server gone)"; }

# Results as "key=value" lines in a file, read back by value_of.
results="$work/results"
: >"$results"
record() { echo "$1=$2" >>"$results"; }
value_of() { awk -F= -v k="$1" '$1 == k {v = $2} END {print v}' "$results"; }

# wrk with --latency; prints "label  req/s  p50  p99" and records the rate under key.
run() {
  local key="$1" label="$2" url="$3" script="${4:-}"
  if [ -n "${ONLY:-}" ] && ! [[ "$key" =~ $ONLY ]]; then return 0; fi
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
  printf '%-52s %10s req/s   p50 %9s   p99 %9s   non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${errors:-0}"
  record "$key" "$rps"
}

# Sets db_args to the arguments that point Xieshang at a backend's city.
set_db_args() {
  if [ "$1" = sqlite ]; then db_args=(--data-dir "$sqlite_dir"); else db_args=(--database-url "$pg_url"); fi
}

# Starts Xieshang on a backend's city; sets `server`.
start_server() {
  set_db_args "$1"
  XIESHANG_LOG=warn "$bin" "${db_args[@]}" --listen "127.0.0.1:$port" serve >"$work/server-$1.log" 2>&1 &
  server=$!
  pids+=("$server")
  wait_ready "$base/readyz"
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; }

echo "load benchmark: ${backends[*]}, $conns connections, ${secs}s per run, wrk $threads threads, $(nproc) cores"

# The status page's size, to render raw pages of the same size, and codes and an
# area of each city for the load generator.
for b in "${backends[@]}"; do
  set_db_args "$b"
  "$bin" --log warn "${db_args[@]}" bench sample --codes 20000 >"$work/sample-$b.txt"
  awk 'NR == 1 {print $2}' "$work/sample-$b.txt" >"$work/area-$b.txt"
  tail -n +2 "$work/sample-$b.txt" >"$work/codes-$b.txt"
done
first="${backends[0]}"
start_server "$first"
page_bytes="$(curl -s "$base/track?code=$(head -1 "$work/codes-$first.txt")" | wc -c)"
stop_server

# --- The limits -----------------------------------------------------------------
cat >"$work/raw.lua" <<'EOF'
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/r/" .. math.random(1, 1000000))
end
EOF
# raw_read KIND URL KEY LABEL: the minimal handler on the table at URL (filled
# to a million rows first, if it holds fewer), its rate recorded under KEY.
raw_read() {
  local kind="$1" url="$2" key="$3" label="$4" raw
  "$bin" --log warn bench raw-serve --url "$url" --addr "127.0.0.1:$raw_port" --rows 1000000 \
    --page-bytes "$page_bytes" >"$work/raw-$kind.log" 2>&1 &
  raw=$!
  pids+=("$raw")
  # The first request waits for the table's million rows: allow ten minutes.
  wait_ready "http://127.0.0.1:$raw_port/r/1" 6000
  if [ "$kind" = postgres ]; then
    # Vacuumed and flushed now, so that neither autovacuum nor a checkpoint of
    # the fill runs during the measurements.
    psql "$url" -qc "VACUUM ANALYZE" -c CHECKPOINT
  fi
  run "$key" "$label" "http://127.0.0.1:$raw_port" "$work/raw.lua"
  kill "$raw"; wait "$raw" 2>/dev/null || true
}
# limits KIND URL CLIENTS
limits() {
  local kind="$1" url="$2" clients="$3" line
  line="$("$bin" --log warn bench raw-insert --url "$url" --seconds "$secs" --clients "$clients")"
  echo "$line"
  record "raw_insert_$kind" "$(sed -E 's/.*= ([0-9]+) rows\/s.*/\1/' <<<"$line")"
  raw_read "$kind" "$url" "raw_read_$kind" "raw point-read page, $kind (${page_bytes} B)"
}
[ -n "${ONLY:-}" ] || limits sqlite "sqlite://$work/raw.db" 1

# --- Xieshang ---------------------------------------------------------------------
# A district's staff, logged in once; prints the session cookie's value.
login() { staff_session "$base" "staff-$1" "$work/jar-$1"; }
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
# and an area of the quiet district with no area below it, to submit to
leaves = set(areas) - {a["parent"] for a in areas.values()}
print(quiet, flooded, next(c for c in sorted(leaves) if district_of(c) == quiet))
EOF
jobs_due() { curl -s "$base/metrics" | awk '$1 == "xieshang_jobs_due" {print $2}'; }

xieshang() {
  local b="$1" area
  area="$(cat "$work/area-$b.txt")"
  echo "--- Xieshang on $b"
  start_server "$b"
  status_lua "$work/codes-$b.txt" "$work/status-$b.lua"
  run "status_$b" "status page /track" "$base" "$work/status-$b.lua"

  cat >"$work/intake-$b.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"category":"road","area":"$area","title":"路灯不亮","description":"晚上路灯不亮，行人看不清路，请尽快维修。","address":"人民路12号"}'
EOF
  run "intake_$b" "intake POST /api/v1/concerns" "$base/api/v1/concerns" "$work/intake-$b.lua"

  # The intake run leaves the worker a backlog of notifications. It is drained
  # before the next runs, which would otherwise measure the pages while sharing
  # the two cores with the worker (and the time it takes is a figure of its own).
  local backlog left drain_start
  backlog="$(jobs_due)"
  drain_start="$(date +%s.%N)"
  left="$backlog"
  for _ in $(seq 1 3000); do
    [ "$left" = 0 ] && break
    sleep 0.2
    left="$(jobs_due)"
  done
  echo "worker backlog after intake: $backlog jobs, $left left after $(awk -v a="$drain_start" \
    -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"

  # Two queues: a district the intake run did not touch (the first district that
  # is not the intake's), and the intake's own district, whose one grid now holds
  # the run's whole backlog of new concerns.
  curl -s "$base/api/v1/areas" >"$work/areas-$b.json"
  local district flooded quiet_area session flooded_session cold
  read -r district flooded quiet_area < <(python3 "$work/districts.py" "$work/areas-$b.json" "$area")
  session="$(login "$district")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$session\"" >"$work/staff-$b.lua"
  run "queue_$b" "staff queue /concerns (staff-$district)" "$base/concerns?state=submitted" "$work/staff-$b.lua"
  flooded_session="$(login "$flooded")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$flooded_session\"" >"$work/flooded-$b.lua"
  run "flooded_$b" "staff queue /concerns (staff-$flooded, holds the intake)" "$base/concerns?state=submitted" "$work/flooded-$b.lua"
  # The dashboard's figures are computed once per scope and minute; the first
  # computation after the server starts is timed on its own, then the steady state.
  cold="$(curl -s -o /dev/null -w '%{time_total}' -b "xs_session=$session" "$base/stats/concerns")"
  echo "dashboard first computation (cold, one request): ${cold} s"
  # A city's figures change all day, so the first look after a change is the
  # common case: a submission to the same district, then the dashboard, 10 times.
  local after=()
  for _ in $(seq 1 10); do
    curl -sf -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"category\":\"road\",\"area\":\"$quiet_area\",\"title\":\"路灯不亮\",\"description\":\"晚上路灯不亮，行人看不清路，请尽快维修。\"}" \
      "$base/api/v1/concerns"
    after+=("$(curl -s -o /dev/null -w '%{time_total}' -b "xs_session=$session" "$base/stats/concerns")")
  done
  printf '%s\n' "${after[@]}" | sort -n | awk '{t[NR] = $1 * 1000} END {
    printf "dashboard after a submission to its district (10 times): median %.1f ms, max %.1f ms\n", (t[5] + t[6]) / 2, t[NR]}'
  run "dashboard_$b" "dashboard /stats/concerns (staff-$district)" "$base/stats/concerns" "$work/staff-$b.lua"
  # The role home (issue 26): a signed-in user's "/" counts what needs doing
  # (the staff's from the kept tallies, as the dashboard) and the menu's unread
  # notifications (in the session's own lookup); "/my" is one's own queue and
  # what one recorded.
  run "home_$b" "role home / (staff-$district)" "$base/" "$work/staff-$b.lua"
  run "home_flooded_$b" "role home / (staff-$flooded, holds the intake)" "$base/" "$work/flooded-$b.lua"
  run "my_$b" "own queue /my (staff-$district)" "$base/my" "$work/staff-$b.lua"
  # Consultations (issue 28): a district's outcome list (every agreed action of
  # its streets' consultations, the latest first), a street room's week (the
  # current one, with its bookings), and a member's coming meetings.
  run "outcomes_$b" "outcome list /outcomes (staff-$district)" "$base/outcomes" "$work/staff-$b.lua"
  local room member_session
  room="$(curl -s -b "xs_session=$session" "$base/rooms" | grep -o '/rooms/[0-9]*' | head -1)"
  run "room_$b" "room week $room (staff-$district)" "$base$room" "$work/staff-$b.lua"
  member_session="$(staff_session "$base" m00000 "$work/jar-member")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$member_session\"" >"$work/member-$b.lua"
  run "meetings_$b" "member's meetings /meetings (m00000)" "$base/meetings" "$work/member-$b.lua"
  run "meetings_ics_$b" "member's calendar feed /meetings.ics (m00000)" "$base/meetings.ics" "$work/member-$b.lua"
  # The rest of the consultation pages: the list, one consultation (the latest
  # of the list), the rooms, the body's settings and its public page.
  run "consultations_$b" "consultation list /consultations (staff-$district)" "$base/consultations" "$work/staff-$b.lua"
  local one unit
  one="$(curl -s -b "xs_session=$session" "$base/consultations" | grep -o '/consultations/[0-9][0-9]*' | head -1)"
  run "consultation_$b" "a consultation $one (staff-$district)" "$base$one" "$work/staff-$b.lua"
  run "rooms_$b" "rooms /rooms (staff-$district)" "$base/rooms" "$work/staff-$b.lua"
  run "consult_settings_$b" "settings /consultations/settings (staff-$district)" "$base/consultations/settings" "$work/staff-$b.lua"
  unit="$(curl -s -b "xs_session=$session" "$base/consultations/settings" | grep -o 'option value="[0-9]*"' | head -1 | grep -o '[0-9][0-9]*')"
  run "public_consult_$b" "public list /units/$unit/consultations" "$base/units/$unit/consultations"
  # The JSON API's lists of consultations and agreed actions (issue 28 point
  # 10), first page, with a district's key (made while the server runs: keys
  # are rows like any other).
  local api_key
  api_key="$("$bin" --log warn "${db_args[@]}" admin api-key create --org "$district" \
    --scopes consultations:read --name load-bench 2>/dev/null)"
  echo "wrk.headers[\"X-Api-Key\"] = \"$api_key\"" >"$work/key-$b.lua"
  run "api_consultations_$b" "API /api/v1/consultations (key of $district)" "$base/api/v1/consultations" "$work/key-$b.lua"
  run "api_actions_$b" "API /api/v1/agreed-actions (key of $district)" "$base/api/v1/agreed-actions" "$work/key-$b.lua"

  # Proposals (issue 29 point 15): the committee's review queue, a handling
  # unit's queue, the figures page (a district body's, from its generated
  # years), a member's leads, and a body's public list with a search.
  local committee_session handler_session body
  committee_session="$(staff_session "$base" "committee-$district" "$work/jar-committee")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$committee_session\"" >"$work/committee-$b.lua"
  run "proposal_review_$b" "committee queue /proposals/review (committee-$district)" "$base/proposals/review" "$work/committee-$b.lua"
  run "proposal_figures_$b" "figures /proposals/figures (committee-$district)" "$base/proposals/figures" "$work/committee-$b.lua"
  handler_session="$(staff_session "$base" "handler-$district" "$work/jar-handler")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$handler_session\"" >"$work/handler-$b.lua"
  run "proposal_unit_$b" "unit queue /proposals/assigned (handler-$district)" "$base/proposals/assigned" "$work/handler-$b.lua"
  run "proposal_leads_$b" "member's leads /proposals/leads (m00000)" "$base/proposals/leads" "$work/member-$b.lua"
  body="$(curl -s "$base/proposal-leads/new" | grep -o 'option value="[0-9][0-9]*"' | head -1 | grep -o '[0-9][0-9]*')"
  run "proposal_public_$b" "public list /units/$body/proposals" "$base/units/$body/proposals"
  run "proposal_search_$b" "public list with a search /units/$body/proposals?q=电梯" "$base/units/$body/proposals?q=%E7%94%B5%E6%A2%AF"
  # The proposals' JSON API (issue 29 point 13), first page: the district
  # body's key (its accepted proposals) and its first department's, whose
  # handler datagen makes (the proposals assigned to it).
  local body_key dept_key
  body_key="$("$bin" --log warn "${db_args[@]}" admin api-key create --org "$district" \
    --scopes proposals:read --name load-bench 2>/dev/null)"
  echo "wrk.headers[\"X-Api-Key\"] = \"$body_key\"" >"$work/pkey-$b.lua"
  run "api_proposals_$b" "API /api/v1/proposals (key of $district)" "$base/api/v1/proposals" "$work/pkey-$b.lua"
  dept_key="$("$bin" --log warn "${db_args[@]}" admin api-key create --org "$district-dept0" \
    --scopes proposals:read --name load-bench 2>/dev/null)"
  echo "wrk.headers[\"X-Api-Key\"] = \"$dept_key\"" >"$work/dkey-$b.lua"
  run "api_proposals_unit_$b" "API /api/v1/proposals (key of $district-dept0)" "$base/api/v1/proposals" "$work/dkey-$b.lua"
  # --- issue 30 R: opinion reports (lines go here) ---
  # Opinion reports (issue 30 point 9): the office's queue and the adoption
  # figures (the district's staff), and a member's own reports.
  run "report_queue_$b" "office's report queue /reports/queue (staff-$district)" "$base/reports/queue" "$work/staff-$b.lua"
  run "report_figures_$b" "report figures /reports/figures (staff-$district)" "$base/reports/figures" "$work/staff-$b.lua"
  run "report_mine_$b" "member's reports /reports/mine (m00000)" "$base/reports/mine" "$work/member-$b.lua"
  # The reports' JSON API (issue 30 point 7), first page, newest change
  # first: the district body's key (its district's reports).
  local report_key
  report_key="$("$bin" --log warn "${db_args[@]}" admin api-key create --org "$district" \
    --scopes reports:read --name load-bench 2>/dev/null)"
  echo "wrk.headers[\"X-Api-Key\"] = \"$report_key\"" >"$work/rkey-$b.lua"
  run "api_reports_$b" "API /api/v1/reports (key of $district)" "$base/api/v1/reports" "$work/rkey-$b.lua"
  # --- issue 30 S: study and exchange (lines go here) ---
  # Study (issue 30 point 5): a member's materials (their readings from
  # datagen) and the body's discussion topics.
  run "study_mine_$b" "member's materials /study (m00000)" "$base/study" "$work/member-$b.lua"
  run "study_topics_$b" "discussion topics /study/topics (m00000)" "$base/study/topics" "$work/member-$b.lua"
  run "study_staff_$b" "staff's materials and reading counts /study (staff)" "$base/study" "$work/staff-$b.lua"
  # --- issue 30 H: the member's phone home (lines go here) ---
  # The member's phone home (issue 30 point 6): what waits for a member
  # today and this week, eight small statements side by side.
  run "phone_home_$b" "member's phone home /today (m00000)" "$base/today" "$work/member-$b.lua"
  # --- issue 31 S: supervision (lines go here) ---
  # Democratic supervision (issue 31 point 6): a district's public page (no
  # login: its groups, their departments and the latest 50 opinions) and a
  # group's work list (the first group on the district staff's supervision
  # page, with its plans, activities and opinions).
  run "supervision_public_$b" "public supervision page /supervision/public/$district" "$base/supervision/public/$district"
  local sup_group
  sup_group="$(curl -s -b "xs_session=$session" "$base/supervision" | grep -o '/supervision/groups/[0-9][0-9]*' | head -1)"
  run "supervision_group_$b" "group work list $sup_group (staff-$district)" "$base$sup_group" "$work/staff-$b.lua"

  # --- issue 31 P: best-practice library (lines go here) ---
  # The best-practice library (issue 31 point 5): the city's review list
  # (staff-xa, the city's staff datagen adds) and a library search (a
  # district's staff; selected practices matching 协商).
  city_session="$(login xa)"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$city_session\"" >"$work/city-$b.lua"
  run "practice_review_$b" "city's practice review /practices/review (staff-xa)" "$base/practices/review" "$work/city-$b.lua"
  run "practice_search_$b" "library search /practices?q=协商 (staff-$district)" "$base/practices?q=%E5%8D%8F%E5%95%86" "$work/staff-$b.lua"

  # --- issue 31 C: city view and party organisation (lines go here) ---
  # The city view (issue 31 point 7): the 13 districts over this year, as
  # the city's staff (datagen's staff-city). The first look starts counting
  # the members' duty scores in the background (decision 0047): timed on its
  # own, then the page is read until they are counted, then the steady state.
  local city_session city_cold
  city_session="$(staff_session "$base" staff-city "$work/jar-city")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$city_session\"" >"$work/city-$b.lua"
  city_cold="$(curl -s -o /dev/null -w '%{time_total}' -b "xs_session=$city_session" "$base/city")"
  echo "city view first look (cold, one request): ${city_cold} s"
  for _ in $(seq 1 600); do
    curl -s -b "xs_session=$city_session" "$base/city" | grep -q 'id="duty-pending"' || break
    sleep 0.5
  done
  run "city_view_$b" "city view /city (staff-city)" "$base/city" "$work/city-$b.lua"

  # party: the party organisation (issue 31 point 4, task "party"): the
  # meeting list of a district's party branch (its staff; the latest 50 of
  # its organisational-life meetings with their attendance counts) and the
  # district's party overview (units, roster flags, reports to confirm,
  # the latest 50 meetings of every unit).
  local party_branch
  party_branch="$(curl -s -b "xs_session=$session" "$base/party" | grep -o '/party/units/[0-9][0-9]*' | sed -n 3p)"
  run "party_meetings_$b" "party branch's meetings $party_branch (staff-$district)" "$base$party_branch" "$work/staff-$b.lua"
  run "party_home_$b" "party overview /party (staff-$district)" "$base/party" "$work/staff-$b.lua"
  # --- end of party lines ---

  # --- end of issue 31 lines ---

  local rss
  rss="$(peak_rss_mb "$server")"
  stop_server
  echo "peak RSS of the Xieshang server on $b: ${rss} MB"
}
# Each backend's own limits are measured just before it (PostgreSQL's), so that
# both stand as close in time as they can on a machine whose speed drifts.
for b in "${backends[@]}"; do
  if [ "$b" = postgres ] && [ -z "${ONLY:-}" ]; then
    psql "${pg_url%/*}/postgres" -qc "CREATE DATABASE $raw_pg_db" >/dev/null
    limits postgres "${pg_url%/*}/$raw_pg_db" 64
    psql "${pg_url%/*}/postgres" -qc "DROP DATABASE $raw_pg_db WITH (FORCE)" -c CHECKPOINT >/dev/null
  fi
  if [ "$b" = postgres ]; then
    # Statistics as autovacuum keeps them on a live database (a city just
    # generated may not have them yet, and the planner then guesses).
    psql "$pg_url" -qc ANALYZE
  fi
  xieshang "$b"
done

# The minimal handler on SQLite once more, after everything else: a single 20 s
# measurement can land on a slow spell of the machine (one run measured half
# its usual rate), and a low limit flatters every ratio read against it. The
# higher of the two is the limit.
if [ -n "${ONLY:-}" ]; then exit 0; fi
echo "--- the SQLite limit again"
raw_read sqlite "sqlite://$work/raw.db" raw_read_sqlite_again "raw point-read page, sqlite, again"
record raw_read_sqlite "$(python3 -c 'import sys; print(max(float(a) for a in sys.argv[1:]))' \
  "$(value_of raw_read_sqlite)" "$(value_of raw_read_sqlite_again)")"

# --- Ratios -------------------------------------------------------------------------
echo "--- ratios (targets: both >= 0.5)"
ratio() {
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
label, num, den = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
print(f"{label:<60} {num / den:.2f}  ({num:.0f} / {den:.0f})")
EOF
}
for b in "${backends[@]}"; do
  ratio "$b: intake / raw durable insert (SQLite, 1 client)" "$(value_of "intake_$b")" "$(value_of raw_insert_sqlite)"
  ratio "$b: status page / raw point-read page (SQLite)" "$(value_of "status_$b")" "$(value_of raw_read_sqlite)"
  if [ "$b" = postgres ]; then
    ratio "$b: intake / raw durable insert (PostgreSQL, 64 clients)" "$(value_of intake_postgres)" "$(value_of raw_insert_postgres)"
    ratio "$b: status page / raw point-read page (PostgreSQL)" "$(value_of status_postgres)" "$(value_of raw_read_postgres)"
  fi
done
