#!/usr/bin/env bash
# The server benchmark of issue 5 (docs/benchmarks.md): `wrk` against the locate API and the person
# page of a ledger of about 1M synthetic persons (7.2M records, as bench/timelines.sh), signed in
# as a viewer with an API token, auditing on (it always is), 64 connections, beside the same
# server's stylesheet as the ceiling.
# Usage: bench/server.sh [SECONDS]   (needs ../shared/data for the name lists, wrk from Debian)
# RECORDS=N for another size; HABEAS_BENCH_DB=postgres://... for a ledger on PostgreSQL (the
# database must exist and be empty; its key is kept in bench/out/srv-pg.key).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
RECORDS=${RECORDS:-7200000}
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
if [ "$RECORDS" = 7200000 ]; then DATA="$OUT/synth-7m.jsonl"; else DATA="$OUT/synth-$RECORDS.jsonl"; fi
DB=${HABEAS_BENCH_DB:-$OUT/srv.db}
[ -f "$DATA" ] || $B synth --records "$RECORDS" --seed 1 --out "$DATA"
case "$DB" in
  postgres*) export HABEAS_KEY=$OUT/srv-pg.key; made=$HABEAS_KEY ;;
  *) made=$DB ;;
esac
if [ ! -f "$made" ]; then
  $H --db "$DB" init >/dev/null
  /usr/bin/time -f "import: %e s" $H --db "$DB" import "$DATA" --no-progress >/dev/null
fi
export HABEAS_DB="$DB"
# The list read whole first: `grep -q` would stop reading at the first match, and under
# pipefail the pipeline would then fail with habeas's SIGPIPE.
users=$($H user list --json)
grep -q '"bench"' <<< "$users" || HABEAS_PASSWORD=bench-password-1 $H user add bench --role viewer >/dev/null
TOKEN=$($H user token bench 2>/dev/null)
echo "persons: $(grep -c '"type":"person"' "$DATA")"

# 2,000 queries: names of persons in the ledger, one letter dropped from the family name.
python3 - "$DATA" > "$OUT/queries.txt" <<'PY'
import json, random, sys
random.seed(1)
names, ids = [], []
with open(sys.argv[1]) as f:
    for line in f:
        if '"type":"person"' not in line:
            continue
        r = json.loads(line)
        ids.append(r["id"])
        if len(names) < 2000 and random.random() < 0.01:
            full = r["names"][0]["full"] if "names" in r else r.get("name", "")
            parts = full.split()
            i = len(parts) - 1
            if len(parts[i]) > 4:
                k = random.randrange(1, len(parts[i]) - 1)
                parts[i] = parts[i][:k] + parts[i][k + 1:]
            names.append(" ".join(parts))
for n in names:
    print("q " + n.replace(" ", "%20"))
for i in random.sample(ids, 2000):
    print("p " + i)
PY

PORT=18181
# --no-check: a check of 7.2M records needs about 21 GB (issue 4); the counts are computed.
$H serve --addr 127.0.0.1:$PORT --read-only --no-check 2> "$OUT/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/static/app.css" && break; sleep 0.2; done

# The refresher builds the name index, then the public counts (a timeline per person); the load
# starts once both are done, so that it does not compete with them.
start=$(date +%s.%N)
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/locate?q=maria"
echo "name index ready after $(echo "$(date +%s.%N) - $start" | bc) s"
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/public")" = 200 ]; do sleep 2; done
echo "public counts ready after $(echo "$(date +%s.%N) - $start" | bc) s; server RSS $(($(ps -o rss= -p $SERVER) / 1024)) MB"

cat > "$OUT/wrk.lua" <<LUA
local queries, persons = {}, {}
for line in io.lines("$OUT/queries.txt") do
  local kind, value = line:match("^(%a) (.*)\$")
  if kind == "q" then queries[#queries + 1] = value else persons[#persons + 1] = value end
end
local mode = os.getenv("MODE")
local n = 0
request = function()
  n = n + 1
  local path
  if mode == "locate" then path = "/api/locate?q=" .. queries[(n % #queries) + 1]
  elseif mode == "nobody" then path = "/api/locate?q=Zyxwq%20Qwxzy%20Vvxq"
  else path = "/persons/" .. persons[(n % #persons) + 1] end
  return wrk.format("GET", path, {["Authorization"] = "Bearer $TOKEN"})
end
LUA

run() { # label, then wrk arguments
  local label=$1; shift
  echo "== $label"
  wrk -t2 -c64 -d"${SECS}s" --latency "$@" | grep -E "Requests/sec|Latency  |99%|50%|Non-2xx|Socket errors"
}
run "static file (ceiling)" "http://127.0.0.1:$PORT/static/app.css"
MODE=locate run "locate API" -s "$OUT/wrk.lua" "http://127.0.0.1:$PORT"
MODE=nobody run "locate API, a name no one has (all but the search)" -s "$OUT/wrk.lua" "http://127.0.0.1:$PORT"
MODE=person run "person page" -s "$OUT/wrk.lua" "http://127.0.0.1:$PORT"
echo "audit entries: $($H audit --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], "intact" if d["intact"] else "BROKEN")')"
echo "server RSS $(($(ps -o rss= -p $SERVER) / 1024)) MB"
