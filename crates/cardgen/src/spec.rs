//! The dataset specification: everything that decides a dataset's rows.
//!
//! A [`DatasetSpec`] holds the seed, the row count, the date range, the
//! population sizes, the scenario and the card-number options. Two equal
//! specifications give byte-identical data on any machine and with any
//! number of threads. Setters take any value; [`DatasetSpec::validate`]
//! (called by [`DatasetSpec::build`]) refuses what cannot work, naming the
//! setting; [`DatasetSpec::build`] then derives the [`Dataset`](crate::Dataset).

use cardgen_core::DateRange;
use cardgen_core::pan::PanMask;
use cardgen_core::world::max_days;
use chrono::NaiveDate;

use crate::scenario::Scenario;
use crate::setting::{Setting, SpecError};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;
/// Transactions in a dataset when no row count is given.
pub const DEFAULT_ROWS: u64 = 10_000_000;
/// Days in the date range when none is given.
pub const DEFAULT_DAYS: u32 = 365;
/// The longest date range accepted, before the card-validity limit.
pub const MAX_DAYS: u32 = 3_650;
/// The largest customer or merchant population accepted.
pub const MAX_POPULATION: u64 = 100_000_000;

/// The first day of the date range when none is given: 2025-01-01.
pub fn default_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("a valid date")
}

/// What a dataset is made of; see the module docs.
///
/// ```
/// use cardgen::{DatasetSpec, Setting};
///
/// let spec = DatasetSpec::default().with_rows(1_000).with_days(0);
/// let err = spec.validate().unwrap_err();
/// assert_eq!(err.setting(), Setting::Days);
/// assert!(err.to_string().starts_with("days = 0"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSpec {
    seed: u64,
    rows: u64,
    start: NaiveDate,
    days: u32,
    customers: Option<u64>,
    merchants: Option<u64>,
    scenario: Scenario,
    emit_pan: bool,
    pan_mask: PanMask,
    /// Date ranges appended after the first, in order.
    appended: Vec<AppendedRange>,
}

/// A date range appended to a dataset, and its transactions: the same
/// world (seed, population, scenario) over the next days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendedRange {
    pub start: NaiveDate,
    pub days: u32,
    pub rows: u64,
}

impl AppendedRange {
    pub fn range(&self) -> DateRange {
        DateRange {
            start: self.start,
            days: self.days,
        }
    }
}

impl Default for DatasetSpec {
    /// 10M transactions over 2025, seed 42, the built-in Korean scenario,
    /// population sizes derived from the rows, no full card numbers.
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            rows: DEFAULT_ROWS,
            start: default_start(),
            days: DEFAULT_DAYS,
            customers: None,
            merchants: None,
            scenario: Scenario::built_in(),
            emit_pan: false,
            pan_mask: PanMask::default(),
            appended: Vec::new(),
        }
    }
}

impl DatasetSpec {
    /// The default specification with `rows` transactions.
    pub fn new(rows: u64) -> Self {
        Self::default().with_rows(rows)
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Transactions in the fact table (also drives the default population).
    pub fn with_rows(mut self, rows: u64) -> Self {
        self.rows = rows;
        self
    }

    /// The first local day of the date range.
    pub fn with_start(mut self, start: NaiveDate) -> Self {
        self.start = start;
        self
    }

    /// Days in the date range (1 to [`MAX_DAYS`], and no longer than cards stay valid).
    pub fn with_days(mut self, days: u32) -> Self {
        self.days = days;
        self
    }

    /// A fixed number of customers instead of the profile's formula.
    pub fn with_customers(mut self, customers: Option<u64>) -> Self {
        self.customers = customers;
        self
    }

    /// A fixed number of merchants instead of the profile's formula.
    pub fn with_merchants(mut self, merchants: Option<u64>) -> Self {
        self.merchants = merchants;
        self
    }

    pub fn with_scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// Whether `cards.pan` holds full card numbers.
    pub fn with_emit_pan(mut self, emit_pan: bool) -> Self {
        self.emit_pan = emit_pan;
        self
    }

    /// How `cards.pan_masked` shows card numbers.
    pub fn with_pan_mask(mut self, pan_mask: PanMask) -> Self {
        self.pan_mask = pan_mask;
        self
    }

    /// Date ranges appended after the first (which the other settings
    /// describe), in order: the dataset then covers them all, and its
    /// `transactions` generator writes the last.
    pub fn with_appended(mut self, appended: Vec<AppendedRange>) -> Self {
        self.appended = appended;
        self
    }

    /// The date ranges appended after the first.
    pub fn appended(&self) -> &[AppendedRange] {
        &self.appended
    }

    /// The last date range: the first, unless ranges were appended.
    pub fn last_range(&self) -> DateRange {
        self.appended.last().map_or(self.range(), |a| a.range())
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn days(&self) -> u32 {
        self.days
    }

    pub fn customers(&self) -> Option<u64> {
        self.customers
    }

    pub fn merchants(&self) -> Option<u64> {
        self.merchants
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn emit_pan(&self) -> bool {
        self.emit_pan
    }

    pub fn pan_mask(&self) -> PanMask {
        self.pan_mask
    }

    /// The date range the specification covers.
    pub fn range(&self) -> DateRange {
        DateRange {
            start: self.start,
            days: self.days,
        }
    }

    /// Checks every setting; the error names the first one that cannot work.
    pub fn validate(&self) -> Result<(), SpecError> {
        if !(1..=MAX_DAYS).contains(&self.days) {
            return Err(SpecError::out_of_range(
                Setting::Days,
                self.days,
                &format!("1 to {MAX_DAYS}"),
            ));
        }
        if self
            .start
            .checked_add_days(chrono::Days::new(u64::from(self.days)))
            .is_none()
        {
            return Err(SpecError::PastLastDate {
                start: self.start,
                days: self.days,
            });
        }
        for (setting, value) in [
            (Setting::Customers, self.customers),
            (Setting::Merchants, self.merchants),
        ] {
            if let Some(n) = value
                && !(1..=MAX_POPULATION).contains(&n)
            {
                return Err(SpecError::out_of_range(
                    setting,
                    n,
                    &format!("1 to {MAX_POPULATION}"),
                ));
            }
        }
        let profile = self.scenario.profile();
        let max_days = max_days(profile);
        if self.days > max_days {
            return Err(SpecError::LongerThanCardValidity {
                days: self.days,
                max_days,
                validity_years: profile.cards.validity_years,
            });
        }
        let mut before = self.range();
        for appended in &self.appended {
            check_appended(appended, before, max_days)?;
            before = appended.range();
        }
        Ok(())
    }
}

/// An appended range: as long as a first range may be, starting after
/// the range before it, with at least one row.
fn check_appended(
    appended: &AppendedRange,
    before: DateRange,
    max_days: u32,
) -> Result<(), SpecError> {
    let longest = max_days.min(MAX_DAYS);
    if !(1..=longest).contains(&appended.days) {
        return Err(SpecError::out_of_range(
            Setting::Days,
            appended.days,
            &format!("1 to {longest}"),
        ));
    }
    let last = before.end_inclusive();
    if appended.start <= last {
        return Err(SpecError::Invalid {
            setting: Setting::Start,
            value: appended.start.to_string(),
            reason: format!(
                "the range before ends on {last}: an appended range starts on {} or later",
                last + chrono::Days::new(1)
            ),
        });
    }
    if appended
        .start
        .checked_add_days(chrono::Days::new(u64::from(appended.days)))
        .is_none()
    {
        return Err(SpecError::PastLastDate {
            start: appended.start,
            days: appended.days,
        });
    }
    if appended.rows == 0 {
        return Err(SpecError::out_of_range(Setting::Rows, 0, "1 or more"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting_of(spec: DatasetSpec) -> Setting {
        spec.validate().unwrap_err().setting()
    }

    #[test]
    fn the_default_is_valid() {
        DatasetSpec::default().validate().unwrap();
    }

    #[test]
    fn each_rule_names_its_setting() {
        let spec = DatasetSpec::new(1_000);
        assert_eq!(setting_of(spec.clone().with_days(0)), Setting::Days);
        assert_eq!(
            setting_of(spec.clone().with_days(MAX_DAYS + 1)),
            Setting::Days
        );
        assert_eq!(setting_of(spec.clone().with_days(2_000)), Setting::Days);
        assert_eq!(
            setting_of(spec.clone().with_start(NaiveDate::MAX)),
            Setting::Start
        );
        assert_eq!(
            setting_of(spec.clone().with_customers(Some(0))),
            Setting::Customers
        );
        assert_eq!(
            setting_of(spec.clone().with_merchants(Some(MAX_POPULATION + 1))),
            Setting::Merchants
        );
    }

    #[test]
    fn an_appended_range_starts_after_the_one_before_and_has_rows() {
        let january = DatasetSpec::new(1_000).with_days(31);
        let february = |start: &str, days, rows| AppendedRange {
            start: start.parse().unwrap(),
            days,
            rows,
        };
        let ok = january
            .clone()
            .with_appended(vec![february("2025-02-01", 28, 500)]);
        ok.validate().unwrap();
        assert_eq!(ok.last_range().start.to_string(), "2025-02-01");
        let overlapping = january
            .clone()
            .with_appended(vec![february("2025-01-31", 28, 500)]);
        let err = overlapping.validate().unwrap_err();
        assert_eq!(err.setting(), Setting::Start);
        assert!(
            err.to_string().contains("starts on 2025-02-01 or later"),
            "{err}"
        );
        let empty = january
            .clone()
            .with_appended(vec![february("2025-02-01", 28, 0)]);
        assert_eq!(setting_of(empty), Setting::Rows);
        let no_days = january.with_appended(vec![february("2025-02-01", 0, 5)]);
        assert_eq!(setting_of(no_days), Setting::Days);
    }

    #[test]
    fn the_longest_range_follows_the_card_validity_of_the_profile() {
        let spec = DatasetSpec::new(1_000);
        let longest = max_days(spec.scenario().profile());
        spec.clone().with_days(longest).validate().unwrap();
        let err = spec.with_days(longest + 1).validate().unwrap_err();
        assert!(
            matches!(err, SpecError::LongerThanCardValidity { .. }),
            "{err}"
        );
    }
}
