#!/usr/bin/env bash
# What a new user waits for, from a clean clone of the committed HEAD:
#
#   1. the README's first command, `cargo run --release -p cardgen-cli --
#      generate --rows 10M`: build time and the run's summary line;
#   2. the same build with object storage (`--features cloud`), for the
#      README's note on what that feature costs;
#   3. `pip install ./python` into a fresh venv (the wheel's release profile);
#   3b. (tables) the release build with `--features delta,iceberg`, for
#      docs/lakehouse.md's note on what the table formats cost;
#   4. with --profiles: the release binary built with fat LTO and one
#      code-generation unit (the profile before issue 17) against the
#      default, alternating 10M-row runs, to show what the faster build costs.
#
#   scripts/bench/first_build.sh > benches/results/first-build.txt
#   scripts/bench/first_build.sh --only python,profiles   # some of: readme, cloud, tables, python, profiles
#
# Each build uses a new target directory. Crates already in Cargo's download
# cache are not downloaded again (a fresh machine also downloads them). Takes
# about 20 minutes on 2 cores. Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/header.sh

sections=readme,cloud,tables,python,profiles
case "${1:-}" in
"") ;;
--only) sections=${2:?--only takes a list: readme, cloud, tables, python, profiles} ;;
*) echo "usage: $0 [--only readme,cloud,tables,python,profiles]" >&2; exit 2 ;;
esac
wanted() { [[ ",$sections," == *",$1,"* ]]; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/clone"
cd "$work/clone"

# timed NAME COMMAND...: runs COMMAND, prints `NAME: S s`; its output goes
# to $work/last.log (kept for the lines quoted after it).
timed() {
    local name=$1 start end
    shift
    start=$(date +%s.%N)
    "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; return 1; }
    end=$(date +%s.%N)
    printf '%-40s %6.1f s\n' "$name:" "$(echo "$end - $start" | bc)"
}

echo "# clean clone of $(git rev-parse --short HEAD); cargo $(cargo --version | cut -d' ' -f2)"
if wanted readme || wanted profiles; then
    timed "README first command (build + 10M run)" \
        env CARGO_TARGET_DIR="$work/default" cargo run --release -q -p cardgen-cli -- \
        generate --rows 10M --out "$work/t.parquet" --no-progress
    grep 'rows →' "$work/last.log" | sed "s#$work#\$TMP#; s/^/  /"
    run_header "$work/default/release/cardgen"
fi

if wanted cloud; then
    timed "build --features cloud" \
        env CARGO_TARGET_DIR="$work/cloud" cargo build --release -q -p cardgen-cli --features cloud
    rm -rf "$work/cloud"
fi

if wanted tables; then
    timed "build --features delta,iceberg" \
        env CARGO_TARGET_DIR="$work/tables" cargo build --release -q -p cardgen-cli --features delta,iceberg
    rm -rf "$work/tables"
fi

if wanted python; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q --disable-pip-version-check pyarrow
    timed "pip install ./python (fresh venv)" \
        env CARGO_TARGET_DIR="$work/wheel" "$work/venv/bin/pip" install -q --disable-pip-version-check ./python
    "$work/venv/bin/python" -c 'import cardgen; print("  import cardgen:", cardgen.__version__, cardgen.TABLES)'
    rm -rf "$work/wheel"
fi

if wanted profiles; then
    timed "build with fat LTO, one codegen unit" \
        env CARGO_TARGET_DIR="$work/fat" cargo build --release -q -p cardgen-cli \
        --config 'profile.release.lto="fat"' --config 'profile.release.codegen-units=1'
    echo "# alternating runs, 10M rows, all cores (rows/s from each summary line)"
    for i in 1 2 3 4 5; do
        for build in default fat; do
            line=$("$work/$build/release/cardgen" generate --rows 10M --out "$work/$build.parquet" \
                --overwrite --no-progress 2>&1)
            echo "$build run $i: $(echo "$line" | grep -o '([0-9.]*M rows/s')"
        done
    done
fi
