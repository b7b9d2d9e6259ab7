#!/usr/bin/env bash
# The check benchmark of issue 4 (docs/benchmarks.md): `habeas check` over synthetic ledgers of
# 100k and 1M records (custody chains, flights, person-specific stays of removal), time and peak
# memory. Reuses the ledgers of bench/ledger.sh when present.
# Usage: bench/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT/check"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
for records in 100000 1000000; do
  data="$OUT/synth-$records.jsonl"
  db="$OUT/check/synth-$records.db"
  [ -f "$data" ] || $B synth --records "$records" --seed 1 --out "$data"
  if [ ! -f "$db" ]; then
    $H --db "$db" init >/dev/null
    $H --db "$db" import "$data" --no-progress >/dev/null
  fi
  /usr/bin/time -f "check $records records: %e s, peak %M KB" \
    $H --db "$db" check --as-of 2026-01-01T00:00:00Z --json > "$OUT/check/findings-$records.json"
done
