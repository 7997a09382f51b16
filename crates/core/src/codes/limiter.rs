//! A per-key rate limit in one instance: at most N events per key in any sliding minute.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window a limit counts over.
const WINDOW: Duration = Duration::from_secs(60);
/// Keys kept before idle ones are forgotten.
const MAX_KEYS: usize = 100_000;

/// At most `per_minute` events per key in any 60 seconds.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` events per key.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// The limit.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Counts an event for `key` now, if the limit allows it; `false` if it does not.
    pub fn allow(&self, key: &str) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: &str, now: Instant) -> bool {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if events.len() >= MAX_KEYS {
            events.retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
        }
        let times = events.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| now - *t >= WINDOW) {
            times.pop_front();
        }
        if times.len() >= self.per_minute as usize {
            return false;
        }
        times.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_limit_each_minute_and_keys_are_apart() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.allow_at("a", start));
        assert!(limiter.allow_at("a", start));
        assert!(!limiter.allow_at("a", start + Duration::from_secs(59)));
        assert!(limiter.allow_at("b", start));
        assert!(limiter.allow_at("a", start + WINDOW));
    }
}
