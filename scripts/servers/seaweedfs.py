"""The local S3 server (SeaweedFS, started by scripts/servers/s3_server.sh)
as a pytest fixture, shared by both Python test trees:

    python/tests/conftest.py       puts this directory on sys.path and imports `s3`
    tests/python/test_s3_read.py   the same, in the module (no conftest there, so
                                   that `from conftest import ...` in python/tests
                                   stays unambiguous when both trees run together)

A test that takes `s3` gets a `Server`: the variables a client needs
(`env`), the bucket, and a pyarrow filesystem on it. One server per test
module, killed at its end. When the server cannot start, the module's tests
are skipped with the reason (pytest counts them as skipped); under CI (`CI`
set, not empty, `0` or `false`, as for the Rust tests) they fail instead.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "servers" / "s3_server.sh"
BUCKET = "cardgen"


def in_ci() -> bool:
    return os.environ.get("CI", "") not in ("", "0", "false")


@dataclass(frozen=True)
class Server:
    """A running server: `env` holds AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_REGION and AWS_ALLOW_HTTP."""

    env: dict
    bucket: str

    def filesystem(self):
        """pyarrow's S3 filesystem on this server, signed with its key."""
        from urllib.parse import urlparse

        import pyarrow.fs as pafs

        endpoint = urlparse(self.env["AWS_ENDPOINT_URL"])
        return pafs.S3FileSystem(
            access_key=self.env["AWS_ACCESS_KEY_ID"],
            secret_key=self.env["AWS_SECRET_ACCESS_KEY"],
            region=self.env.get("AWS_REGION", "us-east-1"),
            endpoint_override=endpoint.netloc,
            scheme=endpoint.scheme,
        )


def start(state: Path) -> Server:
    """Starts a server keeping its files in `state`; raises RuntimeError with
    the script's message if it does not start."""
    started = subprocess.run(
        [str(SCRIPT), "start", str(state)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "BUCKET": BUCKET},
    )
    if started.returncode != 0:
        raise RuntimeError(started.stderr.strip())
    env = {}
    for line in started.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = value.strip("'\"")
    return Server(env=env, bucket=BUCKET)


def stop(state: Path):
    subprocess.run([str(SCRIPT), "stop", str(state)], capture_output=True, cwd=ROOT)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A local S3 server for this test module; see the module docs."""
    state = tmp_path_factory.mktemp("s3")
    try:
        server, why = start(state), None
    except RuntimeError as e:
        server, why = None, f"{SCRIPT.relative_to(ROOT)}: {e}"
    if server is None:
        if in_ci():
            pytest.fail(f"cannot start the S3 server ({why}); CI must provide it (see .ci/run)", pytrace=False)
        pytest.skip(f"no S3 server ({why})")
    try:
        yield server
    finally:
        stop(state)
