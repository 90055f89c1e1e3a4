//! `cardgen.read` and `cardgen.schema`: one table of a dataset, whole, part
//! K of N exactly as `cardgen generate --parts N --part K` splits it, or a
//! row range, streamed as a `pyarrow.RecordBatchReader`; and the dataset's
//! timeline (`rows_before`, `utc_range`), by which a live reader paces itself.

use std::ops::Range;

use arrow_array::{RecordBatchIterator, RecordBatchReader};
use arrow_pyarrow::{IntoPyArrow, ToPyArrow};
use arrow_schema::ArrowError;
use cardgen::{Dataset, Error, GenerateOptions, ReadOptions, Setting, SpecError, Table};
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

/// The options checked: none that `read` does not take, each value parsed.
fn parse(options: &[(String, String)]) -> PyResult<GenerateOptions> {
    if let Some((key, _)) = options
        .iter()
        .find(|(k, _)| !READ_KEYS.contains(&k.as_str()))
    {
        return Err(errors::library(Error::UnknownOption {
            key: key.clone(),
            accepted: READ_KEYS.join(", "),
        }));
    }
    GenerateOptions::from_pairs(options.iter().map(|(k, v)| (k, v))).map_err(errors::library)
}

/// The dataset the options describe.
fn build(py: Python<'_>, options: &GenerateOptions) -> PyResult<Dataset> {
    let spec = options.spec().clone();
    // Deriving the world can take a moment for large populations.
    py.detach(|| spec.build()).map_err(errors::library)
}

fn request(
    py: Python<'_>,
    table: &str,
    options: &[(String, String)],
    row_range: Option<(i128, i128)>,
) -> PyResult<Request> {
    let options = parse(options)?;
    let table: Table = table.parse().map_err(|e| errors::bad_input(&e))?;
    let read = options.read_options().map_err(|e| errors::bad_input(&e))?;
    let dataset = build(py, &options)?;
    let rows = match row_range {
        None => options
            .read_rows(dataset.rows(table))
            .map_err(|e| errors::bad_input(&e))?,
        Some(range) => rows_of(&dataset, table, range, &options, read.batch_rows)?,
    };
    Ok(Request {
        dataset,
        table,
        rows,
        options: read,
    })
}

/// The rows `row_range = (start, end)` asks of `table`: without a part, and
/// within the table (the library's plan checks that). The bounds arrive as
/// `i128` so that a negative one is a `ValueError` naming `row_range`, not
/// PyO3's `OverflowError`.
fn rows_of(
    dataset: &Dataset,
    table: Table,
    (start, end): (i128, i128),
    options: &GenerateOptions,
    batch_rows: u64,
) -> PyResult<Range<u64>> {
    let invalid = |reason: String| {
        errors::bad_input(&SpecError::Invalid {
            setting: Setting::RowRange,
            value: format!("{start}..{end}"),
            reason,
        })
    };
    if options.part() != (None, None) {
        return Err(invalid(
            "give either a row range or `part` and `parts`, not both".into(),
        ));
    }
    let (Ok(first), Ok(last)) = (u64::try_from(start), u64::try_from(end)) else {
        return Err(invalid(format!(
            "rows are numbered from 0; {table} has rows 0..{}",
            dataset.rows(table)
        )));
    };
    dataset
        .plan(table, first..last, batch_rows)
        .map_err(errors::library)?;
    Ok(first..last)
}

/// Streams a table's rows (all, a part, or `row_range`, a `(start, end)`
/// pair) as a `pyarrow.RecordBatchReader`.
#[pyfunction]
#[pyo3(signature = (table, options, row_range=None))]
pub fn read<'py>(
    py: Python<'py>,
    table: &str,
    options: Vec<(String, String)>,
    row_range: Option<(i128, i128)>,
) -> PyResult<Bound<'py, PyAny>> {
    let Request {
        dataset,
        table,
        rows,
        options,
    } = request(py, table, &options, row_range)?;
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
    let request = request(py, table, &options, None)?;
    let schema = request
        .dataset
        .schema(request.table)
        .map_err(errors::library)?;
    schema.as_ref().to_pyarrow(py)
}

/// The rows `read` would stream for the same arguments.
#[pyfunction]
#[pyo3(signature = (table, options, row_range=None))]
pub fn num_rows(
    py: Python<'_>,
    table: &str,
    options: Vec<(String, String)>,
    row_range: Option<(i128, i128)>,
) -> PyResult<u64> {
    let request = request(py, table, &options, row_range)?;
    Ok(request.rows.end - request.rows.start)
}

/// How many `transactions` rows fall before the instant `utc_micros`
/// (`Dataset::rows_before`): a live reader's offset after some event time.
#[pyfunction]
pub fn rows_before(
    py: Python<'_>,
    utc_micros: i64,
    options: Vec<(String, String)>,
) -> PyResult<u64> {
    Ok(build(py, &parse(&options)?)?.rows_before(utc_micros))
}

/// The dataset's first instant and the instant after its last day, as UTC
/// microseconds (`Dataset::utc_range`).
#[pyfunction]
pub fn utc_range(py: Python<'_>, options: Vec<(String, String)>) -> PyResult<(i64, i64)> {
    Ok(build(py, &parse(&options)?)?.utc_range())
}
