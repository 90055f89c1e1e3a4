#!/usr/bin/env bash
# cardgen against the tools users would pick instead, side by side in one run.
#
# Every peer writes the same 12-column reference table to Snappy Parquet
# (scripts/bench/peers/reference_table.py says how each does it); cardgen writes
# both that table (`--table reference`) and its own default `transactions`
# table. Runs alternate between tools; each tool runs REPS times and the
# median counts. Wall time and peak RSS come from /usr/bin/time, so process
# start-up and imports count for every tool alike.
#
#   scripts/bench/compare_peers.sh | tee benches/results/peers.txt
#   ROWS=10M SLOW_ROWS=1M REPS=3 scripts/bench/compare_peers.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

rows=${ROWS:-10M}
slow_rows=${SLOW_ROWS:-1M}   # the per-row Python peer is ~100x slower
reps=${REPS:-3}
procs=$(nproc)
venv=${VENV:-.venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

to_int() { python3 -c "import sys; s=sys.argv[1].replace('_','').upper(); m={'K':1e3,'M':1e6,'G':1e9}; print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(float(s)))" "$1"; }
n=$(to_int "$rows")
n_slow=$(to_int "$slow_rows")

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check pyarrow duckdb polars numpy
cargo build --release -q -p cardgen-cli
py="$venv/bin/python scripts/bench/peers/reference_table.py"
cg=target/release/cardgen

source scripts/lib/header.sh
run_header "$cg"
echo "# $("$venv/bin/python" -c 'import pyarrow, duckdb, polars, numpy, sys; print(f"python {sys.version.split()[0]}, pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}, polars {polars.__version__}, numpy {numpy.__version__}")')"
echo "# rows: $n (per-row Python: $n_slow), $reps runs each, alternating; Snappy everywhere"

# name|rows|command (OUT is replaced by the output path)
tools=(
  "cardgen transactions|$n|$cg generate --rows $n --out OUT --overwrite -q"
  "cardgen reference|$n|$cg generate --table reference --rows $n --out OUT --overwrite -q"
  "pyarrow per-row stream|$n_slow|$py stream $n_slow OUT"
  "numpy+pyarrow 1 process|$n|$py numpy $n OUT"
  "numpy+pyarrow $procs processes|$n|$py numpy-mp $n OUT $procs"
  "duckdb COPY|$n|$py duckdb $n OUT"
  "polars|$n|$py polars $n OUT"
)

declare -A rates rss sizes
for ((rep = 1; rep <= reps; rep++)); do
  for entry in "${tools[@]}"; do
    IFS='|' read -r name count cmd <<<"$entry"
    rm -f "$work"/out*
    out="$work/out.parquet"
    /usr/bin/time -f "%e %M" -o "$work/time" ${cmd//OUT/$out} >/dev/null
    read -r wall kib <"$work/time"
    bytes=$(cat "$work"/out*.parquet | wc -c)
    rate=$(awk -v n="$count" -v s="$wall" 'BEGIN { printf "%.3f", n / s / 1e6 }')
    printf 'run %d  %-28s rows=%-9s wall=%6.2fs  %6.2fM rows/s  peak RSS %5.0f MB  file %6.1f MB\n' \
      "$rep" "$name" "$count" "$wall" "$rate" "$(awk -v k="$kib" 'BEGIN{print k/1024}')" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')"
    rates[$name]+="$rate "
    rss[$name]+="$kib "
    sizes[$name]=$bytes
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "| tool | rows | M rows/s (median of $reps) | peak RSS MB (median) | file MB |"
echo "|---|---|---|---|---|"
best_peer=0
for entry in "${tools[@]}"; do
  IFS='|' read -r name count _ <<<"$entry"
  r=$(median <<<"${rates[$name]}")
  m=$(median <<<"${rss[$name]}")
  printf '| %s | %s | %.2f | %.0f | %.1f |\n' "$name" "$count" "$r" "$(awk -v k="$m" 'BEGIN{print k/1024}')" "$(awk -v b="${sizes[$name]}" 'BEGIN{print b/1e6}')"
  if [[ $name != cardgen* ]] && awk -v a="$r" -v b="$best_peer" 'BEGIN{exit !(a>b)}'; then best_peer=$r; best_name=$name; fi
done
ref=$(median <<<"${rates[cardgen reference]}")
echo
awk -v a="$ref" -v b="$best_peer" -v who="$best_name" 'BEGIN { printf "cardgen reference / fastest peer (%s): %.2fx\n", who, a / b }'
