//! Streaming a table's batches in order, generated ahead on a pool.
//!
//! A [`BatchStream`] is an iterator of Arrow record batches: the rows of a
//! [`BatchPlan`], in order, with the same values the Parquet files hold. It
//! keeps at most `window` batches generating or waiting ahead of the reader,
//! so memory stays bounded however many rows the plan covers, while every
//! thread of its pool works. Dropping the stream stops it: batches not yet
//! started are never generated.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::RecordBatch;
use cardgen_core::{BatchPlan, TableGenerator};
use crossbeam_channel::{Receiver, bounded};

use crate::error::PipelineError;
use crate::producers::panic_message;

type Outcome = Result<RecordBatch, PipelineError>;

/// The batches of a plan, in order; see the module docs.
pub struct BatchStream {
    generator: Arc<dyn TableGenerator>,
    plan: BatchPlan,
    /// `None`: generate on the caller's thread, one batch at a time.
    pool: Option<Arc<rayon::ThreadPool>>,
    window: usize,
    next_to_start: u64,
    pending: VecDeque<Receiver<Outcome>>,
    closed: Arc<AtomicBool>,
    failed: bool,
}

impl std::fmt::Debug for BatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStream")
            .field("table", &self.generator.name())
            .field("plan", &self.plan)
            .field("window", &self.window)
            .field("next_to_start", &self.next_to_start)
            .finish()
    }
}

impl BatchStream {
    /// Streams `plan` from `generator` on `threads` threads (1: on the
    /// caller's thread), with at most `window` batches ahead of the reader
    /// (at least 1; `2 × threads` is a good default).
    pub fn new(
        generator: Arc<dyn TableGenerator>,
        plan: BatchPlan,
        threads: usize,
        window: usize,
    ) -> Result<Self, PipelineError> {
        if threads == 0 || window == 0 {
            return Err(PipelineError::InvalidOption(
                "threads and batches in flight must be at least 1".into(),
            ));
        }
        let pool = if threads > 1 {
            Some(Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("cardgen-stream-{i}"))
                    .build()
                    .map_err(|e| PipelineError::ThreadPool(e.to_string()))?,
            ))
        } else {
            None
        };
        Ok(Self {
            generator,
            plan,
            pool,
            window,
            next_to_start: 0,
            pending: VecDeque::with_capacity(window),
            closed: Arc::new(AtomicBool::new(false)),
            failed: false,
        })
    }

    /// The plan the stream follows.
    pub fn plan(&self) -> BatchPlan {
        self.plan
    }

    fn start_ahead(&mut self, pool: &rayon::ThreadPool) {
        while self.pending.len() < self.window && self.next_to_start < self.plan.batch_count() {
            let batch = self.plan.batch(self.next_to_start);
            self.next_to_start += 1;
            let (tx, rx) = bounded(1);
            let generator = Arc::clone(&self.generator);
            let closed = Arc::clone(&self.closed);
            pool.spawn(move || {
                if closed.load(Ordering::Acquire) {
                    return;
                }
                // The reader may be gone by now; then the batch is dropped.
                let _ = tx.send(generate(generator.as_ref(), batch));
            });
            self.pending.push_back(rx);
        }
    }
}

fn generate(generator: &dyn TableGenerator, batch: cardgen_core::BatchSpec) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| generator.generate(&batch)))
        .map_err(|panic| PipelineError::ProducerPanic {
            batch: batch.index,
            message: panic_message(&panic),
        })?
        .map_err(|source| PipelineError::Generate {
            batch: batch.index,
            source,
        })
}

impl Iterator for BatchStream {
    type Item = Result<RecordBatch, PipelineError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let outcome = match self.pool.clone() {
            None => {
                if self.next_to_start >= self.plan.batch_count() {
                    return None;
                }
                let batch = self.plan.batch(self.next_to_start);
                self.next_to_start += 1;
                generate(self.generator.as_ref(), batch)
            }
            Some(pool) => {
                self.start_ahead(&pool);
                let index = self.next_to_start - self.pending.len() as u64;
                let next = self.pending.pop_front()?;
                // Keep the pool busy while the reader works on this batch.
                self.start_ahead(&pool);
                next.recv().unwrap_or_else(|_| {
                    Err(PipelineError::ProducerPanic {
                        batch: index,
                        message: "the batch was dropped unfinished".into(),
                    })
                })
            }
        };
        if outcome.is_err() {
            self.failed = true;
            self.closed.store(true, Ordering::Release);
        }
        Some(outcome)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.plan.batch_count() - self.next_to_start) as usize + self.pending.len();
        (left, Some(left))
    }
}

impl Drop for BatchStream {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Release);
    }
}
