//! `cardgen verify` passes good files and fails damaged ones.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{cardgen, generate, read_batches};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

fn good_file(dir: &Path) -> PathBuf {
    generate(
        dir,
        "good.parquet",
        &["--rows", "300000", "--batch-rows", "100000", "--seed", "3"],
    )
}

fn verify(path: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let output = cardgen()
        .arg("verify")
        .arg(path)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn a_good_file_passes_including_the_deep_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_file(dir.path());
    let (code, report) = verify(&path, &["--deep", "--sample", "3"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("3 row groups equal a fresh regeneration"),
        "{report}"
    );
    assert!(report.contains("PASS"), "{report}");
}

#[test]
fn a_truncated_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(good_file(dir.path())).unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() - 200]).unwrap();
    let (code, report) = verify(&cut, &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("FAIL footer"), "{report}");
}

#[test]
fn a_flipped_byte_in_a_data_page_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_file(dir.path());
    let metadata = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
        .unwrap()
        .metadata()
        .clone();
    // Inside the second row group's `amount` column data.
    let amount = metadata
        .row_group(1)
        .columns()
        .iter()
        .find(|c| c.column_path().string() == "amount")
        .unwrap();
    let target = (amount.data_page_offset() + amount.compressed_size() / 2) as usize;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[target] ^= 0x5a;
    let damaged = dir.path().join("damaged.parquet");
    std::fs::write(&damaged, bytes).unwrap();
    let (code, report) = verify(&damaged, &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("row group 1 is damaged"), "{report}");
}

#[test]
fn a_file_whose_recorded_row_count_is_wrong_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_file(dir.path());
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
    let key_values: Vec<KeyValue> = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|kv| match kv.key.as_str() {
            "cardgen.rows" => KeyValue::new(kv.key.clone(), "300001".to_string()),
            _ => kv.clone(),
        })
        .collect();
    let schema = Arc::clone(reader.schema());
    let lying = dir.path().join("lying.parquet");
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(key_values))
        .set_max_row_group_row_count(Some(100_000))
        .build();
    let mut writer =
        ArrowWriter::try_new(File::create(&lying).unwrap(), schema, Some(props)).unwrap();
    for batch in read_batches(&path) {
        writer.write(&batch).unwrap();
    }
    writer.close().unwrap();
    let (code, report) = verify(&lying, &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("cardgen.rows = 300001 but the file holds 300000 rows"),
        "{report}"
    );
}

#[test]
fn a_missing_file_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (code, report) = verify(&dir.path().join("nope.parquet"), &[]);
    assert_eq!(code, Some(1));
    assert!(report.contains("No such file"), "{report}");
}
