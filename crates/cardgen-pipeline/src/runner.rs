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
//! A table whose rows depend on their position alone is generated and
//! encoded in slices of one row group (see
//! [`crate::encode::RowGroupEncoder::slice_rows`]), which bounds a producer's Arrow arrays
//! by the slice rather than the batch.
//!
//! Any failure — a generator or encoder error, a panic, a write error, a
//! cancellation — sets one stop flag. Producers check it before each batch and
//! while waiting for credits; the writer returns, dropping its channel ends so
//! nothing stays blocked; the output's temporary file is removed on drop.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cardgen_core::{BatchPlan, BatchSpec, TableGenerator};
use crossbeam_channel::{Sender, bounded};

use crate::codec::Codec;
use crate::credits::{CreditPool, credit_pool, default_credits};
use crate::encode::{EncodedRowGroup, RowGroupEncoder};
use crate::error::PipelineError;
use crate::files::{FileSet, Piece, RollingFiles, WrittenFile};
use crate::output::check_destination;
use crate::partition::Partitioner;
use crate::progress::Observer;
use crate::properties::writer_properties;
use crate::storage::LocalStorage;
use crate::writer::{Destination, Produced, write_in_order};

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
    // One file is a file set of one, under a fixed name in its directory.
    let one_file = match sink {
        Sink::File(path) => {
            check_destination(path, options.overwrite)?;
            let dir = path.parent().unwrap_or(Path::new(""));
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            Some((LocalStorage::new(dir), name.into_owned()))
        }
        _ => None,
    };
    let fixed_name = |_: &str, _: u32| {
        one_file
            .as_ref()
            .map_or_else(String::new, |(_, n)| n.clone())
    };
    let file_set = match sink {
        Sink::Files(set) => Some(set),
        Sink::File(_) => one_file.as_ref().map(|(storage, _)| FileSet {
            storage,
            name: &fixed_name,
            target_file_bytes: u64::MAX,
            partitioner: None,
            empty_file_if_no_rows: true,
        }),
        Sink::EncodeOnly | Sink::Null => None,
    };
    let partitioner = file_set.and_then(|set| set.partitioner);
    let (destination, encoder) = if let Some(set) = file_set {
        let schema = set
            .partitioner
            .map_or_else(|| generator.schema(), |p| p.file_schema());
        let encoder = RowGroupEncoder::discarding(Arc::clone(&schema), properties.clone())
            .map_err(|source| PipelineError::Encode { batch: 0, source })?;
        let files = RollingFiles::new(set, schema, properties);
        (Destination::Files(Box::new(files)), Some(encoder))
    } else if matches!(sink, Sink::EncodeOnly) {
        let encoder = RowGroupEncoder::discarding(generator.schema(), properties)
            .map_err(|source| PipelineError::Encode { batch: 0, source })?;
        (Destination::Discard, Some(encoder))
    } else {
        (Destination::Discard, None)
    };

    let credits = options.credits();
    let (credit_pool, credit_return) = credit_pool(credits);
    let (results_tx, results_rx) = bounded::<Produced>(credits);
    let stop = AtomicBool::new(false);
    let next_batch = AtomicU64::new(0);
    let shared = Producers {
        generator,
        encoder: encoder.as_ref(),
        partitioner,
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
                    destination,
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

    Ok(RunSummary {
        path: match sink {
            Sink::File(path) => Some(path.to_path_buf()),
            _ => None,
        },
        rows: written.rows,
        batches: plan.batch_count(),
        bytes: written.bytes,
        files: written.files,
        elapsed: started.elapsed(),
    })
}

/// Everything a producer needs, borrowed for the duration of the run.
struct Producers<'a> {
    generator: &'a dyn TableGenerator,
    /// `None` for the null sink: batches are generated and dropped.
    encoder: Option<&'a RowGroupEncoder>,
    partitioner: Option<&'a dyn Partitioner>,
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
            if self.stopped() || self.credits.acquire(self.stop).is_none() || self.stopped() {
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

    fn produce(&self, produced: &mut Produced) -> Result<Vec<Piece>, PipelineError> {
        let batch = self.plan.batch(produced.index);
        let generate_error = |source| PipelineError::Generate {
            batch: batch.index,
            source,
        };
        let encode_error = |source| PipelineError::Encode {
            batch: batch.index,
            source,
        };
        if let Some(encoder) = self.encoder
            && self.partitioner.is_none()
            && self.generator.generates_in_slices()
        {
            // One row group, generated and encoded a slice at a time.
            let mut group = encoder.start(batch.index).map_err(encode_error)?;
            for slice in slices(batch, encoder.slice_rows()) {
                let started = Instant::now();
                let records = self.generator.generate(&slice).map_err(generate_error)?;
                produced.generate += started.elapsed();
                let started = Instant::now();
                group.write(&records).map_err(encode_error)?;
                produced.encode += started.elapsed();
            }
            let started = Instant::now();
            let group = group.finish().map_err(encode_error)?;
            produced.encode += started.elapsed();
            return Ok(vec![Piece {
                key: String::new(),
                group,
            }]);
        }
        let started = Instant::now();
        let records = self.generator.generate(&batch).map_err(generate_error)?;
        produced.generate = started.elapsed();
        let Some(encoder) = self.encoder else {
            return Ok(vec![Piece {
                key: String::new(),
                group: EncodedRowGroup::empty(batch.rows),
            }]);
        };
        let started = Instant::now();
        let runs = match self.partitioner {
            None => vec![(String::new(), records)],
            Some(partitioner) => partitioner
                .split(&records)
                .map_err(|e| encode_error(e.into()))?,
        };
        let pieces = runs
            .into_iter()
            .map(|(key, rows)| {
                let group = encoder.encode(batch.index, &rows).map_err(encode_error)?;
                Ok(Piece { key, group })
            })
            .collect::<Result<Vec<_>, PipelineError>>()?;
        produced.encode = started.elapsed();
        Ok(pieces)
    }
}

/// `batch` as consecutive slices of at most `slice_rows` rows (one empty
/// slice for an empty batch, so its row group still gets its columns).
fn slices(batch: BatchSpec, slice_rows: u64) -> impl Iterator<Item = BatchSpec> {
    let count = batch.rows.div_ceil(slice_rows.max(1)).max(1);
    (0..count).map(move |i| {
        let first_row = batch.first_row + i * slice_rows;
        BatchSpec {
            index: batch.index,
            first_row,
            rows: slice_rows.min(batch.first_row + batch.rows - first_row),
        }
    })
}

pub(crate) fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}
