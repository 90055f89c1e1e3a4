//! Row groups generated and encoded in slices: a table whose rows depend on
//! their position alone is generated a slice at a time, and its file holds
//! the same row groups and values as when each batch is generated whole.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Int8Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use cardgen_core::{BatchPlan, BatchSpec, CoreError, TableGenerator};
use cardgen_pipeline::{NoObserver, RunOptions, write_parquet};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::{FileReader, SerializedFileReader};

const BATCH_ROWS: u64 = 200_000;
const ROWS: u64 = 450_000;

/// Row `r` holds `r`, a coded string, a nullable coded string and a small
/// integer, all functions of `r`. With `shifting_dictionary`, the nullable
/// column's dictionary depends on where a generated piece starts, as a table
/// that must not be sliced might do: the values stay the same, the codes do not.
struct Positional {
    schema: SchemaRef,
    in_slices: bool,
    shifting_dictionary: bool,
    calls: AtomicU64,
}

const COLOURS: [&str; 5] = ["red", "green", "blue", "cyan", "black"];

impl Positional {
    fn new(in_slices: bool, shifting_dictionary: bool) -> Self {
        let coded = DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8));
        Self {
            schema: Arc::new(Schema::new(vec![
                Field::new("row", DataType::Int64, false),
                Field::new("colour", coded.clone(), false),
                Field::new("maybe_colour", coded, true),
                Field::new("bucket", DataType::Int32, false),
            ])),
            in_slices,
            shifting_dictionary,
            calls: AtomicU64::new(0),
        }
    }
}

fn colour(row: u64) -> usize {
    (row * 7 % 5) as usize
}

fn maybe_colour(row: u64) -> Option<&'static str> {
    (!row.is_multiple_of(3)).then(|| COLOURS[colour(row / 3)])
}

fn coded(values: &[&str], keys: Int8Array) -> ArrayRef {
    let values = Arc::new(StringArray::from(values.to_vec()));
    Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap())
}

impl TableGenerator for Positional {
    fn name(&self) -> &str {
        "positional"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let rows = batch.first_row..batch.first_row + batch.rows;
        // Rotated by where the piece starts, when shifting.
        let rotation = if self.shifting_dictionary {
            (batch.first_row / 1024 % 5) as usize
        } else {
            0
        };
        let mut dictionary = COLOURS;
        dictionary.rotate_left(rotation);
        let code_of = |name: &str| dictionary.iter().position(|c| *c == name).unwrap() as i8;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(rows.clone().map(|r| r as i64))),
            coded(
                &COLOURS,
                Int8Array::from_iter_values(rows.clone().map(|r| colour(r) as i8)),
            ),
            coded(
                &dictionary,
                rows.clone().map(|r| maybe_colour(r).map(code_of)).collect(),
            ),
            Arc::new(Int32Array::from_iter_values(
                rows.map(|r| (r * 31 % 100) as i32),
            )),
        ];
        Ok(RecordBatch::try_new(self.schema(), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    fn generates_in_slices(&self) -> bool {
        self.in_slices
    }
}

fn write(generator: &Positional, path: &Path) {
    let plan = BatchPlan::new(ROWS, BATCH_ROWS).unwrap();
    write_parquet(generator, plan, path, &RunOptions::new(2), &NoObserver).unwrap();
}

/// Every row of the file, as `(row, colour, maybe_colour, bucket)`.
fn read(path: &Path) -> Vec<(i64, String, Option<String>, i32)> {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let strings = |i: usize| {
            let column = batch.column(i).as_dictionary::<Int8Type>();
            let values = column.values().as_string::<i32>().clone();
            column
                .keys()
                .iter()
                .map(move |key| key.map(|k| values.value(k as usize).to_string()))
                .collect::<Vec<_>>()
        };
        let (colours, maybe) = (strings(1), strings(2));
        let ids = batch
            .column(0)
            .as_primitive::<arrow_array::types::Int64Type>();
        let buckets = batch
            .column(3)
            .as_primitive::<arrow_array::types::Int32Type>();
        for i in 0..batch.num_rows() {
            rows.push((
                ids.value(i),
                colours[i].clone().unwrap(),
                maybe[i].clone(),
                buckets.value(i),
            ));
        }
    }
    rows
}

fn row_group_rows(path: &Path) -> Vec<i64> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let metadata = reader.metadata();
    metadata.row_groups().iter().map(|g| g.num_rows()).collect()
}

fn expected() -> Vec<(i64, String, Option<String>, i32)> {
    (0..ROWS)
        .map(|r| {
            (
                r as i64,
                COLOURS[colour(r)].to_string(),
                maybe_colour(r).map(str::to_string),
                (r * 31 % 100) as i32,
            )
        })
        .collect()
}

#[test]
fn a_table_generated_in_slices_writes_the_same_row_groups_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, sliced) = (
        dir.path().join("whole.parquet"),
        dir.path().join("sliced.parquet"),
    );
    let by_batch = Positional::new(false, false);
    write(&by_batch, &whole);
    let by_slice = Positional::new(true, false);
    write(&by_slice, &sliced);

    assert_eq!(read(&whole), expected());
    assert_eq!(read(&sliced), expected());
    assert_eq!(row_group_rows(&whole), [200_000, 200_000, 50_000]);
    assert_eq!(row_group_rows(&sliced), [200_000, 200_000, 50_000]);
    // 200k rows make four slices of at most 64 Ki rows; 50k make one.
    assert_eq!(by_batch.calls.load(Ordering::SeqCst), 3);
    assert_eq!(by_slice.calls.load(Ordering::SeqCst), 9);
}

#[test]
fn a_coded_column_whose_dictionary_changes_between_slices_keeps_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shifting.parquet");
    let generator = Positional::new(true, true);
    write(&generator, &path);
    assert_eq!(read(&path), expected());
}
