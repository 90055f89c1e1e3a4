"""Datasets committed as Delta Lake and Iceberg tables, and grown by
appends, read back by the readers data engineers use without a JVM: the
`deltalake` package (to pyarrow), Polars' `scan_delta`, pyiceberg with the
SQLite catalog, and DuckDB over the Arrow they return; on local disk and on
the S3 server. Each table read through its format equals the same dataset
written as plain Parquet, and time travel to the first version gives the
first range after an append.

The dataset in parts is written as four `cardgen generate --part K` runs
and one `cardgen finish`, as four machines and a coordinator would.
"""

import os
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from deltalake import DeltaTable

from conftest import assert_same_rows, cli_binary, run_cli

TABLES = ["transactions", "customers", "cards", "merchants", "fraud_cases",
          "customers_history", "customers_changes", "cards_history", "cards_changes"]
# What orders each table's rows: its key (histories and feeds: the entity's
# id, then the start of the version or change).
KEYS = {
    "transactions": "txn_id",
    "customers": "customer_id",
    "cards": "card_id",
    "merchants": "merchant_id",
    "fraud_cases": "case_id",
    "customers_history": [("customer_id", "ascending"), ("valid_from", "ascending")],
    "customers_changes": [("customer_id", "ascending"), ("change_ts", "ascending")],
    "cards_history": [("card_id", "ascending"), ("valid_from", "ascending")],
    "cards_changes": [("card_id", "ascending"), ("change_ts", "ascending")],
}
DATASET = ["--rows", "60k", "--days", "21", "--seed", "11", "--batch-rows", "8k", "--threads", "2"]
LAYOUT = ["--parts", "4", "--partition-by", "day"]


def write_in_parts(out: str, *extra, env=None):
    """Four parts, one run each, then `finish`: the distributed way."""
    for part in range(4):
        run_cli("generate", *DATASET, *LAYOUT, "--part", part, "--out", out, *extra, env=env)
    run_cli("finish", out, env=env)


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict:
    """The dataset as plain Parquet in parts, each table read whole."""
    root = tmp_path_factory.mktemp("plain")
    run_cli("generate", *DATASET, *LAYOUT, "--out", root)
    tables = {}
    for table in TABLES:
        partitioning = ds.partitioning(pa.schema([("event_date", pa.date32())]), flavor="hive")
        dataset = ds.dataset(root / table, format="parquet",
                             partitioning=partitioning if table == "transactions" else None)
        tables[table] = sort(dataset.to_table(), table)
    return tables


def sort(table: pa.Table, name: str) -> pa.Table:
    return table.sort_by(KEYS[name])


def same_columns(got: pa.Table, want: pa.Table, what: str):
    """The same rows, columns compared by name in the plain dataset's order
    (a Delta reader puts partition columns last)."""
    got = got.select(want.column_names)

    def field(f: pa.Field) -> pa.Field:
        w = want.schema.field(f.name)
        # Delta keeps no time zone name (its timestamps are UTC), and a Hive
        # directory's value reads as nullable.
        data_type = w.type if pa.types.is_timestamp(f.type) else f.type
        nullable = w.nullable if f.name == "event_date" else f.nullable
        return pa.field(f.name, data_type, nullable)

    got = got.cast(pa.schema([field(f) for f in got.schema]))
    assert_same_rows(got, want, what)


@pytest.fixture(scope="module")
def delta_local(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("delta") / "lake"
    write_in_parts(str(root), "--table-format", "delta")
    return root


@pytest.mark.parametrize("table", TABLES)
def test_the_deltalake_package_reads_each_table_as_the_plain_dataset(delta_local, plain, table):
    dt = DeltaTable(str(delta_local / table))
    assert dt.version() == 0, "four parts and finish make one version"
    if table == "transactions":
        assert dt.metadata().partition_columns == ["event_date"]
    same_columns(sort(dt.to_pyarrow_table(), table), plain[table], f"deltalake {table}")


def test_polars_scan_delta_reads_the_fact_table(delta_local, plain):
    want = plain["transactions"]
    got = pl.scan_delta(str(delta_local / "transactions")).collect().to_arrow()
    # Polars has its own types (large strings, every column nullable): compare values.
    got = sort(got, "transactions").select(want.column_names).cast(want.schema)
    assert_same_rows(got, want, "polars scan_delta")
    # A filter on the partition column prunes by the log's partition values.
    day = plain["transactions"]["event_date"][0].as_py()
    one_day = pl.scan_delta(str(delta_local / "transactions")).filter(pl.col("event_date") == day).collect()
    assert one_day.height == want.filter(pc.equal(want["event_date"], day)).num_rows > 0


def test_duckdb_queries_the_tables_the_deltalake_package_returns(delta_local, plain):
    transactions = DeltaTable(str(delta_local / "transactions")).to_pyarrow_dataset()
    cards = DeltaTable(str(delta_local / "cards")).to_pyarrow_dataset()
    got = duckdb.sql(
        "select count(*), sum(t.amount), count(distinct c.card_id) "
        "from transactions t join cards c using (card_id)"
    ).fetchall()
    p_transactions, p_cards = plain["transactions"], plain["cards"]  # noqa: F841 (read by DuckDB)
    want = duckdb.sql(
        "select count(*), sum(t.amount), count(distinct c.card_id) "
        "from p_transactions t join p_cards c using (card_id)"
    ).fetchall()
    assert got == want


def test_the_log_records_each_files_statistics(delta_local):
    dt = DeltaTable(str(delta_local / "transactions"))
    adds = pa.table(dt.get_add_actions(flatten=True)).to_pydict()
    assert sum(adds["num_records"]) == 60_000
    assert all(n == 0 for n in adds["null_count.txn_id"])
    assert all(lo <= hi for lo, hi in zip(adds["min.txn_id"], adds["max.txn_id"]))


def test_finish_run_again_commits_nothing(delta_local):
    before = DeltaTable(str(delta_local / "transactions")).version()
    p = subprocess.run([str(cli_binary()), "finish", str(delta_local)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "already committed" in p.stdout
    assert DeltaTable(str(delta_local / "transactions")).version() == before == 0


def test_a_table_format_with_one_parquet_file_is_refused(tmp_path):
    out = tmp_path / "t.parquet"
    p = subprocess.run([str(cli_binary()), "generate", *DATASET, "--table-format", "delta", "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "--table-format" in p.stderr, p.stderr
    assert list(tmp_path.iterdir()) == []


def delta_s3_options(s3) -> dict:
    """The `deltalake` package's settings for the test's S3 server."""
    return {
        "AWS_ENDPOINT_URL": s3.env["AWS_ENDPOINT_URL"],
        "AWS_ACCESS_KEY_ID": s3.env["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": s3.env["AWS_SECRET_ACCESS_KEY"],
        "AWS_REGION": s3.env.get("AWS_REGION", "us-east-1"),
        "AWS_ALLOW_HTTP": "true",
    }


def test_delta_on_s3_reads_as_the_plain_dataset(s3, plain):
    out = f"s3://{s3.bucket}/delta-lake"
    write_in_parts(out, "--table-format", "delta", env=s3.env)
    options = delta_s3_options(s3)
    for table in ["transactions", "cards"]:
        dt = DeltaTable(f"{out}/{table}", storage_options=options)
        assert dt.version() == 0
        same_columns(sort(dt.to_pyarrow_table(), table), plain[table], f"deltalake s3 {table}")
    got = pl.scan_delta(f"{out}/transactions", storage_options=options).select(pl.len()).collect().item()
    assert got == plain["transactions"].num_rows


# ---- Iceberg: a SQLite catalog read by pyiceberg ----

def iceberg_catalog(path, **properties):
    from pyiceberg.catalog.sql import SqlCatalog

    return SqlCatalog("cardgen", uri=f"sqlite:///{path}", **properties)


@pytest.fixture(scope="module")
def iceberg_local(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("iceberg") / "lake"
    write_in_parts(str(root), "--table-format", "iceberg")
    return root


@pytest.mark.parametrize("table", TABLES)
def test_pyiceberg_reads_each_table_from_the_catalog_as_the_plain_dataset(iceberg_local, plain, table):
    catalog = iceberg_catalog(iceberg_local / "_cardgen" / "catalog.db")
    iceberg = catalog.load_table(f"cardgen.{table}")
    assert len(iceberg.metadata.snapshots) == 1, "four parts and finish make one snapshot"
    want = plain[table]
    got = sort(iceberg.scan().to_arrow(), table)
    # Iceberg has no 8- or 16-bit integers and keeps no zone name: compare values.
    assert_same_rows(got.select(want.column_names).cast(want.schema), want, f"pyiceberg {table}")


def test_pyiceberg_prunes_by_partition_and_duckdb_queries_the_scan(iceberg_local, plain):
    catalog = iceberg_catalog(iceberg_local / "_cardgen" / "catalog.db")
    transactions = catalog.load_table("cardgen.transactions")
    day = plain["transactions"]["event_date"][0].as_py()
    scan = transactions.scan(row_filter=f"event_date == '{day.isoformat()}'")
    files = list(scan.plan_files())
    assert files and all(f"event_date={day.isoformat()}/" in f.file.file_path for f in files)
    one_day = scan.to_arrow()
    assert one_day.num_rows == plain["transactions"].filter(pc.equal(plain["transactions"]["event_date"], day)).num_rows
    scanned = transactions.scan().to_arrow()  # noqa: F841 (read by DuckDB)
    p_transactions = plain["transactions"]  # noqa: F841 (read by DuckDB)
    query = "select count(*), sum(amount), count(distinct card_id) from {}"
    assert duckdb.sql(query.format("scanned")).fetchall() == duckdb.sql(query.format("p_transactions")).fetchall()


def test_iceberg_on_s3_with_a_local_catalog(s3, plain, tmp_path):
    out = f"s3://{s3.bucket}/iceberg-lake"
    catalog_path = tmp_path / "catalog.db"
    # The parts commit nothing, so they need no catalog; `finish` does.
    for part in range(4):
        run_cli("generate", *DATASET, *LAYOUT, "--part", part, "--out", out, "--table-format", "iceberg",
                env=s3.env)
    p = subprocess.run([str(cli_binary()), "finish", out], capture_output=True, text=True,
                       env={**os.environ, **s3.env})
    assert p.returncode == 2 and "--catalog" in p.stderr and p.stderr.strip().count("\n") == 0, p.stderr
    run_cli("finish", out, "--catalog", catalog_path, env=s3.env)
    catalog = iceberg_catalog(catalog_path, **{
        "s3.endpoint": s3.env["AWS_ENDPOINT_URL"],
        "s3.access-key-id": s3.env["AWS_ACCESS_KEY_ID"],
        "s3.secret-access-key": s3.env["AWS_SECRET_ACCESS_KEY"],
        "s3.region": s3.env.get("AWS_REGION", "us-east-1"),
    })
    for table in ["transactions", "cards"]:
        want = plain[table]
        got = sort(catalog.load_table(f"cardgen.{table}").scan().to_arrow(), table)
        assert_same_rows(got.select(want.column_names).cast(want.schema), want, f"pyiceberg s3 {table}")


# ---- Appends: the next range of the same world, one more version ----

APPEND = ["generate", "--append", "--rows", "30k"]


def first_snapshot_id(table) -> int:
    return min(table.metadata.snapshots, key=lambda s: s.sequence_number).snapshot_id


def assert_continues(table: pa.Table, first: pa.Table):
    """All of the first range, then 30k rows with ids and days after it."""
    assert table.num_rows == first.num_rows + 30_000
    ids = table["txn_id"].to_pylist()
    assert sorted(ids) == list(range(table.num_rows))
    added = table.filter(pc.greater_equal(table["txn_id"], first.num_rows))
    assert pc.min(added["event_date"]).as_py() > pc.max(first["event_date"]).as_py()


@pytest.fixture(scope="module")
def delta_appended(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("delta-append") / "lake"
    write_in_parts(str(root), "--table-format", "delta")
    run_cli(*APPEND, "--out", root)
    return root


def test_a_delta_append_is_version_1_and_time_travel_to_0_is_the_first_range(delta_appended, plain):
    dt = DeltaTable(str(delta_appended / "transactions"))
    assert dt.version() == 1
    assert_continues(dt.to_pyarrow_table(), plain["transactions"])
    first = DeltaTable(str(delta_appended / "transactions"), version=0)
    same_columns(sort(first.to_pyarrow_table(), "transactions"), plain["transactions"], "deltalake version 0")
    # Polars reads either version too.
    got = pl.scan_delta(str(delta_appended / "transactions"), version=0).select(pl.len()).collect().item()
    assert got == plain["transactions"].num_rows
    # The population is the first range's: no new version of it.
    assert DeltaTable(str(delta_appended / "customers")).version() == 0
    same_columns(sort(DeltaTable(str(delta_appended / "customers")).to_pyarrow_table(), "customers"),
                 plain["customers"], "customers after an append")


def test_every_appended_fraud_row_has_its_case_and_every_card_its_row(delta_appended):
    tables = {t: DeltaTable(str(delta_appended / t)).to_pyarrow_table() for t in TABLES}
    transactions, fraud_cases, cards = tables["transactions"], tables["fraud_cases"], tables["cards"]  # noqa: F841
    orphans = duckdb.sql(
        "select count(*) filter (where fraud_case_id is not null and fraud_case_id not in "
        "(select case_id from fraud_cases)), count(*) filter (where card_id not in (select card_id from cards)) "
        "from transactions"
    ).fetchall()[0]
    assert orphans == (0, 0)
    assert fraud_cases.num_rows == len(set(fraud_cases["case_id"].to_pylist()))


def test_an_appends_card_feed_inserts_the_cards_it_adds_and_its_changes_follow_the_first_range(
        delta_appended, plain):
    def versions(table):
        path = str(delta_appended / table)
        return DeltaTable(path, version=0).to_pyarrow_table(), DeltaTable(path).to_pyarrow_table()

    cards_0, cards_1 = versions("cards")
    feed_0, feed_1 = versions("cards_changes")
    customers_feed_0, customers_feed_1 = versions("customers_changes")
    assert DeltaTable(str(delta_appended / "cards_changes")).version() == 1
    added = duckdb.sql("select * from cards_1 except select * from cards_0").to_arrow_table()
    assert added.num_rows > 0, "the append's fraud cases replace cards"
    columns = ", ".join(cards_0.column_names)
    inserted = duckdb.sql(f"select {columns} from (select * from feed_1 except select * from feed_0) "
                          "where op = 'insert'").to_arrow_table()
    assert_same_rows(sort(inserted, "cards"), sort(added, "cards"), "cards inserted by the append")
    # The customers' changes the append adds start after the first range ends.
    first_end = plain["transactions"]["event_ts"].to_pylist()[-1]
    new_changes = duckdb.sql("select min(change_ts) from (select * from customers_feed_1 "
                             "except select * from customers_feed_0)").fetchall()[0][0]
    assert new_changes is not None and new_changes > first_end


@pytest.fixture(scope="module")
def iceberg_appended(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("iceberg-append") / "lake"
    write_in_parts(str(root), "--table-format", "iceberg")
    run_cli(*APPEND, "--out", root)
    return root


def test_an_iceberg_append_is_a_second_snapshot_and_the_first_reads_as_the_first_range(iceberg_appended, plain):
    catalog = iceberg_catalog(iceberg_appended / "_cardgen" / "catalog.db")
    transactions = catalog.load_table("cardgen.transactions")
    assert len(transactions.metadata.snapshots) == 2
    want = plain["transactions"]
    assert_continues(transactions.scan().to_arrow(), want)
    first = transactions.scan(snapshot_id=first_snapshot_id(transactions)).to_arrow()
    assert_same_rows(sort(first, "transactions").select(want.column_names).cast(want.schema), want,
                     "pyiceberg first snapshot")
    assert len(catalog.load_table("cardgen.merchants").metadata.snapshots) == 1


def test_an_append_with_another_seed_is_one_line_and_commits_nothing(delta_appended):
    p = subprocess.run([str(cli_binary()), *APPEND, "--seed", "12", "--out", str(delta_appended)],
                       capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().count("\n") == 0 and "--seed 11, not 12" in p.stderr, p.stderr
    assert DeltaTable(str(delta_appended / "transactions")).version() == 1


def test_a_delta_append_on_s3(s3, plain):
    out = f"s3://{s3.bucket}/delta-append"
    write_in_parts(out, "--table-format", "delta", env=s3.env)
    run_cli(*APPEND, "--out", out, env=s3.env)
    options = delta_s3_options(s3)
    dt = DeltaTable(f"{out}/transactions", storage_options=options)
    assert dt.version() == 1
    assert_continues(dt.to_pyarrow_table(), plain["transactions"])
    first = DeltaTable(f"{out}/transactions", version=0, storage_options=options)
    same_columns(sort(first.to_pyarrow_table(), "transactions"), plain["transactions"], "deltalake s3 version 0")
