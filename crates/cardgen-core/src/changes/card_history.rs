//! The rows of `cards_history` and `cards_changes`: each numbered by a
//! [`ChangeIndex`] over the cards' versions (see [`super::cards`]), per table
//! and range, as the customer tables are.

use std::ops::Range;

use super::cards::{CardChanges, CardVersion};
use super::index::{ChangeIndex, FeedWindows};
use crate::fraud::WorldWithFraud;

/// The rows of `cards_history` and `cards_changes` for one dataset.
///
/// The history holds the first range's versions of every card issued in it
/// (see [`CardVersion::range`]). The feed lists the versions of each range
/// in turn: cards issued (`insert`) or changed (`update`) in it, after the
/// dataset's first instant.
#[derive(Debug, Clone)]
pub struct CardHistory {
    changes: CardChanges,
    history: ChangeIndex,
    feeds: FeedWindows<CardWindow>,
}

/// One range's part of the card feed, over cards `0..cards`.
#[derive(Debug, Clone)]
pub struct CardWindow {
    pub range: usize,
    pub cards: u64,
}

impl CardWindow {
    /// Whether `version` is one of the window's rows.
    pub fn holds(&self, version: &CardVersion, start: i64) -> bool {
        version.range == self.range && version.at > start
    }
}

impl CardHistory {
    pub fn build(fraud: &WorldWithFraud) -> Self {
        let changes = CardChanges::of(fraud);
        let population = fraud.world().sizes.cards;
        let plan = fraud.plan();
        let mut versions = Vec::new();
        let history = ChangeIndex::build(population + plan.replacements_of_range(0).end, |id| {
            changes.versions(fraud, id, 0, &mut versions);
            versions.len() as u64
        });
        let mut feeds = FeedWindows::with_capacity(fraud.ranges().len());
        for range in 0..fraud.ranges().len() {
            let window = CardWindow {
                range,
                cards: population + plan.replacements_of_range(range).end,
            };
            let index = ChangeIndex::build(window.cards, |id| {
                changes.versions(fraud, id, range, &mut versions);
                let held = versions.iter().filter(|v| window.holds(v, changes.start()));
                held.count() as u64
            });
            feeds.push(window, index);
        }
        Self {
            history,
            changes,
            feeds,
        }
    }

    pub fn changes(&self) -> &CardChanges {
        &self.changes
    }

    pub fn history_rows(&self) -> u64 {
        self.history.rows()
    }

    pub fn feed_rows(&self) -> u64 {
        self.feeds.rows()
    }

    /// The rows of `cards_changes` that range `range` adds.
    pub fn feed_rows_of_range(&self, range: usize) -> Range<u64> {
        self.feeds.rows_of_range(range)
    }

    /// The card of history row `row` and the row of its first version.
    pub fn locate_history(&self, fraud: &WorldWithFraud, row: u64) -> (u64, u64) {
        let mut versions = Vec::new();
        self.history.locate(row, |id| {
            self.changes.versions(fraud, id, 0, &mut versions);
            versions.len() as u64
        })
    }

    /// The window of feed row `row`, its card, and the feed row of the
    /// card's first change in the window.
    pub fn locate_feed(&self, fraud: &WorldWithFraud, row: u64) -> (&CardWindow, u64, u64) {
        let mut versions = Vec::new();
        let start = self.changes.start();
        self.feeds.locate(row, |w, id| {
            self.changes.versions(fraud, id, w.range, &mut versions);
            versions.iter().filter(|v| w.holds(v, start)).count() as u64
        })
    }
}
