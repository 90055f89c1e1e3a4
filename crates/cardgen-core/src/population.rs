//! Customers, cards and merchants: stateless entities with stable habits.
//!
//! Every attribute of an entity is a pure function of `(seed, entity id)`: a
//! card's owner, a customer's spend tier, a merchant's category, region and
//! popularity. Any batch can therefore reference any entity without shared
//! state, and the same card belongs to the same customer in every row and every
//! run. The only precomputed state is [`EntityIndex`]: read-only lookup tables
//! (who is how active, which merchants sell what) derived from the seed and the
//! population sizes, built once and shared by all workers.

use rand_distr::{Distribution, Gamma};

use crate::error::CoreError;
use crate::profile::Profile;
use crate::sampling::Categorical;
use crate::seed::{Domain, EntityHash, stream_rng};

/// How many customers, cards and merchants a dataset has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationSizes {
    pub customers: u64,
    pub cards: u64,
    pub merchants: u64,
}

impl PopulationSizes {
    /// Sizes implied by the row count and the length of the date range:
    /// `customers = rows / (txns_per_customer_per_day * days)` (at least 1, at
    /// most the profile's cap), `cards = customers * cards_per_customer`,
    /// `merchants = customers / customers_per_merchant` (at least two per category).
    pub fn derive(profile: &Profile, rows: u64, days: u32) -> Self {
        let model = &profile.population;
        let per_customer = model.txns_per_customer_per_day * f64::from(days.max(1));
        let customers = ((rows as f64 / per_customer).round() as u64).clamp(1, model.max_customers);
        let cards = ((customers as f64 * model.cards_per_customer).round() as u64).max(customers);
        let min_merchants = 2 * profile.categories.len() as u64;
        let merchants =
            ((customers as f64 / model.customers_per_merchant).round() as u64).max(min_merchants);
        Self {
            customers,
            cards,
            merchants,
        }
    }
}

/// Attributes of one card that rows need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFacts {
    pub customer_id: u64,
    pub is_credit: bool,
}

/// Attributes of one merchant that rows need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerchantFacts {
    pub category: u8,
    pub mcc: i16,
    /// Index into the profile's regions; `None` for online merchants.
    pub region: Option<u8>,
    pub foreign_currency: bool,
}

impl MerchantFacts {
    pub fn is_online(&self) -> bool {
        self.region.is_none()
    }
}

/// The card's owner: the first `customers` cards are each customer's main card,
/// the rest are extra cards of hash-chosen customers.
pub fn card_facts(
    seed: u64,
    sizes: &PopulationSizes,
    credit_share: f64,
    card_id: u64,
) -> CardFacts {
    let hash = EntityHash::new(seed, Domain::Card, card_id);
    let customer_id = if card_id < sizes.customers {
        card_id
    } else {
        hash.bits(0) % sizes.customers
    };
    CardFacts {
        customer_id,
        is_credit: hash.unit(1) < credit_share,
    }
}

/// Index of the customer's spend tier in the profile's `spend_tiers`.
pub fn customer_spend_tier(seed: u64, profile: &Profile, customer_id: u64) -> usize {
    let mut u = EntityHash::new(seed, Domain::Customer, customer_id).unit(0);
    let total: f64 = profile.spend_tiers.iter().map(|&(_, w)| w).sum();
    for (tier, &(_, weight)) in profile.spend_tiers.iter().enumerate() {
        u -= weight / total;
        if u < 0.0 {
            return tier;
        }
    }
    profile.spend_tiers.len() - 1
}

/// Read-only tables shared by every worker.
#[derive(Debug)]
pub struct EntityIndex {
    sizes: PopulationSizes,
    /// Chooses a card in proportion to its owner's activity.
    cards_by_activity: Categorical,
    merchants: Vec<MerchantFacts>,
    /// Per category: its merchant ids and a popularity-weighted chooser.
    merchants_by_category: Vec<(Vec<u32>, Categorical)>,
}

impl EntityIndex {
    pub fn build(seed: u64, profile: &Profile, sizes: PopulationSizes) -> Result<Self, CoreError> {
        if sizes.cards > u64::from(u32::MAX) || sizes.merchants > u64::from(u32::MAX) {
            return Err(CoreError::InvalidOptions(
                "population too large: at most 4,294,967,295 cards and merchants".into(),
            ));
        }
        let activity = customer_activity(seed, profile, sizes.customers)?;
        let card_weights = (0..sizes.cards).map(|card| {
            let facts = card_facts(seed, &sizes, profile.credit_card_share, card);
            // Main cards carry most of a customer's spend.
            let card_share = if card < sizes.customers { 1.0 } else { 0.5 };
            f64::from(activity[facts.customer_id as usize]) * card_share
        });
        let cards_by_activity = Categorical::new("card activity", card_weights)?;

        let merchants: Vec<MerchantFacts> = (0..sizes.merchants)
            .map(|id| merchant_facts(seed, profile, id))
            .collect::<Result<_, _>>()?;
        let mut ids_by_category = vec![Vec::new(); profile.categories.len()];
        for (id, facts) in merchants.iter().enumerate() {
            ids_by_category[facts.category as usize].push(id as u32);
        }
        let sigma = profile.population.merchant_popularity_sigma;
        let merchants_by_category = ids_by_category
            .into_iter()
            .zip(&profile.categories)
            .map(|(ids, category)| {
                let popularity = ids.iter().map(|&id| merchant_popularity(seed, sigma, id));
                let chooser = Categorical::new(&format!("{} merchants", category.key), popularity)?;
                Ok((ids, chooser))
            })
            .collect::<Result<_, CoreError>>()?;
        Ok(Self {
            sizes,
            cards_by_activity,
            merchants,
            merchants_by_category,
        })
    }

    pub fn sizes(&self) -> &PopulationSizes {
        &self.sizes
    }

    pub fn cards_by_activity(&self) -> &Categorical {
        &self.cards_by_activity
    }

    pub fn merchant(&self, merchant_id: u64) -> &MerchantFacts {
        &self.merchants[merchant_id as usize]
    }

    /// Merchant ids of a category and the popularity-weighted chooser over them.
    pub fn merchants_in(&self, category: usize) -> (&[u32], &Categorical) {
        let (ids, chooser) = &self.merchants_by_category[category];
        (ids, chooser)
    }
}

/// Mean-one Gamma activity per customer: a few heavy users, many light ones.
fn customer_activity(seed: u64, profile: &Profile, customers: u64) -> Result<Vec<f32>, CoreError> {
    let shape = profile.population.activity_shape;
    let gamma = Gamma::new(shape, 1.0 / shape).map_err(|e| {
        CoreError::InvalidProfile(format!("population.activity_shape = {shape}: {e}"))
    })?;
    Ok((0..customers)
        .map(|id| {
            let mut rng = stream_rng(seed, Domain::Customer, id);
            gamma.sample(&mut rng) as f32
        })
        .collect())
}

/// Lognormal popularity, from the merchant's own hash.
fn merchant_popularity(seed: u64, sigma: f64, merchant_id: u32) -> f64 {
    let mut rng = stream_rng(seed, Domain::Merchant, u64::from(merchant_id));
    let z: f64 = rand_distr::StandardNormal.sample(&mut rng);
    (sigma * z).exp()
}

/// A merchant's category, code, location and currency. The first merchants
/// cover each category once so that no category is left without a merchant.
pub fn merchant_facts(
    seed: u64,
    profile: &Profile,
    merchant_id: u64,
) -> Result<MerchantFacts, CoreError> {
    let hash = EntityHash::new(seed, Domain::Merchant, merchant_id);
    let categories = &profile.categories;
    let category = if merchant_id < categories.len() as u64 {
        merchant_id as usize
    } else {
        pick(hash.unit(1), categories.iter().map(|c| c.share))
    };
    let spec = &categories[category];
    let mcc = spec.mccs[(hash.bits(2) % spec.mccs.len() as u64) as usize];
    let online = hash.unit(3) < spec.online_merchant_share;
    let region = if online {
        None
    } else {
        Some(pick(
            hash.unit(4),
            profile.regions.iter().map(|r| r.merchant_weight),
        ) as u8)
    };
    let foreign_currency = online && hash.unit(5) < profile.foreign_online_merchant_share;
    Ok(MerchantFacts {
        category: category as u8,
        mcc,
        region,
        foreign_currency,
    })
}

/// Index chosen by a uniform `u` against cumulative weights (for build-time
/// draws where an alias table would cost more than it saves).
fn pick(u: f64, weights: impl Iterator<Item = f64> + Clone) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes() -> PopulationSizes {
        PopulationSizes::derive(&Profile::korean_default(), 10_000_000, 365)
    }

    #[test]
    fn sizes_follow_the_documented_formula() {
        let s = sizes();
        assert_eq!(s.customers, (10_000_000f64 / (1.6 * 365.0)).round() as u64);
        assert!(s.cards >= s.customers);
        assert_eq!(
            PopulationSizes::derive(&Profile::korean_default(), 1, 365).customers,
            1
        );
    }

    #[test]
    fn a_card_always_belongs_to_the_same_customer() {
        let s = sizes();
        for card in [0, 5, s.customers, s.cards - 1] {
            let a = card_facts(7, &s, 0.62, card);
            assert_eq!(a, card_facts(7, &s, 0.62, card));
            assert!(a.customer_id < s.customers);
        }
    }

    #[test]
    fn every_category_has_merchants_and_online_ones_have_no_region() {
        let profile = Profile::korean_default();
        let index = EntityIndex::build(3, &profile, sizes()).unwrap();
        for (category, spec) in profile.categories.iter().enumerate() {
            let (ids, _) = index.merchants_in(category);
            assert!(!ids.is_empty(), "{} has no merchant", spec.key);
            for &id in ids {
                let m = index.merchant(u64::from(id));
                assert!(spec.mccs.contains(&m.mcc));
                if spec.online_merchant_share == 1.0 {
                    assert!(m.is_online());
                }
                if m.foreign_currency {
                    assert!(m.is_online());
                }
            }
        }
    }
}
