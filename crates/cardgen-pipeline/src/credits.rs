//! Credits: the memory bound.
//!
//! A producer must hold a credit before it claims a batch, and the credit comes
//! back only when the writer has appended that batch to the file. With `K`
//! credits at most `K` batches exist anywhere — being generated, encoded,
//! queued in the channel or parked in the writer's reorder buffer — however
//! many rows the run has. Because batch indices are claimed only after a credit
//! is taken, the lowest unwritten batch always holds one, so the writer can
//! always make progress and the bound cannot deadlock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};

/// How often a producer waiting for a credit looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);

/// The default number of credits for `threads` producers: one batch in the
/// hands of each producer plus as many queued for the writer, so producers do
/// not stall while the writer appends.
pub fn default_credits(threads: usize) -> usize {
    (2 * threads).max(2)
}

/// Hands out credits to producers.
pub struct CreditPool {
    available: Receiver<()>,
}

/// Gives credits back; owned by the writer alone.
pub struct CreditReturn {
    returns: Sender<()>,
}

/// A pool of `count` credits and the handle that returns them.
pub fn credit_pool(count: usize) -> (CreditPool, CreditReturn) {
    let (returns, available) = bounded(count);
    for _ in 0..count {
        returns.send(()).expect("capacity matches the count");
    }
    (CreditPool { available }, CreditReturn { returns })
}

impl CreditPool {
    /// Waits for a credit. `None` once `stop` is set or the writer is gone.
    pub fn acquire(&self, stop: &AtomicBool) -> Option<()> {
        loop {
            if stop.load(Ordering::Acquire) {
                return None;
            }
            match self.available.recv_timeout(STOP_POLL) {
                Ok(()) if stop.load(Ordering::Acquire) => return None,
                Ok(()) => return Some(()),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

impl CreditReturn {
    pub fn release(&self) {
        // Fails only when every producer has exited, and then nobody needs it.
        let _ = self.returns.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_the_count_can_be_held() {
        let stop = AtomicBool::new(false);
        let (pool, back) = credit_pool(2);
        assert!(pool.acquire(&stop).is_some());
        assert!(pool.acquire(&stop).is_some());
        assert!(pool.available.try_recv().is_err());
        back.release();
        assert!(pool.acquire(&stop).is_some());
    }

    #[test]
    fn a_waiting_producer_wakes_when_stopped_or_orphaned() {
        let stop = AtomicBool::new(true);
        let (pool, back) = credit_pool(1);
        assert!(pool.acquire(&stop).is_none());
        stop.store(false, Ordering::Release);
        assert!(pool.acquire(&stop).is_some());
        drop(back);
        assert!(pool.acquire(&stop).is_none());
    }
}
