//! Finding the claim on a row without searching every claim.
//!
//! Generating rows in order walks the claims in order, but a cancel or a
//! refund asks about the rows it might reverse, minutes to days back, and a
//! binary search of every claim (24 MB at a billion rows) touches a new
//! cache line at nearly every step. The index records, per bucket of 64 Ki
//! rows, where that bucket's claims start in the sorted list, so a lookup
//! searches only the hundred or so claims of one bucket. It costs 4 bytes
//! per bucket: 61 KB at a billion rows.

use std::ops::Range;

/// Rows per bucket, as a power of two.
const BUCKET_SHIFT: u32 = 16;

#[derive(Debug, Clone, Default)]
pub struct ClaimIndex {
    /// Per bucket, the position of its first claim; one more entry closes
    /// the last bucket.
    starts: Vec<u32>,
}

impl ClaimIndex {
    /// The index of `claims`, sorted by the row `row_of` gives each.
    pub fn new<C>(claims: &[C], row_of: impl Fn(&C) -> u64) -> Self {
        assert!(
            u32::try_from(claims.len()).is_ok(),
            "more claims than a u32 counts"
        );
        let buckets = claims
            .last()
            .map_or(0, |last| (row_of(last) >> BUCKET_SHIFT) as usize + 1);
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut next = 0;
        for bucket in 0..=buckets as u64 {
            let first_row = bucket << BUCKET_SHIFT;
            while next < claims.len() && row_of(&claims[next]) < first_row {
                next += 1;
            }
            starts.push(next as u32);
        }
        Self { starts }
    }

    /// The positions of the claims that may be on `row`: those of its bucket.
    #[inline]
    pub fn bucket_of(&self, row: u64) -> Range<usize> {
        let bucket = (row >> BUCKET_SHIFT) as usize;
        match (self.starts.get(bucket), self.starts.get(bucket + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_finds_its_claim_in_its_bucket_and_only_there() {
        let bucket = 1u64 << BUCKET_SHIFT;
        // Claims in the first bucket, none in the second, some on the
        // boundaries of the third and the last.
        let rows = [0, 5, bucket - 1, 2 * bucket, 3 * bucket - 1, 7 * bucket + 3];
        let claims: Vec<(u64, char)> = rows.iter().map(|&r| (r, 'c')).collect();
        let index = ClaimIndex::new(&claims, |c| c.0);
        let probes = (0..8 * bucket).step_by(997).chain(rows).chain([u64::MAX]);
        for row in probes {
            let found = claims[index.bucket_of(row)]
                .iter()
                .find(|c| c.0 == row)
                .map(|c| c.0);
            let expected = rows.contains(&row).then_some(row);
            assert_eq!(found, expected, "row {row}");
        }
        assert_eq!(index.bucket_of(bucket + 7), 3..3);
        assert_eq!(ClaimIndex::new(&[0u64; 0], |r| *r).bucket_of(0), 0..0);
    }
}
