#!/usr/bin/env bash
# Reruns the benchmarks behind docs/benchmarks.md and the README's
# performance table, and stores each one's raw output under benches/results/
# by the name the docs cite. Every figure is wall time: run it on an
# otherwise idle machine.
#
#   scripts/bench/run_benchmarks.sh                       # the default set
#   scripts/bench/run_benchmarks.sh --1b --s3             # the default set and these
#   scripts/bench/run_benchmarks.sh --all --compare 81bd93e
#   scripts/bench/run_benchmarks.sh --only peers,memory   # just these
#   scripts/bench/run_benchmarks.sh --list                # what would run, without running it
#
# What runs, the file under benches/results/ it writes, and about how long
# it takes on the 2-vCPU VMs of docs/benchmarks.md once cardgen is built (the
# first release build takes about 2.5 minutes more, first-build.txt). Scripts are
# this directory's.
#
#   Default set, about 11 minutes:
#   bench        `cardgen bench`, transactions and the       bench-transactions/   1.5 min
#                reference table                             bench-reference/
#   throughput   bench_throughput.sh                         throughput.txt        1 min
#   memory       measure_memory.sh                           memory.txt            1 min
#   peers        compare_peers.sh (pyarrow, DuckDB, Polars,  peers.txt             3 min
#                numpy from PyPI into .venv)
#   scale        bench_scale.sh                              scale.txt             2.5 min
#   writer       the writer_ceiling example                  writer-ceiling.txt    2 min with its build
#
#   By flag: slow, large, or needing more than Rust and Python:
#   --1b         bench_scale.sh --with-1b                    scale-1b.txt          6 min, 20 GB of disk
#                bench_parts.sh, 1B rows                     parts-1b.txt          12 min, 20 GB of disk
#   --s3         bench_s3.sh (SeaweedFS from PyPI on         s3-100m.txt           2 min
#                loopback)
#   --spark      bench_spark.py (Java 17+; pyspark and       spark.txt             4 min, and 3.5 min to
#                dbldatagen from PyPI; builds ./python)                            build the package
#   --fraud      fraud_baseline.py on 20M rows,              fraud-baseline.txt    20-30 min
#                HistGradientBoosting and LightGBM
#   --compare R  compare_builds.sh R HEAD                    before-after-R-H.txt  12-15 min: two builds
#                                                            (short hashes)
#   --criterion  `cargo bench -p cardgen-benches`            none: criterion's     6 min with its build
#                                                            target/criterion/
#   --all        every flag above but --compare, which needs a revision
#
# Not rerun here: the `perf record` profiles docs/benchmarks.md quotes (they
# need perf and are read, not stored), and the older before/after files
# (before-after*.txt), which compare revisions fixed in their names: rerun
# one with `scripts/bench/compare_builds.sh BEFORE AFTER`.
#
# A benchmark that fails (measure_memory.sh fails when peak RSS at 10M, 50M
# and 100M rows differs by more than 10%) keeps its output; the others still
# run, and the script exits 1 at the end, naming it.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/../.."

# The comment above, as help.
usage() {
  sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-0}"
}

all_jobs=(bench throughput memory peers scale writer scale-1b parts-1b s3 spark fraud compare criterion)
declare -A want=([bench]=1 [throughput]=1 [memory]=1 [peers]=1 [scale]=1 [writer]=1)
compare_rev=
list_only=false
while (($#)); do
  case $1 in
    --1b) want[scale-1b]=1 want[parts-1b]=1 ;;
    --s3) want[s3]=1 ;;
    --spark) want[spark]=1 ;;
    --fraud) want[fraud]=1 ;;
    --criterion) want[criterion]=1 ;;
    --compare)
      [[ $# -ge 2 ]] || usage 2 >&2
      compare_rev=$2 want[compare]=1
      shift
      ;;
    --compare=*) compare_rev=${1#--compare=} want[compare]=1 ;;
    --all) for job in scale-1b parts-1b s3 spark fraud criterion; do want[$job]=1; done ;;
    --only)
      [[ $# -ge 2 ]] || usage 2 >&2
      want=()
      IFS=, read -ra only <<<"$2"
      for job in "${only[@]}"; do
        [[ " ${all_jobs[*]} " == *" $job "* ]] ||
          { echo "run_benchmarks: no benchmark named $job; there are: ${all_jobs[*]}" >&2; exit 2; }
        want[$job]=1
      done
      shift
      ;;
    --list) list_only=true ;;
    -h | --help) usage 0 ;;
    *) echo "run_benchmarks: unknown argument $1" >&2; usage 2 >&2 ;;
  esac
  shift
done
if [[ -n ${want[compare]:-} ]]; then
  [[ -n $compare_rev ]] || { echo "run_benchmarks: compare needs --compare REV" >&2; exit 2; }
  git rev-parse --verify -q "$compare_rev^{commit}" >/dev/null ||
    { echo "run_benchmarks: --compare $compare_rev is not a revision of this repository" >&2; exit 2; }
fi

results=benches/results
venv=${VENV:-.venv}
bin=target/release/cardgen
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each job writes its raw output to the file named in the header above.
job_bench() {
  cargo build --release -q -p cardgen-cli
  mkdir -p "$results/bench-transactions" "$results/bench-reference"
  "$bin" bench --rows 10M --reps 3 --out-dir "$results/bench-transactions" | tee "$results/bench-transactions/table.md"
  "$bin" bench --table reference --rows 10M --reps 3 --out-dir "$results/bench-reference" | tee "$results/bench-reference/table.md"
}
job_throughput() { scripts/bench/bench_throughput.sh | tee "$results/throughput.txt"; }
job_memory() { scripts/bench/measure_memory.sh | tee "$results/memory.txt"; }
job_peers() { scripts/bench/compare_peers.sh | tee "$results/peers.txt"; }
job_scale() { scripts/bench/bench_scale.sh | tee "$results/scale.txt"; }
job_scale_1b() { scripts/bench/bench_scale.sh --with-1b | tee "$results/scale-1b.txt"; }
job_parts_1b() { ROWS=1B scripts/bench/bench_parts.sh | tee "$results/parts-1b.txt"; }
job_s3() { scripts/bench/bench_s3.sh | tee "$results/s3-100m.txt"; }

job_writer() {
  cargo build --release -q -p cardgen-cli
  cargo build --release -q -p cardgen-pipeline --example writer_ceiling
  source scripts/lib/header.sh
  {
    run_header "$bin" "\$ cargo run --release -p cardgen-pipeline --example writer_ceiling -- \$TMP"
    target/release/examples/writer_ceiling "$work" | sed "s#$work#\$TMP#g"
  } | tee "$results/writer-ceiling.txt"
}

job_spark() {
  (
    source scripts/lib/spark_env.sh
    "$SPARK_VENV/bin/pip" install -q --disable-pip-version-check ./python dbldatagen
    cargo build --release -q -p cardgen-cli
    "$SPARK_VENV/bin/python" scripts/bench/bench_spark.py
  ) | tee "$results/spark.txt"
}

job_fraud() {
  cargo build --release -q -p cardgen-cli
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check duckdb pyarrow numpy scikit-learn lightgbm
  local py script
  py=$(cd "$(dirname "$venv/bin/python")" && pwd)/python
  script=$(pwd)/scripts/bench/fraud_baseline.py
  "$bin" generate --rows 20M --days 365 --out "$work/fb20" -q
  source scripts/lib/header.sh
  {
    echo "# scripts/bench/fraud_baseline.py on the default dataset: 20M rows, one year (2025), seed 42"
    run_header "$bin"
    echo "# commands (from a directory holding fb20/):"
    echo "#   cardgen generate --rows 20M --days 365 --out fb20"
    echo "#   python scripts/bench/fraud_baseline.py fb20 --model hgb"
    echo "#   python scripts/bench/fraud_baseline.py fb20 --model lgbm"
    for model in hgb lgbm; do
      echo
      echo "## --model $model"
      (cd "$work" && nice "$py" "$script" fb20 --model "$model")
    done
  } | tee "$results/fraud-baseline.txt"
  rm -rf "$work/fb20"
}

job_compare() {
  local before after
  before=$(git rev-parse --short "$compare_rev")
  after=$(git rev-parse --short HEAD)
  scripts/bench/compare_builds.sh "$compare_rev" HEAD | tee "$results/before-after-$before-$after.txt"
}

job_criterion() { cargo bench -p cardgen-benches; }

chosen=()
for job in "${all_jobs[@]}"; do
  [[ -n ${want[$job]:-} ]] && chosen+=("$job")
done
skipped=()
for job in "${all_jobs[@]}"; do
  [[ -z ${want[$job]:-} ]] && skipped+=("$job")
done
echo "run_benchmarks: running ${chosen[*]:-nothing}; not running ${skipped[*]:--} (times and flags: --help)" >&2
$list_only && exit 0

failed=()
timings=()
for job in "${chosen[@]}"; do
  echo >&2
  echo "== $job ($(date -u +%T) UTC)" >&2
  started=$SECONDS
  # A subshell with -e of its own: the job stops at its first failure, and
  # the loop goes on to the next job.
  set +e
  (
    set -e
    "job_${job//-/_}"
  )
  status=$?
  set -e
  ((status == 0)) || failed+=("$job")
  timings+=("$job $((SECONDS - started)) s")
done

echo >&2
echo "run_benchmarks: done in $SECONDS s: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g')" >&2
echo "raw output in $results/; docs/benchmarks.md says which file backs which figure" >&2
if ((${#failed[@]})); then
  echo "run_benchmarks: FAILED: ${failed[*]} (their output is kept)" >&2
  exit 1
fi
