//! Scenario profiles: every number that shapes the data, kept as data.
//!
//! A [`Profile`] says what the market looks like (currency, regions, merchant
//! categories with their amount models, daily and weekly rhythms, decline and
//! installment rules, fraud rates, population ratios). Generators read it and
//! never hard-code market facts, so a different market is a different profile,
//! not a different code path. [`Profile::korean_default`] is the built-in one.

mod korea;

/// Payment channel of a transaction; the order is the dictionary order in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    CardPresent = 0,
    Ecommerce = 1,
    MobileWallet = 2,
    Recurring = 3,
    Moto = 4,
}

impl Channel {
    pub const NAMES: [&'static str; 5] = [
        "card_present",
        "ecommerce",
        "mobile_wallet",
        "recurring",
        "moto",
    ];
}

/// How the card details reached the terminal; the order is the dictionary order in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryMode {
    Chip = 0,
    Contactless = 1,
    Magstripe = 2,
    Keyed = 3,
    Token = 4,
    Ecommerce = 5,
}

impl EntryMode {
    pub const NAMES: [&'static str; 6] = [
        "chip",
        "contactless",
        "magstripe",
        "keyed",
        "token",
        "ecommerce",
    ];
}

/// The whole scenario.
#[derive(Debug, Clone)]
pub struct Profile {
    /// IANA name of the local time zone, written into the timestamp type.
    pub timezone: String,
    /// Offset of local time from UTC, in seconds (the default zone has no DST).
    pub utc_offset_seconds: i64,
    pub home_currency: Currency,
    pub foreign_currency: Currency,
    pub categories: Vec<Category>,
    pub regions: Vec<Region>,
    /// Relative transaction intensity for each local hour 0..=23.
    pub hour_weights: [f64; 24],
    /// Relative intensity for Monday..Sunday.
    pub weekday_weights: [f64; 7],
    pub payday: PaydayEffect,
    /// Channel mix at merchants with a physical location.
    pub offline_channels: Vec<(Channel, f64)>,
    /// Entry-mode mix for a physical card at a terminal.
    pub card_present_entry: Vec<(EntryMode, f64)>,
    pub declines: DeclineModel,
    pub installments: InstallmentModel,
    /// Customers' spend-level tiers: (amount multiplier, share of customers).
    pub spend_tiers: Vec<(f64, f64)>,
    /// Share of cards that are credit cards (the rest are check/debit cards).
    pub credit_card_share: f64,
    /// Share of online merchants that sell in the foreign currency.
    pub foreign_online_merchant_share: f64,
    pub fraud: FraudModel,
    pub population: PopulationModel,
}

/// An ISO 4217 currency and how many minor units make one major unit.
#[derive(Debug, Clone)]
pub struct Currency {
    pub code: String,
    pub minor_units_per_major: i64,
    /// Value of one major unit in the home currency's major units.
    pub home_per_major: f64,
}

/// A merchant category and everything that depends on it.
#[derive(Debug, Clone)]
pub struct Category {
    pub key: String,
    /// ISO 18245 merchant category codes used by merchants of this category.
    pub mccs: Vec<i16>,
    /// Share of all transactions.
    pub share: f64,
    pub amount: AmountModel,
    /// Share of this category's merchants that are online only.
    pub online_merchant_share: f64,
    /// Channel mix at this category's online merchants.
    pub online_channels: Vec<(Channel, f64)>,
}

/// Amounts in home-currency major units: fixed prices with probabilities,
/// otherwise a lognormal given by its median and log-scale sigma, scaled by the
/// customer's spend level and rounded to `unit`.
#[derive(Debug, Clone)]
pub struct AmountModel {
    pub point_masses: Vec<(i64, f64)>,
    pub median: f64,
    pub sigma: f64,
    pub unit: i64,
}

/// A province-level region.
#[derive(Debug, Clone)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub population_share: f64,
    /// Weight of the region when placing merchants (spend is more concentrated
    /// in the capital than residence is).
    pub merchant_weight: f64,
}

/// More spending around payday.
#[derive(Debug, Clone)]
pub struct PaydayEffect {
    pub first_day: u32,
    pub last_day: u32,
    pub multiplier: f64,
}

/// Authorisation outcomes.
#[derive(Debug, Clone)]
pub struct DeclineModel {
    pub card_present_rate: f64,
    pub card_not_present_rate: f64,
    /// ISO 8583 DE39-style codes with their share among card-present declines.
    pub card_present_reasons: Vec<(String, f64)>,
    /// The same for card-not-present declines.
    pub card_not_present_reasons: Vec<(String, f64)>,
}

/// Instalment plans: only credit cards, only from `min_amount` up.
#[derive(Debug, Clone)]
pub struct InstallmentModel {
    pub min_amount: i64,
    /// (lower amount bound, probability of an instalment plan), ascending.
    pub probability_by_amount: Vec<(i64, f64)>,
    /// (months, weight).
    pub months: Vec<(i8, f64)>,
}

/// Interim fraud model until fraud campaigns land: in each time slot a small
/// set of cards is under attack, and fraudulent rows fall on those cards.
#[derive(Debug, Clone)]
pub struct FraudModel {
    /// Target share of transactions that are fraudulent.
    pub rate: f64,
    pub slot_days: u32,
    /// Mean fraudulent transactions per attacked card within one slot.
    pub txns_per_attacked_card: f64,
    /// Categories fraudsters buy in, with weights; the merchant chosen in the
    /// category decides whether the card is present.
    pub categories: Vec<(String, f64)>,
    /// Multiplier on the category's amount median.
    pub amount_multiplier: f64,
    pub decline_rate: f64,
}

/// How many entities a dataset of a given size has.
#[derive(Debug, Clone)]
pub struct PopulationModel {
    pub txns_per_customer_per_day: f64,
    pub cards_per_customer: f64,
    pub customers_per_merchant: f64,
    /// Shape of the Gamma distribution of customers' activity (mean 1).
    pub activity_shape: f64,
    /// Log-scale sigma of merchants' popularity.
    pub merchant_popularity_sigma: f64,
    pub max_customers: u64,
}

impl Profile {
    /// The built-in Korean-market profile (KRW, Korean regions, Korean rhythms).
    pub fn korean_default() -> Self {
        korea::profile()
    }

    pub fn category_index(&self, key: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.key == key)
    }
}

impl Profile {
    /// Checks what the samplers cannot: sizes that fit the file format and
    /// values that are in range. Weights are checked when samplers are built.
    pub fn validate(&self) -> Result<(), crate::CoreError> {
        let fail = |msg: String| Err(crate::CoreError::InvalidProfile(msg));
        let dictionary_limit = i8::MAX as usize;
        if self.categories.is_empty() || self.categories.len() > dictionary_limit {
            return fail(format!(
                "categories: need 1 to {dictionary_limit}, got {}",
                self.categories.len()
            ));
        }
        if self.regions.is_empty() || self.regions.len() > dictionary_limit {
            return fail(format!(
                "regions: need 1 to {dictionary_limit}, got {}",
                self.regions.len()
            ));
        }
        for c in &self.categories {
            let a = &c.amount;
            if c.mccs.is_empty() {
                return fail(format!(
                    "categories.{}.mccs: at least one code is needed",
                    c.key
                ));
            }
            if !(a.median > 0.0 && a.sigma >= 0.0 && a.unit >= 1) {
                return fail(format!(
                    "categories.{}.amount: need median > 0, sigma >= 0, unit >= 1",
                    c.key
                ));
            }
            if !(0.0..=1.0).contains(&c.online_merchant_share) {
                return fail(format!(
                    "categories.{}.online_merchant_share must be in [0, 1]",
                    c.key
                ));
            }
            if c.online_merchant_share > 0.0 && c.online_channels.is_empty() {
                return fail(format!(
                    "categories.{}.online_channels: needed for online merchants",
                    c.key
                ));
            }
            let mass: f64 = a.point_masses.iter().map(|&(_, p)| p).sum();
            if a.point_masses
                .iter()
                .any(|&(amount, p)| amount <= 0 || p < 0.0)
                || mass > 1.0
            {
                return fail(format!(
                    "categories.{}.amount.point_masses: amounts > 0, probabilities summing to at most 1",
                    c.key
                ));
            }
        }
        let rates = [
            ("credit_card_share", self.credit_card_share),
            (
                "foreign_online_merchant_share",
                self.foreign_online_merchant_share,
            ),
            (
                "declines.card_present_rate",
                self.declines.card_present_rate,
            ),
            (
                "declines.card_not_present_rate",
                self.declines.card_not_present_rate,
            ),
            ("fraud.rate", self.fraud.rate),
            ("fraud.decline_rate", self.fraud.decline_rate),
        ];
        for (key, value) in rates {
            if !(0.0..=1.0).contains(&value) {
                return fail(format!("{key} = {value}: must be in [0, 1]"));
            }
        }
        let codes =
            self.declines.card_present_reasons.len() + self.declines.card_not_present_reasons.len();
        if codes + 1 > dictionary_limit {
            return fail(format!(
                "declines: at most {} reason codes",
                dictionary_limit - 1
            ));
        }
        if self
            .hour_weights
            .iter()
            .chain(&self.weekday_weights)
            .any(|w| w.is_nan() || *w < 0.0)
            || self.hour_weights.iter().sum::<f64>() <= 0.0
            || self.weekday_weights.iter().sum::<f64>() <= 0.0
        {
            return fail("hour_weights and weekday_weights: non-negative, not all zero".into());
        }
        if self.fraud.slot_days == 0
            || !(self.fraud.txns_per_attacked_card.is_finite()
                && self.fraud.txns_per_attacked_card > 0.0)
        {
            return fail("fraud: slot_days >= 1 and txns_per_attacked_card > 0".into());
        }
        if self.spend_tiers.is_empty() {
            return fail("spend_tiers: at least one tier".into());
        }
        Ok(())
    }
}
