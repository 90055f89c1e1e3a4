//! Merchant pools: a popularity-weighted choice of merchant whose answer
//! carries what a transaction row needs of the merchant.
//!
//! A pool is Walker's alias table over the merchants of one (category,
//! region) cell, with each column holding both candidates' ids *and* facts
//! (MCC, region, currency). One draw therefore reads one 20-byte column:
//! one cache line, instead of an alias table, an id list and the merchant
//! table, which are three cache misses apiece once the population outgrows
//! the caches.

use crate::error::CoreError;
use crate::population::MerchantFacts;
use crate::sampling::Categorical;
use crate::seed::StreamRng;

/// What a transaction row needs of a merchant, packed into 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerchantRef {
    id: u32,
    pub mcc: i16,
    /// Region index, or [`ONLINE`].
    region: u8,
    pub foreign_currency: bool,
}

const ONLINE: u8 = u8::MAX;

impl MerchantRef {
    pub fn new(id: u64, facts: &MerchantFacts) -> Self {
        Self {
            id: id as u32,
            mcc: facts.mcc,
            region: facts.region.unwrap_or(ONLINE),
            foreign_currency: facts.foreign_currency,
        }
    }

    pub fn id(&self) -> u64 {
        u64::from(self.id)
    }

    /// The merchant's region; `None` for online merchants.
    pub fn region(&self) -> Option<u8> {
        (self.region != ONLINE).then_some(self.region)
    }

    pub fn is_online(&self) -> bool {
        self.region == ONLINE
    }
}

#[derive(Debug, Clone, Copy)]
struct Column {
    /// Keep `keep` if the draw's low half is below this, else take `alias`.
    threshold: u32,
    keep: MerchantRef,
    alias: MerchantRef,
}

/// Merchants of one cell, chosen by popularity.
#[derive(Debug)]
pub struct MerchantPool {
    columns: Vec<Column>,
}

impl MerchantPool {
    /// A pool over `ids` weighted by popularity; `None` when `ids` is empty.
    pub fn build(
        what: &str,
        ids: &[u32],
        merchants: &[MerchantFacts],
    ) -> Result<Option<Self>, CoreError> {
        if ids.is_empty() {
            return Ok(None);
        }
        let facts = |i: usize| &merchants[ids[i] as usize];
        let chooser =
            Categorical::new(what, (0..ids.len()).map(|i| f64::from(facts(i).popularity)))?;
        let columns = chooser
            .columns()
            .enumerate()
            .map(|(i, (threshold, alias))| Column {
                threshold,
                keep: MerchantRef::new(u64::from(ids[i]), facts(i)),
                alias: MerchantRef::new(u64::from(ids[alias]), facts(alias)),
            })
            .collect();
        Ok(Some(Self { columns }))
    }

    #[inline]
    pub fn sample(&self, rng: &mut StreamRng) -> MerchantRef {
        self.sample_from(rand::Rng::next_u64(rng))
    }

    /// The merchant for a given uniform 64-bit draw (e.g. a hash); the same
    /// draw-to-column rule as [`Categorical::sample_from`].
    #[inline]
    pub fn sample_from(&self, draw: u64) -> MerchantRef {
        let column = &self.columns[(((draw >> 32) * self.columns.len() as u64) >> 32) as usize];
        if (draw as u32) < column.threshold {
            column.keep
        } else {
            column.alias
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ref_is_eight_bytes_and_a_column_fits_a_cache_line() {
        assert_eq!(std::mem::size_of::<MerchantRef>(), 8);
        assert!(std::mem::size_of::<Column>() <= 20);
    }

    #[test]
    fn the_pool_draws_like_its_alias_table() {
        let merchants: Vec<MerchantFacts> = (0..50)
            .map(|i| MerchantFacts {
                category: 0,
                mcc: 5411 + i as i16,
                region: (i % 3 != 0).then_some((i % 7) as u8),
                foreign_currency: i % 5 == 0,
                popularity: 1.0 + (i * i) as f32,
            })
            .collect();
        let ids: Vec<u32> = (0..50).rev().collect();
        let pool = MerchantPool::build("test", &ids, &merchants)
            .unwrap()
            .unwrap();
        let table = Categorical::new(
            "test",
            ids.iter()
                .map(|&id| f64::from(merchants[id as usize].popularity)),
        )
        .unwrap();
        for draw in (0..10_000u64).map(|i| crate::seed::mix64(i)) {
            let chosen = pool.sample_from(draw);
            let id = ids[table.sample_from(draw)];
            assert_eq!(
                chosen,
                MerchantRef::new(u64::from(id), &merchants[id as usize])
            );
        }
    }
}
