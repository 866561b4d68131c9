# Shared by scripts/pg-alone.sh and scripts/pg-intake-profile.sh (sourced, not
# run): a fresh copy of a PostgreSQL city, a server on it, the load-bench's
# intake body, CPU ticks from /proc, and the cleanup of all of it on exit.
# The caller sets `template` and `bin` and then calls pg_city_copy and
# pg_city_serve; `db`, `base`, `work` and `srv` are theirs to use.
# XS_URL_QUERY (e.g. `?statement-cache-capacity=2000`) is appended to the
# server's database URL, for experiments with connection settings.
pg="postgres://postgres@127.0.0.1:5432"
db="xs_copy_$$"
port=$((20000 + RANDOM % 12000))
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
srv=""
pg_city_cleanup() {
  [ -n "$srv" ] && { kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; }
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap pg_city_cleanup EXIT

# Copies the template file by file and checkpoints, so that the copy's writes
# are not still being flushed during the run (the default WAL_LOG strategy
# sends the whole city through the WAL).
pg_city_copy() {
  createdb -h 127.0.0.1 -U postgres --strategy=file_copy -T "$template" "$db"
  psql "$pg/postgres" -qc CHECKPOINT
}

pg_city_serve() {
  XIESHANG_LOG=warn "$bin" --database-url "$pg/$db${XS_URL_QUERY:-}" --listen "127.0.0.1:$port" serve >"$work/server.log" 2>&1 &
  srv=$!
  for _ in $(seq 300); do curl -sf -o /dev/null "$base/readyz" && return 0; sleep 0.2; done
  echo "server not ready"; exit 1
}

# Writes the load-bench's submission to the file $1 as a wrk script.
pg_city_intake_lua() {
  local area
  area="$("$bin" --log warn --database-url "$pg/$db" bench sample --codes 1 | awk 'NR == 1 {print $2}')"
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"category":"road","area":"$area","title":"路灯不亮","description":"晚上路灯不亮，行人看不清路，请尽快维修。","address":"人民路12号"}'
LUA
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { local t=0; for p in $(pgrep -x postgres); do t=$((t + $(ticks "$p"))); done; echo "$t"; }
