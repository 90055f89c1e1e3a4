#!/usr/bin/env bash
# The streaming benchmark of docs/benchmarks.md ("Streams"), side by side in
# one run:
#
#   1. replay, JSON to /dev/null, beside `cardgen generate` writing the same
#      rows to Parquet (alternating runs, medians);
#   2. replay to a local Kafka-API broker (Tansu, scripts/servers/kafka_server.sh)
#      beside the broker's ceiling: kcat -P sending a file of the same events
#      to the same broker, without keys and (-K) with the stream's keys
#      (alternating, medians of each rep's ratio);
#   3. pacing: --rate 10000 for 60 s, the elapsed time against 60 s;
#   4. memory: peak and sampled RSS of a live stream (--speed) over 10 minutes.
#
#   scripts/bench/bench_stream.sh | tee benches/results/stream.txt
#   ROWS=10M KAFKA_ROWS=2M REPS=3 KAFKA_REPS=5 LIVE_SECONDS=600 scripts/bench/bench_stream.sh
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
# The broker's figures move most (a broker, its client's threads and the
# stream share 2 cores): more reps, and each rep's own ratio.
kafka_reps=${KAFKA_REPS:-5}
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
  echo "## replay to the broker beside kcat -P, $kafka_rows events, $kafka_reps alternating reps, a fresh broker each rep"
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
  # The same events with their keys (card_id), as the stream sends them:
  # `kcat -K` splits each line at the tab into key and value.
  python3 -c '
import re, sys
card = re.compile(rb"\"card_id\":(\d+)")
with open(sys.argv[1], "rb") as events, open(sys.argv[2], "wb") as keyed:
    for line in events:
        keyed.write(card.search(line).group(1) + b"\t" + line)
' "$work/events.jsonl" "$work/keyed.tsv"
  stream_to_broker() { seconds "$bin" stream --rows "$kafka_rows" --threads "$threads" --to "kafka://$KAFKA_BOOTSTRAP/cardgen" -q; }
  kcat_to_broker() {
    scripts/servers/kafka_server.sh topic kcat 3
    seconds env LD_LIBRARY_PATH="$work/rdkafka" kcat -P -b "$KAFKA_BOOTSTRAP" -t kcat -l "$work/events.jsonl"
  }
  keyed_kcat_to_broker() {
    scripts/servers/kafka_server.sh topic keyed 3
    seconds env LD_LIBRARY_PATH="$work/rdkafka" kcat -P -K $'\t' -b "$KAFKA_BOOTSTRAP" -t keyed -l "$work/keyed.tsv"
  }
  for ((i = 1; i <= kafka_reps; i++)); do
    # A broker that keeps topics in memory slows as they grow: each rep
    # starts a fresh one, and the two take turns going first.
    eval "$(scripts/servers/kafka_server.sh start "$broker_dir" 2>/dev/null)"
    if ((i % 2)); then
      s=$(stream_to_broker); k=$(kcat_to_broker); kk=$(keyed_kcat_to_broker)
    else
      kk=$(keyed_kcat_to_broker); k=$(kcat_to_broker); s=$(stream_to_broker)
    fi
    scripts/servers/kafka_server.sh stop "$broker_dir" 2>/dev/null
    awk -v i="$i" -v s="$s" -v k="$k" -v kk="$kk" 'BEGIN { printf "rep %d: cardgen stream %s s, kcat -P %s s, kcat -P -K %s s, cardgen/kcat %.2f, cardgen/keyed %.2f\n", i, s, k, kk, k / s, kk / s }' | tee -a "$work/kafka.txt"
  done
  s=$(awk '{print $5}' "$work/kafka.txt" | median)
  k=$(awk '{print $9}' "$work/kafka.txt" | median)
  kk=$(awk '{print $14}' "$work/kafka.txt" | median)
  r=$(awk '{print $17}' "$work/kafka.txt" | tr -d , | median)
  rk=$(awk '{print $19}' "$work/kafka.txt" | median)
  awk -v s="$s" -v k="$k" -v kk="$kk" -v n="$n" -v r="$r" -v rk="$rk" 'BEGIN { printf "median: cardgen %.0fk events/s, kcat %.0fk (keyless), kcat -K %.0fk (keyed as the stream); cardgen/kcat %.2f, cardgen/keyed %.2f (medians of the ratios of the reps)\n", n / s / 1e3, n / k / 1e3, n / kk / 1e3, r, rk }'
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
