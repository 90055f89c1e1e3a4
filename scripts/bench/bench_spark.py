"""cardgen in Spark and in Python, side by side on one local Spark.

    source scripts/lib/spark_env.sh
    "$SPARK_VENV/bin/pip" install ./python dbldatagen
    cargo build --release -p cardgen-cli
    "$SPARK_VENV/bin/python" scripts/bench/bench_spark.py | tee benches/results/spark.txt

Measures, on local[N] (N = the cores, 2 here), rows per second of:

  1. cardgen's Spark data source, the `transactions` table (all its
     columns, 23 at schema version 3), into the no-op sink (`df.write.format("noop")`) and into Parquet;
  2. dbldatagen (PyPI) generating the 12-column reference table of
     scripts/bench/peers/reference_table.py, into the same two sinks — the way a
     Spark user would write it: Spark SQL expressions, no Python UDFs;
  3. the ceiling of any Python data source on this Spark: one batch of the
     same rows, generated once and yielded over and over, into the no-op sink;
  4. `cardgen.read` of the same table into pyarrow (every batch consumed),
     against the command line generating it (`cardgen bench --modes
     generate`: the same generator, batches dropped).

Every measurement runs REPS times, the runs alternate between tools, and
the median counts. Spark timings are wall time of the write action, with
the session already started. Options: --rows, --parts, --reps, --cli.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "check"))  # spark_check
sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))  # reference_table

from reference_table import CATEGORIES, CHANNELS, REGIONS  # noqa: E402


def count(text: str) -> int:
    suffixes = {"k": 10**3, "M": 10**6, "B": 10**9}
    return int(float(text[:-1]) * suffixes[text[-1]]) if text[-1] in suffixes else int(text)


def header(cli: Path, args) -> None:
    import dbldatagen
    import pyarrow
    import pyspark

    import cardgen

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    cli_version = subprocess.run([str(cli), "--version"], capture_output=True, text=True).stdout.split()[-1]
    print(f"# date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(f"# machine: {os.cpu_count()} cores, {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}")
    print(f"# cardgen {cardgen.__version__} (python package), cli {cli_version}, commit {commit or 'unknown'}")
    print(f"# python {platform.python_version()}, pyspark {pyspark.__version__}, pyarrow {pyarrow.__version__}, "
          f"dbldatagen {dbldatagen.__version__}, java {java_version()}")
    print(f"# rows: {args.rows:,}; Spark local[{os.cpu_count()}], {args.parts} partitions; {args.reps} runs each, alternating")


def java_version() -> str:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return out.split('"')[1] if '"' in out else "?"


def cardgen_frame(spark, rows: int, parts: int):
    return (spark.read.format("cardgen").option("table", "transactions")
            .option("rows", str(rows)).option("seed", "42").option("parts", str(parts)).load())


def dbldatagen_frame(spark, rows: int, parts: int):
    """The reference table (scripts/bench/peers/reference_table.py) in dbldatagen:
    its own options where it has them (ranges, value lists, weights, a
    random timestamp range), Spark SQL where its way would be a Python UDF
    (its digit templates) or has no lognormal."""
    import dbldatagen as dg

    return (
        dg.DataGenerator(spark, name="reference", rows=rows, partitions=parts,
                         randomSeedMethod="hash_fieldname", randomSeed=42)
        .withColumn("transaction_id", "long", expr="id")
        .withColumn("ts", "timestamp", begin="2025-01-01 00:00:00", end="2025-12-31 23:59:59",
                    interval="1 second", random=True)
        .withColumn("card_number", "string", expr="format_string('%016d', cast(rand() * 1e16 as bigint))")
        .withColumn("customer_id", "long", minValue=1, maxValue=5_000_000, random=True)
        .withColumn("merchant_id", "long", minValue=1, maxValue=500_000, random=True)
        .withColumn("mcc", "string", values=CATEGORIES, random=True)
        .withColumn("amount", "double", expr="round(exp(10 + randn()), 2)")
        .withColumn("currency", "string", values=["KRW", "USD"], weights=[95, 5], random=True)
        .withColumn("channel", "string", values=CHANNELS, random=True)
        .withColumn("region", "string", values=REGIONS, random=True)
        .withColumn("installment_months", "int",
                    expr="case when rand() < 0.8 then 0 else 2 + cast(floor(rand() * 11) as int) end")
        .withColumn("is_fraud", "boolean", expr="rand() < 0.002")
        .build()
    )


def ceiling_frame(spark, rows: int, parts: int):
    """Spark's own cost of a Python data source: every partition yields one
    batch of cardgen's rows, generated once, over and over; what is left is
    moving Arrow batches from the Python workers into the JVM and on."""
    from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

    from cardgen.spark_types import spark_batches, spark_schema

    class Repeat(DataSource):
        @classmethod
        def name(cls):
            return "cardgen_repeat"

        def schema(self):
            return spark_schema("transactions", rows=rows, seed=42)

        def reader(self, schema):
            return RepeatReader()

    class RepeatReader(DataSourceReader):
        def partitions(self):
            return [InputPartition(part) for part in range(parts)]

        def read(self, partition):
            batch = next(spark_batches("transactions", rows=rows, seed=42, threads=1))
            for _ in range(rows // parts // batch.num_rows):
                yield batch

    spark.dataSource.register(Repeat)
    return spark.read.format("cardgen_repeat").load()


def timed_write(df, sink: str, where: Path) -> float:
    started = time.perf_counter()
    if sink == "noop":
        df.write.format("noop").mode("overwrite").save()
    else:
        df.write.mode("overwrite").parquet(str(where))
    return time.perf_counter() - started


def read_rate(rows: int) -> float:
    import cardgen

    started = time.perf_counter()
    seen = sum(batch.num_rows for batch in cardgen.read("transactions", rows=rows, seed=42))
    elapsed = time.perf_counter() - started
    assert seen == rows, seen
    return rows / elapsed


def cli_rate(cli: Path, rows: int, out_dir: Path) -> float:
    threads = os.cpu_count()
    cmd = [str(cli), "bench", "--rows", str(rows), "--threads", str(threads), "--modes", "generate",
           "--reps", "1", "--out-dir", str(out_dir), "-q"]
    subprocess.run(cmd, check=True, capture_output=True)
    summary = json.loads((out_dir / "summary.json").read_text())
    return summary["summaries"][0]["median_rows_per_sec"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="10M")
    parser.add_argument("--parts", type=int, default=os.cpu_count(), help="Spark partitions (default: one per core)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--cli", default="target/release/cardgen")
    args = parser.parse_args()
    args.rows = count(args.rows)
    cli = Path(args.cli) if Path(args.cli).is_absolute() else ROOT / args.cli
    header(cli, args)

    import spark_check
    from cardgen.spark import CardgenDataSource

    spark = spark_check.spark_session(app="bench_spark")
    spark.sparkContext.setLogLevel("ERROR")
    spark.dataSource.register(CardgenDataSource)
    work = Path(tempfile.mkdtemp(prefix="bench_spark_"))
    import cardgen

    columns = len(cardgen.schema("transactions"))
    frames = {f"cardgen data source (transactions, {columns} columns)": cardgen_frame,
              "dbldatagen (reference table, 12 columns)": dbldatagen_frame}
    ceiling = "one cached batch repeated (Python data source ceiling)"
    rates: dict[str, list[float]] = {}
    try:
        # One untimed run each, so that neither pays for the JVM's warm-up.
        for make in frames.values():
            timed_write(make(spark, 1_000_000, args.parts), "noop", work / "warm")
        for rep in range(1, args.reps + 1):
            for sink in ("noop", "parquet"):
                for name, make in frames.items():
                    seconds = timed_write(make(spark, args.rows, args.parts), sink, work / "out")
                    rate = args.rows / seconds
                    rates.setdefault(f"{name} → {sink}", []).append(rate)
                    print(f"run {rep}  {name:<48} → {sink:<7}  {seconds:7.2f} s  {rate / 1e6:6.2f}M rows/s", flush=True)
                    shutil.rmtree(work / "out", ignore_errors=True)
            seconds = timed_write(ceiling_frame(spark, args.rows, args.parts), "noop", work / "out")
            rows = args.rows // args.parts // 250_000 * 250_000 * args.parts
            rates.setdefault(f"{ceiling} → noop", []).append(rows / seconds)
            print(f"run {rep}  {ceiling:<48} → noop     {seconds:7.2f} s  {rows / seconds / 1e6:6.2f}M rows/s", flush=True)
            for name, measure in (("cardgen.read → pyarrow (transactions)", lambda: read_rate(args.rows)),
                                  ("cardgen bench --modes generate (CLI)", lambda: cli_rate(cli, args.rows, work / "cli"))):
                rate = measure()
                rates.setdefault(name, []).append(rate)
                print(f"run {rep}  {name:<58}  {rate / 1e6:6.2f}M rows/s", flush=True)
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)

    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"\n| measurement | M rows/s (median of {args.reps}) | min–max |")
    print("|---|---|---|")
    for name, values in rates.items():
        print(f"| {name} | {median[name] / 1e6:.2f} | {min(values) / 1e6:.2f}–{max(values) / 1e6:.2f} |")
    print()
    ours, theirs = frames
    for sink in ("noop", "parquet"):
        ratio = median[f"{ours} → {sink}"] / median[f"{theirs} → {sink}"]
        print(f"data source / dbldatagen, {sink}: {ratio:.2f}x")
    read, gen = median["cardgen.read → pyarrow (transactions)"], median["cardgen bench --modes generate (CLI)"]
    print(f"cardgen.read / CLI generate: {read / gen:.2f} ({(read / gen - 1) * 100:+.0f}%)")


if __name__ == "__main__":
    main()
