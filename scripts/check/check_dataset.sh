#!/usr/bin/env bash
# Generates a fixed-seed dataset (2M transactions over a year, all nine
# tables) and checks it with DuckDB from PyPI: the fact table's joins to
# customers, cards and merchants, the behavioural model against the default
# profile, and the customers' and cards' histories and change feeds (SCD2, a MERGE
# of the feed, purchases that follow a move) (scripts/check/check_dataset.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${VENV:-.venv}
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check duckdb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q -p cardgen-cli
target/debug/cardgen generate --rows ${ROWS:-2M} --days 364 --start 2025-01-06 --seed 2025 --out "$work/data" -q
target/debug/cardgen config --print-default >"$work/profile.toml"
"$venv/bin/python" scripts/check/check_dataset.py "$work/data" "$work/profile.toml"
