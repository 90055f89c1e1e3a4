//! What a reader finds in the file: the exact schema and rows that keep the
//! table's promises.

mod common;

use std::collections::{HashMap, HashSet};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use cardgen_core::Profile;
use cardgen_core::transactions::transactions_schema;
use chrono::NaiveDate;
use common::{generate, key_value, read_batches};

const DAY_MICROS: i64 = 86_400_000_000;

/// Local time's offset from UTC in the built-in profile.
fn offset_micros() -> i64 {
    Profile::korean_default().utc_offset_seconds * 1_000_000
}

fn fixture() -> (tempfile::TempDir, Vec<RecordBatch>, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(
        dir.path(),
        "txns.parquet",
        &[
            "--rows",
            "1000000",
            "--batch-rows",
            "131072",
            "--start",
            "2024-03-01",
            "--days",
            "90",
            "--seed",
            "11",
        ],
    );
    let batches = read_batches(&path);
    (dir, batches, path)
}

fn i64_column<'a>(batch: &'a RecordBatch, name: &str) -> &'a [i64] {
    batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Int64Type>()
        .values()
}

fn string_of(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let column = batch
        .column_by_name(name)
        .unwrap()
        .as_dictionary::<Int8Type>();
    if column.is_null(row) {
        return None;
    }
    let key = column.keys().value(row) as usize;
    Some(column.values().as_string::<i32>().value(key).to_string())
}

#[test]
fn the_file_matches_the_schema_and_keeps_its_promises() {
    let (_dir, batches, path) = fixture();
    let profile = Profile::korean_default();
    let expected = transactions_schema(&profile);
    assert_eq!(batches[0].schema().fields(), expected.fields(), "schema");
    assert_eq!(key_value(&path, "cardgen.seed").as_deref(), Some("11"));
    assert_eq!(
        key_value(&path, "cardgen.version").as_deref(),
        Some(cardgen_core::VERSION)
    );

    let start_day = NaiveDate::from_ymd_opt(2024, 3, 1)
        .unwrap()
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days();
    let range_start = start_day * DAY_MICROS - offset_micros();
    let mut months: Vec<i8> = profile
        .installments
        .months
        .iter()
        .map(|m| m.months)
        .collect();
    months.push(0);
    let range_end = range_start + 90 * DAY_MICROS;

    let mut txn_ids = HashSet::new();
    let mut owner_of_card: HashMap<i64, i64> = HashMap::new();
    let mut previous_ts = i64::MIN;
    let mut rows = 0;
    let mut fraud = 0;
    for batch in &batches {
        let ts = batch
            .column_by_name("event_ts")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let amounts = i64_column(batch, "amount");
        let cards = i64_column(batch, "card_id");
        let customers = i64_column(batch, "customer_id");
        let approved = batch.column_by_name("is_approved").unwrap().as_boolean();
        let is_fraud = batch.column_by_name("is_fraud").unwrap().as_boolean();
        let installments = batch
            .column_by_name("installment_months")
            .unwrap()
            .as_primitive::<Int8Type>()
            .values();
        for row in 0..batch.num_rows() {
            assert!(
                txn_ids.insert(i64_column(batch, "txn_id")[row]),
                "txn_id repeats"
            );
            assert!(ts[row] >= previous_ts, "event_ts goes backwards");
            assert!(
                (range_start..range_end).contains(&ts[row]),
                "event_ts outside the range"
            );
            previous_ts = ts[row];
            assert!(amounts[row] > 0, "amount must be positive");
            let owner = *owner_of_card.entry(cards[row]).or_insert(customers[row]);
            assert_eq!(
                owner, customers[row],
                "card {} has two customers",
                cards[row]
            );
            let code = string_of(batch, "response_code", row).unwrap();
            assert_eq!(approved.value(row), code == "00");
            let channel = string_of(batch, "channel", row).unwrap();
            let region = string_of(batch, "merchant_region", row);
            if channel == "card_present" {
                assert!(
                    region.is_some(),
                    "a card-present purchase happens somewhere"
                );
            }
            let currency = string_of(batch, "currency", row).unwrap();
            if currency != profile.home_currency.code {
                assert!(
                    region.is_none(),
                    "foreign currency only at online merchants"
                );
            }
            assert!(months.contains(&installments[row]));
            fraud += usize::from(is_fraud.value(row));
            rows += 1;
        }
    }
    assert_eq!(rows, 1_000_000);
    // Effect size, not a p-value: within a third of the profile's target.
    let fraud_rate = fraud as f64 / rows as f64;
    let target = profile.fraud.rate;
    assert!(
        (target * 2.0 / 3.0..target * 4.0 / 3.0).contains(&fraud_rate),
        "fraud rate {fraud_rate}, target {target}"
    );
}

#[test]
fn the_event_date_is_the_local_date_of_the_timestamp() {
    let (_dir, batches, _path) = fixture();
    let offset = offset_micros();
    for batch in &batches {
        let ts = batch
            .column_by_name("event_ts")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let dates = batch
            .column_by_name("event_date")
            .unwrap()
            .as_primitive::<arrow_array::types::Date32Type>()
            .values();
        for (t, d) in ts.iter().zip(dates.iter()) {
            assert_eq!((t + offset).div_euclid(DAY_MICROS), i64::from(*d));
        }
    }
}
