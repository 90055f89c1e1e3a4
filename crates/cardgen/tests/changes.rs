//! Customers that change: `customers_history` holds every version of every
//! customer with intervals that meet, its current versions are `customers`,
//! `customers_changes` applied to the first day's customers gives
//! `customers`, each range of an appended dataset carries its own changes,
//! and every table is the same whatever the batch size or thread count.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use cardgen::{AppendedRange, Dataset, DatasetSpec, ReadOptions, Table};

/// The columns of `customers`, as text, by customer id.
type Customer = Vec<String>;

/// A row of `customers_history`: the customer, `valid_from`, `valid_to`, `is_current`.
type Version = (Customer, i64, Option<i64>, bool);

fn dataset() -> Dataset {
    // Two years, so that customers change more than once.
    DatasetSpec::new(40_000)
        .with_seed(5)
        .with_start("2024-01-01".parse().unwrap())
        .with_days(700)
        .with_customers(Some(6_000))
        .build()
        .unwrap()
}

fn read(dataset: &Dataset, table: Table, batch_rows: u64, threads: usize) -> Vec<RecordBatch> {
    let options = ReadOptions {
        batch_rows,
        threads,
        max_in_flight: None,
    };
    dataset
        .batches(table, 0..dataset.rows(table), &options)
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// The customer columns of `batch`'s row `row` (the first seven columns).
fn customer(batch: &RecordBatch, row: usize) -> Customer {
    (0..7)
        .map(|c| {
            let column = batch.column(c);
            match column.data_type() {
                arrow_schema::DataType::Int64 => {
                    column.as_primitive::<Int64Type>().value(row).to_string()
                }
                arrow_schema::DataType::Float32 => {
                    column.as_primitive::<Float32Type>().value(row).to_string()
                }
                _ => arrow_cast::display::array_value_to_string(column, row).unwrap(),
            }
        })
        .collect()
}

fn timestamp(batch: &RecordBatch, name: &str, row: usize) -> Option<i64> {
    let column = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    column.is_valid(row).then(|| column.value(row))
}

fn customers(dataset: &Dataset) -> BTreeMap<i64, Customer> {
    let mut all = BTreeMap::new();
    for batch in read(dataset, Table::Customers, 4096, 2) {
        for row in 0..batch.num_rows() {
            let c = customer(&batch, row);
            all.insert(c[0].parse().unwrap(), c);
        }
    }
    all
}

#[test]
fn the_change_tables_are_the_same_whatever_the_batch_size_or_thread_count() {
    let dataset = dataset();
    for table in [Table::CustomersHistory, Table::CustomersChanges] {
        let one = read(&dataset, table, 1_000_000, 1);
        let small = read(&dataset, table, 7, 2);
        let concat = |batches: &[RecordBatch]| {
            arrow_select::concat::concat_batches(&batches[0].schema(), batches).unwrap()
        };
        assert_eq!(concat(&one), concat(&small), "{table}");
        assert_eq!(concat(&one).num_rows() as u64, dataset.rows(table));
    }
}

#[test]
fn every_customers_versions_meet_and_the_last_is_the_customer_of_the_end() {
    let dataset = dataset();
    let end_state = customers(&dataset);
    let (start, _) = dataset.utc_range();
    let mut versions: BTreeMap<i64, Vec<Version>> = BTreeMap::new();
    for batch in read(&dataset, Table::CustomersHistory, 3_000, 2) {
        let current = batch.column_by_name("is_current").unwrap().as_boolean();
        for row in 0..batch.num_rows() {
            let c = customer(&batch, row);
            let from = timestamp(&batch, "valid_from", row).unwrap();
            let to = timestamp(&batch, "valid_to", row);
            versions.entry(c[0].parse().unwrap()).or_default().push((
                c,
                from,
                to,
                current.value(row),
            ));
        }
    }
    assert_eq!(
        versions.len(),
        end_state.len(),
        "every customer has a history"
    );
    let mut changed = 0;
    for (id, list) in &versions {
        assert_eq!(list[0].1, start, "customer {id} starts on the first day");
        for pair in list.windows(2) {
            assert_eq!(
                pair[0].2,
                Some(pair[1].1),
                "customer {id}: a gap or overlap"
            );
            assert!(pair[0].1 < pair[1].1 && !pair[0].3);
            assert_ne!(
                pair[0].0, pair[1].0,
                "customer {id}: a version that changes nothing"
            );
        }
        let last = list.last().unwrap();
        assert!(
            last.3 && last.2.is_none(),
            "customer {id}: the last is current"
        );
        assert_eq!(last.0, end_state[id], "customer {id}: current version");
        changed += usize::from(list.len() > 1);
    }
    // Moves, income and segment changes over two years: roughly a third.
    let share = changed as f64 / versions.len() as f64;
    assert!((0.2..0.45).contains(&share), "{share} of customers changed");
}

/// The first versions (the customers of the first day) with every change
/// of the feed applied in order: insert or update the image, or delete.
fn merge_feed(dataset: &Dataset, mut state: BTreeMap<i64, Customer>) -> BTreeMap<i64, Customer> {
    let mut last_ts = BTreeMap::new();
    for batch in read(dataset, Table::CustomersChanges, 2_000, 2) {
        let op = batch.column_by_name("op").unwrap();
        for row in 0..batch.num_rows() {
            let c = customer(&batch, row);
            let id: i64 = c[0].parse().unwrap();
            let ts = timestamp(&batch, "change_ts", row).unwrap();
            assert!(last_ts.insert(id, ts).is_none_or(|before| before < ts));
            match arrow_cast::display::array_value_to_string(op, row)
                .unwrap()
                .as_str()
            {
                "update" | "insert" => state.insert(id, c),
                "delete" => state.remove(&id),
                other => panic!("op {other}"),
            };
        }
    }
    state
}

#[test]
fn the_feed_merged_into_the_first_days_customers_gives_customers() {
    let dataset = dataset();
    let mut first_day = BTreeMap::new();
    for batch in read(&dataset, Table::CustomersHistory, 4096, 2) {
        let (start, _) = dataset.utc_range();
        for row in 0..batch.num_rows() {
            if timestamp(&batch, "valid_from", row) == Some(start) {
                let c = customer(&batch, row);
                first_day.insert(c[0].parse().unwrap(), c);
            }
        }
    }
    let end_state = customers(&dataset);
    assert_ne!(first_day, end_state, "customers changed");
    assert_eq!(merge_feed(&dataset, first_day), end_state);
}

#[test]
fn an_appended_range_adds_the_changes_after_the_range_before() {
    let first = DatasetSpec::new(20_000)
        .with_seed(5)
        .with_customers(Some(3_000))
        .with_start("2025-01-01".parse().unwrap())
        .with_days(200);
    let appended = first
        .clone()
        .with_appended(vec![AppendedRange {
            start: "2025-09-01".parse().unwrap(),
            days: 120,
            rows: 10_000,
        }])
        .build()
        .unwrap();
    let first = first.build().unwrap();
    let table = Table::CustomersChanges;
    // The first range's feed is the same; the append adds the changes after
    // its last day (the gap's too) through the new range's last.
    assert_eq!(appended.range_rows(table, 0), 0..first.rows(table));
    let added = appended.range_rows(table, 1);
    assert!(added.start == first.rows(table) && added.end > added.start);
    let batches = read(&appended, table, 4096, 1);
    let (_, first_end) = first.utc_range();
    let offset = appended.world().profile.utc_offset_seconds;
    let appended_end_day = 20_332 + 120; // 2025-09-01 + 120 days, in days since 1970
    let appended_end = (appended_end_day * 86_400 - offset) * 1_000_000;
    let mut row = 0u64;
    for batch in &batches {
        for r in 0..batch.num_rows() {
            let ts = timestamp(batch, "change_ts", r).unwrap();
            if added.contains(&row) {
                assert!(ts >= first_end, "row {row}: a change of the first range");
            } else {
                assert!(ts < first_end);
            }
            assert!(ts < appended_end, "row {row}: after the appended range");
            row += 1;
        }
    }
    // History and customers stay those of the first range.
    for table in [Table::Customers, Table::CustomersHistory] {
        assert_eq!(appended.rows(table), first.rows(table), "{table}");
        assert!(appended.range_rows(table, 1).is_empty(), "{table}");
    }
}
