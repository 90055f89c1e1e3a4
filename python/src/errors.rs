//! Rust errors as Python exceptions: bad input is a `ValueError` (an option
//! that does not exist, a `TypeError`), a stopped run a `KeyboardInterrupt`,
//! anything else a [`CardgenError`].

use cardgen::pipeline::PipelineError;
use cardgen_cli::embed::{EmbedError, spec_error};
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyTypeError, PyValueError};

create_exception!(
    cardgen,
    CardgenError,
    PyRuntimeError,
    "A run that failed for another reason than its options: a file that cannot be written, a storage error."
);

/// An error of the embedded command line.
pub fn embed(err: EmbedError) -> PyErr {
    let message = err.to_string();
    match err {
        EmbedError::Unknown { .. } => PyTypeError::new_err(message),
        EmbedError::Invalid { .. } => PyValueError::new_err(message),
        EmbedError::Interrupted { .. } => PyKeyboardInterrupt::new_err(message),
        EmbedError::Failed(_) => CardgenError::new_err(message),
    }
}

/// An error of the library.
pub fn library(err: cardgen::Error) -> PyErr {
    match err {
        cardgen::Error::Spec(spec) => embed(spec_error(&spec)),
        cardgen::Error::Pipeline(PipelineError::Cancelled) => {
            PyKeyboardInterrupt::new_err("interrupted")
        }
        other => CardgenError::new_err(one_line(&other)),
    }
}

/// The error and its causes on one line, each said once.
fn one_line(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}
