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

def read(table: str, options: list[tuple[str, str]]) -> pyarrow.RecordBatchReader: ...
def schema(table: str, options: list[tuple[str, str]]) -> pyarrow.Schema: ...
def num_rows(table: str, options: list[tuple[str, str]]) -> int: ...
def generate(
    options: list[tuple[str, str]],
    progress: Callable[[int, int, int], object] | None = None,
) -> dict[str, object]:
    """``{"files": [{"table", "location", "rows", "bytes"}, ...], "seconds": float}``."""
