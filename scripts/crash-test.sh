#!/usr/bin/env bash
# Crash test: while concurrent clients submit concerns, the server is killed with
# SIGKILL again and again and restarted. Afterwards every concern whose submission
# was acknowledged (HTTP 201 with a tracking code) must be there with its timeline.
#
#   scripts/crash-test.sh [sqlite|postgres] [cycles=20] [clients=4]
#
# PostgreSQL uses a fresh database on $XIESHANG_CRASH_PG (default
# postgres://postgres@127.0.0.1:5432), dropped afterwards. Prints the counts; exits
# non-zero on any loss.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
cycles="${2:-20}"
clients="${3:-4}"
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
start() {
  if [ -n "$db_url" ]; then
    XIESHANG_LOG=warn "$bin" demo --database-url "$db_url" --data-dir "$work/data" --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
  else
    XIESHANG_LOG=warn "$bin" demo --data-dir "$work/data" --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
  fi
  server=$!
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$base/readyz" && return 0
    sleep 0.1
  done
  # The error chain, without the backtrace's frames.
  echo "server did not become ready"; grep -v '^ \{2,\}[0-9]*:\|^ \{6,\}at ' "$work/server.log" | tail -20; exit 1
}

cleanup() {
  if [ -n "$server" ]; then kill -9 "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  for p in "${loaders[@]:-}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$db_url" ]; then
    psql "$pg_admin/postgres" -qc "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# One client: submits concerns in a loop; records the tracking code of each 201.
client() {
  local n=0 code body
  while [ ! -e "$work/stop" ]; do
    n=$((n + 1))
    body=$(printf '{"category":"road","area":"yanliang-guanshan-g01","title":"崩溃测试 %s-%s","description":"客户端 %s 第 %s 条：路面破损需要修复"}' "$1" "$n" "$1" "$n")
    if out=$(curl -s -m 5 -w '\n%{http_code}' -H 'content-type: application/json' -d "$body" "$base/api/v1/concerns" 2>/dev/null); then
      if [ "$(tail -n1 <<<"$out")" = 201 ]; then
        code=$(grep -o '"tracking_code":"[A-Z0-9]*"' <<<"$out" | cut -d'"' -f4)
        [ -n "$code" ] && echo "$code" >>"$work/acked.$1"
      fi
    else
      sleep 0.05
    fi
  done
}

start
loaders=()
for c in $(seq 1 "$clients"); do
  client "$c" &
  loaders+=($!)
done
for i in $(seq 1 "$cycles"); do
  sleep "0.$((3 + RANDOM % 7))"
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  start
done
sleep 0.5
touch "$work/stop"
for p in "${loaders[@]}"; do wait "$p" 2>/dev/null || true; done

cat "$work"/acked.* 2>/dev/null | sort -u >"$work/acked" || true
acked=$(wc -l <"$work/acked")
present=0
lost=0
while read -r code; do
  if curl -sf "$base/api/v1/concerns/$code" | grep -q '"action":"submit"'; then
    present=$((present + 1))
  else
    lost=$((lost + 1))
    echo "LOST: $code"
  fi
done <"$work/acked"
echo "crash test ($backend): $cycles kill -9 cycles, $clients clients: acknowledged $acked, present with timeline $present, lost $lost"
[ "$acked" -gt 0 ] || { echo "no submission was acknowledged: the test proved nothing"; exit 1; }
[ "$lost" -eq 0 ]
