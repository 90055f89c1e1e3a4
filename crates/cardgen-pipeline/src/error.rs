//! Errors of the pipeline crate.

use std::path::PathBuf;

use cardgen_core::CoreError;
use parquet::errors::ParquetError;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} already exists (pass --overwrite to replace it)")]
    OutputExists { path: PathBuf },
    #[error("writing Parquet to {path} failed: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: ParquetError,
    },
    #[error("encoding batch {batch} failed: {source}")]
    Encode {
        batch: u64,
        #[source]
        source: ParquetError,
    },
    #[error("generating batch {batch} failed: {source}")]
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
    #[error("cancelled")]
    Cancelled,
}
