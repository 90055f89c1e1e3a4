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
//! Any failure — a generator or encoder error, a panic, a write error, a
//! cancellation — sets one stop flag. Producers check it before each batch and
//! while waiting for credits; the writer returns, dropping its channel ends so
//! nothing stays blocked; the output's temporary file is removed on drop.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cardgen_core::{BatchPlan, TableGenerator};
use crossbeam_channel::{Receiver, Sender, bounded};

use crate::codec::Codec;
use crate::credits::{CreditPool, CreditReturn, credit_pool, default_credits};
use crate::encode::{EncodedRowGroup, RowGroupEncoder};
use crate::error::PipelineError;
use crate::output::ParquetFileOutput;
use crate::progress::{BatchReport, Observer};
use crate::properties::writer_properties;

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

/// What a finished run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub path: PathBuf,
    pub rows: u64,
    pub batches: u64,
    pub file_bytes: u64,
    pub elapsed: Duration,
}

struct Produced {
    index: u64,
    outcome: Result<EncodedRowGroup, PipelineError>,
    generate: Duration,
    encode: Duration,
    credit_wait: Duration,
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
    let started = Instant::now();
    if options.threads == 0 || options.credits() == 0 {
        return Err(PipelineError::InvalidOption(
            "threads and batches in flight must be at least 1".into(),
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .thread_name(|i| format!("cardgen-producer-{i}"))
        .build()
        .map_err(|e| PipelineError::ThreadPool(e.to_string()))?;
    let extra = [("batch_rows", plan.batch_rows().to_string())];
    let properties = writer_properties(generator, options.codec, &extra);
    let (output, encoder) =
        ParquetFileOutput::create(path, generator.schema(), properties, options.overwrite)?;

    let credits = options.credits();
    let (credit_pool, credit_return) = credit_pool(credits);
    let (results_tx, results_rx) = bounded::<Produced>(credits);
    let stop = AtomicBool::new(false);
    let next_batch = AtomicU64::new(0);
    let shared = Producers {
        generator,
        encoder: &encoder,
        plan,
        credits: &credit_pool,
        next_batch: &next_batch,
        stop: &stop,
        cancel: &options.cancel,
    };

    let written = std::thread::scope(|scope| {
        let writer = std::thread::Builder::new()
            .name("cardgen-writer".into())
            .spawn_scoped(scope, || {
                let result = write_in_order(
                    output,
                    &results_rx,
                    credit_return,
                    plan,
                    observer,
                    &options.cancel,
                );
                if result.is_err() {
                    stop.store(true, Ordering::Release);
                }
                drop(results_rx);
                result
            })
            .map_err(|e| PipelineError::ThreadPool(format!("could not start the writer: {e}")))?;
        pool.broadcast(|_| shared.run(results_tx.clone()));
        drop(results_tx);
        writer.join().unwrap_or_else(|panic| {
            Err(PipelineError::ProducerPanic {
                batch: u64::MAX,
                message: format!("the writer panicked: {}", panic_message(&panic)),
            })
        })
    })?;

    let (file_bytes, rows) = written;
    Ok(RunSummary {
        path: path.to_path_buf(),
        rows,
        batches: plan.batch_count(),
        file_bytes,
        elapsed: started.elapsed(),
    })
}

/// Everything a producer needs, borrowed for the duration of the run.
struct Producers<'a> {
    generator: &'a dyn TableGenerator,
    encoder: &'a RowGroupEncoder,
    plan: BatchPlan,
    credits: &'a CreditPool,
    next_batch: &'a AtomicU64,
    stop: &'a AtomicBool,
    cancel: &'a AtomicBool,
}

impl Producers<'_> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire) || self.cancel.load(Ordering::Acquire)
    }

    fn run(&self, results: Sender<Produced>) {
        loop {
            let waiting = Instant::now();
            if self.stopped()
                || self.credits.acquire(self.stop).is_none()
                || self.cancel.load(Ordering::Acquire)
            {
                return;
            }
            let credit_wait = waiting.elapsed();
            let index = self.next_batch.fetch_add(1, Ordering::AcqRel);
            if index >= self.plan.batch_count() {
                return;
            }
            let mut produced = Produced {
                index,
                outcome: Err(PipelineError::Cancelled),
                generate: Duration::ZERO,
                encode: Duration::ZERO,
                credit_wait,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| self.produce(&mut produced)));
            produced.outcome = outcome.unwrap_or_else(|panic| {
                Err(PipelineError::ProducerPanic {
                    batch: index,
                    message: panic_message(&panic),
                })
            });
            let failed = produced.outcome.is_err();
            if failed {
                self.stop.store(true, Ordering::Release);
            }
            if results.send(produced).is_err() || failed {
                return;
            }
        }
    }

    fn produce(&self, produced: &mut Produced) -> Result<EncodedRowGroup, PipelineError> {
        let batch = self.plan.batch(produced.index);
        let started = Instant::now();
        let records =
            self.generator
                .generate(&batch)
                .map_err(|source| PipelineError::Generate {
                    batch: batch.index,
                    source,
                })?;
        produced.generate = started.elapsed();
        let started = Instant::now();
        let encoded = self
            .encoder
            .encode(batch.index, &records)
            .map_err(|source| PipelineError::Encode {
                batch: batch.index,
                source,
            })?;
        produced.encode = started.elapsed();
        Ok(encoded)
    }
}

/// The writer thread: appends row groups strictly in batch order and returns
/// each batch's credit once it is in the file. Returns (file bytes, rows).
fn write_in_order(
    mut output: ParquetFileOutput,
    results: &Receiver<Produced>,
    credits: CreditReturn,
    plan: BatchPlan,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(u64, u64), PipelineError> {
    let batches = plan.batch_count();
    let mut parked: BTreeMap<u64, (Produced, EncodedRowGroup)> = BTreeMap::new();
    let mut next = 0;
    let mut rows = 0;
    while next < batches {
        // Producers all gone before the last batch: only a cancellation does
        // that, since a failing producer sends its error first.
        let Ok(mut produced) = results.recv() else {
            return Err(PipelineError::Cancelled);
        };
        // A failure ends the run at once, whatever batch it belongs to.
        let row_group = std::mem::replace(&mut produced.outcome, Err(PipelineError::Cancelled))?;
        parked.insert(produced.index, (produced, row_group));
        while let Some((produced, row_group)) = parked.remove(&next) {
            let report = BatchReport {
                index: next,
                batches,
                rows: row_group.rows,
                encoded_bytes: row_group.bytes,
                generate: produced.generate,
                encode: produced.encode,
                credit_wait: produced.credit_wait,
            };
            rows += row_group.rows;
            output.append(row_group)?;
            tracing::debug!(
                target: "cardgen::pipeline",
                batch = report.index,
                of = report.batches,
                rows = report.rows,
                encoded_bytes = report.encoded_bytes,
                generate_ms = report.generate.as_millis() as u64,
                encode_ms = report.encode.as_millis() as u64,
                credit_wait_ms = report.credit_wait.as_millis() as u64,
                "batch written"
            );
            observer.batch_written(&report);
            // Only now is the batch gone from memory, so only now may another start.
            credits.release();
            next += 1;
        }
        if cancel.load(Ordering::Acquire) {
            return Err(PipelineError::Cancelled);
        }
    }
    drop(credits);
    let bytes = output.commit()?;
    Ok((bytes, rows))
}

fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}
