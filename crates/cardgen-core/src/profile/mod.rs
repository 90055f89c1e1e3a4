//! Scenario profiles: every number that shapes the data, kept as data.
//!
//! A [`Profile`] says what the market looks like: currency, regions and their
//! populations, merchant categories with their amount and hour-of-day models,
//! customer personas, weekly and holiday rhythms, card brands and issuers,
//! decline, instalment, refund and fraud rates, and population ratios.
//! Generators read it and never hard-code market facts, so another market is
//! another profile (a TOML scenario file), not another code path.
//!
//! The built-in profile is data too: `profiles/korea.toml` in this crate,
//! embedded at build time ([`KOREAN_DEFAULT_TOML`]) and read by
//! [`Profile::from_toml_str`], the same code that reads a user's `--config`
//! file. [`Profile::korean_default`] returns it; `cardgen config
//! --print-default` prints the file, comments included. Every key is checked
//! by [`Profile::validate`], and errors name the key.

mod fraud;
mod holidays;
mod parse;
mod validate;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use fraud::{
    FraudDrift, FraudModel, FraudScenario, FraudType, GLOBAL_FRAUD_SHARES, LABEL_SOURCES,
    MAX_FRAUD_RATE,
};
pub use parse::ProfileError;

/// The built-in Korean profile as shipped: a TOML scenario with comments on
/// where its figures come from, read like any user's scenario file.
pub const KOREAN_DEFAULT_TOML: &str = include_str!("../../profiles/korea.toml");

/// Payment channel of a transaction; the order is the dictionary order in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A short label for the scenario (letters, digits, `_`, `-`, `.`); the
    /// built-in profile's, `korean_default`, is what files made with it record
    /// as `cardgen.profile`.
    pub name: String,
    /// IANA name of the local time zone, written into the timestamp type.
    pub timezone: String,
    /// Offset of local time from UTC, in seconds (the zone must not observe DST).
    pub utc_offset_seconds: i64,
    pub home_currency: Currency,
    pub foreign_currency: Currency,
    /// Share of cards that are credit cards (the rest are check/debit cards).
    pub credit_card_share: f64,
    /// Share of online merchants that sell in the foreign currency.
    pub foreign_online_merchant_share: f64,
    /// Relative intensity for Monday..Sunday.
    pub weekday_weights: [f64; 7],
    pub payday: PaydayEffect,
    pub holidays: HolidayEffect,
    /// Channel mix at merchants with a physical location.
    pub offline_channels: BTreeMap<Channel, f64>,
    /// Entry-mode mix for a physical card at a terminal.
    pub card_present_entry: BTreeMap<EntryMode, f64>,
    pub locality: Locality,
    pub declines: DeclineModel,
    pub installments: InstallmentModel,
    pub reversals: ReversalModel,
    pub cards: CardModel,
    pub fraud: FraudModel,
    pub population: PopulationModel,
    /// How customers change over the dataset's range. Scenario files
    /// written before it take the built-in profile's rates.
    #[serde(default)]
    pub changes: ChangeModel,
    pub names: Names,
    pub reference: ReferenceTable,
    pub regions: Vec<Region>,
    pub personas: Vec<Persona>,
    /// Income bands: spend multiplier and share of customers.
    pub income_bands: Vec<IncomeBand>,
    pub categories: Vec<Category>,
}

/// An ISO 4217 currency and how many minor units make one major unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    pub code: String,
    pub minor_units_per_major: i64,
    /// Value of one major unit in the home currency's major units.
    pub home_per_major: f64,
}

/// A merchant category and everything that depends on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub key: String,
    /// ISO 18245 merchant category codes used by merchants of this category.
    pub mccs: Vec<i16>,
    /// Share of all transactions.
    pub share: f64,
    pub amount: AmountModel,
    /// Relative intensity for each local hour 0..=23.
    pub hour_weights: [f64; 24],
    /// Share of this category's merchants that are online only.
    pub online_merchant_share: f64,
    /// Channel mix at this category's online merchants.
    #[serde(default)]
    pub online_channels: BTreeMap<Channel, f64>,
    /// Regular merchants each customer keeps in this category.
    pub regular_merchants: u32,
}

/// Amounts in home-currency minor units: fixed prices with probabilities,
/// otherwise a lognormal given by its median and log-scale sigma, scaled by
/// the customer's spend level and rounded to `unit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountModel {
    pub median: f64,
    pub sigma: f64,
    pub unit: i64,
    #[serde(default)]
    pub point_masses: Vec<PointMass>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointMass {
    pub amount: i64,
    pub probability: f64,
}

/// A province-level region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// Weight of the region as a home.
    pub population_share: f64,
    /// Weight of the region as a workplace (commuters flow to the capital).
    pub work_weight: f64,
    /// Weight of the region when placing merchants.
    pub merchant_weight: f64,
}

/// A customer segment: how many there are, how much and on what they spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    pub name: String,
    pub share: f64,
    pub spend_multiplier: f64,
    /// Mean of the segment's Gamma-distributed activity (1 = average).
    pub activity: f64,
    /// Multipliers on category shares; categories not named keep 1.
    #[serde(default)]
    pub category_multipliers: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeBand {
    pub name: String,
    pub share: f64,
    pub spend_multiplier: f64,
}

/// More spending around payday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaydayEffect {
    pub first_day: u32,
    pub last_day: u32,
    pub multiplier: f64,
}

/// Public holidays: less spending on the day, more on the days before major ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayEffect {
    pub holiday_multiplier: f64,
    pub eve_days: u32,
    pub eve_multiplier: f64,
    pub dates: Vec<Holiday>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
    /// Major (family) holidays get the eve effect.
    #[serde(default)]
    pub major: bool,
}

/// Where card-present purchases happen and how loyal customers are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locality {
    /// Share of purchases made at one of the customer's regular merchants.
    pub repeat_share: f64,
    /// Share of other card-present purchases made in the home or work region.
    pub home_or_work_share: f64,
    /// Share of the non-regular home/work purchases made near work.
    pub work_share: f64,
}

/// How often customers and cards change, per entity and year: each year from
/// the start of the dataset a customer may move (another home region),
/// change income band, and change segment, and a credit card's limit may
/// change, each at most once; an extra card may be closed once in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeModel {
    /// Probability of moving to another region in a year.
    pub move_rate: f64,
    /// Probability of changing income band (by one band) in a year.
    pub income_change_rate: f64,
    /// Share of income changes that go up a band.
    pub income_up_share: f64,
    /// Probability of changing segment (persona) in a year.
    pub segment_change_rate: f64,
    /// Probability that a credit card's limit changes in a year.
    pub limit_change_rate: f64,
    /// Share of limit changes that raise it (by half; a cut takes 30% off).
    pub limit_up_share: f64,
    /// Probability that a holder closes an extra card in a year (a main
    /// card stays open: its owner pays with it once the extra card closes).
    pub extra_card_close_rate: f64,
}

impl Default for ChangeModel {
    /// The built-in profile's rates.
    fn default() -> Self {
        Profile::korean_default_shared().changes.clone()
    }
}

/// Authorisation outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineModel {
    pub card_present_rate: f64,
    pub card_not_present_rate: f64,
    /// ISO 8583 DE39-style codes with their weight among card-present declines.
    pub card_present_reasons: BTreeMap<String, f64>,
    /// The same for card-not-present declines.
    pub card_not_present_reasons: BTreeMap<String, f64>,
}

/// Instalment plans: only credit cards, only from `min_amount` up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstallmentModel {
    pub min_amount: i64,
    /// Probability of a plan from each amount up, ascending.
    pub probability_by_amount: Vec<AmountProbability>,
    pub months: Vec<MonthsWeight>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountProbability {
    pub from: i64,
    pub probability: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthsWeight {
    pub months: i8,
    pub weight: f64,
}

/// Cancels (minutes to hours after the purchase) and refunds (days after).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReversalModel {
    pub cancel_rate: f64,
    pub cancel_mean_minutes: f64,
    pub refund_rate: f64,
    pub refund_max_days: u32,
}

/// Card products: brands with their number formats, issuers, validity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardModel {
    pub validity_years: u32,
    /// Share of the extra (non-main) cards issued during the date range; the
    /// rest, and every main card, exist before it.
    pub new_card_share: f64,
    /// Weight of an extra (non-main) card when a purchase picks a card by its
    /// owner's activity; a main card's weight is 1.
    pub extra_card_weight: f64,
    pub brands: Vec<Brand>,
    pub issuers: Vec<Issuer>,
    pub products: Vec<Product>,
}

/// A card brand: its share and the BIN prefixes and length of its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    pub name: String,
    pub share: f64,
    /// Leading digits the brand's 6-digit BINs start with, e.g. `["51", "2221"]`.
    pub prefixes: Vec<String>,
    /// PAN length in digits (check digit included).
    pub length: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    pub name: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub share: f64,
    /// Credit limit in home-currency minor units, for credit cards.
    pub credit_limit: i64,
}

/// How many entities a dataset of a given size has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationModel {
    pub txns_per_customer_per_day: f64,
    pub cards_per_customer: f64,
    pub customers_per_merchant: f64,
    /// Shape of the Gamma distribution of customers' activity.
    pub activity_shape: f64,
    /// Log-scale sigma of merchants' popularity.
    pub merchant_popularity_sigma: f64,
    pub max_customers: u64,
    /// Probability that a customer works in the home region; the others'
    /// work region is drawn by `regions[].work_weight`.
    pub work_in_home_region_share: f64,
}

/// What the names in the dimension tables are made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// A customer's name is one of these family names followed by two
    /// `given_syllables`.
    pub family: Vec<String>,
    pub given_syllables: Vec<String>,
    /// A merchant's name is two of these words, its category and its id.
    pub merchant_words: Vec<String>,
}

/// The peer-comparison table (`--table reference`): its category
/// dictionary, the names every peer generator writes. Its regions are the
/// names of [`Profile::regions`], its currencies the home and foreign one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceTable {
    pub categories: Vec<String>,
}

impl Profile {
    /// The built-in Korean-market profile (KRW, Korean regions and rhythms):
    /// [`KOREAN_DEFAULT_TOML`], read by [`Profile::from_toml_str`] once per
    /// process.
    ///
    /// # Panics
    ///
    /// If the embedded file does not parse or validate, which a unit test
    /// rules out.
    pub fn korean_default() -> Self {
        Self::korean_default_shared().as_ref().clone()
    }

    /// [`Self::korean_default`], parsed once per process and shared.
    pub fn korean_default_shared() -> std::sync::Arc<Profile> {
        static DEFAULT: OnceLock<std::sync::Arc<Profile>> = OnceLock::new();
        std::sync::Arc::clone(DEFAULT.get_or_init(|| {
            std::sync::Arc::new(
                Profile::from_toml_str(KOREAN_DEFAULT_TOML).unwrap_or_else(|e| {
                    panic!("the built-in profile (cardgen-core/profiles/korea.toml) is broken: {e}")
                }),
            )
        }))
    }

    pub fn category_index(&self, key: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.key == key)
    }

    /// Hour-of-day intensity of all spending: the categories' curves, each
    /// normalised and weighted by the category's share.
    pub fn hour_weights(&self) -> [f64; 24] {
        let mut mix = [0.0; 24];
        for category in &self.categories {
            let total: f64 = category.hour_weights.iter().sum();
            if total > 0.0 {
                for (slot, w) in mix.iter_mut().zip(category.hour_weights) {
                    *slot += category.share * w / total;
                }
            }
        }
        mix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_profile_reads_and_validates() {
        if let Err(e) = Profile::from_toml_str(KOREAN_DEFAULT_TOML) {
            panic!("profiles/korea.toml: {e}");
        }
        assert_eq!(
            Profile::korean_default(),
            Profile::from_toml_str(KOREAN_DEFAULT_TOML).unwrap()
        );
    }
}
