//! A dataset's date range, in local days.
//!
//! It lives outside [`crate::timeline`], which reads the profile, so that
//! the profile can speak of a range (which years its holiday calendar
//! covers) without importing a module that imports it back.

use chrono::NaiveDate;

/// A date range in local time: `days` whole days from local midnight of `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: NaiveDate,
    pub days: u32,
}

impl DateRange {
    /// Local midnight of the first day, in days since 1970-01-01.
    pub fn start_epoch_day(&self) -> i64 {
        self.start
            .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch"))
            .num_days()
    }

    /// The last day of the range (inclusive).
    pub fn end_inclusive(&self) -> NaiveDate {
        self.start + chrono::Days::new(u64::from(self.days.saturating_sub(1)))
    }
}

/// One date range of a dataset and the rows of `transactions` it holds.
///
/// A dataset starts with one range, the one its world is made from; each
/// append adds the next. Rows are numbered across ranges: range `k` holds
/// rows `first_row..first_row + rows`, so no two ranges share a row's
/// random stream (keyed by its number) and `txn_id` continues. Within its
/// range a row takes its time from the range's timeline, by its position
/// in the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetRange {
    pub range: DateRange,
    pub first_row: u64,
    pub rows: u64,
}

impl DatasetRange {
    /// The number of the row after the range's last.
    pub fn end_row(&self) -> u64 {
        self.first_row + self.rows
    }

    /// The ranges of a dataset: `first`, then each of `appended` (date range,
    /// rows) in order, numbered on. An appended range must start after the
    /// range before it ends.
    pub fn chain(
        first: (DateRange, u64),
        appended: &[(DateRange, u64)],
    ) -> Result<Vec<DatasetRange>, crate::CoreError> {
        let mut ranges = vec![DatasetRange {
            range: first.0,
            first_row: 0,
            rows: first.1,
        }];
        for &(range, rows) in appended {
            let before = ranges.last().expect("the first range");
            if range.start <= before.range.end_inclusive() {
                return Err(crate::CoreError::InvalidOptions(format!(
                    "an appended range starts on {}, inside the range before it (to {})",
                    range.start,
                    before.range.end_inclusive()
                )));
            }
            ranges.push(DatasetRange {
                range,
                first_row: before.end_row(),
                rows,
            });
        }
        Ok(ranges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(start: &str, days: u32) -> DateRange {
        DateRange {
            start: start.parse().unwrap(),
            days,
        }
    }

    #[test]
    fn appended_ranges_number_their_rows_on_from_the_range_before() {
        let ranges = DatasetRange::chain(
            (days("2025-01-01", 31), 1_000),
            &[(days("2025-02-01", 28), 500), (days("2025-03-10", 5), 7)],
        )
        .unwrap();
        let rows: Vec<_> = ranges.iter().map(|r| (r.first_row, r.end_row())).collect();
        assert_eq!(rows, [(0, 1_000), (1_000, 1_500), (1_500, 1_507)]);
    }

    #[test]
    fn an_appended_range_may_not_overlap_the_one_before() {
        let err = DatasetRange::chain(
            (days("2025-01-01", 31), 10),
            &[(days("2025-01-31", 28), 10)],
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("inside the range before it (to 2025-01-31)")
        );
    }
}
