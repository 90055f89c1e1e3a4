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
