"""Reads cardgen's lake layout with Spark, DuckDB, pyarrow and Polars and
checks it against a flat run of the same seed (scripts/check/spark_check.py).

    source scripts/lib/spark_env.sh
    CARDGEN_BIN=target/release/cardgen "$SPARK_VENV/bin/python" -m pytest -q tests/python/test_spark_read.py

Two groups:
  - test_fabricated_*: a lake built with pyarrow from a flat run
    (tests/python/lake_fixture.py). They test the checks themselves,
    including that a damaged dataset fails them, and need only the flat
    output that `cardgen generate --out DIR` already writes.
  - test_cli_*: the lake layout as the CLI writes it:
      cardgen generate --rows R --seed 7 --out FLAT
      cardgen generate --rows R --seed 7 --out DAY --parts 3 --part K --partition-by day   (K = 0, 1, 2)
      cardgen finish DAY
      cardgen generate --rows R --seed 7 --out MONTH --parts 2 --partition-by month
    then the Spark checks and the other readers on DAY and MONTH.

Environment: CARDGEN_BIN (default target/release/cardgen, relative to the
repository root), SPARK_TEST_ROWS (default 1M) for the CLI datasets.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "check"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lake_fixture  # noqa: E402
import spark_check  # noqa: E402

BIN = Path(os.environ.get("CARDGEN_BIN", "target/release/cardgen"))
if not BIN.is_absolute():
    BIN = ROOT / BIN
ROWS = os.environ.get("SPARK_TEST_ROWS", "1M")
SMALL_ROWS = "50k"
SEED = "7"
# `--part K` counts from 0, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX,
# and part K's manifest is _cardgen/parts/part-0000K.json.
PARTS_DAY, PARTS_MONTH = 3, 2


def cardgen(*args):
    cmd = [str(BIN), *map(str, args)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(
            f"`cardgen {' '.join(cmd[1:])}` exited {p.returncode}:\n{(p.stderr or p.stdout).strip()}",
            pytrace=False,
        )
    return p


def flat_rows(flat):
    import pyarrow.parquet as pq

    return {t: pq.read_metadata(Path(flat) / f"{t}.parquet").num_rows for t in spark_check.TABLES}


# --- fixtures ---------------------------------------------------------------


@pytest.fixture(scope="session")
def spark():
    if not BIN.is_file():
        pytest.fail(f"no cardgen binary at {BIN} (set CARDGEN_BIN)", pytrace=False)
    session = spark_check.spark_session(app="test_spark_read")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def small_flat(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "flat"
    cardgen("generate", "--rows", SMALL_ROWS, "--seed", SEED, "--out", out, "-q")
    return out


@pytest.fixture(scope="session")
def fabricated_day(small_flat):
    out = lake_fixture.fabricate(small_flat, small_flat.parent / "lake_day", PARTS_DAY, "day")
    # Names Spark's own writer leaves in a table directory; Spark and pyarrow
    # skip `_` and `.` names, DuckDB's and Polars' `**/*.parquet` globs do
    # not match them (a `_x.parquet` would be read by those two, and break
    # them: see docs/scale-out.md).
    (out / "transactions" / "_SUCCESS").write_text("")
    (out / "transactions" / "_cardgen").mkdir()
    (out / "transactions" / "_cardgen" / "part-00000.json").write_text("{}")
    return out


@pytest.fixture(scope="session")
def flat(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "flat"
    cardgen("generate", "--rows", ROWS, "--seed", SEED, "--out", out, "-q")
    return out


@pytest.fixture(scope="session")
def cli_day(flat):
    """Three parts written one at a time, as three machines would, then finish."""
    out = flat.parent / "lake_day"
    success_after = []
    for k in range(PARTS_DAY):
        cardgen("generate", "--rows", ROWS, "--seed", SEED, "--out", out,
                "--parts", PARTS_DAY, "--part", k, "--partition-by", "day", "-q")
        success_after.append((out / "_SUCCESS").exists())
    cardgen("finish", out)
    return {"out": out, "success_after_parts": success_after}


@pytest.fixture(scope="session")
def cli_month(flat):
    """Two parts written by one invocation."""
    out = flat.parent / "lake_month"
    cardgen("generate", "--rows", ROWS, "--seed", SEED, "--out", out,
            "--parts", PARTS_MONTH, "--partition-by", "month", "-q")
    return out


# --- the readers of docs/scale-out.md ----------------------------------------


def read_with_other_engines(lake, partition_by):
    """Reads OUT/transactions with the commands of docs/scale-out.md; returns
    {engine: (rows, type of event_date, type of event_month or None)}."""
    import duckdb
    import polars as pl
    import pyarrow as pa
    import pyarrow.dataset as ds

    lake = Path(lake)
    seen = {}

    # DuckDB: hive_partitioning turns event_date=YYYY-MM-DD into a DATE by itself.
    rel = duckdb.sql(
        f"SELECT * FROM read_parquet('{lake}/transactions/**/*.parquet', hive_partitioning = true)"
    )
    types = dict(zip(rel.columns, map(str, rel.types)))
    rows = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{lake}/transactions/**/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    seen["duckdb"] = (rows, types.get("event_date"), types.get("event_month"))

    # pyarrow: "hive" alone reads event_date=2025-03-01 as a string; name the type.
    if partition_by == "day":
        partitioning = ds.partitioning(pa.schema([("event_date", pa.date32())]), flavor="hive")
    else:
        partitioning = "hive"
    dataset = ds.dataset(lake / "transactions", format="parquet", partitioning=partitioning)
    schema = dataset.schema
    seen["pyarrow"] = (
        dataset.count_rows(),
        str(schema.field("event_date").type),
        str(schema.field("event_month").type) if "event_month" in schema.names else None,
    )

    # Polars: hive dates are parsed (try_parse_hive_dates defaults to True).
    lf = pl.scan_parquet(f"{lake}/transactions/**/*.parquet", hive_partitioning=True)
    pschema = lf.collect_schema()
    seen["polars"] = (
        lf.select(pl.len()).collect().item(),
        str(pschema["event_date"]),
        str(pschema["event_month"]) if "event_month" in pschema else None,
    )
    return seen


EXPECTED_TYPES = {"duckdb": ("DATE", "VARCHAR"), "pyarrow": ("date32[day]", "string"), "polars": ("Date", "String")}


def assert_readers(lake, flat_dir, partition_by):
    want_rows = flat_rows(flat_dir)["transactions"]
    seen = read_with_other_engines(lake, partition_by)
    for engine, (rows, date_type, month_type) in seen.items():
        want_date, want_month = EXPECTED_TYPES[engine]
        assert rows == want_rows, f"{engine}: {rows} rows, flat {want_rows}"
        assert date_type == want_date, f"{engine}: event_date is {date_type}"
        if partition_by == "month":
            assert month_type == want_month, f"{engine}: event_month is {month_type}"
        else:
            assert month_type is None, f"{engine}: unexpected event_month {month_type}"


def assert_spark(spark, lake, flat_dir, partition_by):
    rep = spark_check.run_checks(spark, lake, flat_dir, partition_by)
    assert not rep.failures, "Spark checks failed:\n  " + "\n  ".join(rep.failures)


def assert_manifests(out, parts, partition_by, flat_dir):
    """_cardgen/ as `cardgen-lake/1` has it: dataset.json's rows are the flat
    run's; part K's manifest lists its files (name, rows, bytes, crc32 as 8
    hex digits), the parts' row ranges follow one another, and every Parquet
    file under the table directories is listed exactly once."""
    out = Path(out)
    want = flat_rows(flat_dir)
    dataset = json.loads((out / "_cardgen" / "dataset.json").read_text())
    assert str(dataset.get("format", "")).startswith("cardgen-lake/"), dataset.get("format")
    assert dataset["parts"] == parts, dataset["parts"]
    assert {t["name"]: t["rows"] for t in dataset["tables"]} == want
    assert dataset["options"]["partition_by"] == partition_by, dataset["options"]
    assert str(dataset["options"]["seed"]) == SEED, dataset["options"]
    names = sorted(p.name for p in (out / "_cardgen" / "parts").glob("*.json"))
    assert names == [f"part-{k:05d}.json" for k in range(parts)], names
    listed, next_row = set(), {t: 0 for t in spark_check.TABLES}
    for k in range(parts):
        part = json.loads((out / "_cardgen" / "parts" / f"part-{k:05d}.json").read_text())
        assert (part["part"], part["parts"]) == (k, parts), (part["part"], part["parts"])
        for table in part["tables"]:
            name = table["name"]
            assert table["first_row"] == next_row[name], f"part {k} {name}: first_row {table['first_row']}, expected {next_row[name]}"
            next_row[name] += table["rows"]
            assert sum(f["rows"] for f in table["files"]) == table["rows"], f"part {k} {name}: file rows ≠ {table['rows']}"
            for f in table["files"]:
                path = out / f["name"]
                assert f["name"] not in listed, f"{f['name']} listed twice"
                listed.add(f["name"])
                assert path.is_file(), f"{f['name']} listed by part {k} but missing"
                assert path.stat().st_size == f["bytes"], f"{f['name']}: {path.stat().st_size} bytes, manifest {f['bytes']}"
                assert f"{lake_fixture._crc32(path):08x}" == f["crc32"].lower(), f"{f['name']}: crc32 differs"
    assert next_row == want, f"rows in the parts {next_row}, flat {want}"
    on_disk = {p.relative_to(out).as_posix() for t in spark_check.TABLES for p in (out / t).rglob("*.parquet")}
    assert on_disk == listed, f"not listed: {sorted(on_disk - listed)[:5]}"


# --- checks of the checks, on a lake built with pyarrow -----------------------


def test_fabricated_lake_passes_spark_checks(spark, fabricated_day, small_flat):
    assert_spark(spark, fabricated_day, small_flat, "day")


@pytest.mark.parametrize("partition_by", ["month", "none"])
def test_fabricated_other_layouts_pass_spark_checks(spark, small_flat, partition_by):
    lake = lake_fixture.fabricate(small_flat, small_flat.parent / f"lake_{partition_by}", 2, partition_by)
    assert_spark(spark, lake, small_flat, partition_by)


def test_fabricated_lake_manifests(fabricated_day, small_flat):
    assert_manifests(fabricated_day, PARTS_DAY, "day", small_flat)


def test_fabricated_lake_readers(fabricated_day, small_flat):
    assert_readers(fabricated_day, small_flat, "day")


def test_fabricated_damaged_lake_fails_spark_check(fabricated_day, small_flat):
    """The script itself, as CI runs it: exit 1 and a line per broken check."""
    lake = small_flat.parent / "lake_damaged"
    shutil.copytree(fabricated_day, lake)
    tx = lake / "transactions"
    (lake / "_SUCCESS").unlink()
    next(iter(sorted((tx / "event_date=2025-02-10").glob("*.parquet")))).unlink()
    moved = next(iter(sorted((tx / "event_date=2025-03-01").glob("*.parquet"))))
    moved.rename(tx / "event_date=2025-03-02" / "part-00009-0000.parquet")
    shutil.copy(lake / "customers" / "part-00000-0000.parquet", lake / "customers" / "part-00009-0000.parquet")
    # An upload cut short: hidden, so Spark must not read it (it is not Parquet).
    (tx / "event_date=2025-06-01" / ".part-00001-0001.parquet.inprogress").write_bytes(b"PAR1 cut")

    p = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check" / "spark_check.py"), "--lake", str(lake), "--flat", str(small_flat), "--partition-by", "day"],
        capture_output=True, text=True,
    )
    assert p.returncode == 1, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    failed = [line[4:] for line in p.stderr.splitlines() if line.startswith("  - ")]
    for expected in [
        "layout: _SUCCESS",
        "layout: no unfinished uploads",
        "transactions: rows",
        "transactions: column checksums",
        "transactions: event_date = local date of event_ts",
        "customers: rows",
        "customers: customer_id unique",
        "join: transactions ⋈ customers ⋈ cards ⋈ merchants",
    ]:
        assert any(f.startswith(expected + ":") for f in failed), f"no failure {expected!r} in:\n{p.stderr}"
    passed = [line for line in p.stdout.splitlines() if line.startswith("ok   ")]
    assert any(line.startswith("ok   cards: row checksum") for line in passed), p.stdout


# --- the CLI's lake layout ---------------------------------------------------


def test_cli_day_parts_then_finish_writes_success(cli_day):
    assert cli_day["success_after_parts"][0] is False, "_SUCCESS written after the first of three parts"
    assert (cli_day["out"] / "_SUCCESS").is_file(), "no _SUCCESS after `cardgen finish`"


def test_cli_month_one_invocation_writes_success(cli_month):
    assert (cli_month / "_SUCCESS").is_file(), "no _SUCCESS after generating every part in one run"


@pytest.mark.parametrize("which,parts", [("day", PARTS_DAY), ("month", PARTS_MONTH)])
def test_cli_manifests(request, flat, which, parts):
    out = request.getfixturevalue("cli_day")["out"] if which == "day" else request.getfixturevalue("cli_month")
    assert_manifests(out, parts, which, flat)


def test_cli_day_spark(spark, cli_day, flat):
    assert_spark(spark, cli_day["out"], flat, "day")


def test_cli_month_spark(spark, cli_month, flat):
    assert_spark(spark, cli_month, flat, "month")


def test_cli_day_readers(cli_day, flat):
    assert_readers(cli_day["out"], flat, "day")


def test_cli_month_readers(cli_month, flat):
    assert_readers(cli_month, flat, "month")
