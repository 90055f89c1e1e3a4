"""A dataset in parts written to a real S3 server (SeaweedFS on loopback,
scripts/servers/s3_server.sh) reads back with pyarrow's S3 filesystem as the same
tables as the local run.

    source scripts/lib/spark_env.sh
    CARDGEN_BIN=target/debug/cardgen "$SPARK_VENV/bin/python" -m pytest -q tests/python/test_s3_read.py
"""

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CARDGEN_BIN", "target/release/cardgen"))
if not BIN.is_absolute():
    BIN = ROOT / BIN
ARGS = ["--rows", "400k", "--seed", "11", "--days", "45", "--parts", "3", "--partition-by", "day", "-q"]
TABLES = ["transactions", "customers", "cards", "merchants", "fraud_cases"]
KEYS = {"transactions": "txn_id", "customers": "customer_id", "cards": "card_id", "merchants": "merchant_id", "fraud_cases": "case_id"}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """Starts SeaweedFS; yields the environment a client needs."""
    state = tmp_path_factory.mktemp("s3")
    script = ROOT / "scripts" / "servers" / "s3_server.sh"
    started = subprocess.run([str(script), "start", str(state)], capture_output=True, text=True, cwd=ROOT)
    if started.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot start the S3 server: {started.stderr}")
        pytest.skip(f"SKIPPED: no S3 server ({started.stderr.strip()})")
    env = dict(os.environ)
    for line in started.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = value.strip("'\"")
    try:
        yield env
    finally:
        subprocess.run([str(script), "stop", str(state)], capture_output=True, cwd=ROOT)


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
    return rows.sort_by(KEYS[table])


def test_a_dataset_in_parts_on_s3_reads_back_as_the_local_run(s3, tmp_path):
    local = tmp_path / "lake"
    cardgen(os.environ, "generate", *ARGS, "--out", str(local))
    bucket = s3.get("CARDGEN_S3_BUCKET", "cardgen")
    url = f"s3://{bucket}/pyarrow-check/"
    for part in range(3):
        cardgen(s3, "generate", *ARGS, "--part", str(part), "--out", url)
    cardgen(s3, "finish", url)

    endpoint = urlparse(s3["AWS_ENDPOINT_URL"])
    filesystem = pafs.S3FileSystem(
        access_key=s3["AWS_ACCESS_KEY_ID"],
        secret_key=s3["AWS_SECRET_ACCESS_KEY"],
        region=s3.get("AWS_REGION", "us-east-1"),
        endpoint_override=endpoint.netloc,
        scheme=endpoint.scheme,
    )
    assert filesystem.get_file_info(f"{bucket}/pyarrow-check/_SUCCESS").type == pafs.FileType.File
    for table in TABLES:
        remote = read(table, f"{bucket}/pyarrow-check/{table}", filesystem)
        expected = read(table, str(local / table))
        assert remote.num_rows == expected.num_rows > 0, table
        assert remote.equals(expected), f"{table} differs between S3 and the local run"
