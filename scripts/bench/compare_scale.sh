#!/usr/bin/env bash
# The scale ratios of two git revisions, measured in one run: 1B rows against
# 100M rows to one file, and 20M customers against 170k (30M rows, written).
# bench_scale.sh gives one build's ratios, but a 1B run takes minutes and the
# machine drifts meanwhile; this script runs both builds side by side,
# alternating, so a change that costs the 1B run (or a large population)
# shows as a difference between the builds rather than between runs.
#
#   scripts/bench/compare_scale.sh BEFORE_REV [AFTER_REV] | tee benches/results/scale-compare.txt
#   BIG=200M REPS=1 scripts/bench/compare_scale.sh 10c6c57       # quicker
#
# Env: BIG (1B) and SMALL (100M) rows of the one-file runs, REPS (1)
# alternations of those, POP_REPS (3) of the population runs, OUT_DIR (a
# temporary directory; a 1B file is ~23 GB, deleted after each run).
set -euo pipefail
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."
before=$(git rev-parse --short "$1^{commit}")
after=$(git rev-parse --short "${2:-HEAD}^{commit}")
big=${BIG:-1B}
small=${SMALL:-100M}
reps=${REPS:-1}
pop_reps=${POP_REPS:-3}
threads=$(nproc)
work=$(mktemp -d)
out_dir=${OUT_DIR:-$work/out}
mkdir -p "$out_dir"
trap 'git worktree remove --force "$work/before" >/dev/null 2>&1; git worktree remove --force "$work/after" >/dev/null 2>&1; rm -rf "$work" "$out_dir"/compare-*' EXIT

for side in before after; do
  rev=${!side}
  git worktree add -q --detach "$work/$side" "$rev"
  (cd "$work/$side" && CARGO_TARGET_DIR="$work/target-$side" cargo build --release -q -p cardgen-cli)
done

echo "# date: $(date -u +%FT%TZ)"
echo "# machine: $threads cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# before: $before  after: $after  one file: $small and $big rows x $reps; population: 30M rows x $pop_reps (alternating)"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate() { sed -n 's/.*(\([0-9.]*\)M rows\/s.*/\1/p'; }
rss() { sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p'; }

declare -A rates
for ((i = 1; i <= reps; i++)); do
  for rows in "$small" "$big"; do
    for side in before after; do
      line=$("$work/target-$side/release/cardgen" generate --no-progress --overwrite \
        --out "$out_dir/compare-$side.parquet" --rows "$rows" 2>&1 | tail -n 1 | sed "s#$out_dir#\$TMP#g")
      rm -f "$out_dir/compare-$side.parquet"
      echo "$side rep $i rows=$rows: $line"
      rates[$side-$rows]+="$(rate <<<"$line") "
    done
  done
done
for ((i = 1; i <= pop_reps; i++)); do
  for customers in 170k 20M; do
    for side in before after; do
      line=$("$work/target-$side/release/cardgen" bench --reps 1 --threads "$threads" --modes write \
        --rows 30M --customers "$customers" --out-dir "$out_dir/compare-bench-$side" 2>/dev/null | grep '^| write |')
      echo "$side rep $i customers=$customers: $line"
      rates[$side-$customers]+="$(awk -F'|' '{gsub(/ /, "", $4); print $4}' <<<"$line") "
    done
  done
done

echo
of() { tr ' ' '\n' <<<"${rates[$1]}" | grep . | median; }
for side in before after; do
  awk -v s="$side" -v rs="$(of "$side-$small")" -v rb="$(of "$side-$big")" \
    -v p1="$(of "$side-170k")" -v p2="$(of "$side-20M")" -v small="$small" -v big="$big" 'BEGIN {
      printf "%s: %s vs %s rows %.2f (%.2f / %.2fM rows/s); 20M vs 170k customers %.2f (%.2f / %.2fM rows/s)\n",
        s, big, small, rb / rs, rb, rs, p2 / p1, p2, p1 }'
done
