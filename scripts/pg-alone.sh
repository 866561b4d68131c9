#!/usr/bin/env bash
# One load on its own against a fresh copy of a PostgreSQL city, for
# before/after comparisons of builds in alternating runs (BENCHMARKS.md):
#
#   scripts/pg-alone.sh intake TEMPLATE_DB BIN [SECONDS]
#   scripts/pg-alone.sh status TEMPLATE_DB BIN [SECONDS]
#   scripts/pg-alone.sh queue  TEMPLATE_DB BIN DISTRICT_CODE [SECONDS]
#
# TEMPLATE_DB is a database filled by `xieshang bench datagen` (never written to);
# each run copies it (file copy, then CHECKPOINT, so the copy's writes are not
# still being flushed during the run), starts BIN's server on the copy, runs
# wrk at 64 connections (intake: the load-bench's submission; status: the
# public status page of 20,000 sampled concerns; queue: the district staff's
# queue of new concerns) and prints the rate, p50/p99, the CPU
# per request of the server and of all PostgreSQL processes (from /proc), and
# the hypervisor's steal over the run (a noisy neighbour shows there).
set -euo pipefail
# The server's rate limits would measure the limiter, not the server: every
# request here comes from one address.
export XIESHANG_RATE_LIMITS=false
kind="${1:?intake, status or queue}"
template="${2:?a database filled by xieshang bench datagen}"
bin="${3:?a xieshang binary}"
if [ "$kind" = queue ]; then district="${4:?district code}"; secs="${5:-15}"; else secs="${4:-20}"; fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
# shellcheck source=lib/pg-city.sh
. "$(dirname "$0")/lib/pg-city.sh"
# shellcheck source=lib/load.sh
. "$(dirname "$0")/lib/load.sh"
pg_city_copy
pg_city_serve
if [ "$kind" = intake ]; then
  pg_city_intake_lua "$work/load.lua"
  url="$base/api/v1/concerns"
  label="intake"
elif [ "$kind" = status ]; then
  "$bin" --log warn --database-url "$pg/$db" bench sample --codes 20000 | tail -n +2 >"$work/codes.txt"
  status_lua "$work/codes.txt" "$work/load.lua"
  url="$base"
  label="status"
else
  session="$(staff_session "$base" "staff-$district" "$work/jar")"
  echo "wrk.headers[\"Cookie\"] = \"xs_session=$session\"" >"$work/load.lua"
  url="$base/concerns?state=submitted"
  label="queue staff-$district"
  curl -s -o /dev/null -b "xs_session=$session" "$url"
fi
steal() { awk '/^cpu / {print $9}' /proc/stat; }
s1="$(steal)"; a="$(ticks "$srv")"; b="$(pg_ticks)"
out="$(wrk -t2 -c64 -d"${secs}s" --latency -s "$work/load.lua" "$url")"
a2="$(ticks "$srv")"; b2="$(pg_ticks)"; s2="$(steal)"
rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
non="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
n="$(awk '/requests in/ {print $1}' <<<"$out")"
hz="$(getconf CLK_TCK)"
echo "$(basename "$bin") $label: $rps req/s p50 $p50 p99 $p99 non-2xx ${non:-0};" \
  "CPU per request: xieshang $(( (a2 - a) * 1000000 / hz / n )) us, postgres $(( (b2 - b) * 1000000 / hz / n )) us;" \
  "steal $(( s2 - s1 )) ticks"
