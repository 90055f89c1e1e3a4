#!/usr/bin/env bash
# Where the time of generating and encoding a table goes: encoding time per
# column (benches/columns.rs: each column alone, with and without Snappy and
# statistics), then a `perf record` of `cardgen bench --modes encode` on one
# thread, its self time grouped by what the functions do (generating rows,
# dictionary interning, RLE/bit-packing, statistics, Snappy, page assembly,
# memory copies). Needs perf (Debian: linux-perf) for the second part.
#
#   scripts/bench/profile_encode.sh | tee benches/results/profile-encode.txt
#   ROWS=2M TABLES=reference scripts/bench/profile_encode.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/header.sh
rows=${ROWS:-10M}
tables=${TABLES:-"transactions reference"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p cardgen-cli
run_header target/release/cardgen "tables: $tables, perf over $rows rows"
echo
echo "# cargo bench -p cardgen-benches --bench columns -- $tables"
# shellcheck disable=SC2086
cargo bench -q -p cardgen-benches --bench columns -- $tables 2>/dev/null

command -v perf >/dev/null || { echo "perf not found: the profile part is skipped"; exit 0; }
for table in $tables; do
  echo
  echo "## perf: cardgen bench --table $table --rows $rows --threads 1 --modes encode --reps 1"
  perf record -q -e cpu-clock -F 999 -o "$work/$table.data" -- \
    target/release/cardgen bench --table "$table" --rows "$rows" --threads 1 --modes encode --reps 1 \
    --out-dir "$work/out" >/dev/null 2>&1
  perf report -i "$work/$table.data" --no-children --sort symbol --stdio 2>/dev/null \
    | python3 scripts/bench/perf_categories.py
done
