"""Shared fixtures: the `cardgen` command line the package is checked against,
one local Spark session, and a local S3 server (scripts/servers/seaweedfs.py).

Environment:
  CARDGEN_BIN  the command line (default target/release/cardgen, else
               target/debug/cardgen, relative to the repository root).
"""

import os
import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "check"))
sys.path.insert(0, str(ROOT / "scripts" / "servers"))

# The fixture `s3`: a local S3 server, shared with tests/python.
from seaweedfs import s3  # noqa: E402, F401
# The fixture `kafka`: a local Kafka-API broker (Tansu).
from kafka_broker import kafka  # noqa: E402, F401


def cli_binary() -> Path:
    named = os.environ.get("CARDGEN_BIN")
    candidates = [Path(named)] if named else [Path("target/release/cardgen"), Path("target/debug/cardgen")]
    for path in candidates:
        path = path if path.is_absolute() else ROOT / path
        if path.is_file():
            return path
    pytest.fail(f"no cardgen binary at {', '.join(map(str, candidates))} (build it, or set CARDGEN_BIN)", pytrace=False)


def run_cli(*args, env=None):
    """Runs `cardgen ARGS -q`, with `env` added to the environment; fails the
    test with its message if it fails."""
    cmd = [str(cli_binary()), *map(str, args), "-q"]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if p.returncode != 0:
        pytest.fail(f"`cardgen {' '.join(cmd[1:])}` exited {p.returncode}: {p.stderr.strip()}", pytrace=False)


def plain(table: pa.Table) -> pa.Table:
    """The table with dictionaries decoded and no schema metadata, so that
    tables read from Parquet and from a stream compare by value."""
    columns = [pc.cast(c, c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    fields = [pa.field(f.name, c.type, f.nullable) for f, c in zip(table.schema, columns)]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields)).combine_chunks()


def assert_same_rows(got: pa.Table, want: pa.Table, what: str):
    got, want = plain(got), plain(want)
    assert got.schema == want.schema, f"{what}: schema\n{got.schema}\n!=\n{want.schema}"
    assert got.num_rows == want.num_rows, f"{what}: {got.num_rows} rows, expected {want.num_rows}"
    for name in want.column_names:
        assert got[name].equals(want[name]), f"{what}: column {name} differs"


@pytest.fixture(scope="session")
def spark():
    import spark_check

    session = spark_check.spark_session(app="cardgen-python-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@contextlib.contextmanager
def ticking(period=0.005):
    """A Python thread that notes the time every `period` seconds while the
    block runs: if Rust held the GIL, it could not tick. Yields the list of ticks."""
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(period)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        yield ticks
    finally:
        done.set()
        ticker.join()
