//! Customers and cards that change: `*_history` holds every version of every
//! customer (card) with intervals that meet, its current versions are the
//! dimension table, the feed applied to the first day's rows gives the
//! dimension table, an approved purchase falls in an active version of its
//! card, each range of an appended dataset carries its own changes, and
//! every table is the same whatever the batch size or thread count.

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use cardgen::{AppendedRange, Dataset, DatasetSpec, ReadOptions, Table};

/// A row of a dimension (its columns as text), keyed by its id.
type Image = Vec<String>;

/// A row of a history table: the image, `valid_from`, `valid_to`, `is_current`.
type Version = (Image, i64, Option<i64>, bool);

/// A dimension, its history and its feed, and how many columns the
/// dimension has (the history and the feed begin with them).
struct Dimension {
    table: Table,
    history: Table,
    feed: Table,
    columns: usize,
}

const CUSTOMERS: Dimension = Dimension {
    table: Table::Customers,
    history: Table::CustomersHistory,
    feed: Table::CustomersChanges,
    columns: 7,
};

const CARDS: Dimension = Dimension {
    table: Table::Cards,
    history: Table::CardsHistory,
    feed: Table::CardsChanges,
    columns: 15,
};

fn dataset() -> Dataset {
    // Two years, so that customers and cards change more than once.
    DatasetSpec::new(60_000)
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

/// The first `columns` columns of `batch`'s row `row`, as text.
fn image(batch: &RecordBatch, row: usize, columns: usize) -> Image {
    (0..columns)
        .map(|c| arrow_cast::display::array_value_to_string(batch.column(c), row).unwrap())
        .collect()
}

fn id_of(image: &Image) -> i64 {
    image[0].parse().unwrap()
}

fn timestamp(batch: &RecordBatch, name: &str, row: usize) -> Option<i64> {
    let column = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    column.is_valid(row).then(|| column.value(row))
}

fn end_state(dataset: &Dataset, d: &Dimension) -> BTreeMap<i64, Image> {
    let mut all = BTreeMap::new();
    for batch in read(dataset, d.table, 4096, 2) {
        for row in 0..batch.num_rows() {
            let c = image(&batch, row, d.columns);
            all.insert(id_of(&c), c);
        }
    }
    all
}

fn history(dataset: &Dataset, d: &Dimension) -> BTreeMap<i64, Vec<Version>> {
    let mut versions: BTreeMap<i64, Vec<Version>> = BTreeMap::new();
    for batch in read(dataset, d.history, 3_000, 2) {
        let current = batch.column_by_name("is_current").unwrap().as_boolean();
        for row in 0..batch.num_rows() {
            let c = image(&batch, row, d.columns);
            let from = timestamp(&batch, "valid_from", row).unwrap();
            let to = timestamp(&batch, "valid_to", row);
            versions
                .entry(id_of(&c))
                .or_default()
                .push((c, from, to, current.value(row)));
        }
    }
    versions
}

#[test]
fn the_change_tables_are_the_same_whatever_the_batch_size_or_thread_count() {
    let dataset = dataset();
    for d in [CUSTOMERS, CARDS] {
        for table in [d.history, d.feed] {
            let one = read(&dataset, table, 1_000_000, 1);
            let small = read(&dataset, table, 7, 2);
            let concat = |batches: &[RecordBatch]| {
                arrow_select::concat::concat_batches(&batches[0].schema(), batches).unwrap()
            };
            assert_eq!(concat(&one), concat(&small), "{table}");
            assert_eq!(concat(&one).num_rows() as u64, dataset.rows(table));
        }
    }
}

#[test]
fn every_versions_meet_and_the_last_is_the_row_of_the_end() {
    let dataset = dataset();
    let (start, _) = dataset.utc_range();
    for d in [CUSTOMERS, CARDS] {
        let table = d.table;
        let end = end_state(&dataset, &d);
        let versions = history(&dataset, &d);
        assert_eq!(
            versions.len(),
            end.len(),
            "{table}: every row has a history"
        );
        let mut changed = 0;
        for (id, list) in &versions {
            assert!(list[0].1 >= start, "{table} {id} starts before the dataset");
            if table == Table::Customers {
                assert_eq!(list[0].1, start, "customer {id} starts on the first day");
            }
            for pair in list.windows(2) {
                assert_eq!(pair[0].2, Some(pair[1].1), "{table} {id}: a gap or overlap");
                assert!(pair[0].1 < pair[1].1 && !pair[0].3);
                assert_ne!(
                    pair[0].0, pair[1].0,
                    "{table} {id}: a version that changes nothing"
                );
            }
            let last = list.last().unwrap();
            assert!(
                last.3 && last.2.is_none(),
                "{table} {id}: the last is current"
            );
            assert_eq!(last.0, end[id], "{table} {id}: current version");
            changed += usize::from(list.len() > 1);
        }
        // Over two years: customers move, change income or segment; credit
        // cards' limits change and some cards are blocked.
        let share = changed as f64 / versions.len() as f64;
        assert!((0.15..0.45).contains(&share), "{table}: {share} changed");
    }
}

/// The rows of `state` with every change of the feed applied in order:
/// insert or update the image, or delete.
fn merge_feed(
    dataset: &Dataset,
    d: &Dimension,
    mut state: BTreeMap<i64, Image>,
) -> BTreeMap<i64, Image> {
    let mut last_ts = BTreeMap::new();
    for batch in read(dataset, d.feed, 2_000, 2) {
        let op = batch.column_by_name("op").unwrap();
        for row in 0..batch.num_rows() {
            let c = image(&batch, row, d.columns);
            let id = id_of(&c);
            let ts = timestamp(&batch, "change_ts", row).unwrap();
            assert!(last_ts.insert(id, ts).is_none_or(|before| before < ts));
            let op = arrow_cast::display::array_value_to_string(op, row).unwrap();
            match op.as_str() {
                "insert" => assert!(state.insert(id, c).is_none(), "{id} inserted twice"),
                "update" => assert!(state.insert(id, c).is_some(), "{id} updated first"),
                "delete" => assert!(state.remove(&id).is_some()),
                other => panic!("op {other}"),
            };
        }
    }
    state
}

#[test]
fn the_feed_merged_into_the_first_days_rows_gives_the_table() {
    let dataset = dataset();
    let (start, _) = dataset.utc_range();
    for d in [CUSTOMERS, CARDS] {
        let first_day: BTreeMap<i64, Image> = history(&dataset, &d)
            .into_iter()
            .filter(|(_, list)| list[0].1 == start)
            .map(|(id, list)| (id, list[0].0.clone()))
            .collect();
        let end = end_state(&dataset, &d);
        assert_ne!(first_day, end, "{}: rows changed", d.table);
        assert_eq!(merge_feed(&dataset, &d, first_day), end, "{}", d.table);
    }
}

#[test]
fn no_approved_transaction_falls_outside_an_active_version_of_its_card() {
    let dataset = dataset();
    let versions = history(&dataset, &CARDS);
    let status = CARDS.columns - 1;
    let (mut approved, mut on_blocked) = (0, 0);
    for batch in read(&dataset, Table::Transactions, 8_192, 2) {
        let cards = batch
            .column_by_name("card_id")
            .unwrap()
            .as_primitive::<Int64Type>();
        let ts = batch
            .column_by_name("event_ts")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        let ok = batch.column_by_name("is_approved").unwrap().as_boolean();
        for row in 0..batch.num_rows() {
            let (card, at) = (cards.value(row), ts.value(row));
            let version = versions[&card]
                .iter()
                .find(|v| v.1 <= at && v.2.is_none_or(|to| at < to))
                .unwrap_or_else(|| panic!("card {card} at {at}: before its first version"));
            if ok.value(row) {
                approved += 1;
                assert_eq!(version.0[status], "active", "card {card} at {at}");
            } else {
                on_blocked +=
                    usize::from(["blocked", "lost"].contains(&version.0[status].as_str()));
            }
        }
    }
    assert!(
        approved > 50_000 && on_blocked > 0,
        "{approved} approved, {on_blocked} declined on blocked or lost cards"
    );
    // Cards end every way the status knows but expiry, which needs a range
    // appended past it (see below).
    let ends: BTreeSet<&str> = versions
        .values()
        .flatten()
        .map(|v| v.0[status].as_str())
        .collect();
    assert_eq!(
        ends,
        BTreeSet::from(["active", "blocked", "lost", "closed"]),
        "card statuses in the history"
    );
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
    let (_, first_end) = first.utc_range();
    let offset = appended.world().profile.utc_offset_seconds;
    let appended_end_day = 20_332 + 120; // 2025-09-01 + 120 days, in days since 1970
    let appended_end = (appended_end_day * 86_400 - offset) * 1_000_000;
    for d in [CUSTOMERS, CARDS] {
        let table = d.feed;
        // The first range's feed is the same; the append adds the changes
        // after its last day (the gap's too) through the new range's last.
        assert_eq!(
            appended.range_rows(table, 0),
            0..first.rows(table),
            "{table}"
        );
        let added = appended.range_rows(table, 1);
        assert!(
            added.start == first.rows(table) && added.end > added.start,
            "{table}"
        );
        let mut row = 0u64;
        for batch in &read(&appended, table, 4096, 1) {
            for r in 0..batch.num_rows() {
                let ts = timestamp(batch, "change_ts", r).unwrap();
                // A card's block may come after its range ends, with the
                // late label of the case behind it; customers' changes may not.
                let late = d.table == Table::Cards;
                if added.contains(&row) {
                    assert!(ts >= first_end, "{table} row {row}: of the first range");
                    assert!(late || ts < appended_end, "{table} row {row}: too late");
                } else {
                    assert!(late || ts < first_end, "{table} row {row}: too late");
                }
                row += 1;
            }
        }
        // The history and the table stay those of the first range (cards
        // gain the new range's replacements).
        assert_eq!(appended.rows(d.history), first.rows(d.history), "{table}");
        assert!(appended.range_rows(d.history, 1).is_empty(), "{table}");
    }
}

/// Column `name` of `batch`'s row `row`, as text.
fn text(batch: &RecordBatch, name: &str, row: usize) -> String {
    let column = batch.column_by_name(name).unwrap();
    arrow_cast::display::array_value_to_string(column, row).unwrap()
}

#[test]
fn a_range_appended_years_later_renews_main_cards_and_ends_extra_ones() {
    // Every card of January 2025 has reached its printed expiry by July 2030.
    let dataset = DatasetSpec::new(20_000)
        .with_seed(7)
        .with_customers(Some(2_000))
        .with_start("2025-01-01".parse().unwrap())
        .with_days(31)
        .with_appended(vec![AppendedRange {
            start: "2030-07-01".parse().unwrap(),
            days: 60,
            rows: 20_000,
        }])
        .build()
        .unwrap();
    let options = ReadOptions {
        batch_rows: 4096,
        threads: 2,
        max_in_flight: None,
    };
    let rows_of = |table: Table, range: usize| -> Vec<RecordBatch> {
        let rows = dataset.range_rows(table, range);
        dataset
            .batches(table, rows, &options)
            .unwrap()
            .map(|b| b.unwrap())
            .collect()
    };
    // Each card's versions in the appended range: the `cards` row (the end
    // of the first range), then the range's feed rows in order.
    let mut versions: BTreeMap<i64, Vec<(i64, RecordBatch, usize)>> = BTreeMap::new();
    for table in [Table::Cards, Table::CardsChanges] {
        for batch in rows_of(table, if table == Table::Cards { 0 } else { 1 }) {
            for row in 0..batch.num_rows() {
                let at = match table {
                    Table::Cards => i64::MIN,
                    _ => timestamp(&batch, "change_ts", row).unwrap(),
                };
                let id = text(&batch, "card_id", row).parse().unwrap();
                versions
                    .entry(id)
                    .or_default()
                    .push((at, batch.clone(), row));
            }
        }
    }
    // An approved purchase of the new range is on a card active and not
    // past its printed expiry on its day.
    let mut approved = 0;
    for batch in rows_of(Table::Transactions, 1) {
        let ts = batch
            .column_by_name("event_ts")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        for row in 0..batch.num_rows() {
            if text(&batch, "is_approved", row) != "true" {
                continue;
            }
            approved += 1;
            let card: i64 = text(&batch, "card_id", row).parse().unwrap();
            let (_, version, v) = versions[&card]
                .iter()
                .rfind(|(at, _, _)| *at <= ts.value(row))
                .unwrap();
            let day = text(&batch, "event_date", row);
            assert_eq!(
                text(version, "status", *v),
                "active",
                "card {card} on {day}"
            );
            assert!(
                text(version, "expires_at", *v) >= day,
                "card {card} on {day}"
            );
        }
    }
    // At the end of the range, every main card not blocked is renewed past
    // it, and every other card of the first range has been closed or has
    // expired.
    let (mut renewed, mut expired, mut closed) = (0, 0, 0);
    for (card, list) in &versions {
        let (_, first, f) = &list[0];
        let (_, last, l) = list.last().unwrap();
        let status = text(last, "status", *l);
        if status == "blocked" || status == "lost" {
            continue; // replaced: its replacement lives on
        }
        if text(first, "is_main_card", *f) == "true" {
            assert!(
                text(last, "expires_at", *l).as_str() >= "2030-08-29",
                "card {card}"
            );
            assert_ne!(status, "expired", "main card {card}");
            renewed += 1;
        } else if text(first, "replaces_card_id", *f).is_empty() {
            // An extra card: closed by its holder before it could expire, or expired.
            assert!(
                ["expired", "closed"].contains(&status.as_str()),
                "card {card}: {status}"
            );
            expired += usize::from(status == "expired");
            closed += usize::from(status == "closed");
        }
    }
    assert!(
        approved > 15_000 && renewed > 1_500 && expired > 500 && closed > 100,
        "{approved} approved, {renewed} main cards, {expired} expired, {closed} closed"
    );
}
