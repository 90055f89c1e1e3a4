#!/usr/bin/env bash
# Reruns every benchmark behind docs/benchmarks.md and stores the raw output
# under benches/results/: `cardgen bench` for both tables, the peer comparison,
# the end-to-end throughput script (10M and 100M rows) and the memory check.
# About ten minutes on 2 cores. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
results=benches/results
mkdir -p "$results"
cargo build --release -q -p cardgen-cli
target/release/cardgen bench --rows 10M --reps 3 --out-dir "$results/bench-transactions" | tee "$results/bench-transactions/table.md"
target/release/cardgen bench --table reference --rows 10M --reps 3 --out-dir "$results/bench-reference" | tee "$results/bench-reference/table.md"
scripts/compare_peers.sh | tee "$results/peers.txt"
scripts/bench_throughput.sh | tee "$results/throughput.txt"
scripts/measure_memory.sh | tee "$results/memory.txt"
