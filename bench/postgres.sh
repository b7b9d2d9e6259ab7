#!/usr/bin/env bash
# The PostgreSQL backend against the embedded store, on the same synthetic records
# (docs/benchmarks.md, "A ledger on PostgreSQL"): import, verify and check, wall clock and
# processor time of habeas (the database server's own time is not counted in it).
# Needs a server: HABEAS_BENCH_POSTGRES is the URL of a role that may create databases (default:
# the test server of scripts/test-postgres). Usage: bench/postgres.sh [RECORDS] (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
ADMIN=${HABEAS_BENCH_POSTGRES:-$(scripts/test-postgres)}
DATA="$OUT/synth-$RECORDS.jsonl"
[ -f "$DATA" ] || $B synth --records "$RECORDS" --seed 1 --out "$DATA"
NAME=habeas_bench_$RECORDS
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME"
PG="${ADMIN%/*}/$NAME"
rm -f "$OUT"/pg-bench.db* "$OUT"/pg-bench.key "$OUT"/pg-bench.pub

measure() { # label, command...: wall seconds, peak memory and processor seconds of habeas
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.txt" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err"
  read -r secs kb user sys < "$OUT/time.txt"
  echo "$label $secs s, $((kb / 1024)) MB, cpu $(awk "BEGIN { print $user + $sys }") s"
}

$H --db "$OUT/pg-bench.db" init >/dev/null
$H --db "$PG" --key "$OUT/pg-bench.key" init >/dev/null
echo "records: $(wc -l < "$DATA")"
for backend in sqlite postgres; do
  if [ $backend = sqlite ]; then at=(--db "$OUT/pg-bench.db"); else at=(--db "$PG" --key "$OUT/pg-bench.key"); fi
  measure "$backend-import" $H "${at[@]}" import "$DATA" --no-progress
  measure "$backend-verify" $H "${at[@]}" verify
  measure "$backend-check" $H "${at[@]}" check --as-of 2026-01-01T00:00:00Z --json
done
cmp -s "$OUT/sqlite-check.out" "$OUT/postgres-check.out" && echo "check: the same findings on both" \
  || echo "check: the findings differ"
psql -q "$ADMIN" -c "DROP DATABASE $NAME WITH (FORCE)"
