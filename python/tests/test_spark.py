"""The Spark data source (`spark.read.format("cardgen")`) holds the command
line's rows, whatever the number of parts; its columns have Spark's types;
and the DataFrame writes as any other. The Spark 3.x recipe (mapInArrow)
holds the same rows."""

import pytest
from pyspark.sql import types as T

from cardgen.spark import CardgenDataSource
from cardgen.spark_types import map_in_arrow, spark_schema
from conftest import run_cli

ROWS, SEED, DAYS = "300k", 9, 60
OPTIONS = {"rows": ROWS, "seed": str(SEED), "days": str(DAYS)}


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    out = tmp_path_factory.mktemp("spark") / "flat"
    run_cli("generate", "--rows", ROWS, "--seed", SEED, "--days", DAYS, "--out", out)
    return out


@pytest.fixture(scope="module")
def source(spark):
    spark.dataSource.register(CardgenDataSource)
    return spark


def load(spark, table, **options):
    reader = spark.read.format("cardgen").option("table", table)
    for key, value in {**OPTIONS, **options}.items():
        reader = reader.option(key, str(value))
    return reader.load()


def checksum(df):
    """Rows, and the sum of each row's xxhash64 over every column in order
    (as in scripts/check/spark_check.py)."""
    import spark_check

    sums = spark_check._hash_sums(df, df.columns)
    return sums["rows"], sums["row_hash"], sums["columns"]


@pytest.mark.parametrize("table,parts", [("transactions", 3), ("transactions", 8), ("cards", 2), ("cards", 5)])
def test_same_rows_and_checksum_as_the_cli(source, flat, table, parts):
    df = load(source, table, parts=parts)
    assert df.rdd.getNumPartitions() == parts
    want = source.read.parquet(str(flat / f"{table}.parquet"))
    assert df.columns == want.columns
    assert checksum(df) == checksum(want)


def test_columns_have_spark_types(source):
    fields = {f.name: f for f in load(source, "transactions", parts=2).schema.fields}
    expected = {
        "txn_id": T.LongType(), "event_ts": T.TimestampType(), "event_date": T.DateType(),
        "mcc": T.ShortType(), "installment_months": T.ByteType(), "amount": T.LongType(),
        "category": T.StringType(), "is_fraud": T.BooleanType(), "orig_txn_id": T.LongType(),
    }
    for name, spark_type in expected.items():
        assert fields[name].dataType == spark_type, f"{name}: {fields[name].dataType}"
    assert fields["orig_txn_id"].nullable and not fields["txn_id"].nullable


def test_the_partitioned_write_of_the_data_frame(source, tmp_path):
    df = load(source, "transactions", parts=4)
    out = tmp_path / "by_day"
    df.write.partitionBy("event_date").parquet(str(out))
    back = source.read.parquet(str(out))
    assert back.count() == 300_000
    days = {p.name for p in out.iterdir() if p.name.startswith("event_date=")}
    assert len(days) == df.select("event_date").distinct().count() == DAYS
    assert checksum(back.select(*df.columns)) == checksum(df)


def test_bad_options_fail_on_the_driver_naming_the_option(source):
    with pytest.raises(Exception, match="days = 0 is out of range"):
        load(source, "transactions", days="0").count()
    with pytest.raises(Exception, match="parts = many"):
        load(source, "transactions", parts="many").count()


def test_the_spark_3_recipe_holds_the_same_rows(source, flat):
    parts = 3
    options = dict(rows=ROWS, seed=SEED, days=DAYS)
    df = source.range(parts, numPartitions=parts).mapInArrow(
        map_in_arrow("transactions", parts, **options), spark_schema("transactions", **options)
    )
    assert checksum(df) == checksum(source.read.parquet(str(flat / "transactions.parquet")))
