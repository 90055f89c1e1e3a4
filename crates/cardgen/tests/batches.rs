//! Streamed batches hold exactly the rows and values of the Parquet files.

use std::fs::File;

use arrow_array::RecordBatch;
use cardgen::{DatasetSpec, GenerateOptions, NoProgress, ReadOptions, Table, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn concat(batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(&batches[0].schema(), batches).expect("same schema")
}

fn read_parquet(path: &std::path::Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .with_batch_size(1 << 20)
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    concat(&batches)
}

#[test]
fn every_table_streams_the_values_its_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let spec = DatasetSpec::new(30_000)
        .with_seed(5)
        .with_days(60)
        .with_emit_pan(true);
    let dataset = spec.build().unwrap();
    let write = GenerateOptions::default()
        .with_spec(spec.clone())
        .with_out(dir.path().to_string_lossy())
        .with_batch_rows(7_000);
    generate(&write, &NoProgress).unwrap();
    for table in Table::ALL {
        let from_file = read_parquet(&dir.path().join(table.file_name()));
        // Other batch sizes and thread counts: the same rows and values.
        for (batch_rows, threads) in [(4_096, 1), (10_000, 3)] {
            let options = ReadOptions {
                batch_rows,
                threads,
                max_in_flight: None,
            };
            let batches: Vec<RecordBatch> = dataset
                .batches(table, 0..dataset.rows(table), &options)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(batches.iter().all(|b| b.num_rows() <= batch_rows as usize));
            let streamed = concat(&batches);
            assert_eq!(
                streamed, from_file,
                "{table}: batch_rows {batch_rows}, threads {threads}"
            );
        }
    }
}

#[test]
fn a_slice_is_the_same_rows_of_the_whole() {
    let dataset = DatasetSpec::new(20_000).with_seed(3).build().unwrap();
    let options = ReadOptions {
        batch_rows: 3_000,
        threads: 2,
        max_in_flight: Some(2),
    };
    let whole: Vec<RecordBatch> = dataset
        .batches(Table::Transactions, 0..20_000, &options)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let whole = concat(&whole);
    let slice: Vec<RecordBatch> = dataset
        .batches(Table::Transactions, 12_345..17_001, &options)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(concat(&slice), whole.slice(12_345, 17_001 - 12_345));
}

#[test]
fn a_range_outside_the_table_names_the_setting() {
    let dataset = DatasetSpec::new(1_000).build().unwrap();
    let err = dataset
        .batches(Table::Transactions, 900..1_001, &ReadOptions::default())
        .unwrap_err();
    let cardgen::Error::Spec(err) = err else {
        panic!("a spec error: {err}")
    };
    assert_eq!(err.setting(), cardgen::Setting::RowRange);
    assert!(err.to_string().contains("0..1000"), "{err}");
}

#[test]
fn dropping_a_stream_early_stops_it() {
    let dataset = DatasetSpec::new(2_000_000).build().unwrap();
    let options = ReadOptions {
        batch_rows: 10_000,
        threads: 2,
        max_in_flight: Some(4),
    };
    let mut stream = dataset
        .batches(Table::Transactions, 0..2_000_000, &options)
        .unwrap();
    assert_eq!(stream.next().unwrap().unwrap().num_rows(), 10_000);
    drop(stream); // must return without generating the other 199 batches' worth
}
