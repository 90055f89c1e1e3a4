//! Where each row of `transactions` lies in time: row `r` of a range whose
//! rows start at `first` takes the range's timeline quantile
//! `(r - first + u) / rows`, `u` being the first draw of its own stream
//! (keyed by `r`), so times rise through the file and any row's time can be
//! computed alone. The `fraud_cases` table needs that too, so the clock
//! belongs to neither `transactions` nor `fraud`: both import it, and
//! `fraud` never imports `transactions`.

use rand::{RngExt, SeedableRng};

use crate::date_range::DatasetRange;
use crate::seed::{Domain, Salt, StreamRng};
use crate::timeline::{LocalMicros, Timeline, TimelineCursor};

#[derive(Debug, Clone, Copy)]
pub struct RowClock {
    salt: Salt,
    first_row: u64,
    rows: u64,
}

impl RowClock {
    /// The clock of a dataset of one range of `rows` rows.
    pub fn new(seed: u64, rows: u64) -> Self {
        Self {
            salt: Salt::new(seed, Domain::TransactionRow),
            first_row: 0,
            rows,
        }
    }

    /// The clock of the rows of `range`.
    pub fn for_range(seed: u64, range: &DatasetRange) -> Self {
        Self {
            first_row: range.first_row,
            ..Self::new(seed, range.rows)
        }
    }

    /// Row `row`'s random stream, before any draw.
    #[inline]
    pub fn rng(&self, row: u64) -> StreamRng {
        StreamRng::seed_from_u64(self.salt.key(row))
    }

    /// The stream's key, for hashes of the row that must not consume draws.
    #[inline]
    pub fn key(&self, row: u64) -> u64 {
        self.salt.key(row)
    }

    /// Row `row`'s time, drawing its first value from `rng`; `cursor` walks
    /// forward when rows are generated in order.
    #[inline]
    pub fn local_time(
        &self,
        timeline: &Timeline,
        row: u64,
        rng: &mut StreamRng,
        cursor: Option<&mut TimelineCursor<'_>>,
    ) -> LocalMicros {
        let quantile = ((row - self.first_row) as f64 + rng.random::<f64>()) / self.rows as f64;
        match cursor {
            Some(cursor) => cursor.local_at(quantile),
            None => timeline.local_at(quantile),
        }
    }

    /// Row `row`'s time, alone.
    pub fn time_of(&self, timeline: &Timeline, row: u64) -> LocalMicros {
        self.local_time(timeline, row, &mut self.rng(row), None)
    }
}
