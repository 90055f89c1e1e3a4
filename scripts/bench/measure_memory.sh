#!/usr/bin/env bash
# Peak RSS of `cardgen generate` at several row counts, to show that memory
# does not grow with --rows. Fails if the largest peak exceeds the first (the
# smallest size) by more than 10% and by more than 8 MB. A run that held its
# rows would grow by about 16 bytes a row (190 MB from 4M to 16M rows); what may grow is small
# and bounded: the footer's ~19 KB per row group, the fraud plan, and the
# tables of a population under 65,536 customers (4M to 16M rows: 51 to 56 MB).
#
# Then the same check across the number of parts: a dataset of PART_ROWS
# (2M) rows written in PARTS (20, then 2000) parts, that is 180 and 18,000
# files; a run that kept something per file would grow with them (one
# writer's encoder per file was ~28 KB, 500 MB for 18,000).
#
#   scripts/bench/measure_memory.sh                # 10M, 50M and 100M rows, default options
#   scripts/bench/measure_memory.sh 2M 8M          # any sizes
#   BATCH_ROWS=250k scripts/bench/measure_memory.sh 2M 8M
#   PARTS= scripts/bench/measure_memory.sh         # without the check across parts
#
# Peak RSS is the process's VmHWM as reported in cardgen's own summary line.
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10M 50M 100M)
batch_args=()
[[ -z ${BATCH_ROWS:-} ]] || batch_args=(--batch-rows "$BATCH_ROWS")
threads=${THREADS:-$(nproc)}
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

cargo build --release -q -p cardgen-cli
bin=target/release/cardgen

source scripts/lib/header.sh
run_header "$bin" "threads $threads, batch rows ${BATCH_ROWS:-default}"
# Fails if the largest peak (MB) exceeds the first, measured at the smallest
# size, by more than 10% and more than 8 MB; $1 says what the runs grow in.
check_growth() {
  local across=$1
  shift
  local first=$1 max growth spread
  max=$(printf '%s\n' "$@" | sort -n | tail -n1)
  growth=$((max - first))
  spread=$(awk -v a="$first" -v g="$growth" 'BEGIN { printf "%.1f", g * 100 / a }')
  echo "peak RSS MB: $*  (growth ${spread}%, ${growth} MB)"
  if awk -v s="$spread" -v g="$growth" 'BEGIN { exit !(s > 10 && g > 8) }'; then
    echo "FAIL: peak RSS grows with $across (${spread}% > 10% and ${growth} MB > 8 MB)" >&2
    exit 1
  fi
  echo "OK: peak RSS within 10% or 8 MB of the first run across $across"
}

# Runs the command and prints its summary line; sets `peak` from it.
measure() {
  echo "\$ ${*/#$out_dir/\$TMP}"
  local line
  line=$("$@" 2>&1 | grep 'peak RSS' | tail -n 1)
  echo "$line"
  peak=$(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' <<<"$line")
  [[ -n $peak ]] || { echo "could not read peak RSS from: $line" >&2; exit 1; }
}

peaks=()
for rows in "${sizes[@]}"; do
  measure "$bin" generate --rows "$rows" "${batch_args[@]}" --threads "$threads" --out "$out_dir/m.parquet" --overwrite --no-progress
  peaks+=("$peak")
done
check_growth --rows "${peaks[@]}"

parts_counts=(${PARTS-20 2000})
[[ ${#parts_counts[@]} -gt 0 ]] || exit 0
peaks=()
for parts in "${parts_counts[@]}"; do
  rm -rf "$out_dir/lake"
  measure "$bin" generate --rows "${PART_ROWS:-2M}" --parts "$parts" "${batch_args[@]}" --threads "$threads" --out "$out_dir/lake/" --no-progress
  peaks+=("$peak")
done
check_growth --parts "${peaks[@]}"
