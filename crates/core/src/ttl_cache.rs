//! A value read from the database or from WeChat, kept for a while instead of read on every
//! use: the auto-reply rules a push is matched against, the app's subscribe-message templates.
//! A change made through this process clears the copy at once; one made elsewhere is seen
//! within the time-to-live.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A time-limited copy of a value.
pub struct TtlCache<T> {
    ttl: Duration,
    cached: RwLock<Option<(Instant, Arc<T>)>>,
}

impl<T> TtlCache<T> {
    /// A cache whose copy is trusted for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            cached: RwLock::new(None),
        }
    }

    /// The cached value, if it was read less than `ttl` ago.
    pub fn fresh(&self) -> Option<Arc<T>> {
        let cached = self.cached.read().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value`, just read.
    pub fn keep(&self, value: T) -> Arc<T> {
        let value = Arc::new(value);
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), value.clone()));
        value
    }

    /// Forgets the copy: the next use reads it again.
    pub fn clear(&self) {
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_copy_is_fresh_until_cleared_or_expired() {
        let cache = TtlCache::<Vec<u8>>::new(Duration::from_secs(60));
        assert!(cache.fresh().is_none());
        cache.keep(Vec::new());
        assert!(cache.fresh().is_some());
        cache.clear();
        assert!(cache.fresh().is_none());

        let expired = TtlCache::<Vec<u8>>::new(Duration::ZERO);
        expired.keep(Vec::new());
        assert!(expired.fresh().is_none());
    }
}
