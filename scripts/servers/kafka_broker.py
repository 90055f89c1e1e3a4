"""The local Kafka-API broker (Tansu, started by scripts/servers/kafka_server.sh)
as a pytest fixture: `kafka` gives a `Broker` for the test module, killed at
its end. When no broker can start (Tansu not installed), the module's tests
are skipped with the reason; under CI (`CI` set, not empty, `0` or `false`)
they fail instead, as the S3 tests do (seaweedfs.py).
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "servers" / "kafka_server.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "") not in ("", "0", "false")


@dataclass(frozen=True)
class Broker:
    bootstrap: str

    def url(self, topic: str) -> str:
        """The `--to` of a stream to `topic` on this broker."""
        return f"kafka://{self.bootstrap}/{topic}"


def start(state: Path) -> Broker:
    started = subprocess.run([str(SCRIPT), "start", str(state)], capture_output=True, text=True, cwd=ROOT)
    if started.returncode != 0:
        raise RuntimeError(started.stderr.strip())
    for line in started.stdout.splitlines():
        if line.startswith("export KAFKA_BOOTSTRAP="):
            return Broker(bootstrap=line.split("=", 1)[1])
    raise RuntimeError(f"no address in: {started.stdout!r}")


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    """A local Kafka-API broker for this test module; see the module docs."""
    state = tmp_path_factory.mktemp("kafka")
    try:
        broker, why = start(state), None
    except RuntimeError as e:
        broker, why = None, f"{SCRIPT.relative_to(ROOT)}: {e}"
    if broker is None:
        if in_ci():
            pytest.fail(f"cannot start the Kafka broker ({why}); CI must provide it (see .ci/run)", pytrace=False)
        pytest.skip(f"no Kafka broker ({why})")
    try:
        yield broker
    finally:
        subprocess.run([str(SCRIPT), "stop", str(state)], capture_output=True, cwd=ROOT)
