"""`cardgen.generate` runs the library's one write path: it writes the
golden bytes the Rust golden test pins, and reports its progress."""

import hashlib

import pytest

import cardgen
from conftest import ROOT

GOLDEN = ROOT / "crates" / "cardgen" / "tests" / "golden" / "sha256.txt"
# The fixed dataset of crates/cardgen/tests/golden.rs.
GOLDEN_OPTIONS = dict(
    rows=60_000, seed=20_251_126, days=120, emit_pan=True, pan_mask="kr-receipt", batch_rows=16_384
)


def golden_hashes() -> dict[str, str]:
    lines = (line.split() for line in GOLDEN.read_text().splitlines() if line.strip())
    return {table: digest for digest, table in lines}


def test_generate_writes_the_golden_bytes(tmp_path):
    cardgen.generate(tmp_path, threads=3, **GOLDEN_OPTIONS)
    written = {t: hashlib.sha256((tmp_path / f"{t}.parquet").read_bytes()).hexdigest() for t in cardgen.TABLES}
    assert written == golden_hashes()


def test_tables_come_from_the_library_in_the_order_files_are_written():
    assert cardgen.TABLES[0] == "transactions"
    assert set(cardgen.TABLES) == set(golden_hashes())


def test_a_progress_callback_sees_every_row(tmp_path):
    calls = []
    summary = cardgen.generate(tmp_path, rows="200k", days=30, batch_rows="10k", progress=lambda *c: calls.append(c))
    rows, planned, written_bytes = calls[-1]
    every_row = sum(f.rows for f in summary.files)
    assert rows == planned == every_row
    assert written_bytes > 0
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:])), "rows done never go back"


def test_progress_true_draws_on_stderr(tmp_path, capfd):
    cardgen.generate(tmp_path / "t.parquet", rows="50k", days=30, progress=True)
    assert "50" in capfd.readouterr().err


def test_a_progress_callback_that_raises_stops_the_run_and_leaves_no_file(tmp_path):
    def refuse(rows, planned, _bytes):
        raise RuntimeError("stop here")

    out = tmp_path / "t.parquet"
    with pytest.raises(RuntimeError, match="stop here"):
        cardgen.generate(out, rows="20M", days=30, threads=1, progress=refuse)
    assert not out.exists()
    assert not any(p.name.endswith(".inprogress") for p in tmp_path.iterdir())
