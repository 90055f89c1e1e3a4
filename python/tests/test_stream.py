"""`cardgen stream` to a real Kafka-API broker (Tansu), read back with
confluent-kafka: the events are the batch rows, values and all, each card's
in event-time order apart from late ones; the labels are exactly the
detected fraud rows', none sent before its label_ts; and a stream killed
with SIGKILL and resumed from its checkpoint leaves every event once.

Needs the command line built with `--features kafka` (CARDGEN_BIN) and the
broker (scripts/servers/kafka_server.sh install); without them the tests
are skipped, under CI they fail.
"""

import io
import signal
import subprocess
import time
from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pytest

import cardgen
from conftest import assert_same_rows, cli_binary

confluent_kafka = pytest.importorskip("confluent_kafka")

DATASET = {"rows": "1M", "days": "30", "seed": "11"}


def dataset_flags(**extra):
    options = {**DATASET, **extra}
    return [arg for key, value in options.items() for arg in (f"--{key.replace('_', '-')}", str(value))]


def stream(*args, check=True, **popen):
    cmd = [str(cli_binary()), "stream", *map(str, args), "-q"]
    if popen:
        return subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode != 0:
        pytest.fail(f"`cardgen {' '.join(cmd[1:])}` exited {p.returncode}: {p.stderr.strip()}", pytrace=False)
    return p


def row(message) -> int:
    """The row of an event or label: its first field, txn_id."""
    value = message.value()
    assert value.startswith(b'{"txn_id":'), value[:40]
    return int(value[len(b'{"txn_id":') : value.index(b",")])


def consume(bootstrap, topic):
    """Every message of `topic`, read to the end of each partition."""
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{topic}-{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "enable.auto.commit": False,
        }
    )
    partitions = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    consumer.subscribe([topic])
    messages, ended, deadline = [], set(), time.monotonic() + 120
    while len(ended) < partitions and time.monotonic() < deadline:
        for message in consumer.consume(10_000, timeout=1):
            if message.error():
                if message.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                    ended.add(message.partition())
                    continue
                raise RuntimeError(message.error())
            messages.append(message)
    consumer.close()
    assert len(ended) == partitions, f"{topic}: not read to the end in time"
    return messages


def as_table(messages, like: pa.Schema) -> pa.Table:
    """JSON payloads as a table typed like `like` (dictionaries as strings)."""
    plain = [pa.field(f.name, string_or(f.type), f.nullable) for f in like]
    data = b"\n".join(m.value() for m in messages) + b"\n"
    table = pj.read_json(io.BytesIO(data), parse_options=pj.ParseOptions(explicit_schema=pa.schema(plain)))
    fields = [pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type, f.nullable) for f in like]
    columns = [pc.cast(table[f.name], f.type) for f in fields]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def string_or(t: pa.DataType) -> pa.DataType:
    # The JSON reader takes dates and dictionaries as text; cast afterwards.
    return pa.string() if pa.types.is_dictionary(t) or pa.types.is_date(t) else t


def batch_table(**extra):
    options = {**DATASET, **extra}
    return cardgen.read("transactions", **options).read_all()


def test_a_stream_to_kafka_is_the_batch_dataset_with_labels_at_their_time(kafka):
    late = ["--late-share", "0.02", "--late-delay", "1m..2h"]
    stream(*dataset_flags(), "--to", kafka.url("events"), "--labels-to", kafka.url("labels"), *late)
    events = consume(kafka.bootstrap, "events")
    truth = batch_table()
    assert len(events) == truth.num_rows

    # Values: the batch rows, each once.
    got = as_table(events, truth.schema).sort_by("txn_id")
    assert_same_rows(got, truth, "events")

    # Keyed by card, stamped with the emit time; per card, on-time events
    # come in event-time order.
    event_ms = pc.divide(got["event_ts"].cast(pa.int64()), 1000).to_pylist()
    by_id = dict(zip(got["txn_id"].to_pylist(), zip(got["card_id"].to_pylist(), event_ms)))
    last_on_time = defaultdict(lambda: -1)
    late_count = 0
    for message in events:
        txn = row(message)
        card, event = by_id[txn]
        assert message.key() == str(card).encode()
        sent = message.timestamp()[1]
        assert sent >= event
        if sent > event + 1:
            late_count += 1
            continue
        assert event >= last_on_time[card], f"card {card}: events out of order"
        last_on_time[card] = event
    assert 0.01 < late_count / len(events) < 0.03

    # Labels: exactly the detected fraud rows, none sent before label_ts.
    labels = consume(kafka.bootstrap, "labels")
    fraud = truth.filter(pc.is_valid(truth["label_ts"]))
    assert sorted(row(m) for m in labels) == fraud["txn_id"].to_pylist()
    label_ts = dict(zip(fraud["txn_id"].to_pylist(), pc.divide(fraud["label_ts"].cast(pa.int64()), 1000).to_pylist()))
    for message in labels:
        txn = row(message)
        assert message.timestamp()[1] >= label_ts[txn]


def test_partitions_are_kafkas_default_partitioner(kafka):
    # librdkafka's murmur2 partitioner is Kafka's Java default: a consumer
    # that partitions by key finds every card where the stream put it.
    stream("--rows", "2000", "--days", "2", "--to", kafka.url("partitioned"))
    events = consume(kafka.bootstrap, "partitioned")
    # The topic the stream made has 3 partitions; so must the check's.
    admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": kafka.bootstrap})
    admin.create_topics([confluent_kafka.admin.NewTopic("partitioned-check", 3, 1)])["partitioned-check"].result()
    producer = confluent_kafka.Producer({"bootstrap.servers": kafka.bootstrap, "partitioner": "murmur2_random"})
    placed = {}
    for message in events[:200]:
        producer.produce(
            "partitioned-check",
            key=message.key(),
            value=b"",
            on_delivery=lambda err, m: placed.__setitem__(m.key(), m.partition()),
        )
    assert producer.flush(30) == 0
    assert all(placed[m.key()] == m.partition() for m in events[:200])


def test_killed_and_resumed_every_event_is_there_once(kafka, tmp_path):
    checkpoint = tmp_path / "stream.checkpoint"
    args = [
        *dataset_flags(rows="300k"),
        "--to", kafka.url("resumed"),
        "--labels-to", kafka.url("resumed-labels"),
        "--late-share", "0.05",
        "--resume", checkpoint,
    ]  # fmt: skip
    # Paced, so that SIGKILL lands mid-stream.
    running = stream(*args, "--rate", "100000", popen=True)
    time.sleep(1.5)
    running.send_signal(signal.SIGKILL)
    running.wait()
    assert checkpoint.exists(), "the checkpoint is written as the broker confirms"
    stream(*args)
    events = consume(kafka.bootstrap, "resumed")
    ids = [row(m) for m in events]
    assert len(ids) == 300_000 and len(set(ids)) == 300_000, f"{len(ids)} events, {len(set(ids))} distinct"
    labels = consume(kafka.bootstrap, "resumed-labels")
    label_ids = [row(m) for m in labels]
    truth = batch_table(rows="300k")
    assert sorted(label_ids) == truth.filter(pc.is_valid(truth["label_ts"]))["txn_id"].to_pylist()


def test_sigint_sends_what_is_in_flight_and_says_where_to_go_on(kafka, tmp_path):
    checkpoint = tmp_path / "stream.checkpoint"
    args = [*dataset_flags(rows="200k"), "--to", kafka.url("interrupted"), "--resume", checkpoint]
    running = stream(*args, "--rate", "50000", popen=True)
    time.sleep(1.0)
    running.send_signal(signal.SIGINT)
    _, stderr = running.communicate(timeout=30)
    assert running.returncode == 130, stderr
    assert f"--resume {checkpoint}" in stderr, stderr
    sent = len(consume(kafka.bootstrap, "interrupted"))
    assert 0 < sent < 200_000
    stream(*args)
    ids = [row(m) for m in consume(kafka.bootstrap, "interrupted")]
    assert sorted(ids) == list(range(200_000))


def test_an_unreachable_broker_fails_in_one_line_within_30_seconds():
    started = time.monotonic()
    p = stream("--rows", "1000", "--to", "kafka://127.0.0.1:9/events", check=False)
    assert p.returncode == 1
    assert time.monotonic() - started < 30
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "no broker answered" in lines[0], p.stderr


def test_a_broker_that_goes_away_for_good_fails_the_stream_in_one_line(kafka, tmp_path):
    # A broker of its own, killed mid-stream and never started again.
    from kafka_broker import SCRIPT, start

    state = tmp_path / "broker"
    broker = start(state)
    running = stream(*dataset_flags(rows="300k"), "--to", broker.url("gone"), "--rate", "20000", popen=True)
    time.sleep(2)
    subprocess.run([str(SCRIPT), "stop", str(state)], capture_output=True, check=True)
    killed = time.monotonic()
    _, stderr = running.communicate(timeout=60)
    assert running.returncode == 1, stderr
    assert time.monotonic() - killed < 30
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "not confirmed within 15 s" in lines[0], stderr
