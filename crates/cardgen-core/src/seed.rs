//! Seed mixing: how one user seed becomes many independent random streams.
//!
//! Every random decision in cardgen is drawn from a stream named by
//! `(seed, domain, index)`: a domain says *what* is being generated (a batch of
//! the transactions table, a card, a merchant, ...) and the index says *which*
//! one. The three are folded through the SplitMix64 finaliser, a bijective
//! avalanche mix, so neighbouring indices give unrelated streams. That is what
//! makes output independent of scheduling: a batch's rows depend only on the
//! seed and the batch index, never on which thread ran it or when.

use rand::SeedableRng;
use rand_xoshiro::Xoroshiro128PlusPlus;

/// The random number generator behind every stream. Every transaction row
/// seeds its own, so a small state that SplitMix64 fills in two steps matters
/// more than the period (2^128 - 1 is plenty for the dozen draws of a row).
pub type StreamRng = Xoroshiro128PlusPlus;

/// Names a family of random streams. The numeric tags are part of the output
/// format: changing one changes every file generated with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Domain {
    /// One batch of the `transactions` table, indexed by batch number.
    TransactionBatch = 0x7458_6e42,
    /// Per-customer attributes, indexed by customer id.
    Customer = 0x4375_7374,
    /// Per-card attributes, indexed by card id.
    Card = 0x4361_7264,
    /// Per-merchant attributes, indexed by merchant id.
    Merchant = 0x4d65_7263,
    /// One fraud case, indexed by case id.
    FraudCase = 0x4672_6175,
    /// One row of a fraud case, indexed by case id << 16 | event.
    FraudEvent = 0x4672_4576,
    /// A week's points of compromise, indexed by week << 20 | breach.
    FraudBreach = 0x4672_4272,
    /// Devices of cardholders and fraudsters.
    Device = 0x4465_7669,
    /// One batch of the peer-comparison reference table.
    ReferenceBatch = 0x5265_6642,
    /// One row of the transactions table, indexed by row.
    TransactionRow = 0x5478_526f,
    /// A customer's regular merchants, indexed by customer.
    Regulars = 0x5265_6775,
    /// The keyed permutation behind card numbers.
    CardNumber = 0x5061_6e73,
    /// The permutation that gives customers their activity rank.
    CustomerRank = 0x4352_616e,
    /// The permutation that assigns extra cards to customers.
    CardOwner = 0x434f_776e,
    /// The permutations that give merchants their popularity rank in a cell.
    MerchantRank = 0x4d52_616e,
    /// Whether, and how late, a stream sends a row's event; indexed by row.
    LateEvent = 0x4c61_7465,
    /// A customer's moves and other changes, indexed by customer.
    CustomerChange = 0x4368_6e67,
    /// A card's limit changes, indexed by card.
    CardChange = 0x4363_6867,
}

/// SplitMix64's output function: a fast bijection on `u64` with full avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed and a domain folded together once, so that keys of many
/// indices in one domain cost a single mix each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Salt(u64);

impl Salt {
    pub fn new(seed: u64, domain: Domain) -> Self {
        Self(mix64(seed ^ mix64(domain as u64)))
    }

    /// The key of stream `index` in this domain; equals [`stream_key`].
    #[inline]
    pub fn key(self, index: u64) -> u64 {
        mix64(self.0 ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
}

/// A 64-bit key for stream `(seed, domain, index)`.
#[inline]
pub fn stream_key(seed: u64, domain: Domain, index: u64) -> u64 {
    Salt::new(seed, domain).key(index)
}

/// A fresh generator for stream `(seed, domain, index)`.
pub fn stream_rng(seed: u64, domain: Domain, index: u64) -> StreamRng {
    StreamRng::seed_from_u64(stream_key(seed, domain, index))
}

/// Maps a uniform 64-bit value onto `0..n` by multiply-shift: as fair as `%`
/// for any `n` far below 2^64, without a 64-bit division.
#[inline]
pub fn reduce(value: u64, n: u64) -> u64 {
    ((u128::from(value) * u128::from(n)) >> 64) as u64
}

/// A uniform `f64` in `[0, 1)` from the top 53 bits of a hash.
#[inline]
pub fn unit_f64(hash: u64) -> f64 {
    (hash >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Cheap stateless draws for one entity: the n-th 64-bit value of stream
/// `(seed, domain, id)`, without building a generator.
#[derive(Debug, Clone, Copy)]
pub struct EntityHash {
    key: u64,
}

impl EntityHash {
    pub fn new(seed: u64, domain: Domain, id: u64) -> Self {
        Self {
            key: stream_key(seed, domain, id),
        }
    }

    /// The same as `new(seed, domain, id)` with the salt of (seed, domain) at hand.
    #[inline]
    pub fn salted(salt: Salt, id: u64) -> Self {
        Self { key: salt.key(id) }
    }

    /// The `n`-th independent 64-bit value for this entity.
    #[inline]
    pub fn bits(self, n: u64) -> u64 {
        mix64(self.key.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
    }

    /// The `n`-th independent uniform in `[0, 1)` for this entity.
    #[inline]
    pub fn unit(self, n: u64) -> f64 {
        unit_f64(self.bits(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_seed_domain_and_index() {
        let base = stream_key(42, Domain::TransactionBatch, 7);
        assert_ne!(base, stream_key(43, Domain::TransactionBatch, 7));
        assert_ne!(base, stream_key(42, Domain::Card, 7));
        assert_ne!(base, stream_key(42, Domain::TransactionBatch, 8));
    }

    #[test]
    fn a_stream_is_reproducible() {
        let mut a = stream_rng(1, Domain::TransactionBatch, 3);
        let mut b = stream_rng(1, Domain::TransactionBatch, 3);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn unit_values_stay_in_range_and_spread() {
        let h = EntityHash::new(9, Domain::Customer, 5);
        let values: Vec<f64> = (0..10_000).map(|n| h.unit(n)).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }
}
