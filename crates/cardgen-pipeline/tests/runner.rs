//! The runner's guarantees, checked with small synthetic tables: order,
//! the credit bound, and clean failure.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arrow_array::{Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use cardgen_core::{BatchPlan, BatchSpec, CoreError, TableGenerator};
use cardgen_pipeline::{
    BatchReport, NoObserver, Observer, PipelineError, RunOptions, write_parquet,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

#[derive(Default)]
struct Counters {
    started: AtomicU64,
    written: AtomicU64,
    most_in_flight: AtomicU64,
}

/// Rows hold their own global index; odd batches are slow so that batches
/// finish out of order.
struct RowNumbers {
    schema: SchemaRef,
    counters: Arc<Counters>,
    fail_on: Option<(u64, &'static str)>,
}

impl RowNumbers {
    fn new(counters: Arc<Counters>) -> Self {
        Self {
            schema: Arc::new(Schema::new(vec![Field::new("row", DataType::Int64, false)])),
            counters,
            fail_on: None,
        }
    }
}

impl TableGenerator for RowNumbers {
    fn name(&self) -> &str {
        "row_numbers"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let started = self.counters.started.fetch_add(1, Ordering::SeqCst) + 1;
        let in_flight = started - self.counters.written.load(Ordering::SeqCst);
        self.counters
            .most_in_flight
            .fetch_max(in_flight, Ordering::SeqCst);
        match self.fail_on {
            Some((index, "panic")) if index == batch.index => panic!("injected panic"),
            Some((index, _)) if index == batch.index => {
                return Err(CoreError::InvalidOptions("injected failure".into()));
            }
            _ => {}
        }
        if batch.index % 2 == 1 {
            std::thread::sleep(Duration::from_millis(3));
        }
        let rows = (batch.first_row..batch.first_row + batch.rows).map(|r| r as i64);
        Ok(RecordBatch::try_new(
            self.schema(),
            vec![Arc::new(Int64Array::from_iter_values(rows))],
        )?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

struct CountWritten(Arc<Counters>);

impl Observer for CountWritten {
    fn batch_written(&self, report: &BatchReport) {
        let before = self.0.written.fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, report.index, "batches reported out of order");
    }
}

fn read_rows(path: &Path) -> Vec<i64> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    reader
        .flat_map(|b| {
            let b = b.unwrap();
            let column = b
                .column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone();
            column.values().to_vec()
        })
        .collect()
}

#[test]
fn rows_land_in_order_and_in_flight_batches_never_exceed_the_credits() {
    for (threads, credits) in [(1, 1), (2, 2), (4, 3), (4, 8)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.parquet");
        let counters = Arc::new(Counters::default());
        let generator = RowNumbers::new(Arc::clone(&counters));
        let mut options = RunOptions::new(threads);
        options.max_in_flight = Some(credits);
        let plan = BatchPlan::new(10_007, 100).unwrap();
        let summary = write_parquet(
            &generator,
            plan,
            &path,
            &options,
            &CountWritten(Arc::clone(&counters)),
        )
        .unwrap();
        assert_eq!(summary.rows, 10_007);
        assert_eq!(read_rows(&path), (0..10_007).collect::<Vec<i64>>());
        let most = counters.most_in_flight.load(Ordering::SeqCst);
        assert!(
            most <= credits as u64,
            "{most} batches in flight with {credits} credits"
        );
    }
}

fn assert_failed_cleanly(fail_on: (u64, &'static str), expect: impl Fn(&PipelineError) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.parquet");
    let mut generator = RowNumbers::new(Arc::default());
    generator.fail_on = Some(fail_on);
    let plan = BatchPlan::new(100_000, 100).unwrap();
    let err = write_parquet(&generator, plan, &path, &RunOptions::new(3), &NoObserver).unwrap_err();
    assert!(expect(&err), "unexpected error: {err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
fn a_failing_generator_stops_the_run_and_leaves_no_file() {
    assert_failed_cleanly((37, "error"), |e| {
        matches!(e, PipelineError::Generate { batch: 37, .. })
    });
}

#[test]
fn a_panicking_producer_stops_the_run_and_leaves_no_file() {
    assert_failed_cleanly(
        (5, "panic"),
        |e| matches!(e, PipelineError::ProducerPanic { batch: 5, message } if message.contains("injected")),
    );
}

#[test]
fn cancelling_stops_the_run_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cancelled.parquet");
    let generator = RowNumbers::new(Arc::default());
    let options = RunOptions::new(2);
    options.cancel.store(true, Ordering::SeqCst);
    let plan = BatchPlan::new(100_000, 100).unwrap();
    let err = write_parquet(&generator, plan, &path, &options, &NoObserver).unwrap_err();
    assert!(matches!(err, PipelineError::Cancelled), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
