//! The batch plan: how a table's rows are cut into batches.
//!
//! Batch `i` always covers rows `[i * batch_rows, min((i + 1) * batch_rows, total))`
//! whatever the thread count, and each batch becomes one Parquet row group.
//! Batch boundaries, not threads, are what the output depends on.
//!
//! A plan may also cover a sub-range `[first, end)` of a table (a part of a
//! dataset, or a slice streamed to a reader): its batches then start at
//! `first`, and rows keep their global index, so the values are those of the
//! whole table.

use crate::error::CoreError;

/// One batch: its index and the global rows it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSpec {
    pub index: u64,
    pub first_row: u64,
    pub rows: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPlan {
    first_row: u64,
    end_row: u64,
    batch_rows: u64,
}

impl BatchPlan {
    /// Rows `[0, total_rows)` in batches of `batch_rows`.
    pub fn new(total_rows: u64, batch_rows: u64) -> Result<Self, CoreError> {
        Self::range(0, total_rows, batch_rows)
    }

    /// Rows `[first_row, end_row)` in batches of `batch_rows`, the first
    /// starting at `first_row`.
    pub fn range(first_row: u64, end_row: u64, batch_rows: u64) -> Result<Self, CoreError> {
        if batch_rows == 0 {
            return Err(CoreError::InvalidOptions(
                "rows per batch must be at least 1".into(),
            ));
        }
        if end_row < first_row {
            return Err(CoreError::InvalidOptions(format!(
                "the row range {first_row}..{end_row} ends before it starts"
            )));
        }
        Ok(Self {
            first_row,
            end_row,
            batch_rows,
        })
    }

    /// Rows the plan covers.
    pub fn total_rows(&self) -> u64 {
        self.end_row - self.first_row
    }

    /// The global index of the plan's first row.
    pub fn first_row(&self) -> u64 {
        self.first_row
    }

    pub fn batch_rows(&self) -> u64 {
        self.batch_rows
    }

    pub fn batch_count(&self) -> u64 {
        self.total_rows().div_ceil(self.batch_rows)
    }

    /// The batch at `index`; `index` must be below [`Self::batch_count`].
    pub fn batch(&self, index: u64) -> BatchSpec {
        debug_assert!(index < self.batch_count());
        let first_row = self.first_row + index * self.batch_rows;
        BatchSpec {
            index,
            first_row,
            rows: self.batch_rows.min(self.end_row - first_row),
        }
    }

    pub fn batches(&self) -> impl Iterator<Item = BatchSpec> + '_ {
        (0..self.batch_count()).map(|i| self.batch(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_row_once() {
        for (total, per_batch) in [(0, 5), (1, 5), (10, 5), (11, 5), (999_999, 65_536)] {
            let plan = BatchPlan::new(total, per_batch).unwrap();
            let mut next = 0;
            for batch in plan.batches() {
                assert_eq!(batch.first_row, next);
                assert!(batch.rows >= 1 && batch.rows <= per_batch);
                next += batch.rows;
            }
            assert_eq!(next, total);
        }
    }

    #[test]
    fn a_range_plan_keeps_global_row_indices() {
        let plan = BatchPlan::range(1_000, 2_050, 500).unwrap();
        let batches: Vec<_> = plan
            .batches()
            .map(|b| (b.index, b.first_row, b.rows))
            .collect();
        assert_eq!(batches, [(0, 1_000, 500), (1, 1_500, 500), (2, 2_000, 50)]);
        assert_eq!(plan.total_rows(), 1_050);
        assert!(BatchPlan::range(10, 5, 1).is_err());
    }

    #[test]
    fn zero_rows_per_batch_is_refused() {
        assert!(BatchPlan::new(10, 0).is_err());
    }
}
