//! The stream's one order, and how far along it the sinks have confirmed.
//!
//! Every message has a key `(emit_ts, kind, row)`, and a stream sends its
//! messages in key order: events on time in row order (their event times
//! never decrease), late events and labels held back until the stream's
//! clock reaches them. [`Holdback`] holds them; [`Acknowledged`] follows
//! what the sinks confirmed and says, for a checkpoint, the last key of
//! the confirmed prefix and the first row a resumed stream must generate
//! again to send everything after it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// A message's place in the stream's order.
pub type Key = (i64, u8, u64);

/// A message held back, its payload copied out of its batch.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Held {
    pub key: Key,
    pub card: i64,
    pub payload: Vec<u8>,
}

/// Late events and labels waiting for their time to come.
#[derive(Debug, Default)]
pub struct Holdback {
    heap: BinaryHeap<Reverse<Held>>,
    /// How many held messages each row has, for the lowest row held.
    rows: BTreeMap<u64, u32>,
    bytes: usize,
}

impl Holdback {
    pub fn push(&mut self, held: Held) {
        *self.rows.entry(held.key.2).or_default() += 1;
        self.bytes += held.payload.len();
        self.heap.push(Reverse(held));
    }

    /// The first held message if its key is before `key` (all when `None`).
    pub fn pop_before(&mut self, key: Option<Key>) -> Option<Held> {
        let first = &self.heap.peek()?.0;
        if key.is_some_and(|k| first.key >= k) {
            return None;
        }
        let Reverse(held) = self.heap.pop()?;
        let row = held.key.2;
        if let Some(n) = self.rows.get_mut(&row) {
            *n -= 1;
            if *n == 0 {
                self.rows.remove(&row);
            }
        }
        self.bytes -= held.payload.len();
        Some(held)
    }

    /// Whether a held message comes before `key`.
    pub fn has_before(&self, key: Key) -> bool {
        self.heap.peek().is_some_and(|first| first.0.key < key)
    }

    /// The lowest row of any held message.
    pub fn lowest_row(&self) -> Option<u64> {
        self.rows.keys().next().copied()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Payload bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Where a stream stands: everything up to `after` is confirmed, and a
/// stream going on from here generates again from row `from_row`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub after: Option<Key>,
    pub from_row: u64,
    /// Messages confirmed.
    pub confirmed: u64,
}

/// Messages sent and not yet all confirmed, in sending order.
#[derive(Debug)]
pub struct Acknowledged {
    /// `(key, from_row, confirmed)` of sequence numbers `first..`.
    window: VecDeque<(Key, u64, bool)>,
    first: u64,
    position: Position,
}

impl Acknowledged {
    pub fn new(position: Position) -> Self {
        Self {
            window: VecDeque::new(),
            first: 0,
            position,
        }
    }

    /// Records a message sent as number `first + len`, after which a
    /// stream would go on from `from_row`; returns its sequence number.
    pub fn sent(&mut self, key: Key, from_row: u64) -> u64 {
        self.window.push_back((key, from_row, false));
        self.first + self.window.len() as u64 - 1
    }

    /// A sink confirmed message `seq`.
    pub fn confirm(&mut self, seq: u64) {
        let Some(index) = seq.checked_sub(self.first) else {
            return;
        };
        if let Some(entry) = self.window.get_mut(index as usize) {
            entry.2 = true;
        }
        while let Some(&(key, from_row, true)) = self.window.front() {
            self.window.pop_front();
            self.first += 1;
            self.position = Position {
                after: Some(key),
                from_row,
                confirmed: self.position.confirmed + 1,
            };
        }
    }

    /// The confirmed prefix.
    pub fn position(&self) -> Position {
        self.position
    }

    /// Messages sent and not yet confirmed.
    pub fn unconfirmed(&self) -> usize {
        self.window.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(emit: i64, kind: u8, row: u64) -> Held {
        Held {
            key: (emit, kind, row),
            card: 1,
            payload: vec![0; 10],
        }
    }

    #[test]
    fn held_messages_leave_in_key_order_and_only_before_the_clock() {
        let mut holdback = Holdback::default();
        holdback.push(held(50, 0, 3));
        holdback.push(held(20, 1, 9));
        holdback.push(held(20, 0, 12));
        assert_eq!(holdback.lowest_row(), Some(3));
        assert_eq!(holdback.pop_before(Some((20, 0, 12))), None);
        assert_eq!(
            holdback.pop_before(Some((21, 0, 0))).unwrap().key,
            (20, 0, 12)
        );
        assert_eq!(
            holdback.pop_before(Some((21, 0, 0))).unwrap().key,
            (20, 1, 9)
        );
        assert_eq!(holdback.pop_before(Some((21, 0, 0))), None);
        assert_eq!(holdback.bytes(), 10);
        assert_eq!(holdback.pop_before(None).unwrap().key, (50, 0, 3));
        assert!(holdback.is_empty() && holdback.lowest_row().is_none());
    }

    #[test]
    fn the_position_moves_only_over_a_confirmed_prefix() {
        let start = Position {
            after: None,
            from_row: 0,
            confirmed: 0,
        };
        let mut acks = Acknowledged::new(start);
        let a = acks.sent((1, 0, 0), 1);
        let b = acks.sent((2, 0, 1), 2);
        let c = acks.sent((3, 0, 2), 3);
        acks.confirm(c);
        assert_eq!(acks.position(), start, "c is confirmed but a and b are not");
        acks.confirm(a);
        assert_eq!(acks.position().after, Some((1, 0, 0)));
        acks.confirm(b);
        assert_eq!(
            acks.position(),
            Position {
                after: Some((3, 0, 2)),
                from_row: 3,
                confirmed: 3
            }
        );
        assert_eq!(acks.unconfirmed(), 0);
    }
}
