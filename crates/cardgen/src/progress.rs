//! Progress of a run, as the threads that write report it: rows and
//! bytes per table as batches land, and each file once it is complete.
//! The command line draws its bar and summary lines from it; Python can
//! feed a callback.

use std::time::Duration;

use cardgen_pipeline::{BatchReport, Observer};

/// What a run reports while it writes, from the threads that write: a
/// progress bar, a summary line, a Python callback.
pub trait Progress: Sync {
    /// Something the user should know that does not stop the run.
    fn warning(&self, _message: &str) {}
    /// Once, before the first row: the rows the run will write in all.
    fn planned(&self, _rows: u64) {}
    /// A batch of `table` is in its file: `rows` rows, `bytes` encoded bytes.
    fn advanced(&self, table: &str, rows: u64, bytes: u64);
    /// A file of a run of whole files is complete under its final name. A
    /// dataset in parts, with up to thousands of files, lists them in
    /// [`Written`](crate::Written) instead.
    fn file_written(&self, _file: &WrittenFile) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advanced(&self, _: &str, _: u64, _: u64) {}
}

/// One file a run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// The table it holds: `transactions`, `customers`, …
    pub table: String,
    /// Its path, or its URL on an object store.
    pub location: String,
    pub rows: u64,
    pub bytes: u64,
    /// How long the run that wrote it took.
    pub elapsed: Duration,
}

/// The pipeline's per-batch reports of one table, passed on as progress.
pub(crate) struct TableProgress<'a> {
    pub table: &'a str,
    pub progress: &'a dyn Progress,
}

impl Observer for TableProgress<'_> {
    fn batch_written(&self, report: &BatchReport) {
        self.progress
            .advanced(self.table, report.rows, report.encoded_bytes);
    }
}
