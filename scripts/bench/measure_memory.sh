#!/usr/bin/env bash
# Peak RSS of `cardgen generate` at several row counts, to show that memory
# does not grow with --rows. Fails if the largest and smallest peaks differ by
# more than 10%.
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
echo "peak RSS MB: ${peaks[*]}  (spread ${spread}%)"
if awk -v s="$spread" 'BEGIN { exit !(s > 10) }'; then
  echo "FAIL: peak RSS grows with --rows (spread ${spread}% > 10%)" >&2
  exit 1
fi
echo "OK: peak RSS within 10% across sizes"
