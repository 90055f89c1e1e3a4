# Sourced by the Spark checks (scripts/check/spark_ci.sh, .ci/run): makes sure the
# machine can run PySpark in local mode, then exports what Spark needs.
#
#   source scripts/lib/spark_env.sh     # from the repository root
#
# 1. Java 17 or newer (Spark 4 needs it); installs Debian's
#    openjdk-17-jre-headless when missing (CI runs as root on Debian).
# 2. The Python venv shared with the other CI steps ($VENV, by default
#    target/ci-venv, as scripts/check/interop_check.sh uses it) with pyspark 4.x,
#    pandas<3 (pandas 3 makes pyspark warn), pyarrow, duckdb, polars,
#    pytest, confluent-kafka, deltalake and pyiceberg. pip runs only when the requirement list changed or an import
#    fails, so a warm run costs well under a second.
# 3. Exports PYSPARK_PYTHON / PYSPARK_DRIVER_PYTHON (the venv's python),
#    JAVA_HOME, SPARK_LOCAL_IP, and SPARK_CONF_DIR: a generated directory
#    whose spark-defaults.conf and log4j2.properties make a local session
#    quiet and quick to start (no UI, no progress bar, few shuffle partitions).
#
# Needs bash; uses no network besides Debian's and PyPI's package indexes.

# confluent-kafka (librdkafka inside) reads cardgen's streams back in python/tests/test_stream.py;
# deltalake and pyiceberg (with SQLAlchemy for its SQLite catalog) read its
# lakehouse tables in python/tests/test_lakehouse.py.
SPARK_PIP_REQUIREMENTS=("pyspark>=4,<5" "pandas<3" "pyarrow" "duckdb" "polars" "pytest" "confluent-kafka" "deltalake" "pyiceberg[sql-sqlite,pyarrow]")

_spark_env_log() { printf 'spark_env: %s\n' "$*" >&2; }

# The major version of the `java` on PATH (17, 21, ...), or nothing.
_spark_java_major() {
  command -v java >/dev/null 2>&1 || return 0
  java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

spark_env_java() {
  local major
  major=$(_spark_java_major)
  if [[ -z $major || $major -lt 17 ]]; then
    _spark_env_log "Java 17+ not found (java: ${major:-none}); installing openjdk-17-jre-headless"
    # Slim Debian images lack this directory, and the JRE's postinst fails without it.
    mkdir -p /usr/share/man/man1
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null || return 1
    major=$(_spark_java_major)
    [[ -n $major && $major -ge 17 ]] || { _spark_env_log "still no Java 17+ after install"; return 1; }
  fi
  if [[ -z ${JAVA_HOME:-} || ! -x ${JAVA_HOME:-}/bin/java ]]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    export JAVA_HOME
  fi
}

spark_env_venv() {
  local venv=${VENV:-target/ci-venv}
  local py
  py=$(python3 -c 'import sys; print("%d%02d" % sys.version_info[:2])') || return 1
  if ((py < 310)); then
    _spark_env_log "python3 is older than 3.10; pyspark 4 needs 3.10 (4.0) or 3.11 (4.1 on)"
    return 1
  fi
  if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv" || return 1
  fi
  local want stamp=$venv/.spark-requirements
  want=$(printf '%s\n' "${SPARK_PIP_REQUIREMENTS[@]}")
  if [[ ! -f $stamp || $(<"$stamp") != "$want" ]] ||
    ! "$venv/bin/python" -c 'import pyspark, pandas, pyarrow, duckdb, polars, pytest, confluent_kafka, deltalake, pyiceberg, sqlalchemy' 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check "${SPARK_PIP_REQUIREMENTS[@]}" || return 1
    printf '%s\n' "$want" >"$stamp"
  fi
  SPARK_VENV=$(cd "$venv" && pwd)
  export SPARK_VENV
  export PYSPARK_PYTHON=$SPARK_VENV/bin/python
  export PYSPARK_DRIVER_PYTHON=$SPARK_VENV/bin/python
}

# Quiet, small, local: written under target/ so that nothing outside the
# repository changes.
spark_env_conf() {
  local conf=${SPARK_CONF_DIR_OVERRIDE:-target/spark-conf}
  mkdir -p "$conf" || return 1
  cat >"$conf/spark-defaults.conf" <<'EOF'
spark.master                                          local[2]
spark.ui.enabled                                      false
spark.ui.showConsoleProgress                          false
spark.driver.host                                     127.0.0.1
spark.driver.bindAddress                              127.0.0.1
spark.driver.memory                                   2g
spark.sql.shuffle.partitions                          4
spark.sql.sources.parallelPartitionDiscovery.threshold 100000
spark.sql.sources.partitionColumnTypeInference.enabled true
EOF
  cat >"$conf/log4j2.properties" <<'EOF'
rootLogger.level = error
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
EOF
  SPARK_CONF_DIR=$(cd "$conf" && pwd)
  export SPARK_CONF_DIR
  export SPARK_LOCAL_IP=127.0.0.1
}

spark_env_java && spark_env_venv && spark_env_conf
