//! A run of several jobs through one pipeline: each job's file is the file
//! it would be alone, the jobs finish in order, and a failure keeps what
//! was finished before it and nothing after.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::{Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use cardgen_core::{BatchPlan, BatchSpec, CoreError, TableGenerator};
use cardgen_pipeline::{
    BatchReport, Job, NoObserver, Observer, PipelineError, RunOptions, Sink, run_jobs,
    write_parquet,
};

/// Rows hold their global index and a label of the table; batches of one
/// table may be made slow, so that jobs overlap and finish out of order.
struct Labelled {
    label: &'static str,
    schema: SchemaRef,
    slow: bool,
    fail_at_batch: Option<u64>,
}

impl Labelled {
    fn new(label: &'static str) -> Self {
        Self {
            label,
            schema: Arc::new(Schema::new(vec![
                Field::new("row", DataType::Int64, false),
                Field::new("label", DataType::Utf8, false),
            ])),
            slow: false,
            fail_at_batch: None,
        }
    }
}

impl TableGenerator for Labelled {
    fn name(&self) -> &str {
        self.label
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        if self.fail_at_batch == Some(batch.index) {
            return Err(CoreError::InvalidOptions("injected failure".into()));
        }
        if self.slow && batch.index.is_multiple_of(3) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let rows = batch.first_row..batch.first_row + batch.rows;
        let labels = rows.clone().map(|r| format!("{}-{}", self.label, r % 7));
        Ok(RecordBatch::try_new(
            self.schema(),
            vec![
                Arc::new(Int64Array::from_iter_values(rows.map(|r| r as i64))),
                Arc::new(StringArray::from_iter_values(labels)),
            ],
        )?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        vec![("table".into(), self.label.into())]
    }
}

/// Counts a job's batches and checks they arrive in order.
#[derive(Default)]
struct InOrder(AtomicU64);

impl Observer for InOrder {
    fn batch_written(&self, report: &BatchReport) {
        let before = self.0.fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, report.index, "batches reported out of order");
    }
}

fn tables() -> Vec<(Labelled, BatchPlan)> {
    let mut slow = Labelled::new("slow");
    slow.slow = true;
    vec![
        (slow, BatchPlan::range(1_000, 5_321, 300).unwrap()),
        (
            Labelled::new("one_batch"),
            BatchPlan::new(250, 300).unwrap(),
        ),
        (Labelled::new("empty"), BatchPlan::new(0, 300).unwrap()),
        (Labelled::new("last"), BatchPlan::new(2_000, 128).unwrap()),
    ]
}

fn paths(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    (0..tables().len())
        .map(|i| dir.join(format!("{prefix}-{i}.parquet")))
        .collect()
}

/// Each table to its own file, unobserved.
fn file_jobs<'a>(tables: &'a [(Labelled, BatchPlan)], paths: &'a [PathBuf]) -> Vec<Job<'a>> {
    tables
        .iter()
        .zip(paths)
        .map(|((generator, plan), path)| Job {
            generator,
            plan: *plan,
            sink: Sink::File(path),
            observer: &NoObserver,
        })
        .collect()
}

#[test]
fn each_job_writes_the_file_it_would_write_alone_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let tables = tables();
    let alone = paths(dir.path(), "alone");
    for ((generator, plan), path) in tables.iter().zip(&alone) {
        write_parquet(generator, *plan, path, &RunOptions::new(2), &NoObserver).unwrap();
    }
    for (threads, credits) in [(1, 1), (2, 4), (3, 2)] {
        let together = paths(dir.path(), &format!("together-{threads}"));
        let observers: Vec<InOrder> = tables.iter().map(|_| InOrder::default()).collect();
        let jobs: Vec<Job> = tables
            .iter()
            .zip(&together)
            .zip(&observers)
            .map(|(((generator, plan), path), observer)| Job {
                generator,
                plan: *plan,
                sink: Sink::File(path),
                observer,
            })
            .collect();
        let mut options = RunOptions::new(threads);
        options.max_in_flight = Some(credits);
        let finished = Mutex::new(Vec::new());
        run_jobs(&jobs, &options, &|job, summary| {
            finished.lock().unwrap().push((job, summary.rows));
            Ok(())
        })
        .unwrap();
        let rows: Vec<(usize, u64)> = tables
            .iter()
            .enumerate()
            .map(|(i, (_, plan))| (i, plan.total_rows()))
            .collect();
        assert_eq!(*finished.lock().unwrap(), rows, "finished in job order");
        for (i, (observer, (_, plan))) in observers.iter().zip(&tables).enumerate() {
            assert_eq!(
                observer.0.load(Ordering::SeqCst),
                plan.batch_count(),
                "job {i}"
            );
        }
        for (a, b) in alone.iter().zip(&together) {
            assert_eq!(
                std::fs::read(a).unwrap(),
                std::fs::read(b).unwrap(),
                "{} differs from {} ({threads} threads)",
                b.display(),
                a.display()
            );
        }
    }
}

#[test]
fn a_failing_job_keeps_the_jobs_before_it_and_starts_none_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut tables = tables();
    tables[3].0.fail_at_batch = Some(4);
    let out = paths(dir.path(), "run");
    let jobs = file_jobs(&tables, &out);
    // The third job finishing fails the run, as a part's manifest that
    // cannot be written does.
    let finished = Mutex::new(Vec::new());
    let err = run_jobs(&jobs, &RunOptions::new(2), &|job, _| {
        finished.lock().unwrap().push(job);
        if job == 2 {
            Err(PipelineError::InvalidOption("refused".into()))
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert!(matches!(err, PipelineError::InvalidOption(_)), "{err}");
    assert_eq!(*finished.lock().unwrap(), vec![0, 1, 2]);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["run-0.parquet", "run-1.parquet", "run-2.parquet"]);

    // A generator failing in the last job: its file is neither kept nor
    // left half-written.
    let dir = tempfile::tempdir().unwrap();
    let out = paths(dir.path(), "run");
    let jobs = file_jobs(&tables, &out);
    let err = run_jobs(&jobs, &RunOptions::new(3), &|_, _| Ok(())).unwrap_err();
    assert!(
        matches!(err, PipelineError::Generate { batch: 4, .. }),
        "{err}"
    );
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 3, "the three jobs before the failure, nothing else");
}

#[test]
fn a_destination_already_there_refuses_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let tables = tables();
    let out = paths(dir.path(), "run");
    std::fs::write(&out[3], b"kept").unwrap();
    let jobs = file_jobs(&tables, &out);
    let err = run_jobs(&jobs, &RunOptions::new(2), &|_, _| Ok(())).unwrap_err();
    assert!(matches!(err, PipelineError::OutputExists { .. }), "{err}");
    assert_eq!(std::fs::read(&out[3]).unwrap(), b"kept");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
