//! Which years the holiday calendar covers, so that a date range beyond it
//! can be warned about rather than silently losing its holidays.

use chrono::{Datelike, NaiveDate};

use super::Profile;
use crate::date_range::DateRange;

/// `2024`, or `2024 to 2027`.
fn years(first: i32, last: i32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first} to {last}")
    }
}

impl Profile {
    /// The first and last year `holidays.dates` lists, or `None` if it lists
    /// none. Dates that do not parse (which validation refuses) are skipped.
    pub fn holiday_years(&self) -> Option<(i32, i32)> {
        self.holidays
            .dates
            .iter()
            .filter_map(|h| NaiveDate::parse_from_str(&h.date, "%Y-%m-%d").ok())
            .map(|d| d.year())
            .fold(None, |span, year| match span {
                None => Some((year, year)),
                Some((first, last)) => Some((first.min(year), last.max(year))),
            })
    }

    /// A one-line warning when `range` reaches years the holiday calendar
    /// does not list, whose days then get no holiday effects; `None` when the
    /// calendar covers the range, or lists no holidays at all (a market
    /// modelled without them).
    pub fn uncovered_years(&self, range: &DateRange) -> Option<String> {
        let (first, last) = self.holiday_years()?;
        let (start, end) = (range.start, range.end_inclusive());
        let (from, to) = (start.year(), end.year());
        let mut outside = Vec::new();
        if from < first {
            outside.push(years(from, to.min(first - 1)));
        }
        if to > last {
            outside.push(years(from.max(last + 1), to));
        }
        if outside.is_empty() {
            return None;
        }
        Some(format!(
            "the holiday calendar (holidays.dates) covers {}, but the date range \
             {start} to {end} is in {}: days in {} get no holiday effects",
            years(first, last),
            years(from, to),
            outside.join(" and "),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: &str, days: u32) -> DateRange {
        DateRange {
            start: NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap(),
            days,
        }
    }

    #[test]
    fn the_years_come_from_the_listed_dates() {
        let p = Profile::korean_default();
        let listed: Vec<i32> = p
            .holidays
            .dates
            .iter()
            .map(|h| h.date[..4].parse().unwrap())
            .collect();
        let expected = (*listed.iter().min().unwrap(), *listed.iter().max().unwrap());
        assert_eq!(p.holiday_years(), Some(expected));
        let mut none = p;
        none.holidays.dates.clear();
        assert_eq!(none.holiday_years(), None);
        assert_eq!(none.uncovered_years(&range("1999-01-01", 365)), None);
    }

    #[test]
    fn a_range_inside_the_calendar_gets_no_warning() {
        let p = Profile::korean_default();
        let (first, last) = p.holiday_years().unwrap();
        let whole = NaiveDate::from_ymd_opt(first, 1, 1).unwrap();
        let days = (NaiveDate::from_ymd_opt(last, 12, 31).unwrap() - whole).num_days() + 1;
        let covered = DateRange {
            start: whole,
            days: days as u32,
        };
        assert_eq!(p.uncovered_years(&covered), None);
    }

    #[test]
    fn a_range_beyond_the_calendar_names_the_years_covered_and_requested() {
        let p = Profile::korean_default();
        let (first, last) = p.holiday_years().unwrap();
        let after = DateRange {
            start: NaiveDate::from_ymd_opt(last, 7, 1).unwrap(),
            days: 365,
        };
        let warning = p.uncovered_years(&after).unwrap();
        let end = after.end_inclusive();
        assert_eq!(
            warning,
            format!(
                "the holiday calendar (holidays.dates) covers {first} to {last}, but the date \
                 range {last}-07-01 to {end} is in {last} to {}: days in {} get no holiday \
                 effects",
                last + 1,
                last + 1
            )
        );
        assert!(!warning.contains('\n'));

        let around = DateRange {
            start: NaiveDate::from_ymd_opt(first - 2, 12, 1).unwrap(),
            days: 365 * (last - first + 4) as u32,
        };
        let warning = p.uncovered_years(&around).unwrap();
        let end_year = around.end_inclusive().year();
        assert!(
            warning.ends_with(&format!(
                "days in {} to {} and {} to {end_year} get no holiday effects",
                first - 2,
                first - 1,
                last + 1
            )),
            "{warning}"
        );
    }
}
