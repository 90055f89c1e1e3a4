"""Type stubs of the extension module; ``cardgen`` wraps it (see its docstrings)."""

from typing import Callable

import pyarrow

VERSION: str
GENERATE_OPTIONS: list[str]
"""The options ``generate`` takes: the library's keys, which ``cardgen generate``'s flags spell in kebab case."""
TABLES: list[str]
"""The tables of a dataset, in the order ``generate`` writes them."""
READ_OPTIONS: list[str]
"""The options ``read`` and ``schema`` take besides the table."""

class CardgenError(RuntimeError):
    """A run that failed for another reason than its options."""

def read(
    table: str, options: list[tuple[str, str]], row_range: tuple[int, int] | None = None
) -> pyarrow.RecordBatchReader: ...
def schema(table: str, options: list[tuple[str, str]]) -> pyarrow.Schema: ...
def num_rows(table: str, options: list[tuple[str, str]], row_range: tuple[int, int] | None = None) -> int: ...
def rows_before(utc_micros: int, options: list[tuple[str, str]]) -> int:
    """``transactions`` rows before the instant (UTC microseconds)."""
def utc_range(options: list[tuple[str, str]]) -> tuple[int, int]:
    """The dataset's first instant and the instant after its last day (UTC microseconds)."""
def generate(
    options: list[tuple[str, str]],
    progress: Callable[[int, int, int], object] | None = None,
) -> dict[str, object]:
    """``{"files": [{"table", "location", "rows", "bytes"}, ...], "seconds": float}``."""
