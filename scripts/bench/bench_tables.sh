#!/usr/bin/env bash
# What committing a dataset as lakehouse tables costs: the same dataset in
# parts written as plain Parquet, as Delta Lake tables and as Iceberg tables,
# in alternating runs (the machine drifts; ratios within one round are what
# count), then one append of a tenth of the rows to the Delta dataset.
# Prints the machine, each command, cardgen's raw summary and commit lines,
# and the median of each format's rows/s over the plain dataset's.
#
#   scripts/bench/bench_tables.sh | tee benches/results/tables-100m.txt
#   ROWS=10M REPS=2 scripts/bench/bench_tables.sh        # quicker
#
# Env: ROWS (default 100M), REPS (3), PARTS (4), OUT_DIR (a temporary
# directory). Each run's output is deleted before the next.
set -euo pipefail
[[ -z ${OUT_DIR:-} ]] || OUT_DIR=$(mkdir -p "$OUT_DIR" && cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

rows=${ROWS:-100M}
reps=${REPS:-3}
parts=${PARTS:-4}
out_dir=${OUT_DIR:-$(mktemp -d)}
trap 'rm -rf "$out_dir"/run; [[ -n ${OUT_DIR:-} ]] || rm -rf "$out_dir"' EXIT

cargo build --release -q -p cardgen-cli --features delta,iceberg
bin=target/release/cardgen
source scripts/lib/header.sh
run_header "$bin" "threads $(nproc), rows $rows, --parts $parts --partition-by day, $reps alternating rounds"

layout=(--parts "$parts" --partition-by day)
declare -A rates

# run LABEL ARGS...: one run into a fresh directory; records its rows/s.
run() {
  local label=$1
  shift
  rm -rf "$out_dir/run"
  echo
  echo "## $label"
  echo "\$ cardgen generate --no-progress --rows $rows --out \$TMP/lake/ ${layout[*]} $*"
  local output
  output=$("$bin" generate --no-progress --rows "$rows" --out "$out_dir/run/lake/" "${layout[@]}" "$@" 2>&1 |
    sed "s#$out_dir#\$TMP#g")
  echo "$output"
  rates[$label]+="$(echo "$output" | grep -o '([0-9.]*M rows/s' | tr -d '(' | cut -d'M' -f1) "
}

for round in $(seq "$reps"); do
  echo
  echo "# round $round"
  run plain
  run delta --table-format delta
  run iceberg --table-format iceberg
done

echo
echo "# append: a tenth of the rows, the next days, to the Delta dataset of the last round"
rm -rf "$out_dir/run"
"$bin" generate --no-progress --rows "$rows" --out "$out_dir/run/lake/" "${layout[@]}" \
  --table-format delta >/dev/null 2>&1
echo "\$ cardgen generate --no-progress --out \$TMP/lake/ --append --rows \$((ROWS / 10))"
append_rows=$(python3 -c "
import re, sys
text = sys.argv[1].replace('_', '')
units = {'k': 1e3, 'm': 1e6, 'b': 1e9}
m = re.fullmatch(r'([0-9.e]+)([kmb]?)', text.lower())
print(int(float(m.group(1)) * units.get(m.group(2), 1) / 10))" "$rows")
"$bin" generate --no-progress --out "$out_dir/run/lake/" --append --rows "$append_rows" 2>&1 |
  sed "s#$out_dir#\$TMP#g"

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo
echo "# medians (M rows/s) and ratio to plain Parquet"
plain=$(echo "${rates[plain]}" | median)
for format in plain delta iceberg; do
  m=$(echo "${rates[$format]}" | median)
  printf '%-8s %s  (runs: %s) ratio %.3f\n' "$format" "$m" "${rates[$format]% }" \
    "$(echo "$m / $plain" | bc -l)"
done
