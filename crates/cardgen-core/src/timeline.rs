//! The timeline: where in the date range each row's timestamp falls.
//!
//! The range is cut into local hours, each weighted by the profile's hour-of-day
//! curve, day-of-week multiplier and payday effect. Laid end to end these
//! weights form a cumulative intensity; row `r` of `n` takes the quantile
//! `(r + u) / n` with `u` uniform in `[0, 1)` and maps it through the inverse of
//! that intensity. Because the quantiles of consecutive rows never decrease,
//! timestamps are non-decreasing across the whole file with no sorting, and a
//! batch can place its rows knowing only its first row index.

use chrono::{Datelike, NaiveDate};

use crate::date_range::DateRange;
use crate::profile::Profile;

pub const MICROS_PER_HOUR: i64 = 3_600_000_000;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// A point on the timeline, in local wall-clock microseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalMicros(pub i64);

impl LocalMicros {
    pub fn epoch_day(self) -> i64 {
        self.0.div_euclid(MICROS_PER_DAY)
    }

    pub fn hour(self) -> u32 {
        (self.0.rem_euclid(MICROS_PER_DAY) / MICROS_PER_HOUR) as u32
    }
}

/// The cumulative intensity over every local hour of a date range.
#[derive(Debug, Clone)]
pub struct Timeline {
    range: DateRange,
    start_local_micros: i64,
    utc_offset_micros: i64,
    /// `cumulative[h]` is the intensity before hour `h`; one more entry than hours.
    cumulative: Vec<f64>,
    total: f64,
}

impl Timeline {
    pub fn new(profile: &Profile, range: DateRange) -> Self {
        let hours = range.days as usize * 24;
        let hour_weights = profile.hour_weights();
        let calendar = Calendar::new(profile);
        let mut cumulative = Vec::with_capacity(hours + 1);
        cumulative.push(0.0);
        let mut total = 0.0;
        for day in 0..range.days {
            let date = range.start + chrono::Days::new(u64::from(day));
            let day_weight = calendar.day_weight(profile, date);
            for hour_weight in hour_weights {
                total += day_weight * hour_weight;
                cumulative.push(total);
            }
        }
        Self {
            range,
            start_local_micros: range.start_epoch_day() * MICROS_PER_DAY,
            utc_offset_micros: profile.utc_offset_seconds * 1_000_000,
            cumulative,
            total,
        }
    }

    pub fn range(&self) -> DateRange {
        self.range
    }

    /// Converts local wall-clock time to the UTC instant stored in files.
    pub fn to_utc_micros(&self, local: LocalMicros) -> i64 {
        local.0 - self.utc_offset_micros
    }

    /// The UTC instants of the range's start (inclusive) and end (exclusive).
    pub fn utc_bounds(&self) -> (i64, i64) {
        let end = self.start_local_micros + i64::from(self.range.days) * MICROS_PER_DAY;
        (
            self.to_utc_micros(LocalMicros(self.start_local_micros)),
            self.to_utc_micros(LocalMicros(end)),
        )
    }

    /// A cursor positioned at `quantile`, for walking forward through sorted quantiles.
    pub fn cursor_at(&self, quantile: f64) -> TimelineCursor<'_> {
        let target = quantile * self.total;
        // First hour whose end lies beyond the target.
        let hour = self.cumulative[1..].partition_point(|&end| end <= target);
        TimelineCursor {
            timeline: self,
            hour: hour.min(self.hours() - 1),
        }
    }

    /// The local time at `quantile`, for a single lookup.
    pub fn local_at(&self, quantile: f64) -> LocalMicros {
        self.cursor_at(quantile).local_at(quantile)
    }

    /// The quantile at which the timeline reaches local time `local`: the
    /// inverse of [`Self::local_at`], clamped to `[0, 1]`.
    pub fn quantile_of(&self, local: LocalMicros) -> f64 {
        let since_start = local.0 - self.start_local_micros;
        if since_start <= 0 {
            return 0.0;
        }
        let hour = (since_start / MICROS_PER_HOUR) as usize;
        if hour >= self.hours() {
            return 1.0;
        }
        let fraction = (since_start % MICROS_PER_HOUR) as f64 / MICROS_PER_HOUR as f64;
        let start = self.cumulative[hour];
        let width = self.cumulative[hour + 1] - start;
        ((start + fraction * width) / self.total).clamp(0.0, 1.0)
    }

    /// The local time at which the range starts (midnight of its first day).
    pub fn start_local(&self) -> LocalMicros {
        LocalMicros(self.start_local_micros)
    }

    /// The local time at which the range ends (exclusive).
    pub fn end_local(&self) -> LocalMicros {
        LocalMicros(self.start_local_micros + i64::from(self.range.days) * MICROS_PER_DAY)
    }

    fn hours(&self) -> usize {
        self.cumulative.len() - 1
    }
}

/// Maps non-decreasing quantiles to non-decreasing local times in amortised O(1).
pub struct TimelineCursor<'a> {
    timeline: &'a Timeline,
    hour: usize,
}

impl TimelineCursor<'_> {
    /// The local time at `quantile`; quantiles must not decrease between calls.
    #[inline]
    pub fn local_at(&mut self, quantile: f64) -> LocalMicros {
        let cumulative = &self.timeline.cumulative;
        let last_hour = cumulative.len() - 2;
        let target = quantile * self.timeline.total;
        while self.hour < last_hour && cumulative[self.hour + 1] <= target {
            self.hour += 1;
        }
        let start = cumulative[self.hour];
        let width = cumulative[self.hour + 1] - start;
        let fraction = ((target - start) / width).clamp(0.0, 1.0 - f64::EPSILON);
        let within = (fraction * MICROS_PER_HOUR as f64) as i64;
        LocalMicros(self.timeline.start_local_micros + self.hour as i64 * MICROS_PER_HOUR + within)
    }
}

/// Day-level effects: weekday, payday, public holidays and the eves of major ones.
struct Calendar {
    holidays: Vec<NaiveDate>,
    major: Vec<NaiveDate>,
}

impl Calendar {
    fn new(profile: &Profile) -> Self {
        let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        let dates = &profile.holidays.dates;
        Self {
            holidays: dates.iter().filter_map(|h| parse(&h.date)).collect(),
            major: dates
                .iter()
                .filter(|h| h.major)
                .filter_map(|h| parse(&h.date))
                .collect(),
        }
    }

    fn day_weight(&self, profile: &Profile, date: NaiveDate) -> f64 {
        let mut weight = profile.weekday_weights[date.weekday().num_days_from_monday() as usize];
        let payday = &profile.payday;
        if (payday.first_day..=payday.last_day).contains(&date.day()) {
            weight *= payday.multiplier;
        }
        let holidays = &profile.holidays;
        if self.holidays.contains(&date) {
            weight *= holidays.holiday_multiplier;
        } else if self.major.iter().any(|&m| {
            let before = (m - date).num_days();
            (1..=i64::from(holidays.eve_days)).contains(&before)
        }) {
            weight *= holidays.eve_multiplier;
        }
        weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(days: u32) -> Timeline {
        let range = DateRange {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            days,
        };
        Timeline::new(&Profile::korean_default(), range)
    }

    #[test]
    fn quantiles_map_monotonically_into_the_range() {
        let timeline = timeline(31);
        let mut cursor = timeline.cursor_at(0.0);
        let n = 100_000;
        let mut previous = LocalMicros(i64::MIN);
        let first = LocalMicros(timeline.range().start_epoch_day() * MICROS_PER_DAY);
        for r in 0..n {
            let t = cursor.local_at((r as f64 + 0.5) / n as f64);
            assert!(t >= previous && t >= first);
            assert!(t.0 < first.0 + 31 * MICROS_PER_DAY);
            previous = t;
        }
    }

    #[test]
    fn a_cursor_started_mid_range_agrees_with_one_that_walked_there() {
        let timeline = timeline(10);
        let mut walker = timeline.cursor_at(0.0);
        for q in [0.1, 0.37, 0.5, 0.99] {
            assert_eq!(walker.local_at(q), timeline.cursor_at(q).local_at(q));
        }
    }

    #[test]
    fn busy_hours_get_more_rows_than_night_hours() {
        let timeline = timeline(7);
        let mut cursor = timeline.cursor_at(0.0);
        let mut per_hour = [0u32; 24];
        let n = 200_000;
        for r in 0..n {
            per_hour[cursor.local_at(r as f64 / n as f64).hour() as usize] += 1;
        }
        let weights = Profile::korean_default().hour_weights();
        let expected = weights[12] / weights[4];
        let ratio = f64::from(per_hour[12]) / f64::from(per_hour[4]);
        assert!(
            (ratio / expected - 1.0).abs() < 0.1,
            "noon/4am ratio {ratio}, expected {expected}"
        );
    }

    #[test]
    fn quantile_of_inverts_local_at() {
        let timeline = timeline(20);
        for q in [0.0, 0.001, 0.25, 0.5, 0.731, 0.999] {
            let back = timeline.quantile_of(timeline.local_at(q));
            assert!((back - q).abs() < 1e-9, "{q} came back as {back}");
        }
        assert_eq!(timeline.quantile_of(timeline.end_local()), 1.0);
        assert_eq!(timeline.quantile_of(LocalMicros(i64::MIN / 2)), 0.0);
    }

    #[test]
    fn utc_is_local_minus_the_offset() {
        let timeline = timeline(1);
        let (start, end) = timeline.utc_bounds();
        assert_eq!(end - start, MICROS_PER_DAY);
        assert_eq!(
            start,
            timeline.range().start_epoch_day() * MICROS_PER_DAY - 9 * MICROS_PER_HOUR
        );
    }
}
