//! Numbering the rows of a table with a varying number of rows per entity.
//!
//! A history or change-feed table has as many rows per customer as the
//! customer has versions in its window, a pure function of the id. To
//! generate rows `[a, b)` without walking every customer before `a`, the
//! index keeps the rows before every [`CHECKPOINT`]-th customer: finding
//! row `a` is a binary search and a walk of at most that many customers.
//! It holds one number per 4,096 customers (2 KB per million), built once
//! by counting every customer's rows. A change feed has one index per date
//! range, its rows numbered on from the range before ([`FeedWindows`]).
//! [`CustomerHistory`] holds the indexes of the customer tables of one
//! dataset.

use std::ops::Range;

use super::CustomerChanges;
use crate::date_range::DatasetRange;

/// Customers between checkpoints.
pub const CHECKPOINT: u64 = 4096;

/// Rows before every [`CHECKPOINT`]-th entity of a table; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeIndex {
    entities: u64,
    /// `[k]`: rows of entities `0..k × CHECKPOINT`; one more entry holds the total.
    rows_before: Vec<u64>,
}

impl ChangeIndex {
    /// Counts the rows of entities `0..entities`, `rows_of(id)` each.
    pub fn build(entities: u64, mut rows_of: impl FnMut(u64) -> u64) -> Self {
        let mut rows_before = Vec::with_capacity((entities / CHECKPOINT + 2) as usize);
        let mut total = 0;
        for id in 0..entities {
            if id % CHECKPOINT == 0 {
                rows_before.push(total);
            }
            total += rows_of(id);
        }
        rows_before.push(total);
        Self {
            entities,
            rows_before,
        }
    }

    /// Rows of the table.
    pub fn rows(&self) -> u64 {
        *self.rows_before.last().expect("the total")
    }

    /// The entity that row `row` belongs to and the number of its first row
    /// (`rows_of` as given to [`Self::build`]). `row` must be below [`Self::rows`].
    pub fn locate(&self, row: u64, mut rows_of: impl FnMut(u64) -> u64) -> (u64, u64) {
        assert!(row < self.rows(), "row {row} of {}", self.rows());
        // The last checkpoint at or before `row` (the total is not one).
        let checkpoints = &self.rows_before[..self.rows_before.len() - 1];
        let k = checkpoints.partition_point(|&before| before <= row) - 1;
        let mut id = k as u64 * CHECKPOINT;
        let mut first = checkpoints[k];
        loop {
            debug_assert!(id < self.entities);
            let rows = rows_of(id);
            if row < first + rows {
                return (id, first);
            }
            first += rows;
            id += 1;
        }
    }
}

/// A change feed's windows, one per date range: each window's rows are
/// numbered on from the previous window's, and counted by an index of its own.
#[derive(Debug, Clone)]
pub struct FeedWindows<W> {
    windows: Vec<(W, u64, ChangeIndex)>,
}

impl<W> FeedWindows<W> {
    pub fn with_capacity(ranges: usize) -> Self {
        Self {
            windows: Vec::with_capacity(ranges),
        }
    }

    /// Rows of the feed, over every window.
    pub fn rows(&self) -> u64 {
        self.windows
            .last()
            .map_or(0, |(_, first, index)| first + index.rows())
    }

    /// Adds the next range's window, whose rows `index` counts.
    pub fn push(&mut self, window: W, index: ChangeIndex) {
        let first = self.rows();
        self.windows.push((window, first, index));
    }

    /// The feed rows of range `range`'s window.
    pub fn rows_of_range(&self, range: usize) -> Range<u64> {
        let (_, first, index) = &self.windows[range];
        *first..first + index.rows()
    }

    /// The window of feed row `row`, its entity, and the feed row of the
    /// entity's first row in the window (`rows_of(window, id)` as counted).
    pub fn locate(&self, row: u64, mut rows_of: impl FnMut(&W, u64) -> u64) -> (&W, u64, u64) {
        assert!(row < self.rows(), "row {row} of {}", self.rows());
        let k = self.windows.partition_point(|(_, first, _)| *first <= row) - 1;
        let (window, first, index) = &self.windows[k];
        let (id, entity_first) = index.locate(row - first, |id| rows_of(window, id));
        (window, id, first + entity_first)
    }
}

/// The rows of `customers_history` and `customers_changes` for one dataset.
///
/// The history holds every customer's versions through the end of the
/// dataset's first range (a first version from the first day, one more per
/// change day). The feed lists the changes range by range: range `r`'s are
/// those after the last day of range `r - 1` (after the first day, for the
/// first range) through its own last day, so a gap between ranges loses none.
#[derive(Debug, Clone)]
pub struct CustomerHistory {
    customers: u64,
    history_through: i64,
    history: ChangeIndex,
    feeds: FeedWindows<FeedWindow>,
}

/// One range's part of the change feed.
#[derive(Debug, Clone)]
pub struct FeedWindow {
    /// Changes after this local day …
    pub after: i64,
    /// … through this one.
    pub through: i64,
}

impl CustomerHistory {
    /// Counts the rows of every customer once per table and range.
    pub fn build(changes: &CustomerChanges, customers: u64, ranges: &[DatasetRange]) -> Self {
        let first_day = changes.first_day();
        let last_day = |r: &DatasetRange| r.range.start_epoch_day() + i64::from(r.range.days) - 1;
        let history_through = last_day(&ranges[0]);
        let history = ChangeIndex::build(customers, |id| {
            1 + changes.count_versions(id, first_day, history_through)
        });
        let mut feeds = FeedWindows::with_capacity(ranges.len());
        let mut after = first_day;
        for range in ranges {
            let through = last_day(range);
            let index =
                ChangeIndex::build(customers, |id| changes.count_versions(id, after, through));
            feeds.push(FeedWindow { after, through }, index);
            after = through;
        }
        Self {
            customers,
            history_through,
            history,
            feeds,
        }
    }

    /// The last day the history covers: the last of the first range.
    pub fn history_through(&self) -> i64 {
        self.history_through
    }

    /// Rows of `customers_history`.
    pub fn history_rows(&self) -> u64 {
        self.history.rows()
    }

    /// Rows of `customers_changes`, over every range.
    pub fn feed_rows(&self) -> u64 {
        self.feeds.rows()
    }

    /// The rows of `customers_changes` that range `range` adds.
    pub fn feed_rows_of_range(&self, range: usize) -> Range<u64> {
        self.feeds.rows_of_range(range)
    }

    /// The customer of history row `row`, and the row of its first version.
    pub fn locate_history(&self, row: u64, changes: &CustomerChanges) -> (u64, u64) {
        let first_day = changes.first_day();
        self.history.locate(row, |id| {
            1 + changes.count_versions(id, first_day, self.history_through)
        })
    }

    /// The window of feed row `row`, its customer and the feed row of the
    /// customer's first change in the window.
    pub fn locate_feed(&self, row: u64, changes: &CustomerChanges) -> (&FeedWindow, u64, u64) {
        self.feeds
            .locate(row, |w, id| changes.count_versions(id, w.after, w.through))
    }

    pub fn customers(&self) -> u64 {
        self.customers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0, 1 or 2 rows per entity, by id.
    fn rows_of(id: u64) -> u64 {
        (id * 7 + id / 5) % 3
    }

    #[test]
    fn every_row_is_found_at_its_entity() {
        for entities in [1, 5, CHECKPOINT - 1, CHECKPOINT, 3 * CHECKPOINT + 17] {
            let index = ChangeIndex::build(entities, rows_of);
            let mut row = 0;
            for id in 0..entities {
                let first = row;
                for _ in 0..rows_of(id) {
                    assert_eq!(index.locate(row, rows_of), (id, first), "row {row}");
                    row += 1;
                }
            }
            assert_eq!(index.rows(), row);
        }
    }

    #[test]
    fn a_feeds_windows_number_their_rows_on_from_each_other() {
        // Window `w` counts `rows_of(id + w)` rows for each of 3,000 entities.
        let mut feed = FeedWindows::with_capacity(3);
        for w in 0..3u64 {
            feed.push(w, ChangeIndex::build(3_000, |id| rows_of(id + w)));
        }
        let mut row = 0;
        for w in 0..3u64 {
            assert_eq!(feed.rows_of_range(w as usize).start, row);
            for id in 0..3_000 {
                let first = row;
                for _ in 0..rows_of(id + w) {
                    let found = feed.locate(row, |&w, id| rows_of(id + w));
                    assert_eq!(found, (&w, id, first), "row {row}");
                    row += 1;
                }
            }
            assert_eq!(feed.rows_of_range(w as usize).end, row);
        }
        assert_eq!(feed.rows(), row);
    }
}
