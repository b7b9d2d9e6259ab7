#!/usr/bin/env bash
# The check benchmark of issue 4 (docs/benchmarks.md): `habeas check` over synthetic ledgers
# (custody chains, flights, person-specific stays of removal), time and peak memory, by number of
# records: 100k and 1M by default; 7800000 is the issue's 6M custody events (about 19 GB of memory,
# 7 GB of disk, ten minutes with the data made and imported). Reuses data and ledgers already made.
# Usage: bench/check.sh [RECORDS...]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT/check"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
for records in "${SIZES[@]}"; do
  data="$OUT/synth-$records.jsonl"
  db="$OUT/check/synth-$records.db"
  [ -f "$data" ] || $B synth --records "$records" --seed 1 --out "$data"
  if [ ! -f "$db" ]; then
    $H --db "$db" init >/dev/null
    $H --db "$db" import "$data" --no-progress >/dev/null
  fi
  events=$(sqlite3 "$db" "SELECT count(*) FROM records WHERE type = 'custody'" 2>/dev/null || echo "?")
  /usr/bin/time -f "check $records records ($events custody events): %e s, peak %M KB, cpu %U user + %S system s" \
    $H --db "$db" check --as-of 2026-01-01T00:00:00Z --json > "$OUT/check/findings-$records.json"
done
