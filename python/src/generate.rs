//! `cardgen.generate`: the command line's `generate`, run on a thread of
//! its own while the calling thread, without the GIL, waits for it and
//! looks for signals every 100 ms. Ctrl-C stops the run, which removes its
//! partial files before `KeyboardInterrupt` is raised.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cardgen_cli::embed::{self, generate_args};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{self, CardgenError};

/// How often the waiting thread looks for signals.
const POLL: Duration = Duration::from_millis(100);

/// Writes the files `cardgen generate` writes for the same options; returns
/// `{"files": [{"table", "location", "rows", "bytes"}, …], "seconds": …}`.
#[pyfunction]
pub fn generate<'py>(
    py: Python<'py>,
    options: Vec<(String, String)>,
) -> PyResult<Bound<'py, PyDict>> {
    let args = generate_args(&options).map_err(errors::embed)?;
    let stop = Arc::new(AtomicBool::new(false));
    let caller = std::thread::current();
    let worker = {
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("cardgen-generate".into())
            .spawn(move || {
                let outcome = embed::generate(&args, stop);
                caller.unpark();
                outcome
            })?
    };
    let mut interrupt = None;
    while !worker.is_finished() {
        py.detach(|| std::thread::park_timeout(POLL));
        // Signal handlers run here, on the main thread; Ctrl-C's raises.
        if interrupt.is_none()
            && let Err(err) = py.check_signals()
        {
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
    let written = outcome.map_err(errors::embed)?;
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
