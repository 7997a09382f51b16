//! WeChat's API errors of the last hour, for the console's dashboard: every call that ended
//! with an errcode, without an answer or with an answer that is not WeChat's is counted in
//! memory by endpoint and errcode (the client's observer must not block), and written every
//! few seconds to the database as counts per minute, so the dashboard of any instance shows
//! those of every instance. Rows older than [`RETENTION`] are deleted as new ones are written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use wxbase_wechat::{CallObserver, CallResult};

use crate::{Store, StoreError, Timestamp};

/// How long the per-minute counts are kept.
pub const RETENTION: Duration = Duration::from_secs(2 * 3600);
/// How often counts are written to the database.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// Failed calls to one endpoint with one errcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatErrorCount {
    /// The API path, `/cgi-bin/message/custom/send`.
    pub endpoint: String,
    /// WeChat's errcode, or `unavailable` (no answer) or `bad_response`.
    pub errcode: String,
    /// How many calls.
    pub count: u64,
    /// The latest of them.
    pub last_seen: Timestamp,
}

/// The start of the minute `at` is in.
pub fn minute_of(at: Timestamp) -> Timestamp {
    Timestamp::from_millis(at.as_millis() - at.as_millis().rem_euclid(60_000))
}

/// Counts not written yet, by (endpoint, errcode).
type Pending = HashMap<(String, String), (u64, Timestamp)>;

/// Adds `count` failures of one (endpoint, errcode), the latest at `last_seen`.
fn add(pending: &mut Pending, key: (String, String), count: u64, last_seen: Timestamp) {
    let entry = pending.entry(key).or_insert((0, last_seen));
    entry.0 += count;
    entry.1 = entry.1.max(last_seen);
}

/// The counts gathered in `pending`.
fn counts_of(pending: &Pending) -> Vec<WechatErrorCount> {
    pending
        .iter()
        .map(
            |((endpoint, errcode), (count, last_seen))| WechatErrorCount {
                endpoint: endpoint.clone(),
                errcode: errcode.clone(),
                count: *count,
                last_seen: *last_seen,
            },
        )
        .collect()
}

/// Records failed WeChat calls (as the client's [`CallObserver`]) and reads the recent ones.
pub struct WechatErrorLog {
    store: Arc<dyn Store>,
    pending: Mutex<Pending>,
}

impl std::fmt::Debug for WechatErrorLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatErrorLog").finish_non_exhaustive()
    }
}

impl WechatErrorLog {
    /// A log writing to `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one failed call at `at`.
    pub fn record(&self, endpoint: &str, errcode: &str, at: Timestamp) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        add(
            &mut pending,
            (endpoint.to_owned(), errcode.to_owned()),
            1,
            at,
        );
    }

    fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn pending_counts(&self) -> Vec<WechatErrorCount> {
        counts_of(&self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Writes the counts gathered since the last flush, each in the minute of its latest call,
    /// and deletes the minutes older than [`RETENTION`]. Counts that could not be written are
    /// kept for the next flush.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let taken = self.take();
        if taken.is_empty() {
            return Ok(());
        }
        let counts = counts_of(&taken);
        let forget_before = Timestamp::now().minus(RETENTION);
        if let Err(error) = self
            .store
            .record_wechat_errors(&counts, forget_before)
            .await
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for ((endpoint, errcode), (count, last_seen)) in taken {
                add(&mut pending, (endpoint, errcode), count, last_seen);
            }
            return Err(error);
        }
        Ok(())
    }

    /// The failed calls of every instance within `within`, and this instance's not yet written,
    /// by endpoint and errcode, the most frequent first.
    pub async fn recent(&self, within: Duration) -> Result<Vec<WechatErrorCount>, StoreError> {
        let since = minute_of(Timestamp::now().minus(within));
        let mut all = self.store.wechat_errors(since).await?;
        for extra in self.pending_counts() {
            match all
                .iter_mut()
                .find(|c| c.endpoint == extra.endpoint && c.errcode == extra.errcode)
            {
                Some(known) => {
                    known.count += extra.count;
                    known.last_seen = known.last_seen.max(extra.last_seen);
                }
                None => all.push(extra),
            }
        }
        all.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_seen.cmp(&a.last_seen)));
        Ok(all)
    }

    /// Flushes every [`FLUSH_INTERVAL`], logging failures and carrying on, until dropped.
    pub async fn run(self: Arc<Self>) {
        let mut ticker = tokio::time::interval(FLUSH_INTERVAL);
        loop {
            ticker.tick().await;
            if let Err(error) = self.flush().await {
                tracing::warn!(%error, "could not record WeChat's API errors");
            }
        }
    }
}

impl CallObserver for WechatErrorLog {
    fn observe(&self, endpoint: &'static str, result: CallResult, _: Duration) {
        let errcode = match result {
            CallResult::Ok | CallResult::Errcode(0) => return,
            CallResult::Errcode(code) => code.to_string(),
            CallResult::Unavailable => "unavailable".to_owned(),
            CallResult::BadResponse => "bad_response".to_owned(),
        };
        self.record(endpoint, &errcode, Timestamp::now());
    }
}

/// Tells two observers about every call (the metrics and the error log).
pub struct BothObservers(pub Arc<dyn CallObserver>, pub Arc<dyn CallObserver>);

impl CallObserver for BothObservers {
    fn observe(&self, endpoint: &'static str, result: CallResult, elapsed: Duration) {
        self.0.observe(endpoint, result, elapsed);
        self.1.observe(endpoint, result, elapsed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_starts_on_its_first_millisecond() {
        let at = Timestamp::from_millis(1_700_000_123_456);
        assert_eq!(minute_of(at).as_millis(), 1_700_000_100_000);
        assert_eq!(minute_of(minute_of(at)), minute_of(at));
    }
}
