#!/usr/bin/env bash
# A Kafka-API broker on this machine, for `cardgen stream --to kafka://…` by
# hand, the streaming tests and scripts/bench/bench_stream.sh: Tansu, a broker
# in Rust, from crates.io, keeping topics in memory, on 127.0.0.1.
#
#   scripts/servers/kafka_server.sh install          # once: builds Tansu (~15 min on 2 cores)
#   eval "$(scripts/servers/kafka_server.sh start DIR)"   # prints `export KAFKA_BOOTSTRAP=127.0.0.1:PORT`
#   cardgen stream --to kafka://$KAFKA_BOOTSTRAP/card-events ...
#   scripts/servers/kafka_server.sh topic NAME [PARTITIONS]   # on $KAFKA_BOOTSTRAP (default 3)
#   scripts/servers/kafka_server.sh stop DIR         # SIGKILL: topics are gone
#
# Tansu is installed once, outside any clone, under $CARDGEN_TOOLS (default
# ~/.cache/cardgen/tools), and reused: `cargo install tansu --locked
# --features dynostore` (without that feature its memory:// engine is missing).
# TANSU names another binary. PORT picks the port (default: a free one).
set -euo pipefail

usage() { echo "usage: $0 install | version | start DIR | stop DIR | topic NAME [PARTITIONS]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
action=$1
tools=${CARDGEN_TOOLS:-$HOME/.cache/cardgen/tools}
# The version the notes and tests were checked with.
version=0.6.0

tansu_bin() {
  if [[ -n ${TANSU:-} ]]; then echo "$TANSU"; return; fi
  if [[ -x $tools/bin/tansu ]]; then echo "$tools/bin/tansu"; return; fi
  command -v tansu || true
}

install() {
  if [[ -n $(tansu_bin) ]]; then
    echo "tansu: $(tansu_bin | sed "s|^$HOME|~|")" >&2
    return
  fi
  echo "tansu: building $version from crates.io into $tools (about 15 minutes on 2 cores)" >&2
  cargo install tansu --version "$version" --locked --features dynostore --root "$tools" --quiet
}

[[ $action == install ]] && { install; exit 0; }
[[ $action == version ]] && { "$(tansu_bin)" --version; exit 0; }
if [[ $action == topic ]]; then
  [[ $# -ge 2 && -n ${KAFKA_BOOTSTRAP:-} ]] || { echo "usage: KAFKA_BOOTSTRAP=HOST:PORT $0 topic NAME [PARTITIONS]" >&2; exit 2; }
  # Tansu creates no topic on its own (auto-creation is off).
  "$(tansu_bin)" topic create "$2" --partitions "${3:-3}" --broker "tcp://$KAFKA_BOOTSTRAP" >/dev/null
  exit 0
fi
[[ $# -eq 2 ]] || usage
mkdir -p "$2"
dir=$(cd "$2" && pwd)

running() { [[ -f $dir/tansu.pid ]] && kill -0 "$(cat "$dir/tansu.pid")" 2>/dev/null; }

stop() {
  if running; then
    kill -9 "$(cat "$dir/tansu.pid")"
    echo "stopped Tansu (pid $(cat "$dir/tansu.pid"))" >&2
  fi
  rm -f "$dir/tansu.pid"
}

start() {
  if running; then
    echo "already running (pid $(cat "$dir/tansu.pid")); stop it first: $0 stop $dir" >&2
    exit 1
  fi
  local tansu
  tansu=$(tansu_bin)
  if [[ -z $tansu ]]; then
    echo "no tansu binary: run '$0 install' (or set TANSU)" >&2
    exit 1
  fi
  local port=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  local url=tcp://127.0.0.1:$port
  setsid "$tansu" broker --listener-url "$url" --advertised-listener-url "$url" \
    --storage-engine memory://tansu/ >"$dir/tansu.log" 2>&1 &
  echo $! >"$dir/tansu.pid"
  # Ready once the port takes connections.
  for _ in $(seq 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      echo "export KAFKA_BOOTSTRAP=127.0.0.1:$port"
      echo "Tansu on 127.0.0.1:$port (pid $(cat "$dir/tansu.pid")), log $dir/tansu.log" >&2
      return
    fi
    running || break
    sleep 0.1
  done
  echo "Tansu did not start; its log:" >&2
  cat "$dir/tansu.log" >&2
  stop
  exit 1
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
