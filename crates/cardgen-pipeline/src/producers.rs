//! The producers: each takes a credit, claims the next batch of the run and
//! turns it into encoded row groups for the writer.
//!
//! A run may hold several jobs (tables, parts), each with its own generator,
//! encoder and plan. Their batches are numbered one after another, so the
//! producers move on to the next job's batches while the writer is still
//! appending the last ones of the previous job: no core waits for a job to
//! drain before the next one starts.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow_schema::SchemaRef;
use cardgen_core::{BatchPlan, BatchSpec, TableGenerator};
use crossbeam_channel::Sender;
use parquet::file::properties::WriterProperties;

use crate::codec::Codec;
use crate::credits::CreditPool;
use crate::encode::{EncodedRowGroup, RowGroupEncoder};
use crate::error::PipelineError;
use crate::files::Piece;
use crate::partition::Partitioner;
use crate::properties::writer_properties;
use crate::writer::Produced;

/// What encoding one job's batches takes: the files' schema, the writer
/// properties and the encoder.
pub(crate) struct JobEncoding {
    pub schema: SchemaRef,
    pub properties: WriterProperties,
    pub encoder: RowGroupEncoder,
}

/// What producers need to turn one job's batches into row groups. Its
/// encoding is built when the job is first reached and dropped once the
/// writer has committed the job's files, so a run of many jobs (a dataset in
/// thousands of parts) holds the encodings of the few jobs in flight, not one
/// per job (~28 KB each).
pub(crate) struct JobWork<'a> {
    pub generator: &'a dyn TableGenerator,
    pub partitioner: Option<&'a dyn Partitioner>,
    pub plan: BatchPlan,
    /// `false` for the null sink: batches are generated and dropped.
    pub encodes: bool,
    pub codec: Codec,
    encoding: Mutex<Option<Arc<JobEncoding>>>,
}

impl<'a> JobWork<'a> {
    pub fn new(
        generator: &'a dyn TableGenerator,
        partitioner: Option<&'a dyn Partitioner>,
        plan: BatchPlan,
        encodes: bool,
        codec: Codec,
    ) -> Self {
        Self {
            generator,
            partitioner,
            plan,
            encodes,
            codec,
            encoding: Mutex::new(None),
        }
    }

    /// The job's encoding, built on first use.
    pub fn encoding(&self) -> Result<Arc<JobEncoding>, PipelineError> {
        let mut slot = self.encoding.lock().expect("not poisoned");
        if let Some(encoding) = slot.as_ref() {
            return Ok(Arc::clone(encoding));
        }
        let extra = [("batch_rows", self.plan.batch_rows().to_string())];
        let properties = writer_properties(self.generator, self.codec, &extra);
        let schema = self
            .partitioner
            .map_or_else(|| self.generator.schema(), |p| p.file_schema());
        let encoder = RowGroupEncoder::discarding(Arc::clone(&schema), properties.clone())
            .map_err(|source| PipelineError::Encode { batch: 0, source })?;
        let encoding = Arc::new(JobEncoding {
            schema,
            properties,
            encoder,
        });
        *slot = Some(Arc::clone(&encoding));
        Ok(encoding)
    }

    /// Drops the job's encoding once its files are committed: no batch of
    /// it is left to make.
    pub fn release(&self) {
        self.encoding.lock().expect("not poisoned").take();
    }
}

/// Everything the producers share, borrowed for the duration of the run.
pub(crate) struct Producers<'a> {
    jobs: &'a [JobWork<'a>],
    /// The run-wide number of each job's first batch.
    first_batches: Vec<u64>,
    batches: u64,
    credits: &'a CreditPool,
    next_batch: AtomicU64,
    stop: &'a AtomicBool,
    cancel: &'a AtomicBool,
}

impl<'a> Producers<'a> {
    pub fn new(
        jobs: &'a [JobWork<'a>],
        credits: &'a CreditPool,
        stop: &'a AtomicBool,
        cancel: &'a AtomicBool,
    ) -> Self {
        let first_batches = first_batches(jobs.iter().map(|job| job.plan.batch_count()));
        let batches = jobs.iter().map(|job| job.plan.batch_count()).sum();
        Self {
            jobs,
            first_batches,
            batches,
            credits,
            next_batch: AtomicU64::new(0),
            stop,
            cancel,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire) || self.cancel.load(Ordering::Acquire)
    }

    /// Produces batches until the run has none left, fails or is stopped.
    pub fn run(&self, results: Sender<Produced>) {
        loop {
            let waiting = Instant::now();
            if self.stopped() || self.credits.acquire(self.stop).is_none() || self.stopped() {
                return;
            }
            let credit_wait = waiting.elapsed();
            // A batch number is claimed only with a credit in hand, so the
            // lowest unwritten batch always holds one (see `credits`).
            let index = self.next_batch.fetch_add(1, Ordering::AcqRel);
            if index >= self.batches {
                return;
            }
            let job = job_of(&self.first_batches, index);
            let work = &self.jobs[job];
            let batch = work.plan.batch(index - self.first_batches[job]);
            let mut produced = Produced {
                index,
                outcome: Err(PipelineError::Cancelled),
                generate: Duration::ZERO,
                encode: Duration::ZERO,
                credit_wait,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| work.produce(batch, &mut produced)));
            produced.outcome = outcome.unwrap_or_else(|panic| {
                Err(PipelineError::ProducerPanic {
                    batch: batch.index,
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
}

impl JobWork<'_> {
    fn produce(
        &self,
        batch: BatchSpec,
        produced: &mut Produced,
    ) -> Result<Vec<Piece>, PipelineError> {
        let generate_error = |source| PipelineError::Generate {
            batch: batch.index,
            source,
        };
        let encode_error = |source| PipelineError::Encode {
            batch: batch.index,
            source,
        };
        let encoding = if self.encodes {
            Some(self.encoding()?)
        } else {
            None
        };
        let encoder = encoding.as_ref().map(|e| &e.encoder);
        if let Some(encoder) = encoder
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
        let Some(encoder) = encoder else {
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

/// The run-wide number of each job's first batch, for jobs of `counts`
/// batches in order.
pub(crate) fn first_batches(counts: impl Iterator<Item = u64>) -> Vec<u64> {
    counts
        .scan(0, |next, count| {
            let first = *next;
            *next += count;
            Some(first)
        })
        .collect()
}

/// The job that run-wide batch `index` belongs to: the last whose first
/// batch is at or before it (jobs without batches share their successor's
/// number and are skipped).
fn job_of(first_batches: &[u64], index: u64) -> usize {
    first_batches.partition_point(|&first| first <= index) - 1
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

/// The text a panic was raised with.
pub(crate) fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_numbered_across_jobs_and_empty_jobs_are_skipped() {
        let firsts = first_batches([3, 0, 0, 2, 1].into_iter());
        assert_eq!(firsts, vec![0, 3, 3, 3, 5]);
        let jobs: Vec<usize> = (0..6).map(|i| job_of(&firsts, i)).collect();
        assert_eq!(jobs, vec![0, 0, 0, 3, 3, 4]);
    }
}
