//! Blocked cards and their replacements.
//!
//! When the issuer learns of a case that compromised a card, it blocks the
//! card: later attempts on it are declined, and its owner's purchases move
//! to a replacement card (a new row of `cards`, numbered after the
//! population's cards, in the order the blocks were first derived). A card
//! its holder reported lost or stolen is blocked the same way, and the index
//! remembers which blocks were reports, for the card's status.
//! Genuine rows ask [`BlockIndex::replacement`] about every card, so a bit
//! filter answers "never blocked" without touching the map: one bit per card
//! id up to the largest blocked one, exact, when that is the smaller; else
//! 16 bits per blocked card, hashed. At a billion rows the first is 385 KB
//! where the second was 1 MB. With the bits per card, a blocked card's rank
//! among the set bits places its block in an array, without hashing and in
//! a third of a map's memory (4.3 MB rather than 13 MB at a billion rows).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::seed::mix64;

/// Hashes a card id with one mix: the blocked cards are the most active
/// ones, so many genuine rows look them up, and SipHash would cost more
/// than the rest of the check.
#[derive(Default)]
struct CardIdHasher(u64);

impl Hasher for CardIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = mix64(id);
    }
}

type CardMap<V> = HashMap<u64, V, BuildHasherDefault<CardIdHasher>>;
use crate::timeline::LocalMicros;

/// A case's request to block a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRequest {
    pub card: u64,
    pub at: LocalMicros,
    /// Whether the holder reported the card lost or stolen (else the issuer
    /// found the fraud).
    pub lost: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub at: LocalMicros,
    /// The replacement card's id.
    pub replacement: u64,
}

#[derive(Debug, Clone, Default)]
pub struct BlockIndex {
    filter: Vec<u64>,
    /// Whether `filter` has a bit per card id; else a hashed bit per card.
    dense: bool,
    /// For a hashed filter: its bits less one.
    mask: u64,
    /// For a dense filter: per word, the blocked cards in the words before.
    ranks: Vec<u32>,
    /// For a dense filter: the blocks in card order, found by rank.
    by_rank: Vec<Block>,
    /// For a hashed filter: the blocks by card.
    blocks: CardMap<Block>,
    /// Per replacement, in id order: the card it replaces.
    replaced: Vec<u64>,
    /// Per replacement, in id order: whether its block was a loss report.
    lost: Vec<bool>,
}

impl BlockIndex {
    /// Blocks in request order; a card blocked twice keeps the earlier
    /// time (and its cause) and its first replacement. Replacement ids start
    /// at `first_id`.
    pub fn new(requests: impl IntoIterator<Item = BlockRequest>, first_id: u64) -> Self {
        let mut blocks: CardMap<Block> = CardMap::default();
        let mut replaced = Vec::new();
        let mut lost = Vec::new();
        for BlockRequest {
            card,
            at,
            lost: reported,
        } in requests
        {
            match blocks.get_mut(&card) {
                Some(block) if at < block.at => {
                    block.at = at;
                    lost[(block.replacement - first_id) as usize] = reported;
                }
                Some(_) => {}
                None => {
                    blocks.insert(
                        card,
                        Block {
                            at,
                            replacement: first_id + replaced.len() as u64,
                        },
                    );
                    replaced.push(card);
                    lost.push(reported);
                }
            }
        }
        let hashed_bits = (blocks.len() as u64 * 16).next_power_of_two().max(64);
        let dense_bits = blocks.keys().max().map_or(0, |&card| card + 1);
        let dense = dense_bits <= hashed_bits;
        let bits = if dense { dense_bits } else { hashed_bits };
        let mask = hashed_bits - 1;
        let mut filter = vec![0u64; bits.div_ceil(64) as usize];
        for &card in blocks.keys() {
            let bit = if dense { card } else { mix64(card) & mask };
            filter[(bit / 64) as usize] |= 1 << (bit % 64);
        }
        let (mut ranks, mut by_rank) = (Vec::new(), Vec::new());
        if dense {
            // A card's rank among the blocked ones places its block without
            // hashing, and an array of blocks is a third of the map's size.
            let mut before = 0u32;
            ranks = filter
                .iter()
                .map(|word| {
                    let rank = before;
                    before += word.count_ones();
                    rank
                })
                .collect();
            let mut sorted: Vec<(u64, Block)> = blocks.drain().collect();
            sorted.sort_unstable_by_key(|&(card, _)| card);
            by_rank = sorted.into_iter().map(|(_, block)| block).collect();
            blocks = CardMap::default();
        }
        Self {
            filter,
            dense,
            mask,
            ranks,
            by_rank,
            blocks,
            replaced,
            lost,
        }
    }

    /// The block of `card`, if it is ever blocked.
    #[inline]
    pub fn get(&self, card: u64) -> Option<&Block> {
        if self.dense {
            let index = usize::try_from(card / 64).ok()?;
            let word = *self.filter.get(index)?;
            let bit = 1u64 << (card % 64);
            if word & bit == 0 {
                return None;
            }
            let rank = self.ranks[index] + (word & (bit - 1)).count_ones();
            return self.by_rank.get(rank as usize);
        }
        let bit = mix64(card) & self.mask;
        if self.filter[(bit / 64) as usize] & (1 << (bit % 64)) == 0 {
            return None;
        }
        self.blocks.get(&card)
    }

    /// Whether `card` is blocked at `at`.
    #[inline]
    pub fn is_blocked(&self, card: u64, at: LocalMicros) -> bool {
        self.get(card).is_some_and(|b| at >= b.at)
    }

    /// The card that replaces `card` at `at`, if it is blocked by then.
    #[inline]
    pub fn replacement(&self, card: u64, at: LocalMicros) -> Option<u64> {
        self.get(card).filter(|b| at >= b.at).map(|b| b.replacement)
    }

    /// Per replacement card, in id order, the card it replaces.
    pub fn replaced(&self) -> &[u64] {
        &self.replaced
    }

    /// Whether the block that made replacement number `index` (counted from
    /// the first) was the holder's report of a lost or stolen card.
    pub fn reported_lost(&self, index: u64) -> bool {
        self.lost[index as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(card: u64, at: i64, lost: bool) -> BlockRequest {
        BlockRequest {
            card,
            at: LocalMicros(at),
            lost,
        }
    }

    #[test]
    fn a_card_is_replaced_from_its_block_on_and_keeps_its_earliest_block() {
        let index = BlockIndex::new(
            [
                request(7, 100, false),
                request(3, 50, true),
                request(7, 80, true),
                request(3, 90, false),
            ],
            1000,
        );
        assert_eq!(index.replacement(7, LocalMicros(79)), None);
        assert_eq!(index.replacement(7, LocalMicros(80)), Some(1000));
        assert_eq!(index.replacement(3, LocalMicros(60)), Some(1001));
        assert_eq!(index.replacement(4, LocalMicros(1 << 40)), None);
        assert_eq!(index.replaced(), &[7, 3]);
        // The earliest block's cause is the one that counts.
        assert!(index.reported_lost(0) && index.reported_lost(1));
    }

    #[test]
    fn both_filters_find_every_blocked_card_and_no_other() {
        // Small ids make a filter with a bit per card; one large id makes
        // it cheaper to hash.
        let small: Vec<u64> = (0..40).map(|i| i * 20 + 3).collect();
        let with_large: Vec<u64> = small.iter().copied().chain([1 << 40]).collect();
        for (cards, dense) in [(small, true), (with_large, false)] {
            let requests = cards.iter().map(|&card| request(card, 10, false));
            let index = BlockIndex::new(requests, 2000);
            assert_eq!(index.dense, dense);
            for card in (0..2000).chain([1 << 40, (1 << 40) + 1, u64::MAX]) {
                // Replacements are numbered in request order.
                let expected = cards
                    .iter()
                    .position(|&c| c == card)
                    .map(|i| 2000 + i as u64);
                assert_eq!(
                    index.get(card).map(|block| block.replacement),
                    expected,
                    "card {card}"
                );
            }
        }
    }
}
