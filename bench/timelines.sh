#!/usr/bin/env bash
# The timeline and occupancy benchmarks of issue 3 (docs/benchmarks.md): 7.2M synthetic records
# (about 1M persons, 6.2M custody events) imported into one ledger, then 2,000 timelines of random
# persons timed in process, twice (the first run reads a cold page cache), and the occupancy of
# the busiest facility over its whole history.
# Usage: bench/timelines.sh   (needs ../shared/data for the name lists; about 4 GB in bench/out)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
DATA="$OUT/synth-7m.jsonl"
[ -f "$DATA" ] || $B synth --records 7200000 --seed 1 --out "$DATA"
if [ ! -f "$OUT/tl.db" ]; then
  $H --db "$OUT/tl.db" init >/dev/null
  /usr/bin/time -f "import: %e s, peak %M KB" $H --db "$OUT/tl.db" import "$DATA" --no-progress >/dev/null
fi
for run in 1 2; do
  echo "run $run"
  $B timelines --db "$OUT/tl.db" --persons 1000000 --count 2000 --occupancy fac-7 2>&1 | tail -3
done
