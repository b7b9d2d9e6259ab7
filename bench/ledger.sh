#!/usr/bin/env bash
# The ledger benchmarks of issue 2, side by side in one run (docs/benchmarks.md):
#   import records/s and peak memory   vs  the same canonical rows inserted into a bare SQLite table
#   verify bytes/s                     vs  sha256sum over the same canonical bytes
#   inclusion-proof latency at the full size
# Usage: [ROUNDS=3] bench/ledger.sh [RECORDS]   (default 1000000; needs ../shared/data for the name
# lists). The import and the bare rowid insert run ROUNDS times, alternating, each into a new file,
# and so do verify and sha256sum: on a shared machine a single pair can be off by a fifth either
# way, so each ratio reported is the median of the rounds', each round's printed beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-1000000}
ROUNDS=${ROUNDS:-3}
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --locked -q -p habeas -p habeas-bench
H=target/release/habeas
B=target/release/habeas-bench
DATA="$OUT/synth-$RECORDS.jsonl"
CANON="$OUT/synth-$RECORDS.canonical"
[ -f "$DATA" ] || $B synth --records "$RECORDS" --seed 1 --out "$DATA"
[ -f "$CANON" ] || $B canonical "$DATA" --out "$CANON"
rm -f "$OUT"/ledger.db* "$OUT"/bare*.db* 
sync

measure() { # label, command...: prints wall seconds, peak RSS (MB) and processor seconds
  # (user + system: steadier than the wall clock on a shared machine)
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.txt" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err"
  read -r secs kb user sys < "$OUT/time.txt"
  SECS=$secs
  echo "$label $secs s, $((kb / 1024)) MB, cpu $(awk "BEGIN { print $user + $sys }") s"
}

echo "records: $(wc -l < "$DATA"), input bytes: $(stat -c %s "$DATA"), canonical bytes: $(stat -c %s "$CANON")"
median() { printf '%s\n' "$@" | sort -n | awk '{ r[NR] = $1 } END { print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'; }

ratios=()
imports=()
for round in $(seq 1 "$ROUNDS"); do
  rm -f "$OUT"/ledger.db* "$OUT"/bare.db*
  sync
  $H --db "$OUT/ledger.db" init >/dev/null
  measure import $H --db "$OUT/ledger.db" import "$DATA" --no-progress
  import_secs=$SECS
  imports+=("$SECS")
  measure bare-rowid $B bare-insert "$CANON" --db "$OUT/bare.db"
  ratio=$(awk "BEGIN { printf \"%.3f\", $SECS / $import_secs }")
  echo "round $round: import / bare rowid $ratio"
  ratios+=("$ratio")
done
echo "import / bare rowid, median of $ROUNDS: $(median "${ratios[@]}") (target: at least 0.333)"
measure bare-keyed $B bare-insert "$CANON" --db "$OUT/bare-keyed.db" --keyed
# For context, not a target: a table that, like the ledger's records view, finds a row by its id.
echo "import (median) / bare keyed: $(awk "BEGIN { printf \"%.3f\", $SECS / $(median "${imports[@]}") }")"
sync
# verify against sha256sum, alternating as above: sha256sum alone varies by a third here.
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  measure verify $H --db "$OUT/ledger.db" verify
  verify_secs=$SECS
  measure sha256sum sha256sum "$CANON"
  ratio=$(awk "BEGIN { printf \"%.3f\", $SECS / $verify_secs }")
  echo "round $round: verify / sha256sum $ratio"
  ratios+=("$ratio")
done
echo "verify / sha256sum, median of $ROUNDS: $(median "${ratios[@]}") (target: at least 0.5)"
$B proofs --db "$OUT/ledger.db" --count 10000
echo "ledger file: $(du -m "$OUT/ledger.db" | cut -f1) MB"
