//! `cardgen.read` and `cardgen.schema`: one table of a dataset, whole or
//! part K of N exactly as `cardgen generate --parts N --part K` splits it,
//! streamed as a `pyarrow.RecordBatchReader`.

use std::ops::Range;

use arrow_array::{RecordBatchIterator, RecordBatchReader};
use arrow_pyarrow::{IntoPyArrow, ToPyArrow};
use arrow_schema::ArrowError;
use cardgen::{Dataset, Error, GenerateOptions, ReadOptions, Table};
use pyo3::prelude::*;

use crate::errors;

/// The options `read` takes besides the table: those of `generate` that
/// decide the rows, and how to stream them. `part` and `parts` pick a part.
pub const READ_KEYS: [&str; 14] = [
    "rows",
    "seed",
    "start",
    "days",
    "customers",
    "merchants",
    "config",
    "emit_pan",
    "pan_mask",
    "batch_rows",
    "threads",
    "max_in_flight",
    "part",
    "parts",
];

/// What to stream.
struct Request {
    dataset: Dataset,
    table: Table,
    rows: Range<u64>,
    options: ReadOptions,
}

fn request(py: Python<'_>, table: &str, options: &[(String, String)]) -> PyResult<Request> {
    if let Some((key, _)) = options
        .iter()
        .find(|(k, _)| !READ_KEYS.contains(&k.as_str()))
    {
        return Err(errors::library(Error::UnknownOption {
            key: key.clone(),
            accepted: READ_KEYS.join(", "),
        }));
    }
    let options = GenerateOptions::from_pairs(options.iter().map(|(k, v)| (k, v)))
        .map_err(errors::library)?;
    let table: Table = table.parse().map_err(|e| errors::bad_input(&e))?;
    let read = options.read_options().map_err(|e| errors::bad_input(&e))?;
    let spec = options.spec().clone();
    // Deriving the world can take a moment for large populations.
    let dataset = py.detach(|| spec.build()).map_err(errors::library)?;
    let rows = options
        .read_rows(dataset.rows(table))
        .map_err(|e| errors::bad_input(&e))?;
    Ok(Request {
        dataset,
        table,
        rows,
        options: read,
    })
}

/// Streams a table's rows as a `pyarrow.RecordBatchReader`.
#[pyfunction]
pub fn read<'py>(
    py: Python<'py>,
    table: &str,
    options: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyAny>> {
    let Request {
        dataset,
        table,
        rows,
        options,
    } = request(py, table, &options)?;
    let batches = dataset
        .batches(table, rows, &options)
        .map_err(errors::library)?;
    let schema = batches.schema();
    let batches = batches.map(|batch| batch.map_err(|e| ArrowError::ExternalError(Box::new(e))));
    let reader: Box<dyn RecordBatchReader + Send> =
        Box::new(RecordBatchIterator::new(batches, schema));
    reader.into_pyarrow(py)
}

/// The `pyarrow.Schema` of a table.
#[pyfunction]
pub fn schema<'py>(
    py: Python<'py>,
    table: &str,
    options: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyAny>> {
    let request = request(py, table, &options)?;
    let schema = request
        .dataset
        .schema(request.table)
        .map_err(errors::library)?;
    schema.as_ref().to_pyarrow(py)
}

/// The rows `read` would stream for the same arguments.
#[pyfunction]
pub fn num_rows(py: Python<'_>, table: &str, options: Vec<(String, String)>) -> PyResult<u64> {
    let request = request(py, table, &options)?;
    Ok(request.rows.end - request.rows.start)
}
