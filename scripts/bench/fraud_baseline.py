#!/usr/bin/env python3
"""Fraud baseline: is the fraud in a cardgen dataset hard but learnable?

What it measures. A model trained the way an issuer would train one should
find cardgen's fraud (AUC-ROC 0.85-0.95, average precision 10-60x the fraud
rate), while no single raw column should give it away (AUC at most 0.90).
The script:
  1. computes Fraud Detection Handbook style features for every purchase in
     DuckDB, over purchases only (cancels and refunds are left out): per
     card, the count and mean amount over the last 1, 7 and 30 days
     (windows include the current row), seconds since the card's
     previous purchase, amount / 30-day mean, a new-device flag; per
     merchant, the fraud share of its purchases in [t-14d, t-7d] as known
     at t (frauds whose label_ts < t), with the delay set by --delay-days;
     plus raw columns (amount in KRW, hour, weekday, channel, ...);
  2. splits by time: a warm-up whose rows only feed the windows, --train-weeks
     of training ending at the cut-off, a --delay-days gap, --test-weeks of
     test. A training row is fraud only if is_fraud and its label_ts is before
     the cut-off, as the issuer would know it then; test rows are scored
     against the full ground truth (is_fraud);
  3. trains a model (--model hgb|lgbm|rf|lr) on all known frauds and a
     --sample share of the other training rows;
  4. prints one fact per line: the split, timings, AUC-ROC, average
     precision and its lift over the fraud rate, recall at 1% false
     positives overall and per fraud_type, each raw column's AUC alone, and
     IN BAND / OUT OF BAND for each target. It exits 0 whatever the numbers.

How to run it:
  cardgen generate --rows 20M --days 365 --out DIR
  nice python scripts/bench/fraud_baseline.py DIR > benches/results/fraud-baseline.txt
The raw output is committed under benches/results/.

Dependencies: duckdb, pyarrow, numpy, scikit-learn; lightgbm for --model lgbm.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

os.environ.setdefault("OMP_NUM_THREADS", "2")  # before sklearn/lightgbm load OpenMP: keep to 2 cores

import duckdb
import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score

LOCAL_TZ = "Asia/Seoul"  # event_ts's zone: hours and weeks are local
KRW_PER_USD = 1350  # USD amounts are cents; a KRW amount is whole won
TARGET_AUC = (0.85, 0.95)
TARGET_AP_LIFT = (10.0, 60.0)
MAX_RAW_AUC = 0.90
FPR = 0.01
TOP_ROWS = 1000  # the highest-scored test rows, broken down by kind
# Columns the model sees as categories (codes); all other features are numbers.
# Only what is known when the authorisation is scored: the issuer's own answer
# (response_code, is_approved) is the outcome of that scoring, so it is no feature.
CATEGORICAL = ["channel", "entry_mode", "category", "merchant_region", "currency"]
NUMERIC = [
    "amount_krw", "hour", "weekday", "mcc", "installment_months",
    "card_n_1d", "card_n_7d", "card_n_30d", "card_avg_1d", "card_avg_7d", "card_avg_30d",
    "secs_since_prev", "amount_to_card_avg_30d", "new_device",
    "merchant_n_delayed", "merchant_fraud_known_delayed", "merchant_fraud_share_delayed",
]
# Raw transactions columns a naive user might feed a model: (name, SQL, is a number).
RAW_COLUMNS = [
    ("amount", "amount", True), ("mcc", "mcc", True), ("category", "category", False),
    ("channel", "channel", False), ("entry_mode", "entry_mode", False), ("hour", "hour(event_ts)", True),
    ("response_code", "response_code", False), ("is_approved", "is_approved", False),
    ("installment_months", "installment_months", True), ("merchant_region", "merchant_region", False),
    ("device_id", "device_id", True), ("merchant_id", "merchant_id", True), ("card_id", "card_id", True),
    ("customer_id", "customer_id", True), ("currency", "currency", False), ("txn_type", "txn_type", False),
]


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Weeks count from the dataset's first local date. The defaults fit a one-year dataset: "
        "5 warm-up weeks, 16 training weeks, a 7-day gap, 8 test weeks.")
    p.add_argument("dataset", help="directory written by `cardgen generate --out DIR` (reads DIR/transactions.parquet)")
    p.add_argument("--warmup-weeks", type=int, default=5, help="leading weeks used only as window history (default 5: the 30-day windows are full)")
    p.add_argument("--train-weeks", type=int, default=16, help="training weeks after the warm-up; they end at the cut-off (default 16)")
    p.add_argument("--delay-days", type=int, default=7, help="label delay: the gap between cut-off and test, and the delay of the merchant risk feature (default 7)")
    p.add_argument("--test-weeks", type=int, default=8, help="test weeks after the gap (default 8)")
    p.add_argument("--sample", type=float, default=0.25, help="share of non-fraud training rows kept; every known fraud is kept (default 0.25)")
    p.add_argument("--seed", type=int, default=42, help="seed of the sample and the model (default 42)")
    p.add_argument("--model", choices=["hgb", "lgbm", "rf", "lr"], default="hgb",
                   help="hgb: scikit-learn HistGradientBoosting (default); lgbm: LightGBM; rf: random forest; lr: logistic regression")
    p.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    p.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit; it spills to a temp directory past it (default 6GB)")
    return p.parse_args()


def transactions_source(dataset):
    path = os.path.join(dataset, "transactions.parquet")
    if os.path.isdir(path):  # a dataset written in parts: a folder of files
        return f"read_parquet('{path}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    if not os.path.exists(path):
        sys.exit(f"error: {path} not found")
    return f"read_parquet('{path}')"


def sql_str(value):
    return "'" + str(value).replace("'", "''") + "'"


def code_expr(con, column):
    """CASE mapping each value of a string column to 0, 1, ... in sorted order; NULL stays NULL (missing)."""
    values = [r[0] for r in con.sql(f"SELECT DISTINCT {column}::VARCHAR FROM txn WHERE {column} IS NOT NULL ORDER BY 1").fetchall()]
    whens = " ".join(f"WHEN {sql_str(v)} THEN {i}" for i, v in enumerate(values))
    return f"(CASE {column}::VARCHAR {whens} END)" if values else "NULL"


def build_features(con, delay_days, first_kept, end_kept):
    """Feature table over purchases with event_date in [first_kept, end_kept); the windows see all earlier rows."""
    usd_to_krw = KRW_PER_USD / 100  # one cent in won
    # epoch_us puts event_ts and label_ts on one clock; a label_ts without a zone is read as UTC (Arrow's epoch).
    con.sql(f"""CREATE VIEW purchases AS SELECT *, epoch_us(event_ts) AS ts_us, epoch_us(label_ts) AS label_us,
        (CASE currency WHEN 'USD' THEN amount * {usd_to_krw} ELSE amount END)::DOUBLE AS amount_krw
        FROM txn WHERE txn_type = 'purchase'""")
    # Merchant risk with label delay, exact per timestamp: fraud j (event e, label l)
    # counts for a purchase at t of its merchant iff e in [t-2d, t-d) and l < t
    # (d = delay = window), i.e. iff max(l, e+d) < t <= e+2d. So each labelled fraud opens
    # at max(l, e+d) and closes at e+2d; a running sum of opens minus closes per merchant,
    # looked up with an ASOF join at the last event before t, is the known fraud count.
    d_us = delay_days * 86_400_000_000
    con.sql(f"""CREATE TEMP TABLE merchant_label_events AS
        WITH known AS (SELECT merchant_id, greatest(label_us, ts_us + {d_us}) AS opens, ts_us + {2 * d_us} AS closes
                       FROM purchases WHERE is_fraud AND label_us IS NOT NULL),
        ev AS (SELECT merchant_id, opens AS at_us, 1 AS delta FROM known WHERE opens < closes
               UNION ALL SELECT merchant_id, closes, -1 FROM known WHERE opens < closes)
        SELECT merchant_id, at_us, sum(sum(delta)) OVER (PARTITION BY merchant_id ORDER BY at_us) AS known_frauds
        FROM ev GROUP BY merchant_id, at_us""")
    codes = ", ".join(f"{code_expr(con, c)} AS {c}_code" for c in CATEGORICAL)
    card = "PARTITION BY card_id ORDER BY event_ts RANGE BETWEEN INTERVAL '{} days' PRECEDING AND CURRENT ROW"
    con.sql(f"""CREATE TEMP TABLE features AS
        WITH windowed AS (
          SELECT *,
            count(*) OVER d1 AS card_n_1d, avg(amount_krw) OVER d1 AS card_avg_1d,
            count(*) OVER d7 AS card_n_7d, avg(amount_krw) OVER d7 AS card_avg_7d,
            count(*) OVER d30 AS card_n_30d, avg(amount_krw) OVER d30 AS card_avg_30d,
            -- ordered by txn_id (time order, ties broken) so lag and first use are deterministic
            (ts_us - lag(ts_us) OVER (PARTITION BY card_id ORDER BY txn_id)) / 1e6 AS secs_since_prev,
            CASE WHEN device_id IS NULL THEN NULL
                 WHEN row_number() OVER (PARTITION BY card_id, device_id ORDER BY txn_id) = 1 THEN 1 ELSE 0 END AS new_device,
            count(*) OVER (PARTITION BY merchant_id ORDER BY event_ts RANGE BETWEEN INTERVAL '{2 * delay_days} days' PRECEDING
                           AND INTERVAL '{delay_days} days' PRECEDING) AS merchant_n_delayed
          FROM purchases
          WINDOW d1 AS ({card.format(1)}), d7 AS ({card.format(7)}), d30 AS ({card.format(30)}))
        SELECT w.txn_id, w.event_date, w.is_fraud, w.fraud_type::VARCHAR AS fraud_type, w.label_us,
          w.amount_krw, hour(w.event_ts) AS hour, dayofweek(w.event_date) AS weekday, w.mcc, w.installment_months,
          w.is_approved::INT AS approved, w.card_n_1d, w.card_n_7d, w.card_n_30d, w.card_avg_1d, w.card_avg_7d,
          w.card_avg_30d, w.secs_since_prev, w.amount_krw / nullif(w.card_avg_30d, 0) AS amount_to_card_avg_30d,
          w.new_device, w.merchant_n_delayed, coalesce(e.known_frauds, 0) AS merchant_fraud_known_delayed,
          coalesce(e.known_frauds, 0) / nullif(w.merchant_n_delayed, 0) AS merchant_fraud_share_delayed, {codes}
        FROM windowed w ASOF LEFT JOIN merchant_label_events e ON w.merchant_id = e.merchant_id AND w.ts_us > e.at_us
        WHERE w.event_date >= DATE '{first_kept}' AND w.event_date < DATE '{end_kept}'""")


def fetch(con, where, label_sql):
    """Features as a float matrix, the label and fraud_type, for the rows matching `where`, in txn_id order."""
    names = NUMERIC + [f"{c}_code" for c in CATEGORICAL]
    cols = ", ".join(f"{n}::DOUBLE AS {n}" for n in names)
    rel = con.sql(f"SELECT {cols}, ({label_sql}) AS y, fraud_type FROM features WHERE {where} ORDER BY txn_id")
    table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()  # the name differs by duckdb version
    x = np.column_stack([table.column(n).to_numpy(zero_copy_only=False) for n in names]).astype(np.float64)
    y = table.column("y").to_numpy(zero_copy_only=False).astype(bool)
    return x, y, np.asarray(table.column("fraud_type").to_pylist(), dtype=object)


def make_model(name, seed):
    n_num, n_cat = len(NUMERIC), len(CATEGORICAL)
    cat_idx = list(range(n_num, n_num + n_cat))
    if name == "lgbm":
        import lightgbm
        return lightgbm.LGBMClassifier(n_estimators=400, learning_rate=0.05, num_leaves=31, min_child_samples=50,
                                       subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed,
                                       n_jobs=2, verbose=-1), {"categorical_feature": cat_idx}
    if name == "rf":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(n_estimators=200, min_samples_leaf=20, n_jobs=2, random_state=seed), {}
    if name == "lr":
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
        signed_log = FunctionTransformer(lambda v: np.sign(v) * np.log1p(np.abs(v)))  # amounts and gaps are heavy-tailed
        prep = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), signed_log, StandardScaler()), list(range(n_num))),
            ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value=-1), OneHotEncoder(handle_unknown="ignore")), cat_idx)])
        return make_pipeline(prep, LogisticRegression(max_iter=2000)), {}
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, max_leaf_nodes=31, min_samples_leaf=50,
                                          l2_regularization=1.0, categorical_features=cat_idx, early_stopping=True,
                                          n_iter_no_change=20, random_state=seed), {}


def column_auc(con, value_sql, source):
    """Exact AUC of one value against is_fraud (ties count half), from per-value counts, so no rows leave DuckDB."""
    return con.sql(f"""
        WITH g AS (SELECT {value_sql} AS v, count(*) FILTER (WHERE is_fraud) AS pos, count(*) FILTER (WHERE NOT is_fraud) AS neg
                   FROM {source} GROUP BY ALL),
        c AS (SELECT pos, neg, coalesce(sum(neg) OVER (ORDER BY v NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
              FROM g)
        SELECT (sum(pos::DOUBLE * below) + 0.5 * sum(pos::DOUBLE * neg)) / (sum(pos)::DOUBLE * sum(neg)) FROM c""").fetchall()[0][0]


def raw_column_aucs(con, train_where, test_where):
    """Per raw column: AUC as a number over all rows, and of its per-value fraud rate (learnt on the
    training weeks, unseen values get the overall rate) over the test weeks; max(AUC, 1-AUC) of each."""
    base = con.sql(f"SELECT avg(is_fraud::DOUBLE) FROM txn WHERE {train_where}").fetchall()[0][0]
    results = []
    for name, expr, numeric in RAW_COLUMNS:
        as_number = column_auc(con, expr, "txn") if numeric else None
        encoded = column_auc(con, f"coalesce(r.rate, {base})", f"""(SELECT {expr} AS v, is_fraud FROM txn WHERE {test_where}) t
            LEFT JOIN (SELECT {expr} AS v, avg(is_fraud::DOUBLE) AS rate FROM txn WHERE {train_where} GROUP BY ALL) r
            ON t.v IS NOT DISTINCT FROM r.v""")
        aucs = [a for a in (as_number, encoded) if a is not None]
        results.append((name, as_number, encoded, max(max(a, 1 - a) for a in aucs)))
    return results


def band(label, value, low, high, text):
    inside = (low is None or value >= low) and (high is None or value <= high)
    print(f"band {label}: {text} -> {'IN BAND' if inside else 'OUT OF BAND'}")


def main():
    args = parse_args()
    started = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="fraud-baseline-")
    con = duckdb.connect()
    con.sql(f"PRAGMA memory_limit='{args.memory_limit}'")
    con.sql(f"PRAGMA threads={args.threads}")
    con.sql(f"SET temp_directory='{tmp.name}'")  # spill past the memory limit instead of failing
    con.sql("SET preserve_insertion_order=false")
    con.sql(f"SET TimeZone='{LOCAL_TZ}'")
    con.sql(f"CREATE VIEW txn AS SELECT * FROM {transactions_source(args.dataset)}")

    n_rows, n_purchases, n_fraud, first, last = con.sql(
        "SELECT count(*), count(*) FILTER (WHERE txn_type = 'purchase'), count(*) FILTER (WHERE is_fraud), "
        "min(event_date), max(event_date) FROM txn").fetchall()[0]
    train_start = first + dt.timedelta(weeks=args.warmup_weeks)
    cutoff = train_start + dt.timedelta(weeks=args.train_weeks)
    test_start = cutoff + dt.timedelta(days=args.delay_days)
    test_end = min(test_start + dt.timedelta(weeks=args.test_weeks), last + dt.timedelta(days=1))
    if test_end <= test_start:
        sys.exit(f"error: the data ends {last}, before the test weeks start {test_start}; use fewer weeks")
    cutoff_us = int(dt.datetime.combine(cutoff, dt.time(), ZoneInfo(LOCAL_TZ)).timestamp() * 1_000_000)
    day = lambda d: d.isoformat()
    print(f"dataset: {args.dataset}")
    print(f"versions: duckdb {duckdb.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"transactions: {n_rows} rows, {n_purchases} purchases, {n_fraud} fraud rows ({n_fraud / n_rows:.4%}), dates {first} .. {last}")
    print(f"warm-up (window history only): {day(first)} .. {day(train_start - dt.timedelta(days=1))} ({args.warmup_weeks} weeks)")
    print(f"train: {day(train_start)} .. {day(cutoff - dt.timedelta(days=1))} ({args.train_weeks} weeks)")
    print(f"cut-off: {day(cutoff)} 00:00 {LOCAL_TZ}; training positives = is_fraud AND label_ts < cut-off")
    print(f"gap (label delay, unused): {args.delay_days} days")
    print(f"test: {day(test_start)} .. {day(test_end - dt.timedelta(days=1))} ({(test_end - test_start).days} days), scored against is_fraud")

    t0 = time.perf_counter()
    build_features(con, args.delay_days, train_start, test_end)
    print(f"time features: {time.perf_counter() - t0:.1f} s (DuckDB window functions over all {n_purchases} purchases, {args.threads} threads)")

    train_where = f"event_date >= DATE '{train_start}' AND event_date < DATE '{cutoff}'"
    test_where = f"event_date >= DATE '{test_start}' AND event_date < DATE '{test_end}'"
    known = f"is_fraud AND label_us IS NOT NULL AND label_us < {cutoff_us}"
    n_train, train_fraud, train_known = con.sql(
        f"SELECT count(*), count(*) FILTER (WHERE is_fraud), count(*) FILTER (WHERE {known}) FROM features WHERE {train_where}").fetchall()[0]
    print(f"train purchases: {n_train}, fraud {train_fraud} ({train_fraud / max(n_train, 1):.4%}), "
          f"known by cut-off {train_known} ({train_known / max(n_train, 1):.4%}; {train_known / max(train_fraud, 1):.1%} of the fraud)")
    # Keep every known fraud and a hashed, seeded share of the rest (unknown frauds included, as the issuer sees them).
    keep = f"({known}) OR hash(txn_id, {args.seed}) % 1000000 < {int(args.sample * 1_000_000)}"
    x_train, y_train, _ = fetch(con, f"{train_where} AND ({keep})", known)
    print(f"training rows: {len(y_train)} = {int(y_train.sum())} known frauds + {int((~y_train).sum())} others "
          f"({args.sample:.0%} sample of the non-fraud-labelled rows, seed {args.seed})")
    x_test, y_test, test_types = fetch(con, test_where, "is_fraud")
    non_purchase = con.sql(f"SELECT count(*) FROM txn WHERE {test_where} AND is_fraud AND txn_type <> 'purchase'").fetchall()[0][0]
    base_rate = y_test.mean()
    print(f"test purchases: {len(y_test)}, fraud {int(y_test.sum())} ({base_rate:.4%}); "
          f"fraud rows that are not purchases (not scored): {non_purchase}")
    if y_train.sum() == 0 or y_test.sum() == 0:
        sys.exit("error: no fraud in the training or the test rows")

    model_name = args.model
    if model_name == "lgbm":
        try:
            import lightgbm  # noqa: F401
        except ImportError:
            print("model: lightgbm is not installed, using hgb")
            model_name = "hgb"
    model, fit_args = make_model(model_name, args.seed)
    print(f"model: {model_name} ({type(model).__name__}), {len(NUMERIC)} numeric + {len(CATEGORICAL)} categorical features")
    t0 = time.perf_counter()
    model.fit(x_train, y_train, **fit_args)
    print(f"time train: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    score = model.predict_proba(x_test)[:, 1]
    print(f"time score: {time.perf_counter() - t0:.1f} s")

    auc = roc_auc_score(y_test, score)
    ap = average_precision_score(y_test, score)
    threshold = np.quantile(score[~y_test], 1 - FPR)  # flags at most 1% of the genuine test rows
    flagged = score > threshold
    print(f"AUC-ROC: {auc:.4f}")
    print(f"average precision: {ap:.4f}")
    print(f"AP lift over base rate: {ap / base_rate:.1f}x (base rate {base_rate:.4%})")
    print(f"recall at {FPR:.0%} FPR: {flagged[y_test].mean():.4f} (threshold {threshold:.4g}, "
          f"genuine rows flagged {flagged[~y_test].mean():.4%})")
    for fraud_type in sorted(set(test_types[y_test])):
        rows = y_test & (test_types == fraud_type)
        print(f"recall at {FPR:.0%} FPR, {fraud_type}: {flagged[rows].mean():.4f} of {int(rows.sum())} test fraud rows")
    # Where the precision comes from: the highest-scored rows, by kind.
    top = np.argsort(-score, kind="stable")[:TOP_ROWS]
    kinds = {}
    for t in test_types[top][y_test[top]]:
        kinds[t] = kinds.get(t, 0) + 1
    print(f"top {TOP_ROWS} scores: {int(y_test[top].sum())} fraud ("
          + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")")
    for fraud_type in sorted(set(test_types[y_test])):
        keep = ~y_test | (test_types == fraud_type)
        print(f"average precision, {fraud_type} against genuine rows: "
              f"{average_precision_score(y_test[keep], score[keep]):.4f}")

    t0 = time.perf_counter()
    raw = raw_column_aucs(con, train_where, test_where)
    for name, as_number, encoded, best in raw:
        number_text = f"as a number {as_number:.4f} (all rows), " if as_number is not None else ""
        print(f"raw column {name}: {number_text}per-value fraud rate {encoded:.4f} (test weeks, rates from train weeks) -> {best:.4f}")
    best_name, _, _, best_auc = max(raw, key=lambda r: r[3])
    print(f"best raw column: {best_name} AUC {best_auc:.4f}")
    print(f"time raw columns: {time.perf_counter() - t0:.1f} s")

    band("AUC-ROC", auc, *TARGET_AUC, f"{auc:.4f} in [{TARGET_AUC[0]}, {TARGET_AUC[1]}]")
    lift = ap / base_rate
    band("AP lift", lift, *TARGET_AP_LIFT, f"{lift:.1f}x in [{TARGET_AP_LIFT[0]:.0f}x, {TARGET_AP_LIFT[1]:.0f}x]")
    band("best raw column AUC", best_auc, None, MAX_RAW_AUC, f"{best_name} {best_auc:.4f} <= {MAX_RAW_AUC}")
    print(f"time total: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
