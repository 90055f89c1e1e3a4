//! The world: one dataset's population and the read-only lookup tables every
//! generator shares.
//!
//! Everything here is derived from the seed, the profile, the date range and
//! the population sizes, so it is a cache of values any batch could recompute:
//! the customer model (traits, activity and the choice of a card by its
//! owner's activity, all computed from ids, see [`crate::customers`]),
//! merchants and alias tables to choose one by popularity within a category
//! and region, and a category given the customer's persona and the hour.
//! Fraud is derived from a world, so it is kept beside it, not in it (see
//! [`crate::fraud::WorldWithFraud`]).

use std::sync::Arc;

use crate::changes::CustomerChanges;
use crate::customers::{CustomerFacts, CustomerModel};
use crate::date_range::DateRange;
use crate::error::CoreError;
use crate::merchants::{MerchantModel, MerchantRef};
use crate::population::{
    CardClosure, CardFacts, CardOwner, MerchantFacts, PopulationSizes, card_facts, card_owned_by,
};
use crate::profile::Profile;
use crate::sampling::Categorical;
use crate::seed::{Domain, Salt, StreamRng, mix64};

/// A card in use, with its owner's traits.
#[derive(Debug, Clone, Copy)]
pub struct ActiveCard {
    pub id: u64,
    pub card: CardOwner,
    pub customer: CustomerFacts,
}

/// What the world is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldOptions {
    pub seed: u64,
    /// Transactions the dataset will have (drives the population sizes).
    pub rows: u64,
    pub range: DateRange,
    pub customers: Option<u64>,
    pub merchants: Option<u64>,
}

#[derive(Debug)]
pub struct World {
    pub options: WorldOptions,
    pub profile: Arc<Profile>,
    pub sizes: PopulationSizes,
    customers: CustomerModel,
    changes: CustomerChanges,
    merchants: MerchantModel,
    /// `[persona × 24 + hour]`: category chooser.
    categories: Vec<Categorical>,
    card_salt: Salt,
    card_closure: CardClosure,
    regulars_salt: Salt,
}

impl World {
    pub fn build(options: WorldOptions, profile: Arc<Profile>) -> Result<Self, CoreError> {
        profile.validate()?;
        if options.range.days == 0 {
            return Err(CoreError::InvalidOptions(
                "the date range must cover at least one day".into(),
            ));
        }
        let max_days = max_days(&profile);
        if options.range.days > max_days {
            return Err(CoreError::InvalidOptions(format!(
                "days = {} is longer than cards stay valid (cards.validity_years = {}): at most {max_days} days",
                options.range.days, profile.cards.validity_years
            )));
        }
        let sizes = PopulationSizes::derive(
            &profile,
            options.rows,
            options.range.days,
            options.customers,
            options.merchants,
        );
        if sizes.cards > u64::from(u32::MAX) || sizes.merchants > u64::from(u32::MAX) {
            return Err(CoreError::InvalidOptions(
                "population too large: at most 4,294,967,295 cards and merchants".into(),
            ));
        }
        let seed = options.seed;
        let customers = CustomerModel::new(seed, &profile, &sizes)?;
        let changes = CustomerChanges::new(seed, &profile, options.range.start_epoch_day())?;

        let merchants = MerchantModel::new(seed, &profile, sizes.merchants)?;
        let categories = category_tables(&profile)?;
        let card_closure = CardClosure::of(&profile);
        Ok(Self {
            options,
            profile,
            sizes,
            customers,
            changes,
            merchants,
            categories,
            card_salt: Salt::new(seed, Domain::Card),
            card_closure,
            regulars_salt: Salt::new(seed, Domain::Regulars),
        })
    }

    /// A world of the built-in profile with derived population sizes.
    pub fn with_default_profile(
        seed: u64,
        rows: u64,
        range: DateRange,
    ) -> Result<Arc<Self>, CoreError> {
        let profile = Profile::korean_default();
        let options = WorldOptions {
            seed,
            rows,
            range,
            customers: None,
            merchants: None,
        };
        Ok(Arc::new(Self::build(options, Arc::new(profile))?))
    }

    pub fn seed(&self) -> u64 {
        self.options.seed
    }

    pub fn range(&self) -> &DateRange {
        &self.options.range
    }

    /// A customer's stable traits, computed from the id (no table).
    #[inline]
    pub fn customer(&self, id: u64) -> CustomerFacts {
        self.customers.facts(id)
    }

    /// How customers change over time.
    pub fn changes(&self) -> &CustomerChanges {
        &self.changes
    }

    /// A customer's traits on local day `day`, its changes up to then applied.
    pub fn customer_on(&self, id: u64, day: i64) -> CustomerFacts {
        self.changes.on(id, self.customers.facts(id), day)
    }

    /// A customer's traits on the dataset's first day and its expected
    /// transactions per day.
    pub fn customer_row(&self, id: u64) -> (CustomerFacts, f64) {
        let rows_per_day = self.options.rows as f64 / f64::from(self.options.range.days);
        self.customers.facts_and_rate(id, rows_per_day)
    }

    /// Owner, kind and validity of a card: cheap, for every row.
    #[inline]
    pub fn card(&self, id: u64) -> CardOwner {
        card_owned_by(
            self.card_salt,
            &self.profile,
            &self.sizes,
            &self.options.range,
            &self.card_closure,
            id,
            self.customers.owner_of_card(id),
        )
    }

    /// Everything about a card, for the `cards` table.
    pub fn card_details(&self, id: u64) -> CardFacts {
        card_facts(self.options.seed, &self.profile, self.card(id), id)
    }

    /// Everything about a merchant, for the `merchants` table (computed).
    pub fn merchant(&self, id: u64) -> MerchantFacts {
        self.merchants.facts(id)
    }

    /// A card chosen in proportion to its owner's activity, valid on `day`,
    /// with its owner's traits on that day: an extra card not yet issued,
    /// closed or expired on that day gives way to its owner's main card,
    /// which is valid through the world's range and, in a range appended
    /// after it, renewed under the same id when it expires.
    #[inline]
    pub fn active_card(&self, day: i64, rng: &mut StreamRng) -> ActiveCard {
        let (id, owner, customer) = self.customers.card_by_activity(rng);
        let card = card_owned_by(
            self.card_salt,
            &self.profile,
            &self.sizes,
            &self.options.range,
            &self.card_closure,
            id,
            owner,
        );
        let customer = self.changes.on(owner, customer, day);
        if card.valid_on(day) {
            return ActiveCard { id, card, customer };
        }
        let card = self.card(owner);
        debug_assert!(
            card.issued_day <= day,
            "main card {owner} not issued by day {day}"
        );
        ActiveCard {
            id: owner,
            card,
            customer,
        }
    }

    #[inline]
    pub fn category_for(&self, persona: u8, hour: u32, rng: &mut StreamRng) -> usize {
        self.categories[usize::from(persona) * 24 + hour as usize].sample(rng)
    }

    /// A merchant of `category` in `region` (or anywhere, if the region has none).
    #[inline]
    pub fn merchant_in(&self, category: usize, region: u8, rng: &mut StreamRng) -> MerchantRef {
        self.merchants.sample_in_region(category, region, rng)
    }

    /// An online merchant of `category`, if it has any.
    #[inline]
    pub fn online_merchant(&self, category: usize, rng: &mut StreamRng) -> Option<MerchantRef> {
        self.merchants.online(category, rand::Rng::next_u64(rng))
    }

    /// The `k`-th regular merchant of a customer in a category: a pure
    /// function of (seed, customer, category, k), near home or work, or online
    /// for categories sold online.
    #[inline]
    pub fn regular_merchant(
        &self,
        customer_id: u64,
        customer: &CustomerFacts,
        category: usize,
        k: u32,
    ) -> MerchantRef {
        let which = ((category as u64) << 40 | u64::from(k)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let first = mix64(self.regulars_salt.key(customer_id) ^ which);
        let second = mix64(first);
        let spec = &self.profile.categories[category];
        let unit = |bits: u64| (bits >> 11) as f64 / (1u64 << 53) as f64;
        if unit(first) < spec.online_merchant_share
            && let Some(merchant) = self.merchants.online(category, second)
        {
            return merchant;
        }
        let near_work = ((first & 0xffff) as f64 / 65_536.0) < self.profile.locality.work_share;
        let region = if near_work {
            customer.work_region
        } else {
            customer.home_region
        };
        self.merchants.in_region(category, region, second)
    }
}

/// The longest date range in which every card issued before it stays valid
/// through it (validity runs to the end of a month, at least this long).
pub fn max_days(profile: &Profile) -> u32 {
    365 * profile.cards.validity_years - 31
}

/// P(category | persona, hour) ∝ share × persona multiplier × the category's
/// normalised hour curve, so each category keeps its own daily rhythm.
fn category_tables(profile: &Profile) -> Result<Vec<Categorical>, CoreError> {
    let mut tables = Vec::with_capacity(profile.personas.len() * 24);
    for persona in &profile.personas {
        for hour in 0..24 {
            let base = |c: &crate::profile::Category| {
                c.share
                    * persona
                        .category_multipliers
                        .get(&c.key)
                        .copied()
                        .unwrap_or(1.0)
            };
            let mut weights: Vec<f64> = profile
                .categories
                .iter()
                .map(|c| base(c) * c.hour_weights[hour] / c.hour_weights.iter().sum::<f64>())
                .collect();
            // An hour no category is open in gets no rows; any table will do.
            if weights.iter().sum::<f64>() <= 0.0 {
                weights = profile.categories.iter().map(base).collect();
            }
            tables.push(Categorical::new(
                &format!("categories for {} at {hour}h", persona.name),
                weights,
            )?);
        }
    }
    Ok(tables)
}
