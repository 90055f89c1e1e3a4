//! Device ids: cardholders' phones and computers, one-off devices and
//! fraudsters' devices, in one key space so that no value gives away whose
//! device it is. The key layout lives here alone: owners' keys are below
//! 2^56, the other kinds above it, tagged in the top byte.

use crate::seed::{Domain, Salt};

/// Fraudsters' devices of card-testing cases (and their children).
pub const TESTER: u64 = 1;
/// Fraudsters' devices of card-not-present cases.
pub const CNP_RING: u64 = 2;
/// The new device of an account takeover.
pub const TAKEOVER: u64 = 3;
/// Devices used once (a shared computer, a cleared browser), by row.
const ONE_OFF: u64 = 4;

#[derive(Debug, Clone, Copy)]
pub struct Devices {
    salt: Salt,
}

impl Devices {
    pub fn new(seed: u64) -> Self {
        Self {
            salt: Salt::new(seed, Domain::Device),
        }
    }

    /// The id of device `key`: an opaque positive number.
    #[inline]
    fn id(&self, key: u64) -> i64 {
        (self.salt.key(key) >> 11) as i64
    }

    /// Device `generation` of a cardholder's phone (or, with `second`, computer).
    #[inline]
    pub fn owned(&self, customer_id: u64, second: bool, generation: u64) -> i64 {
        self.id((customer_id << 1 | u64::from(second)) << 8 | (generation & 0xff))
    }

    /// A device used once, for row `row`.
    #[inline]
    pub fn one_off(&self, row: u64) -> i64 {
        self.id(ONE_OFF << 56 | row)
    }

    /// A fraudster's device: `ring` within one of [`TESTER`], [`CNP_RING`], [`TAKEOVER`].
    pub fn fraudster(&self, kind: u64, ring: u64) -> i64 {
        self.id(kind << 56 | ring)
    }

    /// A stable hash of the customer, to stagger when their devices change.
    #[inline]
    pub fn owner_phase(&self, customer_id: u64) -> u64 {
        self.salt.key(customer_id) >> 8
    }
}
