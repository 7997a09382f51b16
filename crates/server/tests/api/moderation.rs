//! Image and audio moderation end to end: uploads to a moderated bucket go to the emulator's
//! `media_check_async`, which downloads them from wxbase and pushes `wxa_media_check` back in
//! the configured push mode and format; the file is pending (its owner and admins only), then
//! passed or risky (admins only); the timeout decides per bucket; admins list and override
//! verdicts, each recorded with a `file.moderated` webhook event; a retried push acts once.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;

use crate::files::png;
use wxbase_core::config::MetricsSettings;

use crate::helpers::{assert_failure, Options, TestApp, ADMIN_TOKEN};
use crate::push_support::PushSetup;

/// The longest a test waits for a verdict.
const PATIENCE: Duration = Duration::from_secs(15);

fn options(mode: PushMode, format: PushFormat) -> Options {
    Options {
        push: Some(PushSetup::new(mode, format)),
        ..Options::default()
    }
}

async fn spawn(backend: Backend, options: Options) -> Option<TestApp> {
    TestApp::spawn_with(backend, options).await
}

/// Polls `check` every 50 ms until it holds; fails after [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < PATIENCE, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl TestApp {
    /// Sets the emulator's media verdicts.
    async fn media_verdicts(&self, rules: Value) {
        self.emulator("/__emulator/security/media-verdicts", rules)
            .await;
    }

    /// `GET /api/files/{id}` as `token`: the HTTP status and, for a refusal, the envelope's
    /// error.
    async fn sees(&self, token: &str, id: &str) -> bool {
        let response = self
            .fetch(&format!("/api/files/{id}"), Some(token), &[])
            .await;
        response.status() == 200
            && response
                .headers()
                .get("content-type")
                .is_some_and(|t| t.as_bytes().starts_with(b"image/"))
    }

    /// The admin's moderation list for `status`.
    async fn moderation_list(&self, status: &str) -> Vec<Value> {
        let answer = self
            .request(
                Method::GET,
                &format!("/admin/api/moderation?status={status}"),
                ADMIN_TOKEN,
                None,
            )
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"]["files"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `GET /metrics` with the admin token: the text.
    async fn metrics_text(&self) -> String {
        self.fetch("/metrics", Some(ADMIN_TOKEN), &[])
            .await
            .text()
            .await
            .expect("a scrape")
    }

    /// The file `id` in the admin's moderation list for `status`, if there.
    async fn listed(&self, status: &str, id: &str) -> Option<Value> {
        self.moderation_list(status)
            .await
            .into_iter()
            .find(|f| f["id"] == id)
    }
}

fn id_of(file: &Value) -> String {
    file["id"].as_str().expect("an id").to_owned()
}

/// A pending upload is seen by its owner and not by another user, until WeChat passes it.
async fn an_upload_is_pending_until_wechat_passes_it(app: TestApp) {
    app.create_bucket(json!({"name": "photos", "moderation": true}))
        .await;
    // Time to look at the pending file before the verdict comes.
    app.media_verdicts(json!({"default": "pass", "delayMs": 2000}))
        .await;
    let alice = app.login_as("alice").await;
    let bob = app.login_as("bob").await;
    let file = app.upload_ok(&alice, "photos", png(16, 16)).await;
    assert_eq!(file["moderation"], "pending", "{file}");
    let id = id_of(&file);

    assert!(
        app.sees(&alice, &id).await,
        "the owner sees her pending file"
    );
    assert!(!app.sees(&bob, &id).await, "another user does not");
    let urls = app
        .post_as(&app.base_url, "/api/files/urls", &bob, json!({"ids": [id]}))
        .await;
    assert_eq!(urls["data"][0]["url"], Value::Null, "{urls}");
    assert!(app.listed("pending", &id).await.is_some());

    let (shared, bob_token, file_id) = (&app, bob.as_str(), id.as_str());
    eventually("the other user sees the passed file", move || {
        shared.sees(bob_token, file_id)
    })
    .await;
    assert!(app.listed("pending", &id).await.is_none());
    let files = app
        .request(
            Method::GET,
            "/admin/api/buckets/photos/files",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_eq!(files["data"]["files"][0]["moderation"], "passed", "{files}");
    assert_eq!(app.emulator_calls("/wxa/media_check_async").await, 1);
}

/// The emulator judges one URL risky: the file disappears for its owner and everyone else
/// (her signed URL included), stays visible to admins and is listed for review.
async fn a_risky_upload_is_hidden_from_everyone_but_admins(app: TestApp) {
    app.create_bucket(json!({"name": "photos", "moderation": true, "moderationScene": 2}))
        .await;
    app.media_verdicts(json!({"default": "pass", "delayMs": 1500}))
        .await;
    let alice = app.login_as("alice").await;
    let bob = app.login_as("bob").await;
    let file = app.upload_ok(&alice, "photos", png(20, 20)).await;
    let id = id_of(&file);
    // The verdict is given when it is pushed: this file's URL is risky.
    let mut rules = json!({"default": "pass", "urlContains": {}});
    rules["urlContains"][id.as_str()] = json!("risky");
    app.media_verdicts(rules).await;

    let (shared, file_id) = (&app, id.as_str());
    eventually("the file is listed as risky", move || async move {
        shared.listed("risky", file_id).await.is_some()
    })
    .await;
    let listed = app.listed("risky", &id).await.expect("listed");
    assert_eq!(listed["label"], 20002, "{listed}");
    assert_eq!(listed["source"], "wechat");
    assert!(listed["traceId"].is_string(), "{listed}");
    assert!(!app.sees(&alice, &id).await, "the owner no longer sees it");
    assert!(!app.sees(&bob, &id).await);
    assert!(app.sees(ADMIN_TOKEN, &id).await, "admins do");
    let signed = app
        .fetch(file["url"].as_str().expect("a signed URL"), None, &[])
        .await;
    assert_eq!(
        signed.status(),
        404,
        "the owner's signed URL no longer works"
    );
}

/// WeChat cannot be reached: uploads stay pending, then the timeout decides each by its
/// bucket's `moderationTimeout`.
async fn a_file_pending_past_the_timeout_follows_its_bucket(app: TestApp) {
    app.create_bucket(json!({"name": "lenient", "moderation": true, "moderationTimeout": "allow"}))
        .await;
    app.create_bucket(json!({"name": "strict", "moderation": true, "moderationTimeout": "refuse"}))
        .await;
    app.emulator(
        "/__emulator/faults",
        json!({"endpoint": "/wxa/media_check_async", "drop": true}),
    )
    .await;
    let alice = app.login_as("alice").await;
    let bob = app.login_as("bob").await;
    let lenient = id_of(&app.upload_ok(&alice, "lenient", png(8, 8)).await);
    let strict = id_of(&app.upload_ok(&alice, "strict", png(8, 8)).await);

    let (shared, bob_token) = (&app, bob.as_str());
    let (lenient_id, strict_id) = (lenient.as_str(), strict.as_str());
    eventually("the lenient bucket's file is passed", move || {
        shared.sees(bob_token, lenient_id)
    })
    .await;
    eventually("the strict bucket's file is refused", move || async move {
        shared
            .listed("risky", strict_id)
            .await
            .is_some_and(|f| f["source"] == "timeout")
    })
    .await;
    assert!(!app.sees(&alice, &strict).await);
    assert!(app.moderation_list("pending").await.is_empty());
}

/// An admin's verdict replaces WeChat's; each verdict is a `file.moderated` webhook event,
/// recorded with it.
async fn an_admin_overrides_a_verdict_and_each_is_a_webhook_event(app: TestApp) {
    let endpoint = app
        .request(
            Method::POST,
            "/admin/api/webhooks",
            ADMIN_TOKEN,
            Some(json!({"url": "http://127.0.0.1:9/hooks", "events": ["file.moderated"]})),
        )
        .await;
    assert_eq!(endpoint["code"], 1, "{endpoint}");
    app.create_bucket(json!({"name": "photos", "moderation": true}))
        .await;
    let alice = app.login_as("alice").await;
    let bob = app.login_as("bob").await;
    let id = id_of(&app.upload_ok(&alice, "photos", png(12, 12)).await);
    let (shared, bob_token, file_id) = (&app, bob.as_str(), id.as_str());
    eventually("WeChat passes the file", move || {
        shared.sees(bob_token, file_id)
    })
    .await;

    let path = format!("/admin/api/files/photos/{id}/moderation");
    let decided = app
        .request(
            Method::POST,
            &path,
            ADMIN_TOKEN,
            Some(json!({"verdict": "risky"})),
        )
        .await;
    assert_eq!(decided["data"]["status"], "risky", "{decided}");
    assert_eq!(decided["data"]["source"], "admin");
    assert!(!app.sees(&bob, &id).await, "rejected by the admin");

    let deliveries = app
        .request(
            Method::GET,
            &format!("/admin/api/webhooks/{}/deliveries", endpoint["data"]["id"]),
            ADMIN_TOKEN,
            None,
        )
        .await;
    let types: Vec<&Value> = deliveries["data"]["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| &d["eventType"])
        .collect();
    assert_eq!(
        types,
        [&json!("file.moderated"), &json!("file.moderated")],
        "{deliveries}"
    );

    let refused = [
        (
            "/admin/api/files/photos/01NOSUCHFILE0000000000000/moderation".to_owned(),
            json!({"verdict": "passed"}),
            "not_found",
        ),
        (
            format!("/admin/api/files/other/{id}/moderation"),
            json!({"verdict": "passed"}),
            "not_found",
        ),
        (path.clone(), json!({"verdict": "pending"}), "bad_request"),
    ];
    for (path, body, error) in refused {
        let answer = app
            .request(Method::POST, &path, ADMIN_TOKEN, Some(body))
            .await;
        assert_failure(&answer, error);
    }
    let bad_status = app
        .request(
            Method::GET,
            "/admin/api/moderation?status=maybe",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_failure(&bad_status, "bad_request");
}

/// The value of the first `name="csrf"` field of a console page.
fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a CSRF field") + marker.len();
    page[start..].split('"').next().expect("a value").to_owned()
}

/// The console's moderation page lists a pending file with its preview; its reject button
/// (with the session's CSRF token) makes it risky.
async fn the_console_queue_rejects_a_pending_file(app: TestApp) {
    app.create_bucket(json!({"name": "photos", "moderation": true}))
        .await;
    // The verdict would come long after the test.
    app.media_verdicts(json!({"default": "pass", "delayMs": 60000}))
        .await;
    let alice = app.login_as("alice").await;
    let id = id_of(&app.upload_ok(&alice, "photos", png(8, 8)).await);
    let console = wxbase_core::ConsoleService::new(
        app.db.store.clone(),
        wxbase_wechat::AppId::parse(crate::helpers::APP_ID).expect("app id"),
        wxbase_core::console::ConsoleSettings::default(),
    );
    let password = "console-password-1";
    console
        .create_admin(
            "ops",
            &wxbase_core::console::Password::new(password.to_owned()).expect("long enough"),
        )
        .await
        .expect("admin created");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = browser
        .get(format!("{}/admin/login", app.base_url))
        .send()
        .await
        .expect("answers");
    let cookie_of = |response: &reqwest::Response| -> String {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let pre_cookie = cookie_of(&login);
    let csrf = csrf_of(&login.text().await.expect("text"));
    let signed_in = browser
        .post(format!("{}/admin/login", app.base_url))
        .header("cookie", &pre_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "ops"),
            ("password", password),
            ("next", "/admin"),
        ])
        .send()
        .await
        .expect("answers");
    assert_eq!(signed_in.status(), 303);
    let cookie = cookie_of(&signed_in);
    let page = browser
        .get(format!("{}/admin/moderation", app.base_url))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains(&format!("/api/files/{id}?")),
        "a preview: {page}"
    );
    let reject = format!("/admin/moderation/photos/{id}/reject");
    assert!(page.contains(&reject), "{page}");
    let rejected = browser
        .post(format!("{}{reject}", app.base_url))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .expect("answers");
    assert_eq!(rejected.status(), 303);
    let listed = app.listed("risky", &id).await.expect("rejected");
    assert_eq!(listed["source"], "admin");
}

/// Moderated buckets take only what WeChat checks: images and audio.
async fn a_moderated_bucket_refuses_other_types(app: TestApp) {
    app.create_bucket(json!({"name": "photos", "moderation": true}))
        .await;
    let alice = app.login_as("alice").await;
    let answer = app
        .upload(&alice, "photos", "notes.txt", b"just some text".to_vec())
        .await;
    assert_failure(&answer, "unsupported_type");
}

/// Without `server.public_url` WeChat has nowhere to download from: moderation cannot be turned
/// on, and the error says what to set.
async fn moderation_needs_a_public_url(app: TestApp) {
    let created = app
        .request(
            Method::POST,
            "/admin/api/buckets",
            ADMIN_TOKEN,
            Some(json!({"name": "photos", "moderation": true})),
        )
        .await;
    assert_failure(&created, "bad_request");
    let message = created["message"].as_str().expect("a message");
    assert!(message.contains("server.public_url"), "{message}");
    app.create_bucket(json!({"name": "plain"})).await;
    let changed = app
        .request(
            Method::PATCH,
            "/admin/api/buckets/plain",
            ADMIN_TOKEN,
            Some(json!({"moderation": true})),
        )
        .await;
    assert_failure(&changed, "bad_request");
}

mod without_a_public_url {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| spawn(backend, Options {
            moderation_allow_http: false,
            ..Options::default()
        });
        moderation_needs_a_public_url,
    );
}

wxbase_store::on_both_backends!(
    setup = |backend| spawn(backend, options(PushMode::Safe, PushFormat::Json));
    an_upload_is_pending_until_wechat_passes_it,
    an_admin_overrides_a_verdict_and_each_is_a_webhook_event,
    a_moderated_bucket_refuses_other_types,
    the_console_queue_rejects_a_pending_file,
);

mod compatible_xml {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| spawn(backend, options(PushMode::Compatible, PushFormat::Xml));
        a_risky_upload_is_hidden_from_everyone_but_admins,
    );
}

mod plaintext_xml_with_a_short_timeout {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| spawn(backend, Options {
            moderation_timeout: Duration::from_secs(1),
            ..options(PushMode::Plaintext, PushFormat::Xml)
        });
        a_file_pending_past_the_timeout_follows_its_bucket,
    );
}

/// WeChat gets no answer in time and pushes the verdict again: wxbase records it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_verdict_push_is_recorded_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut push = PushSetup::new(PushMode::Safe, PushFormat::Json);
        push.emulator_timeout = Duration::from_millis(300);
        push.slow_first_answer = Some(Duration::from_millis(900));
        let Some(app) = spawn(
            backend,
            Options {
                push: Some(push),
                metrics: MetricsSettings {
                    admin_route: true,
                    ..MetricsSettings::default()
                },
                ..Options::default()
            },
        )
        .await
        else {
            continue;
        };
        app.create_bucket(json!({"name": "photos", "moderation": true}))
            .await;
        let alice = app.login_as("alice").await;
        let bob = app.login_as("bob").await;
        let id = id_of(&app.upload_ok(&alice, "photos", png(10, 10)).await);
        let (shared, bob_token, file_id) = (&app, bob.as_str(), id.as_str());
        eventually("the file is passed", move || {
            shared.sees(bob_token, file_id)
        })
        .await;
        eventually(
            "WeChat's retry is answered as a duplicate",
            move || async move {
                shared
                    .metrics_text()
                    .await
                    .contains("wxbase_pushes_duplicate_total 1")
            },
        )
        .await;
        assert_eq!(
            app.stored_messages().await,
            1,
            "{backend:?}: one push recorded"
        );
        let scrape = app.metrics_text().await;
        let counted = scrape.lines().any(|line| {
            line.starts_with("wxbase_files_moderated_total{")
                && line.contains(r#"verdict="passed""#)
                && line.contains(r#"source="wechat""#)
                && line.ends_with(" 1")
        });
        assert!(counted, "one verdict counted: {scrape}");
    }
}
