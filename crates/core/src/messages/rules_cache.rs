//! The rules a push is matched against, read from the database at most once per `ttl`
//! instead of on every push. A change made through this process clears the cache at once;
//! a change made on another instance is seen within `ttl`.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::rules::ReplyRule;

/// A time-limited copy of the rules table.
pub struct RulesCache {
    ttl: Duration,
    cached: RwLock<Option<(Instant, Arc<Vec<ReplyRule>>)>>,
}

impl RulesCache {
    /// A cache whose copy is trusted for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            cached: RwLock::new(None),
        }
    }

    /// The cached rules, if they were read less than `ttl` ago.
    pub fn fresh(&self) -> Option<Arc<Vec<ReplyRule>>> {
        let cached = self.cached.read().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < self.ttl)
            .map(|(_, rules)| rules.clone())
    }

    /// Keeps `rules`, just read from the database.
    pub fn keep(&self, rules: Vec<ReplyRule>) -> Arc<Vec<ReplyRule>> {
        let rules = Arc::new(rules);
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), rules.clone()));
        rules
    }

    /// Forgets the copy: the next push reads the table again.
    pub fn clear(&self) {
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_copy_is_fresh_until_cleared_or_expired() {
        let cache = RulesCache::new(Duration::from_secs(60));
        assert!(cache.fresh().is_none());
        cache.keep(Vec::new());
        assert!(cache.fresh().is_some());
        cache.clear();
        assert!(cache.fresh().is_none());

        let expired = RulesCache::new(Duration::ZERO);
        expired.keep(Vec::new());
        assert!(expired.fresh().is_none());
    }
}
