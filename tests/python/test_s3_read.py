"""A dataset in parts written to a real S3 server (SeaweedFS on loopback,
scripts/servers/s3_server.sh) reads back with pyarrow's S3 filesystem as the same
tables as the local run.

    source scripts/lib/spark_env.sh
    CARDGEN_BIN=target/debug/cardgen "$SPARK_VENV/bin/python" -m pytest -q tests/python/test_s3_read.py
"""

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "check"))
sys.path.insert(0, str(ROOT / "scripts" / "servers"))

# The fixture `s3`: a local S3 server, shared with python/tests.
from seaweedfs import s3  # noqa: E402, F401
# The table list of the tests that run without the cardgen package.
from spark_check import TABLES  # noqa: E402

BIN = Path(os.environ.get("CARDGEN_BIN", "target/release/cardgen"))
if not BIN.is_absolute():
    BIN = ROOT / BIN
ARGS = ["--rows", "400k", "--seed", "11", "--days", "45", "--parts", "3", "--partition-by", "day", "-q"]
# What orders each table's rows: its key, and for a history or a change feed
# the entity and the start of the version.
KEYS = {
    "transactions": ["txn_id"],
    "customers": ["customer_id"],
    "cards": ["card_id"],
    "merchants": ["merchant_id"],
    "fraud_cases": ["case_id"],
    "customers_history": ["customer_id", "valid_from"],
    "customers_changes": ["customer_id", "change_ts"],
    "cards_history": ["card_id", "valid_from"],
    "cards_changes": ["card_id", "change_ts"],
}


def cardgen(env, *args):
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"cardgen {' '.join(args)}: {done.stderr}"
    return done


def read(table, source, filesystem=None):
    partitioning = None
    if table == "transactions":
        partitioning = ds.partitioning(pa.schema([("event_date", pa.date32())]), flavor="hive")
    dataset = ds.dataset(source, format="parquet", partitioning=partitioning, filesystem=filesystem)
    rows = dataset.to_table()
    return rows.sort_by([(key, "ascending") for key in KEYS[table]])


def test_a_dataset_in_parts_on_s3_reads_back_as_the_local_run(s3, tmp_path):
    local = tmp_path / "lake"
    cardgen(os.environ, "generate", *ARGS, "--out", str(local))
    bucket = s3.bucket
    url = f"s3://{bucket}/pyarrow-check/"
    remote_env = {**os.environ, **s3.env}
    for part in range(3):
        cardgen(remote_env, "generate", *ARGS, "--part", str(part), "--out", url)
    cardgen(remote_env, "finish", url)

    filesystem = s3.filesystem()
    assert filesystem.get_file_info(f"{bucket}/pyarrow-check/_SUCCESS").type == pafs.FileType.File
    for table in TABLES:
        remote = read(table, f"{bucket}/pyarrow-check/{table}", filesystem)
        expected = read(table, str(local / table))
        assert remote.num_rows == expected.num_rows > 0, table
        assert remote.equals(expected), f"{table} differs between S3 and the local run"
