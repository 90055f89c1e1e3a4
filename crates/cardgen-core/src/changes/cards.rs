//! Cards that change: credit limits raised or cut, cards issued during the
//! range, cards blocked after fraud or reported lost and their replacements,
//! extra cards closed by their holders, and, in ranges appended past a
//! card's printed expiry, main cards renewed and extra cards expired.
//!
//! A card's versions are a pure function of (seed, card id) and the fraud
//! plan the transactions already follow: the first starts when the card is
//! issued (or at the dataset's start, for a card issued before it); each
//! year from the dataset's first day a credit card's limit may change once,
//! on a day of its own; a block ends the card's active life with a version
//! of status `blocked` (`lost` when the holder reported it lost or stolen),
//! from the instant the owner's purchases move to the replacement. A
//! replacement starts at that instant with the limit the replaced card had.
//! An extra card may be closed by its holder (see
//! [`crate::population::CardClosure`]); from that day its owner pays with
//! the main card. The day after a card's expiry (never inside a dataset's
//! first range, which cards outlast), a main card is renewed under the same
//! id with a new expiry, while an extra card expires and its owner pays with
//! the main card, as the transactions do. Versions start at local midnight,
//! except a block and a replacement, which start at the block's instant.
//!
//! [`super::card_history::CardHistory`] numbers the rows of `cards_history`
//! and `cards_changes` from these versions.

use crate::card_columns::{CardStatus, card_row};
use crate::fraud::WorldWithFraud;
use crate::population::expires_day;
use crate::seed::{Domain, EntityHash, Salt, mix64, reduce, unit_f64};

/// Microseconds in a day.
pub const DAY_MICROS: i64 = 86_400_000_000;

const YEAR_DAYS: i64 = super::YEAR_DAYS;

/// A card from an instant on (local microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardVersion {
    pub at: i64,
    pub credit_limit: Option<i64>,
    pub status: CardStatus,
    /// The printed expiry (days since 1970-01-01): a renewal moves it on.
    pub expires_day: i64,
    /// The date range the version belongs to: the one its instant falls in,
    /// or for a block (and the replacement it issues) the range of the fraud
    /// case behind it, whose label may come after that range ends.
    pub range: usize,
}

/// The limit changes of one dataset; see the module docs.
#[derive(Debug, Clone)]
pub struct CardChanges {
    salt: Salt,
    first_day: i64,
    /// `[range]`: the instant after the range's last day (local).
    ends: Vec<i64>,
    /// The year's probability of a limit change × 2^16.
    threshold: u64,
    up_share: f64,
    validity_years: u32,
}

impl CardChanges {
    /// The changes of `fraud`'s dataset.
    pub fn of(fraud: &WorldWithFraud) -> Self {
        let world = fraud.world();
        let profile = &world.profile;
        Self {
            salt: Salt::new(world.seed(), Domain::CardChange),
            first_day: world.range().start_epoch_day(),
            ends: fraud
                .ranges()
                .iter()
                .map(|r| (r.range.start_epoch_day() + i64::from(r.range.days)) * DAY_MICROS)
                .collect(),
            threshold: (profile.changes.limit_change_rate * 65_536.0).round() as u64,
            up_share: profile.changes.limit_up_share,
            validity_years: profile.cards.validity_years,
        }
    }

    /// The dataset's first instant, local: versions at it are the start state.
    pub fn start(&self) -> i64 {
        self.first_day * DAY_MICROS
    }

    /// The range instant `at` falls in (the last, past the end).
    fn range_at(&self, at: i64) -> usize {
        self.ends
            .partition_point(|&end| end <= at)
            .min(self.ends.len() - 1)
    }

    /// Card `id`'s versions of ranges `0..=through`, in order, into `out`
    /// (cleared first); none if the card is issued in a later range.
    pub fn versions(
        &self,
        fraud: &WorldWithFraud,
        id: u64,
        through: usize,
        out: &mut Vec<CardVersion>,
    ) {
        out.clear();
        let world = fraud.world();
        let plan = fraud.plan();
        let blocks = plan.blocks();
        let population = world.sizes.cards;
        // The range of the case behind the block that made replacement `card`.
        let block_range = |card: u64| {
            let k = card - population;
            (0..self.ends.len())
                .find(|&r| plan.replacements_of_range(r).contains(&k))
                .expect("a replacement of some range")
        };
        let (facts, original) = card_row(fraud, id);
        let (issued, issue_range) = match original {
            Some(o) => {
                let at = blocks.get(o).expect("a replaced card is blocked").at.0;
                (at, block_range(id))
            }
            None => {
                let at = (facts.owner.issued_day * DAY_MICROS).max(self.start());
                (at, self.range_at(at))
            }
        };
        if issue_range > through {
            return;
        }
        let mut limit = facts.owner.is_credit.then(|| match original {
            Some(o) => self.limit_before(fraud, o, issued),
            None => world.profile.cards.products[usize::from(facts.product)].credit_limit,
        });
        out.push(CardVersion {
            at: issued,
            credit_limit: limit,
            status: CardStatus::Active,
            expires_day: facts.expires_day,
            range: issue_range,
        });
        let block = blocks.get(id).map(|b| {
            let status = if blocks.reported_lost(b.replacement - population) {
                CardStatus::Lost
            } else {
                CardStatus::Blocked
            };
            (b.at.0, block_range(b.replacement), status)
        });
        // Limits change and expiries come until the card is blocked, and not
        // after the range of its block ends (the block's range holds the
        // block itself).
        let mut stop = self.ends[through];
        if let Some((at, range, _)) = block {
            stop = stop.min(at).min(self.ends[range]);
        }
        let mut expiry = Expiry::of(
            original.unwrap_or(id) < world.sizes.customers,
            facts.expires_day,
            facts.owner.closes_day,
        );
        let hash = EntityHash::salted(self.salt, id);
        // A debit card has no limit to change.
        let years = if limit.is_some() { i64::MAX } else { 0 };
        for year in 0..years {
            let year_start = (self.first_day + year * YEAR_DAYS) * DAY_MICROS;
            if year_start >= stop || expiry.ended() {
                break;
            }
            let h = hash.bits(year as u64);
            if h & 0xffff >= self.threshold {
                continue;
            }
            let day = self.first_day + year * YEAR_DAYS + 1 + reduce(mix64(h ^ 1), 365) as i64;
            let at = day * DAY_MICROS;
            if at <= issued || at >= stop {
                continue;
            }
            if !self.expire_before(&mut expiry, at, out) {
                break;
            }
            let up = unit_f64(mix64(h ^ 2)) < self.up_share;
            let current = limit.as_mut().expect("a credit card");
            *current = two_figures(*current as f64 * if up { 1.5 } else { 0.7 });
            out.push(CardVersion {
                at,
                credit_limit: limit,
                status: CardStatus::Active,
                expires_day: out.last().expect("issued").expires_day,
                range: self.range_at(at),
            });
        }
        self.expire_before(&mut expiry, stop, out);
        if let Some((at, range, status)) = block.filter(|&(_, range, _)| range <= through) {
            let last = *out.last().expect("issued");
            out.push(CardVersion {
                at,
                status,
                range,
                ..last
            });
        }
    }

    /// The renewals (of a main card) or the end (of an extra card: closed or
    /// expired) that come before `until`, pushed onto `out`; false once the
    /// card has ended.
    fn expire_before(&self, expiry: &mut Expiry, until: i64, out: &mut Vec<CardVersion>) -> bool {
        while !expiry.ended() && expiry.at < until {
            let last = *out.last().expect("issued");
            let day = expiry.at / DAY_MICROS;
            let version = if expiry.renews {
                CardVersion {
                    at: expiry.at,
                    expires_day: expires_day(day, self.validity_years),
                    range: self.range_at(expiry.at),
                    ..last
                }
            } else {
                CardVersion {
                    at: expiry.at,
                    status: expiry.end,
                    range: self.range_at(expiry.at),
                    ..last
                }
            };
            expiry.at = if expiry.renews {
                (version.expires_day + 1) * DAY_MICROS
            } else {
                i64::MAX
            };
            out.push(version);
        }
        !expiry.ended()
    }

    /// Card `id`'s limit just before `at` (a population card's, whose
    /// versions are in order of time).
    fn limit_before(&self, fraud: &WorldWithFraud, id: u64, at: i64) -> i64 {
        let mut versions = Vec::new();
        self.versions(fraud, id, self.ends.len() - 1, &mut versions);
        versions
            .iter()
            .take_while(|v| v.at < at)
            .last()
            .and_then(|v| v.credit_limit)
            .expect("a credit card has a limit")
    }

    /// The version of card `id` a row of `cards` shows: its last of the
    /// first range, or for a later range's replacement, its first.
    pub fn row_version(
        &self,
        fraud: &WorldWithFraud,
        id: u64,
        buffer: &mut Vec<CardVersion>,
    ) -> CardVersion {
        self.versions(fraud, id, 0, buffer);
        if let Some(last) = buffer.last() {
            return *last;
        }
        self.versions(fraud, id, self.ends.len() - 1, buffer);
        buffer[0]
    }
}

/// When a card next reaches the end of its validity, and what happens then.
struct Expiry {
    /// A main card is renewed; an extra card ends for good.
    renews: bool,
    /// The instant after the printed expiry, or an extra card's closing
    /// (whichever comes first); `i64::MAX` once ended.
    at: i64,
    /// What an extra card becomes at `at`: closed, or expired.
    end: CardStatus,
}

impl Expiry {
    /// The first end of a card printed to expire on `expires_day`: a main
    /// card (`renews`) is never closed.
    fn of(renews: bool, expires_day: i64, closes_day: i64) -> Self {
        let expires = (expires_day + 1) * DAY_MICROS;
        match closes_day.checked_mul(DAY_MICROS) {
            Some(closes) if !renews && closes < expires => Self {
                renews,
                at: closes,
                end: CardStatus::Closed,
            },
            _ => Self {
                renews,
                at: expires,
                end: CardStatus::Expired,
            },
        }
    }

    fn ended(&self) -> bool {
        self.at == i64::MAX
    }
}

/// `x` rounded to two significant figures, as limits are (4,500,000; 680,000).
fn two_figures(x: f64) -> i64 {
    if x < 1.0 {
        return 0;
    }
    let unit = 10f64.powi(x.log10().floor() as i32 - 1);
    ((x / unit).round() * unit) as i64
}

#[cfg(test)]
mod tests {
    use super::two_figures;

    #[test]
    fn limits_keep_two_significant_figures() {
        assert_eq!(two_figures(4_500_000.0), 4_500_000);
        assert_eq!(two_figures(6_750_000.0), 6_800_000);
        assert_eq!(two_figures(2_100_000.0 * 0.7), 1_500_000);
        assert_eq!(two_figures(987.0), 990);
    }
}
