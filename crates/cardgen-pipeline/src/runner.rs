//! The runner: producers on a rayon pool, one writer thread, credits between.
//!
//! ```text
//!  producers (rayon pool, N threads)              writer (std thread)
//!  ┌──────────────────────────────────┐          ┌──────────────────────────┐
//!  │ take credit → claim batch i      │  bounded │ reorder buffer (≤ K)     │
//!  │ generate (seed, i) → RecordBatch ├─────────►│ append batch i, i+1, …   │
//!  │ encode + compress → row group    │  channel │ give the credit back     │
//!  └──────────────────────────────────┘          └──────────────────────────┘
//! ```
//!
//! A run may hold several jobs — a dataset's tables, or the tables of each
//! of its parts — each a generator, a plan and a sink ([`run_jobs`]). Their
//! batches are numbered one after another through the same producers,
//! credits and writer, so a core never idles while one job drains and the
//! next one starts; the writer finishes each job's files after its last
//! batch. What the producers do with a batch is in `producers`.
//!
//! A table whose rows depend on their position alone is generated and
//! encoded in slices of one row group (see
//! [`crate::encode::RowGroupEncoder::slice_rows`]), which bounds a producer's Arrow arrays
//! by the slice rather than the batch.
//!
//! Any failure — a generator or encoder error, a panic, a write error, a
//! cancellation — sets one stop flag. Producers check it before each batch and
//! while waiting for credits; the writer returns, dropping its channel ends so
//! nothing stays blocked; the output's temporary file is removed on drop.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cardgen_core::{BatchPlan, TableGenerator};
use crossbeam_channel::bounded;

use crate::codec::Codec;
use crate::credits::{credit_pool, default_credits};
use crate::error::PipelineError;
use crate::files::{FileNamer, FileSet, RollingFiles, WrittenFile};
use crate::output::check_destination;
use crate::producers::{JobWork, Producers, panic_message};
use crate::progress::Observer;
use crate::storage::LocalStorage;
use crate::writer::{Destination, Produced, Step, Written, write_in_order};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub threads: usize,
    /// Batches allowed in flight; `None` for [`default_credits`].
    pub max_in_flight: Option<usize>,
    pub codec: Codec,
    pub overwrite: bool,
    /// Set from outside (e.g. a signal handler) to stop the run.
    pub cancel: Arc<AtomicBool>,
}

impl RunOptions {
    pub fn new(threads: usize) -> Self {
        Self {
            threads,
            max_in_flight: None,
            codec: Codec::default(),
            overwrite: false,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn credits(&self) -> usize {
        self.max_in_flight
            .unwrap_or_else(|| default_credits(self.threads))
    }
}

/// Where a run's batches end up.
#[derive(Debug, Clone, Copy)]
pub enum Sink<'a> {
    /// A Parquet file, written atomically.
    File(&'a Path),
    /// Parquet files rolled at a target size, optionally one directory per
    /// Hive partition, each written atomically.
    Files(FileSet<'a>),
    /// Encode every row group, then drop it: generation plus encoding, no I/O.
    EncodeOnly,
    /// Generate every batch, then drop it: generation alone.
    Null,
}

/// What a finished run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The file written, for [`Sink::File`].
    pub path: Option<PathBuf>,
    pub rows: u64,
    pub batches: u64,
    /// The file's size, or the encoded bytes for [`Sink::EncodeOnly`].
    pub bytes: u64,
    /// The files written, for [`Sink::Files`], in the order they were started.
    pub files: Vec<WrittenFile>,
    pub elapsed: Duration,
}

/// Generates every batch of `plan` with `generator` and writes them, in order,
/// as the row groups of one Parquet file at `path`.
pub fn write_parquet(
    generator: &dyn TableGenerator,
    plan: BatchPlan,
    path: &Path,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunSummary, PipelineError> {
    run(generator, plan, Sink::File(path), options, observer)
}

/// Generates every batch of `plan` on `options.threads` producers and hands
/// them to `sink` in batch order.
pub fn run(
    generator: &dyn TableGenerator,
    plan: BatchPlan,
    sink: Sink<'_>,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunSummary, PipelineError> {
    let started = Instant::now();
    let job = Job {
        generator,
        plan,
        sink,
        observer,
    };
    let summary = Mutex::new(None);
    run_jobs(&[job], options, &|_, done| {
        *summary.lock().expect("not poisoned") = Some(done);
        Ok(())
    })?;
    let mut summary = summary
        .into_inner()
        .expect("not poisoned")
        .expect("a run that succeeds finishes its job");
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// One table's batches bound for one sink: a step of [`run_jobs`].
#[derive(Clone, Copy)]
pub struct Job<'a> {
    pub generator: &'a dyn TableGenerator,
    pub plan: BatchPlan,
    pub sink: Sink<'a>,
    /// Hears of each of this job's batches as it is written.
    pub observer: &'a dyn Observer,
}

/// Hears, on the writer thread, that job `j` is complete (its files
/// committed); an error it returns stops the run.
pub type JobFinished<'a> = dyn Fn(usize, RunSummary) -> Result<(), PipelineError> + Sync + 'a;

/// Runs `jobs` one after another through one pool of producers and one
/// writer: the producers start on a job's batches while the writer is still
/// appending the previous job's last ones, so that a run of many tables or
/// parts keeps every core busy to its end. Each job's output is exactly
/// what [`run`] would write for it alone. `finished` hears of each job, in
/// order, as soon as its files are committed; a job's `elapsed` is the time
/// from the previous job's end to its own.
///
/// Every destination is checked before any batch is generated.
pub fn run_jobs(
    jobs: &[Job<'_>],
    options: &RunOptions,
    finished: &JobFinished<'_>,
) -> Result<(), PipelineError> {
    if options.threads == 0 || options.credits() == 0 {
        return Err(PipelineError::InvalidOption(
            "threads and batches in flight must be at least 1".into(),
        ));
    }
    let prepared = jobs
        .iter()
        .map(|job| Prepared::new(*job, options))
        .collect::<Result<Vec<_>, _>>()?;
    let work: Vec<JobWork> = jobs
        .iter()
        .map(|job| {
            let partitioner = match job.sink {
                Sink::Files(set) => set.partitioner,
                _ => None,
            };
            let encodes = !matches!(job.sink, Sink::Null);
            JobWork::new(job.generator, partitioner, job.plan, encodes, options.codec)
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .thread_name(|i| format!("cardgen-producer-{i}"))
        .build()
        .map_err(|e| PipelineError::ThreadPool(e.to_string()))?;

    let credits = options.credits();
    let (credit_pool, credit_return) = credit_pool(credits);
    let (results_tx, results_rx) = bounded::<Produced>(credits);
    let stop = AtomicBool::new(false);
    let producers = Producers::new(&work, &credit_pool, &stop, &options.cancel);
    let steps: Vec<Step> = jobs
        .iter()
        .map(|job| Step {
            batches: job.plan.batch_count(),
            observer: job.observer,
        })
        .collect();
    let open = |job: usize| prepared[job].destination(&work[job]);
    let mut job_started = Instant::now();
    let mut done = |job: usize, written: Written| {
        work[job].release();
        let plan = jobs[job].plan;
        let summary = RunSummary {
            path: match jobs[job].sink {
                Sink::File(path) => Some(path.to_path_buf()),
                _ => None,
            },
            rows: written.rows,
            batches: plan.batch_count(),
            bytes: written.bytes,
            files: written.files,
            elapsed: job_started.elapsed(),
        };
        job_started = Instant::now();
        finished(job, summary)
    };

    std::thread::scope(|scope| {
        let writer = std::thread::Builder::new()
            .name("cardgen-writer".into())
            .spawn_scoped(scope, || {
                let result = write_in_order(
                    &steps,
                    &open,
                    &mut done,
                    &results_rx,
                    credit_return,
                    &options.cancel,
                );
                if result.is_err() {
                    stop.store(true, Ordering::Release);
                }
                drop(results_rx);
                result
            })
            .map_err(|e| PipelineError::ThreadPool(format!("could not start the writer: {e}")))?;
        pool.broadcast(|_| producers.run(results_tx.clone()));
        drop(results_tx);
        writer.join().unwrap_or_else(|panic| {
            Err(PipelineError::ProducerPanic {
                batch: u64::MAX,
                message: format!("the writer panicked: {}", panic_message(&panic)),
            })
        })
    })
}

/// A job with, for a single file, the file's directory and name: what
/// the writer needs to open its destination.
struct Prepared<'a> {
    job: Job<'a>,
    /// One file is a file set of one, under a fixed name in its directory.
    one_file: Option<OneFile>,
}

struct OneFile {
    storage: LocalStorage,
    name: Box<FileNamer<'static>>,
}

impl<'a> Prepared<'a> {
    /// Fails if the job's single file cannot be written.
    fn new(job: Job<'a>, options: &RunOptions) -> Result<Self, PipelineError> {
        let one_file = match job.sink {
            Sink::File(path) => {
                check_destination(path, options.overwrite)?;
                let dir = path.parent().unwrap_or(Path::new(""));
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let name = name.into_owned();
                Some(OneFile {
                    storage: LocalStorage::new(dir),
                    name: Box::new(move |_: &str, _: u32| name.clone()),
                })
            }
            _ => None,
        };
        Ok(Self { job, one_file })
    }

    fn file_set(&self) -> Option<FileSet<'_>> {
        match self.job.sink {
            Sink::Files(set) => Some(set),
            Sink::File(_) => self.one_file.as_ref().map(|one| FileSet {
                storage: &one.storage,
                name: one.name.as_ref(),
                target_file_bytes: u64::MAX,
                partitioner: None,
                empty_file_if_no_rows: true,
            }),
            Sink::EncodeOnly | Sink::Null => None,
        }
    }

    fn destination(&self, work: &JobWork<'_>) -> Result<Destination<'_>, PipelineError> {
        let Some(set) = self.file_set() else {
            return Ok(Destination::Discard);
        };
        let encoding = work.encoding()?;
        Ok(Destination::Files(Box::new(RollingFiles::new(
            set,
            Arc::clone(&encoding.schema),
            encoding.properties.clone(),
        ))))
    }
}
