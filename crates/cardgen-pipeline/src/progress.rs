//! What the pipeline reports while it runs, for progress bars and logs.

use std::time::Duration;

/// One batch that has been appended to the file.
#[derive(Debug, Clone, Copy)]
pub struct BatchReport {
    pub index: u64,
    pub batches: u64,
    pub rows: u64,
    pub encoded_bytes: u64,
    pub generate: Duration,
    pub encode: Duration,
    /// How long the producer waited for a credit before it could start.
    pub credit_wait: Duration,
}

/// Receives a report for each batch, in batch order, on the writer thread.
pub trait Observer: Sync {
    fn batch_written(&self, report: &BatchReport);
}

/// Ignores every report.
pub struct NoObserver;

impl Observer for NoObserver {
    fn batch_written(&self, _: &BatchReport) {}
}
