//! What wxbase counts and measures, recorded through the `metrics` facade into the recorder
//! the composition root hands over (no global recorder: two instances in one process, such as
//! the end-to-end tests, keep separate figures).
//!
//! [`METRICS`] names every metric once with its kind and meaning; the recorder gets these
//! descriptions, and docs/operations.md is checked against the list.

use std::sync::Arc;
use std::time::Duration;

use metrics::{Key, KeyName, Label, Metadata, Recorder, SharedString, Unit};
use wxbase_wechat::{CallObserver, CallResult};

/// The kind of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up.
    Counter,
    /// A value read at scrape time.
    Gauge,
    /// A distribution of durations, in seconds.
    Histogram,
}

/// One metric wxbase records: its name, kind, labels and meaning.
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// The Prometheus name.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// Its labels.
    pub labels: &'static [&'static str],
    /// What it counts.
    pub help: &'static str,
}

/// HTTP requests answered.
pub const HTTP_REQUESTS: &str = "wxbase_http_requests_total";
/// How long HTTP requests took.
pub const HTTP_DURATION: &str = "wxbase_http_request_duration_seconds";
/// Calls to WeChat's API.
pub const WECHAT_CALLS: &str = "wxbase_wechat_calls_total";
/// How long WeChat calls took.
pub const WECHAT_DURATION: &str = "wxbase_wechat_call_duration_seconds";
/// access_token fetches from WeChat.
pub const TOKEN_REFRESHES: &str = "wxbase_token_refreshes_total";
/// Pushes recorded (duplicates included).
pub const PUSHES_RECEIVED: &str = "wxbase_pushes_received_total";
/// Pushes that were retries of one already recorded.
pub const PUSHES_DUPLICATE: &str = "wxbase_pushes_duplicate_total";
/// Pushes refused, by reason.
pub const PUSHES_REFUSED: &str = "wxbase_pushes_refused_total";
/// Outbox send attempts, by outcome.
pub const SENDS: &str = "wxbase_outbox_sends_total";
/// Replies waiting to be sent.
pub const OUTBOX_PENDING: &str = "wxbase_outbox_pending";
/// Replies being sent now.
pub const OUTBOX_IN_FLIGHT: &str = "wxbase_outbox_in_flight";
/// Replies given up on.
pub const OUTBOX_FAILED: &str = "wxbase_outbox_failed";
/// Age of the oldest pending reply.
pub const OUTBOX_OLDEST_AGE: &str = "wxbase_outbox_oldest_pending_age_seconds";
/// Database connections by pool and state.
pub const DB_CONNECTIONS: &str = "wxbase_db_pool_connections";
/// Most connections a pool may open.
pub const DB_MAX_CONNECTIONS: &str = "wxbase_db_pool_max_connections";
/// Logins, by outcome.
pub const LOGINS: &str = "wxbase_logins_total";
/// Moderation verdicts recorded on files, by verdict and source.
pub const FILES_MODERATED: &str = "wxbase_files_moderated_total";

/// Every metric wxbase records.
pub const METRICS: &[MetricInfo] = &[
    MetricInfo {
        name: HTTP_REQUESTS,
        kind: MetricKind::Counter,
        labels: &["method", "route", "status"],
        help: "HTTP requests answered, by method, matched route (`unmatched` for none) and status code.",
    },
    MetricInfo {
        name: HTTP_DURATION,
        kind: MetricKind::Histogram,
        labels: &["method", "route"],
        help: "Time from receiving a request to its response head, in seconds.",
    },
    MetricInfo {
        name: WECHAT_CALLS,
        kind: MetricKind::Counter,
        labels: &["endpoint", "errcode"],
        help: "Calls to WeChat's API by endpoint path and result: `0` for success, WeChat's errcode, `unavailable` (no answer) or `bad_response`.",
    },
    MetricInfo {
        name: WECHAT_DURATION,
        kind: MetricKind::Histogram,
        labels: &["endpoint"],
        help: "Time a WeChat API call took, in seconds.",
    },
    MetricInfo {
        name: TOKEN_REFRESHES,
        kind: MetricKind::Counter,
        labels: &["endpoint", "errcode"],
        help: "access_token fetches from WeChat (`/cgi-bin/token`, `/cgi-bin/stable_token`), by result as for `wxbase_wechat_calls_total`.",
    },
    MetricInfo {
        name: PUSHES_RECEIVED,
        kind: MetricKind::Counter,
        labels: &[],
        help: "Customer-service pushes and media check verdicts recorded and answered, retries included.",
    },
    MetricInfo {
        name: PUSHES_DUPLICATE,
        kind: MetricKind::Counter,
        labels: &[],
        help: "Pushes that were retries of one already recorded (answered again, acted on once).",
    },
    MetricInfo {
        name: PUSHES_REFUSED,
        kind: MetricKind::Counter,
        labels: &["reason"],
        help: "Pushes refused: `body` (unreadable or over the limit), `unauthentic` (signature or decryption), `malformed` (not a push document or not a message), `not_recorded` (the database failed; WeChat retries).",
    },
    MetricInfo {
        name: SENDS,
        kind: MetricKind::Counter,
        labels: &["outcome"],
        help: "Outbox send attempts: `sent`, `retry` (back to the outbox with backoff), `failed` (given up) or `unconfirmed` (a subscribe message's 43101 after an attempt that may have delivered it).",
    },
    MetricInfo {
        name: OUTBOX_PENDING,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Replies waiting to be sent, in flight included (read at scrape time).",
    },
    MetricInfo {
        name: OUTBOX_IN_FLIGHT,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Pending replies being sent now, under a lease.",
    },
    MetricInfo {
        name: OUTBOX_FAILED,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Replies given up on, waiting for an operator's retry or cancel.",
    },
    MetricInfo {
        name: OUTBOX_OLDEST_AGE,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Seconds since the oldest pending reply was queued; 0 when none is pending.",
    },
    MetricInfo {
        name: DB_CONNECTIONS,
        kind: MetricKind::Gauge,
        labels: &["pool", "state"],
        help: "Open database connections by pool and state (`idle` or `busy`).",
    },
    MetricInfo {
        name: DB_MAX_CONNECTIONS,
        kind: MetricKind::Gauge,
        labels: &["pool"],
        help: "The most connections a pool may open.",
    },
    MetricInfo {
        name: LOGINS,
        kind: MetricKind::Counter,
        labels: &["outcome"],
        help: "Logins (`jscode2session`): `new` (user created), `existing`, or `failed`.",
    },
    MetricInfo {
        name: FILES_MODERATED,
        kind: MetricKind::Counter,
        labels: &["verdict", "source"],
        help: "Moderation verdicts given to uploaded images and audio: `verdict` `passed` or `risky`, `source` `wechat` (the media check push), `timeout` (the bucket's policy) or `admin`.",
    },
];

/// A handle to the recorder, cheap to clone; [`Metrics::disabled`] records nothing.
#[derive(Clone)]
pub struct Metrics {
    recorder: Option<Arc<dyn Recorder + Send + Sync>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.recorder.is_some())
            .finish()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::disabled()
    }
}

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

impl Metrics {
    /// Records nothing.
    pub fn disabled() -> Self {
        Self { recorder: None }
    }

    /// Records into `recorder`, after describing every metric of [`METRICS`] to it.
    pub fn new(recorder: Arc<dyn Recorder + Send + Sync>) -> Self {
        for metric in METRICS {
            let name = KeyName::from_const_str(metric.name);
            let help = SharedString::const_str(metric.help);
            match metric.kind {
                MetricKind::Counter => recorder.describe_counter(name, None, help),
                MetricKind::Gauge => recorder.describe_gauge(name, None, help),
                MetricKind::Histogram => {
                    recorder.describe_histogram(name, Some(Unit::Seconds), help)
                }
            }
        }
        Self {
            recorder: Some(recorder),
        }
    }

    /// Adds one to the counter `name` with `labels`.
    pub fn increment(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        if let Some(recorder) = &self.recorder {
            recorder
                .register_counter(&key(name, labels), &METADATA)
                .increment(1);
        }
    }

    /// Sets the gauge `name` with `labels` to `value`.
    pub fn set_gauge(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        if let Some(recorder) = &self.recorder {
            recorder
                .register_gauge(&key(name, labels), &METADATA)
                .set(value);
        }
    }

    /// Records `elapsed` in the histogram `name` with `labels`.
    pub fn record_duration(
        &self,
        name: &'static str,
        labels: &[(&'static str, &str)],
        elapsed: Duration,
    ) {
        if let Some(recorder) = &self.recorder {
            recorder
                .register_histogram(&key(name, labels), &METADATA)
                .record(elapsed.as_secs_f64());
        }
    }

    /// An observer of WeChat calls that records them (and token fetches) here.
    pub fn wechat_observer(&self) -> Arc<dyn CallObserver> {
        Arc::new(self.clone())
    }
}

fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
    let labels: Vec<Label> = labels
        .iter()
        .map(|(k, v)| Label::new(*k, (*v).to_owned()))
        .collect();
    Key::from_parts(name, labels)
}

/// The token endpoints: a call to one is an access_token fetch.
const TOKEN_ENDPOINTS: [&str; 2] = ["/cgi-bin/token", "/cgi-bin/stable_token"];

impl CallObserver for Metrics {
    fn observe(&self, endpoint: &'static str, result: CallResult, elapsed: Duration) {
        let errcode = match result {
            CallResult::Ok => "0".to_owned(),
            CallResult::Errcode(code) => code.to_string(),
            CallResult::Unavailable => "unavailable".to_owned(),
            CallResult::BadResponse => "bad_response".to_owned(),
        };
        let labels = [("endpoint", endpoint), ("errcode", errcode.as_str())];
        self.increment(WECHAT_CALLS, &labels);
        self.record_duration(WECHAT_DURATION, &labels[..1], elapsed);
        if TOKEN_ENDPOINTS.contains(&endpoint) {
            self.increment(TOKEN_REFRESHES, &labels);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_named_once_with_the_wxbase_prefix() {
        let mut names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METRICS.len());
        assert!(names.iter().all(|n| n.starts_with("wxbase_")));
    }

    #[test]
    fn docs_operations_lists_every_metric() {
        let docs = include_str!("../../../docs/operations.md");
        let missing: Vec<&str> = METRICS
            .iter()
            .map(|m| m.name)
            .filter(|name| !docs.contains(&format!("`{name}`")))
            .collect();
        assert!(missing.is_empty(), "docs/operations.md lacks {missing:?}");
    }
}
