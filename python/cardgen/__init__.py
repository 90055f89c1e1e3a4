"""Realistic synthetic card transactions, generated in Rust, as Arrow.

A dataset is nine tables — the ``transactions`` fact table, the
``customers``, ``cards`` and ``merchants`` it points to, the
``fraud_cases`` behind its fraud labels, and the customers' and cards'
changes (``customers_history``, ``customers_changes``, ``cards_history``,
``cards_changes``) — and a pure function of its options: the same seed and options give the same rows on any machine,
with any number of threads, and in any number of parts.

    >>> import cardgen
    >>> reader = cardgen.read("transactions", rows="1M", seed=42)   # a pyarrow.RecordBatchReader
    >>> table = reader.read_all()                                      # or stream it: for batch in reader
    >>> cardgen.generate("data/", rows="10M", seed=42)                 # the files `cardgen generate` writes

Options are the library's keys, which the command line's flags spell in
kebab case (``batch_rows`` for ``--batch-rows``), with the same defaults,
parsing and checks: ``rows`` takes ``10_000_000``, ``"10M"`` or ``"1e7"``. Bad options raise ``ValueError`` naming the option;
an option that does not exist raises ``TypeError``. The GIL is released while
Rust generates, and Ctrl-C interrupts a long ``generate``.

``cardgen.spark`` holds a Spark (>= 4.0) data source that generates on the
executors, as a batch or a stream; see docs/python.md.
"""

from __future__ import annotations

import datetime
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

from . import _cardgen
from ._cardgen import CardgenError

if TYPE_CHECKING:
    import pyarrow

__all__ = [
    "CardgenError",
    "GenerateSummary",
    "TABLES",
    "WrittenFile",
    "generate",
    "num_rows",
    "read",
    "rows_before",
    "schema",
    "utc_range",
]

__version__: str = _cardgen.VERSION

#: The tables of a dataset, in the order ``generate`` writes them (from the
#: Rust library, so a new table shows here without a change to this file).
TABLES: tuple[str, ...] = tuple(_cardgen.TABLES)

#: What an option may be given as; ``None`` means the default.
OptionValue = Union[int, float, str, bool, "os.PathLike[str]", datetime.date, None]


@dataclass(frozen=True)
class WrittenFile:
    """One file ``generate`` wrote."""

    table: str
    """The table it holds: one of ``TABLES``."""
    location: str
    """Its path, or its URL on an object store."""
    rows: int
    bytes: int


@dataclass(frozen=True)
class GenerateSummary:
    """What ``generate`` wrote, and how long it took."""

    files: tuple[WrittenFile, ...]
    seconds: float

    @property
    def rows(self) -> int:
        """Transactions written (the fact table's rows, as the command line reports)."""
        return sum(f.rows for f in self.files if f.table == "transactions")

    @property
    def bytes(self) -> int:
        """Bytes written, every table included."""
        return sum(f.bytes for f in self.files)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def read(
    table: str = "transactions",
    rows: OptionValue = None,
    seed: OptionValue = None,
    part: int | None = None,
    parts: int | None = None,
    row_range: tuple[int, int] | None = None,
    **options: OptionValue,
) -> "pyarrow.RecordBatchReader":
    """Streams one table of a dataset as a ``pyarrow.RecordBatchReader``.

    Batches (``batch_rows`` rows each, 250k by default) are generated ahead
    on ``threads`` threads (all cores by default) and cross into Python
    without a copy; at most ``max_in_flight`` of them exist at once (2 per
    thread by default), so memory stays bounded however many rows you read.
    The values are those of the Parquet files ``generate`` writes for the
    same options.

    Args:
        table: one of ``TABLES``: ``transactions``, ``customers``, ``cards``,
            ``merchants``, ``fraud_cases``, ``customers_history``,
            ``customers_changes``, ``cards_history`` or ``cards_changes``.
        rows: transactions in the dataset (the dimension tables' sizes follow
            from it); ``10_000_000``, ``"10M"``, ``"1e7"``. ``None`` (and
            every option not given) takes the library's default: 10M rows.
        seed: the same seed and options give the same rows (default 42).
        part, parts: part ``part`` (0 to ``parts - 1``) of ``parts``, exactly
            the rows ``cardgen generate --parts N --part K`` writes for this
            table; give both or neither.
        row_range: ``(start, end)``: rows ``start`` to ``end - 1`` of the
            table, the same rows as in a whole read; not with ``part``.
        **options: ``start`` (a date or ``"YYYY-MM-DD"``), ``days``,
            ``customers``, ``merchants``, ``config`` (a scenario file),
            ``emit_pan``, ``pan_mask``, ``batch_rows``, ``threads``,
            ``max_in_flight``.

    Raises:
        ValueError: an option's value is not accepted; the message names it.
        TypeError: an option that ``read`` does not take.

    >>> import polars as pl
    >>> df = pl.from_arrow(cardgen.read("customers", rows="1M"))
    """
    pairs = _pairs({"rows": rows, "seed": seed, "part": part, "parts": parts, **options})
    return _cardgen.read(table, pairs, row_range)


def schema(table: str = "transactions", **options: OptionValue) -> "pyarrow.Schema":
    """The ``pyarrow.Schema`` of a table, for the same options as ``read``."""
    return _cardgen.schema(table, _pairs(options))


def num_rows(
    table: str = "transactions",
    rows: OptionValue = None,
    seed: OptionValue = None,
    part: int | None = None,
    parts: int | None = None,
    row_range: tuple[int, int] | None = None,
    **options: OptionValue,
) -> int:
    """The rows ``read`` streams for the same arguments: a table's size (the
    dimension tables' follow from ``rows``), its part's, or its row range's."""
    pairs = _pairs({"rows": rows, "seed": seed, "part": part, "parts": parts, **options})
    return _cardgen.num_rows(table, pairs, row_range)


def rows_before(utc_micros: int, **options: OptionValue) -> int:
    """How many ``transactions`` rows fall before an instant, given as UTC
    microseconds since the epoch (to within one row).

    A live reader's offset once event time has reached ``utc_micros``: 0
    at the dataset's first instant, ``rows`` at its end. ``options`` are
    those of ``read``.
    """
    return _cardgen.rows_before(utc_micros, _pairs(options))


def utc_range(**options: OptionValue) -> tuple[int, int]:
    """The dataset's first instant and the instant after its last day, as
    UTC microseconds since the epoch (midnight of ``start`` and of the day
    after the last, in the profile's zone). ``options`` are those of ``read``."""
    return _cardgen.utc_range(_pairs(options))


def generate(
    out: str | os.PathLike[str] | None = None,
    rows: OptionValue = None,
    seed: OptionValue = None,
    progress: bool | Callable[[int, int, int], Any] = False,
    **options: OptionValue,
) -> GenerateSummary:
    """Writes the files ``cardgen generate --out OUT`` writes for the same options.

    Every option not given (``None``) takes the library's default, as the
    command line's flags do: ``out`` ``data/card_transactions.parquet``,
    ``rows`` 10M, ``seed`` 42.

    ``out`` is a ``.parquet`` file (the fact table), a directory (all nine
    tables), or an ``s3://``, ``gs://`` or ``az://`` URL. With ``parts`` (and
    ``part``, ``partition_by``, ``target_file_size``, ``writers``) it writes
    a dataset in parts. ``table_format="delta"`` commits each of its tables
    as a Delta Lake table, in a package built with the Rust feature
    ``delta`` (the published wheel is not: it raises ``ValueError`` naming
    the feature; docs/lakehouse.md). ``append=True`` adds the next date
    range of the same world to the dataset in parts at ``out`` (``start``,
    ``days`` and ``rows`` for the new range; the rest is the dataset's).
    Every other option of the command line is taken
    under its snake-case name: ``start``, ``days``, ``config``,
    ``customers``, ``merchants``, ``emit_pan``, ``pan_mask``, ``threads``,
    ``batch_rows``, ``compression``, ``overwrite``, ``max_in_flight``,
    ``max_memory``.

    The GIL is released while the files are written. Ctrl-C (or any signal
    whose handler raises) stops the run, removes its partial files and
    raises ``KeyboardInterrupt``.

    ``progress=True`` draws a progress bar on stderr while the files are
    written: with tqdm when it is installed, else a line rewritten in place.
    A callable is called instead as ``progress(rows_done, rows_planned,
    bytes_done)`` about ten times a second (rows of every table; bytes
    encoded); if it raises, the run stops as on Ctrl-C and the error is
    raised.

    Raises:
        ValueError: bad options, or an output that exists without
            ``overwrite=True``; the message names the option.
        TypeError: an option that ``generate`` does not take.
        CardgenError: the run failed (a file could not be written, …).
    """
    pairs = _pairs({"out": out, "rows": rows, "seed": seed, **options})
    if callable(progress):
        result = _cardgen.generate(pairs, progress)
    elif progress:
        with _ProgressBar() as bar:
            result = _cardgen.generate(pairs, bar.update)
    else:
        result = _cardgen.generate(pairs)
    files = tuple(WrittenFile(**f) for f in result["files"])
    return GenerateSummary(files=files, seconds=result["seconds"])


class _ProgressBar:
    """Rows done of rows planned on stderr: tqdm's bar when tqdm is
    installed, else one line rewritten in place."""

    def __init__(self) -> None:
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        self._bar = tqdm(total=0, unit=" rows", unit_scale=True) if tqdm else None
        self._shown = ""

    def update(self, rows: int, planned: int, _bytes: int) -> None:
        if self._bar is not None:
            if self._bar.total != planned:
                self._bar.total = planned
            self._bar.update(rows - self._bar.n)
            return
        share = rows / planned if planned else 0.0
        line = f"cardgen: {rows:,} of {planned:,} rows ({share:.0%})"
        if line != self._shown:
            sys.stderr.write("\r" + line)
            sys.stderr.flush()
            self._shown = line

    def __enter__(self) -> "_ProgressBar":
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._shown:
            sys.stderr.write("\n")


def _pairs(options: dict[str, Any]) -> list[tuple[str, str]]:
    """Options as the ``(key, text)`` pairs the Rust side parses like flags."""
    return [(key, _text(key, value)) for key, value in options.items() if value is not None]


def _text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        raise ValueError(f"{key} = {value}: expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{key}: expected a number, a string, a bool, a date or a path, not {type(value).__name__}")
