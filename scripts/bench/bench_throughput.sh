#!/usr/bin/env bash
# End-to-end throughput of `cardgen generate` (default options, Snappy) for 1
# thread and all threads at 10M rows, then one 100M-row run. Prints the
# machine, each command and cardgen's raw summary lines, then medians.
#
#   scripts/bench/bench_throughput.sh | tee benches/results/throughput-$(date +%F).txt
#   REPS=5 ROWS=10M BIG_ROWS=100M scripts/bench/bench_throughput.sh
#
# Env: REPS (default 3), ROWS (10M), BIG_ROWS (100M), OUT_DIR (a temporary
# directory) for the file, bench.parquet, removed at the end.
set -euo pipefail
# OUT_DIR is taken relative to where the script is run from.
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

reps=${REPS:-3}
rows=${ROWS:-10M}
big_rows=${BIG_ROWS:-100M}
all=$(nproc)
out_dir=${OUT_DIR:-$(mktemp -d)}
# Only the file written here: OUT_DIR may hold other things.
trap 'rm -f "$out_dir/bench.parquet"; [[ -n ${OUT_DIR:-} ]] || rm -rf "$out_dir"' EXIT

cargo build --release -q -p cardgen-cli
bin=target/release/cardgen

source scripts/lib/header.sh
run_header "$bin"

run() {
  local cmd=("$bin" generate --no-progress --overwrite --out "$out_dir/bench.parquet" "$@")
  echo "\$ cardgen generate $*" >&2
  "${cmd[@]}" 2>&1 | tail -n 1
}

rate() { sed -n 's/.*(\([0-9.]*\)M rows\/s.*/\1/p'; }

declare -A median
for threads in 1 "$all"; do
  rates=()
  for ((i = 1; i <= reps; i++)); do
    line=$(run --rows "$rows" --threads "$threads")
    echo "threads=$threads rep=$i: $line"
    rates+=("$(rate <<<"$line")")
  done
  median[$threads]=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
done
line=$(run --rows "$big_rows" --threads "$all")
echo "threads=$all rows=$big_rows: $line"

echo
echo "| rows | threads | median M rows/s ($reps runs) |"
echo "|---|---|---|"
echo "| $rows | 1 | ${median[1]} |"
echo "| $rows | $all | ${median[$all]} |"
awk -v a="${median[1]}" -v b="${median[$all]}" -v n="$all" 'BEGIN { printf "speedup 1 -> %d threads: %.2fx\n", n, b / a }'
