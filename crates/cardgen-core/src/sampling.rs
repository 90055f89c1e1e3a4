//! Weighted choice in O(1): a thin wrapper over Walker's alias tables.

use rand::Rng;
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;

use crate::error::CoreError;

/// Draws an index with probability proportional to its weight.
#[derive(Debug, Clone)]
pub struct Categorical {
    alias: WeightedAliasIndex<f32>,
}

impl Categorical {
    /// `what` names the table in the error when the weights are unusable
    /// (empty, negative, not finite, or all zero).
    pub fn new(what: &str, weights: impl IntoIterator<Item = f64>) -> Result<Self, CoreError> {
        let weights: Vec<f32> = weights.into_iter().map(|w| w as f32).collect();
        let alias = WeightedAliasIndex::new(weights).map_err(|e| {
            CoreError::InvalidProfile(format!("weights of {what} are not usable: {e}"))
        })?;
        Ok(Self { alias })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.alias.sample(rng)
    }
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
    fn unusable_weights_are_an_error_naming_the_table() {
        let err = Categorical::new("regions", [0.0, 0.0]).unwrap_err();
        assert!(err.to_string().contains("regions"));
        assert!(Categorical::new("empty", []).is_err());
    }
}
