//! Exactly the requested number of rows, however the batches divide it.

mod common;

use cardgen_core::Profile;
use cardgen_core::transactions::transactions_schema;
use common::{generate, key_value, read_batches, row_count};

#[test]
fn awkward_sizes_come_out_exact() {
    let dir = tempfile::tempdir().unwrap();
    for rows in [1u64, 999_999, 1_000_001] {
        let name = format!("rows_{rows}.parquet");
        let path = generate(
            dir.path(),
            &name,
            &["--rows", &rows.to_string(), "--batch-rows", "65537"],
        );
        assert_eq!(row_count(&path), rows as i64, "footer row count");
        let read: usize = read_batches(&path).iter().map(|b| b.num_rows()).sum();
        assert_eq!(read as u64, rows, "rows read back");
        assert_eq!(key_value(&path, "cardgen.rows"), Some(rows.to_string()));
    }
}

#[test]
fn zero_rows_writes_an_empty_file_with_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(dir.path(), "empty.parquet", &["--rows", "0"]);
    assert_eq!(row_count(&path), 0);
    let file = std::fs::File::open(&path).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert_eq!(
        reader.schema().fields(),
        transactions_schema(&Profile::korean_default()).fields()
    );
}
