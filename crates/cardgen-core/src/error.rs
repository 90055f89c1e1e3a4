//! Errors of the core crate.

use arrow_schema::ArrowError;

use crate::profile::ProfileError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid profile: {0}")]
    InvalidProfile(String),
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    #[error("building Arrow arrays failed: {0}")]
    Arrow(#[from] ArrowError),
}

impl From<ProfileError> for CoreError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::Invalid { key, message } => {
                CoreError::InvalidProfile(format!("{key}: {message}"))
            }
            parse @ ProfileError::Parse { .. } => CoreError::InvalidProfile(parse.to_string()),
        }
    }
}
