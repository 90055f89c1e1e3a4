//! cardgen-pipeline: runs a table generator on every core and writes its
//! batches, in order, to a Parquet file in bounded memory.
//!
//! Producers on a rayon pool each generate a batch and encode it into a
//! finished row group; one writer thread appends row groups strictly in batch
//! order. [`credits`] bound how many batches exist at once, so memory does not
//! grow with the row count. Files appear under their final name only when
//! complete ([`output`]).
//!
//! - [`runner`]: a run of one or more jobs: the producers, the channel and
//!   the writer.
//! - [`credits`]: the memory bound.
//! - [`encode`]: batch → Parquet row group, on the worker; low-cardinality
//!   strings are written from their dictionary codes (`coded_chunk`).
//! - [`output`]: a Parquet file written atomically through a storage upload.
//! - [`files`]: a run's output as files rolled at a size, per Hive partition.
//! - [`partition`]: splitting batches into Hive partitions by a date column.
//! - [`properties`]: codec, encodings and metadata.
//! - [`budget`]: batches in flight within a memory budget, row groups per file.
//! - [`storage`]: local directories and object stores behind one interface.
//! - [`stream`]: a table's batches as an in-order iterator, generated ahead.

pub mod budget;
pub mod checksum;
pub mod codec;
mod coded_chunk;
pub mod credits;
pub mod encode;
pub mod error;
pub mod files;
mod hybrid_rle;
pub mod output;
pub mod partition;
mod producers;
pub mod progress;
pub mod properties;
pub mod runner;
pub mod storage;
pub mod stream;
pub mod verify;
mod writer;

pub use budget::BudgetError;
pub use codec::Codec;
pub use error::PipelineError;
pub use files::{FileSet, WrittenFile};
pub use progress::{BatchReport, NoObserver, Observer};
pub use runner::{Job, JobFinished, RunOptions, RunSummary, Sink, run, run_jobs, write_parquet};
pub use stream::BatchStream;
