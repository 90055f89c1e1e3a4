//! Weighted choice in O(1) with Walker's alias method.
//!
//! `rand_distr::WeightedAliasIndex` draws twice per sample (an index and a
//! coin); the generator samples several tables per row, so this table packs
//! both into one 64-bit draw: the high half picks the column by
//! multiply-shift, the low half is the coin. Built with Vose's algorithm.

use rand::Rng;

use crate::error::CoreError;

/// Draws an index with probability proportional to its weight.
#[derive(Debug, Clone)]
pub struct Categorical {
    /// Per column: keep the column if the coin is below this, else take the alias.
    threshold: Vec<u32>,
    alias: Vec<u32>,
}

impl Categorical {
    /// `what` names the table in the error when the weights are unusable
    /// (empty, negative, not finite, all zero, or more than 2^32 of them).
    pub fn new(what: &str, weights: impl IntoIterator<Item = f64>) -> Result<Self, CoreError> {
        let weights: Vec<f64> = weights.into_iter().collect();
        let fail = |why: &str| {
            Err(CoreError::InvalidProfile(format!(
                "weights of {what} are not usable: {why}"
            )))
        };
        if weights.is_empty() || weights.len() > u32::MAX as usize {
            return fail("need 1 to 4,294,967,295 weights");
        }
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return fail("a weight is negative or not finite");
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return fail("all weights are zero");
        }
        let n = weights.len();
        // Scaled so that the average column holds exactly 1.
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut threshold = vec![u32::MAX; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            threshold[s] = (scaled[s] * 4_294_967_296.0).min(u32::MAX as f64) as u32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Columns left over hold (up to rounding) exactly one column's worth:
        // their threshold stays at the maximum and their alias is themselves.
        Ok(Self { threshold, alias })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.sample_from(rng.next_u64())
    }

    /// The index for a given uniform 64-bit draw (e.g. a hash).
    #[inline]
    /// How many choices there are.
    pub fn choices(&self) -> usize {
        self.threshold.len()
    }

    pub fn sample_from(&self, draw: u64) -> usize {
        let column = (((draw >> 32) * self.threshold.len() as u64) >> 32) as usize;
        if (draw as u32) < self.threshold[column] {
            column
        } else {
            self.alias[column] as usize
        }
    }
}

/// The mean of each of `buckets` equal quantile buckets of a distribution,
/// from `per_bucket` sorted draws a bucket of `draw`: a table that turns a
/// rank into a value, for entities whose traits follow from their rank.
pub fn quantile_bucket_means(
    buckets: usize,
    per_bucket: usize,
    draw: impl FnMut() -> f64,
) -> Vec<f64> {
    let mut draws: Vec<f64> = std::iter::repeat_with(draw)
        .take(buckets * per_bucket)
        .collect();
    draws.sort_by(f64::total_cmp);
    draws
        .chunks(per_bucket)
        .map(|chunk| chunk.iter().sum::<f64>() / chunk.len() as f64)
        .collect()
}

/// Ranks `[lo, hi)` of bucket `bucket` when `len` ranks are cut into
/// `buckets` quantile buckets: the ranks `r` with `r × buckets / len`
/// (rounded down) equal to `bucket`.
#[inline]
pub fn bucket_range(len: u64, bucket: u64, buckets: u64) -> (u64, u64) {
    let first_rank = |b: u64| (b * len).div_ceil(buckets);
    (first_rank(bucket), first_rank(bucket + 1))
}

/// Draws one of a fixed set of values with probability proportional to its weight.
#[derive(Debug, Clone)]
pub struct WeightedChoice<T> {
    table: Categorical,
    values: Vec<T>,
}

impl<T: Copy> WeightedChoice<T> {
    pub fn new(what: &str, pairs: impl IntoIterator<Item = (T, f64)>) -> Result<Self, CoreError> {
        let (values, weights): (Vec<T>, Vec<f64>) = pairs.into_iter().unzip();
        Ok(Self {
            table: Categorical::new(what, weights)?,
            values,
        })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        self.values[self.table.sample(rng)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{Domain, stream_rng};

    #[test]
    fn frequencies_follow_weights() {
        let table = Categorical::new("test", [1.0, 3.0, 0.0, 6.0]).unwrap();
        let mut rng = stream_rng(1, Domain::TransactionBatch, 0);
        let mut counts = [0u32; 4];
        for _ in 0..100_000 {
            counts[table.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[2], 0);
        let share = f64::from(counts[3]) / 100_000.0;
        assert!((share - 0.6).abs() < 0.01, "share {share}");
    }

    #[test]
    fn many_uneven_weights_come_out_in_proportion() {
        let weights: Vec<f64> = (1..=50).map(|i| f64::from(i * i)).collect();
        let total: f64 = weights.iter().sum();
        let table = Categorical::new("test", weights.iter().copied()).unwrap();
        let mut rng = stream_rng(2, Domain::TransactionBatch, 0);
        let mut counts = [0u32; 50];
        let draws = 2_000_000;
        for _ in 0..draws {
            counts[table.sample(&mut rng)] += 1;
        }
        for (i, w) in weights.iter().enumerate() {
            let expected = w / total * f64::from(draws);
            let got = f64::from(counts[i]);
            assert!(
                (got - expected).abs() < 5.0 * expected.sqrt() + 5.0,
                "column {i}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn unusable_weights_are_an_error_naming_the_table() {
        let err = Categorical::new("regions", [0.0, 0.0]).unwrap_err();
        assert!(err.to_string().contains("regions"));
        assert!(Categorical::new("empty", []).is_err());
    }
}
