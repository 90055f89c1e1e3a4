//! The contract between a table's generator and the pipeline that runs it.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::error::CoreError;
use crate::plan::BatchSpec;

/// Generates one table, batch by batch, statelessly.
///
/// `generate` must be a pure function of the generator's configuration and the
/// batch: the pipeline calls it from any thread, in any order, and relies on
/// the same batch always producing the same rows.
pub trait TableGenerator: Send + Sync {
    /// The table's name, e.g. `transactions`.
    fn name(&self) -> &str;
    fn schema(&self) -> SchemaRef;
    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError>;
    /// Key-value pairs that describe the table, for file metadata. The
    /// tables of a dataset say only what they are here; the `cardgen` crate
    /// records the dataset's specification beside it.
    fn metadata(&self) -> Vec<(String, String)>;
    /// Columns whose values are nearly all distinct, where dictionary
    /// encoding would cost time and save nothing (the writer delta-encodes
    /// such integers and strings' lengths instead).
    fn high_cardinality_columns(&self) -> &[&str] {
        &[]
    }
    /// Integer columns whose values rise steadily (ids, timestamps), where
    /// delta encoding stores a few bits per row instead of eight bytes.
    fn sorted_columns(&self) -> &[&str] {
        &[]
    }
    /// Whether generating a batch as consecutive slices (the same
    /// `index`, each slice's own `first_row` and `rows`) yields exactly the
    /// rows of the whole batch: true where a row depends on its position
    /// alone. The pipeline then generates and encodes a row group slice by
    /// slice and holds a slice of Arrow arrays in memory, not a batch.
    fn generates_in_slices(&self) -> bool {
        false
    }
}
