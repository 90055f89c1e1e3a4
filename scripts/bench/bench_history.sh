#!/usr/bin/env bash
# What the history and change-feed tables cost a whole dataset run: each
# dataset below is written once (all nine tables, one file each), and the
# share of the run's seconds that `customers_history`, `customers_changes`,
# `cards_history` and `cards_changes` took is read from cardgen's own
# per-table summary lines, in the same run.
# Two datasets: the default population for ROWS transactions, and a large
# population (CUSTOMERS customers for POP_ROWS transactions), where the
# dimension tables weigh most.
#
#   scripts/bench/bench_history.sh | tee benches/results/history.txt
#   ROWS=10M CUSTOMERS=2M POP_ROWS=3M scripts/bench/bench_history.sh      # quicker
#
# Env: ROWS (100M), CUSTOMERS (20M), POP_ROWS (30M), OUT_DIR (a temporary
# directory). Each run's output is deleted after it.
set -euo pipefail
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

rows=${ROWS:-100M}
customers=${CUSTOMERS:-20M}
pop_rows=${POP_ROWS:-30M}
out_dir=${OUT_DIR:-$(mktemp -d)}
trap 'rm -rf "$out_dir"/run; [[ -n ${OUT_DIR:-} ]] || rm -rf "$out_dir"' EXIT

cargo build --release -q -p cardgen-cli
bin=target/release/cardgen
source scripts/lib/header.sh
run_header "$bin" "threads $(nproc), default options"

# run ARGS...: one dataset; prints the summary and the new tables' share.
run() {
  rm -rf "$out_dir/run"
  echo
  echo "\$ cardgen generate --no-progress --out \$TMP/data/ $*"
  local output
  output=$("$bin" generate --no-progress --out "$out_dir/run/data/" "$@" 2>&1 | sed "s#$out_dir#\$TMP#g")
  echo "$output"
  echo "$output" | awk '
    / in [0-9.]+ s / {
      for (i = 1; i < NF; i++) if ($i == "in" && $(i + 2) == "s") secs = $(i + 1)
      total += secs
      if ($0 ~ /(customers|cards)_(history|changes)/) history += secs
    }
    END { printf "history and feed tables: %.2f s of %.2f s (%.1f%% of the run)\n", history, total, 100 * history / total }'
  rm -rf "$out_dir/run"
}

run --rows "$rows"
run --rows "$pop_rows" --customers "$customers"
