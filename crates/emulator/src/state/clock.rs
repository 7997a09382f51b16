//! The emulator's clock: real time plus an offset the control API can move forward.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// China Standard Time (UTC+8), where WeChat's daily quotas roll over at midnight.
const CHINA_OFFSET_SECS: u64 = 8 * 3600;

/// Wall-clock time that tests can advance without waiting.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicU64,
}

impl Clock {
    /// Now, as seconds since the Unix epoch (with milliseconds), offset included.
    pub fn now(&self) -> Duration {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        real + Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.fetch_add(millis, Ordering::Relaxed);
    }
}

/// The quota day `at` falls in: days since the epoch, starting at midnight in Beijing.
pub fn quota_day(at: Duration) -> u64 {
    (at.as_secs() + CHINA_OFFSET_SECS) / 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_days_start_at_midnight_beijing_time() {
        // 2024-01-01T15:59:59Z is 23:59:59 in Beijing; one second later is a new day there.
        let before = Duration::from_secs(1_704_124_799);
        assert_eq!(
            quota_day(before) + 1,
            quota_day(before + Duration::from_secs(1))
        );
    }

    #[test]
    fn advancing_moves_now_forward_by_at_least_that_much() {
        let clock = Clock::default();
        let start = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() >= start + Duration::from_secs(3600));
    }
}
