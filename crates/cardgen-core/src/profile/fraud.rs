//! The fraud section of a profile: how often fraud happens, which kinds,
//! how each kind behaves, when the issuer learns of it, and how all that
//! drifts over the date range.
//!
//! Fraud is made of *cases*: one process each (a lost card used in shops
//! for a few hours, a skimmed card cashed out weeks later, a tester merchant
//! probing stolen numbers, …). The knobs here are per kind; the code in
//! [`crate::fraud`] turns them into cases and rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Profile, ProfileError};

/// The kinds of fraud case; the order is the dictionary order in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FraudType {
    /// A lost or stolen card used in shops within hours, then blocked.
    LostStolen = 0,
    /// A card skimmed at a merchant its owner visited, cashed out later.
    Counterfeit = 1,
    /// Card details used online, at night, from a device the owner never used.
    CnpCompromise = 2,
    /// Tiny authorisations on many cards at one tester merchant.
    CardTesting = 3,
    /// A new device enrolled on the account, then large and cash-like spend.
    AccountTakeover = 4,
    /// A merchant charging many distinct cards round amounts.
    MerchantCollusion = 5,
    /// A genuine purchase later disputed by its cardholder.
    FriendlyFraud = 6,
}

impl FraudType {
    pub const ALL: [FraudType; 7] = [
        FraudType::LostStolen,
        FraudType::Counterfeit,
        FraudType::CnpCompromise,
        FraudType::CardTesting,
        FraudType::AccountTakeover,
        FraudType::MerchantCollusion,
        FraudType::FriendlyFraud,
    ];

    pub const NAMES: [&'static str; 7] = [
        "lost_stolen",
        "counterfeit",
        "cnp_compromise",
        "card_testing",
        "account_takeover",
        "merchant_collusion",
        "friendly_fraud",
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Shares of fraud rows by kind for markets where card-not-present fraud
/// dominates (`cardgen config --print-default --fraud-preset global`):
/// card-not-present fraud is about 79% of fraud value in Europe and the UK
/// (ECB 2018, UK Finance 2021) and 54% of US losses on under 15% of volume
/// (Nilson 2018); lost and stolen cards lead what is left (55% of European
/// card-present fraud value, counterfeit 26%).
pub const GLOBAL_FRAUD_SHARES: [(FraudType, f64); 7] = [
    (FraudType::LostStolen, 0.16),
    (FraudType::Counterfeit, 0.08),
    (FraudType::CnpCompromise, 0.38),
    (FraudType::CardTesting, 0.04),
    (FraudType::AccountTakeover, 0.12),
    (FraudType::MerchantCollusion, 0.04),
    (FraudType::FriendlyFraud, 0.18),
];

/// How the issuer learned of a case; the order is the dictionary order in files.
pub const LABEL_SOURCES: [&str; 3] = ["cardholder_report", "issuer_detection", "chargeback"];

/// `[fraud]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudModel {
    /// Share of transactions that belong to a fraud case, declined attempts
    /// included (before drift).
    pub rate: f64,
    /// Share of cases the issuer never learns of (their rows have no
    /// `label_ts`); friendly fraud is always disputed, so always labelled.
    pub undetected_share: f64,
    /// Share of the cards that pass card testing which are then used in a
    /// card-not-present case of their own, a child of the testing case.
    pub tested_card_reuse_share: f64,
    /// Per kind: its share of fraud rows and how it behaves.
    pub scenarios: BTreeMap<FraudType, FraudScenario>,
    /// Changes of the rate or the mix over the range, in order of `at`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<FraudDrift>,
}

/// `[fraud.scenarios.KIND]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudScenario {
    /// Relative share of fraud rows of this kind.
    pub share: f64,
    /// Mean rows per case (attempts, declined ones included).
    pub rows_per_case: f64,
    /// Mean length of a case's activity, in hours.
    pub duration_hours: f64,
    /// Multiplier on the category's amount for the victim (card testing:
    /// a small fraction).
    pub amount_multiplier: f64,
    /// Probability that an attempt is declined before the card is blocked.
    pub decline_rate: f64,
    /// The issuer learns of a case at least this many days after it starts…
    pub label_delay_min_days: f64,
    /// …plus an exponential delay with this mean.
    pub label_delay_mean_days: f64,
    /// Categories the fraud buys in, with weights (empty: the victim's own
    /// habits, as in friendly fraud).
    #[serde(default)]
    pub categories: BTreeMap<String, f64>,
}

/// `[[fraud.drift]]`: from `at` (a fraction of the date range) on, the rate
/// is multiplied by `rate_multiplier` and each kind's share by its entry in
/// `mix_multipliers` (1 when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudDrift {
    pub at: f64,
    #[serde(default = "one")]
    pub rate_multiplier: f64,
    #[serde(default)]
    pub mix_multipliers: BTreeMap<FraudType, f64>,
}

fn one() -> f64 {
    1.0
}

/// The highest fraud rate a profile may ask for: beyond it fraud would no
/// longer be the rare class models are built for.
pub const MAX_FRAUD_RATE: f64 = 0.05;

fn invalid<T>(
    key: impl std::fmt::Display,
    message: impl std::fmt::Display,
) -> Result<T, ProfileError> {
    Err(ProfileError::invalid(key, message))
}

fn within(key: &str, value: f64, low: f64, high: f64) -> Result<(), ProfileError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(())
    } else {
        invalid(key, format!("{value} is not in [{low}, {high}]"))
    }
}

impl FraudModel {
    /// Checks every knob; errors name the key.
    pub(super) fn validate(&self, profile: &Profile) -> Result<(), ProfileError> {
        within("fraud.rate", self.rate, 0.0, MAX_FRAUD_RATE)?;
        within("fraud.undetected_share", self.undetected_share, 0.0, 1.0)?;
        within(
            "fraud.tested_card_reuse_share",
            self.tested_card_reuse_share,
            0.0,
            1.0,
        )?;
        let mut total_share = 0.0;
        for (kind, s) in &self.scenarios {
            let key = |field: &str| format!("fraud.scenarios.{}.{field}", kind.name());
            within(&key("share"), s.share, 0.0, 1e6)?;
            total_share += s.share;
            let max_rows = if *kind == FraudType::FriendlyFraud {
                1.0
            } else {
                1000.0
            };
            within(&key("rows_per_case"), s.rows_per_case, 1.0, max_rows)?;
            within(&key("duration_hours"), s.duration_hours, 0.01, 24.0 * 90.0)?;
            within(&key("amount_multiplier"), s.amount_multiplier, 0.0001, 20.0)?;
            within(&key("decline_rate"), s.decline_rate, 0.0, 1.0)?;
            within(
                &key("label_delay_min_days"),
                s.label_delay_min_days,
                0.0,
                365.0,
            )?;
            within(
                &key("label_delay_mean_days"),
                s.label_delay_mean_days,
                0.0,
                365.0,
            )?;
            let mut weight = 0.0;
            for (category, w) in &s.categories {
                if profile.category_index(category).is_none() {
                    return invalid(key(&format!("categories.{category}")), "no such category");
                }
                within(&key(&format!("categories.{category}")), *w, 0.0, 1e6)?;
                weight += w;
            }
            let needs_categories = *kind != FraudType::FriendlyFraud && s.share > 0.0;
            if needs_categories && weight <= 0.0 {
                return invalid(key("categories"), "needs at least one weight above 0");
            }
        }
        if self.rate > 0.0 && total_share <= 0.0 {
            return invalid("fraud.scenarios", "needs at least one kind with share > 0");
        }
        let mut previous = -1.0;
        for (i, drift) in self.drift.iter().enumerate() {
            let key = |field: &str| format!("fraud.drift[{i}].{field}");
            if !(drift.at.is_finite() && (0.0..1.0).contains(&drift.at)) {
                return invalid(key("at"), format!("{} is not in [0, 1)", drift.at));
            }
            if drift.at <= previous {
                return invalid(key("at"), "must be greater than the previous entry's");
            }
            previous = drift.at;
            within(&key("rate_multiplier"), drift.rate_multiplier, 0.0, 100.0)?;
            if self.rate * drift.rate_multiplier > MAX_FRAUD_RATE {
                return invalid(
                    key("rate_multiplier"),
                    format!("makes the fraud rate exceed {MAX_FRAUD_RATE}"),
                );
            }
            for (kind, m) in &drift.mix_multipliers {
                within(
                    &key(&format!("mix_multipliers.{}", kind.name())),
                    *m,
                    0.0,
                    1e6,
                )?;
                if !self.scenarios.contains_key(kind) {
                    return invalid(
                        key(&format!("mix_multipliers.{}", kind.name())),
                        "no such entry in fraud.scenarios",
                    );
                }
            }
        }
        Ok(())
    }
}
