//! Merchants without per-merchant tables: traits and popularity are
//! functions of the id, and so is choosing a merchant by popularity.
//!
//! Merchant ids are laid out in *cells*, one per (category, region) for
//! shops and one per category online, each a contiguous id range sized by
//! the profile (category share × online share × region weight, at least one
//! merchant per cell). Within a cell a keyed [`Permutation`] gives every
//! merchant a rank, and the rank is its popularity quantile: popularity is
//! lognormal (`population.merchant_popularity_sigma`), read from
//! [`POPULARITY_BUCKETS`] quantile buckets. Choosing a merchant of a cell by
//! popularity draws a bucket from the cell's small table, a rank inside it,
//! and inverts the permutation. Memory is a few hundred kilobytes for any
//! number of merchants, and a row's cost does not grow with the population.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::CoreError;
use crate::permutation::Permutation;
use crate::population::MerchantFacts;
use crate::profile::Profile;
use crate::sampling::{Categorical, bucket_range, quantile_bucket_means};
use crate::seed::{Domain, EntityHash, Salt, mix64, reduce, stream_rng};

/// Up to this many merchants, the computed values are kept in tables
/// (12 bytes a merchant), where a load from a core's cache is cheaper than
/// recomputing; the same values, so the same bytes either way.
pub const CACHED_MERCHANTS: u64 = 1 << 16;

/// Quantile buckets of the popularity distribution.
pub const POPULARITY_BUCKETS: u64 = 256;
const DRAWS_PER_BUCKET: usize = 256;
const ONLINE: u8 = u8::MAX;

/// What a transaction row needs of a merchant, in 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerchantRef {
    id: u32,
    pub mcc: i16,
    /// Region index, or [`ONLINE`].
    region: u8,
    pub foreign_currency: bool,
}

impl MerchantRef {
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

/// The merchants of one (category, region) or (category, online).
#[derive(Debug, Clone)]
struct Cell {
    start: u64,
    size: u64,
    category: u8,
    region: u8,
    ranks: Permutation,
    /// Over the popularity buckets: merchants in the bucket × their popularity.
    buckets: Categorical,
    /// Over the cell's merchants by popularity, for small populations: one
    /// draw chooses a merchant, where the computed path needs a bucket, a
    /// rank and the permutation's inverse (the same distribution, other draws).
    by_popularity: Option<Categorical>,
}

/// The merchants of one dataset; see the module docs.
#[derive(Debug, Clone)]
pub struct MerchantModel {
    cells: Vec<Cell>,
    /// `[category][region]`: the cell of the category's shops in the region.
    offline: Vec<Vec<Option<u32>>>,
    /// `[category]`: the cell of the category's online merchants.
    online: Vec<Option<u32>>,
    bucket_means: Vec<f64>,
    salt: Salt,
    mccs: Vec<Vec<i16>>,
    foreign_online_share: f64,
    /// `[id]`: each merchant's row facts, for small populations.
    refs: Option<Vec<MerchantRef>>,
}

impl MerchantModel {
    pub fn new(seed: u64, profile: &Profile, merchants: u64) -> Result<Self, CoreError> {
        let bucket_means = popularity_bucket_means(profile.population.merchant_popularity_sigma);
        let region_total: f64 = profile.regions.iter().map(|r| r.merchant_weight).sum();
        // Every cell that can have merchants, with its expected share.
        let mut cells: Vec<(u8, u8, f64)> = Vec::new();
        for (c, spec) in profile.categories.iter().enumerate() {
            let online = spec.online_merchant_share;
            if online < 1.0 {
                for (r, region) in profile.regions.iter().enumerate() {
                    let weight =
                        spec.share * (1.0 - online) * region.merchant_weight / region_total;
                    cells.push((c as u8, r as u8, weight));
                }
            }
            if online > 0.0 {
                cells.push((c as u8, ONLINE, spec.share * online));
            }
        }
        let sizes = apportion(merchants, &cells.iter().map(|c| c.2).collect::<Vec<_>>())
            .ok_or_else(|| {
                CoreError::InvalidOptions(format!(
                    "{merchants} merchants cannot cover the profile's {} shop and online cells",
                    cells.len()
                ))
            })?;
        let key = Salt::new(seed, Domain::MerchantRank);
        let mut offline = vec![vec![None; profile.regions.len()]; profile.categories.len()];
        let mut online = vec![None; profile.categories.len()];
        let mut start = 0;
        let mut built = Vec::with_capacity(cells.len());
        for (i, (&(category, region, _), &size)) in cells.iter().zip(&sizes).enumerate() {
            let weights = (0..POPULARITY_BUCKETS).map(|b| {
                let (lo, hi) = bucket_range(size, b, POPULARITY_BUCKETS);
                (hi - lo) as f64 * bucket_means[b as usize]
            });
            built.push(Cell {
                start,
                size,
                category,
                region,
                ranks: Permutation::new(key.key(i as u64), size),
                buckets: Categorical::new("merchant popularity", weights)?,
                by_popularity: None,
            });
            if region == ONLINE {
                online[usize::from(category)] = Some(i as u32);
            } else {
                offline[usize::from(category)][usize::from(region)] = Some(i as u32);
            }
            start += size;
        }
        let mut model = Self {
            cells: built,
            offline,
            online,
            bucket_means,
            salt: Salt::new(seed, Domain::Merchant),
            mccs: profile.categories.iter().map(|c| c.mccs.clone()).collect(),
            foreign_online_share: profile.foreign_online_merchant_share,
            refs: None,
        };
        if merchants <= CACHED_MERCHANTS {
            model.fill_tables()?;
        }
        Ok(model)
    }

    /// Fills the tables of a small population.
    fn fill_tables(&mut self) -> Result<(), CoreError> {
        let mut refs = Vec::new();
        let mut choosers = Vec::with_capacity(self.cells.len());
        for cell in &self.cells {
            refs.extend((cell.start..cell.start + cell.size).map(|id| self.reference(cell, id)));
            let popularity = (0..cell.size).map(|offset| {
                let rank = cell.ranks.apply(offset);
                self.bucket_means[(rank * POPULARITY_BUCKETS / cell.size) as usize]
            });
            choosers.push(Categorical::new("merchant popularity", popularity)?);
        }
        for (cell, chooser) in self.cells.iter_mut().zip(choosers) {
            cell.by_popularity = Some(chooser);
        }
        self.refs = Some(refs);
        Ok(())
    }

    fn cell_of(&self, id: u64) -> &Cell {
        let after = self.cells.partition_point(|c| c.start <= id);
        &self.cells[after - 1]
    }

    /// The row facts of merchant `id` of `cell`: hashes of the id.
    #[inline]
    fn reference(&self, cell: &Cell, id: u64) -> MerchantRef {
        let h = EntityHash::salted(self.salt, id);
        let mccs = &self.mccs[usize::from(cell.category)];
        let online = cell.region == ONLINE;
        MerchantRef {
            id: id as u32,
            mcc: mccs[reduce(h.bits(2), mccs.len() as u64) as usize],
            region: cell.region,
            foreign_currency: online && h.unit(5) < self.foreign_online_share,
        }
    }

    /// Everything about merchant `id`, for the `merchants` table.
    pub fn facts(&self, id: u64) -> MerchantFacts {
        let cell = self.cell_of(id);
        let r = self.reference(cell, id);
        let rank = cell.ranks.apply(id - cell.start);
        MerchantFacts {
            category: cell.category,
            mcc: r.mcc,
            region: r.region(),
            foreign_currency: r.foreign_currency,
            popularity: self.bucket_means[(rank * POPULARITY_BUCKETS / cell.size) as usize] as f32,
        }
    }

    /// A merchant of cell `index` by popularity, from one uniform draw.
    #[inline]
    fn choose(&self, index: u32, draw: u64) -> MerchantRef {
        let cell = &self.cells[index as usize];
        if let (Some(chooser), Some(refs)) = (&cell.by_popularity, &self.refs) {
            return refs[(cell.start + chooser.sample_from(draw) as u64) as usize];
        }
        let bucket = cell.buckets.sample_from(draw) as u64;
        let (lo, hi) = bucket_range(cell.size, bucket, POPULARITY_BUCKETS);
        let rank = lo + reduce(mix64(draw), hi - lo);
        self.reference(cell, cell.start + cell.ranks.invert(rank))
    }

    /// A shop of `category` in `region` by popularity (online if the
    /// category has no shops), from one uniform draw.
    #[inline]
    pub fn in_region(&self, category: usize, region: u8, draw: u64) -> MerchantRef {
        let cell = self.offline[category][usize::from(region)]
            .or(self.online[category])
            .expect("every category has shops or online merchants");
        self.choose(cell, draw)
    }

    /// An online merchant of `category` by popularity, if it sells online.
    #[inline]
    pub fn online(&self, category: usize, draw: u64) -> Option<MerchantRef> {
        self.online[category].map(|cell| self.choose(cell, draw))
    }

    /// [`Self::in_region`] with a draw from `rng`.
    #[inline]
    pub fn sample_in_region<R: Rng + ?Sized>(
        &self,
        category: usize,
        region: u8,
        rng: &mut R,
    ) -> MerchantRef {
        self.in_region(category, region, rng.next_u64())
    }
}

/// `total` split over `weights`, at least one each, the rest by largest
/// remainder; `None` if `total` is below the number of weights.
fn apportion(total: u64, weights: &[f64]) -> Option<Vec<u64>> {
    let rest = total.checked_sub(weights.len() as u64)?;
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * rest as f64).collect();
    let mut sizes: Vec<u64> = exact.iter().map(|e| 1 + e.floor() as u64).collect();
    let mut left = total - sizes.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        sizes[i] += 1;
        left -= 1;
    }
    Some(sizes)
}

/// Mean of each quantile bucket of a lognormal with median 1, from sorted
/// draws of a fixed stream: a profile property, the same for every seed.
fn popularity_bucket_means(sigma: f64) -> Vec<f64> {
    let mut rng = stream_rng(0, Domain::MerchantRank, 0);
    quantile_bucket_means(POPULARITY_BUCKETS as usize, DRAWS_PER_BUCKET, || {
        let z: f64 = StandardNormal.sample(&mut rng);
        (sigma * z).exp()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::PopulationSizes;

    fn model(merchants: Option<u64>) -> (MerchantModel, u64, Profile) {
        let p = Profile::korean_default();
        let sizes = PopulationSizes::derive(&p, 1_000_000, 365, None, merchants);
        (
            MerchantModel::new(5, &p, sizes.merchants).unwrap(),
            sizes.merchants,
            p,
        )
    }

    #[test]
    fn cells_cover_the_ids_and_match_the_facts() {
        for merchants in [None, Some(5_000)] {
            let (m, n, p) = model(merchants);
            assert_eq!(m.cells.last().map(|c| c.start + c.size), Some(n));
            for id in 0..n {
                let f = m.facts(id);
                let cell = m.cell_of(id);
                assert_eq!(
                    (f.category, f.region.unwrap_or(ONLINE)),
                    (cell.category, cell.region)
                );
                assert!(p.categories[usize::from(f.category)].mccs.contains(&f.mcc));
                assert!(!f.foreign_currency || f.region.is_none());
            }
        }
    }

    #[test]
    fn every_shop_cell_exists_and_draws_stay_in_it() {
        let (m, _, p) = model(None);
        let mut rng = stream_rng(1, Domain::TransactionBatch, 0);
        for (c, spec) in p.categories.iter().enumerate() {
            for r in 0..p.regions.len() as u8 {
                let chosen = m.sample_in_region(c, r, &mut rng);
                let facts = m.facts(chosen.id());
                assert_eq!(usize::from(facts.category), c);
                if spec.online_merchant_share < 1.0 {
                    assert_eq!(facts.region, Some(r));
                }
                assert_eq!(chosen.mcc, facts.mcc);
            }
        }
    }

    #[test]
    fn merchants_are_chosen_in_proportion_to_popularity() {
        let (cached, _, _) = model(Some(400));
        let mut computed = cached.clone();
        computed.refs = None;
        computed
            .cells
            .iter_mut()
            .for_each(|c| c.by_popularity = None);
        for m in [cached, computed] {
            check_popularity_frequencies(&m);
        }
    }

    fn check_popularity_frequencies(m: &MerchantModel) {
        let cell = m.offline[0][0].unwrap();
        let c = &m.cells[cell as usize];
        let mut counts = vec![0u32; c.size as usize];
        let draws = 1_000_000;
        for i in 0..draws {
            counts[(m.choose(cell, mix64(i)).id() - c.start) as usize] += 1;
        }
        let total: f64 = (0..c.size)
            .map(|k| f64::from(m.facts(c.start + k).popularity))
            .sum();
        for k in 0..c.size {
            let expected = f64::from(m.facts(c.start + k).popularity) / total * draws as f64;
            let got = f64::from(counts[k as usize]);
            assert!(
                (got - expected).abs() < 5.0 * expected.sqrt() + 5.0,
                "{k}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn the_tables_of_a_small_population_hold_the_computed_values() {
        let (m, n, _) = model(Some(3_000));
        assert!(m.refs.is_some());
        let mut computed = m.clone();
        computed.refs = None;
        computed
            .cells
            .iter_mut()
            .for_each(|c| c.by_popularity = None);
        for id in 0..n {
            assert_eq!(m.facts(id), computed.facts(id));
        }
        for cell in 0..m.cells.len() as u32 {
            for draw in (0..50).map(mix64) {
                let chosen = m.choose(cell, draw);
                assert_eq!(
                    computed.reference(&m.cells[cell as usize], chosen.id()),
                    chosen
                );
            }
        }
    }

    #[test]
    fn apportioning_gives_each_at_least_one_and_sums_up() {
        let sizes = apportion(10, &[0.7, 0.2, 0.1]).unwrap();
        assert_eq!(sizes.iter().sum::<u64>(), 10);
        assert!(sizes.iter().all(|&s| s >= 1));
        assert_eq!(apportion(2, &[1.0, 1.0, 1.0]), None);
    }
}
