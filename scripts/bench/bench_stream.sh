#!/usr/bin/env bash
# The streaming benchmark of docs/benchmarks.md ("Streams"), side by side in
# one run:
#
#   1. replay, JSON to /dev/null, beside `cardgen generate` writing the same
#      rows to Parquet (alternating runs, medians);
#   2. replay to a local Kafka-API broker (Tansu, scripts/servers/kafka_server.sh)
#      beside the broker's ceiling: kcat -P sending a file of the same events
#      to the same broker (alternating, medians);
#   3. pacing: --rate 10000 for 60 s, the elapsed time against 60 s;
#   4. memory: peak and sampled RSS of a live stream (--speed) over 10 minutes.
#
#   scripts/bench/bench_stream.sh | tee benches/results/stream.txt
#   ROWS=10M KAFKA_ROWS=2M REPS=3 LIVE_SECONDS=600 scripts/bench/bench_stream.sh
#   ONLY=replay,kafka scripts/bench/bench_stream.sh      # some parts only
#
# kcat comes from Debian; Debian's librdkafka (2.0) cannot read Tansu's
# ApiVersions answer, so kcat runs with the librdkafka of PyPI's
# confluent-kafka wheel (LD_LIBRARY_PATH), the same major version as the one
# cardgen builds in. Needs: cargo, python3, kcat (apt-get install kcat).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/header.sh

rows=${ROWS:-10M}
kafka_rows=${KAFKA_ROWS:-2M}
reps=${REPS:-3}
live_seconds=${LIVE_SECONDS:-600}
threads=${THREADS:-2}
only=${ONLY:-replay,kafka,pacing,memory}
venv=${VENV:-target/ci-venv}
work=$(mktemp -d)
broker_dir=$work/broker
cleanup() {
  scripts/servers/kafka_server.sh stop "$broker_dir" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
wants() { [[ ,$only, == *,$1,* ]]; }

cargo build --release -q -p cardgen-cli --features kafka
bin=target/release/cardgen
run_header "$bin" "threads $threads"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Seconds a command takes (wall clock), its output discarded.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}
count() { python3 -c "import sys; t = sys.argv[1].upper(); m = {'K': 1e3, 'M': 1e6, 'G': 1e9}; print(int(float(t[:-1]) * m[t[-1]]) if t[-1] in m else int(t))" "$1"; }

if wants replay; then
  echo
  echo "## replay: JSON to /dev/null beside generate to Parquet, $rows rows, $reps alternating reps"
  n=$(count "$rows")
  for ((i = 1; i <= reps; i++)); do
    rm -f "$work/t.parquet"
    g=$(seconds "$bin" generate --rows "$rows" --threads "$threads" --out "$work/t.parquet" -q)
    s=$(seconds "$bin" stream --rows "$rows" --threads "$threads" --to /dev/null -q)
    echo "rep $i: generate ${g} s, stream ${s} s" | tee -a "$work/replay.txt"
  done
  g=$(awk '{print $4}' "$work/replay.txt" | median)
  s=$(awk '{print $7}' "$work/replay.txt" | median)
  awk -v g="$g" -v s="$s" -v n="$n" 'BEGIN { printf "median: generate %.2fM rows/s, stream %.2fM events/s, stream/generate %.2f\n", n / g / 1e6, n / s / 1e6, g / s }'
fi

if wants kafka; then
  echo
  echo "## replay to the broker beside kcat -P, $kafka_rows events, $reps alternating reps, a fresh broker each rep"
  scripts/servers/kafka_server.sh install 2>/dev/null
  echo "# broker: $(scripts/servers/kafka_server.sh version), topics in memory, on loopback"
  lib=$(find "$venv" -path '*confluent_kafka.libs/librdkafka*' 2>/dev/null | head -1)
  if [[ -z $lib ]]; then
    "$venv/bin/pip" install -q --disable-pip-version-check confluent-kafka
    lib=$(find "$venv" -path '*confluent_kafka.libs/librdkafka*' | head -1)
  fi
  mkdir -p "$work/rdkafka"
  ln -sf "$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")" "$work/rdkafka/librdkafka.so.1"
  echo "# kcat: $(LD_LIBRARY_PATH=$work/rdkafka kcat -V | grep -o 'librdkafka [0-9.]*')"
  n=$(count "$kafka_rows")
  "$bin" stream --rows "$kafka_rows" --threads "$threads" --to "$work/events.jsonl" -q
  stream_to_broker() { seconds "$bin" stream --rows "$kafka_rows" --threads "$threads" --to "kafka://$KAFKA_BOOTSTRAP/cardgen" -q; }
  kcat_to_broker() {
    scripts/servers/kafka_server.sh topic kcat 3
    seconds env LD_LIBRARY_PATH="$work/rdkafka" kcat -P -b "$KAFKA_BOOTSTRAP" -t kcat -l "$work/events.jsonl"
  }
  for ((i = 1; i <= reps; i++)); do
    # A broker that keeps topics in memory slows as they grow: each rep
    # starts a fresh one, and the two take turns going first.
    eval "$(scripts/servers/kafka_server.sh start "$broker_dir" 2>/dev/null)"
    if ((i % 2)); then s=$(stream_to_broker); k=$(kcat_to_broker); else k=$(kcat_to_broker); s=$(stream_to_broker); fi
    scripts/servers/kafka_server.sh stop "$broker_dir" 2>/dev/null
    echo "rep $i: cardgen stream ${s} s, kcat -P ${k} s" | tee -a "$work/kafka.txt"
  done
  s=$(awk '{print $5}' "$work/kafka.txt" | median)
  k=$(awk '{print $9}' "$work/kafka.txt" | median)
  awk -v s="$s" -v k="$k" -v n="$n" 'BEGIN { printf "median: cardgen %.0fk events/s, kcat %.0fk events/s, cardgen/kcat %.2f\n", n / s / 1e3, n / k / 1e3, k / s }'
fi

if wants pacing; then
  echo
  echo "## pacing: --rate 10000, 600,000 events (60 s asked)"
  s=$(seconds "$bin" stream --rows 600000 --threads "$threads" --rate 10000 --to /dev/null -q)
  awk -v s="$s" 'BEGIN { printf "elapsed %.2f s for 60 s: %.2f%% off, %.0f events/s\n", s, (s / 60 - 1) * 100, 600000 / s }'
fi

if wants memory; then
  echo
  echo "## memory: a live stream (--speed 3600, 100M-row dataset, 1% late, labels) for $live_seconds s"
  "$bin" stream --rows 100M --threads "$threads" --speed 3600 --late-share 0.01 \
    --to /dev/null --labels-to "$work/labels.jsonl" -q &
  pid=$!
  for ((t = 10; t <= live_seconds; t += 10)); do
    sleep 10
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    echo "t=${t}s rss=$((rss / 1024)) MiB peak=$((hwm / 1024)) MiB" | tee -a "$work/rss.txt"
  done
  kill -INT "$pid"
  wait "$pid" || true
  awk -F'[= ]' 'NR > 6 { r = $4 + 0; if (min == "" || r < min) min = r; if (r > max) max = r }
    END { printf "after the first minute: RSS %d to %d MiB (%.1f%% spread)\n", min, max, (max / min - 1) * 100 }' "$work/rss.txt"
fi
