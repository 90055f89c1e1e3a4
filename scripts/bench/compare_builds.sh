#!/usr/bin/env bash
# Throughput of two git revisions of cardgen, alternating runs of the same
# `cardgen bench` so that machine drift hits both alike. Used to check that a
# change (e.g. the realism model) costs little speed.
#
#   scripts/bench/compare_builds.sh BEFORE_REV [AFTER_REV] | tee benches/results/before-after.txt
#   REPS=5 ROWS=10M scripts/bench/compare_builds.sh 4f3c2a1
set -euo pipefail
cd "$(dirname "$0")/../.."
# Resolved once: a commit made while the builds run must not change what
# the header says was measured.
before=$(git rev-parse --short "$1^{commit}")
after=$(git rev-parse --short "${2:-HEAD}^{commit}")
reps=${REPS:-5}
rows=${ROWS:-10M}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/before" >/dev/null 2>&1; git worktree remove --force "$work/after" >/dev/null 2>&1; rm -rf "$work"' EXIT

for side in before after; do
  rev=${!side}
  git worktree add -q --detach "$work/$side" "$rev"
  (cd "$work/$side" && CARGO_TARGET_DIR="$work/target-$side" cargo build --release -q -p cardgen-cli)
done

echo "# date: $(date -u +%FT%TZ)"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# before: $(git rev-parse --short "$before")  after: $(git rev-parse --short "$after")  rows: $rows  reps: $reps (alternating)"
for ((i = 1; i <= reps; i++)); do
  for side in before after; do
    "$work/target-$side/release/cardgen" bench --rows "$rows" --reps 1 --threads 1,$(nproc) --modes write \
      --out-dir "$work/out-$side" 2>/dev/null | grep '^| write' | sed "s/^/$side rep $i /"
  done
done | tee "$work/all.txt"

echo
for threads in 1 $(nproc); do
  b=$(grep "^before .*| write | $threads |" "$work/all.txt" | awk -F'|' '{print $4}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  a=$(grep "^after .*| write | $threads |" "$work/all.txt" | awk -F'|' '{print $4}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  awk -v b="$b" -v a="$a" -v t="$threads" 'BEGIN { printf "threads %d: before %.2fM rows/s, after %.2fM rows/s, change %+.1f%%\n", t, b, a, (a / b - 1) * 100 }'
done
