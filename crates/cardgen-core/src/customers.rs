//! Customers without per-customer tables: traits and activity are functions
//! of the id, and so is choosing a customer by activity.
//!
//! A keyed [`Permutation`] gives every customer a *position* in
//! `0..customers`. Personas own contiguous runs of positions, in proportion
//! to their shares; within a persona's run the position is the customer's
//! activity rank. Activity follows the profile's Gamma distribution through
//! a table of [`ACTIVITY_BUCKETS`] quantile buckets, so the customer at rank
//! `q` of a run of `n` has the mean activity of bucket `q × buckets / n`.
//!
//! Choosing a customer in proportion to activity is then a draw over the
//! small table of (persona, bucket) cells, a uniform position inside the
//! cell, and the permutation's inverse: a few nanoseconds and a few
//! kilobytes of memory, whether there are a thousand customers or fifty
//! million. Nothing is loaded from a population-sized table, so the cost of
//! a row does not grow with the population.
//!
//! Cards follow the same idea: the first `customers` cards are the main
//! cards (card `c` belongs to customer `c`); extra card `customers + e`
//! belongs to the customer at position `(step × (e mod customers) + offset)
//! mod customers` ([`CardOwners`]), so extra cards spread evenly over
//! personas and activity ranks, and a customer's extra cards can be listed
//! from its position with one multiplication.

use num_integer::{ExtendedGcd, Integer};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma};

use crate::error::CoreError;
use crate::permutation::Permutation;
use crate::population::PopulationSizes;
use crate::profile::Profile;
use crate::sampling::{Categorical, bucket_range, quantile_bucket_means};
use crate::seed::{Domain, EntityHash, Salt, reduce, stream_rng};

/// Populations up to this size keep the computed values in tables (about
/// 2 MB at most), where a load from a core's cache is cheaper than
/// recomputing; larger ones compute them. Tables hold the same values, so
/// the bytes are the same either way.
pub const CACHED_CUSTOMERS: u64 = 1 << 16;

/// Quantile buckets of the activity distribution.
pub const ACTIVITY_BUCKETS: u64 = 1024;
/// Gamma draws per bucket when the bucket means are computed.
const DRAWS_PER_BUCKET: usize = 128;

/// A customer's stable traits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerFacts {
    pub persona: u8,
    pub income_band: u8,
    pub home_region: u8,
    pub work_region: u8,
    /// Persona × income-band multiplier on amounts.
    pub spend: f32,
    /// Relative activity: the persona's mean × the customer's Gamma draw.
    pub activity: f32,
}

/// The customers of one dataset; see the module docs.
#[derive(Debug, Clone)]
pub struct CustomerModel {
    customers: u64,
    extra_cards: u64,
    extra_card_weight: f64,
    positions: Permutation,
    owners: CardOwners,
    /// `[persona]`: first position of the persona's run; one more entry at the end.
    persona_starts: Vec<u64>,
    persona_activity: Vec<f64>,
    bucket_means: Vec<f64>,
    /// `[persona × buckets + bucket]`: customers in the cell × their activity.
    cells: Categorical,
    /// The largest weight of a customer's cards (1 for the main card, plus
    /// `extra_card_weight` for each extra one).
    max_card_weight: f64,
    /// Expected sum over customers of activity × card weight.
    total_weight: f64,
    salt: Salt,
    income: Categorical,
    home: Categorical,
    work: Categorical,
    work_in_home_region_share: f64,
    /// `[persona][income band]`: spend multiplier.
    spend: Vec<Vec<f32>>,
    cache: Option<CustomerCache>,
}

/// The values of a small population (see [`CACHED_CUSTOMERS`]).
#[derive(Debug, Clone)]
struct CustomerCache {
    facts: Vec<CustomerFacts>,
    /// Over cards: the owner's activity × the card's weight. One draw
    /// chooses a card, where the computed path needs a cell, a position
    /// and a rejection step: the same distribution, other draws.
    cards: Categorical,
    /// `[card]`: its owner.
    owners: Vec<u32>,
}

impl CustomerModel {
    pub fn new(seed: u64, profile: &Profile, sizes: &PopulationSizes) -> Result<Self, CoreError> {
        let n = sizes.customers;
        let bucket_means = activity_bucket_means(profile.population.activity_shape)?;
        let total_share: f64 = profile.personas.iter().map(|p| p.share).sum();
        let mut persona_starts = vec![0];
        let mut cumulative = 0.0;
        for persona in &profile.personas {
            cumulative += persona.share / total_share;
            persona_starts.push(((cumulative * n as f64).round() as u64).min(n));
        }
        *persona_starts.last_mut().expect("one persona at least") = n;
        let persona_activity: Vec<f64> = profile.personas.iter().map(|p| p.activity).collect();
        let cell = |persona: usize, bucket: u64| {
            let run = persona_starts[persona + 1] - persona_starts[persona];
            let (lo, hi) = bucket_range(run, bucket, ACTIVITY_BUCKETS);
            (hi - lo) as f64 * persona_activity[persona] * bucket_means[bucket as usize]
        };
        let weights: Vec<f64> = (0..profile.personas.len())
            .flat_map(|p| (0..ACTIVITY_BUCKETS).map(move |b| (p, b)))
            .map(|(p, b)| cell(p, b))
            .collect();
        let cells = Categorical::new("customer activity", weights.iter().copied())?;
        let extra_cards = sizes.cards - n;
        let extra_card_weight = profile.cards.extra_card_weight;
        let max_extra = extra_cards.div_ceil(n);
        let expected_card_weight = 1.0 + extra_card_weight * extra_cards as f64 / n as f64;
        Self {
            customers: n,
            extra_cards,
            extra_card_weight,
            positions: customer_positions(seed, n),
            owners: extra_card_owners(seed, n),
            persona_starts,
            persona_activity,
            bucket_means,
            cells,
            max_card_weight: 1.0 + extra_card_weight * max_extra as f64,
            total_weight: weights.iter().sum::<f64>() * expected_card_weight,
            salt: Salt::new(seed, Domain::Customer),
            income: Categorical::new("income bands", profile.income_bands.iter().map(|b| b.share))?,
            home: Categorical::new(
                "home regions",
                profile.regions.iter().map(|r| r.population_share),
            )?,
            work: Categorical::new("workplaces", profile.regions.iter().map(|r| r.work_weight))?,
            work_in_home_region_share: profile.population.work_in_home_region_share,
            spend: spend_table(profile),
            cache: None,
        }
        .with_cache()
    }

    /// Fills the tables of a small population.
    fn with_cache(mut self) -> Result<Self, CoreError> {
        let n = self.customers;
        if n > CACHED_CUSTOMERS {
            return Ok(self);
        }
        let facts: Vec<CustomerFacts> = (0..n)
            .map(|id| self.facts_at(id, self.positions.apply(id)))
            .collect();
        let owners: Vec<u32> = (0..n)
            .map(|c| c as u32)
            .chain((0..self.extra_cards).map(|e| self.extra_card_owner(e) as u32))
            .collect();
        let cards = Categorical::new(
            "card activity",
            owners.iter().enumerate().map(|(card, &owner)| {
                let weight = if (card as u64) < n {
                    1.0
                } else {
                    self.extra_card_weight
                };
                f64::from(facts[owner as usize].activity) * weight
            }),
        )?;
        self.cache = Some(CustomerCache {
            facts,
            cards,
            owners,
        });
        Ok(self)
    }

    /// The persona of a position, and the position's rank within the persona's run.
    #[inline]
    fn persona_at(&self, position: u64) -> (usize, u64) {
        let persona = self.persona_starts[1..]
            .iter()
            .position(|&end| position < end)
            .unwrap_or(self.persona_starts.len() - 2);
        (persona, position - self.persona_starts[persona])
    }

    /// Everything stable about customer `id`.
    #[inline]
    pub fn facts(&self, id: u64) -> CustomerFacts {
        match &self.cache {
            Some(cache) => cache.facts[id as usize],
            None => self.facts_at(id, self.positions.apply(id)),
        }
    }

    /// [`Self::facts`] when the customer's position is known.
    #[inline]
    fn facts_at(&self, id: u64, position: u64) -> CustomerFacts {
        let (persona, rank) = self.persona_at(position);
        let run = self.persona_starts[persona + 1] - self.persona_starts[persona];
        let bucket = rank * ACTIVITY_BUCKETS / run;
        let h = EntityHash::salted(self.salt, id);
        let income_band = self.income.sample_from(h.bits(1));
        let home_region = self.home.sample_from(h.bits(2));
        // Most people work where they live; the rest commute (mostly to the capital).
        let work_region = if h.unit(3) < self.work_in_home_region_share {
            home_region
        } else {
            self.work.sample_from(h.bits(4))
        };
        CustomerFacts {
            persona: persona as u8,
            income_band: income_band as u8,
            home_region: home_region as u8,
            work_region: work_region as u8,
            spend: self.spend[persona][income_band],
            activity: (self.persona_activity[persona] * self.bucket_means[bucket as usize]) as f32,
        }
    }

    /// The slot of the extra cards of the customer at `position`, and how
    /// many there are: its extra cards are `customers + slot + k × customers`
    /// for `k < count`.
    #[inline]
    fn extra_cards_at(&self, position: u64) -> (u64, u64) {
        if self.extra_cards == 0 {
            return (0, 0);
        }
        let slot = self.owners.slot_at(position);
        let count = if slot < self.extra_cards {
            (self.extra_cards - 1 - slot) / self.customers + 1
        } else {
            0
        };
        (slot, count)
    }

    /// The owner of extra card `customers + extra`.
    #[inline]
    pub fn extra_card_owner(&self, extra: u64) -> u64 {
        self.owners.owner_of_extra(extra)
    }

    /// The owner of card `card_id`: main cards are their own customer's;
    /// a small population looks extra cards up, a large one computes them.
    #[inline]
    pub fn owner_of_card(&self, card_id: u64) -> u64 {
        if card_id < self.customers {
            return card_id;
        }
        match &self.cache {
            Some(cache) => u64::from(cache.owners[card_id as usize]),
            None => self.extra_card_owner(card_id - self.customers),
        }
    }

    /// Customer `id`'s traits and expected transactions per day in a
    /// dataset of `rows_per_day` transactions a day: its activity times the
    /// weight of its cards (1 for the main card, `extra_card_weight` for
    /// each extra one), over the population's expected total.
    pub fn facts_and_rate(&self, id: u64, rows_per_day: f64) -> (CustomerFacts, f64) {
        let position = self.positions.apply(id);
        let facts = match &self.cache {
            Some(cache) => cache.facts[id as usize],
            None => self.facts_at(id, position),
        };
        let card_weight = 1.0 + self.extra_card_weight * self.extra_cards_at(position).1 as f64;
        let rate = f64::from(facts.activity) * card_weight / self.total_weight * rows_per_day;
        (facts, rate)
    }

    /// A card chosen in proportion to its owner's activity (main cards
    /// weigh 1, extra cards `extra_card_weight`), with its owner.
    #[inline]
    pub fn card_by_activity<R: Rng + ?Sized>(&self, rng: &mut R) -> (u64, u64, CustomerFacts) {
        if let Some(cache) = &self.cache {
            let card = cache.cards.sample(rng);
            let owner = cache.owners[card];
            return (card as u64, u64::from(owner), cache.facts[owner as usize]);
        }
        loop {
            let cell = self.cells.sample(rng) as u64;
            let (persona, bucket) = ((cell / ACTIVITY_BUCKETS) as usize, cell % ACTIVITY_BUCKETS);
            let start = self.persona_starts[persona];
            let (lo, hi) = bucket_range(
                self.persona_starts[persona + 1] - start,
                bucket,
                ACTIVITY_BUCKETS,
            );
            let position = start + lo + reduce(rng.next_u64(), hi - lo);
            let customer = self.positions.invert(position);
            let (slot, extras) = self.extra_cards_at(position);
            let weight = 1.0 + self.extra_card_weight * extras as f64;
            // One uniform both accepts the customer in proportion to its
            // card weight and, once accepted, picks one of its cards.
            let u = rng.random::<f64>() * self.max_card_weight;
            if u >= weight {
                continue;
            }
            let facts = self.facts_at(customer, position);
            if u < 1.0 {
                return (customer, customer, facts);
            }
            let k = (((u - 1.0) / self.extra_card_weight) as u64).min(extras - 1);
            return (self.customers + slot + k * self.customers, customer, facts);
        }
    }
}

/// `[persona][income band]`: the persona's × the band's spend multiplier.
pub fn spend_table(profile: &Profile) -> Vec<Vec<f32>> {
    profile
        .personas
        .iter()
        .map(|p| {
            profile
                .income_bands
                .iter()
                .map(|b| (p.spend_multiplier * b.spend_multiplier) as f32)
                .collect()
        })
        .collect()
}

/// Who owns which extra card: extra card `customers + e` belongs to the
/// customer at position `(step × (e mod customers) + offset) mod customers`,
/// where `step` is coprime to `customers` (near the golden ratio of it, so
/// that consecutive slots land far apart).
#[derive(Debug, Clone, Copy)]
pub struct CardOwners {
    positions: Permutation,
    customers: u64,
    step: u64,
    step_inverse: u64,
    offset: u64,
}

impl CardOwners {
    /// The owner of extra card `customers + extra`.
    #[inline]
    pub fn owner_of_extra(&self, extra: u64) -> u64 {
        let slot = extra % self.customers;
        let position = (self.step * slot + self.offset) % self.customers;
        self.positions.invert(position)
    }

    /// The slot of the customer at `position`: its extra cards are
    /// `customers + slot + k × customers`.
    #[inline]
    fn slot_at(&self, position: u64) -> u64 {
        let shifted = if position >= self.offset {
            position - self.offset
        } else {
            position + self.customers - self.offset
        };
        (self.step_inverse * shifted) % self.customers
    }
}

/// The permutation that gives customers their positions (activity ranks).
fn customer_positions(seed: u64, customers: u64) -> Permutation {
    Permutation::new(Salt::new(seed, Domain::CustomerRank).key(0), customers)
}

/// The owners of a dataset's extra cards; cheap to build.
pub fn extra_card_owners(seed: u64, customers: u64) -> CardOwners {
    assert!(customers < 1 << 32, "at most 2^32 customers");
    let n = customers.max(1);
    let mut step = ((n as f64 * 0.618_033_988_749_895) as u64).max(1);
    while step.gcd(&n) != 1 {
        step += 1;
    }
    CardOwners {
        positions: customer_positions(seed, customers),
        customers: n,
        step: step % n,
        step_inverse: inverse_mod(step % n, n),
        offset: reduce(Salt::new(seed, Domain::CardOwner).key(0), n),
    }
}

/// `x` with `a × x ≡ 1 (mod n)`, for `a` coprime to `n`: the Bézout
/// coefficient of `a` from the extended Euclid.
fn inverse_mod(a: u64, n: u64) -> u64 {
    let ExtendedGcd { gcd, x, .. } = i128::from(a).extended_gcd(&i128::from(n));
    debug_assert_eq!(gcd, 1, "{a} is not coprime to {n}");
    x.rem_euclid(i128::from(n)) as u64
}

/// Mean of each quantile bucket of Gamma(shape, 1/shape) (mean 1), from
/// sorted draws of a fixed stream: a profile property, the same for every seed.
fn activity_bucket_means(shape: f64) -> Result<Vec<f64>, CoreError> {
    let gamma = Gamma::new(shape, 1.0 / shape).map_err(|e| {
        CoreError::InvalidProfile(format!("population.activity_shape = {shape}: {e}"))
    })?;
    let mut rng = stream_rng(0, Domain::CustomerRank, 0);
    Ok(quantile_bucket_means(
        ACTIVITY_BUCKETS as usize,
        DRAWS_PER_BUCKET,
        || gamma.sample(&mut rng),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::stream_rng;

    fn model(customers: u64) -> (CustomerModel, PopulationSizes) {
        let p = Profile::korean_default();
        let sizes = PopulationSizes::derive(&p, 0, 365, Some(customers), None);
        (CustomerModel::new(7, &p, &sizes).unwrap(), sizes)
    }

    #[test]
    fn personas_get_their_shares_of_customers() {
        let p = Profile::korean_default();
        let (m, _) = model(100_000);
        let mut counts = vec![0u64; p.personas.len()];
        for id in 0..100_000 {
            counts[usize::from(m.facts(id).persona)] += 1;
        }
        let total: f64 = p.personas.iter().map(|x| x.share).sum();
        for (persona, count) in p.personas.iter().zip(counts) {
            let expected = persona.share / total * 100_000.0;
            assert!(
                (count as f64 - expected).abs() <= 1.0,
                "{}: {count}",
                persona.name
            );
        }
    }

    #[test]
    fn the_tables_of_a_small_population_hold_the_computed_values() {
        let (m, _) = model(5_000);
        let cache = m.cache.as_ref().expect("a small population is cached");
        let mut computed = m.clone();
        computed.cache = None;
        for id in 0..5_000 {
            assert_eq!(m.facts(id), computed.facts(id));
        }
        for extra in 0..cache.owners.len() as u64 - 5_000 {
            assert_eq!(
                u64::from(cache.owners[(5_000 + extra) as usize]),
                computed.extra_card_owner(extra)
            );
        }
        assert!(model(CACHED_CUSTOMERS + 1).0.cache.is_none());
    }

    #[test]
    fn every_extra_card_has_one_owner_who_lists_it() {
        let (m, sizes) = model(1_000);
        let mut listed = vec![0u32; (sizes.cards - sizes.customers) as usize];
        for customer in 0..sizes.customers {
            let (slot, count) = m.extra_cards_at(m.positions.apply(customer));
            for k in 0..count {
                let extra = slot + k * sizes.customers;
                assert_eq!(m.extra_card_owner(extra), customer);
                listed[extra as usize] += 1;
            }
        }
        assert!(listed.iter().all(|&n| n == 1));
    }

    #[test]
    fn cards_are_chosen_in_proportion_to_activity_and_card_weight() {
        let (cached, sizes) = model(200);
        let mut computed = cached.clone();
        computed.cache = None;
        for m in [cached, computed] {
            check_card_frequencies(&m, &sizes);
        }
    }

    fn check_card_frequencies(m: &CustomerModel, sizes: &PopulationSizes) {
        let mut rng = stream_rng(3, Domain::TransactionBatch, 0);
        let draws = 2_000_000;
        let mut counts = vec![0u32; sizes.cards as usize];
        for _ in 0..draws {
            counts[m.card_by_activity(&mut rng).0 as usize] += 1;
        }
        let weight = |card: u64| {
            if card < sizes.customers {
                f64::from(m.facts(card).activity)
            } else {
                let owner = m.extra_card_owner(card - sizes.customers);
                f64::from(m.facts(owner).activity) * m.extra_card_weight
            }
        };
        let total: f64 = (0..sizes.cards).map(weight).sum();
        for card in 0..sizes.cards {
            let expected = weight(card) / total * f64::from(draws);
            let got = f64::from(counts[card as usize]);
            assert!(
                (got - expected).abs() < 5.0 * expected.sqrt() + 5.0,
                "card {card}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn every_rank_lies_in_the_bucket_its_activity_comes_from() {
        for run in [1, 7, 24, 1_000, 1_024, 5_000] {
            let mut next = 0;
            for bucket in 0..ACTIVITY_BUCKETS {
                let (lo, hi) = bucket_range(run, bucket, ACTIVITY_BUCKETS);
                assert_eq!(lo, next, "run {run} bucket {bucket}");
                for rank in lo..hi {
                    assert_eq!(rank * ACTIVITY_BUCKETS / run, bucket);
                }
                next = hi;
            }
            assert_eq!(next, run);
        }
    }

    #[test]
    fn activity_has_mean_one_and_a_long_tail() {
        let means = activity_bucket_means(0.8).unwrap();
        let mean = means.iter().sum::<f64>() / means.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
        assert!(means.windows(2).all(|w| w[0] <= w[1]));
        assert!(means[means.len() - 1] > 5.0 && means[0] < 0.01);
    }
}
