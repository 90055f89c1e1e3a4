# Sourced by the benchmark scripts: the lines that say where a figure came
# from, printed before the raw output.
#
#   run_header BIN [DETAILS]   date, machine, cardgen version and commit (, DETAILS)
run_header() {
  echo "# date: $(date -u +%FT%TZ)"
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
  echo "# cardgen $("$1" --version | cut -d' ' -f2), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)${2:+, $2}"
}
