"""cardgen's tables in Spark's types, and batches in the form Spark takes.

This module needs only ``pyspark.sql.types``, so it works with Spark 3.x as
well as 4.x; ``cardgen.spark`` builds the Spark 4 data source on it, and
:func:`map_in_arrow` is the Spark 3.x recipe:

    >>> from cardgen.spark_types import map_in_arrow, spark_schema
    >>> parts = 64
    >>> df = (spark.range(parts, numPartitions=parts)
    ...       .mapInArrow(map_in_arrow("transactions", parts, rows="1B", seed=42),
    ...                   spark_schema("transactions", rows="1B", seed=42)))

Types: dictionary-encoded strings become ``StringType`` (and are decoded, as
Spark reads no dictionaries), ``Int8``/``Int16``/``Int32``/``Int64``
``ByteType``/``ShortType``/``IntegerType``/``LongType``, ``Float32``/``Float64``
``FloatType``/``DoubleType``, ``Date32`` ``DateType``, and microsecond
timestamps with a time zone ``TimestampType`` (an instant; Spark shows it in
``spark.sql.session.timeZone``, so set that to the dataset's zone,
``Asia/Seoul`` for the built-in profile, to see local times).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyarrow as pa
from pyspark.sql.types import (
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

import cardgen

_PLAIN = {
    pa.bool_(): BooleanType(),
    pa.int8(): ByteType(),
    pa.int16(): ShortType(),
    pa.int32(): IntegerType(),
    pa.int64(): LongType(),
    pa.float32(): FloatType(),
    pa.float64(): DoubleType(),
    pa.date32(): DateType(),
    pa.string(): StringType(),
    pa.large_string(): StringType(),
}


def spark_type(arrow_type: pa.DataType) -> DataType:
    """The Spark type of a column of cardgen's ``arrow_type``."""
    if pa.types.is_dictionary(arrow_type):
        return spark_type(arrow_type.value_type)
    if pa.types.is_timestamp(arrow_type) and arrow_type.unit == "us":
        return TimestampType() if arrow_type.tz else TimestampNTZType()
    try:
        return _PLAIN[arrow_type]
    except KeyError:
        raise TypeError(f"no Spark type for Arrow's {arrow_type}") from None


def to_spark_schema(arrow_schema: pa.Schema) -> StructType:
    """A ``StructType`` with the same columns, types mapped, nullability kept."""
    return StructType([StructField(f.name, spark_type(f.type), f.nullable) for f in arrow_schema])


def spark_schema(table: str = "transactions", **options: Any) -> StructType:
    """The ``StructType`` of a table for ``cardgen.read``'s options."""
    return to_spark_schema(cardgen.schema(table, **options))


def spark_arrow_schema(arrow_schema: pa.Schema) -> pa.Schema:
    """The Arrow schema Spark expects batches of ``arrow_schema``'s table in:
    dictionaries decoded, timestamps in UTC (the same instants: only the
    zone's label changes)."""

    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_dictionary(t):
            return t.value_type
        if pa.types.is_timestamp(t) and t.tz:
            return pa.timestamp(t.unit, tz="UTC")
        return t

    return pa.schema([pa.field(f.name, plain(f.type), f.nullable) for f in arrow_schema])


def spark_batches(
    table: str, part: int | None = None, parts: int | None = None, **options: Any
) -> Iterator[pa.RecordBatch]:
    """``cardgen.read(table, part=part, parts=parts, **options)``, each batch
    cast to :func:`spark_arrow_schema`."""
    reader = cardgen.read(table, part=part, parts=parts, **options)
    target = spark_arrow_schema(reader.schema)
    for batch in reader:
        yield batch.cast(target)


def map_in_arrow(
    table: str, parts: int, **options: Any
) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A function for ``spark.range(parts, numPartitions=parts).mapInArrow(f, schema)``:
    each id the range holds is a part number, and becomes that part's rows."""

    def generate_parts(ids: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in ids:
            for part in batch.column(0).to_pylist():
                yield from spark_batches(table, part=part, parts=parts, **options)

    return generate_parts
