"""The cardgen data source as a stream (`spark.readStream.format("cardgen")`).

Offsets are row positions of `transactions`, and the rows between two
offsets are always the same rows; a query stopped part-way and started again
from its checkpoint writes every row of the dataset once; without pacing
every row is available at once, with `rowsPerSecond` or `speed` rows become
available with wall-clock time, counted from the row where the query
resumes; bad options fail on the driver, naming the option."""

import pickle
import time

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pyspark.sql.datasource import CaseInsensitiveDict

import cardgen
from cardgen.spark import CardgenDataSource
from cardgen.spark_stream import ReadMaxRows, SupportsTriggerAvailableNow
from cardgen.spark_types import spark_arrow_schema

ROWS, SEED, DAYS = 200_000, 11, 30
OPTIONS = {"rows": str(ROWS), "seed": str(SEED), "days": str(DAYS)}

# Spark 4.2 added read limits and the availableNow trigger to Python sources.
needs_read_limits = pytest.mark.skipif(ReadMaxRows is None, reason="Spark < 4.2: no read limits for Python sources")


@pytest.fixture(scope="module")
def source(spark):
    spark.dataSource.register(CardgenDataSource)
    return spark


def stream(spark, **options):
    reader = spark.readStream.format("cardgen")
    for key, value in {**OPTIONS, **options}.items():
        reader = reader.option(key, str(value))
    return reader.load()


def stream_reader(**options):
    """The reader Spark makes on the driver for these options."""
    source = CardgenDataSource(CaseInsensitiveDict({**OPTIONS, **{k: str(v) for k, v in options.items()}}))
    return source.streamReader(source.schema())


def batch_rows(**row_range):
    """The rows of `cardgen.read`, in the form Spark takes them."""
    table = cardgen.read("transactions", **OPTIONS, **row_range).read_all()
    return table.cast(spark_arrow_schema(table.schema))


def assert_rows_equal(got: pa.Table, want: pa.Table):
    """Same columns, same rows in txn_id order: no row missing, none twice."""
    got = got.sort_by("txn_id")
    assert got.column_names == want.column_names
    assert got.num_rows == want.num_rows, f"{got.num_rows} rows, expected {want.num_rows}"
    assert pc.count_distinct(got["txn_id"]).as_py() == got.num_rows, "a row written twice"
    for name in want.column_names:
        # Spark labels instants with its session's zone: cast to the same label.
        assert got[name].cast(want[name].type).equals(want[name]), f"column {name} differs"


def input_rows(query):
    return [p["numInputRows"] for p in query.recentProgress if p["numInputRows"] > 0]


def test_a_query_stopped_part_way_and_restarted_from_its_checkpoint_writes_every_row_once(source, tmp_path):
    out, checkpoint = tmp_path / "out", tmp_path / "checkpoint"

    def start(df, **trigger):
        return (df.writeStream.format("parquet").option("path", str(out))
                .option("checkpointLocation", str(checkpoint)).trigger(**trigger).start())

    # Paced at 5k rows a second, a micro-batch every half second (or as soon
    # as the last is done); stopped once a few batches are in, whatever
    # batch is under way then.
    first = start(stream(source, rowsPerSecond=5_000), processingTime="0.5 seconds")
    try:
        deadline = time.monotonic() + 120
        while sum(input_rows(first)) < 20_000 or len(input_rows(first)) < 2:
            assert first.exception() is None, first.exception()
            assert time.monotonic() < deadline, f"batches so far: {input_rows(first)}"
            time.sleep(0.2)
    finally:
        first.stop()
    written = source.read.parquet(str(out)).count()
    assert 20_000 <= written < ROWS // 2

    # Started again from the checkpoint, unpaced, 40k rows a batch at most,
    # until no row is left.
    second = start(stream(source, maxRowsPerBatch=40_000), availableNow=True)
    assert second.awaitTermination(300), "the availableNow query did not finish"
    assert second.exception() is None, second.exception()
    if ReadMaxRows is not None:
        assert len(input_rows(second)) >= 2 and max(input_rows(second)) <= 40_000, input_rows(second)

    # Spark's reader of a streaming sink's output takes the committed files only.
    assert_rows_equal(source.read.parquet(str(out)).toArrow(), batch_rows())


def test_a_micro_batch_holds_the_rows_between_its_offsets_in_partitions_of_rows_per_partition():
    reader = stream_reader(rowsPerPartition=30_000)
    parts = reader.partitions({"row": 10_000}, {"row": 100_000})
    assert [(p.start, p.end) for p in parts] == [(10_000, 40_000), (40_000, 70_000), (70_000, 100_000)]
    assert reader.partitions({"row": 5}, {"row": 5}) == []
    # Partitions travel to the executors pickled, and give the same rows each time.
    for _ in range(2):
        shipped = [pickle.loads(pickle.dumps(p)) for p in parts]
        got = pa.Table.from_batches([b for p in shipped for b in reader.read(p)])
        assert_rows_equal(got, batch_rows(row_range=(10_000, 100_000)))


def test_without_pacing_every_row_is_available_at_once_and_the_stream_ends_at_rows():
    reader = stream_reader()
    assert reader.initialOffset() == {"row": 0}
    assert reader.latestOffset() == {"row": ROWS}  # Spark 4.0 and 4.1 pass no arguments
    reader.commit({"row": ROWS})
    reader.stop()


@needs_read_limits
def test_max_rows_per_batch_is_the_default_read_limit_and_read_limits_cap_a_batch():
    from pyspark.sql.streaming.datasource import ReadAllAvailable

    assert stream_reader().getDefaultReadLimit() == ReadAllAvailable()
    reader = stream_reader(maxRowsPerBatch=25_000)
    assert reader.getDefaultReadLimit() == ReadMaxRows(25_000)
    assert reader.latestOffset({"row": 0}, ReadMaxRows(25_000)) == {"row": 25_000}
    assert reader.latestOffset({"row": ROWS - 10}, ReadMaxRows(25_000)) == {"row": ROWS}
    assert reader.latestOffset({"row": ROWS}, ReadMaxRows(25_000)) == {"row": ROWS}
    # Spark asks for everything (Trigger.Once) whatever the option says.
    assert reader.latestOffset({"row": 0}, ReadAllAvailable()) == {"row": ROWS}


def test_rows_per_second_makes_rows_available_with_wall_clock_time():
    rate = 20_000
    began = time.monotonic()
    reader = stream_reader(rowsPerSecond=rate)
    now = reader.latestOffset()["row"]  # the first request starts the clock
    assert now <= (time.monotonic() - began) * rate
    time.sleep(0.5)
    later = reader.latestOffset()["row"]
    assert 0.5 * rate - 1 <= later - now <= (time.monotonic() - began) * rate
    assert later < ROWS


def test_a_restarted_query_is_paced_from_the_row_where_it_resumes():
    rate, resume = 20_000, 150_000
    for tell in ["partitions", "latestOffset"]:
        began = time.monotonic()
        reader = stream_reader(rowsPerSecond=rate)
        if tell == "partitions":  # Spark 4.0 and 4.1: an empty batch at the resumed offset
            reader.partitions({"row": resume}, {"row": resume})
            latest = reader.latestOffset()["row"]
        else:  # Spark 4.2 on: the start of the next batch
            latest = reader.latestOffset({"row": resume}, None)["row"]
        assert resume <= latest <= resume + (time.monotonic() - began) * rate, tell


def test_speed_runs_event_time_that_many_times_the_wall_clock_from_the_first_instant():
    speed = DAYS * 86_400 / 10  # the whole dataset in 10 s
    first_instant, _ = cardgen.utc_range(**OPTIONS)

    def rows_after(seconds):
        return cardgen.rows_before(first_instant + int(seconds * speed * 1e6), **OPTIONS)

    reader = stream_reader(speed=speed)
    began = time.monotonic()
    first = reader.latestOffset()["row"]  # the first request starts the clock
    started = time.monotonic()
    assert first <= rows_after(started - began)
    time.sleep(0.5)
    least = rows_after(time.monotonic() - started)
    latest = reader.latestOffset()["row"]
    assert least <= latest <= rows_after(time.monotonic() - began)
    assert 0 < latest < ROWS


def test_speed_resumes_event_time_at_the_row_where_a_restarted_query_resumes():
    speed, resume = DAYS * 86_400 / 10, 120_000
    reader = stream_reader(speed=speed)
    latest = reader.latestOffset({"row": resume}, None)["row"]
    # Not back to the first instant (which would hold the query at `resume`
    # for 6 s), nor ahead by more than the moment since the reader started.
    assert resume <= latest < resume + ROWS * 0.05
    time.sleep(0.5)
    assert reader.latestOffset({"row": latest}, None)["row"] >= latest + ROWS * 0.04


@pytest.mark.skipif(SupportsTriggerAvailableNow is None, reason="Spark < 4.2: no availableNow for Python sources")
def test_available_now_sets_pacing_aside_and_reads_to_the_end():
    reader = stream_reader(rowsPerSecond=1)
    reader.prepareForTriggerAvailableNow()
    assert reader.latestOffset({"row": 1_000}, ReadMaxRows(50_000)) == {"row": 51_000}
    assert reader.latestOffset({"row": 180_000}, ReadMaxRows(50_000)) == {"row": ROWS}


BAD = [
    (dict(rowsPerSecond=1000, speed=60), r"^rowsPerSecond and speed: give one"),
    (dict(rowsPerSecond=0), r"^rowsPerSecond = 0 is out of range; accepted: a number above 0$"),
    (dict(rowsPerSecond=-5), r"^rowsPerSecond = -5 is out of range"),
    (dict(speed="fast"), r"^speed = fast: not a number; accepted: a number above 0$"),
    (dict(maxRowsPerBatch=0.5), r"^maxRowsPerBatch = 0.5 is out of range; accepted: a whole number above 0$"),
    (dict(rowsPerPartition="many"), r"^rowsPerPartition = many: not a number"),
    (dict(table="customers"), r"^table = customers: a stream reads transactions only"),
    (dict(parts=4), r"^parts = 4: a stream splits its micro-batches by rowsPerPartition"),
    (dict(part=1), r"^part = 1: "),
    (dict(days=0), r"^days = 0 is out of range"),
]


@pytest.mark.parametrize("options,message", BAD, ids=[next(iter(o)) for o, _ in BAD])
def test_bad_options_raise_value_error_naming_the_option(options, message):
    with pytest.raises(ValueError, match=message):
        stream_reader(**options)


def test_an_option_that_does_not_exist_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"^unknown option `rampuptime`; accepted: rows, seed"):
        stream_reader(rampUpTime=5)


def test_bad_options_stop_the_query_on_the_driver_with_the_message(source, tmp_path):
    query = (stream(source, rowsPerSecond=0).writeStream.format("noop")
             .option("checkpointLocation", str(tmp_path / "checkpoint")).start())
    with pytest.raises(Exception, match="rowsPerSecond = 0 is out of range"):
        query.awaitTermination(120)
