"""Builds a lake-layout dataset from a flat cardgen run with pyarrow, for
developing and testing the readers' checks before (and independently of)
the CLI's own `--parts` / `--partition-by` output.

    python tests/python/lake_fixture.py FLAT_DIR OUT_DIR --parts 3 --partition-by day

The layout imitates what `cardgen generate --parts N --partition-by ...`
writes (docs/scale-out.md):

    OUT/_cardgen/dataset.json, OUT/_cardgen/parts/part-0000K.json, OUT/_SUCCESS
    OUT/transactions/event_date=YYYY-MM-DD/part-0000K-0000.parquet  (day: no event_date in the files)
    OUT/transactions/event_month=YYYY-MM/part-0000K-0000.parquet    (month: event_date kept)
    OUT/transactions/part-0000K-0000.parquet                        (none)
    OUT/{customers,cards,merchants,fraud_cases,customers_history,...}/part-0000K-0000.parquet

Part K holds the K-th contiguous slice of every table's rows (rows × K / N up
to rows × (K+1) / N), so every table is split, none is copied into each part.
The manifests follow the CLI's `cardgen-lake/1` in the fields the tests read
(format, parts, tables[].rows; per part: part, tables[].first_row, rows,
files[].name/rows/bytes/crc32 as 8 hex digits); where the parts' boundaries
fall is this script's choice, not necessarily the CLI's.
"""

import argparse
import json
import sys
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# The dataset's tables, as the Spark checks list them.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "check"))
from spark_check import TABLES  # noqa: E402

FORMAT = "cardgen-lake/1"


def _crc32(path):
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _write(table, path, files, out):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy")
    files.append({
        "name": path.relative_to(out).as_posix(),
        "rows": table.num_rows,
        "bytes": path.stat().st_size,
        "crc32": f"{_crc32(path):08x}",
    })


def _by_partition(table, partition_by):
    """(directory, rows) pairs for one part's slice of transactions."""
    if partition_by == "none":
        return [("", table)]
    dates = table.column("event_date")
    if partition_by == "day":
        keys = pc.strftime(pc.cast(dates, pa.timestamp("s")), format="%Y-%m-%d")
        name, data = "event_date", table.drop_columns(["event_date"])
    else:
        keys = pc.strftime(pc.cast(dates, pa.timestamp("s")), format="%Y-%m")
        name, data = "event_month", table
    out = []
    for key in pc.unique(keys).to_pylist():
        mask = pc.equal(keys, key)
        out.append((f"{name}={key}", data.filter(mask)))
    return out


def fabricate(flat, out, parts, partition_by):
    """Writes OUT from the flat run in FLAT; returns OUT as a Path."""
    flat, out = Path(flat), Path(out)
    tables = {t: pq.read_table(flat / f"{t}.parquet") for t in TABLES}
    part_tables = {k: [] for k in range(parts)}
    for name, table in tables.items():
        n = table.num_rows
        for k in range(parts):
            lo, hi = n * k // parts, n * (k + 1) // parts
            rows = table.slice(lo, hi - lo)
            pieces = _by_partition(rows, partition_by) if name == "transactions" else [("", rows)]
            files = []
            for directory, piece in pieces:
                base = out / name / directory if directory else out / name
                # Files are numbered per part and table, in the order they are started.
                _write(piece, base / f"part-{k:05d}-{len(files):04d}.parquet", files, out)
            part_tables[k].append({"name": name, "first_row": lo, "rows": hi - lo, "files": files})
    manifests = out / "_cardgen" / "parts"
    manifests.mkdir(parents=True, exist_ok=True)
    for k in range(parts):
        (manifests / f"part-{k:05d}.json").write_text(
            json.dumps({"format": FORMAT, "part": k, "parts": parts, "tables": part_tables[k]}, indent=2)
        )
    kv = pq.read_metadata(flat / "transactions.parquet").metadata or {}
    options = {
        key.decode()[len("cardgen."):]: value.decode()
        for key, value in kv.items()
        if key.startswith(b"cardgen.") and key not in (b"cardgen.table", b"cardgen.rows", b"cardgen.row_group_crc32")
    }
    options["partition_by"] = partition_by
    (out / "_cardgen" / "dataset.json").write_text(
        json.dumps(
            {
                "format": FORMAT,
                "options": options,
                "parts": parts,
                "tables": [{"name": t, "rows": tables[t].num_rows} for t in TABLES],
                "fabricated_by": "tests/python/lake_fixture.py",
            },
            indent=2,
        )
    )
    (out / "_SUCCESS").write_text(f"cardgen dataset: {parts} parts (fabricated)\n")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("flat")
    p.add_argument("out")
    p.add_argument("--parts", type=int, default=3)
    p.add_argument("--partition-by", choices=["day", "month", "none"], default="day")
    a = p.parse_args()
    fabricate(a.flat, a.out, a.parts, a.partition_by)


if __name__ == "__main__":
    main()
