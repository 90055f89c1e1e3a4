//! `cardgen.generate`: the library's one write path (`cardgen::generate`),
//! run on a thread of its own while the calling thread, without the GIL,
//! waits for it, looks for signals and reports progress every 100 ms.
//! Ctrl-C stops the run, which removes its partial files before
//! `KeyboardInterrupt` is raised.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cardgen::{GenerateOptions, Progress};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{self, CardgenError};

/// How often the waiting thread looks for signals and reports progress.
const POLL: Duration = Duration::from_millis(100);

/// Rows planned and done, counted by the writer threads and read by the
/// waiting thread, which alone talks to Python.
#[derive(Default)]
struct Counts {
    planned: AtomicU64,
    rows: AtomicU64,
    bytes: AtomicU64,
}

impl Progress for Counts {
    fn planned(&self, rows: u64) {
        self.planned.store(rows, Ordering::Relaxed);
    }

    fn advanced(&self, _table: &str, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Writes the files `cardgen generate` writes for the same options; returns
/// `{"files": [{"table", "location", "rows", "bytes"}, …], "seconds": …}`.
/// `progress`, if given, is called as `progress(rows_done, rows_planned,
/// bytes_done)` from the calling thread while the run goes on.
#[pyfunction]
#[pyo3(signature = (options, progress = None))]
pub fn generate<'py>(
    py: Python<'py>,
    options: Vec<(String, String)>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    // The command line's hidden `table` (the benchmark's reference table) is
    // not an option of Python's.
    if let Some((key, _)) = options
        .iter()
        .find(|(k, _)| !GenerateOptions::KEYS.contains(&k.as_str()))
    {
        return Err(errors::library(cardgen::Error::UnknownOption {
            key: key.clone(),
            accepted: GenerateOptions::KEYS.join(", "),
        }));
    }
    let options = GenerateOptions::from_pairs(options).map_err(errors::library)?;
    options.validate().map_err(|e| errors::bad_input(&e))?;
    let stop = Arc::clone(options.cancel());
    let counts = Arc::new(Counts::default());
    let caller = std::thread::current();
    let worker = {
        let counts = Arc::clone(&counts);
        std::thread::Builder::new()
            .name("cardgen-generate".into())
            .spawn(move || {
                let outcome = cardgen::generate(&options, counts.as_ref());
                caller.unpark();
                outcome
            })?
    };
    let report = |progress: &Bound<'py, PyAny>| {
        progress.call1((
            counts.rows.load(Ordering::Relaxed),
            counts.planned.load(Ordering::Relaxed),
            counts.bytes.load(Ordering::Relaxed),
        ))
    };
    let mut interrupt = None;
    while !worker.is_finished() {
        py.detach(|| std::thread::park_timeout(POLL));
        // Signal handlers run here, on the main thread; Ctrl-C's raises.
        // So does a progress callback that raises: it stops the run too.
        // Once stopped, the run is only waited for: no more callbacks.
        if interrupt.is_some() {
            continue;
        }
        let checked = py
            .check_signals()
            .and_then(|()| progress.as_ref().map_or(Ok(()), |p| report(p).map(drop)));
        if let Err(err) = checked {
            stop.store(true, Ordering::Release);
            interrupt = Some(err);
        }
    }
    let outcome = worker
        .join()
        .map_err(|_| CardgenError::new_err("the generating thread panicked"))?;
    if let Some(err) = interrupt {
        return Err(err);
    }
    let written = outcome.map_err(errors::library)?;
    if let Some(progress) = &progress {
        report(progress)?;
    }
    let files = written
        .files
        .iter()
        .map(|file| {
            let entry = PyDict::new(py);
            entry.set_item("table", &file.table)?;
            entry.set_item("location", &file.location)?;
            entry.set_item("rows", file.rows)?;
            entry.set_item("bytes", file.bytes)?;
            Ok(entry)
        })
        .collect::<PyResult<Vec<_>>>()?;
    let summary = PyDict::new(py);
    summary.set_item("files", files)?;
    summary.set_item("seconds", written.elapsed.as_secs_f64())?;
    Ok(summary)
}
