//! Errors of the core crate.

use arrow_schema::ArrowError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid profile: {0}")]
    InvalidProfile(String),
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    #[error("building Arrow arrays failed: {0}")]
    Arrow(#[from] ArrowError),
}
