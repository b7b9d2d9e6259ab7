#!/usr/bin/env bash
# The dedupe benchmark of issue 3, side by side in one run (docs/benchmarks.md): `habeas dedupe`
# against Splink (DuckDB backend) on the same 100,000 synthetic person records with known truth;
# precision, recall, F1 and seconds for both.
# Usage: bench/dedupe.sh [RECORDS]   (default 100000; needs ../shared/data for the name lists,
# and PyPI for Splink, installed once into bench/out/splink-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
OUT=bench/out/dedupe
VENV=bench/out/splink-venv
mkdir -p "$OUT"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q splink pandas pyarrow
fi
$B dedupe-data --records "$RECORDS" --seed 1 --out "$OUT"
rm -f "$OUT"/ledger.db*
$H --db "$OUT/ledger.db" init >/dev/null
$H --db "$OUT/ledger.db" import "$OUT/persons.jsonl" --no-progress >/dev/null
sync
# Once to warm the page cache, as Splink's CSV is warm; then timed.
$H --db "$OUT/ledger.db" dedupe --min-score 0.05 --json > "$OUT/habeas.json"
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" $H --db "$OUT/ledger.db" dedupe --min-score 0.05 --json > "$OUT/habeas.json"
read -r seconds kb < "$OUT/time.txt"
echo "habeas dedupe: $seconds s, peak $((kb / 1024)) MB"
"$VENV/bin/python" bench/dedupe_compare.py --csv "$OUT/persons.csv" --habeas "$OUT/habeas.json" \
  --habeas-seconds "$seconds"
