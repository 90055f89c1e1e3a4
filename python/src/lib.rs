//! `cardgen._cardgen`: the Rust side of the Python package `cardgen`.
//!
//! It is a thin skin over the `cardgen` library. Options arrive from the
//! Python layer as `(key, value)` strings under the library's own keys
//! (`cardgen::GenerateOptions::set`), which the command line's flags are
//! spellings of, so that Python gets the very datasets and files
//! `cardgen generate` makes for the same options:
//!
//! - [`read::read`] streams one table (or part K of N of it, or a row
//!   range) as a `pyarrow.RecordBatchReader` over Arrow's C stream
//!   interface: batches cross into Python without a copy, generated ahead
//!   on a thread pool that never holds the GIL;
//! - [`read::rows_before`] and [`read::utc_range`] tell how the dataset's
//!   rows spread over its event time, for a reader that paces itself;
//! - [`generate::generate`] writes files through the library's one write
//!   path (`cardgen::generate`), as `cardgen generate` does, with the GIL
//!   released, progress reported to a callback, and a clean stop on Ctrl-C.
//!
//! Bad options raise `ValueError` (`TypeError` for an option that does not
//! exist) with the library's message, which names the option by its key.

mod errors;
mod generate;
mod read;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _cardgen(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", cardgen::VERSION)?;
    m.add("CardgenError", m.py().get_type::<errors::CardgenError>())?;
    m.add("GENERATE_OPTIONS", cardgen::GenerateOptions::KEYS.to_vec())?;
    m.add("TABLES", cardgen::Table::ALL.map(|t| t.name()).to_vec())?;
    m.add("READ_OPTIONS", read::READ_KEYS.to_vec())?;
    m.add_function(wrap_pyfunction!(read::read, m)?)?;
    m.add_function(wrap_pyfunction!(read::schema, m)?)?;
    m.add_function(wrap_pyfunction!(read::num_rows, m)?)?;
    m.add_function(wrap_pyfunction!(read::rows_before, m)?)?;
    m.add_function(wrap_pyfunction!(read::utc_range, m)?)?;
    m.add_function(wrap_pyfunction!(generate::generate, m)?)?;
    Ok(())
}
