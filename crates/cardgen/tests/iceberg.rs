//! Datasets committed as Iceberg tables in a SQLite catalog: one snapshot
//! per table holding every file of every part, made once, by whoever
//! finishes the dataset. The Python tests read the tables back with
//! pyiceberg; these read the table metadata itself.
#![cfg(feature = "iceberg")]

use std::path::{Path, PathBuf};

use cardgen::lake::{self, TableFormat};
use cardgen::pipeline::storage::LocalStorage;
use cardgen::{GenerateOptions, NoProgress, Setting, Table, generate};
use serde_json::Value;

fn options(out: &Path, extra: &[(&str, &str)]) -> GenerateOptions {
    let mut pairs = vec![
        ("rows", "30k"),
        ("days", "15"),
        ("seed", "8"),
        ("batch_rows", "5k"),
        ("threads", "2"),
        ("table_format", "iceberg"),
    ];
    pairs.extend_from_slice(extra);
    GenerateOptions::from_pairs(pairs)
        .unwrap()
        .with_out(out.to_string_lossy())
}

/// Every metadata file of `table`, oldest first.
fn metadata_files(out: &Path, table: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out.join(table).join("metadata")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".metadata.json"))
        .collect();
    files.sort();
    files
}

fn latest_metadata(out: &Path, table: &str) -> Value {
    let last = metadata_files(out, table).pop().expect("a metadata file");
    serde_json::from_str(&std::fs::read_to_string(last).unwrap()).unwrap()
}

fn rows_of(out: &Path, table: &str) -> u64 {
    let checked = lake::check(&LocalStorage::new(out), false).unwrap();
    checked
        .rows()
        .into_iter()
        .find(|(t, _)| t == table)
        .unwrap()
        .1
}

#[test]
fn parts_and_finish_make_one_snapshot_per_table_in_the_default_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    for part in 0..3 {
        let part = part.to_string();
        let extra = [
            ("parts", "3"),
            ("part", part.as_str()),
            ("partition_by", "day"),
        ];
        generate(&options(&out, &extra), &NoProgress).unwrap();
        assert!(
            Table::ALL
                .map(Table::name)
                .iter()
                .all(|t| metadata_files(&out, t).is_empty())
        );
    }
    assert!(!out.join(lake::DEFAULT_CATALOG).exists(), "no part commits");
    let finished = lake::finish(&LocalStorage::new(&out), None).unwrap();
    assert!(out.join(lake::DEFAULT_CATALOG).is_file());
    for (commit, table) in finished.tables.iter().zip(Table::ALL.map(Table::name)) {
        assert_eq!(
            (commit.table.as_str(), commit.format),
            (table, TableFormat::Iceberg)
        );
        assert_eq!((commit.version, commit.new), (0, true));
        let metadata = latest_metadata(&out, table);
        let snapshots = metadata["snapshots"].as_array().unwrap();
        assert_eq!(snapshots.len(), 1, "{table}");
        let summary = &snapshots[0]["summary"];
        assert_eq!(summary["operation"], "append");
        assert_eq!(summary["cardgen.range"], "0");
        assert_eq!(summary["added-data-files"], commit.files.to_string());
        assert_eq!(summary["added-records"], rows_of(&out, table).to_string());
        let mapping = metadata["properties"]["schema.name-mapping.default"]
            .as_str()
            .unwrap();
        let mapping: Value = serde_json::from_str(mapping).unwrap();
        assert_eq!(mapping[0]["field-id"], 1);
        let location = metadata["location"].as_str().unwrap();
        assert!(location.ends_with(&format!("lake/{table}")), "{location}");
        if table == "transactions" {
            let spec = &metadata["partition-specs"][0]["fields"][0];
            assert_eq!(
                (spec["name"].as_str(), spec["transform"].as_str()),
                (Some("event_date"), Some("identity"))
            );
        }
    }
    let again = lake::finish(&LocalStorage::new(&out), None).unwrap();
    assert!(again.tables.iter().all(|t| !t.new));
    assert!(Table::ALL.map(Table::name).iter().all(|t| {
        latest_metadata(&out, t)["snapshots"]
            .as_array()
            .unwrap()
            .len()
            == 1
    }));
}

#[test]
fn a_month_layout_partitions_by_the_month_of_event_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let catalog = dir.path().join("catalog.db");
    let catalog = catalog.to_string_lossy();
    let extra = [("partition_by", "month"), ("catalog", catalog.as_ref())];
    let written = generate(&options(&out, &extra), &NoProgress).unwrap();
    assert!(written.lake.unwrap().tables.iter().all(|t| t.new));
    assert!(dir.path().join("catalog.db").is_file());
    let spec = &latest_metadata(&out, "transactions")["partition-specs"][0]["fields"][0];
    assert_eq!(spec["transform"], "month");

    // Replacing the dataset with other options replaces its tables.
    let replaced = [
        ("partition_by", "month"),
        ("catalog", catalog.as_ref()),
        ("seed", "9"),
        ("overwrite", "true"),
    ];
    let written = generate(&options(&out, &replaced), &NoProgress).unwrap();
    assert!(
        written
            .lake
            .unwrap()
            .tables
            .iter()
            .all(|t| t.new && t.version == 0)
    );
    for table in Table::ALL.map(Table::name) {
        let snapshots = latest_metadata(&out, table)["snapshots"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(snapshots, 1, "{table}: a new table");
    }
}

#[test]
fn a_catalog_that_cannot_be_opened_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let not_sqlite = dir.path().join("notes.txt");
    std::fs::write(&not_sqlite, "not a database").unwrap();
    let missing_dir = dir.path().join("no/such/dir/catalog.db");
    for catalog in [not_sqlite, missing_dir] {
        let catalog = catalog.to_string_lossy();
        let err = generate(
            &options(&out, &[("catalog", catalog.as_ref())]),
            &NoProgress,
        )
        .unwrap_err();
        assert_eq!(
            err.bad_input().map(|s| s.setting()),
            Some(Setting::Catalog),
            "{err}"
        );
        assert!(!out.exists(), "{err}");
    }
    // A catalog is for Iceberg tables only.
    let catalog = dir.path().join("c.db");
    let catalog = catalog.to_string_lossy();
    let delta = [
        ("table_format", "parquet"),
        ("parts", "2"),
        ("catalog", catalog.as_ref()),
    ];
    let err = generate(&options(&out, &delta), &NoProgress).unwrap_err();
    assert_eq!(err.bad_input().map(|s| s.setting()), Some(Setting::Catalog));
    assert!(!out.exists());
}

#[test]
fn an_append_is_one_more_snapshot_marked_with_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    generate(&options(&out, &[("partition_by", "day")]), &NoProgress).unwrap();
    let next = GenerateOptions::from_pairs([("append", "true"), ("days", "10")])
        .unwrap()
        .with_out(out.to_string_lossy());
    let written = generate(&next, &NoProgress).unwrap();
    let commits = written.lake.unwrap().tables;
    assert!(commits.iter().all(|c| c.range == 1 && c.new));
    assert!(commits.iter().any(|c| c.table == "transactions"));
    let metadata = latest_metadata(&out, "transactions");
    let mut snapshots = metadata["snapshots"].as_array().unwrap().clone();
    snapshots.sort_by_key(|s| s["sequence-number"].as_u64());
    let ranges: Vec<&str> = snapshots
        .iter()
        .map(|s| s["summary"]["cardgen.range"].as_str().unwrap())
        .collect();
    assert_eq!(ranges, ["0", "1"]);
    let added: u64 = snapshots[1]["summary"]["added-records"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(added, 30_000, "as many rows as the first range");
    assert_eq!(rows_of(&out, "transactions"), 60_000);
    let again = lake::finish(&LocalStorage::new(&out), None).unwrap();
    assert!(again.tables.iter().all(|c| !c.new));
    let snapshots = latest_metadata(&out, "transactions")["snapshots"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(snapshots, 2);
}
