#!/usr/bin/env bash
# CI step: Spark (local[2]), DuckDB, pyarrow and Polars read the lake layout
# that `cardgen generate --parts N [--part K] --partition-by ...` and
# `cardgen finish` write, and find the same rows as a flat run
# (tests/python/test_spark_read.py, scripts/check/spark_check.py).
#
#   scripts/check/spark_ci.sh [PYTEST ARGS]
#
# CARDGEN_BIN: the binary under test (default target/release/cardgen; CI
# builds target/debug/cardgen, which is fast enough at 1M rows).
# SPARK_TEST_ROWS: rows of the CLI's datasets (default 1M).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib/spark_env.sh
source scripts/lib/spark_env.sh
export CARDGEN_BIN=${CARDGEN_BIN:-target/release/cardgen}
if [[ ! -x $CARDGEN_BIN ]]; then
  echo "spark_ci: no cardgen binary at $CARDGEN_BIN (cargo build -p cardgen-cli, then CARDGEN_BIN=target/debug/cardgen)" >&2
  exit 1
fi
exec "$SPARK_VENV/bin/python" -m pytest -q -p no:cacheprovider tests/python/test_spark_read.py tests/python/test_s3_read.py "$@"
