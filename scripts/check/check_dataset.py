"""Reads a whole cardgen dataset with DuckDB and checks the joins, the
behavioural model against the profile (effect sizes, not p-values), and the
customers' and cards' histories and change feeds: SCD2 intervals that meet,
a MERGE of each feed into the first day's rows that gives the dimension table,
purchases that follow a customer's move, approved transactions only on
cards active at the time, and cards that end as their cases and the
profile say (lost or blocked, closed).

usage: check_dataset.py DATASET_DIR PROFILE_TOML
"""

import sys
import tomllib

import duckdb

data, profile_path = sys.argv[1], sys.argv[2]
with open(profile_path, "rb") as f:
    profile = tomllib.load(f)

con = duckdb.connect()
TABLES = ["transactions", "customers", "cards", "merchants", "fraud_cases",
          "customers_history", "customers_changes", "cards_history", "cards_changes"]
for table in TABLES:
    con.sql(f"CREATE VIEW {table} AS SELECT * FROM '{data}/{table}.parquet'")

failures = []


def check(name, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)


def one(sql):
    return con.sql(sql).fetchall()[0]


# Joins: every fact row finds its card, customer and merchant, and agrees with them.
total = one("SELECT count(*) FROM transactions")[0]
joined = one("""
    SELECT count(*) FROM transactions t
    JOIN cards c USING (card_id)
    JOIN customers u ON u.customer_id = t.customer_id
    JOIN merchants m USING (merchant_id)
    WHERE c.customer_id = t.customer_id AND m.mcc = t.mcc AND m.category = t.category
      AND m.region_code IS NOT DISTINCT FROM t.merchant_region
      AND t.event_date BETWEEN c.issued_at AND c.expires_at
""")[0]
check("joins", joined == total, f"{joined} of {total} fact rows join all dimensions consistently")
orphans = one("SELECT count(*) FROM cards c ANTI JOIN customers USING (customer_id)")[0]
check("cards → customers", orphans == 0, f"{orphans} cards without a customer")
reversals = one("""
    SELECT count(*), count(*) FILTER (WHERE o.txn_id IS NOT NULL AND o.event_ts <= r.event_ts AND o.txn_type = 'purchase')
    FROM transactions r LEFT JOIN transactions o ON o.txn_id = r.orig_txn_id
    WHERE r.txn_type <> 'purchase'
""")
check("reversals", reversals[0] == reversals[1] and reversals[0] > 0, f"{reversals[1]} of {reversals[0]} point to an earlier purchase")

purchases = "SELECT * FROM transactions WHERE txn_type = 'purchase' AND NOT is_fraud"

# Category mix: share × persona multipliers, weighted by persona share × activity.
personas = profile["personas"]
weights = {}
for c in profile["categories"]:
    weights[c["key"]] = sum(
        p["share"] * p["activity"] * c["share"] * p.get("category_multipliers", {}).get(c["key"], 1.0) for p in personas
    )
norm = sum(weights.values())
observed = dict(con.sql(f"SELECT category, count(*) / sum(count(*)) OVER () FROM ({purchases}) GROUP BY 1").fetchall())
worst = max(abs(observed.get(k, 0) / (w / norm) - 1) for k, w in weights.items() if w / norm >= 0.01)
check("category mix", worst < 0.25, f"largest relative deviation from the profile {worst:.1%}")

# Amounts: median and p90 per lognormal category against the model (spend levels average about 1).
rows = con.sql(f"""
    SELECT category, median(amount), quantile_cont(amount, 0.9) FROM ({purchases})
    WHERE currency = 'KRW' GROUP BY 1
""").fetchall()
bad = []
for category, median, p90 in rows:
    spec = next(c for c in profile["categories"] if c["key"] == category)
    if spec["amount"].get("point_masses"):
        continue
    ratio = median / spec["amount"]["median"]
    spread = (p90 / median) / (2.718281828 ** (1.2816 * spec["amount"]["sigma"]))
    if not (0.7 <= ratio <= 1.4 and 0.85 <= spread <= 1.6):
        bad.append(f"{category} median×{ratio:.2f} p90/median×{spread:.2f}")
check("amounts", not bad, "; ".join(bad) or "medians within 0.7–1.4× and p90/median within 0.85–1.6× of the model")

# Hour of day (local): correlation with the mixture of the categories' curves.
hours = [0.0] * 24
for c in profile["categories"]:
    total_w = sum(c["hour_weights"])
    for h, w in enumerate(c["hour_weights"]):
        hours[h] += c["share"] * w / total_w
obs = dict(con.sql("""
    SELECT ((epoch_us(event_ts) + 32400000000::BIGINT) // 3600000000) % 24 AS h, count(*) FROM transactions GROUP BY 1
""").fetchall())
xs, ys = hours, [obs.get(h, 0) for h in range(24)]


def corr(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    return cov / (sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) ** 0.5


check("hour of day", corr(xs, ys) > 0.97, f"correlation {corr(xs, ys):.3f} with the profile's curve")
week = dict(con.sql("SELECT isodow(event_date), count(*) FROM transactions GROUP BY 1").fetchall())
wk = [week.get(d, 0) for d in range(1, 8)]
check("day of week", corr(profile["weekday_weights"], wk) > 0.8, f"correlation {corr(profile['weekday_weights'], wk):.3f}")

# Locality: card-present spend at home or work (of the customer's version at
# the time of the purchase); loyalty: repeat merchants.
as_of = f"""
    SELECT t.*, h.region_code AS home, h.work_region_code AS work, h.valid_from
    FROM ({purchases}) t JOIN customers_history h
      ON h.customer_id = t.customer_id AND t.event_ts >= h.valid_from
     AND (h.valid_to IS NULL OR t.event_ts < h.valid_to)
"""
local = one(f"""
    SELECT avg(CASE WHEN merchant_region IN (home, work) THEN 1 ELSE 0 END)
    FROM ({as_of}) WHERE channel = 'card_present'
""")[0]
check("home or work", local >= 0.85, f"{local:.1%} of card-present purchases in the home or work region")
repeat = one(f"""
    SELECT sum(n) FILTER (WHERE n >= 2) / sum(n) FROM (SELECT count(*) n FROM ({purchases}) GROUP BY customer_id, merchant_id)
""")[0]
check("repeat merchants", repeat >= 0.6, f"{repeat:.1%} of purchases at a merchant the customer uses again")
mean, var = one("SELECT avg(n), var_samp(n) FROM (SELECT count(*) n FROM transactions GROUP BY customer_id)")
check("overdispersion", var / mean > 2, f"transactions per customer: variance/mean = {var / mean:.1f}")
declines = dict(con.sql(f"SELECT channel = 'card_present', 1 - avg(is_approved::INT) FROM ({purchases}) GROUP BY 1").fetchall())
check("declines", declines[True] < declines[False], f"card-present {declines[True]:.1%}, card-not-present {declines[False]:.1%}")

# Customers and cards that change: the history's intervals, the change feed.
start = one("SELECT min(valid_from) FROM customers_history")[0]
DIMENSIONS = {
    "customers": ("customer_id", "customer_id, name, segment, income_band, region_code, work_region_code, activity_rate"),
    "cards": ("card_id", "card_id, customer_id, issuer, brand, card_kind, product, bin, pan_masked, pan_last4, "
              "issued_at, expires_at, credit_limit, is_main_card, replaces_card_id, status"),
}
for table, (key, columns) in DIMENSIONS.items():
    rows, versions = (one(f"SELECT count(*) FROM {t}")[0] for t in [table, f"{table}_history"])
    updates = one(f"SELECT count(*) FROM {table}_changes WHERE op = 'update'")[0]
    check(f"{table} history", versions == rows + updates, f"{versions} versions = {rows} rows + {updates} updates")
    broken = one(f"""
        SELECT count(*) FROM (
          SELECT *, lead(valid_from) OVER (PARTITION BY {key} ORDER BY valid_from) AS next FROM {table}_history)
        WHERE next IS DISTINCT FROM valid_to OR is_current <> (valid_to IS NULL) OR valid_from < TIMESTAMPTZ '{start}'
    """)[0]
    check(f"{table} SCD2 intervals", broken == 0, f"{broken} versions that do not meet the next, or start before the dataset")
    current_differs = one(f"""
        SELECT count(*) FROM ((SELECT {columns} FROM {table}_history WHERE is_current EXCEPT SELECT {columns} FROM {table})
                              UNION ALL (SELECT {columns} FROM {table} EXCEPT SELECT {columns} FROM {table}_history WHERE is_current))
    """)[0]
    check(f"{table} current versions", current_differs == 0, f"{current_differs} rows differ between the current versions and {table}")
    # The feed merged into the rows of the first day gives the rows of the last.
    names = [c.strip() for c in columns.split(",")]
    con.sql(f"CREATE TABLE dim_{table} AS SELECT {columns} FROM {table}_history WHERE valid_from = TIMESTAMPTZ '{start}'")
    con.sql(f"""
        MERGE INTO dim_{table} AS d USING (
          SELECT * FROM {table}_changes QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY change_ts DESC) = 1
        ) AS c ON d.{key} = c.{key}
        WHEN MATCHED AND c.op = 'delete' THEN DELETE
        WHEN MATCHED THEN UPDATE SET {", ".join(f"{n} = c.{n}" for n in names[1:])}
        WHEN NOT MATCHED AND c.op <> 'delete' THEN INSERT ({columns}) VALUES ({", ".join("c." + n for n in names)})
    """)
    merged_differs = one(f"""
        SELECT count(*) FROM ((SELECT {columns} FROM dim_{table} EXCEPT SELECT {columns} FROM {table})
                              UNION ALL (SELECT {columns} FROM {table} EXCEPT SELECT {columns} FROM dim_{table}))
    """)[0]
    check(f"{table} merge of the feed", merged_differs == 0,
          f"{merged_differs} rows differ between the first day's {table} merged with the feed and {table}")
in_versions = one(f"SELECT count(*) FROM ({as_of})")[0]
purchase_count = one(f"SELECT count(*) FROM ({purchases})")[0]
check("purchases in versions", in_versions == purchase_count, f"{in_versions} of {purchase_count} purchases fall in exactly one version of their customer")
outside, approved = one("""
    SELECT count(*) FILTER (WHERE h.status IS DISTINCT FROM 'active'), count(*)
    FROM transactions t LEFT JOIN cards_history h
      ON h.card_id = t.card_id AND t.event_ts >= h.valid_from AND (h.valid_to IS NULL OR t.event_ts < h.valid_to)
    WHERE t.is_approved
""")
check("cards active", outside == 0, f"{outside} of {approved} approved transactions on a card outside its active versions")
# How cards end: a block is `lost` exactly when the card's earliest blocking
# case is a lost or stolen card; holders close extra cards at the profile's
# yearly rate (those open on the first day, over the first year).
wrong_cause, blocks = one("""
    WITH first_block AS (
      SELECT victim_card_id AS card_id, arg_min(fraud_type, block_ts) AS kind
      FROM fraud_cases WHERE block_ts IS NOT NULL GROUP BY 1)
    SELECT count(*) FILTER (WHERE (h.status = 'lost') <> (b.kind = 'lost_stolen')), count(*)
    FROM cards_history h JOIN first_block b USING (card_id)
    WHERE h.status IN ('blocked', 'lost')
""")
check("lost or blocked", wrong_cause == 0 and blocks > 0, f"{wrong_cause} of {blocks} blocks with a status other than their case's")
closed, extra_open = one("""
    WITH start AS (SELECT min(valid_from) AS t FROM cards_history),
    opened AS (SELECT card_id FROM cards_history, start
               WHERE valid_from = start.t AND NOT is_main_card AND replaces_card_id IS NULL)
    SELECT count(*) FILTER (WHERE h.card_id IS NOT NULL), count(*)
    FROM opened o LEFT JOIN (SELECT card_id FROM cards_history, start
                             WHERE status = 'closed' AND valid_from < start.t + INTERVAL 365 DAY) h USING (card_id)
""")
close_rate = profile["changes"]["extra_card_close_rate"]
days = one("SELECT max(event_date) - min(event_date) + 1 FROM transactions")[0]
closed_share = closed / extra_open * 365 / days
check("closed extra cards", abs(closed_share - close_rate) <= 0.25 * close_rate,
      f"{closed_share:.1%} a year of {extra_open} extra cards open on the first day closed (profile {close_rate:.0%})")
# Movers: the share of card-present purchases in the home region of the time,
# before and after the move, and in the old home after it.
moves = con.sql(f"""
    WITH movers AS (
      SELECT customer_id, min(valid_from) FILTER (WHERE region_code <> first_home) AS moved, any_value(first_home) AS old_home
      FROM (SELECT *, first_value(region_code) OVER (PARTITION BY customer_id ORDER BY valid_from) AS first_home FROM customers_history)
      GROUP BY customer_id HAVING moved IS NOT NULL)
    SELECT event_ts >= moved AS after, count(*),
           avg(CASE WHEN merchant_region = home THEN 1 ELSE 0 END),
           avg(CASE WHEN merchant_region = old_home THEN 1 ELSE 0 END)
    FROM ({as_of}) JOIN movers USING (customer_id) WHERE channel = 'card_present'
    GROUP BY 1 ORDER BY 1
""").fetchall()
(_, n_before, home_before, _), (_, n_after, home_after, old_after) = moves
check("moves", abs(home_before - home_after) <= 0.05 and old_after < home_after / 2,
      f"home-region share {home_before:.1%} before a move ({n_before} purchases), {home_after:.1%} after ({n_after}); "
      f"{old_after:.1%} in the old home after")

print(f"{len(failures)} failed" if failures else "dataset OK")
sys.exit(1 if failures else 0)
