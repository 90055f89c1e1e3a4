#!/usr/bin/env bash
# A dataset in parts against one file (transactions alone, and every table
# in a file of its own): wall time, rows/s, peak RSS, and the files written
# (count and sizes), for the same rows and seed. Prints the
# machine, each command and cardgen's raw summary lines.
#
#   scripts/bench/bench_parts.sh | tee benches/results/parts-1b.txt      # 1B rows, ~20 GB per run
#   ROWS=100M scripts/bench/bench_parts.sh                               # quicker
#
# Env: ROWS (default 1B), PARTS (8), WITH_WRITERS=1 (adds a --writers 2
# run), OUT_DIR (a temporary directory). Each
# run's output is deleted before the next, so the disk holds one at a time.
set -euo pipefail
# OUT_DIR is taken relative to where the script is run from.
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

rows=${ROWS:-1B}
parts=${PARTS:-8}
out_dir=${OUT_DIR:-$(mktemp -d)}
trap 'rm -rf "$out_dir"/run; [[ -n ${OUT_DIR:-} ]] || rm -rf "$out_dir"' EXIT

cargo build --release -q -p cardgen-cli
bin=target/release/cardgen
source scripts/lib/header.sh
run_header "$bin" "threads $(nproc), default options (Snappy, 250k-row batches), rows $rows"

# Count, total and size range of the Parquet files under a directory.
file_stats() {
  find "$1" -name '*.parquet' -printf '%s\n' | sort -n | awk '
    {s[NR]=$1; t+=$1}
    END {printf "%d files, %.2f GB; sizes min %.1f MB, median %.1f MB, max %.1f MB\n",
         NR, t/1e9, s[1]/1e6, s[int((NR+1)/2)]/1e6, s[NR]/1e6}'
}

run() {
  local label=$1 target=$2
  shift 2
  rm -rf "$out_dir/run"
  echo
  echo "## $label"
  echo "\$ cardgen generate --no-progress --rows $rows --out \$TMP/${target#"$out_dir/"} $*"
  local started ended
  started=$(date +%s.%N)
  "$bin" generate --no-progress --rows "$rows" --out "$target" "$@" 2>&1 | sed "s#$out_dir#\$TMP#g"
  ended=$(date +%s.%N)
  echo "wall (whole command): $(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.1f s", b - a}')"
  echo "files: $(file_stats "$out_dir/run")"
}

mkdir -p "$out_dir/run"
run "one file (transactions only)" "$out_dir/run/one.parquet"
# The same nine tables as the parts, one file each: like for like.
run "one file per table (a dataset directory)" "$out_dir/run/tables/"
run "--parts $parts" "$out_dir/run/lake/" --parts "$parts"
run "--parts $parts --partition-by day" "$out_dir/run/lake/" --parts "$parts" --partition-by day
# Two files at once on 2 cores: what --writers costs where one writer is not the limit.
[[ ${WITH_WRITERS:-0} == 1 ]] && run "--parts $parts, two writers" "$out_dir/run/lake/" --parts "$parts" --writers 2
true
