//! A dataset in parts: the parts together are the single-machine dataset,
//! byte for byte the same whoever writes them, and a part joins only a
//! dataset made with its options.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, RecordBatch};
use arrow_schema::SchemaRef;
use cardgen::lake::{self, LakeError, part_manifest_name};
use cardgen::pipeline::storage::{LocalStorage, Storage};
use cardgen::{
    Dataset, DatasetSpec, Error, GenerateOptions, LakeOptions, NoProgress, PartitionBy, Table,
    WriteOptions, generate,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn dataset() -> Dataset {
    DatasetSpec::new(60_000)
        .with_seed(3)
        .with_days(40)
        .build()
        .unwrap()
}

fn write_options(threads: usize) -> WriteOptions {
    let mut options = WriteOptions {
        batch_rows: 7_000,
        ..WriteOptions::default()
    };
    options.run.threads = threads;
    options
}

fn read(path: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn concat(schema: &SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(schema, batches).unwrap()
}

/// Every file of the dataset under `root`, by name, as bytes.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let storage = LocalStorage::new(root);
    storage
        .list("")
        .unwrap()
        .into_iter()
        .map(|name| {
            let bytes = storage.get(&name).unwrap().unwrap();
            (name, bytes)
        })
        .collect()
}

/// A table's rows read back from the lake in part and file order, with
/// `event_date` put back from the directory names when partitioned by day.
fn lake_table(root: &Path, table: Table, full_schema: &SchemaRef) -> RecordBatch {
    let storage = LocalStorage::new(root);
    let mut parts = Vec::new();
    let manifest: lake::DatasetManifest =
        serde_json_from(&storage.get(lake::DATASET_MANIFEST).unwrap().unwrap());
    for part in 0..manifest.parts {
        let found: lake::PartManifest =
            serde_json_from(&storage.get(&part_manifest_name(0, part)).unwrap().unwrap());
        let entry = found
            .tables
            .iter()
            .find(|t| t.name == table.name())
            .unwrap();
        for file in &entry.files {
            for batch in read(&storage.path(&file.name)) {
                parts.push(with_partition_column(batch, &file.name, full_schema));
            }
        }
    }
    concat(full_schema, &parts)
}

fn serde_json_from<T: for<'de> serde::Deserialize<'de>>(bytes: &[u8]) -> T {
    serde_json::from_slice(bytes).unwrap()
}

fn with_partition_column(batch: RecordBatch, name: &str, full: &SchemaRef) -> RecordBatch {
    if batch.num_columns() == full.fields().len() {
        return batch;
    }
    let date = name
        .split('/')
        .find_map(|s| s.strip_prefix("event_date="))
        .expect("a day partition");
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let days = (day - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32;
    let dates: ArrayRef = Arc::new(Date32Array::from(vec![days; batch.num_rows()]));
    let columns = full
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(column) => Arc::clone(column),
            None => Arc::clone(&dates),
        })
        .collect();
    RecordBatch::try_new(Arc::clone(full), columns).unwrap()
}

/// Every table to one file under `dir`, through the one write path.
fn write_flat(dataset: &Dataset, dir: &Path) {
    let options = GenerateOptions::default()
        .with_spec(dataset.spec().clone())
        .with_out(dir.to_string_lossy())
        .with_batch_rows(7_000)
        .with_threads(Some(2));
    generate(&options, &NoProgress).unwrap();
}

fn write_lake(dataset: &Dataset, root: &Path, lake: &LakeOptions, threads: usize) {
    let storage = LocalStorage::new(root);
    dataset
        .write_lake(&storage, lake, &write_options(threads), &NoProgress)
        .unwrap();
}

#[test]
fn the_parts_in_order_are_the_single_machine_dataset() {
    let dataset = dataset();
    let flat = tempfile::tempdir().unwrap();
    write_flat(&dataset, flat.path());
    for partition_by in PartitionBy::ALL {
        let root = tempfile::tempdir().unwrap();
        let lake = LakeOptions {
            parts: 3,
            partition_by,
            ..LakeOptions::default()
        };
        write_lake(&dataset, root.path(), &lake, 2);
        for table in Table::ALL {
            let schema = dataset.schema(table).unwrap();
            let whole = concat(&schema, &read(&flat.path().join(table.file_name())));
            let parts = lake_table(root.path(), table, &schema);
            assert_eq!(parts, whole, "{table}, partitioned by {partition_by}");
        }
        assert!(root.path().join("_SUCCESS").exists());
    }
}

#[test]
fn a_day_partition_holds_only_its_day_and_leaves_the_column_out() {
    let dataset = dataset();
    let root = tempfile::tempdir().unwrap();
    let lake = LakeOptions {
        parts: 2,
        partition_by: PartitionBy::Day,
        ..LakeOptions::default()
    };
    write_lake(&dataset, root.path(), &lake, 2);
    let days: Vec<String> = files(root.path())
        .into_keys()
        .filter_map(|name| {
            let dir = name.strip_prefix("transactions/")?.split('/').next()?;
            Some(dir.to_string())
        })
        .collect();
    assert!(
        days.iter().all(|d| d.starts_with("event_date=2025-")),
        "{days:?}"
    );
    let distinct: std::collections::BTreeSet<_> = days.iter().collect();
    assert_eq!(distinct.len(), 40, "one directory per day of the range");
    let one = root
        .path()
        .join("transactions/event_date=2025-01-10/part-00000-0009.parquet");
    let batches = read(&one);
    assert!(batches[0].schema().field_with_name("event_date").is_err());
}

#[test]
fn the_same_bytes_whoever_writes_the_parts() {
    let dataset = dataset();
    let lake = LakeOptions {
        parts: 4,
        partition_by: PartitionBy::Day,
        ..LakeOptions::default()
    };
    // One process, one thread, one writer.
    let serial = tempfile::tempdir().unwrap();
    let one_writer = LakeOptions {
        writers: Some(1),
        ..lake.clone()
    };
    write_lake(&dataset, serial.path(), &one_writer, 1);
    // One process, three threads, two files at once.
    let concurrent = tempfile::tempdir().unwrap();
    let two_writers = LakeOptions {
        writers: Some(2),
        ..lake.clone()
    };
    write_lake(&dataset, concurrent.path(), &two_writers, 3);
    // Four "machines", one part each, in another order, then the finish step.
    let distributed = tempfile::tempdir().unwrap();
    for part in [2, 0, 3, 1] {
        let one_part = LakeOptions {
            part: Some(part),
            ..lake.clone()
        };
        write_lake(&dataset, distributed.path(), &one_part, 2);
    }
    assert!(!distributed.path().join("_SUCCESS").exists());
    lake::finish(&LocalStorage::new(distributed.path()), None).unwrap();

    let expected = files(serial.path());
    // Time-ordered rows: each part touches about a quarter of the 40 days.
    assert!(expected.len() > 40 + 12, "{} files", expected.len());
    for other in [&concurrent, &distributed] {
        let found = files(other.path());
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &expected {
            if name != "_SUCCESS" {
                assert!(found[name] == *bytes, "{name} differs");
            }
        }
    }
}

#[test]
fn files_roll_at_the_target_size() {
    let dataset = DatasetSpec::new(400_000).with_seed(4).build().unwrap();
    let root = tempfile::tempdir().unwrap();
    let lake = LakeOptions {
        parts: 2,
        target_file_bytes: 1 << 20,
        ..LakeOptions::default()
    };
    write_lake(&dataset, root.path(), &lake, 2);
    let storage = LocalStorage::new(root.path());
    let names = storage.list("transactions/").unwrap();
    assert!(names.len() >= 4, "{names:?}");
    assert!(names.contains(&"transactions/part-00001-0001.parquet".to_string()));
    let checked = lake::check(&storage, true).unwrap();
    assert!(checked.is_complete(), "{}", checked.summary());
    assert_eq!(checked.rows()["transactions"], 400_000);
}

#[test]
fn a_part_with_other_options_is_refused_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let lake = LakeOptions {
        parts: 2,
        part: Some(0),
        ..LakeOptions::default()
    };
    write_lake(&dataset(), root.path(), &lake, 2);
    let before = files(root.path());
    let other = DatasetSpec::new(60_000)
        .with_seed(4)
        .with_days(40)
        .build()
        .unwrap();
    let storage = LocalStorage::new(root.path());
    let part_one = LakeOptions {
        part: Some(1),
        ..lake.clone()
    };
    let err = other
        .write_lake(&storage, &part_one, &write_options(2), &NoProgress)
        .unwrap_err();
    match &err {
        Error::Lake(LakeError::OptionsDiffer {
            key, ours, theirs, ..
        }) => {
            assert_eq!(
                (key.as_str(), ours.as_str(), theirs.as_str()),
                ("seed", "4", "3")
            );
        }
        other => panic!("{other}"),
    }
    // Nor may --overwrite change the options of one part.
    let mut overwrite = write_options(2);
    overwrite.run.overwrite = true;
    let err = other
        .write_lake(&storage, &part_one, &overwrite, &NoProgress)
        .unwrap_err();
    assert!(
        matches!(err, Error::Lake(LakeError::CannotReplace { .. })),
        "{err}"
    );
    assert_eq!(files(root.path()), before);
}

#[test]
fn a_part_already_written_needs_overwrite_and_then_gives_the_same_bytes() {
    let dataset = dataset();
    let root = tempfile::tempdir().unwrap();
    let lake = LakeOptions {
        parts: 2,
        part: Some(1),
        ..LakeOptions::default()
    };
    write_lake(&dataset, root.path(), &lake, 2);
    let before = files(root.path());
    let storage = LocalStorage::new(root.path());
    let err = dataset
        .write_lake(&storage, &lake, &write_options(2), &NoProgress)
        .unwrap_err();
    assert!(
        matches!(err, Error::Lake(LakeError::PartExists { part: 1, .. })),
        "{err}"
    );
    let mut overwrite = write_options(1);
    overwrite.run.overwrite = true;
    dataset
        .write_lake(&storage, &lake, &overwrite, &NoProgress)
        .unwrap();
    assert_eq!(files(root.path()), before);
}

#[test]
fn finish_names_the_missing_parts_and_check_finds_a_damaged_file() {
    let dataset = dataset();
    let root = tempfile::tempdir().unwrap();
    let storage = LocalStorage::new(root.path());
    for part in [0, 3] {
        let lake = LakeOptions {
            parts: 5,
            part: Some(part),
            ..LakeOptions::default()
        };
        write_lake(&dataset, root.path(), &lake, 2);
    }
    let err = lake::finish(&storage, None).unwrap_err().to_string();
    assert!(err.contains("3 of 5 parts missing (1-2, 4)"), "{err}");
    assert!(!root.path().join("_SUCCESS").exists());

    let name = "customers/part-00003-0000.parquet";
    let mut bytes = storage.get(name).unwrap().unwrap();
    bytes[100] ^= 0x40;
    std::fs::write(storage.path(name), &bytes).unwrap();
    let checked = lake::check(&storage, true).unwrap();
    assert_eq!(checked.problems.len(), 1);
    assert_eq!(checked.problems[0].name, name);
    assert!(checked.problems[0].problem.starts_with("CRC-32"));
    // Without reading the files, sizes alone look right.
    assert!(lake::check(&storage, false).unwrap().problems.is_empty());
}

#[test]
fn overwriting_every_part_replaces_a_dataset_with_other_options() {
    let root = tempfile::tempdir().unwrap();
    let storage = LocalStorage::new(root.path());
    let three = LakeOptions {
        parts: 3,
        partition_by: PartitionBy::Day,
        ..LakeOptions::default()
    };
    write_lake(&dataset(), root.path(), &three, 2);
    let two = LakeOptions {
        parts: 2,
        ..LakeOptions::default()
    };
    let mut overwrite = write_options(2);
    overwrite.run.overwrite = true;
    dataset()
        .write_lake(&storage, &two, &overwrite, &NoProgress)
        .unwrap();
    let names = storage.list("").unwrap();
    assert!(
        names.iter().all(|n| !n.contains("event_date=")),
        "{names:?}"
    );
    assert!(!names.contains(&part_manifest_name(0, 2)));
    assert!(lake::check(&storage, true).unwrap().is_complete());
}
