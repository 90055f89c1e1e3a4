//! Customers that change over time: moves, income bands and segments, each a
//! pure function of (seed, customer id, year).
//!
//! Time from the dataset's first day `A` is cut into years of 365 days: year
//! `k` holds days `A + 365k + 1 ..= A + 365(k + 1)`. In each year a customer
//! may move to another region, change income band (one band up or down) and
//! change segment (persona), each at most once, on a day drawn from the
//! customer's hash for that year. A customer's traits on day `d` are its
//! traits on day `A` (from [`crate::customers`]) with the changes of days up
//! to `d` applied: one hash per year to see whether anything changes, and no
//! table, whatever the population. Kinds touch different traits, so the
//! changes of one year may be applied in any order.
//!
//! What the changes affect: where a customer shops (regular and nearby
//! merchants follow the home and work regions), what it buys (the
//! persona's category mix) and how much (the persona × income band spend
//! multiplier). How often it shops stays with the customer's activity rank,
//! which is its position among the customers of its first persona.
//!
//! The tables that list the changes ([`tables`]) number their rows through
//! [`index::ChangeIndex`]: rows per customer, summed at checkpoints.

pub mod card_history;
pub mod card_tables;
pub mod cards;
pub mod index;
pub mod tables;

use crate::customers::{CustomerFacts, spend_table};
use crate::error::CoreError;
use crate::profile::Profile;
use crate::sampling::Categorical;
use crate::seed::{Domain, Salt, mix64, reduce, unit_f64};

/// Days in a year of changes.
pub const YEAR_DAYS: i64 = 365;

/// What a change changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeKind {
    Move = 0,
    Income = 1,
    Segment = 2,
}

const KINDS: [ChangeKind; 3] = [ChangeKind::Move, ChangeKind::Income, ChangeKind::Segment];

/// A customer's traits from a day on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerVersion {
    /// The local day the version starts: the dataset's first day for the
    /// first version, the day of a change for the others.
    pub day: i64,
    pub facts: CustomerFacts,
}

/// The change model of one dataset; see the module docs.
#[derive(Debug, Clone)]
pub struct CustomerChanges {
    salt: Salt,
    first_day: i64,
    /// `[kind]`: the year's probability × 2^16 (0 when the kind cannot change
    /// anything, such as a move in a profile of one region).
    thresholds: [u64; 3],
    income_up_share: f64,
    income_bands: u8,
    work_in_home_region_share: f64,
    regions: Categorical,
    personas: Categorical,
    spend: Vec<Vec<f32>>,
}

impl CustomerChanges {
    pub fn new(seed: u64, profile: &Profile, first_day: i64) -> Result<Self, CoreError> {
        let c = &profile.changes;
        let threshold = |rate: f64, choices: usize| {
            if choices < 2 {
                0
            } else {
                (rate * 65_536.0).round() as u64
            }
        };
        Ok(Self {
            salt: Salt::new(seed, Domain::CustomerChange),
            first_day,
            thresholds: [
                threshold(c.move_rate, profile.regions.len()),
                threshold(c.income_change_rate, profile.income_bands.len()),
                threshold(c.segment_change_rate, profile.personas.len()),
            ],
            income_up_share: c.income_up_share,
            income_bands: profile.income_bands.len() as u8,
            work_in_home_region_share: profile.population.work_in_home_region_share,
            regions: Categorical::new(
                "home regions",
                profile.regions.iter().map(|r| r.population_share),
            )?,
            personas: Categorical::new("personas", profile.personas.iter().map(|p| p.share))?,
            spend: spend_table(profile),
        })
    }

    /// The first day of the dataset: every customer's first version starts on it.
    pub fn first_day(&self) -> i64 {
        self.first_day
    }

    /// Customer `id`'s traits on local day `day`, from its traits `base` on
    /// the first day. Every purchase asks, so the common case, a year in
    /// which nothing changes, costs one hash and three comparisons.
    #[inline(always)]
    pub fn on(&self, id: u64, base: CustomerFacts, day: i64) -> CustomerFacts {
        if day <= self.first_day {
            return base;
        }
        let mut facts = base;
        for year in 0..=(day - self.first_day - 1) / YEAR_DAYS {
            let h = self.year_hash(id, year);
            if self.changes_in(h) {
                self.apply_year(h, year, day, &mut facts);
            }
        }
        facts
    }

    /// The hash of customer `id`'s changes in `year`.
    #[inline(always)]
    fn year_hash(&self, id: u64, year: i64) -> u64 {
        self.salt.key(id | (year as u64) << 40)
    }

    /// Whether a year whose hash is `h` changes anything.
    #[inline(always)]
    fn changes_in(&self, h: u64) -> bool {
        let [a, b, c] = self.thresholds;
        (h & 0xffff) < a || (h >> 16 & 0xffff) < b || (h >> 32 & 0xffff) < c
    }

    /// Applies the changes of `year` (hash `h`) made by day `day`.
    #[cold]
    #[inline(never)]
    fn apply_year(&self, h: u64, year: i64, day: i64, facts: &mut CustomerFacts) {
        for kind in KINDS {
            if let Some(at) = self.change_day(h, year, kind)
                && at <= day
            {
                self.apply(h, kind, facts);
            }
        }
        facts.spend = self.spend[usize::from(facts.persona)][usize::from(facts.income_band)];
    }

    /// The versions of customer `id` that start after day `after` and no
    /// later than day `through` (each change day is one version, whatever
    /// changed on it), into `out`, which is cleared first.
    pub fn versions(
        &self,
        id: u64,
        base: CustomerFacts,
        after: i64,
        through: i64,
        out: &mut Vec<CustomerVersion>,
    ) {
        out.clear();
        let mut changes = self.changes_through(id, through);
        changes.sort_unstable_by_key(|&(day, kind, _)| (day, kind as u8));
        let mut facts = base;
        for (day, kind, h) in changes {
            self.apply(h, kind, &mut facts);
            facts.spend = self.spend[usize::from(facts.persona)][usize::from(facts.income_band)];
            if day <= after {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.day == day => last.facts = facts,
                _ => out.push(CustomerVersion { day, facts }),
            }
        }
    }

    /// How many versions of customer `id` start after day `after` and no
    /// later than day `through`: [`Self::versions`] without the traits, and
    /// without allocating (a year's change days never meet another year's).
    pub fn count_versions(&self, id: u64, after: i64, through: i64) -> u64 {
        if through <= self.first_day {
            return 0;
        }
        let mut versions = 0;
        for year in 0..=(through - self.first_day - 1) / YEAR_DAYS {
            let h = self.year_hash(id, year);
            let mut days = [i64::MIN; 3];
            for kind in KINDS {
                if let Some(day) = self.change_day(h, year, kind)
                    && day > after
                    && day <= through
                    && !days.contains(&day)
                {
                    days[kind as usize] = day;
                    versions += 1;
                }
            }
        }
        versions
    }

    /// Every change of customer `id` up to day `through`: its day, kind and
    /// the hash of its year.
    fn changes_through(&self, id: u64, through: i64) -> Vec<(i64, ChangeKind, u64)> {
        let mut changes = Vec::new();
        if through <= self.first_day {
            return changes;
        }
        for year in 0..=(through - self.first_day - 1) / YEAR_DAYS {
            let h = self.year_hash(id, year);
            for kind in KINDS {
                if let Some(day) = self.change_day(h, year, kind)
                    && day <= through
                {
                    changes.push((day, kind, h));
                }
            }
        }
        changes
    }

    /// The day of the change of `kind` in `year` whose hash is `h`, if any.
    #[inline]
    fn change_day(&self, h: u64, year: i64, kind: ChangeKind) -> Option<i64> {
        let field = (h >> (16 * kind as u32)) & 0xffff;
        if field >= self.thresholds[kind as usize] {
            return None;
        }
        let offset = reduce(draw(h, kind, 0), YEAR_DAYS as u64) as i64;
        Some(self.first_day + year * YEAR_DAYS + 1 + offset)
    }

    /// Applies the change of `kind` whose year hash is `h`.
    fn apply(&self, h: u64, kind: ChangeKind, facts: &mut CustomerFacts) {
        match kind {
            ChangeKind::Move => {
                let home = other_choice(&self.regions, facts.home_region, draw(h, kind, 1));
                // A new home often means a job nearby; a commuter may keep theirs.
                if unit_f64(draw(h, kind, 2)) < self.work_in_home_region_share {
                    facts.work_region = home;
                }
                facts.home_region = home;
            }
            ChangeKind::Income => {
                let top = self.income_bands - 1;
                let up = unit_f64(draw(h, kind, 1)) < self.income_up_share;
                facts.income_band = match (facts.income_band, up) {
                    (0, _) => 1,
                    (band, _) if band >= top => top - 1,
                    (band, true) => band + 1,
                    (band, false) => band - 1,
                };
            }
            ChangeKind::Segment => {
                facts.persona = other_choice(&self.personas, facts.persona, draw(h, kind, 1));
            }
        }
    }
}

/// The `n`-th value a change of `kind` draws from its year's hash `h`.
#[inline]
fn draw(h: u64, kind: ChangeKind, n: u64) -> u64 {
    mix64(h ^ (kind as u64 * 4 + n + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// A choice of `choices` other than `current`: drawn by weight until it
/// differs (a few tries), else the next one.
fn other_choice(choices: &Categorical, current: u8, mut bits: u64) -> u8 {
    for _ in 0..8 {
        let choice = choices.sample_from(bits) as u8;
        if choice != current {
            return choice;
        }
        bits = mix64(bits);
    }
    ((usize::from(current) + 1) % choices.choices()) as u8
}

#[cfg(test)]
mod tests;
