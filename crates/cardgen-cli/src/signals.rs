//! SIGINT and SIGTERM: the first asks the run to stop cleanly (temporary
//! files removed, exit 130 or 143); a second one exits at once.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// Exit status after SIGINT, by shell convention 128 + 2.
pub const EXIT_SIGINT: u8 = 130;
/// Exit status after SIGTERM, 128 + 15.
pub const EXIT_SIGTERM: u8 = 143;

pub struct Signals {
    /// Set by either signal; the pipeline watches it.
    pub stop: Arc<AtomicBool>,
    interrupted: Arc<AtomicBool>,
    terminated: Arc<AtomicBool>,
}

impl Signals {
    pub fn install() -> io::Result<Self> {
        let signals = Self {
            stop: Arc::new(AtomicBool::new(false)),
            interrupted: Arc::new(AtomicBool::new(false)),
            terminated: Arc::new(AtomicBool::new(false)),
        };
        for (signal, seen, status) in [
            (SIGINT, &signals.interrupted, EXIT_SIGINT),
            (SIGTERM, &signals.terminated, EXIT_SIGTERM),
        ] {
            // Registered first, so it sees `stop` as the previous signal left it.
            flag::register_conditional_shutdown(
                signal,
                i32::from(status),
                Arc::clone(&signals.stop),
            )?;
            flag::register(signal, Arc::clone(seen))?;
            flag::register(signal, Arc::clone(&signals.stop))?;
        }
        Ok(signals)
    }

    /// The exit status for the signal that stopped the run, if one did.
    pub fn exit_status(&self) -> Option<u8> {
        if self.interrupted.load(Ordering::Acquire) {
            Some(EXIT_SIGINT)
        } else if self.terminated.load(Ordering::Acquire) {
            Some(EXIT_SIGTERM)
        } else {
            None
        }
    }
}
