"""`cardgen.read` streams the rows the command line writes, whole or in parts,
and refuses bad options with a ValueError naming the option."""

import datetime
import os
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cardgen
from cardgen import TABLES
from conftest import assert_same_rows, cli_binary, run_cli, ticking

# Small enough for a debug build, large enough for several batches per table.
ROWS, SEED, DAYS, BATCH = 60_000, 7, 30, 16_000
OPTIONS = dict(rows=ROWS, seed=SEED, days=DAYS, batch_rows=BATCH)
FLAGS = ["--rows", ROWS, "--seed", SEED, "--days", DAYS, "--batch-rows", BATCH]


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    out = tmp_path_factory.mktemp("read") / "flat"
    run_cli("generate", *FLAGS, "--out", out)
    return out


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    out = tmp_path_factory.mktemp("read") / "lake"
    run_cli("generate", *FLAGS, "--out", out, "--parts", 3)
    return out


@pytest.mark.parametrize("table", TABLES)
def test_read_equals_the_cli_parquet(flat, table):
    reader = cardgen.read(table, **OPTIONS)
    assert isinstance(reader, pa.RecordBatchReader)
    assert_same_rows(reader.read_all(), pq.read_table(flat / f"{table}.parquet"), table)


@pytest.mark.parametrize("table", TABLES)
def test_part_k_of_n_is_the_cli_part(lake, table):
    for part in range(3):
        files = sorted((lake / table).glob(f"part-{part:05d}-*.parquet"))
        want = pa.concat_tables([pq.read_table(f) for f in files])
        got = cardgen.read(table, part=part, parts=3, **OPTIONS).read_all()
        assert_same_rows(got, want, f"{table} part {part}")


@pytest.mark.parametrize("parts", [2, 7])
@pytest.mark.parametrize("table", ["transactions", "cards"])
def test_parts_concatenate_to_the_whole(table, parts):
    whole = cardgen.read(table, **OPTIONS).read_all()
    pieces = [cardgen.read(table, part=k, parts=parts, **OPTIONS).read_all() for k in range(parts)]
    assert sum(p.num_rows for p in pieces) == whole.num_rows
    assert [cardgen.num_rows(table, part=k, parts=parts, **OPTIONS) for k in range(parts)] == [p.num_rows for p in pieces]
    assert_same_rows(pa.concat_tables(pieces), whole, f"{table} in {parts} parts")


@pytest.mark.parametrize("table", ["transactions", "cards"])
def test_a_row_range_is_that_slice_of_the_whole_table(table):
    options = {**OPTIONS, "batch_rows": 500}
    whole = cardgen.read(table, **options).read_all()
    rows = whole.num_rows
    # Ranges that start and end inside batches, span several, or hold nothing.
    for start, end in [(0, rows), (1, 2), (493, 2011), (rows - 5, rows), (rows, rows)]:
        got = cardgen.read(table, row_range=(start, end), **options).read_all()
        assert_same_rows(got, whole.slice(start, end - start), f"{table} rows {start}..{end}")
        assert cardgen.num_rows(table, row_range=(start, end), **options) == end - start


def test_a_row_range_outside_the_table_names_row_range_and_the_row_count():
    for bad in [(0, ROWS + 1), (-1, 10), (10, 5)]:
        with pytest.raises(ValueError, match=rf"^row_range = {bad[0]}\.\.{bad[1]}: .*transactions has rows 0\.\.{ROWS}$"):
            cardgen.read("transactions", row_range=bad, **OPTIONS)
    with pytest.raises(ValueError, match=r"^row_range = 0\.\.5: give either a row range or `part` and `parts`"):
        cardgen.read("transactions", row_range=(0, 5), part=0, parts=2, **OPTIONS)


def test_rows_before_an_instant_counts_the_rows_whose_event_time_is_earlier():
    first, end = cardgen.utc_range(**OPTIONS)
    assert end - first == DAYS * 86_400_000_000
    assert cardgen.rows_before(first, **OPTIONS) == 0
    assert cardgen.rows_before(end, **OPTIONS) == ROWS
    events = cardgen.read("transactions", **OPTIONS).read_all()["event_ts"]
    for row in [1, 999, ROWS // 2, ROWS - 1]:
        utc_micros = events[row].value
        # To within one row: a row's time lies in its share of the timeline.
        assert abs(cardgen.rows_before(utc_micros, **OPTIONS) - row) <= 1, row


def test_options_match_the_cli_flags(tmp_path):
    """A scenario file, a start date, populations and card-number options."""
    default = subprocess.run([str(cli_binary()), "config", "--print-default"],
                             capture_output=True, text=True, check=True).stdout
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(default.replace("credit_card_share = 0.62", "credit_card_share = 0.9"))
    out = tmp_path / "flat"
    run_cli("generate", "--rows", "20k", "--seed", 3, "--start", "2024-02-01", "--days", 60,
            "--customers", 900, "--merchants", 2000, "--config", scenario, "--emit-pan",
            "--pan-mask", "pci", "--out", out)
    options = dict(rows="20k", seed=3, start=datetime.date(2024, 2, 1), days=60, customers=900,
                   merchants=2000, config=scenario, emit_pan=True, pan_mask="pci")
    for table in TABLES:
        assert_same_rows(cardgen.read(table, **options).read_all(), pq.read_table(out / f"{table}.parquet"), table)
    assert "pan" in cardgen.schema("cards", **options).names


def test_batches_are_batch_rows_long_and_the_thread_count_changes_nothing():
    one = cardgen.read("transactions", threads=1, **OPTIONS)
    two = cardgen.read("transactions", threads=2, max_in_flight=1, **OPTIONS)
    sizes = [b.num_rows for b in one]
    assert sizes == [BATCH] * (ROWS // BATCH) + [ROWS % BATCH]
    assert_same_rows(two.read_all(), cardgen.read("transactions", **OPTIONS).read_all(), "2 threads")


def test_polars_duckdb_and_pyarrow_dataset_take_the_reader(tmp_path):
    import duckdb
    import polars as pl
    import pyarrow.dataset as ds

    assert pl.from_arrow(cardgen.read("customers", **OPTIONS)).height == cardgen.num_rows("customers", **OPTIONS)
    reader = cardgen.read("transactions", **OPTIONS)
    assert duckdb.sql("SELECT count(*) FROM reader").fetchall() == [(ROWS,)]
    ds.write_dataset(cardgen.read("transactions", **OPTIONS), tmp_path / "ds", format="parquet")
    assert ds.dataset(tmp_path / "ds", format="parquet").count_rows() == ROWS


BAD = [
    (dict(days=0), "days"),
    (dict(days=5000), "days"),
    (dict(rows="lots"), "rows"),
    (dict(rows=-5), "rows"),
    (dict(seed="x"), "seed"),
    (dict(batch_rows=0), "batch_rows"),
    (dict(threads=0), "threads"),
    (dict(max_in_flight=0), "max_in_flight"),
    (dict(customers=0), "customers"),
    (dict(start="2025-13-01"), "start"),
    (dict(pan_mask="stars"), "pan_mask"),
    (dict(emit_pan="maybe"), "emit_pan"),
    (dict(config="no/such/scenario.toml"), "config"),
    (dict(part=3, parts=3), "part"),
    (dict(part=1), "part"),
    (dict(parts=2), "parts"),
    (dict(parts=0, part=0), "parts"),
]


@pytest.mark.parametrize("options,key", BAD, ids=[f"{k}-{i}" for i, (_, k) in enumerate(BAD)])
def test_bad_options_raise_value_error_naming_the_option(options, key):
    with pytest.raises(ValueError) as err:
        cardgen.read("transactions", **{**OPTIONS, **options})
    message = str(err.value)
    assert message.startswith(key), message
    assert "--" not in message, message


def test_a_table_that_does_not_exist_is_a_value_error():
    with pytest.raises(ValueError, match=r"^table = reference: not a table; accepted: transactions"):
        cardgen.read("reference")


def test_unknown_options_raise_type_error_naming_them():
    with pytest.raises(TypeError, match=r"unknown option `compression`; accepted: rows, seed"):
        cardgen.read("transactions", compression="zstd")
    with pytest.raises(TypeError, match=r"^when: expected a number"):
        cardgen.read("transactions", when=object())


def test_the_reader_streams_in_bounded_memory():
    """Reading 40 batches holds a few at a time: the window, not the table."""

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    start, highest, rows = rss_mb(), 0.0, 0
    for batch in cardgen.read("transactions", rows="4M", batch_rows="100k", threads=2):
        rows += batch.num_rows
        highest = max(highest, rss_mb())
    assert rows == 4_000_000
    # The whole table is about 260 MB in memory; 2 threads keep 4 batches
    # ahead of the reader, about 30 MB.
    assert highest - start < 100, f"resident memory grew by {highest - start:.0f} MB"


def test_other_threads_run_while_rust_generates():
    """The reader's pool never takes the GIL: a Python thread keeps ticking
    while the main thread waits for batches."""
    with ticking() as ticks:
        started = time.perf_counter()
        rows = sum(b.num_rows for b in cardgen.read("transactions", rows="2M", threads=1))
        elapsed = time.perf_counter() - started
    assert rows == 2_000_000
    during = [t for t in ticks if started <= t <= started + elapsed]
    # Ticks every 5 ms; with the GIL held throughout there would be none.
    assert len(during) > elapsed / 0.005 / 4, f"{len(during)} ticks in {elapsed:.2f} s"
