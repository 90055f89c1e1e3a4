#!/usr/bin/env bash
# Writing to object storage: a dataset to the local S3 server (SeaweedFS on
# loopback, scripts/servers/s3_server.sh) against the same dataset to local disk —
# rows/s and peak RSS from cardgen's summary lines, raw output printed.
#
#   scripts/bench/bench_s3.sh | tee benches/results/s3-100m.txt
#
# Env: ROWS (default 100M), PARTS (4), OUT_DIR (a temporary directory,
# which also holds the server's data). Note that the server runs on the same
# 2 cores as cardgen, so this measures both; a remote store would not.
set -euo pipefail
# OUT_DIR is taken relative to where the script is run from.
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

rows=${ROWS:-100M}
parts=${PARTS:-4}
out_dir=${OUT_DIR:-$(mktemp -d)}
cleanup() {
  scripts/servers/s3_server.sh stop "$out_dir/s3" >/dev/null 2>&1 || true
  [[ -n ${OUT_DIR:-} ]] || rm -rf "$out_dir"
}
trap cleanup EXIT

cargo build --release -q -p cardgen-cli --features s3
bin=target/release/cardgen
source scripts/lib/header.sh
run_header "$bin" "threads $(nproc), default options (Snappy, 250k-row batches), rows $rows"
eval "$(scripts/servers/s3_server.sh start "$out_dir/s3" 2>/dev/null)"
echo "# S3 server: SeaweedFS $("${VENV:-target/ci-venv}/bin/weed" version 2>/dev/null | head -n1) on loopback"

run() {
  local label=$1
  shift
  echo
  echo "## $label"
  echo "\$ cardgen generate --no-progress --rows $rows $*" | sed "s#$out_dir#\$TMP#g"
  "$bin" generate --no-progress --rows "$rows" "$@" 2>&1 | sed "s#$out_dir#\$TMP#g"
}

run "local disk, --parts $parts" --out "$out_dir/local/" --parts "$parts"
rm -rf "$out_dir/local"
run "S3 (SeaweedFS on loopback), --parts $parts" --out "s3://cardgen/bench/" --parts "$parts"
run "S3, one file" --out "s3://cardgen/bench-one/transactions.parquet"
