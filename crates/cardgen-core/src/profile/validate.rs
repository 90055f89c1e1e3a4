//! Checks a profile before anything is generated; every error names the key.

use chrono::NaiveDate;

use super::{Profile, ProfileError};

fn fail<T>(
    key: impl std::fmt::Display,
    message: impl std::fmt::Display,
) -> Result<T, ProfileError> {
    Err(ProfileError::invalid(key, message))
}

fn unit_interval(key: &str, value: f64) -> Result<(), ProfileError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        fail(key, format!("{value} is not in [0, 1]"))
    }
}

fn weights<'a>(key: &str, values: impl IntoIterator<Item = &'a f64>) -> Result<(), ProfileError> {
    let mut total = 0.0;
    for &w in values {
        if !(w.is_finite() && w >= 0.0) {
            return fail(key, format!("weight {w} must be a finite number >= 0"));
        }
        total += w;
    }
    if total > 0.0 {
        Ok(())
    } else {
        fail(key, "needs at least one weight above 0")
    }
}

fn positive(key: &str, value: f64) -> Result<(), ProfileError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        fail(key, format!("{value} must be > 0"))
    }
}

impl Profile {
    /// Checks what the samplers cannot: sizes that fit the file format, rates
    /// in range, names that refer to something, dates that parse.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let limit = i8::MAX as usize;
        let count = |key: &str, n: usize| {
            if (1..=limit).contains(&n) {
                Ok(())
            } else {
                fail(key, format!("needs 1 to {limit} entries, has {n}"))
            }
        };
        if !(1..=64).contains(&self.name.len())
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        {
            return fail(
                "name",
                format!(
                    "`{}` must be 1 to 64 letters, digits, `_`, `-` or `.`",
                    self.name
                ),
            );
        }
        count("categories", self.categories.len())?;
        count("regions", self.regions.len())?;
        count("personas", self.personas.len())?;
        count("income_bands", self.income_bands.len())?;
        count("cards.brands", self.cards.brands.len())?;
        count("cards.issuers", self.cards.issuers.len())?;
        count("cards.products", self.cards.products.len())?;
        count("reference.categories", self.reference.categories.len())?;
        if self.reference.categories.iter().any(String::is_empty) {
            return fail("reference.categories", "names must not be empty");
        }
        if self.utc_offset_seconds.abs() > 14 * 3600 {
            return fail("utc_offset_seconds", "must be within ±14 hours");
        }
        for (key, currency) in [
            ("home_currency", &self.home_currency),
            ("foreign_currency", &self.foreign_currency),
        ] {
            if currency.code.len() != 3 || !currency.code.bytes().all(|b| b.is_ascii_uppercase()) {
                return fail(
                    format!("{key}.code"),
                    format!("`{}` is not an ISO 4217 code like KRW", currency.code),
                );
            }
            if ![1, 10, 100, 1000].contains(&currency.minor_units_per_major) {
                return fail(
                    format!("{key}.minor_units_per_major"),
                    "must be 1, 10, 100 or 1000",
                );
            }
            positive(&format!("{key}.home_per_major"), currency.home_per_major)?;
        }
        for (i, c) in self.categories.iter().enumerate() {
            let key = |field: &str| format!("categories[{i}] ({}).{field}", c.key);
            if self.categories[..i].iter().any(|other| other.key == c.key) {
                return fail(key("key"), "appears twice");
            }
            if c.mccs.is_empty() || c.mccs.iter().any(|m| !(0..=9999).contains(m)) {
                return fail(key("mccs"), "needs at least one code from 0 to 9999");
            }
            positive(&key("amount.median"), c.amount.median)?;
            if !(c.amount.sigma.is_finite() && c.amount.sigma >= 0.0) {
                return fail(key("amount.sigma"), "must be >= 0");
            }
            if c.amount.unit < 1 {
                return fail(key("amount.unit"), "must be >= 1");
            }
            let mass: f64 = c.amount.point_masses.iter().map(|p| p.probability).sum();
            if c.amount
                .point_masses
                .iter()
                .any(|p| p.amount <= 0 || p.probability < 0.0)
                || mass > 1.0
            {
                return fail(
                    key("amount.point_masses"),
                    "amounts > 0 and probabilities summing to at most 1",
                );
            }
            weights(&key("hour_weights"), &c.hour_weights)?;
            unit_interval(&key("online_merchant_share"), c.online_merchant_share)?;
            if c.online_merchant_share > 0.0 {
                weights(&key("online_channels"), c.online_channels.values())?;
            }
            if !(1..=64).contains(&c.regular_merchants) {
                return fail(key("regular_merchants"), "must be 1 to 64");
            }
        }
        weights(
            "categories[].share",
            self.categories.iter().map(|c| &c.share),
        )?;
        weights(
            "regions[].population_share",
            self.regions.iter().map(|r| &r.population_share),
        )?;
        weights(
            "regions[].work_weight",
            self.regions.iter().map(|r| &r.work_weight),
        )?;
        weights(
            "regions[].merchant_weight",
            self.regions.iter().map(|r| &r.merchant_weight),
        )?;
        weights("personas[].share", self.personas.iter().map(|p| &p.share))?;
        weights(
            "income_bands[].share",
            self.income_bands.iter().map(|b| &b.share),
        )?;
        for (i, p) in self.personas.iter().enumerate() {
            positive(
                &format!("personas[{i}].spend_multiplier"),
                p.spend_multiplier,
            )?;
            positive(&format!("personas[{i}].activity"), p.activity)?;
            for (category, m) in &p.category_multipliers {
                if self.category_index(category).is_none() {
                    return fail(
                        format!("personas[{i}].category_multipliers.{category}"),
                        "no such category",
                    );
                }
                if !(m.is_finite() && *m >= 0.0) {
                    return fail(
                        format!("personas[{i}].category_multipliers.{category}"),
                        "must be >= 0",
                    );
                }
            }
        }
        for (i, b) in self.income_bands.iter().enumerate() {
            positive(
                &format!("income_bands[{i}].spend_multiplier"),
                b.spend_multiplier,
            )?;
        }
        weights("weekday_weights", &self.weekday_weights)?;
        weights("offline_channels", self.offline_channels.values())?;
        weights("card_present_entry", self.card_present_entry.values())?;
        if self.card_present_entry.keys().any(|m| {
            !matches!(
                m,
                super::EntryMode::Chip
                    | super::EntryMode::Contactless
                    | super::EntryMode::Magstripe
            )
        }) {
            return fail(
                "card_present_entry",
                "only chip, contactless and magstripe read a physical card",
            );
        }
        if self.offline_channels.keys().any(|c| {
            !matches!(
                c,
                super::Channel::CardPresent | super::Channel::MobileWallet
            )
        }) {
            return fail(
                "offline_channels",
                "only card_present and mobile_wallet happen at a physical merchant",
            );
        }
        let p = &self.payday;
        if !(1 <= p.first_day && p.first_day <= p.last_day && p.last_day <= 31) {
            return fail("payday", "needs 1 <= first_day <= last_day <= 31");
        }
        positive("payday.multiplier", p.multiplier)?;
        positive(
            "holidays.holiday_multiplier",
            self.holidays.holiday_multiplier,
        )?;
        positive("holidays.eve_multiplier", self.holidays.eve_multiplier)?;
        for (i, h) in self.holidays.dates.iter().enumerate() {
            if NaiveDate::parse_from_str(&h.date, "%Y-%m-%d").is_err() {
                return fail(
                    format!("holidays.dates[{i}].date"),
                    format!("`{}` is not a YYYY-MM-DD date", h.date),
                );
            }
        }
        for (key, value) in [
            ("credit_card_share", self.credit_card_share),
            (
                "foreign_online_merchant_share",
                self.foreign_online_merchant_share,
            ),
            ("locality.repeat_share", self.locality.repeat_share),
            (
                "locality.home_or_work_share",
                self.locality.home_or_work_share,
            ),
            ("locality.work_share", self.locality.work_share),
            (
                "declines.card_present_rate",
                self.declines.card_present_rate,
            ),
            (
                "declines.card_not_present_rate",
                self.declines.card_not_present_rate,
            ),
            ("reversals.cancel_rate", self.reversals.cancel_rate),
            ("reversals.refund_rate", self.reversals.refund_rate),
            ("cards.new_card_share", self.cards.new_card_share),
            (
                "population.work_in_home_region_share",
                self.population.work_in_home_region_share,
            ),
            ("changes.move_rate", self.changes.move_rate),
            (
                "changes.income_change_rate",
                self.changes.income_change_rate,
            ),
            ("changes.income_up_share", self.changes.income_up_share),
            (
                "changes.segment_change_rate",
                self.changes.segment_change_rate,
            ),
            ("changes.limit_change_rate", self.changes.limit_change_rate),
            ("changes.limit_up_share", self.changes.limit_up_share),
            (
                "changes.extra_card_close_rate",
                self.changes.extra_card_close_rate,
            ),
        ] {
            unit_interval(key, value)?;
        }
        if self.reversals.cancel_rate + self.reversals.refund_rate > 0.5 {
            return fail("reversals", "cancel_rate + refund_rate must be at most 0.5");
        }
        positive(
            "reversals.cancel_mean_minutes",
            self.reversals.cancel_mean_minutes,
        )?;
        if self.reversals.refund_max_days == 0 {
            return fail("reversals.refund_max_days", "must be >= 1");
        }
        for (key, reasons) in [
            (
                "declines.card_present_reasons",
                &self.declines.card_present_reasons,
            ),
            (
                "declines.card_not_present_reasons",
                &self.declines.card_not_present_reasons,
            ),
        ] {
            weights(key, reasons.values())?;
            if reasons
                .keys()
                .any(|code| code == "00" || code.is_empty() || code.len() > 4)
            {
                return fail(key, "decline codes are 1 to 4 characters and never 00");
            }
        }
        if self.declines.card_present_reasons.len() + self.declines.card_not_present_reasons.len()
            >= limit
        {
            return fail("declines", format!("at most {} reason codes", limit - 1));
        }
        let i = &self.installments;
        if i.months.iter().any(|m| !(2..=36).contains(&m.months)) {
            return fail("installments.months", "months must be 2 to 36");
        }
        weights("installments.months", i.months.iter().map(|m| &m.weight))?;
        if i.probability_by_amount
            .windows(2)
            .any(|w| w[0].from >= w[1].from)
            || i.probability_by_amount
                .iter()
                .any(|p| !(0.0..=1.0).contains(&p.probability))
        {
            return fail(
                "installments.probability_by_amount",
                "`from` ascending and probabilities in [0, 1]",
            );
        }
        if !(1..=10).contains(&self.cards.validity_years) {
            return fail("cards.validity_years", "must be 1 to 10");
        }
        let extra = self.cards.extra_card_weight;
        if !(extra.is_finite() && extra >= 0.0) {
            return fail(
                "cards.extra_card_weight",
                format!("{extra} must be a finite number >= 0"),
            );
        }
        for (n, brand) in self.cards.brands.iter().enumerate() {
            let key = format!("cards.brands[{n}] ({})", brand.name);
            if !(13..=19).contains(&brand.length) {
                return fail(format!("{key}.length"), "PANs are 13 to 19 digits");
            }
            if brand.prefixes.is_empty()
                || brand
                    .prefixes
                    .iter()
                    .any(|p| p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()))
            {
                return fail(
                    format!("{key}.prefixes"),
                    "needs 1 to 6-digit numeric prefixes",
                );
            }
        }
        weights(
            "cards.brands[].share",
            self.cards.brands.iter().map(|b| &b.share),
        )?;
        weights(
            "cards.issuers[].share",
            self.cards.issuers.iter().map(|b| &b.share),
        )?;
        weights(
            "cards.products[].share",
            self.cards.products.iter().map(|b| &b.share),
        )?;
        self.fraud.validate(self)?;
        for (key, words) in [
            ("names.family", &self.names.family),
            ("names.given_syllables", &self.names.given_syllables),
            ("names.merchant_words", &self.names.merchant_words),
        ] {
            if words.is_empty() || words.iter().any(String::is_empty) {
                return fail(key, "needs at least one word, and no empty ones");
            }
        }
        let pop = &self.population;
        positive(
            "population.txns_per_customer_per_day",
            pop.txns_per_customer_per_day,
        )?;
        if !(pop.cards_per_customer >= 1.0 && pop.cards_per_customer <= 10.0) {
            return fail("population.cards_per_customer", "must be 1 to 10");
        }
        positive(
            "population.customers_per_merchant",
            pop.customers_per_merchant,
        )?;
        positive("population.activity_shape", pop.activity_shape)?;
        if !(pop.merchant_popularity_sigma >= 0.0 && pop.merchant_popularity_sigma <= 5.0) {
            return fail("population.merchant_popularity_sigma", "must be 0 to 5");
        }
        if !(1..=100_000_000).contains(&pop.max_customers) {
            return fail("population.max_customers", "must be 1 to 100,000,000");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        AmountProbability, Category, Channel, EntryMode, FraudDrift, FraudType, PointMass,
    };
    use super::*;

    /// An edit that breaks exactly one rule, returning the key the error must name.
    type Rule = fn(&mut Profile) -> String;

    fn category_key(p: &Profile, i: usize, field: &str) -> String {
        format!("categories[{i}] ({}).{field}", p.categories[i].key)
    }

    /// The index of the first category that `pred` accepts.
    fn category_where(p: &Profile, pred: impl Fn(&Category) -> bool) -> usize {
        p.categories
            .iter()
            .position(pred)
            .expect("the default profile has such a category")
    }

    fn grow<T: Clone>(list: &mut Vec<T>, rename: impl Fn(&mut T, usize)) {
        let first = list[0].clone();
        for n in list.len()..=i8::MAX as usize {
            let mut extra = first.clone();
            rename(&mut extra, n);
            list.push(extra);
        }
    }

    /// One edit per rule of `validate`, in the order it checks them.
    const RULES: &[Rule] = &[
        |p| {
            p.name = "korean default".into();
            "name".into()
        },
        |p| {
            grow(&mut p.categories, |c, n| c.key = format!("extra_{n}"));
            "categories".into()
        },
        |p| {
            grow(&mut p.regions, |r, n| r.code = n.to_string());
            "regions".into()
        },
        |p| {
            p.personas.clear();
            "personas".into()
        },
        |p| {
            grow(&mut p.income_bands, |b, n| b.name = format!("band_{n}"));
            "income_bands".into()
        },
        |p| {
            grow(&mut p.cards.brands, |b, n| b.name = format!("brand_{n}"));
            "cards.brands".into()
        },
        |p| {
            p.cards.issuers.clear();
            "cards.issuers".into()
        },
        |p| {
            grow(&mut p.cards.products, |x, n| {
                x.name = format!("product_{n}")
            });
            "cards.products".into()
        },
        |p| {
            grow(&mut p.reference.categories, |c, n| {
                *c = format!("extra_{n}")
            });
            "reference.categories".into()
        },
        |p| {
            p.reference.categories.push(String::new());
            "reference.categories".into()
        },
        |p| {
            p.utc_offset_seconds = 15 * 3600;
            "utc_offset_seconds".into()
        },
        |p| {
            p.home_currency.code = "won".into();
            "home_currency.code".into()
        },
        |p| {
            p.foreign_currency.minor_units_per_major = 3;
            "foreign_currency.minor_units_per_major".into()
        },
        |p| {
            p.foreign_currency.home_per_major = 0.0;
            "foreign_currency.home_per_major".into()
        },
        |p| {
            let copy = p.categories[0].clone();
            p.categories.push(copy);
            category_key(p, p.categories.len() - 1, "key")
        },
        |p| {
            p.categories[0].mccs = vec![10_000];
            category_key(p, 0, "mccs")
        },
        |p| {
            p.categories[0].amount.median = 0.0;
            category_key(p, 0, "amount.median")
        },
        |p| {
            p.categories[0].amount.sigma = -0.5;
            category_key(p, 0, "amount.sigma")
        },
        |p| {
            p.categories[0].amount.unit = 0;
            category_key(p, 0, "amount.unit")
        },
        |p| {
            let unit = p.categories[0].amount.unit;
            p.categories[0].amount.point_masses = vec![
                PointMass {
                    amount: unit,
                    probability: 0.6,
                },
                PointMass {
                    amount: 2 * unit,
                    probability: 0.6,
                },
            ];
            category_key(p, 0, "amount.point_masses")
        },
        |p| {
            p.categories[0].hour_weights = [0.0; 24];
            category_key(p, 0, "hour_weights")
        },
        |p| {
            p.categories[0].online_merchant_share = 1.5;
            category_key(p, 0, "online_merchant_share")
        },
        |p| {
            let i = category_where(p, |c| c.online_merchant_share > 0.0);
            p.categories[i].online_channels.clear();
            category_key(p, i, "online_channels")
        },
        |p| {
            p.categories[0].regular_merchants = 0;
            category_key(p, 0, "regular_merchants")
        },
        |p| {
            p.categories[0].share = -1.0;
            "categories[].share".into()
        },
        |p| {
            p.regions[0].population_share = f64::NAN;
            "regions[].population_share".into()
        },
        |p| {
            p.regions.iter_mut().for_each(|r| r.work_weight = 0.0);
            "regions[].work_weight".into()
        },
        |p| {
            p.regions[0].merchant_weight = f64::INFINITY;
            "regions[].merchant_weight".into()
        },
        |p| {
            p.personas[0].share = -1.0;
            "personas[].share".into()
        },
        |p| {
            p.income_bands.iter_mut().for_each(|b| b.share = 0.0);
            "income_bands[].share".into()
        },
        |p| {
            p.personas[0].spend_multiplier = 0.0;
            "personas[0].spend_multiplier".into()
        },
        |p| {
            p.personas[0].activity = -1.0;
            "personas[0].activity".into()
        },
        |p| {
            p.personas[0]
                .category_multipliers
                .insert("no_such_category".into(), 1.0);
            "personas[0].category_multipliers.no_such_category".into()
        },
        |p| {
            let key = p.categories[0].key.clone();
            p.personas[0].category_multipliers.insert(key.clone(), -1.0);
            format!("personas[0].category_multipliers.{key}")
        },
        |p| {
            p.income_bands[0].spend_multiplier = 0.0;
            "income_bands[0].spend_multiplier".into()
        },
        |p| {
            p.weekday_weights = [0.0; 7];
            "weekday_weights".into()
        },
        |p| {
            p.offline_channels.insert(Channel::CardPresent, -1.0);
            "offline_channels".into()
        },
        |p| {
            p.card_present_entry.insert(EntryMode::Chip, f64::NAN);
            "card_present_entry".into()
        },
        |p| {
            p.card_present_entry.insert(EntryMode::Keyed, 0.1);
            "card_present_entry".into()
        },
        |p| {
            p.offline_channels.insert(Channel::Ecommerce, 0.1);
            "offline_channels".into()
        },
        |p| {
            p.payday.last_day = p.payday.first_day - 1;
            "payday".into()
        },
        |p| {
            p.payday.multiplier = 0.0;
            "payday.multiplier".into()
        },
        |p| {
            p.holidays.holiday_multiplier = 0.0;
            "holidays.holiday_multiplier".into()
        },
        |p| {
            p.holidays.eve_multiplier = -1.0;
            "holidays.eve_multiplier".into()
        },
        |p| {
            p.holidays.dates[0].date = "2025-02-30".into();
            "holidays.dates[0].date".into()
        },
        |p| {
            p.credit_card_share = 1.5;
            "credit_card_share".into()
        },
        |p| {
            p.foreign_online_merchant_share = -0.1;
            "foreign_online_merchant_share".into()
        },
        |p| {
            p.locality.repeat_share = 7.5;
            "locality.repeat_share".into()
        },
        |p| {
            p.locality.home_or_work_share = 1.01;
            "locality.home_or_work_share".into()
        },
        |p| {
            p.locality.work_share = f64::NAN;
            "locality.work_share".into()
        },
        |p| {
            p.declines.card_present_rate = 2.0;
            "declines.card_present_rate".into()
        },
        |p| {
            p.declines.card_not_present_rate = -0.05;
            "declines.card_not_present_rate".into()
        },
        |p| {
            p.reversals.cancel_rate = 1.5;
            "reversals.cancel_rate".into()
        },
        |p| {
            p.reversals.refund_rate = -0.01;
            "reversals.refund_rate".into()
        },
        |p| {
            p.cards.new_card_share = 1.1;
            "cards.new_card_share".into()
        },
        |p| {
            p.population.work_in_home_region_share = 60.0;
            "population.work_in_home_region_share".into()
        },
        |p| {
            p.fraud.rate = -1.0;
            "fraud.rate".into()
        },
        |p| {
            p.fraud.rate = 0.2;
            "fraud.rate".into()
        },
        |p| {
            p.fraud.undetected_share = 1.5;
            "fraud.undetected_share".into()
        },
        |p| {
            (p.reversals.cancel_rate, p.reversals.refund_rate) = (0.3, 0.3);
            "reversals".into()
        },
        |p| {
            p.reversals.cancel_mean_minutes = 0.0;
            "reversals.cancel_mean_minutes".into()
        },
        |p| {
            p.reversals.refund_max_days = 0;
            "reversals.refund_max_days".into()
        },
        |p| {
            p.declines
                .card_present_reasons
                .values_mut()
                .for_each(|w| *w = 0.0);
            "declines.card_present_reasons".into()
        },
        |p| {
            p.declines.card_not_present_reasons.insert("00".into(), 1.0);
            "declines.card_not_present_reasons".into()
        },
        |p| {
            for n in 0..i8::MAX {
                p.declines.card_present_reasons.insert(format!("X{n}"), 1.0);
            }
            "declines".into()
        },
        |p| {
            p.installments.months[0].months = 1;
            "installments.months".into()
        },
        |p| {
            p.installments.months[0].weight = -1.0;
            "installments.months".into()
        },
        |p| {
            p.installments.probability_by_amount.reverse();
            "installments.probability_by_amount".into()
        },
        |p| {
            p.installments
                .probability_by_amount
                .push(AmountProbability {
                    from: i64::MAX,
                    probability: 1.5,
                });
            "installments.probability_by_amount".into()
        },
        |p| {
            p.cards.validity_years = 11;
            "cards.validity_years".into()
        },
        |p| {
            p.cards.extra_card_weight = -0.5;
            "cards.extra_card_weight".into()
        },
        |p| {
            p.cards.brands[0].length = 20;
            format!("cards.brands[0] ({}).length", p.cards.brands[0].name)
        },
        |p| {
            p.cards.brands[0].prefixes = vec!["4a".into()];
            format!("cards.brands[0] ({}).prefixes", p.cards.brands[0].name)
        },
        |p| {
            p.cards.brands[0].share = -1.0;
            "cards.brands[].share".into()
        },
        |p| {
            p.cards.issuers.iter_mut().for_each(|x| x.share = 0.0);
            "cards.issuers[].share".into()
        },
        |p| {
            p.cards.products[0].share = f64::NAN;
            "cards.products[].share".into()
        },
        |p| {
            let lost = p.fraud.scenarios.get_mut(&FraudType::LostStolen).unwrap();
            lost.categories.insert("no_such_category".into(), 1.0);
            "fraud.scenarios.lost_stolen.categories.no_such_category".into()
        },
        |p| {
            let lost = p.fraud.scenarios.get_mut(&FraudType::LostStolen).unwrap();
            lost.categories.values_mut().for_each(|w| *w = 0.0);
            "fraud.scenarios.lost_stolen.categories".into()
        },
        |p| {
            let testing = p.fraud.scenarios.get_mut(&FraudType::CardTesting).unwrap();
            testing.decline_rate = 1.2;
            "fraud.scenarios.card_testing.decline_rate".into()
        },
        |p| {
            let friendly = p
                .fraud
                .scenarios
                .get_mut(&FraudType::FriendlyFraud)
                .unwrap();
            friendly.rows_per_case = 2.0;
            "fraud.scenarios.friendly_fraud.rows_per_case".into()
        },
        |p| {
            let cnp = p
                .fraud
                .scenarios
                .get_mut(&FraudType::CnpCompromise)
                .unwrap();
            cnp.duration_hours = 0.0;
            "fraud.scenarios.cnp_compromise.duration_hours".into()
        },
        |p| {
            p.fraud.scenarios.values_mut().for_each(|s| s.share = 0.0);
            "fraud.scenarios".into()
        },
        |p| {
            p.fraud.drift = vec![
                FraudDrift {
                    at: 0.5,
                    rate_multiplier: 2.0,
                    mix_multipliers: Default::default(),
                },
                FraudDrift {
                    at: 0.25,
                    rate_multiplier: 1.0,
                    mix_multipliers: Default::default(),
                },
            ];
            "fraud.drift[1].at".into()
        },
        |p| {
            p.fraud.drift = vec![FraudDrift {
                at: 0.5,
                rate_multiplier: 1000.0,
                mix_multipliers: Default::default(),
            }];
            "fraud.drift[0].rate_multiplier".into()
        },
        |p| {
            p.names.family.clear();
            "names.family".into()
        },
        |p| {
            p.names.given_syllables.push(String::new());
            "names.given_syllables".into()
        },
        |p| {
            p.names.merchant_words.clear();
            "names.merchant_words".into()
        },
        |p| {
            p.population.txns_per_customer_per_day = 0.0;
            "population.txns_per_customer_per_day".into()
        },
        |p| {
            p.population.cards_per_customer = 0.5;
            "population.cards_per_customer".into()
        },
        |p| {
            p.population.customers_per_merchant = -40.0;
            "population.customers_per_merchant".into()
        },
        |p| {
            p.population.activity_shape = 0.0;
            "population.activity_shape".into()
        },
        |p| {
            p.population.merchant_popularity_sigma = 5.5;
            "population.merchant_popularity_sigma".into()
        },
        |p| {
            p.population.max_customers = 0;
            "population.max_customers".into()
        },
    ];

    #[test]
    fn the_default_profile_is_valid() {
        Profile::korean_default().validate().unwrap();
    }

    #[test]
    fn every_rule_refuses_its_edit_naming_the_key() {
        for (n, rule) in RULES.iter().enumerate() {
            let mut p = Profile::korean_default();
            let key = rule(&mut p);
            match p.validate() {
                Err(ProfileError::Invalid {
                    key: named,
                    message,
                }) => {
                    assert_eq!(named, key, "rule {n}: {message}");
                    assert!(!message.is_empty() && !message.contains('\n'));
                }
                other => panic!("rule {n} ({key}): expected an error, got {other:?}"),
            }
        }
    }
}
