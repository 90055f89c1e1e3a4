//! Errors of the pipeline crate.

use std::path::PathBuf;

use cardgen_core::CoreError;
use parquet::errors::ParquetError;

/// Messages name the context only; the cause is the error's `source()`, so
/// that a cause chain printed on one line says each thing once.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} already exists and overwriting is off")]
    OutputExists { path: PathBuf },
    #[error("writing Parquet to {path} failed")]
    Parquet {
        path: PathBuf,
        #[source]
        source: ParquetError,
    },
    #[error("encoding batch {batch} failed")]
    Encode {
        batch: u64,
        #[source]
        source: ParquetError,
    },
    #[error("generating batch {batch} failed")]
    Generate {
        batch: u64,
        #[source]
        source: CoreError,
    },
    #[error("a producer panicked on batch {batch}: {message}")]
    ProducerPanic { batch: u64, message: String },
    #[error("could not start the worker pool: {0}")]
    ThreadPool(String),
    #[error("invalid option: {0}")]
    InvalidOption(String),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("cancelled")]
    Cancelled,
}
