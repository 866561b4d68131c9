#!/usr/bin/env bash
# Where PostgreSQL's time goes during intake: copies a datagen city, runs 20 s of
# intake over HTTP at 64 connections, and prints the rate, the CPU time of the
# Xieshang server and of all PostgreSQL processes over the run, and the top
# statements by total time from pg_stat_statements (five seconds after the run,
# so the worker's notifications of the run are counted too), with planning time
# when pg_stat_statements.track_planning is on; statements that differ only in
# their number of rows (a batch's VALUES) are summed as one.
#
#   scripts/pg-intake-profile.sh TEMPLATE_DB [XIESHANG_BIN]
#
# Needs wrk and pg_stat_statements loaded by the server:
#   psql -h 127.0.0.1 -U postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
#   pg_ctlcluster --skip-systemctl-redirect 15 main restart
# (and `ALTER SYSTEM RESET shared_preload_libraries` plus a restart to undo).
set -euo pipefail
# The server's rate limits would measure the limiter, not the server: every
# request here comes from one address.
export XIESHANG_RATE_LIMITS=false
template="${1:?a database filled by xieshang bench datagen}"
bin="${2:-target/release/xieshang}"
# shellcheck source=lib/pg-city.sh
. "$(dirname "$0")/lib/pg-city.sh"
psql "$pg/postgres" -Atc "SHOW shared_preload_libraries" | grep -q pg_stat_statements \
  || { echo "pg_stat_statements is not loaded (see the header of this script)"; exit 1; }
pg_city_copy
psql "$pg/$db" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
pg_city_serve
pg_city_intake_lua "$work/intake.lua"
psql "$pg/$db" -qc "SELECT pg_stat_statements_reset()" >/dev/null
a="$(ticks "$srv")"; b="$(pg_ticks)"
wrk -t2 -c64 -d20s --latency -s "$work/intake.lua" "$base/api/v1/concerns" | grep -E "Requests/sec|99%"
a2="$(ticks "$srv")"; b2="$(pg_ticks)"
hz="$(getconf CLK_TCK)"
echo "CPU over the run: xieshang $(( (a2 - a) / hz )) s, postgres $(( (b2 - b) / hz )) s"
sleep 5
psql "$pg/$db" -c "SELECT sum(calls) AS calls, round(sum(total_exec_time)::numeric) AS exec_ms,
    round(sum(total_plan_time)::numeric) AS plan_ms, sum(plans) AS plans, sum(rows) AS rows,
    count(*) AS variants, left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS statement
  FROM pg_stat_statements GROUP BY 7 ORDER BY sum(total_exec_time + total_plan_time) DESC LIMIT 20"
psql "$pg/$db" -Atc "SELECT 'notify jobs: ' || count(*) FILTER (WHERE done_at IS NOT NULL) || ' done of ' || count(*) FROM jobs WHERE kind = 'notify'"
