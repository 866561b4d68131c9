#!/usr/bin/env bash
# Dependency audit: known vulnerabilities (RustSec) and licences incompatible
# with Apache-2.0, by cargo-deny (deny.toml). The machines cannot reach the
# advisory database upstream, so it reads the offline snapshot kept beside the
# repository (../shared/advisory-db, or XIESHANG_ADVISORY_DB), without fetching,
# and prints the snapshot's date. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "installing cargo-deny from crates.io (takes a few minutes)"
  cargo install cargo-deny --version 0.20.2 --locked --quiet
fi
cargo deny --version

snapshot="${XIESHANG_ADVISORY_DB:-}"
if [ -z "$snapshot" ]; then
  for d in ../shared/advisory-db /work/shared/advisory-db; do
    if [ -d "$d/crates" ]; then snapshot="$d"; break; fi
  done
fi
if [ -z "$snapshot" ] || [ ! -d "$snapshot/crates" ]; then
  echo "no advisory database snapshot found (../shared/advisory-db or XIESHANG_ADVISORY_DB)"
  exit 1
fi
echo "advisory database: $snapshot"
grep -m1 -o 'commit [0-9a-f]* ([0-9-]*)' "$snapshot/SNAPSHOT.md" | sed 's/^/snapshot: /' || true

# cargo-deny opens the database as a git repository in a folder named after its
# URL: give it a throwaway commit of the snapshot.
db="target/advisory-db/advisory-db-3157b0e258782691"
rm -rf "$db"
mkdir -p "$db"
cp -r "$snapshot"/. "$db"/
rm -rf "$db/.git"
git -C "$db" init -q
git -C "$db" add -A
git -C "$db" -c user.name=audit -c user.email=audit@localhost commit -q -m snapshot

# Offline, cargo metadata needs every platform's crates in the local registry.
cargo fetch --locked --quiet
cargo deny --offline check advisories licenses bans sources

# rsa (RUSTSEC-2023-0071, no fix) is in Cargo.lock only through sqlx's MySQL
# driver, which the product does not enable: it must stay out of the graph.
in_graph="$(cargo tree --locked --offline --target all -e normal,build -i rsa 2>/dev/null || true)"
if [ -n "$in_graph" ]; then
  echo "rsa is in the build graph (RUSTSEC-2023-0071): was sqlx's MySQL driver enabled?"
  echo "$in_graph"
  exit 1
fi
echo "rsa: in Cargo.lock, not in the build graph (sqlx's MySQL driver is off)"
echo "audit passed"
