//! Fault injection for tests, in debug builds only: `CARDGEN_FAULT` wraps the
//! generator so that a test can make a producer panic or slow batches down
//! (to signal or kill a run in the middle). Release builds ignore it.
//!
//! - `panic-at-batch:N` — the producer of batch N panics.
//! - `slow-batches:MS` — every batch takes at least MS milliseconds longer.

use std::sync::Arc;

use cardgen::options::GeneratorWrapper;
use cardgen_core::arrow_array::RecordBatch;
use cardgen_core::arrow_schema::SchemaRef;
use cardgen_core::{BatchSpec, CoreError, TableGenerator};

pub const FAULT_ENV: &str = "CARDGEN_FAULT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    PanicAtBatch(u64),
    SlowBatches(u64),
}

/// The fault requested in the environment, in debug builds.
pub fn from_env() -> Option<Fault> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let spec = std::env::var(FAULT_ENV).ok()?;
    let (kind, value) = spec.split_once(':')?;
    let value = value.parse().ok()?;
    match kind {
        "panic-at-batch" => Some(Fault::PanicAtBatch(value)),
        "slow-batches" => Some(Fault::SlowBatches(value)),
        _ => None,
    }
}

/// Wraps each generator of a run with `fault` (the library's hook for it).
pub fn wrapper(fault: Fault) -> GeneratorWrapper {
    Arc::new(move |inner| Arc::new(Faulty { inner, fault }) as Arc<dyn TableGenerator>)
}

/// A generator with a fault injected.
pub struct Faulty {
    pub inner: Arc<dyn TableGenerator>,
    pub fault: Fault,
}

impl TableGenerator for Faulty {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        match self.fault {
            Fault::PanicAtBatch(index) if index == batch.index => {
                panic!("injected fault: panic at batch {index}")
            }
            Fault::SlowBatches(ms) => std::thread::sleep(std::time::Duration::from_millis(ms)),
            Fault::PanicAtBatch(_) => {}
        }
        self.inner.generate(batch)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        self.inner.metadata()
    }

    fn high_cardinality_columns(&self) -> &[&str] {
        self.inner.high_cardinality_columns()
    }

    fn sorted_columns(&self) -> &[&str] {
        self.inner.sorted_columns()
    }

    fn generates_in_slices(&self) -> bool {
        self.inner.generates_in_slices()
    }
}
