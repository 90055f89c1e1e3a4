//! The writer thread: the only place that touches the output, and it only
//! appends bytes that workers have already encoded.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::credits::CreditReturn;
use crate::error::PipelineError;
use crate::files::{Piece, RollingFiles, WrittenFile};
use crate::progress::{BatchReport, Observer};

/// A batch as a producer hands it over.
pub(crate) struct Produced {
    pub index: u64,
    /// The batch's row groups: one, or one per partition it touches.
    pub outcome: Result<Vec<Piece>, PipelineError>,
    pub generate: Duration,
    pub encode: Duration,
    pub credit_wait: Duration,
}

/// Where finished batches go.
pub(crate) enum Destination<'a> {
    Files(Box<RollingFiles<'a>>),
    /// Benchmarks: count the batch and drop it.
    Discard,
}

/// What the writer did for one job: bytes kept (the files' size, or the
/// encoded bytes when discarding) and rows.
pub(crate) struct Written {
    pub bytes: u64,
    pub rows: u64,
    pub files: Vec<WrittenFile>,
}

/// One job as the writer sees it: how many batches, and who hears of them.
pub(crate) struct Step<'a> {
    pub batches: u64,
    pub observer: &'a dyn Observer,
}

/// Opens the destination of job `j`.
pub(crate) type Open<'d, 'p> = dyn Fn(usize) -> Result<Destination<'p>, PipelineError> + 'd;
/// Hears that job `j` is complete, its files committed.
pub(crate) type Done<'d> = dyn FnMut(usize, Written) -> Result<(), PipelineError> + 'd;

/// Appends every job's batches strictly in order (the jobs one after
/// another, the batches numbered run-wide), returning each batch's credit
/// once it is out of memory, and finishes each job's destination after its
/// last batch. Any error ends the loop at once; dropping an unfinished
/// output then removes its temporary file.
pub(crate) fn write_in_order(
    steps: &[Step<'_>],
    open: &Open<'_, '_>,
    done: &mut Done<'_>,
    results: &Receiver<Produced>,
    credits: CreditReturn,
    cancel: &AtomicBool,
) -> Result<(), PipelineError> {
    let mut parked: BTreeMap<u64, (Produced, Vec<Piece>)> = BTreeMap::new();
    let mut next = 0;
    for (job, step) in steps.iter().enumerate() {
        let mut destination = open(job)?;
        let mut written = Written {
            bytes: 0,
            rows: 0,
            files: Vec::new(),
        };
        for index in 0..step.batches {
            let (produced, pieces) = loop {
                if let Some(ready) = parked.remove(&next) {
                    break ready;
                }
                // Producers all gone before the last batch: only a
                // cancellation does that, since a failing producer sends its
                // error first.
                let Ok(mut produced) = results.recv() else {
                    return Err(PipelineError::Cancelled);
                };
                // A failure ends the run at once, whatever batch it belongs to.
                let pieces =
                    std::mem::replace(&mut produced.outcome, Err(PipelineError::Cancelled))?;
                parked.insert(produced.index, (produced, pieces));
                if cancel.load(Ordering::Acquire) {
                    return Err(PipelineError::Cancelled);
                }
            };
            let report = BatchReport {
                index,
                batches: step.batches,
                rows: pieces.iter().map(|p| p.group.rows).sum(),
                encoded_bytes: pieces.iter().map(|p| p.group.bytes).sum(),
                generate: produced.generate,
                encode: produced.encode,
                credit_wait: produced.credit_wait,
            };
            written.rows += report.rows;
            for piece in pieces {
                match &mut destination {
                    Destination::Files(files) => files.append(piece)?,
                    Destination::Discard => written.bytes += piece.group.bytes,
                }
            }
            tracing::debug!(
                target: "cardgen::pipeline",
                batch = report.index,
                of = report.batches,
                rows = report.rows,
                encoded_bytes = report.encoded_bytes,
                generate_ms = report.generate.as_millis() as u64,
                encode_ms = report.encode.as_millis() as u64,
                credit_wait_ms = report.credit_wait.as_millis() as u64,
                "batch written"
            );
            step.observer.batch_written(&report);
            // Only now is the batch gone from memory, so only now may another start.
            credits.release();
            next += 1;
        }
        if cancel.load(Ordering::Acquire) {
            return Err(PipelineError::Cancelled);
        }
        if let Destination::Files(files) = destination {
            written.files = files.finish()?;
            written.bytes = written.files.iter().map(|f| f.bytes).sum();
        }
        done(job, written)?;
    }
    Ok(())
}
