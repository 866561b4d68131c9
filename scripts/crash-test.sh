#!/usr/bin/env bash
# Crash test: while wrk (Debian's load generator) submits concerns over 64
# connections, the server is killed with SIGKILL again and again and restarted.
# Afterwards every concern whose submission was acknowledged (HTTP 201 with a
# tracking code) must be there: its public status must carry one of the test's
# titles, no other code's, and a timeline that starts with the submission.
#
#   scripts/crash-test.sh [sqlite|postgres] [cycles=20] [connections=64]
#
# At 64 connections intake commits concerns in groups (group commit), which is
# where an acknowledgement sent before its group is durable would show; the
# test before 2026-12-04 (third session) ran four curl loops, whose concerns
# mostly committed one at a time.
#
# PostgreSQL uses a fresh database on $XIESHANG_CRASH_PG (default
# postgres://postgres@127.0.0.1:5432), dropped afterwards. Prints the counts; exits
# non-zero on any loss.
set -euo pipefail
# The server's rate limits would measure the limiter, not the server: every
# request here comes from one address.
export XIESHANG_RATE_LIMITS=false
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
cycles="${2:-20}"
conns="${3:-64}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
# Below the kernel's ephemeral range (32768 and up here), so that no outgoing
# connection (the server's own to PostgreSQL, made before it listens) can hold
# the port a restarted server must bind.
port=$((20000 + RANDOM % 12000))
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
bin=target/debug/xieshang
# The binary as the test suite built it (same features), so nothing recompiles.
cargo test -q -p xieshang --no-run

db_url=""
pg_admin="${XIESHANG_CRASH_PG:-postgres://postgres@127.0.0.1:5432}"
pg_name="xs_crash_$$"
if [ "$backend" = postgres ]; then
  psql "$pg_admin/postgres" -qc "CREATE DATABASE $pg_name" >/dev/null
  db_url="$pg_admin/$pg_name"
fi

server=""
loader=""
start() {
  if [ -n "$db_url" ]; then
    XIESHANG_LOG=warn "$bin" demo --database-url "$db_url" --data-dir "$work/data" --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
  else
    XIESHANG_LOG=warn "$bin" demo --data-dir "$work/data" --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
  fi
  server=$!
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null "$base/readyz" && return 0
    sleep 0.1
  done
  # The error chain, without the backtrace's frames.
  echo "server did not become ready"; grep -v '^ \{2,\}[0-9]*:\|^ \{6,\}at ' "$work/server.log" | tail -20; exit 1
}

cleanup() {
  if [ -n "$server" ]; then kill -9 "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$loader" ]; then kill -9 "$loader" 2>/dev/null || true; wait "$loader" 2>/dev/null || true; fi
  if [ -n "$db_url" ]; then
    psql "$pg_admin/postgres" -qc "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The load: every request a concern of its own (wrk thread and count in the
# title); every 201 appends its tracking code to a file of the wrk thread's
# own, flushed at once, so that what was acknowledged is on disk whatever
# happens to wrk afterwards.
cat >"$work/crash.lua" <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local out, n = nil, 0
function init(args)
  out = assert(io.open(args[1] .. "." .. tid, "a"))
end
function request()
  n = n + 1
  local title = string.format("崩溃测试 %d-%d", tid, n)
  local body = string.format(
    '{"category":"road","area":"yanliang-guanshan-g01","title":"%s","description":"线程 %d 第 %d 条：路面破损需要修复"}',
    title, tid, n)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status == 201 then
    local code = body:match('"tracking_code":"([A-Z0-9]+)"')
    if code then
      out:write(code, "\n")
      out:flush()
    end
  end
end
LUA

start
# Far longer than the cycles take; stopped with SIGINT after the last cycle.
wrk -t2 -c"$conns" -d3600s --timeout 5s -s "$work/crash.lua" "$base/api/v1/concerns" -- "$work/acked" >"$work/wrk.log" 2>&1 &
loader=$!
for i in $(seq 1 "$cycles"); do
  sleep "0.$((3 + RANDOM % 7))"
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  start
done
sleep 0.5
kill -INT "$loader"
wait "$loader" 2>/dev/null || true
loader=""
# wrk's own count: requests answered, and the errors the kills caused.
grep -E 'requests in|Socket errors|Non-2xx' "$work/wrk.log" || true

cat "$work"/acked.* >"$work/acked" 2>/dev/null || true
# Every acknowledged code asked for over one kept-alive connection; a code is
# present when its status is there with a timeline that starts with the
# submission. Every request had a title of its own, so a code acknowledged
# twice, or two codes with one title, would be two submissions taken as one
# (or one stored twice): both fail the test too.
python3 - "$base" "$work/acked" "$backend" "$cycles" "$conns" <<'PY'
import http.client, json, sys, urllib.parse
base, acked_file, backend, cycles, conns = sys.argv[1:]
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
codes = [line.strip() for line in open(acked_file) if line.strip()]
twice = len(codes) - len(set(codes))
present = lost = 0
titles = set()
for code in sorted(set(codes)):
    conn.request("GET", "/api/v1/concerns/" + code)
    r = conn.getresponse()
    body = r.read()
    ok = False
    if r.status == 200:
        s = json.loads(body)
        timeline = s.get("timeline") or []
        ok = (s.get("tracking_code") == code
              and s.get("title", "").startswith("崩溃测试 ")
              and len(timeline) > 0 and timeline[0].get("action") == "submit")
    if ok:
        present += 1
        titles.add(s["title"])
    else:
        lost += 1
        print(f"LOST: {code} (HTTP {r.status}) {body[:200]!r}")
print(f"crash test ({backend}): {cycles} kill -9 cycles, wrk at {conns} connections: "
      f"acknowledged {len(codes)}, present with timeline {present}, lost {lost}, "
      f"codes acknowledged twice {twice}, titles shared {present - len(titles)}")
if not codes:
    print("no submission was acknowledged: the test proved nothing")
    sys.exit(1)
sys.exit(1 if lost or twice or present != len(titles) else 0)
PY
