//! When a live stream may send its next message.
//!
//! Replay (neither `speed` nor `rate`) sends as fast as the sinks take
//! messages. With `speed` X a message is due when the wall clock has run
//! 1/X of the event time since the stream's first message (1 = real time,
//! 3600 = an hour a second); with `rate` N the n-th message of this run is
//! due n/N seconds after its start. With both, the later of the two.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Pacer {
    speed: Option<f64>,
    rate: Option<f64>,
    started: Instant,
    first_emit: Option<i64>,
    sent: u64,
}

impl Pacer {
    pub fn new(speed: Option<f64>, rate: Option<f64>) -> Self {
        Self {
            speed,
            rate,
            started: Instant::now(),
            first_emit: None,
            sent: 0,
        }
    }

    /// Whether messages wait for the clock at all.
    pub fn is_live(&self) -> bool {
        self.speed.is_some() || self.rate.is_some()
    }

    /// How long to wait before the message sent at `emit_ts` (UTC µs).
    pub fn wait(&mut self, emit_ts: i64) -> Duration {
        if !self.is_live() {
            return Duration::ZERO;
        }
        let first = *self.first_emit.get_or_insert(emit_ts);
        let mut due = 0.0f64;
        if let Some(speed) = self.speed {
            due = due.max((emit_ts - first) as f64 / 1e6 / speed);
        }
        if let Some(rate) = self.rate {
            due = due.max(self.sent as f64 / rate);
        }
        let due = Duration::from_secs_f64(due.max(0.0));
        due.saturating_sub(self.started.elapsed())
    }

    /// A message went out.
    pub fn sent(&mut self) {
        self.sent += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_never_waits_and_a_rate_spaces_messages() {
        let mut replay = Pacer::new(None, None);
        assert_eq!(replay.wait(1_000_000_000), Duration::ZERO);
        let mut paced = Pacer::new(None, Some(10.0));
        assert_eq!(paced.wait(0), Duration::ZERO);
        paced.sent();
        let wait = paced.wait(0);
        assert!(
            wait > Duration::from_millis(80) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
    }

    #[test]
    fn speed_scales_event_time() {
        let mut pacer = Pacer::new(Some(3600.0), None);
        assert_eq!(pacer.wait(0), Duration::ZERO);
        // An hour of event time later: one second.
        let wait = pacer.wait(3_600_000_000);
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
    }
}
