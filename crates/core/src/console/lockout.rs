//! How repeated sign-in failures are answered: slower, then locked for a while. Failures are
//! counted per account and per client address, in the database (so every instance sees them).

use std::time::Duration;

/// The sign-in throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures are counted within this window after the last one; older ones are forgotten.
    pub window: Duration,
    /// From this many failures of a key on, each further attempt waits [`Self::delay`] first.
    pub slow_after: u32,
    /// The wait of a slowed attempt.
    pub delay: Duration,
    /// This many failures of an account lock it for [`Self::lock_for`].
    pub lock_account_after: u32,
    /// This many failures from one address lock that address out (higher: admins may share an
    /// address).
    pub lock_address_after: u32,
    /// How long a lock lasts.
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            slow_after: 3,
            delay: Duration::from_secs(1),
            lock_account_after: 5,
            lock_address_after: 20,
            lock_for: Duration::from_secs(15 * 60),
        }
    }
}

impl LockoutPolicy {
    /// The failures after which a key of this kind is locked.
    pub fn lock_after(&self, key: &ThrottleKey<'_>) -> u32 {
        match key {
            ThrottleKey::Account(_) => self.lock_account_after,
            ThrottleKey::Address(_) => self.lock_address_after,
        }
    }
}

/// What failures are counted against.
#[derive(Debug, Clone, Copy)]
pub enum ThrottleKey<'a> {
    /// A username (whether or not such an admin exists, so names cannot be probed).
    Account(&'a str),
    /// A client address.
    Address(&'a str),
}

impl ThrottleKey<'_> {
    /// The key as stored.
    pub fn stored(&self) -> String {
        match self {
            ThrottleKey::Account(name) => format!("account:{name}"),
            ThrottleKey::Address(addr) => format!("address:{addr}"),
        }
    }
}
