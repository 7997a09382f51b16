//! Prometheus metrics: the recorder each [`Application`](crate::Application) owns, the
//! middleware that counts and times requests by matched route, and `GET /metrics`.
//!
//! The recorder is `metrics-exporter-prometheus`'s, built with `build_recorder` and never
//! installed as the process-wide recorder: services record through the
//! [`Metrics`](wxbase_core::telemetry::Metrics) handle they were given, so instances in one
//! process (embedding, tests) keep their own figures. Gauges read from the database (the
//! outbox, the pools) are set when scraped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use wxbase_core::config::MetricsSettings;
use wxbase_core::telemetry::{self, Metrics};
use wxbase_core::Timestamp;

use crate::app::AppState;
use crate::extract::Admin;

/// Histogram buckets, in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets between scrapes.
pub(crate) const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// One instance's recorder and the handle that renders it.
pub struct Telemetry {
    /// What services record through.
    pub metrics: Metrics,
    handle: PrometheusHandle,
    /// Whether `GET /metrics` is served on the main address too (behind the admin token).
    admin_route: bool,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry").finish_non_exhaustive()
    }
}

impl Telemetry {
    /// A recorder when `settings` serve metrics anywhere; `None` (record nothing) otherwise.
    pub fn from_settings(settings: &MetricsSettings) -> Option<Arc<Self>> {
        settings.enabled().then(|| {
            Arc::new(Self {
                admin_route: settings.admin_route,
                ..Self::new()
            })
        })
    }

    /// Whether `GET /metrics` is served on the main address.
    pub fn admin_route(&self) -> bool {
        self.admin_route
    }

    /// A fresh recorder with wxbase's histogram buckets.
    pub fn new() -> Self {
        // `set_buckets` fails only for an empty list; with none, durations become summaries.
        let builder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Self {
            metrics: Metrics::new(Arc::new(recorder)),
            handle,
            admin_route: false,
        }
    }

    /// Folds histogram samples into buckets; run every [`UPKEEP_INTERVAL`].
    pub async fn run_upkeep(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            ticks.tick().await;
            self.handle.run_upkeep();
        }
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl AppState {
    /// Adds one to the counter `name` with `labels` when metrics are on.
    pub(crate) fn count(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        if let Some(telemetry) = &self.telemetry {
            telemetry.metrics.increment(name, labels);
        }
    }
}

/// Counts and times each request under its matched route (`unmatched` when none matched).
pub(crate) async fn record_request(
    State(telemetry): State<Arc<Telemetry>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let labels = [
        ("method", method.as_str()),
        ("route", route.as_str()),
        ("status", status.as_str()),
    ];
    telemetry
        .metrics
        .increment(telemetry::HTTP_REQUESTS, &labels);
    telemetry
        .metrics
        .record_duration(telemetry::HTTP_DURATION, &labels[..2], started.elapsed());
    response
}

/// `GET /metrics` on the main address, behind the admin token.
pub(crate) fn admin_router() -> Router<AppState> {
    Router::new().route("/metrics", get(admin_scrape))
}

/// `GET /metrics` without authentication, for the separate `metrics.listen` address.
pub(crate) fn open_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(open_scrape))
        .with_state(state)
}

async fn admin_scrape(_: Admin, State(state): State<AppState>) -> Response {
    scrape(&state).await
}

async fn open_scrape(State(state): State<AppState>) -> Response {
    scrape(&state).await
}

/// Sets the gauges read from the database, then renders every metric.
async fn scrape(state: &AppState) -> Response {
    let Some(telemetry) = &state.telemetry else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let metrics = &telemetry.metrics;
    match state.messages.outbox_stats().await {
        Ok(stats) => {
            metrics.set_gauge(telemetry::OUTBOX_PENDING, &[], stats.pending as f64);
            metrics.set_gauge(telemetry::OUTBOX_IN_FLIGHT, &[], stats.in_flight as f64);
            metrics.set_gauge(telemetry::OUTBOX_FAILED, &[], stats.failed as f64);
            let age_ms = stats.oldest_pending_at.map_or(0, |at| {
                (Timestamp::now().as_millis() - at.as_millis()).max(0)
            });
            metrics.set_gauge(telemetry::OUTBOX_OLDEST_AGE, &[], age_ms as f64 / 1000.0);
        }
        Err(error) => tracing::warn!(%error, "metrics: the outbox stats could not be read"),
    }
    for pool in state.auth.store().pool_usage() {
        let busy = pool.open - pool.idle;
        for (kind, count) in [("idle", pool.idle), ("busy", busy)] {
            metrics.set_gauge(
                telemetry::DB_CONNECTIONS,
                &[("pool", pool.pool), ("state", kind)],
                f64::from(count),
            );
        }
        metrics.set_gauge(
            telemetry::DB_MAX_CONNECTIONS,
            &[("pool", pool.pool)],
            f64::from(pool.max),
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        telemetry.handle.render(),
    )
        .into_response()
}
