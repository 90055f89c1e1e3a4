"""Reads a whole cardgen dataset with DuckDB and checks the joins and the
behavioural model against the profile (effect sizes, not p-values).

usage: check_dataset.py DATASET_DIR PROFILE_TOML
"""

import sys
import tomllib

import duckdb

data, profile_path = sys.argv[1], sys.argv[2]
with open(profile_path, "rb") as f:
    profile = tomllib.load(f)

con = duckdb.connect()
for table in ["transactions", "customers", "cards", "merchants", "fraud_cases"]:
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

# Locality: card-present spend at home or work; loyalty: repeat merchants.
local = one(f"""
    SELECT avg(CASE WHEN t.merchant_region IN (u.region_code, u.work_region_code) THEN 1 ELSE 0 END)
    FROM ({purchases}) t JOIN customers u USING (customer_id) WHERE t.channel = 'card_present'
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

print(f"{len(failures)} failed" if failures else "dataset OK")
sys.exit(1 if failures else 0)
