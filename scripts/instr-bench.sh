#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind, for the hot pages of
# one binary on a copy of one city. Unlike req/s under wrk, an instruction count
# does not move with the machine's other load, so two binaries can be compared to
# a few per cent on a shared 2-core machine (see BENCHMARKS.md, issue 25 point 10).
#
#   scripts/instr-bench.sh BINARY CITY [REQUESTS]
#
# CITY is a SQLite data directory made by `datagen`, or the URL of a PostgreSQL
# database made by `datagen` (postgres://USER@HOST:PORT/DB); either is copied
# (a PostgreSQL copy is a new database with the city as its template) and never
# touched. On PostgreSQL only the server's own instructions are counted, not
# the database server's. The server runs under callgrind with instrumentation off; after it
# has settled and each page has been warmed up, instrumentation is switched on,
# the counters zeroed, and the process's instructions counted over exactly
# REQUESTS (default 300) sequential keep-alive requests of one page, and the
# instructions (Ir) of the whole process in that window are divided by REQUESTS.
# The window also holds whatever the background worker does meanwhile, which is
# part of what a request costs at that rate. Needs valgrind and python3.
set -euo pipefail
bin="$(realpath "${1:?binary}")"
city="${2:?city data directory}"
n="${3:-300}"
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind"; exit 1; }
work="$(mktemp -d)"
port=$((20000 + RANDOM % 12000))
base="http://127.0.0.1:$port"
server=""
copy_db=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  if [ -n "$copy_db" ]; then
    psql "${city%/*}/postgres" -qc "DROP DATABASE IF EXISTS $copy_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
case "$city" in
  postgres://*)
    copy_db="xs_instr_$$"
    psql "${city%/*}/postgres" -qc "CREATE DATABASE $copy_db TEMPLATE ${city##*/}" >/dev/null
    db_args=(--database-url "${city%/*}/$copy_db")
    # Codes straight from the database, so the binary under test is the only
    # Xieshang that ever opens the copy.
    psql "${city%/*}/$copy_db" -Atc "SELECT tracking_code FROM concerns ORDER BY id LIMIT 2000" >"$work/codes.txt"
    ;;
  *)
    cp -r "$city" "$work/city"
    db_args=(--data-dir "$work/city")
    python3 - "$work/city/xieshang.db" "$work" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
codes = [r[0] for r in db.execute("SELECT tracking_code FROM concerns ORDER BY id LIMIT 2000")]
open(sys.argv[2] + "/codes.txt", "w").write("\n".join(codes) + "\n")
PY
    ;;
esac
export XIESHANG_RATE_LIMITS=false
XIESHANG_LOG=warn valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$work/cg.out.%p" "$bin" "${db_args[@]}" \
  --listen "127.0.0.1:$port" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 1200); do curl -sf -o /dev/null "$base/readyz" && break; sleep 0.5; done
curl -sf -o /dev/null "$base/readyz" || { echo "server not ready"; cat "$work/server.log"; exit 1; }
# Let the worker catch up with the copy's due jobs before anything is counted.
sleep "${SETTLE_SECONDS:-60}"

python3 - "$base" "$work" "$n" "$server" <<'PY'
import glob, http.client, json, os, re, subprocess, sys, urllib.parse, time
base, work, n, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
host = urllib.parse.urlparse(base).netloc
codes = open(work + "/codes.txt").read().split()

def conn():
    return http.client.HTTPConnection(host, timeout=600)

def login(user):
    c = conn()
    c.request("GET", "/login")
    r = c.getresponse()
    body = r.read().decode()
    cookie = "; ".join(h.split(";")[0] for k, h in r.getheaders() if k.lower() == "set-cookie")
    token = re.search(r'name="_csrf" value="([^"]*)"', body).group(1)
    form = urllib.parse.urlencode({"_csrf": token, "username": user, "password": "xieshang-demo"})
    c.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = c.getresponse(); r.read()
    for k, h in r.getheaders():
        if k.lower() == "set-cookie" and h.startswith("xs_session="):
            return h.split(";")[0]
    raise SystemExit("login failed for " + user)

c = conn()
c.request("GET", "/api/v1/areas"); areas = json.loads(c.getresponse().read())
by_code = {a["code"]: a for a in areas}
street = next(a["code"] for a in areas if a["kind"] == "street")
# Walk up to the district (which the list may leave out), as load-bench does.
district = street
while district in by_code and by_code[district]["kind"] != "district":
    district = by_code[district]["parent"]
staff = login("staff-" + district)
intake = json.dumps({"category": "road", "area": street, "title": "路灯不亮",
    "description": "晚上路灯不亮，行人看不清路，请尽快维修。", "address": "人民路12号"})

pages = [
    ("status page /track", lambda i: ("GET", "/track?code=" + codes[i % len(codes)], None, {})),
    ("staff queue /concerns", lambda i: ("GET", "/concerns?state=submitted", None, {"Cookie": staff})),
    ("dashboard /stats/concerns", lambda i: ("GET", "/stats/concerns", None, {"Cookie": staff})),
    ("intake POST /api/v1/concerns", lambda i: ("POST", "/api/v1/concerns", intake,
        {"Content-Type": "application/json"})),
]

def ctl(*args):
    subprocess.run(["callgrind_control", *args, pid], check=True, stdout=subprocess.DEVNULL)

def total_ir(path):
    # "totals:" sums the dump's cost lines; the "summary:" header goes wrong
    # (it wraps below zero) after the counters are zeroed.
    for line in open(path):
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit("no totals in " + path)

print(f"instructions per request (callgrind Ir), {n} sequential requests per page, staff-{district}")
for label, make in pages:
    c = conn()
    def fire(count, offset):
        for i in range(count):
            method, path, body, headers = make(offset + i)
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse(); r.read()
            if r.status >= 400:
                raise SystemExit(f"{label}: HTTP {r.status} for {path}")
    fire(30, 10_000)  # warm-up, not counted
    before = set(glob.glob(work + "/cg.out.*"))
    ctl("-i", "on"); ctl("-z")
    fire(n, 0)
    ctl("-i", "off"); ctl("-d", label)
    time.sleep(1)
    dumps = sorted(set(glob.glob(work + "/cg.out.*")) - before, key=os.path.getmtime)
    ir = total_ir(dumps[-1])
    # A connection opened inside the window reads the whole schema (sqlite3InitOne,
    # about 2.7 M instructions): say so, since it is the pool's event, not the page's.
    opened = "sqlite3InitOne" in open(dumps[-1], errors="replace").read()
    note = "  (a database connection was opened in the window)" if opened else ""
    print(f"{label:<34} {ir / n:>14,.0f} Ir/request{note}")
PY
