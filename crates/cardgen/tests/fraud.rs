//! Fraud cases and their ground truth, checked exactly on a year of data:
//! every fraudulent row has a case it fits, blocked cards stay blocked,
//! skimmed cards were really used at the skimmer, and the rate, the mix
//! and the drift come out as configured.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use cardgen::core::profile::{FraudDrift, FraudType};
use cardgen::{Dataset, DatasetSpec, Profile, ReadOptions, Scenario, Table};

const ROWS: u64 = 1_500_000;
const NAMES: [&str; 7] = FraudType::NAMES;

/// The columns of one table, by name, over all its rows.
struct Columns(RecordBatch);

impl Columns {
    fn read(dataset: &Dataset, table: Table, threads: usize) -> Self {
        let options = ReadOptions {
            batch_rows: 100_000,
            threads,
            ..ReadOptions::default()
        };
        let batches = dataset
            .batches(table, 0..dataset.rows(table), &options)
            .unwrap();
        let schema = batches.schema();
        let batches: Vec<RecordBatch> = batches.map(Result::unwrap).collect();
        Self(arrow_select::concat::concat_batches(&schema, &batches).unwrap())
    }

    fn int(&self, name: &str) -> Vec<Option<i64>> {
        let column = self.0.column_by_name(name).unwrap();
        let array = match column.data_type() {
            cardgen::core::arrow_schema::DataType::Timestamp(..) => {
                return column
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .collect();
            }
            _ => column.as_primitive::<Int64Type>(),
        };
        array.iter().collect()
    }

    fn flag(&self, name: &str) -> Vec<bool> {
        let column = self.0.column_by_name(name).unwrap().as_boolean();
        column.iter().map(|v| v.unwrap()).collect()
    }

    /// A dictionary column's values as strings (`None` for nulls).
    fn text(&self, name: &str) -> Vec<Option<String>> {
        let column = self.0.column_by_name(name).unwrap();
        let dictionary = column.as_dictionary::<Int8Type>();
        let values = dictionary.values().as_string::<i32>();
        dictionary
            .keys()
            .iter()
            .map(|key| key.map(|k| values.value(k as usize).to_string()))
            .collect()
    }
}

struct Fixture {
    dataset: Dataset,
    transactions: Columns,
    cases: Columns,
    cards: Columns,
}

/// A year of 1.5M rows with the default profile, generated once.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dataset = DatasetSpec::new(ROWS)
            .with_seed(11)
            .with_days(365)
            .build()
            .unwrap();
        Fixture {
            transactions: Columns::read(&dataset, Table::Transactions, 2),
            cases: Columns::read(&dataset, Table::FraudCases, 2),
            cards: Columns::read(&dataset, Table::Cards, 2),
            dataset,
        }
    })
}

/// Per case id: its row in `fraud_cases`.
fn case_index(cases: &Columns) -> HashMap<i64, usize> {
    let ids = cases.int("case_id");
    ids.iter()
        .enumerate()
        .map(|(i, id)| (id.unwrap(), i))
        .collect()
}

#[test]
fn every_fraud_row_has_a_case_it_fits_and_genuine_rows_have_none() {
    let Fixture {
        transactions: t,
        cases: c,
        ..
    } = fixture();
    let index = case_index(c);
    let (case_ids, is_fraud, kinds, labels) = (
        t.int("fraud_case_id"),
        t.flag("is_fraud"),
        t.text("fraud_type"),
        t.int("label_ts"),
    );
    let (event_ts, cards, merchants) = (t.int("event_ts"), t.int("card_id"), t.int("merchant_id"));
    let (starts, ends, victims, compromise) = (
        c.int("start_ts"),
        c.int("end_ts"),
        c.int("victim_card_id"),
        c.int("compromise_merchant_id"),
    );
    let case_kinds = c.text("fraud_type");
    let mut fraud_rows = 0;
    for row in 0..is_fraud.len() {
        if !is_fraud[row] {
            assert!(case_ids[row].is_none() && kinds[row].is_none() && labels[row].is_none());
            continue;
        }
        fraud_rows += 1;
        let case = index[&case_ids[row].expect("a fraud row names its case")];
        let at = event_ts[row].unwrap();
        assert!(
            (starts[case].unwrap()..=ends[case].unwrap()).contains(&at),
            "row {row} lies outside its case's window"
        );
        assert!(
            cards[row] == victims[case] || merchants[row] == compromise[case],
            "row {row} is neither on the victim's card nor at the case's merchant"
        );
        assert_eq!(kinds[row], case_kinds[case]);
        if let Some(label) = labels[row] {
            assert!(label >= at, "row {row} is labelled before it happened");
        }
    }
    assert!(fraud_rows > 1_000, "only {fraud_rows} fraud rows");
}

#[test]
fn no_card_is_approved_after_its_block_and_its_owner_moves_to_a_replacement() {
    let Fixture {
        transactions: t,
        cases: c,
        cards,
        ..
    } = fixture();
    let mut blocked_at: HashMap<i64, i64> = HashMap::new();
    for (card, block) in c.int("victim_card_id").into_iter().zip(c.int("block_ts")) {
        if let (Some(card), Some(block)) = (card, block) {
            let at = blocked_at.entry(card).or_insert(block);
            *at = (*at).min(block);
        }
    }
    assert!(
        blocked_at.len() > 100,
        "only {} blocked cards",
        blocked_at.len()
    );
    let (card_ids, event_ts, approved) =
        (t.int("card_id"), t.int("event_ts"), t.flag("is_approved"));
    for row in 0..card_ids.len() {
        if let Some(block) = blocked_at.get(&card_ids[row].unwrap()) {
            assert!(
                !(approved[row] && event_ts[row].unwrap() >= *block),
                "row {row}: approved on a card blocked before it"
            );
        }
    }
    // Every blocked card has a replacement row naming it, for the same customer.
    let owner: HashMap<i64, i64> = cards
        .int("card_id")
        .into_iter()
        .zip(cards.int("customer_id"))
        .map(|(card, customer)| (card.unwrap(), customer.unwrap()))
        .collect();
    let replaced: HashMap<i64, i64> = cards
        .int("replaces_card_id")
        .into_iter()
        .zip(cards.int("card_id"))
        .filter_map(|(original, card)| Some((original?, card.unwrap())))
        .collect();
    for card in blocked_at.keys() {
        let replacement = replaced[card];
        assert_eq!(owner[&replacement], owner[card]);
    }
    let used: HashSet<i64> = card_ids.iter().flatten().copied().collect();
    let used_replacements = replaced.values().filter(|r| used.contains(r)).count();
    assert!(
        used_replacements * 2 > replaced.len(),
        "replacement cards go unused"
    );
}

#[test]
fn a_counterfeit_card_was_used_at_its_point_of_compromise_first() {
    let Fixture {
        transactions: t,
        cases: c,
        ..
    } = fixture();
    let (cards, merchants_used, ts) = (t.int("card_id"), t.int("merchant_id"), t.int("event_ts"));
    let visits: HashSet<(i64, i64, i64)> = t
        .flag("is_fraud")
        .into_iter()
        .enumerate()
        .filter(|(_, fraud)| !fraud)
        .map(|(row, _)| {
            (
                cards[row].unwrap(),
                merchants_used[row].unwrap(),
                ts[row].unwrap(),
            )
        })
        .collect();
    let kinds = c.text("fraud_type");
    let (victims, merchants, compromised) = (
        c.int("victim_card_id"),
        c.int("compromise_merchant_id"),
        c.int("compromise_ts"),
    );
    let mut counterfeit = 0;
    let mut per_merchant: HashMap<i64, u32> = HashMap::new();
    for case in 0..kinds.len() {
        if kinds[case].as_deref() != Some("counterfeit") {
            continue;
        }
        counterfeit += 1;
        let key = (
            victims[case].unwrap(),
            merchants[case].unwrap(),
            compromised[case].unwrap(),
        );
        assert!(
            visits.contains(&key),
            "case {case}: no genuine visit at the point of compromise"
        );
        *per_merchant.entry(key.1).or_default() += 1;
    }
    assert!(counterfeit > 20, "only {counterfeit} counterfeit cases");
    // Points of compromise are shared by several victims.
    let shared = per_merchant.values().filter(|n| **n > 1).count();
    assert!(
        shared * 4 > per_merchant.len(),
        "points of compromise are not shared"
    );
}

#[test]
fn the_rate_and_the_mix_are_those_configured_and_every_month_has_fraud() {
    let Fixture {
        dataset,
        transactions: t,
        ..
    } = fixture();
    let fraud = &dataset.spec().scenario().profile().fraud;
    let is_fraud = t.flag("is_fraud");
    let rows = is_fraud.iter().filter(|f| **f).count() as f64;
    let rate = rows / ROWS as f64;
    assert!(
        (rate / fraud.rate - 1.0).abs() < 0.2,
        "fraud rate {rate} against {} configured",
        fraud.rate
    );
    let kinds = t.text("fraud_type");
    let total_share: f64 = fraud.scenarios.values().map(|s| s.share).sum();
    for (kind, scenario) in &fraud.scenarios {
        let n = kinds
            .iter()
            .filter(|k| k.as_deref() == Some(kind.name()))
            .count() as f64;
        let expected = scenario.share / total_share;
        let got = n / rows;
        assert!(
            (got - expected).abs() < 0.25 * expected + 0.01,
            "{} is {got:.3} of fraud rows, configured {expected:.3}",
            kind.name()
        );
    }
    let dates = t.0.column_by_name("event_date").unwrap();
    let dates = dates.as_primitive::<arrow_array::types::Date32Type>();
    let mut months = HashSet::new();
    for (date, fraud) in dates.iter().zip(&is_fraud) {
        if *fraud {
            let day =
                chrono::DateTime::from_timestamp(i64::from(date.unwrap()) * 86_400, 0).unwrap();
            months.insert(chrono::Datelike::month(&day));
        }
    }
    assert_eq!(months.len(), 12, "months with fraud: {months:?}");
    assert_eq!(NAMES.len(), fraud.scenarios.len());
}

#[test]
fn a_drift_schedule_changes_the_rate_from_its_point_on() {
    let mut profile = Profile::korean_default();
    profile.fraud.drift = vec![FraudDrift {
        at: 0.5,
        rate_multiplier: 3.0,
        mix_multipliers: [(FraudType::CnpCompromise, 4.0)].into_iter().collect(),
    }];
    let dataset = DatasetSpec::new(600_000)
        .with_seed(4)
        .with_days(100)
        .with_scenario(Scenario::from_profile(profile).unwrap())
        .build()
        .unwrap();
    let t = Columns::read(&dataset, Table::Transactions, 2);
    let (is_fraud, kinds) = (t.flag("is_fraud"), t.text("fraud_type"));
    let half = is_fraud.len() / 2;
    let count = |rows: std::ops::Range<usize>, kind: Option<&str>| {
        rows.filter(|&r| is_fraud[r] && kind.is_none_or(|k| kinds[r].as_deref() == Some(k)))
            .count() as f64
    };
    let (before, after) = (count(0..half, None), count(half..is_fraud.len(), None));
    assert!(
        (2.2..4.0).contains(&(after / before)),
        "{before} then {after} fraud rows"
    );
    let cnp = |rows| count(rows, Some("cnp_compromise"));
    let (share_before, share_after) = (cnp(0..half) / before, cnp(half..is_fraud.len()) / after);
    assert!(
        share_after > 1.4 * share_before,
        "cnp share {share_before:.3} then {share_after:.3}"
    );
}

#[test]
fn cases_and_rows_do_not_depend_on_the_thread_count() {
    let dataset = DatasetSpec::new(200_000)
        .with_seed(8)
        .with_days(90)
        .build()
        .unwrap();
    for table in [Table::Transactions, Table::FraudCases, Table::Cards] {
        let one = Columns::read(&dataset, table, 1).0;
        let three = Columns::read(&dataset, table, 3).0;
        assert_eq!(one, three, "{table} differs between 1 and 3 threads");
    }
}
