#!/usr/bin/env bash
# Reads a cardgen file with the tools users read it with — DuckDB, pyarrow and
# Polars, installed from PyPI into a local venv — and checks what each sees.
# The queries are the README's.
#
#   scripts/check/interop_check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=${VENV:-.venv}
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check pyarrow duckdb polars

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q -p cardgen-cli
target/debug/cardgen generate --rows 200000 --batch-rows 50000 --seed 5 --out "$work/card_transactions.parquet" -q

"$venv/bin/python" - "$work/card_transactions.parquet" <<'PY'
import sys
import duckdb
import polars as pl
import pyarrow.parquet as pq

path = sys.argv[1]

# pyarrow: schema with time zone and dictionaries, metadata with the seed
table = pq.read_table(path)
assert table.num_rows == 200_000, table.num_rows
assert str(table.schema.field("event_ts").type) == "timestamp[us, tz=Asia/Seoul]"
assert str(table.schema.field("category").type).startswith("dictionary<values=string, indices=int8")
meta = pq.read_metadata(path).metadata
assert meta[b"cardgen.seed"] == b"5", meta
print("pyarrow:", table.num_rows, "rows,", table.num_columns, "columns")

# DuckDB: the README's query
con = duckdb.connect()
rows = con.sql(f"""
    SELECT category, count(*) AS txns, median(amount) AS median_krw
    FROM '{path}' GROUP BY category ORDER BY txns DESC
""").fetchall()
assert rows[0][0] == "restaurant", rows[:3]
assert sum(r[1] for r in rows) == 200_000
bad = con.sql(f"SELECT count(*) FROM '{path}' WHERE amount <= 0 OR is_approved <> (response_code = '00')").fetchall()[0][0]
assert bad == 0, bad
print("duckdb:", len(rows), "categories; top:", rows[0])

# Polars: lazy scan, dictionary columns arrive as Categorical
df = pl.scan_parquet(path).group_by("channel").agg(pl.len().alias("txns")).collect()
assert df["txns"].sum() == 200_000
print("polars:", df.height, "channels")
print("interop OK")
PY
