//! Datasets committed as Delta Lake tables: one version per table holding
//! every file of every part, made by whoever finishes the dataset, exactly
//! once, and never before the last file is written. The Python tests read
//! these tables back with the `deltalake` package, Polars and DuckDB; these
//! read the log itself.
#![cfg(feature = "delta")]

use std::collections::BTreeMap;
use std::path::Path;

use cardgen::lake::{self, TableFormat};
use cardgen::pipeline::storage::{LocalStorage, Storage};
use cardgen::{Error, GenerateOptions, NoProgress, Setting, Table, generate};
use serde_json::Value;

fn options(out: &Path, extra: &[(&str, &str)]) -> GenerateOptions {
    let mut pairs = vec![
        ("rows", "40k"),
        ("days", "20"),
        ("seed", "5"),
        ("batch_rows", "6k"),
        ("threads", "2"),
        ("table_format", "delta"),
    ];
    pairs.extend_from_slice(extra);
    GenerateOptions::from_pairs(pairs)
        .unwrap()
        .with_out(out.to_string_lossy())
}

/// The actions of each commit of `table`, by version.
fn log(root: &Path, table: &str) -> BTreeMap<u64, Vec<Value>> {
    let dir = root.join(table).join("_delta_log");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let version = p.file_stem().unwrap().to_str().unwrap().parse().unwrap();
            let text = std::fs::read_to_string(&p).unwrap();
            let actions = text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            (version, actions)
        })
        .collect()
}

/// Every table's log holds exactly one version.
fn assert_one_version_each(out: &Path) {
    for table in Table::ALL.map(Table::name) {
        assert_eq!(log(out, table).len(), 1, "{table}");
    }
}

fn adds(actions: &[Value]) -> Vec<&Value> {
    actions.iter().filter_map(|a| a.get("add")).collect()
}

/// Every data file a part's manifest lists for `table`, by path under the table.
fn manifest_files(root: &Path, table: &str) -> BTreeMap<String, u64> {
    let checked = lake::check(&LocalStorage::new(root), false).unwrap();
    checked
        .parts
        .iter()
        .flat_map(|p| p.tables.iter().filter(|t| t.name == table))
        .flat_map(|t| &t.files)
        .map(|f| (f.name[table.len() + 1..].to_string(), f.rows))
        .collect()
}

#[test]
fn parts_and_finish_make_one_version_of_every_file_with_its_partition_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    for part in 0..4 {
        let part = part.to_string();
        let extra = [
            ("parts", "4"),
            ("part", part.as_str()),
            ("partition_by", "day"),
        ];
        let written = generate(&options(&out, &extra), &NoProgress).unwrap();
        assert!(
            written.lake.unwrap().tables.is_empty(),
            "a part commits nothing"
        );
        // No table exists until the dataset is finished.
        assert!(
            Table::ALL
                .map(Table::name)
                .iter()
                .all(|t| log(&out, t).is_empty())
        );
    }
    let finished = lake::finish(&LocalStorage::new(&out), None).unwrap();
    assert_eq!(finished.tables.len(), Table::ALL.len());
    for (commit, table) in finished.tables.iter().zip(Table::ALL.map(Table::name)) {
        assert_eq!(
            (commit.table.as_str(), commit.format),
            (table, TableFormat::Delta)
        );
        assert_eq!((commit.version, commit.new), (0, true));
        let versions = log(&out, table);
        assert_eq!(versions.keys().copied().collect::<Vec<_>>(), [0], "{table}");
        let actions = &versions[&0];
        let metadata = actions.iter().find_map(|a| a.get("metaData")).unwrap();
        let txn = actions.iter().find_map(|a| a.get("txn")).unwrap();
        assert_eq!(
            (txn["appId"].as_str(), txn["version"].as_i64()),
            (Some("cardgen"), Some(0))
        );
        let files = manifest_files(&out, table);
        let added: BTreeMap<String, u64> = adds(actions)
            .iter()
            .map(|add| {
                let stats: Value = serde_json::from_str(add["stats"].as_str().unwrap()).unwrap();
                let path = add["path"].as_str().unwrap().to_string();
                (path, stats["numRecords"].as_u64().unwrap())
            })
            .collect();
        assert_eq!(added, files, "{table}: the version holds exactly the files");
        if table == "transactions" {
            assert_eq!(
                metadata["partitionColumns"],
                serde_json::json!(["event_date"])
            );
            for add in adds(actions) {
                let path = add["path"].as_str().unwrap();
                let day = &add["partitionValues"]["event_date"];
                assert!(path.starts_with(&format!("event_date={}/", day.as_str().unwrap())));
                let stats: Value = serde_json::from_str(add["stats"].as_str().unwrap()).unwrap();
                let (min, max) = (&stats["minValues"], &stats["maxValues"]);
                assert!(min["txn_id"].as_i64().unwrap() <= max["txn_id"].as_i64().unwrap());
                // A day's file holds that day's (local) events, bounded in UTC.
                assert!(min["event_ts"].as_str().unwrap().ends_with('Z'));
                assert_eq!(stats["nullCount"]["txn_id"], 0);
            }
        }
    }

    // Finishing again commits nothing new.
    let again = lake::finish(&LocalStorage::new(&out), None).unwrap();
    assert!(again.tables.iter().all(|t| !t.new && t.version == 0));
    assert_one_version_each(&out);
}

#[test]
fn a_run_of_every_part_commits_once_and_a_rerun_with_overwrite_adds_no_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let written = generate(&options(&out, &[("partition_by", "month")]), &NoProgress).unwrap();
    let summary = written.lake.unwrap();
    assert!(summary.finished);
    assert!(summary.tables.iter().all(|t| t.new && t.version == 0));
    let metadata = log(&out, "transactions")[&0]
        .iter()
        .find_map(|a| a.get("metaData").cloned())
        .unwrap();
    assert_eq!(
        metadata["partitionColumns"],
        serde_json::json!(["event_month"])
    );

    let rerun = generate(
        &options(&out, &[("partition_by", "month"), ("overwrite", "true")]),
        &NoProgress,
    )
    .unwrap();
    assert!(rerun.lake.unwrap().tables.iter().all(|t| !t.new));
    assert_one_version_each(&out);
}

#[test]
fn replacing_a_dataset_with_other_options_replaces_its_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    generate(&options(&out, &[]), &NoProgress).unwrap();
    let replaced = options(&out, &[("seed", "6"), ("overwrite", "true")]);
    generate(&replaced, &NoProgress).unwrap();
    let storage = LocalStorage::new(&out);
    for table in Table::ALL.map(Table::name) {
        let versions = log(&out, table);
        assert_eq!(versions.len(), 1, "{table}: a new table, not an append");
        for add in adds(&versions[&0]) {
            let name = format!("{table}/{}", add["path"].as_str().unwrap());
            assert!(
                storage.size(&name).unwrap().is_some(),
                "{name} is referenced and present"
            );
        }
    }
}

#[test]
fn a_table_format_needs_a_dataset_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.parquet");
    let err = generate(&options(&file, &[]), &NoProgress).unwrap_err();
    let spec = err.bad_input().expect("bad input");
    assert_eq!(spec.setting(), Setting::TableFormat);
    assert!(err.to_string().contains("names a .parquet file"), "{err}");
    assert!(!file.exists() && std::fs::read_dir(dir.path()).unwrap().next().is_none());

    let err = GenerateOptions::from_pairs([("table_format", "hudi")]).unwrap_err();
    assert!(matches!(&err, Error::Spec(s) if s.setting() == Setting::TableFormat));
    assert!(err.to_string().contains("parquet, delta, iceberg"), "{err}");
}

#[test]
fn an_append_is_version_1_of_the_tables_it_adds_rows_to_and_commits_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    generate(&options(&out, &[("partition_by", "day")]), &NoProgress).unwrap();
    let mut next = GenerateOptions::from_pairs([("append", "true"), ("rows", "10k")])
        .unwrap()
        .with_out(out.to_string_lossy());
    next = next.with_threads(Some(2));
    let written = generate(&next, &NoProgress).unwrap();
    let commits = written.lake.unwrap().tables;
    let committed: Vec<(&str, u32, u64)> = commits
        .iter()
        .map(|c| (c.table.as_str(), c.range, c.version))
        .collect();
    // No customer or merchant is new; a month of fraud blocks some cards;
    // customers and cards change (the feeds), their histories do not grow.
    assert_eq!(
        committed,
        [
            ("transactions", 1, 1),
            ("cards", 1, 1),
            ("fraud_cases", 1, 1),
            ("customers_changes", 1, 1),
            ("cards_changes", 1, 1)
        ]
    );
    for table in ["customers", "merchants"] {
        assert_eq!(log(&out, table).len(), 1, "{table}");
    }
    let versions = log(&out, "transactions");
    let appended = &versions[&1];
    let txn = appended.iter().find_map(|a| a.get("txn")).unwrap();
    assert_eq!(txn["version"].as_i64(), Some(1));
    let paths: Vec<&str> = adds(appended)
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert!(!paths.is_empty());
    // The first range is January 1–20: the append's 20 days follow it.
    for path in &paths {
        let (day, file) = path.split_once('/').unwrap();
        assert!(file.starts_with("range-0001-part-"), "{path}");
        assert!(
            ("event_date=2025-01-21"..="event_date=2025-02-09").contains(&day),
            "{path}"
        );
    }
    let first_range = adds(&versions[&0]).len();
    let files = manifest_files(&out, "transactions");
    assert_eq!(files.len(), first_range + paths.len());
    // Finishing again finds both ranges in and adds nothing.
    let again = lake::finish(&LocalStorage::new(&out), None).unwrap();
    assert!(again.tables.iter().all(|c| !c.new));
    assert_eq!(again.tables.len(), Table::ALL.len() + 5);
    assert_eq!(log(&out, "transactions").len(), 2);
}

#[test]
fn an_append_to_parts_never_finished_commits_the_first_range_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    for part in ["0", "1"] {
        generate(
            &options(&out, &[("parts", "2"), ("part", part)]),
            &NoProgress,
        )
        .unwrap();
    }
    assert!(
        log(&out, "transactions").is_empty(),
        "no finish, no version"
    );
    let next = GenerateOptions::from_pairs([("append", "true")])
        .unwrap()
        .with_out(out.to_string_lossy());
    let commits = generate(&next, &NoProgress).unwrap().lake.unwrap().tables;
    let transactions: Vec<(u32, u64)> = commits
        .iter()
        .filter(|c| c.table == "transactions")
        .map(|c| (c.range, c.version))
        .collect();
    assert_eq!(transactions, [(0, 0), (1, 1)]);
    let versions = log(&out, "transactions");
    let first: Vec<&str> = adds(&versions[&0])
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert!(first.iter().all(|p| p.starts_with("part-")), "{first:?}");
    assert_eq!(first.len(), 2);
    assert_eq!(log(&out, "customers").len(), 1);
}
