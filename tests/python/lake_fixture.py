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
    OUT/{customers,cards,merchants}/part-0000K-0000.parquet

Part K holds the K-th contiguous slice of every table's rows (rows × K / N up
to rows × (K+1) / N), so every table is split, none is copied into each part.
The manifests carry only what the checks here need; their real format is
the CLI's.
"""

import argparse
import json
import os
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TABLES = ["transactions", "customers", "cards", "merchants"]


def _crc32(path):
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _write(table, path, files):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy")
    files.append({"name": str(path), "rows": table.num_rows, "crc32": _crc32(path)})


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
    meta = {t: pq.read_table(flat / f"{t}.parquet") for t in TABLES}
    part_files = {k: [] for k in range(parts)}
    part_rows = {k: {} for k in range(parts)}
    for name, table in meta.items():
        n = table.num_rows
        for k in range(parts):
            lo, hi = n * k // parts, n * (k + 1) // parts
            rows = table.slice(lo, hi - lo)
            part_rows[k][name] = rows.num_rows
            pieces = _by_partition(rows, partition_by) if name == "transactions" else [("", rows)]
            for directory, piece in pieces:
                base = out / name / directory if directory else out / name
                _write(piece, base / f"part-{k:05d}-0000.parquet", part_files[k])
    manifests = out / "_cardgen" / "parts"
    manifests.mkdir(parents=True, exist_ok=True)
    for k in range(parts):
        for f in part_files[k]:
            f["name"] = os.path.relpath(f["name"], out)
        (manifests / f"part-{k:05d}.json").write_text(
            json.dumps({"part": k, "rows": part_rows[k], "files": part_files[k]}, indent=2)
        )
    kv = pq.read_metadata(flat / "transactions.parquet").metadata or {}
    (out / "_cardgen" / "dataset.json").write_text(
        json.dumps(
            {
                "seed": int(kv.get(b"cardgen.seed", b"0")),
                "options": {"parts": parts, "partition_by": partition_by},
                "rows": {t: meta[t].num_rows for t in TABLES},
                "parts": parts,
                "fabricated_from": "flat run (tests/python/lake_fixture.py)",
            },
            indent=2,
        )
    )
    (out / "_SUCCESS").write_text("")
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
