//! The memory budget: how many batches may be in flight for a batch size.
//!
//! A batch in flight costs about [`BYTES_PER_ROW_IN_FLIGHT`] per row while it
//! is generated and encoded (Arrow columns plus encoded pages); measured with
//! `scripts/measure_memory.sh`. Peak memory is therefore about
//! `credits × batch rows × 64 B` plus the entity tables, whatever `--rows` is.

use crate::UsageError;

pub const BYTES_PER_ROW_IN_FLIGHT: u64 = 64;

/// Credits for a run. Explicit `--max-in-flight` must fit the budget; the
/// default (2 per thread) shrinks to fit it, down to one batch.
pub fn credits_for(
    threads: usize,
    batch_rows: u64,
    max_in_flight: Option<usize>,
    budget_bytes: u64,
) -> Result<usize, UsageError> {
    let per_batch = batch_rows.saturating_mul(BYTES_PER_ROW_IN_FLIGHT);
    let mb = |bytes: u64| bytes.div_ceil(1_000_000);
    if let Some(credits) = max_in_flight {
        let needed = per_batch.saturating_mul(credits as u64);
        if needed > budget_bytes {
            return Err(UsageError(format!(
                "--max-in-flight {credits} with --batch-rows {batch_rows} needs about {} MB, over --max-memory {} MB; lower one of them or raise --max-memory",
                mb(needed),
                mb(budget_bytes)
            )));
        }
        return Ok(credits);
    }
    let fitting = budget_bytes / per_batch.max(1);
    if fitting == 0 {
        return Err(UsageError(format!(
            "--batch-rows {batch_rows} needs about {} MB per batch, over --max-memory {} MB; lower --batch-rows or raise --max-memory",
            mb(per_batch),
            mb(budget_bytes)
        )));
    }
    Ok(cardgen_pipeline::credits::default_credits(threads).min(fitting as usize))
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
    fn what_cannot_fit_is_refused_naming_the_flags() {
        let err = credits_for(2, 4_000_000, Some(8), 1_000_000_000).unwrap_err();
        assert!(
            err.0.contains("--max-in-flight") && err.0.contains("--max-memory"),
            "{}",
            err.0
        );
        let err = credits_for(2, 4_000_000, None, 100_000_000).unwrap_err();
        assert!(err.0.contains("--batch-rows"), "{}", err.0);
    }
}
