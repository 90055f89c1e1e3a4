//! Keyed permutations of `0..n`: a bijection that looks random, computed in
//! a few nanoseconds, with its inverse.
//!
//! A Feistel network over pairs `(left, right)` of about `√n` values each
//! (additions modulo each half's size, as in format-preserving encryption),
//! with cycle walking to stay inside `0..n`; since the pairs exceed `n` by
//! less than `√n`, a walk almost never takes a second step, for any `n`. It lets a table be
//! replaced by arithmetic: customers get a random-looking position (their
//! activity rank) and the position gives back the customer, so a weighted
//! choice among millions of customers needs no per-customer memory.

use crate::seed::{mix64, reduce};

/// A keyed permutation of `0..domain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permutation {
    round_keys: [u64; ROUNDS as usize],
    domain: u64,
    /// `⌈2^64 / rights⌉` when every value fits 32 bits: then a multiply
    /// splits a value into its halves, exactly, instead of a division.
    rights_magic: Option<u64>,
    /// The values are pairs `(left, right)` in `0..lefts × 0..rights`,
    /// `value = left × rights + right`, with `lefts × rights ≥ domain`.
    lefts: u64,
    rights: u64,
}

/// Rounds: each changes one half, so four make two full Feistel rounds,
/// plenty to scatter ids (this is a shuffle, not a cipher).
const ROUNDS: u64 = 4;

impl Permutation {
    pub fn new(key: u64, domain: u64) -> Self {
        // Halves of about √domain: their product exceeds the domain by less
        // than one half, so cycle walking (below) almost never takes a step.
        let lefts = (domain.max(1) as f64).sqrt().ceil().max(1.0) as u64;
        let rights = domain.max(1).div_ceil(lefts);
        let fits_32_bits = lefts.saturating_mul(rights) <= u64::from(u32::MAX) && rights >= 2;
        Self {
            round_keys: std::array::from_fn(|round| {
                mix64(key.wrapping_add((round as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            }),
            domain,
            rights_magic: fits_32_bits.then(|| u64::MAX / rights + 1),
            lefts,
            rights,
        }
    }

    /// `(value / rights, value % rights)`.
    #[inline]
    fn split(&self, value: u64) -> (u64, u64) {
        let left = match self.rights_magic {
            Some(magic) => ((u128::from(magic) * u128::from(value)) >> 64) as u64,
            None => value / self.rights,
        };
        (left, value - left * self.rights)
    }

    /// The size of the domain.
    pub fn domain(&self) -> u64 {
        self.domain
    }

    /// The round function: a multiply-xorshift hash of the other half.
    #[inline]
    fn round_value(&self, round: u64, half: u64, modulus: u64) -> u64 {
        let mut h = (half ^ self.round_keys[round as usize]).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 32;
        reduce(h.wrapping_mul(0xd6e8_feb8_6659_fd93), modulus)
    }

    /// One pass of the network: alternately, `left += F(right) mod lefts`
    /// and `right += F(left) mod rights`; each step is undone by subtracting.
    #[inline]
    fn forward(&self, value: u64) -> u64 {
        let (mut left, mut right) = self.split(value);
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                left = add_mod(left, self.round_value(round, right, self.lefts), self.lefts);
            } else {
                right = add_mod(
                    right,
                    self.round_value(round, left, self.rights),
                    self.rights,
                );
            }
        }
        left * self.rights + right
    }

    #[inline]
    fn backward(&self, value: u64) -> u64 {
        let (mut left, mut right) = self.split(value);
        for round in (0..ROUNDS).rev() {
            if round % 2 == 0 {
                left = sub_mod(left, self.round_value(round, right, self.lefts), self.lefts);
            } else {
                right = sub_mod(
                    right,
                    self.round_value(round, left, self.rights),
                    self.rights,
                );
            }
        }
        left * self.rights + right
    }

    /// The image of `value`, which must be below the domain.
    #[inline]
    pub fn apply(&self, value: u64) -> u64 {
        debug_assert!(value < self.domain);
        let mut x = self.forward(value);
        // The network permutes 0..lefts × rights; walking the cycle until it
        // lands back in the domain keeps the map a bijection of the domain.
        while x >= self.domain {
            x = self.forward(x);
        }
        x
    }

    /// The value whose image is `image`: `invert(apply(x)) == x`.
    #[inline]
    pub fn invert(&self, image: u64) -> u64 {
        debug_assert!(image < self.domain);
        let mut x = self.backward(image);
        while x >= self.domain {
            x = self.backward(x);
        }
        x
    }
}

#[inline]
fn add_mod(a: u64, b: u64, modulus: u64) -> u64 {
    let sum = a + b;
    if sum >= modulus { sum - modulus } else { sum }
}

#[inline]
fn sub_mod(a: u64, b: u64, modulus: u64) -> u64 {
    if a >= b { a - b } else { a + modulus - b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_a_bijection_and_invert_undoes_apply() {
        for domain in [1, 2, 3, 10, 1_000, 4_097, 65_536, 1_000_003] {
            let p = Permutation::new(0x1234_5678, domain);
            let mut seen = vec![false; domain as usize];
            for x in 0..domain {
                let y = p.apply(x);
                assert!(y < domain);
                assert!(!seen[y as usize], "domain {domain}: {y} twice");
                seen[y as usize] = true;
                assert_eq!(p.invert(y), x);
            }
        }
    }

    #[test]
    fn huge_domains_work() {
        let p = Permutation::new(9, 10_000_000_000_000);
        for x in [0, 1, 9_999_999_999_999, 123_456_789_012] {
            let y = p.apply(x);
            assert!(y < 10_000_000_000_000);
            assert_eq!(p.invert(y), x);
        }
    }

    #[test]
    fn neighbours_land_far_apart() {
        let p = Permutation::new(5, 1_000_000);
        let close = (0..10_000)
            .filter(|&x| p.apply(x).abs_diff(p.apply(x + 1)) < 1_000)
            .count();
        assert!(close < 100, "{close} of 10000 neighbours stay within 1000");
    }

    #[test]
    fn different_keys_give_different_orders() {
        let (a, b) = (Permutation::new(1, 1_000), Permutation::new(2, 1_000));
        assert!((0..1_000).filter(|&x| a.apply(x) != b.apply(x)).count() > 900);
    }
}
