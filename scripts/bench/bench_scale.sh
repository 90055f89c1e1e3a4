#!/usr/bin/env bash
# Cost at scale: does a row cost the same at a billion rows, and with tens of
# millions of customers, as at ten million rows? Prints the machine, each
# command and cardgen's raw output, then a summary table with the ratios the
# scale targets are stated in (docs/benchmarks.md, "Flat cost at any scale").
#
#   scripts/bench/bench_scale.sh | tee benches/results/scale.txt
#   scripts/bench/bench_scale.sh --with-1b | tee benches/results/scale-1b.txt   # ~20 GB of disk
#
# Env: REPS (default 3) repetitions of the population runs, SCALE_ROWS (30M)
# rows of the population runs, OUT_DIR (a temporary directory) for the files.
set -euo pipefail
# OUT_DIR is taken relative to where the script is run from.
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

with_1b=false
[[ ${1:-} == --with-1b ]] && with_1b=true
reps=${REPS:-3}
scale_rows=${SCALE_ROWS:-30M}
threads=$(nproc)
out_dir=${OUT_DIR:-$(mktemp -d)}
trap 'rm -rf "$out_dir"/scale*.parquet "$out_dir"/bench-*; [[ -n ${OUT_DIR:-} ]] || rm -rf "$out_dir"' EXIT

cargo build --release -q -p cardgen-cli
bin=target/release/cardgen

source scripts/lib/header.sh
run_header "$bin" "threads $threads, default options (Snappy, 250k-row batches)"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate() { sed -n 's/.*(\([0-9.]*\)M rows\/s.*/\1/p'; }
rss() { sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p'; }

# End to end: one file, default population, rows/s and peak RSS.
generate() {
  echo "\$ cardgen generate --no-progress --overwrite --out \$TMP/scale.parquet $*" >&2
  "$bin" generate --no-progress --overwrite --out "$out_dir/scale.parquet" "$@" 2>&1 | tail -n 1 |
    sed "s#$out_dir#\$TMP#g"
}

# In-process: one `cardgen bench` run of one mode; prints "rate rss".
bench() {
  local mode=$1
  shift
  echo "\$ cardgen bench --reps 1 --threads $threads --modes $mode $*" >&2
  local line
  line=$("$bin" bench --reps 1 --threads "$threads" --modes "$mode" --out-dir "$out_dir/bench-$mode" "$@" 2>/dev/null |
    grep "^| $mode |")
  echo "$line" >&2
  awk -F'|' '{gsub(/ /, "", $4); gsub(/ /, "", $9); print $4, $9}' <<<"$line"
}

declare -A result
echo
echo "## rows: end to end, default population"
sizes=(10M 100M)
$with_1b && sizes+=(1B)
for rows in "${sizes[@]}"; do
  line=$(generate --rows "$rows")
  echo "rows=$rows: $line"
  result[rows-$rows]="$(rate <<<"$line") $(rss <<<"$line")"
done

echo
echo "## population: $scale_rows rows, customers fixed (runs alternate, so machine drift hits every size alike)"
declare -A rates rsss
for ((i = 1; i <= reps; i++)); do
  for customers in 170k 2M 20M; do
    for mode in generate write; do
      read -r r m < <(bench "$mode" --rows "$scale_rows" --customers "$customers")
      echo "customers=$customers mode=$mode rep=$i: $r M rows/s, peak RSS $m MB"
      rates[$mode-$customers]+="$r "
      rsss[$mode-$customers]+="$m "
    done
  done
done
for customers in 170k 2M 20M; do
  for mode in generate write; do
    result[$mode-$customers]="$(tr ' ' '\n' <<<"${rates[$mode-$customers]}" | grep . | median) $(tr ' ' '\n' <<<"${rsss[$mode-$customers]}" | grep . | sort -g | tail -n1)"
  done
done

echo
echo "## a large issuer: 50M customers"
start=$(date +%s.%N)
line=$(generate --rows 10M --customers 50M)
end=$(date +%s.%N)
echo "customers=50M rows=10M: $line (wall $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s)"
start=$(date +%s.%N)
line50=$(generate --rows 1 --customers 50M)
end=$(date +%s.%N)
startup=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
echo "customers=50M rows=1 (start-up): $line50 (wall $startup s)"
result[big]="$(rate <<<"$line") $(rss <<<"$line") $startup"

echo
echo "| run | M rows/s | peak RSS MB |"
echo "|---|---|---|"
for rows in "${sizes[@]}"; do
  read -r r m <<<"${result[rows-$rows]}"
  echo "| generate --rows $rows | $r | $m |"
done
for customers in 170k 2M 20M; do
  for mode in generate write; do
    read -r r m <<<"${result[$mode-$customers]}"
    echo "| $scale_rows rows, $customers customers, $mode (median of $reps) | $r | $m |"
  done
done
read -r r m s <<<"${result[big]}"
echo "| 10M rows, 50M customers (start-up $s s) | $r | $m |"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
read -r g170 _ <<<"${result[generate-170k]}"
read -r g20 _ <<<"${result[generate-20M]}"
read -r w170 _ <<<"${result[write-170k]}"
read -r w20 _ <<<"${result[write-20M]}"
read -r r100 _ <<<"${result[rows-100M]}"
echo "generation alone, 20M vs 170k customers: $(ratio "$g20" "$g170") (target >= 0.85)"
echo "end to end, 20M vs 170k customers: $(ratio "$w20" "$w170") (target >= 0.88)"
if $with_1b; then
  read -r r1b m1b <<<"${result[rows-1B]}"
  echo "1B vs 100M rows end to end: $(ratio "$r1b" "$r100") (target >= 0.90), peak RSS at 1B $m1b MB (target <= 256)"
fi
