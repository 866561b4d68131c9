#!/usr/bin/env bash
# Does a migration carry every row across? Generates a city with the code of
# the commit before the migration (so the data is written exactly as that
# version writes it), records what must survive (`xieshang bench snapshot`:
# rows and a SHA-256 per table, and a SHA-256 of the public status pages of
# 1,000 tracking codes read through the product's status read), migrates with
# the code under test, records again and compares.
#
#   scripts/migration-check.sh sqlite|postgres [CONCERNS] [MEMBERS]
#
# Environment: BASE (the commit to generate with; default: the parent of the
# commit that added migration 23, or HEAD while that is not committed),
# PROFILE (debug or release; default release), CARGO_TARGET_DIR,
# PG_URL (default postgres://postgres@127.0.0.1:5432), KEEP=1 keeps the city.
#
# Concern followers, pending deadline jobs and links are filled in SQL after
# the generator (which writes none of them) in the shape the product writes
# them: followers from the grids' paired members of assigned concerns (as
# triage::assign does), a reminder job per open assigned concern (as
# 0003's deadline stages are queued), a conversion link per tenth resolved concern.
set -euo pipefail

DB=${1:?usage: migration-check.sh sqlite|postgres [CONCERNS] [MEMBERS]}
N=${2:-100000}
MEMBERS=${3:-3000}
ROOT=$(git rev-parse --show-toplevel)
PROFILE=${PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
MIGRATION=crates/xieshang-store/src/migrations/0023_item_engine.sql
if [ -z "${BASE:-}" ]; then
  added=$(git -C "$ROOT" log --format=%H --diff-filter=A -1 -- "$MIGRATION")
  if [ -n "$added" ]; then BASE="$added^"; else BASE=HEAD; fi
fi
BASE=$(git -C "$ROOT" rev-parse "$BASE")
flag=$([ "$PROFILE" = release ] && echo --release || true)
WORK=$(mktemp -d /tmp/migration-check.XXXXXX)
echo "base $BASE, $N concerns, $DB, work in $WORK" >&2

# The two binaries: the base's and the one under test.
git -C "$ROOT" worktree add --detach "$WORK/base" "$BASE" >/dev/null
(cd "$WORK/base" && CARGO_TARGET_DIR=$TARGET cargo build -q $flag -p xieshang)
cp "$TARGET/$PROFILE/xieshang" "$WORK/xieshang-base"
git -C "$ROOT" worktree remove --force "$WORK/base"
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build -q $flag -p xieshang)
cp "$TARGET/$PROFILE/xieshang" "$WORK/xieshang-new"

case "$DB" in
  sqlite)
    mkdir -p "$WORK/city"
    ARGS=(--data-dir "$WORK/city" --log warn)
    sql() { sqlite3 "$WORK/city/xieshang.db" "$1"; }
    ;;
  postgres)
    NAME=xs_migration_check
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME"
    ARGS=(--database-url "$PG_URL/$NAME" --log warn)
    sql() { psql -q -v ON_ERROR_STOP=1 "$PG_URL/$NAME" -c "$1"; }
    ;;
  *) echo "sqlite or postgres" >&2; exit 2 ;;
esac

t0=$(date +%s)
# The base predates `xieshang bench`: its generator is the top-level `datagen`.
"$WORK/xieshang-base" "${ARGS[@]}" datagen --concerns "$N" --members "$MEMBERS" >&2
echo "generated in $(( $(date +%s) - t0 )) s" >&2
if [ "$DB" = sqlite ] && [ ! -f "$WORK/city/xieshang.db" ]; then
  echo "no database at $WORK/city/xieshang.db" >&2; ls "$WORK/city" >&2; exit 1
fi
sql "INSERT INTO concern_followers (concern_id, user_id, reason, created_at)
     SELECT c.id, p.user_id, 'paired', c.assigned_at FROM concerns c
       JOIN grid_pairs p ON p.grid_org_id = c.org_id WHERE c.assigned_at IS NOT NULL"
sql "INSERT INTO jobs (kind, payload, run_at, created_at)
     SELECT 'deadline', '{\"concern_id\":' || id || ',\"round\":1,\"stage\":\"reminder\"}',
            deadline_at, assigned_at FROM concerns
      WHERE state IN ('assigned', 'in_progress') AND deadline_at IS NOT NULL"
sql "INSERT INTO item_links (from_kind, from_id, link, to_kind, org_id, created_at)
     SELECT 'concern', id, 'conversion', 'proposal', org_id, updated_at FROM concerns
      WHERE state = 'resolved' AND id % 10 = 0"

"$WORK/xieshang-new" "${ARGS[@]}" bench snapshot --sample 1000 > "$WORK/before.txt"
t0=$(date +%s%N)
"$WORK/xieshang-new" "${ARGS[@]}" migrate >&2
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
"$WORK/xieshang-new" "${ARGS[@]}" bench snapshot --sample 1000 > "$WORK/after.txt"

echo "--- before (migration $(head -1 "$WORK/before.txt" | awk '{print $4}'))"
cat "$WORK/before.txt"
echo "--- after (migration $(head -1 "$WORK/after.txt" | awk '{print $4}'), migrate took $ms ms)"
cat "$WORK/after.txt"
status=0
if diff <(grep -v '^#' "$WORK/before.txt") <(grep -v '^#' "$WORK/after.txt"); then
  echo "identical: every table's rows and checksum, and the status pages"
else
  echo "DIFFERENT" >&2
  status=1
fi
if [ -z "${KEEP:-}" ]; then
  rm -rf "$WORK"
  [ "$DB" = postgres ] && psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $NAME"
fi
exit $status
