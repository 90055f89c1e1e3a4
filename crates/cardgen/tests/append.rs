//! Appends: a dataset grown by the next date range of the same world. The
//! first range's files are left as they were, the new range's rows carry
//! on its numbering (transactions, fraud cases, replacement cards), fall in
//! the new days and agree with what the first range did (a card blocked
//! then stays blocked), and an append that would change the world, or
//! start inside the dataset, is refused naming the setting.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use cardgen::lake::{self, DatasetManifest, PENDING_APPEND};
use cardgen::pipeline::storage::{LocalStorage, Storage};
use cardgen::{Error, GenerateOptions, NoProgress, Setting, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// January, 31 days, in two parts, partitioned by day.
fn january(out: &Path) -> GenerateOptions {
    GenerateOptions::from_pairs([
        ("rows", "60k"),
        ("start", "2025-01-01"),
        ("days", "31"),
        ("seed", "11"),
        ("batch_rows", "8k"),
        ("threads", "2"),
        ("parts", "2"),
        ("partition_by", "day"),
    ])
    .unwrap()
    .with_out(out.to_string_lossy())
}

/// An append of `pairs` to the dataset at `out`.
fn append(out: &Path, pairs: &[(&str, &str)]) -> GenerateOptions {
    let mut options = GenerateOptions::from_pairs(pairs.iter().copied()).unwrap();
    options.set("append", "true").unwrap();
    options.with_out(out.to_string_lossy())
}

/// Every file under `root` (data and manifests), by path, with its bytes.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// The rows of `table` in the files whose names pass `pick`.
fn rows(root: &Path, table: &str, pick: impl Fn(&str) -> bool) -> Vec<RecordBatch> {
    files(root)
        .keys()
        .filter(|name| name.starts_with(&format!("{table}/")) && name.ends_with(".parquet"))
        .filter(|name| pick(name))
        .flat_map(|name| {
            ParquetRecordBatchReaderBuilder::try_new(File::open(root.join(name)).unwrap())
                .unwrap()
                .build()
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn is_appended(name: &str) -> bool {
    name.rsplit('/').next().unwrap().starts_with("range-0001-")
}

fn ints(batches: &[RecordBatch], column: &str) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            let column = b.column_by_name(column).unwrap();
            match column.data_type() {
                arrow_schema::DataType::Timestamp(..) => column
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .collect::<Vec<_>>(),
                _ => column.as_primitive::<Int64Type>().iter().collect(),
            }
        })
        .collect()
}

fn manifest(root: &Path) -> DatasetManifest {
    serde_json::from_slice(&std::fs::read(root.join(lake::DATASET_MANIFEST)).unwrap()).unwrap()
}

fn refusal(options: &GenerateOptions) -> (Setting, String) {
    match generate(options, &NoProgress) {
        Err(Error::Spec(spec)) => (spec.setting(), spec.to_string()),
        other => panic!("expected bad input, got {other:?}"),
    }
}

#[test]
fn an_append_adds_the_next_range_and_leaves_the_first_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    generate(&january(&out), &NoProgress).unwrap();
    let before = files(&out);

    // February by default: the day after January, as many days and rows.
    let written = generate(
        &append(&out, &[("days", "28"), ("rows", "30k")]),
        &NoProgress,
    )
    .unwrap();
    let summary = written.lake.unwrap();
    assert!(summary.finished);
    let after = files(&out);
    for (name, bytes) in &before {
        if name != lake::DATASET_MANIFEST && name != "_SUCCESS" {
            assert_eq!(after.get(name), Some(bytes), "{name} changed");
        }
    }
    assert!(!after.contains_key(PENDING_APPEND));
    assert!(after.contains_key("_SUCCESS"));
    let recorded = manifest(&out);
    assert_eq!(recorded.appends.len(), 1);
    let february = &recorded.appends[0];
    assert_eq!(
        (
            february.range,
            february.start.as_str(),
            february.days,
            february.rows,
            february.parts
        ),
        (1, "2025-02-01", 28, 30_000, 2)
    );
    assert!(
        lake::check(&LocalStorage::new(&out), true)
            .unwrap()
            .is_complete()
    );

    // Transactions: ids on from January's, every day in February.
    let new = rows(&out, "transactions", is_appended);
    let mut ids: Vec<i64> = ints(&new, "txn_id").into_iter().flatten().collect();
    ids.sort_unstable();
    assert_eq!(ids, (60_000..90_000).collect::<Vec<_>>());
    let days: Vec<String> = after
        .keys()
        .filter(|n| is_appended(n) && n.starts_with("transactions/"))
        .map(|n| n.split('/').nth(1).unwrap().to_string())
        .collect();
    assert!(days.iter().all(|d| d.as_str() >= "event_date=2025-02-01" && d.as_str() <= "event_date=2025-02-28"), "{days:?}");
    assert!(days.iter().any(|d| d == "event_date=2025-02-28"));

    // Nothing new for the population; fraud cases and replacements numbered on.
    for table in ["customers", "merchants"] {
        assert!(rows(&out, table, is_appended).is_empty(), "{table}");
    }
    let first_cases = ints(&rows(&out, "fraud_cases", |n| !is_appended(n)), "case_id");
    let new_cases = ints(&rows(&out, "fraud_cases", is_appended), "case_id");
    assert!(!new_cases.is_empty());
    let next_case = first_cases.iter().flatten().max().unwrap() + 1;
    let mut new_ids: Vec<i64> = new_cases.iter().flatten().copied().collect();
    new_ids.sort_unstable();
    assert_eq!(
        new_ids,
        (next_case..next_case + new_ids.len() as i64).collect::<Vec<_>>()
    );
    let fraud_rows: Vec<i64> = ints(&new, "fraud_case_id").into_iter().flatten().collect();
    assert!(!fraud_rows.is_empty());
    assert!(
        fraud_rows
            .iter()
            .all(|id| new_ids.binary_search(id).is_ok())
    );
    let first_cards = ints(&rows(&out, "cards", |n| !is_appended(n)), "card_id");
    let new_cards: Vec<i64> = ints(&rows(&out, "cards", is_appended), "card_id")
        .into_iter()
        .flatten()
        .collect();
    let next_card = first_cards.iter().flatten().max().unwrap() + 1;
    let mut sorted = new_cards.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (next_card..next_card + sorted.len() as i64).collect::<Vec<_>>()
    );
}

#[test]
fn a_card_blocked_in_the_first_range_stays_blocked_in_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    generate(&january(&out), &NoProgress).unwrap();
    generate(&append(&out, &[]), &NoProgress).unwrap();
    let cases = rows(&out, "fraud_cases", |n| !is_appended(n));
    let blocks: HashMap<i64, i64> = ints(&cases, "victim_card_id")
        .into_iter()
        .zip(ints(&cases, "block_ts"))
        .filter_map(|(card, at)| Some((card?, at?)))
        .collect();
    assert!(!blocks.is_empty());
    let new = rows(&out, "transactions", is_appended);
    let (cards, times) = (ints(&new, "card_id"), ints(&new, "event_ts"));
    let frauds = ints(&new, "fraud_case_id");
    let mut genuine_on_blocked = 0;
    for ((card, at), fraud) in cards.iter().zip(&times).zip(&frauds) {
        if let (Some(card), Some(at), None) = (card, at, fraud)
            && blocks.get(card).is_some_and(|blocked| at >= blocked)
        {
            genuine_on_blocked += 1;
        }
    }
    assert_eq!(
        genuine_on_blocked, 0,
        "owners moved to their replacement cards"
    );
}

#[test]
fn appends_are_the_same_bytes_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("lake-{threads}"));
        generate(&january(&out), &NoProgress).unwrap();
        generate(
            &append(&out, &[("threads", threads), ("rows", "20k")]),
            &NoProgress,
        )
        .unwrap();
        trees.push(files(&out));
    }
    assert_eq!(trees[0], trees[1]);
}

#[test]
fn an_append_that_would_change_the_world_or_overlap_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    generate(&january(&out), &NoProgress).unwrap();
    let before = files(&out);
    /// The pairs given, the setting refused and what the message says.
    type Refused<'a> = (&'a [(&'a str, &'a str)], Setting, &'a str);
    let cases: [Refused; 7] = [
        (
            &[("seed", "12")],
            Setting::Seed,
            "was written with seed = 11, not 12",
        ),
        (
            &[("customers", "99")],
            Setting::Customers,
            "an append continues the dataset",
        ),
        (
            &[("partition_by", "month")],
            Setting::PartitionBy,
            "partition_by = day, not month",
        ),
        (
            &[("start", "2025-01-31")],
            Setting::Start,
            "starts on 2025-02-01 or later",
        ),
        (&[("days", "0")], Setting::Days, "days = 0 is out of range"),
        (
            &[("part", "0")],
            Setting::Part,
            "every part of its range in one run",
        ),
        (
            &[("overwrite", "true")],
            Setting::Overwrite,
            "never replaces it",
        ),
    ];
    for (pairs, setting, says) in cases {
        let (named, message) = refusal(&append(&out, pairs));
        assert_eq!(named, setting, "{message}");
        assert!(message.contains(says), "{message}");
        assert_eq!(files(&out), before, "{pairs:?} wrote something");
    }
    let nothing = dir.path().join("empty");
    let (named, message) = refusal(&append(&nothing, &[]));
    assert_eq!(named, Setting::Out);
    assert!(
        message.contains("holds no cardgen dataset to append to"),
        "{message}"
    );
}

/// January at `out`, and what an append of February killed halfway leaves:
/// its record (5,000 rows over 28 days), no range in the manifest.
fn january_with_an_unfinished_append(out: &Path) -> LocalStorage {
    generate(&january(out), &NoProgress).unwrap();
    let storage = LocalStorage::new(out);
    let pending = br#"{"range": 1, "start": "2025-02-01", "days": 28, "rows": 5000, "parts": 2,
        "tables": []}"#;
    storage.put(PENDING_APPEND, pending, false).unwrap();
    storage
}

#[test]
fn an_unfinished_append_is_finished_by_the_same_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let storage = january_with_an_unfinished_append(&out);
    // `check` reports it and `finish` refuses to call the dataset whole.
    let checked = lake::check(&storage, false).unwrap();
    assert_eq!(checked.problems.len(), 1);
    assert_eq!(checked.problems[0].name, PENDING_APPEND);
    assert!(
        checked.problems[0]
            .problem
            .contains("append of range 1 did not finish")
    );
    assert!(lake::finish(&storage, None).is_err());
    let (named, message) = refusal(&append(&out, &[("days", "28"), ("rows", "6000")]));
    assert_eq!(named, Setting::Rows);
    assert!(
        message.contains("unfinished append with rows = 5000, not 6000"),
        "{message}"
    );
    // The same range options finish it, and the record goes.
    generate(
        &append(&out, &[("days", "28"), ("rows", "5000")]),
        &NoProgress,
    )
    .unwrap();
    assert!(storage.get(PENDING_APPEND).unwrap().is_none());
    assert_eq!(manifest(&out).appends[0].rows, 5_000);
    assert!(lake::check(&storage, true).unwrap().is_complete());
}

#[test]
fn replacing_a_dataset_removes_an_unfinished_append_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let storage = january_with_an_unfinished_append(&out);
    let stray = "transactions/event_date=2025-02-01/range-0001-part-00000-0000.parquet";
    storage.put(stray, b"half an append", false).unwrap();
    let mut other = january(&out).with_overwrite(true);
    other.set("seed", "12").unwrap();
    generate(&other, &NoProgress).unwrap();
    let left = files(&out);
    assert!(!left.contains_key(PENDING_APPEND));
    assert!(!left.contains_key(stray));
    assert!(lake::check(&storage, true).unwrap().is_complete());
}
