#!/usr/bin/env bash
# Peak RSS of `cardgen generate` at several row counts, to show that memory
# does not grow with --rows. Fails if the largest peak exceeds the smallest by
# more than 10% and by more than 8 MB. A run that held its rows would grow by
# about 16 bytes a row (190 MB from 4M to 16M rows); what may grow is small
# and bounded: the footer's ~19 KB per row group, the fraud plan, and the
# tables of a population under 65,536 customers (4M to 16M rows: 51 to 56 MB).
#
#   scripts/bench/measure_memory.sh                # 10M, 50M and 100M rows, default options
#   scripts/bench/measure_memory.sh 2M 8M          # any sizes
#   BATCH_ROWS=250k scripts/bench/measure_memory.sh 2M 8M
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
peaks=()
for rows in "${sizes[@]}"; do
  cmd=("$bin" generate --rows "$rows" "${batch_args[@]}" --threads "$threads" --out "$out_dir/m.parquet" --overwrite --no-progress)
  echo "\$ ${cmd[*]/#$out_dir/\$TMP}"
  line=$("${cmd[@]}" 2>&1 | tail -n 1)
  echo "$line"
  peak=$(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' <<<"$line")
  [[ -n $peak ]] || { echo "could not read peak RSS from: $line" >&2; exit 1; }
  peaks+=("$peak")
done

min=$(printf '%s\n' "${peaks[@]}" | sort -n | head -n1)
max=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -n1)
spread=$(awk -v a="$min" -v b="$max" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
growth=$((max - min))
echo "peak RSS MB: ${peaks[*]}  (spread ${spread}%, ${growth} MB)"
if awk -v s="$spread" -v g="$growth" 'BEGIN { exit !(s > 10 && g > 8) }'; then
  echo "FAIL: peak RSS grows with --rows (spread ${spread}% > 10% and ${growth} MB > 8 MB)" >&2
  exit 1
fi
echo "OK: peak RSS within 10% or 8 MB across sizes"
