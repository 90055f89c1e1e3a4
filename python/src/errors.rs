//! Rust errors as Python exceptions: bad input is a `ValueError` (an option
//! that does not exist, a `TypeError`), a stopped run a `KeyboardInterrupt`,
//! anything else a [`CardgenError`].

use cardgen::pipeline::PipelineError;
use cardgen::{Error, SpecError};
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyTypeError, PyValueError};

create_exception!(
    cardgen,
    CardgenError,
    PyRuntimeError,
    "A run that failed for another reason than its options: a file that cannot be written, a storage error."
);

/// An error of the library, as the Python exception it stands for.
pub fn library(err: Error) -> PyErr {
    match err {
        Error::Spec(spec) => bad_input(&spec),
        Error::UnknownOption { .. } => PyTypeError::new_err(err.to_string()),
        Error::Interrupted { .. } | Error::Pipeline(PipelineError::Cancelled) => {
            PyKeyboardInterrupt::new_err(err.to_string())
        }
        other => CardgenError::new_err(one_line(&other)),
    }
}

/// Bad input as a `ValueError` whose message starts with the option's key.
pub fn bad_input(err: &SpecError) -> PyErr {
    let key = err.setting().key();
    let text = err.to_string();
    let message = if text.starts_with(key) {
        text
    } else {
        format!("{key}: {text}")
    };
    PyValueError::new_err(message)
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
