"""Reads a cardgen lake-layout dataset with Spark (local mode) and checks it
against a flat run of the same seed and options, read by the same Spark.

    python scripts/check/spark_check.py --lake OUT --flat FLAT [--partition-by day|month|none|auto]

OUT is what `cardgen generate --parts N [--part K] --partition-by ...` (and
`cardgen finish`) wrote: OUT/{transactions,customers,cards,merchants,fraud_cases}/ with
Hive directories under transactions/ (`event_date=YYYY-MM-DD` by day, the
column then living only in the directory names; `event_month=YYYY-MM` by
month, event_date kept in the files), OUT/_cardgen/ and OUT/_SUCCESS. FLAT
is `cardgen generate --out FLAT/` with the same rows and seed:
FLAT/<table>.parquet for each table of the dataset.

Checks, each printed as `ok` or `FAIL`; exits 1 if any failed:
  - layout: _SUCCESS, the nine table directories, partition directory names;
  - schema: every flat column is in the lake with the same Spark type
    (event_date a DateType, also when it comes from directory names;
    event_ts a TimestampType), and no other column but the partition key;
  - rows: each table's count equals the flat run's;
  - content: per column and per row, the sum of xxhash64 over all rows
    (exact: summed as 32-bit halves) equals the flat run's; the columns
    are hashed in the flat file's order, so the partition column's place
    does not matter;
  - dates: event_date is the local date of event_ts in the dataset's time
    zone, event_month (by month) is event_date's month, and event_ts holds
    the same microseconds in Spark as in pyarrow (units and UTC adjustment);
  - joins: every transaction finds its customer, card and merchant (the
    inner join keeps every fact row) and the joined frame has the expected
    columns; every dimension key is unique.

Used by tests/python/test_spark_read.py, which imports `run_checks` to share
one Spark session between datasets.
"""

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Every table of a dataset, in cardgen's order (`Table::ALL`).
TABLES = [
    "transactions",
    "customers",
    "cards",
    "merchants",
    "fraud_cases",
    "customers_history",
    "customers_changes",
    "cards_history",
    "cards_changes",
]
KEYS = {"customers": "customer_id", "cards": "card_id", "merchants": "merchant_id", "fraud_cases": "case_id"}
PARTITION_DIR = {
    "day": re.compile(r"^event_date=\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^event_month=\d{4}-\d{2}$"),
}
# Columns the dimension tables contribute to the joined frame, renamed where
# they would clash with a transactions column.
JOINED_DIMENSION_COLUMNS = [
    ("u", "name", "customer_name"),
    ("u", "segment", "customer_segment"),
    ("u", "region_code", "customer_region"),
    ("c", "brand", "card_brand"),
    ("c", "card_kind", "card_kind"),
    ("c", "pan_last4", "pan_last4"),
    ("m", "name", "merchant_name"),
    ("m", "is_online", "merchant_is_online"),
]


@dataclass
class Report:
    name: str
    failures: list = field(default_factory=list)
    lines: list = field(default_factory=list)

    def check(self, what, ok, detail):
        line = f"{'ok  ' if ok else 'FAIL'} {what}: {detail}"
        print(line, flush=True)
        self.lines.append(line)
        if not ok:
            self.failures.append(f"{what}: {detail}")
        return ok

    def info(self, text):
        print(f"     {text}", flush=True)


def spark_session(app="cardgen-spark-check", timezone="UTC"):
    """A local session tuned for small inputs on two cores. The settings are
    also in the SPARK_CONF_DIR that scripts/lib/spark_env.sh writes; they are
    repeated here so that the script works without it."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.appName(app)
        .master(os.environ.get("SPARK_MASTER", "local[2]"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.shuffle.partitions", "4")
        # Hundreds of day directories: list them in the driver, not with a Spark job.
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        # The default, stated: `event_date=2025-03-01` becomes a DateType column.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "true")
        .config("spark.sql.session.timeZone", timezone)
        .getOrCreate()
    )


def dataset_timezone(flat):
    """The time zone cardgen wrote event_ts in (file metadata `cardgen.timezone`)."""
    import pyarrow.parquet as pq

    kv = pq.read_metadata(Path(flat) / "transactions.parquet").metadata or {}
    tz = kv.get(b"cardgen.timezone")
    if tz:
        return tz.decode()
    field_type = pq.read_schema(Path(flat) / "transactions.parquet").field("event_ts").type
    return getattr(field_type, "tz", None) or "UTC"


def detect_partitioning(table_dir):
    names = [p.name for p in Path(table_dir).iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    if any(n.startswith("event_date=") for n in names):
        return "day"
    if any(n.startswith("event_month=") for n in names):
        return "month"
    return "none"


def _hash_sums(df, columns, extra=()):
    """One aggregation: row count, the sum of the row hash over `columns` in
    that order, the sum of each column's own hash, and the `extra`
    aggregates (returned under "extra" as a Row). Each 64-bit hash is
    summed as its two 32-bit halves in bigints (exact up to 2^31 rows, and
    much faster than decimal sums), then put together in Python."""
    from pyspark.sql import functions as F

    def halves(expr, name):
        return [
            F.sum(F.shiftright(expr, 32)).alias(f"{name}_hi"),
            F.sum(expr.bitwiseAND(F.lit(0xFFFFFFFF))).alias(f"{name}_lo"),
        ]

    aggs = [F.count(F.lit(1)).alias("rows")]
    aggs += halves(F.xxhash64(*[F.col(c) for c in columns]), "row")
    for i, c in enumerate(columns):
        aggs += halves(F.xxhash64(F.col(c)), f"c{i}")
        aggs.append(F.count(F.col(c)).alias(f"n{i}"))
    r = df.agg(*aggs, *extra).collect()[0]

    def total(name):
        hi, lo = r[f"{name}_hi"] or 0, r[f"{name}_lo"] or 0
        return hi * 2**32 + lo

    return {
        "rows": r["rows"],
        "row_hash": total("row"),
        "columns": {c: (total(f"c{i}"), r[f"n{i}"]) for i, c in enumerate(columns)},
        "extra": r,
    }


def _check_layout(rep, lake, partition_by):
    lake = Path(lake)
    rep.check("layout: _SUCCESS", (lake / "_SUCCESS").is_file(), f"{lake.name}/_SUCCESS {'present' if (lake / '_SUCCESS').is_file() else 'missing'}")
    for t in TABLES:
        d = lake / t
        files = sorted(d.rglob("*.parquet")) if d.is_dir() else []
        rep.check(f"layout: {t}/", bool(files), f"{len(files)} parquet files")
    tdir = lake / "transactions"
    if not tdir.is_dir():
        return
    subdirs = sorted(p.name for p in tdir.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    if partition_by == "none":
        rep.check("layout: partitions", not subdirs, f"no partition directories expected, found {len(subdirs)}" + (f" (e.g. {subdirs[0]})" if subdirs else ""))
    else:
        bad = [s for s in subdirs if not PARTITION_DIR[partition_by].match(s)]
        rep.check(
            f"layout: partitions by {partition_by}",
            subdirs and not bad,
            f"{len(subdirs)} directories" + (f", {len(bad)} misnamed, e.g. {bad[0]}" if bad else f", {subdirs[0]} … {subdirs[-1]}" if subdirs else ""),
        )
        loose = [p.name for p in tdir.glob("*.parquet")]
        rep.check("layout: no files outside partitions", not loose, f"{len(loose)} files directly in transactions/")
    leftovers = [str(p.relative_to(lake)) for p in lake.rglob("*.inprogress")]
    rep.check("layout: no unfinished uploads", not leftovers, f"{len(leftovers)} *.inprogress files" + (f", e.g. {leftovers[0]}" if leftovers else ""))


def _check_dates(rep, r, flat, tz):
    """The date checks, from the lake's aggregation `r`; event_ts's range is
    compared with pyarrow's reading of the flat file, an independent reader
    of the same microseconds."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rep.check("transactions: event_date = local date of event_ts", r["wrong_date"] == 0, f"{r['wrong_date']} rows differ (time zone {tz}); days {r['first_day']} … {r['last_day']}")
    if "wrong_month" in r.asDict():
        rep.check("transactions: event_month = month of event_date", r["wrong_month"] == 0, f"{r['wrong_month']} rows differ")
    ts = pq.read_table(Path(flat) / "transactions.parquet", columns=["event_ts"]).column("event_ts")
    us = ts.cast(pa.int64())
    want = (pc.min(us).as_py(), pc.max(us).as_py())
    got = (r["min_us"], r["max_us"])
    rep.check(
        "transactions: event_ts units",
        got == want,
        f"Spark's first/last event_ts {got[0]}/{got[1]} µs " + (f"= pyarrow's ({ts.type})" if got == want else f"≠ pyarrow's {want[0]}/{want[1]} ({ts.type})"),
    )


def run_checks(spark, lake, flat, partition_by="auto", name=None):
    """Runs every check on one lake dataset; returns the Report (failures
    empty when all passed)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, StringType, TimestampType

    lake, flat = Path(lake), Path(flat)
    rep = Report(name or lake.name)
    started = time.monotonic()
    if partition_by == "auto":
        partition_by = detect_partitioning(lake / "transactions") if (lake / "transactions").is_dir() else "none"
        rep.info(f"partitioning detected: {partition_by}")
    _check_layout(rep, lake, partition_by)
    if rep.failures and not all((lake / t).is_dir() for t in TABLES):
        return rep

    # Local dates (to_date, date_format) are taken in the dataset's time zone.
    tz = dataset_timezone(flat)
    spark.conf.set("spark.sql.session.timeZone", tz)
    frames, counts = {}, {}
    for t in TABLES:
        lake_df = spark.read.parquet(str(lake / t))
        flat_df = spark.read.parquet(str(flat / f"{t}.parquet"))
        frames[t] = lake_df
        flat_types = {f.name: f.dataType for f in flat_df.schema.fields}
        lake_types = {f.name: f.dataType for f in lake_df.schema.fields}
        extra_allowed = {"event_month"} if (t == "transactions" and partition_by == "month") else set()
        missing = [c for c in flat_types if c not in lake_types]
        differ = [f"{c} {lake_types[c].simpleString()} ≠ {flat_types[c].simpleString()}" for c in flat_types if c in lake_types and lake_types[c] != flat_types[c]]
        extra = [c for c in lake_types if c not in flat_types and c not in extra_allowed]
        rep.check(
            f"{t}: schema",
            not (missing or differ or extra),
            f"{len(lake_types)} columns"
            + (f"; missing {missing}" if missing else "")
            + (f"; types differ: {differ}" if differ else "")
            + (f"; unexpected {extra}" if extra else ""),
        )
        columns = [c for c in flat_df.columns if c in lake_types]

        if t == "transactions":
            rep.check("transactions: event_date is a date", isinstance(lake_types.get("event_date"), DateType), f"{lake_types.get('event_date')}" + (" (from the directory names)" if partition_by == "day" else ""))
            rep.check("transactions: event_ts is a timestamp", isinstance(lake_types.get("event_ts"), TimestampType), f"{lake_types.get('event_ts')} (Parquet TIMESTAMP(MICROS, UTC) → TimestampType)")
            if partition_by == "month":
                rep.check("transactions: event_month", isinstance(lake_types.get("event_month"), StringType), f"{lake_types.get('event_month')} (Spark infers no type for YYYY-MM: a string)")

        # One pass over each side; the lake's also checks dates and keys.
        extra = []
        if t == "transactions" and {"event_ts", "event_date"} <= set(lake_types):
            extra = [
                F.sum(F.when(F.to_date("event_ts") != F.col("event_date"), 1).otherwise(0)).alias("wrong_date"),
                F.min(F.unix_micros("event_ts")).alias("min_us"),
                F.max(F.unix_micros("event_ts")).alias("max_us"),
                F.min("event_date").alias("first_day"),
                F.max("event_date").alias("last_day"),
            ]
            if "event_month" in lake_types:
                extra.append(F.sum(F.when(F.date_format("event_date", "yyyy-MM") != F.col("event_month"), 1).otherwise(0)).alias("wrong_month"))
        if t in KEYS and KEYS[t] in lake_types:
            extra = [F.countDistinct(KEYS[t]).alias("distinct_keys")]
        got, want = _hash_sums(lake_df, columns, extra), _hash_sums(flat_df, columns)
        counts[t] = got["rows"]
        rep.check(f"{t}: rows", got["rows"] == want["rows"], f"{got['rows']} (flat {want['rows']}) [{time.monotonic() - started:.1f} s]")
        bad = [c for c in columns if got["columns"][c] != want["columns"][c]]
        rep.check(
            f"{t}: column checksums",
            not bad,
            f"{len(columns) - len(bad)} of {len(columns)} columns equal" + (f"; differ: {bad}" if bad else ""),
        )
        rep.check(f"{t}: row checksum", got["row_hash"] == want["row_hash"], f"sum(xxhash64(all {len(columns)} columns)) = {got['row_hash']}" + ("" if got["row_hash"] == want["row_hash"] else f" (flat {want['row_hash']})"))
        r = got["extra"]
        if t in KEYS and KEYS[t] in lake_types:
            rep.check(f"{t}: {KEYS[t]} unique", r["distinct_keys"] == got["rows"], f"{r['distinct_keys']} distinct of {got['rows']}")
        if t == "transactions" and extra:
            _check_dates(rep, r, flat, tz)

    # Joins.
    tx = frames["transactions"]
    t, u, c, m = (frames[x].alias(a) for x, a in zip(TABLES, "tucm"))
    joined = (
        t.join(u, F.col("t.customer_id") == F.col("u.customer_id"))
        .join(c, F.col("t.card_id") == F.col("c.card_id"))
        .join(m, F.col("t.merchant_id") == F.col("m.merchant_id"))
        .select(
            "t.*",
            *[F.col(f"{a}.{col}").alias(new) for a, col, new in JOINED_DIMENSION_COLUMNS],
            (F.col("c.customer_id") == F.col("t.customer_id")).alias("_card_owner_ok"),
            (F.col("m.mcc") == F.col("t.mcc")).alias("_mcc_ok"),
        )
    )
    expected = tx.columns + [new for _, _, new in JOINED_DIMENSION_COLUMNS] + ["_card_owner_ok", "_mcc_ok"]
    rep.check("join: columns", joined.columns == expected, f"{len(joined.columns)} columns" + ("" if joined.columns == expected else f"; got {joined.columns}, expected {expected}"))
    r = joined.agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.when(F.col("_card_owner_ok") & F.col("_mcc_ok"), 1).otherwise(0)).alias("consistent"),
    ).collect()[0]
    n_tx = counts["transactions"]
    rep.check("join: transactions ⋈ customers ⋈ cards ⋈ merchants", r["n"] == n_tx, f"{r['n']} of {n_tx} fact rows kept [{time.monotonic() - started:.1f} s]")
    rep.check("join: card owner and MCC agree", r["consistent"] == r["n"], f"{r['consistent']} of {r['n']}")

    rep.info(f"{rep.name}: {len(rep.failures)} failed, {time.monotonic() - started:.1f} s")
    return rep


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lake", required=True, help="the lake-layout dataset (OUT)")
    p.add_argument("--flat", required=True, help="the flat run's directory (FLAT)")
    p.add_argument("--partition-by", choices=["day", "month", "none", "auto"], default="auto")
    a = p.parse_args(argv)
    started = time.monotonic()
    for t in TABLES:
        if not (Path(a.flat) / f"{t}.parquet").is_file():
            print(f"FAIL flat run: {a.flat}/{t}.parquet is missing", file=sys.stderr)
            return 2
    spark = spark_session(timezone=dataset_timezone(a.flat))
    spark.sparkContext.setLogLevel("ERROR")
    print(f"spark {spark.version} {spark.sparkContext.master}, session time zone {spark.conf.get('spark.sql.session.timeZone')} (started in {time.monotonic() - started:.1f} s)", flush=True)
    try:
        rep = run_checks(spark, a.lake, a.flat, a.partition_by)
    finally:
        spark.stop()
    took = time.monotonic() - started
    if rep.failures:
        print(f"spark_check: {len(rep.failures)} check(s) FAILED for {a.lake} ({took:.0f} s):", file=sys.stderr)
        for f in rep.failures:
            print(f"  - {f}", file=sys.stderr)
        return 1
    print(f"spark_check: all {len(rep.lines)} checks passed for {a.lake} ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
