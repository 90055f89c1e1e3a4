//! Customers, cards and merchants: stateless entities with stable habits.
//!
//! Every attribute of an entity is a pure function of `(seed, entity id)`: a
//! card's owner, brand and validity, a customer's persona, income band, home
//! and work regions, a merchant's category, region and popularity. Any batch
//! can therefore reference any entity without shared state, and the same card
//! belongs to the same customer in every row, every table and every run.

use chrono::{Datelike, NaiveDate};

use crate::date_range::DateRange;
use crate::profile::Profile;
use crate::seed::{Domain, EntityHash, Salt, reduce};

/// How many customers, cards and merchants a dataset has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationSizes {
    pub customers: u64,
    pub cards: u64,
    pub merchants: u64,
}

impl PopulationSizes {
    /// Sizes implied by the row count and the length of the date range:
    /// `customers = rows / (txns_per_customer_per_day × days)` (at least 1, at
    /// most the profile's cap), `cards = customers × cards_per_customer`,
    /// `merchants = customers / customers_per_merchant` (at least one per
    /// category and region, plus one online per category). `customers` and
    /// `merchants` override the formula, within the same minimum.
    pub fn derive(
        profile: &Profile,
        rows: u64,
        days: u32,
        customers: Option<u64>,
        merchants: Option<u64>,
    ) -> Self {
        let model = &profile.population;
        let per_customer = model.txns_per_customer_per_day * f64::from(days.max(1));
        let customers = customers
            .unwrap_or_else(|| {
                ((rows as f64 / per_customer).round() as u64).clamp(1, model.max_customers)
            })
            .max(1);
        let cards = ((customers as f64 * model.cards_per_customer).round() as u64).max(customers);
        let min_merchants = profile.categories.len() as u64 * (profile.regions.len() as u64 + 1);
        let merchants = merchants
            .unwrap_or_else(|| (customers as f64 / model.customers_per_merchant).round() as u64)
            .max(min_merchants);
        Self {
            customers,
            cards,
            merchants,
        }
    }
}

/// Index chosen by a uniform `u` against weights (linear: small tables only).
pub fn pick(u: f64, weights: impl Iterator<Item = f64> + Clone) -> usize {
    let total: f64 = weights.clone().sum();
    let mut remaining = u * total;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if remaining < w {
            return i;
        }
        remaining -= w;
        last = i;
    }
    last
}

/// What every transaction needs to know about a card, cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardOwner {
    pub customer_id: u64,
    pub is_credit: bool,
    /// Days since 1970-01-01.
    pub issued_day: i64,
    /// The day an extra card's holder closes it, from which it is no longer
    /// used (`i64::MAX` for a card never closed; a main card never is).
    pub closes_day: i64,
    validity_years: u32,
}

impl CardOwner {
    /// Whether the card may be used on `epoch_day`: issued, not closed, not
    /// expired. The exact expiry is a calendar computation, needed only near
    /// the end of the validity period.
    #[inline]
    pub fn valid_on(&self, epoch_day: i64) -> bool {
        epoch_day >= self.issued_day
            && epoch_day < self.closes_day
            && (epoch_day < self.issued_day + 365 * i64::from(self.validity_years)
                || epoch_day <= expires_day(self.issued_day, self.validity_years))
    }

    pub fn expires_day(&self) -> i64 {
        expires_day(self.issued_day, self.validity_years)
    }
}

/// The last day of the month `years` after the month of issue.
pub fn expires_day(issued_day: i64, years: u32) -> i64 {
    let issued = from_epoch_day(issued_day);
    let (year, month) = (issued.year() + years as i32, issued.month());
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    epoch_day(NaiveDate::from_ymd_opt(next_year, next_month, 1).expect("valid month")) - 1
}

fn epoch_day(date: NaiveDate) -> i64 {
    date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid"))
        .num_days()
}

fn from_epoch_day(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + chrono::Duration::days(day)
}

/// When extra cards are closed by their holders: at most once in a card's
/// life, on a day drawn uniformly from the day after the card is issued or
/// the dataset starts (whichever is later) over `365 / rate` days, so that
/// an open card closes within a year with the profile's yearly rate (a
/// little more often as it ages); a day past the card's expiry means it
/// expires first. One hash decides it, so the row path can ask of every
/// card it picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardClosure {
    /// The days the closing day is drawn over; `None` when cards never close.
    span_days: Option<u64>,
}

impl CardClosure {
    pub fn of(profile: &Profile) -> Self {
        let rate = profile.changes.extra_card_close_rate;
        Self {
            span_days: (rate > 0.0).then(|| (365.0 / rate).round().max(1.0) as u64),
        }
    }

    /// The day an extra card whose hash is `h` closes, counted from `base`
    /// (the later of its issue and the dataset's first day) on, or `i64::MAX`.
    #[inline]
    fn closes_day(&self, h: EntityHash, base: i64) -> i64 {
        match self.span_days {
            // Never on `base` itself: a card is open for at least its first day.
            Some(span) => base + 1 + reduce(h.bits(7), span) as i64,
            None => i64::MAX,
        }
    }
}

/// Issue date, kind and validity of card `card_id`, owned by `customer_id`
/// (see [`crate::customers::CustomerModel::owner_of_card`]); `salt` is the
/// card domain's. Cards issued before the range stay valid through it (the
/// range may not be longer than the validity period), unless their holders
/// close them (`closure`; extra cards only); the profile's share of the extra
/// cards are new, issued during the range.
#[inline]
pub fn card_owned_by(
    salt: Salt,
    profile: &Profile,
    sizes: &PopulationSizes,
    range: &DateRange,
    closure: &CardClosure,
    card_id: u64,
    customer_id: u64,
) -> CardOwner {
    let h = EntityHash::salted(salt, card_id);
    let cards = &profile.cards;
    let start = range.start_epoch_day();
    // Two uniforms from one hash: 32 bits are plenty for these probabilities.
    let traits = h.bits(1);
    let unit32 = |bits: u64| (bits & 0xffff_ffff) as f64 / 4_294_967_296.0;
    let is_credit = unit32(traits >> 32) < profile.credit_card_share;
    // Main cards exist before the range, so every customer always has a valid card.
    let is_new = card_id >= sizes.customers && unit32(traits) < cards.new_card_share;
    let when = h.bits(3);
    let issued_day = if is_new {
        start + reduce(when, u64::from(range.days)) as i64
    } else {
        // Issued early enough to be valid on day one, late enough to last to the end.
        let end = start + i64::from(range.days) - 1;
        let earliest = (end - 365 * i64::from(cards.validity_years) + 1).min(start);
        earliest + reduce(when, (start - earliest + 1) as u64) as i64
    };
    let closes_day = if card_id >= sizes.customers {
        closure.closes_day(h, issued_day.max(start))
    } else {
        i64::MAX
    };
    CardOwner {
        customer_id,
        is_credit,
        issued_day,
        closes_day,
        validity_years: cards.validity_years,
    }
}

/// Everything about a card, for the `cards` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFacts {
    pub owner: CardOwner,
    pub brand: u8,
    pub issuer: u8,
    pub product: u8,
    pub expires_day: i64,
}

/// Everything about card `card_id`, given its owner facts (from
/// [`card_owned_by`]).
pub fn card_facts(seed: u64, profile: &Profile, owner: CardOwner, card_id: u64) -> CardFacts {
    let h = EntityHash::new(seed, Domain::Card, card_id);
    let cards = &profile.cards;
    CardFacts {
        owner,
        brand: pick(h.unit(4), cards.brands.iter().map(|b| b.share)) as u8,
        issuer: pick(h.unit(5), cards.issuers.iter().map(|b| b.share)) as u8,
        product: pick(h.unit(6), cards.products.iter().map(|b| b.share)) as u8,
        expires_day: owner.expires_day(),
    }
}

/// A merchant's stable traits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MerchantFacts {
    pub category: u8,
    pub mcc: i16,
    /// Index into the profile's regions; `None` for online merchants.
    pub region: Option<u8>,
    pub foreign_currency: bool,
    pub popularity: f32,
}

impl MerchantFacts {
    pub fn is_online(&self) -> bool {
        self.region.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Card `id`'s facts, with a stand-in owner: a card takes its owner as
    /// given, and which customer owns an extra card is for `customers` to
    /// say and test (it imports this module, so this one does not import it).
    fn card_at(p: &Profile, s: &PopulationSizes, r: &DateRange, id: u64) -> CardFacts {
        let customer = id % s.customers;
        let closure = CardClosure::of(p);
        let owner = card_owned_by(Salt::new(7, Domain::Card), p, s, r, &closure, id, customer);
        card_facts(7, p, owner, id)
    }

    fn range() -> DateRange {
        DateRange {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            days: 365,
        }
    }

    #[test]
    fn sizes_follow_the_documented_formula_and_overrides() {
        let p = Profile::korean_default();
        let s = PopulationSizes::derive(&p, 10_000_000, 365, None, None);
        let model = &p.population;
        assert_eq!(
            s.customers,
            (10_000_000f64 / (model.txns_per_customer_per_day * 365.0)).round() as u64
        );
        assert_eq!(
            s.cards,
            (s.customers as f64 * model.cards_per_customer).round() as u64
        );
        assert_eq!(PopulationSizes::derive(&p, 1, 365, None, None).customers, 1);
        let o = PopulationSizes::derive(&p, 10, 365, Some(500), Some(700));
        assert_eq!((o.customers, o.merchants), (500, 700));
        let cells = (p.categories.len() * (p.regions.len() + 1)) as u64;
        assert_eq!(
            PopulationSizes::derive(&p, 10, 365, None, Some(5)).merchants,
            cells
        );
    }

    #[test]
    fn a_card_is_stable_and_valid_through_the_range_unless_new() {
        let p = Profile::korean_default();
        let s = PopulationSizes::derive(&p, 10_000_000, 365, None, None);
        let r = range();
        let end = r.start_epoch_day() + 364;
        for card in 0..5_000 {
            let a = card_at(&p, &s, &r, card);
            assert_eq!(a, card_at(&p, &s, &r, card));
            assert!(a.expires_day >= end, "card {card} expires inside the range");
            assert!(a.owner.issued_day <= end);
            let expiry = from_epoch_day(a.expires_day);
            assert_eq!(
                (expiry + chrono::Duration::days(1)).day(),
                1,
                "expiry is the last day of a month"
            );
            for day in [
                a.owner.issued_day - 1,
                a.owner.issued_day,
                a.expires_day,
                a.expires_day + 1,
            ] {
                let inside =
                    (a.owner.issued_day..=a.expires_day).contains(&day) && day < a.owner.closes_day;
                assert_eq!(a.owner.valid_on(day), inside, "card {card} day {day}");
            }
        }
    }

    #[test]
    fn only_extra_cards_close_at_the_profiles_rate_and_never_on_their_first_day() {
        let p = Profile::korean_default();
        let s = PopulationSizes::derive(&p, 10_000_000, 365, None, None);
        let r = range();
        let start = r.start_epoch_day();
        let rate = p.changes.extra_card_close_rate;
        let (mut extra, mut closed_first_year) = (0u32, 0u32);
        for card in 0..s.cards.min(200_000) {
            let facts = card_at(&p, &s, &r, card);
            let a = facts.owner;
            if card < s.customers {
                assert_eq!(a.closes_day, i64::MAX, "main card {card} closes");
                continue;
            }
            extra += 1;
            if a.closes_day != i64::MAX {
                assert!(a.closes_day > a.issued_day.max(start), "card {card}");
                // Open the day before, unless it expired first.
                let before = a.closes_day - 1;
                assert_eq!(
                    a.valid_on(before),
                    before <= facts.expires_day,
                    "card {card}"
                );
                assert!(!a.valid_on(a.closes_day), "card {card}");
            }
            // Cards open on the first day, closed within the year after it.
            if a.issued_day <= start && a.closes_day <= start + 365 {
                closed_first_year += 1;
            }
        }
        let share = f64::from(closed_first_year) / f64::from(extra);
        assert!(
            (share - rate).abs() < rate * 0.25,
            "{share:.4} of {extra} extra cards closed in the first year; the rate is {rate}"
        );
    }
}
