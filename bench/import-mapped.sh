#!/usr/bin/env bash
# The mapped-import benchmark of issue 6 (docs/benchmarks.md): the public datasets of
# ../shared/data imported through the shipped mappings, time and peak memory; then the
# over-capacity check over every facility with a capacity.
# Usage: bench/import-mapped.sh   (needs ../shared/data beside the project)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data
OUT=bench/out/mapped
M=examples/mappings
rm -rf "$OUT" && mkdir -p "$OUT"
cargo build --release --locked -q -p habeas
H=target/release/habeas
timed() { # label, then the command
  local label=$1; shift
  # Exit 1 means some rows were rejected (and listed): expected for the facility list.
  /usr/bin/time -f "$label: %e s, peak %M KB" "$@" > "$OUT/last.json" || [ $? -eq 1 ]
  python3 -c "import json,sys; j=json.load(open('$OUT/last.json')); print('   appended', j['appended'], 'unchanged', j['unchanged'], 'rejected', len(j['rejected']))" 2>/dev/null || true
}
db="$OUT/ledger.db"
$H --db "$db" init >/dev/null
timed "facility list (1,685 rows, CSV gz)" $H --db "$db" import --json --keep-going --no-progress --mapping $M/ice-facilities-2017.toml $DATA/ice-facilities-2017.csv.gz
timed "daily population (888,699 rows, Parquet)" $H --db "$db" import --json --keep-going --no-progress --mapping $M/ddp-daily-population.toml $DATA/ddp-facilities-daily-population.parquet
timed "daily population again (all unchanged)" $H --db "$db" import --json --keep-going --no-progress --mapping $M/ddp-daily-population.toml $DATA/ddp-facilities-daily-population.parquet
timed "daily headcount (928,231 rows, CSV gz)" $H --db "$db" import --json --keep-going --no-progress --mapping $M/ice-daily-headcount.toml $DATA/ice-daily-headcount-fy12-24.csv.gz
/usr/bin/time -f "over-capacity over all facilities: %e s, peak %M KB" \
  $H --db "$db" check --rule over-capacity --json > "$OUT/over-capacity.json"
python3 - "$OUT/over-capacity.json" <<'PY'
import json, sys, collections
findings = json.load(open(sys.argv[1]))["findings"]
by = collections.Counter(f["outcome"] for f in findings)
places = {f["about"] for f in findings if f["outcome"] == "warning"}
print(f"   {len(findings)} findings: {dict(by)}; {len(places)} facilities over capacity at some time")
PY
ls -la "$db" | awk '{print "   ledger file: " $5 " bytes"}'
