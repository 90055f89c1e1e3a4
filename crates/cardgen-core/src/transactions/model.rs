//! The per-row behaviour model, compiled from a profile into O(1) samplers.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use super::schema::response_codes;
use crate::error::CoreError;
use crate::profile::{AmountModel, Channel, Currency, EntryMode, Profile};
use crate::sampling::WeightedChoice;

/// Amounts of one category, in home-currency minor units.
#[derive(Debug, Clone)]
pub struct AmountSampler {
    /// Fixed prices with their cumulative probability.
    point_masses: Vec<(f64, i64)>,
    ln_median: f64,
    sigma: f64,
    unit: i64,
}

impl AmountSampler {
    fn new(model: &AmountModel) -> Self {
        let mut cumulative = 0.0;
        let point_masses = model
            .point_masses
            .iter()
            .map(|mass| {
                cumulative += mass.probability;
                (cumulative, mass.amount)
            })
            .collect();
        Self {
            point_masses,
            ln_median: model.median.ln(),
            sigma: model.sigma,
            unit: model.unit,
        }
    }

    /// A positive amount; `scale` multiplies the lognormal part only, since
    /// fixed prices (fares, round fuel fills) do not depend on who pays.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, scale: f64) -> i64 {
        if !self.point_masses.is_empty() {
            let u: f64 = rng.random();
            if let Some(&(_, amount)) = self.point_masses.iter().find(|(c, _)| u < *c) {
                return amount;
            }
        }
        let z: f64 = StandardNormal.sample(rng);
        let raw = (self.ln_median + self.sigma * z).exp() * scale;
        // `raw` is positive, so adding a half and truncating rounds it (and
        // avoids a libm call in the hottest loop).
        let units = ((raw / self.unit as f64 + 0.5) as i64).max(1);
        units * self.unit
    }
}

/// Converts a home-currency amount into minor units of a currency.
#[derive(Debug, Clone, Copy)]
pub struct Conversion {
    minor_per_home: f64,
}

impl Conversion {
    fn new(home: &Currency, currency: &Currency) -> Self {
        Self {
            minor_per_home: currency.minor_units_per_major as f64
                / (currency.home_per_major * home.minor_units_per_major as f64),
        }
    }

    #[inline]
    pub fn minor_units(&self, home_amount: i64) -> i64 {
        ((home_amount as f64 * self.minor_per_home).round() as i64).max(1)
    }
}

#[derive(Debug, Clone)]
pub struct DeclineSampler {
    pub rate: f64,
    /// Keys into the response-code dictionary.
    pub reasons: WeightedChoice<i8>,
}

#[derive(Debug, Clone)]
pub struct TransactionModel {
    pub amounts: Vec<AmountSampler>,
    pub offline_channels: WeightedChoice<Channel>,
    /// Per category; `None` where the category has no online merchants.
    pub online_channels: Vec<Option<WeightedChoice<Channel>>>,
    pub card_present_entry: WeightedChoice<EntryMode>,
    pub card_present_declines: DeclineSampler,
    pub card_not_present_declines: DeclineSampler,
    pub installment_min_amount: i64,
    pub installment_probability: Vec<(i64, f64)>,
    pub installment_months: WeightedChoice<i8>,
    pub foreign: Conversion,
    /// The response to an attempt on a blocked card: `41` (lost card) when
    /// the profile has it, else its first decline code.
    pub blocked_card_code: i8,
    /// The response to an attempt on a card its holder closed: `14`
    /// (invalid card number) when the profile has it, else as a blocked card.
    pub closed_card_code: i8,
    /// The response to an attempt on an expired card: `54` when the profile
    /// has it, else as a blocked card.
    pub expired_card_code: i8,
}

impl TransactionModel {
    pub fn compile(profile: &Profile) -> Result<Self, CoreError> {
        let codes = response_codes(profile);
        let code_of = |code: &str| codes.iter().position(|c| c == code).map(|i| i as i8);
        let blocked_card_code = code_of("41").unwrap_or(1);
        let reasons = |what: &str, list: &std::collections::BTreeMap<String, f64>| {
            WeightedChoice::new(
                what,
                list.iter().map(|(code, w)| {
                    let key = codes.iter().position(|c| c == code).expect("code listed") as i8;
                    (key, *w)
                }),
            )
        };
        let declines = &profile.declines;
        let pairs = |map: &std::collections::BTreeMap<Channel, f64>| {
            map.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>()
        };
        Ok(Self {
            amounts: profile
                .categories
                .iter()
                .map(|c| AmountSampler::new(&c.amount))
                .collect(),
            offline_channels: WeightedChoice::new(
                "offline_channels",
                pairs(&profile.offline_channels),
            )?,
            online_channels: profile
                .categories
                .iter()
                .map(|c| {
                    if c.online_merchant_share > 0.0 {
                        let what = format!("categories.{}.online_channels", c.key);
                        WeightedChoice::new(&what, pairs(&c.online_channels)).map(Some)
                    } else {
                        Ok(None)
                    }
                })
                .collect::<Result<_, _>>()?,
            card_present_entry: WeightedChoice::new(
                "card_present_entry",
                profile.card_present_entry.iter().map(|(k, v)| (*k, *v)),
            )?,
            card_present_declines: DeclineSampler {
                rate: declines.card_present_rate,
                reasons: reasons(
                    "declines.card_present_reasons",
                    &declines.card_present_reasons,
                )?,
            },
            card_not_present_declines: DeclineSampler {
                rate: declines.card_not_present_rate,
                reasons: reasons(
                    "declines.card_not_present_reasons",
                    &declines.card_not_present_reasons,
                )?,
            },
            installment_min_amount: profile.installments.min_amount,
            installment_probability: profile
                .installments
                .probability_by_amount
                .iter()
                .map(|p| (p.from, p.probability))
                .collect(),
            installment_months: WeightedChoice::new(
                "installments.months",
                profile
                    .installments
                    .months
                    .iter()
                    .map(|m| (m.months, m.weight)),
            )?,
            foreign: Conversion::new(&profile.home_currency, &profile.foreign_currency),
            blocked_card_code,
            closed_card_code: code_of("14").unwrap_or(blocked_card_code),
            expired_card_code: code_of("54").unwrap_or(blocked_card_code),
        })
    }

    /// The decline model of card-present or card-not-present payments.
    #[inline]
    pub fn declines(&self, card_not_present: bool) -> &DeclineSampler {
        if card_not_present {
            &self.card_not_present_declines
        } else {
            &self.card_present_declines
        }
    }

    #[inline]
    pub fn entry_mode<R: Rng + ?Sized>(&self, channel: Channel, rng: &mut R) -> EntryMode {
        match channel {
            Channel::CardPresent => self.card_present_entry.sample(rng),
            Channel::MobileWallet => EntryMode::Token,
            Channel::Ecommerce => EntryMode::Ecommerce,
            Channel::Recurring | Channel::Moto => EntryMode::Keyed,
        }
    }

    /// Months of an instalment plan (0 = paid in full).
    #[inline]
    pub fn installment<R: Rng + ?Sized>(
        &self,
        is_credit: bool,
        home_amount: i64,
        rng: &mut R,
    ) -> i8 {
        if !is_credit || home_amount < self.installment_min_amount {
            return 0;
        }
        let probability = self
            .installment_probability
            .iter()
            .rev()
            .find(|(floor, _)| home_amount >= *floor)
            .map_or(0.0, |&(_, p)| p);
        if rng.random::<f64>() < probability {
            self.installment_months.sample(rng)
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{Domain, stream_rng};

    #[test]
    fn amounts_are_positive_and_rounded_to_the_unit() {
        let model = TransactionModel::compile(&Profile::korean_default()).unwrap();
        let profile = Profile::korean_default();
        let mut rng = stream_rng(5, Domain::TransactionBatch, 0);
        for (sampler, category) in model.amounts.iter().zip(&profile.categories) {
            for _ in 0..2_000 {
                let amount = sampler.sample(&mut rng, 1.0);
                assert!(amount > 0);
                let fixed = category
                    .amount
                    .point_masses
                    .iter()
                    .any(|p| p.amount == amount);
                assert!(
                    fixed || amount % category.amount.unit == 0,
                    "{}: {amount}",
                    category.key
                );
            }
        }
    }

    #[test]
    fn installments_only_on_credit_cards_above_the_minimum() {
        let profile = Profile::korean_default();
        let model = TransactionModel::compile(&profile).unwrap();
        let plans = &profile.installments;
        let mut rng = stream_rng(5, Domain::TransactionBatch, 1);
        for _ in 0..1_000 {
            assert_eq!(model.installment(false, 5_000_000, &mut rng), 0);
            assert_eq!(model.installment(true, plans.min_amount - 1, &mut rng), 0);
        }
        let amount = 2_000_000;
        let probability = plans
            .probability_by_amount
            .iter()
            .rev()
            .find(|p| p.from <= amount)
            .unwrap()
            .probability;
        let n = (0..10_000)
            .filter(|_| model.installment(true, amount, &mut rng) > 0)
            .count();
        let expected = 10_000.0 * probability;
        assert!(
            (n as f64 - expected).abs() < 500.0,
            "{n} plans at {amount}, expected {expected}"
        );
    }

    #[test]
    fn foreign_amounts_convert_to_cents() {
        let profile = Profile::korean_default();
        let (home, foreign) = (&profile.home_currency, &profile.foreign_currency);
        let conversion = Conversion::new(home, foreign);
        // Ten foreign units, in home minor units, are ten foreign units in cents.
        let ten = (10.0 * foreign.home_per_major) as i64 * home.minor_units_per_major;
        assert_eq!(
            conversion.minor_units(ten),
            10 * foreign.minor_units_per_major
        );
        assert_eq!(conversion.minor_units(1), 1);
    }
}
