"""The cardgen data source as a Structured Streaming source.

``spark.readStream.format("cardgen")`` streams a dataset's ``transactions``
in row order, as if they were arriving live (Spark 4.0 or newer):

    >>> from cardgen.spark import CardgenDataSource
    >>> spark.dataSource.register(CardgenDataSource)
    >>> events = (spark.readStream.format("cardgen")
    ...           .option("rows", "10M").option("seed", "42")
    ...           .option("speed", "3600")          # an hour of event time a second
    ...           .load())
    >>> query = (events.writeStream.format("parquet")
    ...          .option("path", "out/tx")
    ...          .option("checkpointLocation", "out/tx-checkpoint")
    ...          .start())

Offsets are row positions of the table: ``{"row": N}``. The stream starts at
``{"row": 0}`` and ends at the dataset's ``rows``. A micro-batch from
``{"row": a}`` to ``{"row": b}`` holds rows a to b - 1, which the executors
generate as ``cardgen.read("transactions", row_range=(a, b), ...)`` does, in
Spark partitions of at most ``rowsPerPartition`` rows. A row depends only on
the seed, the options and its position, so the same offsets always give the
same rows: on a retried task, on another executor, after a restart.

Restarts: Spark keeps the offsets in the query's checkpoint. A query started
again from its checkpoint goes on from the row where it stopped, and a
micro-batch that was planned but not committed is generated again with the
same rows; with a sink that commits each batch once (files, Delta, ...),
every row arrives once. Keep the options that decide rows (``rows``,
``seed``, ``days``, ...) the same across restarts; the pacing options may
change.

Pacing: by default every row is available at once, and the query takes them
as fast as it can (``maxRowsPerBatch`` at a time, if given). With
``rowsPerSecond`` or ``speed``, rows become available with wall-clock time,
counted from the query's first request for new rows; a restarted query
counts again, from the row where it resumes:

- ``rowsPerSecond`` N: N rows a second;
- ``speed`` X: event time runs X times as fast as the wall clock, from the
  dataset's first instant (from the event time of the row where a restarted
  query resumes); the rows available are those whose event time has passed
  (:func:`cardgen.rows_before`).

``trigger(availableNow=True)`` reads every remaining row and stops. Spark 4.2
and later tell the source about that trigger, and the pacing is then set
aside; Spark 4.0 and 4.1 ask once for the latest offset, which the pacing
holds back, so leave ``rowsPerSecond`` and ``speed`` out of such a query
there.

Options (strings, as Spark passes them; Spark's option names ignore case):

- ``table``: ``transactions`` (the default and the only table that streams);
- ``rows``, ``seed`` and every other option of the batch source that decides
  rows: ``start``, ``days``, ``customers``, ``merchants``, ``config``,
  ``emit_pan``, ``pan_mask``, and ``batch_rows``, ``threads`` (default 1),
  ``max_in_flight``, which do not;
- ``rowsPerSecond`` or ``speed`` (not both): numbers above 0;
- ``maxRowsPerBatch``: at most this many rows a micro-batch. Spark 4.2 and
  later pass it back to the source as its read limit; Spark 4.0 and 4.1
  have no read limits for Python sources and ignore it;
- ``rowsPerPartition``: rows per Spark partition of a micro-batch (default
  1,000,000).

Bad options raise ``ValueError`` naming the option (``TypeError`` for an
option that does not exist) on the driver, when the query starts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from pyspark.sql.datasource import DataSourceStreamReader, InputPartition

import cardgen
from cardgen.spark_types import spark_batches

# Spark 4.2 added read limits and the availableNow trigger to Python sources;
# on 4.0 and 4.1 these names do not exist and the reader does without them.
try:
    from pyspark.sql.streaming.datasource import ReadMaxRows, SupportsTriggerAvailableNow
except ImportError:
    ReadMaxRows = None
    SupportsTriggerAvailableNow = None

__all__ = ["CardgenRowRange", "CardgenStreamReader", "DEFAULT_ROWS_PER_PARTITION", "STREAM_OPTIONS"]

#: Rows per Spark partition of a micro-batch when ``rowsPerPartition`` is not given.
DEFAULT_ROWS_PER_PARTITION = 1_000_000
#: Threads per partition when ``threads`` is not given (Spark runs a task per core).
DEFAULT_THREADS = 1
#: The options only the stream takes, as written in the docs (Spark lowercases them).
STREAM_OPTIONS = ("rowsPerSecond", "speed", "maxRowsPerBatch", "rowsPerPartition")

# Spark 4.2 and later call prepareForTriggerAvailableNow on readers of this type.
_AVAILABLE_NOW = (SupportsTriggerAvailableNow,) if SupportsTriggerAvailableNow is not None else ()


@dataclass
class CardgenRowRange(InputPartition):
    """Rows ``start`` to ``end - 1`` of ``transactions``: one Spark partition
    of a micro-batch."""

    start: int
    end: int


class CardgenStreamReader(DataSourceStreamReader, *_AVAILABLE_NOW):
    """Streams ``transactions`` by row offsets; see the module docs.

    Made by ``CardgenDataSource.streamReader`` from the source's options (the
    data source has taken out ``table`` and ``parts`` and checked them)."""

    def __init__(self, options: Mapping[str, str]) -> None:
        options = {key.lower(): value for key, value in options.items()}
        self.rows_per_second = _positive(options, "rowsPerSecond", whole=False)
        self.speed = _positive(options, "speed", whole=False)
        if self.rows_per_second is not None and self.speed is not None:
            raise ValueError(
                "rowsPerSecond and speed: give one (rows a second, or event time per wall-clock time), not both"
            )
        self.max_rows_per_batch = _positive(options, "maxRowsPerBatch", whole=True)
        self.rows_per_partition = _positive(options, "rowsPerPartition", whole=True) or DEFAULT_ROWS_PER_PARTITION
        options.setdefault("threads", str(DEFAULT_THREADS))
        #: The options of ``cardgen.read`` that the executors generate with.
        self.options: dict[str, str] = options
        # Bad values of those fail here, on the driver, before any task starts.
        self.rows: int = cardgen.num_rows("transactions", **options)
        # The pace's clock and the row it counts from, both set when Spark
        # first asks for the latest offset (see _origin_at).
        self._started = 0.0
        self._origin: int | None = None
        self._origin_micros: int | None = None
        # The furthest offset Spark has planned, committed or been given;
        # Spark 4.0 and 4.1 call latestOffset() without the start, which is
        # this offset.
        self._seen = 0
        self._to_the_end = False

    def initialOffset(self) -> dict:
        return {"row": 0}

    def latestOffset(self, start: dict | None = None, limit: Any = None) -> dict:
        """The offset up to which rows are available now, never past the
        dataset's end. Spark 4.2 and later pass the batch's ``start`` and a
        read limit, of which ``ReadMaxRows`` caps the batch; Spark 4.0 and
        4.1 pass neither."""
        if start is not None:
            self._saw(start)
        first = start["row"] if start is not None else self._seen
        latest = max(first, self._available())
        if start is not None and ReadMaxRows is not None and isinstance(limit, ReadMaxRows):
            latest = min(latest, first + limit.max_rows)
        self._seen = max(self._seen, latest)
        return {"row": latest}

    def getDefaultReadLimit(self) -> Any:
        """``ReadMaxRows(maxRowsPerBatch)`` when that option is given (Spark
        4.2 and later ask for it), else every row available."""
        if self.max_rows_per_batch is not None and ReadMaxRows is not None:
            return ReadMaxRows(self.max_rows_per_batch)
        return super().getDefaultReadLimit()

    def prepareForTriggerAvailableNow(self) -> None:
        """``trigger(availableNow=True)``: every row to the dataset's end is
        available now, whatever the pacing (Spark 4.2 and later)."""
        self._to_the_end = True

    def partitions(self, start: dict, end: dict) -> list[CardgenRowRange]:
        self._saw(start)
        self._saw(end)
        first, last, step = start["row"], end["row"], self.rows_per_partition
        return [CardgenRowRange(row, min(row + step, last)) for row in range(first, last, step)]

    def read(self, partition: CardgenRowRange) -> Iterator[pa.RecordBatch]:
        yield from spark_batches("transactions", row_range=(partition.start, partition.end), **self.options)

    def commit(self, end: dict) -> None:
        """Nothing to free: rows are generated from their position and kept
        nowhere, so Spark being done with those before ``end`` changes nothing."""
        self._saw(end)

    def stop(self) -> None:
        """Nothing to release: the reader holds no connections, files or threads."""

    def _saw(self, offset: dict) -> None:
        self._seen = max(self._seen, offset["row"])

    def _available(self) -> int:
        """The offset the rows are available to: the dataset's end without
        pacing (or for availableNow), else where the pace has got to."""
        if self._to_the_end or (self.rows_per_second is None and self.speed is None):
            return self.rows
        origin = self._origin_at()
        if origin >= self.rows:
            return self.rows
        elapsed = time.monotonic() - self._started
        if self.rows_per_second is not None:
            paced = origin + int(elapsed * self.rows_per_second)
        else:
            paced = cardgen.rows_before(self._origin_micros + int(elapsed * self.speed * 1e6), **self.options)
        return min(max(origin, paced), self.rows)

    def _origin_at(self) -> int:
        """The row the pace counts from: where the query stood when Spark
        first asked for the latest offset, which starts the pace's clock. A
        restarted query has told the reader where it resumes by then (the
        start of latestOffset on Spark 4.2 and later, an empty
        ``partitions`` call on 4.0 and 4.1); a new query starts at row 0."""
        if self._origin is None:
            self._origin = self._seen
            if self.speed is not None and self._origin < self.rows:
                self._origin_micros = self._event_micros(self._origin)
            self._started = time.monotonic()
        return self._origin

    def _event_micros(self, row: int) -> int:
        """Where the event clock starts for a query at ``row`` (UTC
        microseconds): the dataset's first instant for row 0, else the row's
        event time (rows are in event-time order)."""
        if row == 0:
            return cardgen.utc_range(**self.options)[0]
        batch = cardgen.read("transactions", row_range=(row, row + 1), **self.options).read_next_batch()
        return batch.column("event_ts")[0].value


def _positive(options: dict[str, str], name: str, whole: bool) -> float | int | None:
    """The option ``name`` (looked up in lowercase, as Spark keeps it) taken
    out of ``options``: a number above 0, whole if ``whole``; None if absent."""
    text = options.pop(name.lower(), None)
    if text is None:
        return None
    accepted = "a whole number above 0" if whole else "a number above 0"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} = {text}: not a number; accepted: {accepted}") from None
    if not 0 < value < math.inf or (whole and not value.is_integer()):
        raise ValueError(f"{name} = {text} is out of range; accepted: {accepted}")
    return int(value) if whole else value
