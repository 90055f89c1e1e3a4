//! The limits a run must fit: batches in flight within a memory budget, and
//! Parquet's cap on row groups per file.
//!
//! A batch in flight costs about [`BYTES_PER_ROW_IN_FLIGHT`] per row while it
//! is generated and encoded (Arrow columns plus encoded pages); measured with
//! `scripts/bench/measure_memory.sh`. Peak memory is therefore about
//! `credits × batch rows × 64 B`, whatever the row count is, plus what
//! grows with the dataset rather than with a batch: the Parquet footer of a
//! single file (its row groups' metadata) and the fraud plan (its cases and
//! the rows they claim).

use crate::credits::default_credits;

/// Memory a batch holds per row while it is generated and encoded.
pub const BYTES_PER_ROW_IN_FLIGHT: u64 = 64;
/// Most row groups a Parquet file may have: they are numbered with a 16-bit ordinal.
pub const MAX_ROW_GROUPS: u64 = i16::MAX as u64;
/// Largest batch: bigger ones would break the memory bound of ~512 MB.
pub const MAX_BATCH_ROWS: u64 = 4_000_000;

/// A run that does not fit its limits. Messages name the settings by their
/// library keys (`batch_rows`, `max_in_flight`, `max_memory`); front ends say
/// them in their own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// An explicit number of batches in flight does not fit the budget.
    #[error(
        "max_in_flight = {credits} with batch_rows = {batch_rows} needs about {needed_mb} MB, over max_memory = {budget_mb} MB"
    )]
    InFlightOverBudget {
        credits: usize,
        batch_rows: u64,
        needed_mb: u64,
        budget_mb: u64,
    },
    /// Not even one batch fits the budget.
    #[error(
        "batch_rows = {batch_rows} needs about {per_batch_mb} MB per batch, over max_memory = {budget_mb} MB"
    )]
    BatchOverBudget {
        batch_rows: u64,
        per_batch_mb: u64,
        budget_mb: u64,
    },
    /// The file would need more row groups than Parquet allows.
    #[error(
        "batch_rows = {batch_rows} gives {batches} row groups for {rows} rows; a Parquet file holds at most {MAX_ROW_GROUPS}: at least {min_batch_rows} rows per batch are needed"
    )]
    TooManyRowGroups {
        rows: u64,
        batch_rows: u64,
        batches: u64,
        min_batch_rows: u64,
    },
}

fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1_000_000)
}

/// Credits for a run. An explicit `max_in_flight` must fit the budget; the
/// default (2 per thread) shrinks to fit it, down to one batch.
pub fn credits_for(
    threads: usize,
    batch_rows: u64,
    max_in_flight: Option<usize>,
    budget_bytes: u64,
) -> Result<usize, BudgetError> {
    let per_batch = batch_rows.saturating_mul(BYTES_PER_ROW_IN_FLIGHT);
    if let Some(credits) = max_in_flight {
        let needed = per_batch.saturating_mul(credits as u64);
        if needed > budget_bytes {
            return Err(BudgetError::InFlightOverBudget {
                credits,
                batch_rows,
                needed_mb: megabytes(needed),
                budget_mb: megabytes(budget_bytes),
            });
        }
        return Ok(credits);
    }
    let fitting = budget_bytes / per_batch.max(1);
    if fitting == 0 {
        return Err(BudgetError::BatchOverBudget {
            batch_rows,
            per_batch_mb: megabytes(per_batch),
            budget_mb: megabytes(budget_bytes),
        });
    }
    Ok(default_credits(threads).min(fitting as usize))
}

/// Checks that `rows` in batches of `batch_rows` fit in one Parquet file.
pub fn check_row_groups(rows: u64, batch_rows: u64) -> Result<(), BudgetError> {
    let batches = rows.div_ceil(batch_rows.max(1));
    if batches > MAX_ROW_GROUPS {
        return Err(BudgetError::TooManyRowGroups {
            rows,
            batch_rows,
            batches,
            min_batch_rows: rows.div_ceil(MAX_ROW_GROUPS),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_two_per_thread_when_it_fits() {
        assert_eq!(credits_for(2, 500_000, None, 1_000_000_000), Ok(4));
    }

    #[test]
    fn the_default_shrinks_to_the_budget() {
        // 64 threads would want 128 batches of 32 MB; 1 GB holds 31.
        assert_eq!(credits_for(64, 500_000, None, 1_000_000_000).unwrap(), 31);
    }

    #[test]
    fn what_cannot_fit_is_refused_naming_the_settings() {
        let err = credits_for(2, 4_000_000, Some(8), 1_000_000_000).unwrap_err();
        assert!(matches!(
            err,
            BudgetError::InFlightOverBudget { credits: 8, .. }
        ));
        assert!(err.to_string().contains("max_in_flight"), "{err}");
        let err = credits_for(2, 4_000_000, None, 100_000_000).unwrap_err();
        assert!(matches!(err, BudgetError::BatchOverBudget { .. }));
    }

    #[test]
    fn a_file_holds_at_most_32767_row_groups() {
        assert!(check_row_groups(MAX_ROW_GROUPS * 10, 10).is_ok());
        let err = check_row_groups(MAX_ROW_GROUPS * 10 + 1, 10).unwrap_err();
        assert_eq!(
            err,
            BudgetError::TooManyRowGroups {
                rows: MAX_ROW_GROUPS * 10 + 1,
                batch_rows: 10,
                batches: MAX_ROW_GROUPS + 1,
                min_batch_rows: 11,
            }
        );
    }
}
