"""A Spark data source that generates cardgen tables on the executors.

Spark 4.0 or newer (the Python Data Source API):

    >>> from cardgen.spark import CardgenDataSource
    >>> spark.dataSource.register(CardgenDataSource)
    >>> df = (spark.read.format("cardgen")
    ...       .option("table", "transactions")
    ...       .option("rows", "1B").option("seed", "42")
    ...       .option("parts", "64")
    ...       .load())

Each of the ``parts`` Spark partitions generates one part of the table on an
executor — exactly the rows of ``cardgen generate --parts N --part K`` — and
hands it to Spark as Arrow batches. A row depends only on the seed, the
options and its position, so the DataFrame holds the same rows whatever the
number of parts or executors. The package must be installed on every
executor (``pip install ./python``, or the wheel of ``maturin build``).

Options (strings, as Spark passes them):

- ``table``: ``transactions`` (default), ``customers``, ``cards``, ``merchants``, ``fraud_cases``,
  ``customers_history``, ``customers_changes``, ``cards_history``, ``cards_changes``;
- ``rows``, ``seed`` and every other option of ``cardgen.read`` by name:
  ``start``, ``days``, ``customers``, ``merchants``, ``config`` (a scenario
  file every executor can read), ``emit_pan``, ``pan_mask``, ``batch_rows``,
  ``max_in_flight``;
- ``parts``: Spark partitions (default: one per 5M rows of the table);
- ``threads``: threads generating each partition (default 1: Spark already
  runs one task per core).

Types are mapped as :mod:`cardgen.spark_types` says. For Spark 3.x, use
:func:`cardgen.spark_types.map_in_arrow` with ``mapInArrow``.

``spark.readStream.format("cardgen")`` streams ``transactions`` by row
offsets, paced or not; :mod:`cardgen.spark_stream` says how.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.types import StructType

import cardgen
from cardgen.spark_stream import STREAM_OPTIONS, CardgenStreamReader
from cardgen.spark_types import spark_batches, spark_schema

__all__ = ["CardgenDataSource", "CardgenPartition", "CardgenReader", "DEFAULT_PART_ROWS"]

#: Rows per Spark partition when ``parts`` is not given.
DEFAULT_PART_ROWS = 5_000_000
#: Threads per partition when ``threads`` is not given.
DEFAULT_THREADS = 1


@dataclass
class CardgenPartition(InputPartition):
    """Part ``part`` of the reader's ``parts``."""

    part: int


class CardgenDataSource(DataSource):
    """``spark.read.format("cardgen")``, and ``spark.readStream.format("cardgen")``
    (:mod:`cardgen.spark_stream`); see the module docs."""

    @classmethod
    def name(cls) -> str:
        return "cardgen"

    def schema(self) -> StructType:
        table, _, options = self._table_parts_options()
        # A stream's pacing and batching options leave the columns as they are.
        stream_keys = {key.lower() for key in STREAM_OPTIONS}
        return spark_schema(table, **{k: v for k, v in options.items() if k not in stream_keys})

    def reader(self, schema: StructType) -> "CardgenReader":
        table, parts, options = self._table_parts_options()
        if parts is None:
            rows = cardgen.num_rows(table, **options)
            parts = max(1, math.ceil(rows / DEFAULT_PART_ROWS))
        options.setdefault("threads", DEFAULT_THREADS)
        try:
            count = int(parts)
        except ValueError:
            raise ValueError(f"parts = {parts}: not a whole number of parts") from None
        return CardgenReader(table, count, options)

    def streamReader(self, schema: StructType) -> CardgenStreamReader:
        table, parts, options = self._table_parts_options()
        if table != "transactions":
            raise ValueError(
                f"table = {table}: a stream reads transactions only (its offsets are that table's rows); "
                f"read {table} with spark.read"
            )
        if parts is not None:
            raise ValueError(
                f"parts = {parts}: a stream splits its micro-batches by rowsPerPartition; parts is for spark.read"
            )
        return CardgenStreamReader(options)

    def _table_parts_options(self) -> tuple[str, str | None, dict[str, Any]]:
        # Spark passes the options with their keys in lowercase; any other
        # mapping is taken the same way.
        options = {key.lower(): value for key, value in self.options.items()}
        if "path" in options:
            raise ValueError("path: the cardgen data source reads no files; use .load() without a path")
        table = options.pop("table", "transactions")
        parts = options.pop("parts", None)
        return table, parts, options


class CardgenReader(DataSourceReader):
    """Generates part K of N of a table in Spark partition K."""

    def __init__(self, table: str, parts: int, options: dict[str, Any]) -> None:
        self.table = table
        self.parts = parts
        self.options = options
        # Bad options fail here, on the driver, before any task starts.
        cardgen.num_rows(table, part=0, parts=parts, **options)

    def partitions(self) -> list[CardgenPartition]:
        return [CardgenPartition(part) for part in range(self.parts)]

    def read(self, partition: CardgenPartition) -> Iterator[pa.RecordBatch]:
        yield from spark_batches(self.table, part=partition.part, parts=self.parts, **self.options)
