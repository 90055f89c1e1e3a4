"""Peer generators for the reference card table (see docs/benchmarks.md).

Each writes the same 12-column table to Snappy Parquet, the way a data
engineer would with that tool:

  transaction_id int64 sequential; ts timestamp[us] uniform over 2025;
  card_number 16 random digits; customer_id int64 uniform 1..5,000,000;
  merchant_id int64 uniform 1..500,000; mcc one of 20 category names;
  amount float64 lognormal(10, 1) rounded to 2 decimals; currency KRW 95% /
  USD 5%; channel one of 4; region one of 17 Korean regions;
  installment_months int32 0 (p=0.8) else 2..12; is_fraud bool p=0.002.

usage: reference_table.py TOOL ROWS OUT [PROCESSES]
  TOOL: stream | numpy | numpy-mp | duckdb | polars
"""

import multiprocessing as mp
import os
import random
import sys

CATEGORIES = [
    "restaurant", "convenience", "cafe", "online", "grocery", "transport", "fuel", "medical", "fashion",
    "bar", "bills", "digital", "leisure", "education", "travel", "department", "electronics", "beauty",
    "pharmacy", "other",
]
CHANNELS = ["card_present", "ecommerce", "mobile_wallet", "recurring"]
REGIONS = [
    "Seoul", "Busan", "Daegu", "Incheon", "Gwangju", "Daejeon", "Ulsan", "Sejong", "Gyeonggi", "Gangwon",
    "Chungbuk", "Chungnam", "Jeonbuk", "Jeonnam", "Gyeongbuk", "Gyeongnam", "Jeju",
]
START_US = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
YEAR_US = 365 * 86_400_000_000
BATCH = 1_000_000


def schema():
    import pyarrow as pa

    dictionary = pa.dictionary(pa.int8(), pa.string())
    return pa.schema([
        ("transaction_id", pa.int64()), ("ts", pa.timestamp("us")), ("card_number", pa.string()),
        ("customer_id", pa.int64()), ("merchant_id", pa.int64()), ("mcc", dictionary),
        ("amount", pa.float64()), ("currency", dictionary), ("channel", dictionary),
        ("region", dictionary), ("installment_months", pa.int32()), ("is_fraud", pa.bool_()),
    ])


def stream(rows, out):
    """The seed-style script: per-row Python, streamed in PyArrow batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(42)
    sch = schema()
    with pq.ParquetWriter(out, sch, compression="snappy") as writer:
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            cols = {name: [] for name in sch.names}
            for i in range(start, start + n):
                cols["transaction_id"].append(i)
                cols["ts"].append(START_US + rng.randrange(YEAR_US))
                cols["card_number"].append("".join(rng.choices("0123456789", k=16)))
                cols["customer_id"].append(rng.randint(1, 5_000_000))
                cols["merchant_id"].append(rng.randint(1, 500_000))
                cols["mcc"].append(rng.choice(CATEGORIES))
                cols["amount"].append(round(rng.lognormvariate(10, 1), 2))
                cols["currency"].append("USD" if rng.random() < 0.05 else "KRW")
                cols["channel"].append(rng.choice(CHANNELS))
                cols["region"].append(rng.choice(REGIONS))
                cols["installment_months"].append(0 if rng.random() < 0.8 else rng.randint(2, 12))
                cols["is_fraud"].append(rng.random() < 0.002)
            arrays = [pa.array(cols[f.name], type=f.type) if not pa.types.is_dictionary(f.type)
                      else pa.array(cols[f.name]).dictionary_encode().cast(f.type) for f in sch]
            writer.write_batch(pa.record_batch(arrays, schema=sch))


def numpy_batch(rng, start, n):
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def dictionary(values, k):
        return pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, k, n, dtype=np.int8)), pa.array(values))

    digits = pa.array(rng.integers(0, 10**16, n, dtype=np.int64))
    return pa.record_batch([
        pa.array(np.arange(start, start + n, dtype=np.int64)),
        pa.array(START_US + rng.integers(0, YEAR_US, n, dtype=np.int64), type=pa.timestamp("us")),
        pc.utf8_lpad(pc.cast(digits, pa.string()), 16, "0"),
        pa.array(rng.integers(1, 5_000_001, n, dtype=np.int64)),
        pa.array(rng.integers(1, 500_001, n, dtype=np.int64)),
        dictionary(CATEGORIES, len(CATEGORIES)),
        pa.array(np.round(rng.lognormal(10, 1, n), 2)),
        pa.DictionaryArray.from_arrays(pa.array((rng.random(n) < 0.05).astype(np.int8)), pa.array(["KRW", "USD"])),
        dictionary(CHANNELS, len(CHANNELS)),
        dictionary(REGIONS, len(REGIONS)),
        pa.array(np.where(rng.random(n) < 0.8, 0, rng.integers(2, 13, n)).astype(np.int32)),
        pa.array(rng.random(n) < 0.002),
    ], schema=schema())


def numpy_part(args):
    import numpy as np
    import pyarrow.parquet as pq

    first, rows, out, seed = args
    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(out, schema(), compression="snappy") as writer:
        for start in range(first, first + rows, BATCH):
            writer.write_batch(numpy_batch(rng, start, min(BATCH, first + rows - start)))


def numpy_single(rows, out):
    numpy_part((0, rows, out, 42))


def numpy_processes(rows, out, processes):
    """One file per process, as one would parallelise it by hand."""
    base, share = os.path.splitext(out), rows // processes
    jobs = [(p * share, share if p < processes - 1 else rows - p * share, f"{base[0]}.part{p}{base[1]}", 42 + p)
            for p in range(processes)]
    with mp.Pool(processes) as pool:
        pool.map(numpy_part, jobs)


def duckdb_copy(rows, out):
    import duckdb

    def pick(values):
        items = ", ".join(f"'{v}'" for v in values)
        return f"[{items}][1 + floor(random() * {len(values)})::INT]"

    duckdb.sql(f"""
        COPY (
          SELECT range AS transaction_id,
                 make_timestamp({START_US} + floor(random() * {YEAR_US})::BIGINT) AS ts,
                 lpad(floor(random() * 1e16)::BIGINT::VARCHAR, 16, '0') AS card_number,
                 1 + floor(random() * 5000000)::BIGINT AS customer_id,
                 1 + floor(random() * 500000)::BIGINT AS merchant_id,
                 {pick(CATEGORIES)} AS mcc,
                 round(exp(10 + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())), 2) AS amount,
                 CASE WHEN random() < 0.05 THEN 'USD' ELSE 'KRW' END AS currency,
                 {pick(CHANNELS)} AS channel,
                 {pick(REGIONS)} AS region,
                 CASE WHEN random() < 0.8 THEN 0 ELSE 2 + floor(random() * 11)::INT END AS installment_months,
                 random() < 0.002 AS is_fraud
          FROM range({rows})
        ) TO '{out}' (FORMAT parquet, COMPRESSION snappy)
    """)


def polars_frame(rows, out):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(42)
    n = rows

    def category(values):
        return pl.Series(np.array(values)[rng.integers(0, len(values), n)]).cast(pl.Categorical)

    df = pl.DataFrame({
        "transaction_id": np.arange(n, dtype=np.int64),
        "ts": pl.Series(START_US + rng.integers(0, YEAR_US, n, dtype=np.int64)).cast(pl.Datetime("us")),
        "card_number": pl.Series(rng.integers(0, 10**16, n, dtype=np.int64)).cast(pl.Utf8).str.zfill(16),
        "customer_id": rng.integers(1, 5_000_001, n, dtype=np.int64),
        "merchant_id": rng.integers(1, 500_001, n, dtype=np.int64),
        "mcc": category(CATEGORIES),
        "amount": np.round(rng.lognormal(10, 1, n), 2),
        "currency": pl.Series(np.where(rng.random(n) < 0.05, "USD", "KRW")).cast(pl.Categorical),
        "channel": category(CHANNELS),
        "region": category(REGIONS),
        "installment_months": np.where(rng.random(n) < 0.8, 0, rng.integers(2, 13, n)).astype(np.int32),
        "is_fraud": rng.random(n) < 0.002,
    })
    df.write_parquet(out, compression="snappy")


def main():
    tool, rows, out = sys.argv[1], int(float(sys.argv[2])), sys.argv[3]
    if tool == "stream":
        stream(rows, out)
    elif tool == "numpy":
        numpy_single(rows, out)
    elif tool == "numpy-mp":
        numpy_processes(rows, out, int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count())
    elif tool == "duckdb":
        duckdb_copy(rows, out)
    elif tool == "polars":
        polars_frame(rows, out)
    else:
        sys.exit(f"unknown tool {tool}")


if __name__ == "__main__":
    main()
