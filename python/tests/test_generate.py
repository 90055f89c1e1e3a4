"""`cardgen.generate` writes the command line's files, byte for byte, for the
same options; refuses bad ones with a ValueError naming the option; lets
other Python threads run; and stops cleanly on Ctrl-C."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

import cardgen
from conftest import run_cli, ticking

COMMON = dict(rows="50k", seed=5, days=40, batch_rows="10k")
COMMON_FLAGS = ["--rows", "50k", "--seed", 5, "--days", 40, "--batch-rows", "10k"]

# (name, out relative to the run's directory, extra options, the same as flags)
CASES = [
    ("file", "x/card_transactions.parquet", {}, []),
    ("directory", "star/", dict(compression="zstd:3"), ["--compression", "zstd:3"]),
    ("parts", "lake/", dict(parts=3, partition_by="day", target_file_size="1MiB"),
     ["--parts", 3, "--partition-by", "day", "--target-file-size", "1MiB"]),
    ("one part", "lake/", dict(parts=3, part=1, partition_by="month"),
     ["--parts", 3, "--part", 1, "--partition-by", "month"]),
]


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name,out,options,flags", CASES, ids=[c[0] for c in CASES])
def test_generate_writes_the_cli_files(tmp_path, name, out, options, flags):
    run_cli("generate", *COMMON_FLAGS, *flags, "--out", tmp_path / "cli" / out)
    summary = cardgen.generate(tmp_path / "py" / out, **COMMON, **options)

    cli, py = files_under(tmp_path / "cli"), files_under(tmp_path / "py")
    assert sorted(py) == sorted(cli)
    differ = [f for f in cli if cli[f] != py[f]]
    assert not differ, f"{len(differ)} files differ, e.g. {differ[0]}"

    data_files = [f for f in py if f.endswith(".parquet")]
    assert sorted(Path(f.location).relative_to(tmp_path / "py").as_posix() for f in summary.files) == sorted(data_files)
    assert summary.bytes == sum(len(py[f]) for f in data_files)
    want_rows = 50_000 if options.get("part") is None else cardgen.num_rows(part=1, parts=3, **COMMON)
    assert summary.rows == want_rows
    assert summary.seconds > 0


def test_generate_appends_the_next_range_as_the_command_line_does(tmp_path):
    cli, py = tmp_path / "cli", tmp_path / "py"
    run_cli("generate", *COMMON_FLAGS, "--parts", 2, "--out", cli)
    cardgen.generate(py, **COMMON, parts=2)
    run_cli("generate", "--append", "--rows", "20k", "--out", cli)
    summary = cardgen.generate(py, append=True, rows="20k")
    assert summary.rows == 20_000
    assert files_under(py) == files_under(cli)
    assert any("range-0001-part-00001" in name for name in files_under(py))
    with pytest.raises(ValueError, match=r"written with seed = 5, not 6; an append continues the dataset"):
        cardgen.generate(py, append=True, seed=6)


def test_an_existing_output_needs_overwrite(tmp_path):
    out = tmp_path / "t.parquet"
    cardgen.generate(out, rows="10k")
    with pytest.raises(ValueError, match=r"^out = .*t\.parquet: already exists; pass `overwrite` to replace it"):
        cardgen.generate(out, rows="10k")
    assert cardgen.generate(out, rows="20k", overwrite=True).rows == 20_000


BAD = [
    (dict(compression="brotli"), "compression"),
    (dict(days=0), "days"),
    (dict(rows="1M", batch_rows=10), "batch_rows"),
    (dict(max_memory="1k"), "max_memory"),
    (dict(max_in_flight=1000, batch_rows="1M"), "max_in_flight"),
    (dict(parts=2, partition_by="week"), "partition_by"),
    (dict(part=1), "part"),
    (dict(parts=2, part=2), "part"),
    (dict(target_file_size="10k"), "target_file_size"),
    (dict(config="missing.toml"), "config"),
]


@pytest.mark.parametrize("options,key", BAD, ids=[f"{k}-{i}" for i, (_, k) in enumerate(BAD)])
def test_bad_options_raise_value_error_naming_the_option(tmp_path, options, key):
    with pytest.raises(ValueError) as err:
        cardgen.generate(tmp_path / "out", **{"rows": "10k", **options})
    message = str(err.value)
    assert message.startswith(key), message
    assert "--" not in message, message
    assert not (tmp_path / "out").exists(), "nothing is written"


def test_options_the_command_line_hides_are_not_taken(tmp_path):
    for option in ("table", "no_progress", "quiet"):
        with pytest.raises(TypeError, match=f"unknown option `{option}`"):
            cardgen.generate(tmp_path / "t.parquet", **{option: True})


def test_ctrl_c_stops_generate_and_removes_the_partial_file(tmp_path):
    out = tmp_path / "big.parquet"
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            cardgen.generate(out, rows="1B", threads=1)
    finally:
        timer.cancel()  # a signal after the call would stop pytest itself
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"stopped after {elapsed:.1f} s"
    assert list(tmp_path.iterdir()) == [], "no file, partial or whole, is left"


def test_other_threads_run_while_generate_writes(tmp_path):
    with ticking() as ticks:
        summary = cardgen.generate(tmp_path / "t.parquet", rows="1M", threads=1)
    # Ticks every 5 ms; with the GIL held throughout there would be one.
    assert len(ticks) > summary.seconds / 0.005 / 4, f"{len(ticks)} ticks in {summary.seconds:.2f} s"


def test_generate_to_s3_writes_the_local_file(s3, tmp_path, monkeypatch):
    # `s3`: the local server (scripts/servers/seaweedfs.py, through conftest).
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    summary = cardgen.generate(f"s3://{s3.bucket}/python/t.parquet", **COMMON)
    assert [f.location for f in summary.files] == [f"s3://{s3.bucket}/python/t.parquet"]
    cardgen.generate(tmp_path / "t.parquet", **COMMON)

    with s3.filesystem().open_input_stream(f"{s3.bucket}/python/t.parquet") as remote:
        assert remote.read() == (tmp_path / "t.parquet").read_bytes()
