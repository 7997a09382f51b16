//! `GET /metrics`: scraped on the separate listener and on the main address behind the admin
//! token, parsed as Prometheus text, after real logins, pushes and sends, on both backends.

use std::time::{Duration, Instant};

use prometheus_parse::{Sample, Scrape, Value};
use wxbase_core::config::MetricsSettings;
use wxbase_store::testing::Backend;

use crate::helpers::{Options, TestApp, ADMIN_TOKEN};
use crate::push_support::{text_rule, PushSetup};

async fn spawn(backend: Backend) -> Option<TestApp> {
    let mut push = PushSetup::new(
        wxbase_emulator::PushMode::Safe,
        wxbase_emulator::PushFormat::Json,
    );
    // WeChat gives up on the first answer and delivers the push again: a duplicate.
    push.emulator_timeout = Duration::from_millis(300);
    push.slow_first_answer = Some(Duration::from_millis(900));
    TestApp::spawn_with(
        backend,
        Options {
            push: Some(push),
            metrics: MetricsSettings {
                listen: Some("127.0.0.1:0".parse().expect("an address")),
                admin_route: true,
            },
            ..Options::default()
        },
    )
    .await
}

/// Parses the text of a scrape.
fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus text")
}

/// The value of the counter or gauge `name` whose labels include `labels`; 0 when absent.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && has_labels(s, labels))
        .map(|s| match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

fn has_labels(sample: &Sample, labels: &[(&str, &str)]) -> bool {
    labels
        .iter()
        .all(|(name, value)| sample.labels.get(name) == Some(*value))
}

impl TestApp {
    /// Scrapes the separate metrics listener (no token needed there).
    async fn scrape(&self) -> Scrape {
        let url = self.metrics_url.as_ref().expect("metrics.listen is set");
        let response = self
            .http
            .get(format!("{url}/metrics"))
            .send()
            .await
            .expect("the metrics listener answers");
        assert_eq!(response.status(), 200);
        parse(&response.text().await.expect("a body"))
    }

    /// Scrapes until `done` holds (5 s at most).
    async fn scrape_until(&self, done: impl Fn(&Scrape) -> bool) -> Scrape {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let scrape = self.scrape().await;
            if done(&scrape) {
                return scrape;
            }
            assert!(Instant::now() < deadline, "the metrics never got there");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Two logins of one user (new, then existing), one failed login, a push answered late
/// (so WeChat delivers it twice), an unauthentic push: each moves its metric, and so do the
/// request counts and latency histogram by matched route, the WeChat calls by endpoint and
/// errcode, the token fetch, the reply sent, the outbox gauges and the pool gauges.
async fn scraped_metrics_count_what_happened(app: TestApp) {
    app.add_rule(text_rule("hello", "Hi there")).await;
    app.login_as("alice").await;
    app.login_as("alice").await;
    let failed = app.login("not-a-code").await;
    assert_ne!(failed["code"], 1, "{failed}");
    let report = app.say("bob", "hello").await;
    assert_eq!(report["retries"], 1, "{report}");
    let forged = app
        .http
        .post(format!(
            "{}/message/check?signature=x&timestamp=1&nonce=2&msg_signature=y",
            app.base_url
        ))
        .body("{}")
        .send()
        .await
        .expect("wxbase answers");
    assert_eq!(forged.status(), 401);

    let scrape = app
        .scrape_until(|s| value(s, "wxbase_outbox_sends_total", &[("outcome", "sent")]) >= 1.0)
        .await;
    assert_eq!(
        value(&scrape, "wxbase_logins_total", &[("outcome", "new")]),
        1.0
    );
    assert_eq!(
        value(&scrape, "wxbase_logins_total", &[("outcome", "existing")]),
        1.0
    );
    assert_eq!(
        value(&scrape, "wxbase_logins_total", &[("outcome", "failed")]),
        1.0
    );
    let login_route = [
        ("method", "POST"),
        ("route", "/api/auth/login"),
        ("status", "200"),
    ];
    assert_eq!(
        value(&scrape, "wxbase_http_requests_total", &login_route),
        3.0
    );
    assert_eq!(
        value(
            &scrape,
            "wxbase_http_request_duration_seconds_count",
            &[("route", "/api/auth/login")]
        ),
        3.0
    );
    let buckets = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == "wxbase_http_request_duration_seconds"
                && s.labels.get("route") == Some("/api/auth/login")
        })
        .map(|s| s.value.clone());
    match buckets {
        Some(Value::Histogram(counts)) => {
            let all = counts.iter().map(|c| c.count).fold(0.0, f64::max);
            assert_eq!(all, 3.0, "the +Inf bucket holds every login: {counts:?}");
        }
        other => panic!("no latency histogram for the login route: {other:?}"),
    }
    assert_eq!(
        value(
            &scrape,
            "wxbase_http_requests_total",
            &[("route", "unmatched")]
        ),
        0.0,
        "no request missed its route"
    );
    let code2session = [("endpoint", "/sns/jscode2session")];
    assert_eq!(
        value(
            &scrape,
            "wxbase_wechat_calls_total",
            &[code2session[0], ("errcode", "0")]
        ),
        2.0
    );
    assert_eq!(
        value(&scrape, "wxbase_wechat_calls_total", &code2session)
            - value(
                &scrape,
                "wxbase_wechat_calls_total",
                &[code2session[0], ("errcode", "0")]
            ),
        1.0,
        "the bad code is counted under WeChat's errcode"
    );
    assert!(value(&scrape, "wxbase_token_refreshes_total", &[("errcode", "0")]) >= 1.0);
    assert_eq!(value(&scrape, "wxbase_pushes_received_total", &[]), 2.0);
    assert_eq!(value(&scrape, "wxbase_pushes_duplicate_total", &[]), 1.0);
    assert_eq!(
        value(
            &scrape,
            "wxbase_pushes_refused_total",
            &[("reason", "unauthentic")]
        ),
        1.0
    );
    assert_eq!(
        value(&scrape, "wxbase_outbox_sends_total", &[("outcome", "sent")]),
        1.0
    );
    assert_eq!(value(&scrape, "wxbase_outbox_pending", &[]), 0.0);
    assert_eq!(
        value(&scrape, "wxbase_outbox_oldest_pending_age_seconds", &[]),
        0.0
    );
    assert!(value(&scrape, "wxbase_db_pool_max_connections", &[]) >= 1.0);
    assert!(value(&scrape, "wxbase_db_pool_connections", &[("state", "idle")]) >= 1.0);
}

/// The main address serves the same text, but only with the admin token.
async fn the_main_address_serves_metrics_behind_the_admin_token(app: TestApp) {
    app.login_as("alice").await;
    let url = format!("{}/metrics", app.base_url);
    let anonymous = app.http.get(&url).send().await.expect("wxbase answers");
    let body = anonymous.text().await.expect("a body");
    assert!(!body.contains("wxbase_logins_total"), "{body}");
    let admin = app
        .http
        .get(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("wxbase answers");
    assert_eq!(admin.status(), 200);
    let scrape = parse(&admin.text().await.expect("a body"));
    assert_eq!(
        value(&scrape, "wxbase_logins_total", &[("outcome", "new")]),
        1.0
    );
    assert!(
        scrape.docs.contains_key("wxbase_logins_total"),
        "each metric is described"
    );
}

wxbase_store::on_both_backends!(
    setup = spawn;
    scraped_metrics_count_what_happened,
    the_main_address_serves_metrics_behind_the_admin_token,
);
