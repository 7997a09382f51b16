//! Webhooks end to end: endpoints managed over the admin API, events recorded with the writes
//! that caused them and posted to a receiver that checks every delivery with the
//! `standardwebhooks` library; retries in order, rollbacks, restarts, the SSRF guard, secret
//! rotation, 410, the test ping and the deliveries list.

use reqwest::Method;
use serde_json::{json, Value};
use wxbase_core::collections::{CollectionName, IdGenerator, NewDocument};
use wxbase_core::Timestamp;

use crate::helpers::{test_webhooks, Options, TestApp, ADMIN_TOKEN};
use crate::webhook_support::{assert_all_verified_with, types, Receiver};

impl TestApp {
    /// An admin call; the envelope.
    async fn admin_call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.request(method, path, ADMIN_TOKEN, body).await
    }

    /// Creates an endpoint and asserts it worked; the endpoint with its secret.
    async fn create_endpoint(&self, body: Value) -> Value {
        let answer = self
            .admin_call(Method::POST, "/admin/api/webhooks", Some(body))
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// Creates a document as the admin; its `_id`.
    async fn admin_document(&self, collection: &str, body: Value) -> String {
        let path = format!("/admin/api/collections/{collection}/docs");
        let answer = self.admin_call(Method::POST, &path, Some(body)).await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"]["_id"].as_str().expect("an id").to_owned()
    }

    /// An endpoint's deliveries, newest first.
    async fn deliveries(&self, endpoint: &Value, query: &str) -> Value {
        let path = format!("/admin/api/webhooks/{}/deliveries{query}", endpoint["id"]);
        let answer = self.admin_call(Method::GET, &path, None).await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }
}

fn secret_of(endpoint: &Value) -> &str {
    endpoint["secret"].as_str().expect("a secret")
}

/// An endpoint subscribed to `events` (of `collections`, if given) posting to `receiver`'s
/// `name`, whose deliveries the receiver checks with its secret.
async fn endpoint_for(
    app: &TestApp,
    receiver: &Receiver,
    name: &str,
    events: &[&str],
    collections: Option<&[&str]>,
) -> Value {
    let mut body = json!({"url": receiver.hook(name), "events": events});
    if let Some(collections) = collections {
        body["collections"] = json!(collections);
    }
    let endpoint = app.create_endpoint(body).await;
    receiver
        .configure(name, &[secret_of(&endpoint)], 0, 200)
        .await;
    endpoint
}

async fn document_events_reach_subscribed_endpoints_only(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    for name in ["orders", "notes"] {
        app.create_collection(json!({"name": name})).await;
    }
    let all = ["document.created", "document.updated", "document.deleted"];
    endpoint_for(&app, &receiver, "orders-all", &all, Some(&["orders"])).await;
    endpoint_for(&app, &receiver, "deletes", &["document.deleted"], None).await;
    endpoint_for(&app, &receiver, "users", &["user.created"], None).await;

    let note = app
        .admin_document("notes", json!({"text": "not an order"}))
        .await;
    let id = app.admin_document("orders", json!({"total": 10})).await;
    let path = format!("/admin/api/collections/orders/docs/{id}");
    let replaced = app
        .admin_call(Method::PUT, &path, Some(json!({"total": 12})))
        .await;
    assert_eq!(replaced["code"], 1, "{replaced}");
    let deleted = app.admin_call(Method::DELETE, &path, None).await;
    assert_eq!(deleted["code"], 1, "{deleted}");
    let note_path = format!("/admin/api/collections/notes/docs/{note}");
    assert_eq!(
        app.admin_call(Method::DELETE, &note_path, None).await["code"],
        1
    );

    let orders = receiver.wait_for("orders-all", 3).await;
    assert_eq!(types(&orders), all, "one order's events, in order");
    assert_all_verified_with(&orders, 0);
    assert_eq!(orders[0]["payload"]["data"]["collection"], "orders");
    assert_eq!(orders[0]["payload"]["data"]["document"]["_id"], id.as_str());
    assert_eq!(
        orders[1]["payload"]["data"]["document"]["total"], 12,
        "the document after the change"
    );
    assert_eq!(orders[2]["payload"]["data"]["id"], id.as_str());
    for request in &orders {
        assert_eq!(
            request["id"], request["payload"]["id"],
            "webhook-id is the event's id"
        );
        assert!(request["payload"]["occurredAt"].is_string());
    }

    let deletes = receiver.wait_for("deletes", 2).await;
    assert_eq!(types(&deletes), ["document.deleted", "document.deleted"]);
    assert_all_verified_with(&deletes, 0);
    let mut deleted_ids: Vec<&str> = deletes
        .iter()
        .map(|d| d["payload"]["data"]["id"].as_str().expect("id"))
        .collect();
    deleted_ids.sort_unstable();
    let mut expected = vec![id.as_str(), note.as_str()];
    expected.sort_unstable();
    assert_eq!(deleted_ids, expected);
    // Everything due is delivered; the endpoint subscribed to nothing that happened got nothing.
    assert!(receiver.received("users").await.is_empty());
    assert_eq!(
        receiver.received("orders-all").await.len(),
        3,
        "notes stay out of orders-all"
    );
}

async fn a_failing_endpoint_gets_the_event_again_in_order(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.create_collection(json!({"name": "orders"})).await;
    let endpoint = endpoint_for(
        &app,
        &receiver,
        "flaky",
        &["document.created", "document.updated"],
        None,
    )
    .await;
    receiver
        .configure("flaky", &[secret_of(&endpoint)], 3, 200)
        .await;
    let id = app.admin_document("orders", json!({"n": 1})).await;
    let path = format!("/admin/api/collections/orders/docs/{id}");
    app.admin_call(Method::PUT, &path, Some(json!({"n": 2})))
        .await;

    let received = receiver.wait_for("flaky", 5).await;
    let seen: Vec<(String, u64)> = received
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap_or("?").to_owned(),
                r["answered"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = [
        ("document.created", 500),
        ("document.created", 500),
        ("document.created", 500),
        ("document.created", 200),
        ("document.updated", 200),
    ]
    .iter()
    .map(|(t, s)| ((*t).to_owned(), *s))
    .collect();
    assert_eq!(
        seen, expected,
        "the update waits behind the create's retries"
    );
    assert_all_verified_with(&received, 0);
    assert!(
        received[..4].iter().all(|r| r["id"] == received[0]["id"]),
        "a retry carries the same webhook-id"
    );

    let page = wait_for_deliveries(&app, &endpoint, |d| {
        d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(
        page[1]["attempts"], 4,
        "the create took four attempts: {page:?}"
    );
    assert_eq!(page[1]["lastStatus"], 200);
}

async fn a_delivery_is_marked_failed_when_the_schedule_runs_out(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.create_collection(json!({"name": "orders"})).await;
    let endpoint = endpoint_for(&app, &receiver, "down", &["document.created"], None).await;
    receiver
        .configure("down", &[secret_of(&endpoint)], 1000, 200)
        .await;
    app.admin_document("orders", json!({"n": 1})).await;
    let failed = wait_for_deliveries(&app, &endpoint, |d| {
        d.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    let attempts = test_webhooks().retry_schedule.len() + 1;
    assert_eq!(
        failed[0]["attempts"], attempts,
        "one attempt per wait, and the first"
    );
    assert_eq!(failed[0]["lastStatus"], 500);
    assert!(failed[0]["lastError"]
        .as_str()
        .unwrap_or_default()
        .contains("500"));
    assert_eq!(
        receiver.received("down").await.len(),
        attempts,
        "no attempt after the last"
    );
    // A 5xx is not a reason to disable the endpoint.
    let one = app
        .admin_call(
            Method::GET,
            &format!("/admin/api/webhooks/{}", endpoint["id"]),
            None,
        )
        .await;
    assert_eq!(one["data"]["enabled"], true, "{one}");
}

/// Polls an endpoint's deliveries (newest first) until `done` holds (10 s at most).
async fn wait_for_deliveries(
    app: &TestApp,
    endpoint: &Value,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = app.deliveries(endpoint, "").await;
        let deliveries = page["deliveries"].as_array().cloned().unwrap_or_default();
        if done(&deliveries) {
            return deliveries;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries never got there: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn a_write_that_rolls_back_sends_nothing(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.create_collection(json!({"name": "orders"})).await;
    let endpoint = endpoint_for(&app, &receiver, "orders", &["document.created"], None).await;
    // 150 documents in one call, the last with the id of the first: the first 100 are inserted
    // with their events, then the second statement fails and the whole call rolls back.
    let ids = IdGenerator::default();
    let at = Timestamp::now();
    let mut documents: Vec<NewDocument> = (0..150)
        .map(|n| NewDocument {
            id: ids.next_id(at),
            owner: None,
            at,
            body: wxbase_core::collections::Body::new(json!({"n": n}), Default::default())
                .expect("a body"),
        })
        .collect();
    documents[149].id = documents[0].id.clone();
    let orders = CollectionName::parse("orders").expect("a name");
    app.db
        .store
        .insert_documents(&orders, &documents)
        .await
        .expect_err("a duplicate id fails the insert");

    let sentinel = app.admin_document("orders", json!({"after": true})).await;
    let received = receiver.wait_for("orders", 1).await;
    assert_eq!(
        received[0]["payload"]["data"]["document"]["_id"],
        sentinel.as_str()
    );
    let deliveries = app.deliveries(&endpoint, "").await;
    assert_eq!(
        deliveries["deliveries"].as_array().map(Vec::len),
        Some(1),
        "only the committed write has a delivery: {deliveries}"
    );
}

async fn an_event_arrives_after_a_restart(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.create_collection(json!({"name": "orders"})).await;
    let endpoint = endpoint_for(&app, &receiver, "durable", &["document.created"], None).await;
    let id = app.admin_document("orders", json!({"n": 1})).await;
    // The instance that recorded the event has no worker: it is stopped before any delivery.
    let page = app.deliveries(&endpoint, "").await;
    assert_eq!(page["deliveries"][0]["status"], "pending", "{page}");
    app.server.abort();
    assert!(receiver.received("durable").await.is_empty());

    let (_, _instance) = app.instance_with_webhooks(None, &test_webhooks()).await;
    let received = receiver.wait_for("durable", 1).await;
    assert_eq!(
        received[0]["payload"]["data"]["document"]["_id"],
        id.as_str()
    );
    assert_all_verified_with(&received, 0);
}

fn without_worker() -> Options {
    Options {
        webhooks: wxbase_core::WebhookSettings {
            worker: false,
            ..test_webhooks()
        },
        ..Options::default()
    }
}

fn guarded() -> Options {
    Options {
        webhooks: wxbase_core::WebhookSettings {
            allow_private: false,
            ..test_webhooks()
        },
        ..Options::default()
    }
}

async fn the_ssrf_guard_refuses_loopback_and_private_targets(app: TestApp) {
    for url in [
        "http://hooks.example.com/wx",
        "https://127.0.0.1/wx",
        "https://10.1.2.3/wx",
        "https://192.168.0.10/wx",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/wx",
    ] {
        let answer = app
            .admin_call(
                Method::POST,
                "/admin/api/webhooks",
                Some(json!({"url": url, "events": ["document.created"]})),
            )
            .await;
        crate::helpers::assert_failure(&answer, "bad_request");
    }
    // A name is checked on what it resolves to, when connecting.
    let endpoint = app
        .create_endpoint(json!({"url": "https://localhost:9/wx", "events": ["document.created"]}))
        .await;
    let path = format!("/admin/api/webhooks/{}/test", endpoint["id"]);
    let answer = app.admin_call(Method::POST, &path, None).await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(answer["data"]["delivered"], false);
    let error = answer["data"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("loopback, private or link-local"),
        "{answer}"
    );
}

async fn rotation_signs_with_both_secrets_during_the_overlap(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.create_collection(json!({"name": "orders"})).await;
    let endpoint = endpoint_for(&app, &receiver, "rotated", &["document.created"], None).await;
    let old = secret_of(&endpoint).to_owned();
    let path = format!("/admin/api/webhooks/{}/rotate", endpoint["id"]);
    let rotated = app.admin_call(Method::POST, &path, None).await;
    assert_eq!(rotated["code"], 1, "{rotated}");
    let new = secret_of(&rotated["data"]).to_owned();
    assert_ne!(old, new);
    assert!(
        rotated["data"]["previousSecretExpiresAt"].is_string(),
        "{rotated}"
    );
    receiver.configure("rotated", &[&old, &new], 0, 200).await;

    app.admin_document("orders", json!({"n": 1})).await;
    let test = format!("/admin/api/webhooks/{}/test", endpoint["id"]);
    let ping = app.admin_call(Method::POST, &test, None).await;
    assert_eq!(ping["data"]["delivered"], true, "{ping}");
    assert_eq!(ping["data"]["status"], 200, "{ping}");

    let received = receiver.wait_for("rotated", 2).await;
    let mut kinds = types(&received);
    kinds.sort();
    assert_eq!(kinds, ["document.created", "ping"]);
    assert_all_verified_with(&received, 0);
    assert_all_verified_with(&received, 1);
    // Secrets are shown only on creation and rotation.
    let one = app
        .admin_call(
            Method::GET,
            &format!("/admin/api/webhooks/{}", endpoint["id"]),
            None,
        )
        .await;
    assert!(one["data"]["secret"].is_null(), "{one}");
    assert!(!one.to_string().contains(&new) && !one.to_string().contains(&old));
}

async fn gone_disables_the_endpoint_and_operators_retry(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.create_collection(json!({"name": "orders"})).await;
    let endpoint = endpoint_for(&app, &receiver, "gone", &["document.created"], None).await;
    receiver
        .configure("gone", &[secret_of(&endpoint)], 0, 410)
        .await;
    app.admin_document("orders", json!({"n": 1})).await;
    let failed = wait_for_deliveries(&app, &endpoint, |d| {
        d.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(failed[0]["lastStatus"], 410);
    let one = app
        .admin_call(
            Method::GET,
            &format!("/admin/api/webhooks/{}", endpoint["id"]),
            None,
        )
        .await;
    assert_eq!(one["data"]["enabled"], false, "{one}");
    assert!(one["data"]["disabledReason"]
        .as_str()
        .unwrap_or_default()
        .contains("410"));

    // A disabled endpoint gets no new events.
    app.admin_document("orders", json!({"n": 2})).await;
    assert_eq!(
        app.deliveries(&endpoint, "").await["deliveries"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Enabled again and retried by an operator, the failed delivery goes out.
    receiver
        .configure("gone", &[secret_of(&endpoint)], 0, 200)
        .await;
    let path = format!("/admin/api/webhooks/{}", endpoint["id"]);
    let enabled = app
        .admin_call(
            Method::PUT,
            &path,
            Some(json!({"url": receiver.hook("gone"), "events": ["document.created"]})),
        )
        .await;
    assert_eq!(enabled["data"]["enabled"], true, "{enabled}");
    let delivery = failed[0]["id"].clone();
    let retry = app
        .admin_call(
            Method::POST,
            &format!("{path}/deliveries/{delivery}/retry"),
            None,
        )
        .await;
    assert_eq!(retry["code"], 1, "{retry}");
    let delivered = wait_for_deliveries(&app, &endpoint, |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(delivered[0]["lastStatus"], 200);
    let received = receiver.wait_for("gone", 2).await;
    assert_eq!(
        received[0]["id"], received[1]["id"],
        "the retry is the same event"
    );
    let missing = app
        .admin_call(
            Method::POST,
            &format!("{path}/deliveries/999999/retry"),
            None,
        )
        .await;
    crate::helpers::assert_failure(&missing, "not_found");
}

async fn deliveries_are_paged_newest_first(app: TestApp) {
    app.create_collection(json!({"name": "orders"})).await;
    // No worker on this instance: the deliveries stay pending and listable.
    let endpoint = app
        .create_endpoint(json!({"url": "http://127.0.0.1:9/wx", "events": ["document.created"]}))
        .await;
    for n in 0..5 {
        app.admin_document("orders", json!({"n": n})).await;
    }
    let first = app.deliveries(&endpoint, "?limit=2").await;
    let ids = |page: &Value| -> Vec<i64> {
        page["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .map(|d| d["id"].as_i64().expect("id"))
            .collect()
    };
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 2);
    assert!(first_ids[0] > first_ids[1]);
    let second = app
        .deliveries(
            &endpoint,
            &format!("?limit=2&before={}", first["nextBefore"]),
        )
        .await;
    let third = app
        .deliveries(
            &endpoint,
            &format!("?limit=2&before={}", second["nextBefore"]),
        )
        .await;
    assert_eq!(ids(&third).len(), 1);
    assert!(third["nextBefore"].is_null());
    let mut all = [first_ids, ids(&second), ids(&third)].concat();
    let listed = all.clone();
    all.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(listed, all, "newest first across pages");
    assert_eq!(first["deliveries"][0]["status"], "pending");
    assert_eq!(first["deliveries"][0]["eventType"], "document.created");
}

async fn endpoints_are_managed_by_admins(app: TestApp) {
    let created = app
        .create_endpoint(json!({
            "url": "https://hooks.example.com/wx",
            "events": ["user.created", "document.created"],
            "collections": ["orders"],
            "description": "orders service",
        }))
        .await;
    assert!(secret_of(&created).starts_with("whsec_"));
    let list = app
        .admin_call(Method::GET, "/admin/api/webhooks", None)
        .await;
    assert_eq!(list["data"][0]["url"], "https://hooks.example.com/wx");
    assert_eq!(
        list["data"][0]["events"],
        json!(["user.created", "document.created"])
    );
    assert!(list["data"][0]["secret"].is_null());
    let unknown = app
        .admin_call(
            Method::POST,
            "/admin/api/webhooks",
            Some(json!({"url": "https://a.example/", "events": ["document.exploded"]})),
        )
        .await;
    crate::helpers::assert_failure(&unknown, "bad_request");
    // Names are unique.
    let named = json!({"name": "orders", "url": "https://a.example/", "events": ["file.uploaded"]});
    app.create_endpoint(named.clone()).await;
    let again = app
        .admin_call(Method::POST, "/admin/api/webhooks", Some(named.clone()))
        .await;
    crate::helpers::assert_failure(&again, "conflict");
    let path = format!("/admin/api/webhooks/{}", created["id"]);
    let renamed = app.admin_call(Method::PUT, &path, Some(named)).await;
    crate::helpers::assert_failure(&renamed, "conflict");
    assert_eq!(app.admin_call(Method::DELETE, &path, None).await["code"], 1);
    crate::helpers::assert_failure(&app.admin_call(Method::GET, &path, None).await, "not_found");
    let anonymous = app
        .request(Method::GET, "/admin/api/webhooks", "wrong", None)
        .await;
    crate::helpers::assert_failure(&anonymous, "unauthorized");
}

async fn user_file_and_follower_events_reach_subscribed_endpoints_only(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let events = [
        "user.phone_bound",
        "file.uploaded",
        "follower.subscribed",
        "follower.unsubscribed",
    ];
    endpoint_for(&app, &receiver, "people", &events, None).await;
    endpoint_for(&app, &receiver, "documents", &["document.created"], None).await;

    let token = app.login_as("bob").await;
    let code = app
        .emulator("/__emulator/phone-code", json!({ "user": "bob" }))
        .await["code"]
        .clone();
    let phone = app
        .post_as(
            &app.base_url,
            "/api/me/phone",
            &token,
            json!({ "code": code }),
        )
        .await;
    assert_eq!(phone["code"], 1, "{phone}");
    app.admin_call(
        Method::POST,
        "/admin/api/buckets",
        Some(json!({"name": "photos", "permission": "read_all_write_own"})),
    )
    .await;
    let file = app
        .upload_ok(&token, "photos", crate::files::png(4, 4))
        .await;
    // A follow and an unfollow of the official account, as its push records them.
    let oa = wxbase_wechat::AppId::parse("wxoa00000000000001").expect("an appid");
    let follower = wxbase_wechat::OpenId::parse("oa-openid-of-bob-000000001").expect("an openid");
    for (kind, second) in [
        (wxbase_wechat::push::FollowKind::Subscribe, 1),
        (wxbase_wechat::push::FollowKind::Unsubscribe, 2),
    ] {
        let event = wxbase_core::official_account::NewFollowEvent {
            app_id: oa.clone(),
            openid: follower.clone(),
            kind,
            at: Timestamp::from_millis(1_700_000_000_000 + second * 1000),
            received_at: Timestamp::now(),
        };
        app.db
            .store
            .record_follow_event(&event)
            .await
            .expect("recorded");
    }

    let received = receiver.wait_for("people", 4).await;
    assert_all_verified_with(&received, 0);
    let find = |kind: &str| {
        received
            .iter()
            .find(|r| r["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}: {received:?}"))
    };
    let bound = &find("user.phone_bound")["payload"]["data"];
    assert_eq!(bound["phone"], phone["data"], "{bound}");
    assert_eq!(
        bound["user"]["openid"],
        app.emulator_user("bob").await["openid"]
    );
    let uploaded = &find("file.uploaded")["payload"]["data"];
    assert_eq!(uploaded["bucket"], "photos");
    assert_eq!(uploaded["id"], file["id"], "{uploaded}");
    assert_eq!(uploaded["file"]["contentType"], "image/png");
    let followed = &find("follower.subscribed")["payload"]["data"];
    assert_eq!(followed["openid"], follower.as_str());
    let left = received
        .iter()
        .position(|r| r["type"] == "follower.unsubscribed")
        .expect("an unsubscribe");
    let joined = received
        .iter()
        .position(|r| r["type"] == "follower.subscribed")
        .expect("a subscribe");
    assert!(joined < left, "one follower's events in order");
    for request in &received {
        let text = request["payload"].to_string();
        assert!(
            !text.contains(&token),
            "an event carries a session token: {text}"
        );
        assert!(
            !text.contains("session_key") && !text.contains("sessionKey"),
            "{text}"
        );
    }
    assert!(receiver.received("documents").await.is_empty());
}

/// A user's answers to two templates, reported by the mini-program, reach the endpoint that
/// takes `subscription.changed` (one event per template) and not one that takes logins.
async fn subscription_changes_reach_subscribed_endpoints_only(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    endpoint_for(&app, &receiver, "grants", &["subscription.changed"], None).await;
    endpoint_for(&app, &receiver, "logins", &["user.login"], None).await;
    let token = app.login_as("carol").await;
    let report = app
        .post_as(
            &app.base_url,
            "/api/me/subscriptions",
            &token,
            json!({"errMsg": "requestSubscribeMessage:ok", "tmpl-shipped": "accept", "tmpl-news": "reject"}),
        )
        .await;
    assert_eq!(report["code"], 1, "{report}");

    let received = receiver.wait_for("grants", 2).await;
    assert_all_verified_with(&received, 0);
    let openid = app.emulator_user("carol").await["openid"].clone();
    let mut answers: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            let data = &r["payload"]["data"];
            assert_eq!(r["type"], "subscription.changed", "{r}");
            assert_eq!(data["openid"], openid, "{data}");
            (
                data["templateId"].as_str().unwrap_or_default().to_owned(),
                data["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    answers.sort();
    assert_eq!(
        answers,
        [
            ("tmpl-news".to_owned(), "reject".to_owned()),
            ("tmpl-shipped".to_owned(), "accept".to_owned())
        ]
    );
    let logins = receiver.wait_for("logins", 1).await;
    assert!(
        logins.iter().all(|r| r["type"] == "user.login"),
        "{logins:?}"
    );
}

async fn logins_reach_subscribed_endpoints_only(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    app.login_as("before").await;
    endpoint_for(
        &app,
        &receiver,
        "logins",
        &["user.created", "user.login"],
        None,
    )
    .await;
    endpoint_for(&app, &receiver, "files", &["file.uploaded"], None).await;
    let token = app.login_as("alice").await;
    app.login_as("alice").await;
    app.login_as("before").await;

    let received = receiver.wait_for("logins", 4).await;
    assert_all_verified_with(&received, 0);
    let alice = app.emulator_user("alice").await["openid"].clone();
    let alices: Vec<String> = received
        .iter()
        .filter(|r| r["payload"]["data"]["user"]["openid"] == alice)
        .map(|r| r["type"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(
        alices,
        ["user.created", "user.login", "user.login"],
        "one user's events in order"
    );
    let before = app.emulator_user("before").await["openid"].clone();
    let returning: Vec<&Value> = received
        .iter()
        .filter(|r| r["payload"]["data"]["user"]["openid"] == before)
        .collect();
    assert_eq!(
        types(&returning.into_iter().cloned().collect::<Vec<_>>()),
        ["user.login"]
    );
    for request in &received {
        let text = request["payload"].to_string();
        assert!(
            !text.contains(&token) && !text.contains("session"),
            "{text}"
        );
    }
    assert!(receiver.received("files").await.is_empty());
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    logins_reach_subscribed_endpoints_only,
    subscription_changes_reach_subscribed_endpoints_only,
    user_file_and_follower_events_reach_subscribed_endpoints_only,
    document_events_reach_subscribed_endpoints_only,
    a_failing_endpoint_gets_the_event_again_in_order,
    a_write_that_rolls_back_sends_nothing,
    rotation_signs_with_both_secrets_during_the_overlap,
    a_delivery_is_marked_failed_when_the_schedule_runs_out,
    endpoints_of_the_config_file_are_synced_by_name,
    gone_disables_the_endpoint_and_operators_retry,
    endpoints_are_managed_by_admins,
);

mod restarts {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| crate::helpers::TestApp::spawn_with(backend, without_worker());
        an_event_arrives_after_a_restart,
        deliveries_are_paged_newest_first,
    );
}

/// Pushes on, the outbox worker off: replies wait until an instance with a worker starts.
fn with_push() -> Options {
    Options {
        push: Some(
            crate::push_support::PushSetup::new(
                wxbase_emulator::PushMode::Safe,
                wxbase_emulator::PushFormat::Json,
            )
            .with_worker(false),
        ),
        ..Options::default()
    }
}

async fn message_events_reach_subscribed_endpoints_only(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let events = ["message.received", "message.reply_failed"];
    endpoint_for(&app, &receiver, "messages", &events, None).await;
    endpoint_for(&app, &receiver, "documents", &["document.created"], None).await;
    app.add_rule(crate::push_support::text_rule("hello", "Hi there"))
        .await;
    let report = app.say("alice", "hello").await;
    let openid = report["openid"].clone();
    // The reply is sent 49 hours later, outside the 48-hour window: WeChat refuses it for good.
    app.advance_emulator_clock(49 * 3600).await;
    let push = app.push.clone().expect("push is on").with_worker(true);
    let (_url, _instance) = app.instance_with(Some(&push)).await;

    let received = receiver.wait_for("messages", 2).await;
    assert_all_verified_with(&received, 0);
    assert_eq!(
        types(&received),
        ["message.received", "message.reply_failed"],
        "in order"
    );
    let said = &received[0]["payload"]["data"];
    assert_eq!(said["openid"], openid);
    assert_eq!(said["msgType"], "text");
    assert_eq!(said["content"]["content"], "hello", "{said}");
    let failed = &received[1]["payload"]["data"];
    assert_eq!(failed["openid"], openid);
    assert_eq!(failed["errcode"], 45015, "{failed}");
    assert!(receiver.received("documents").await.is_empty());
}

mod messages {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| crate::helpers::TestApp::spawn_with(backend, with_push());
        message_events_reach_subscribed_endpoints_only,
    );
}

/// The config file's endpoint, synced at start; its secret is the file's.
const FILE_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn endpoints_of_the_config_file_are_synced_by_name(app: TestApp) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let mut settings = test_webhooks();
    settings.endpoints = vec![wxbase_core::webhooks::EndpointRequest {
        name: Some("from-file".to_owned()),
        url: receiver.hook("file"),
        events: vec!["document.created".to_owned()],
        collections: Some(vec!["orders".to_owned()]),
        description: Some("kept in step with the file".to_owned()),
        enabled: None,
        secret: Some(FILE_SECRET.to_owned()),
    }];
    // Two instances start with the file: one endpoint of that name, with the file's secret.
    app.instance_with_webhooks(None, &settings).await;
    app.instance_with_webhooks(None, &settings).await;
    let list = app
        .admin_call(Method::GET, "/admin/api/webhooks", None)
        .await;
    let named: Vec<&Value> = list["data"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter(|e| e["name"] == "from-file")
        .collect();
    assert_eq!(named.len(), 1, "{list}");
    assert_eq!(named[0]["collections"], json!(["orders"]));

    receiver.configure("file", &[FILE_SECRET], 0, 200).await;
    app.create_collection(json!({"name": "orders"})).await;
    app.admin_document("orders", json!({"n": 1})).await;
    let received = receiver.wait_for("file", 1).await;
    assert_all_verified_with(&received, 0);
}

/// Attempts time out after 300 ms.
fn short_timeout() -> Options {
    Options {
        webhooks: wxbase_core::WebhookSettings {
            timeout: std::time::Duration::from_millis(300),
            ..test_webhooks()
        },
        ..Options::default()
    }
}

/// A misbehaving receiver on 127.0.0.1: `/redirect` answers 307 to `/target`, `/slow` answers
/// after 5 s, `/big` answers 200 with 1 MiB (its length announced); how many requests reached `/target`.
async fn misbehaving_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::response::IntoResponse;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = axum::Router::new()
        .route(
            "/redirect",
            axum::routing::post(|| async {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [("location", "/target")],
                )
                    .into_response()
            }),
        )
        .route(
            "/target",
            axum::routing::post(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { "reached" }
            }),
        )
        .route(
            "/slow",
            axum::routing::post(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/big",
            axum::routing::post(|| async { "x".repeat(1024 * 1024) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, hits)
}

async fn redirects_are_not_followed_and_attempts_are_bounded(app: TestApp) {
    let (base, target_hits) = misbehaving_receiver().await;
    let ping = |path: &'static str| {
        let app = &app;
        let base = base.clone();
        async move {
            let endpoint = app
                .create_endpoint(
                    json!({"url": format!("{base}{path}"), "events": ["file.uploaded"]}),
                )
                .await;
            let test = format!("/admin/api/webhooks/{}/test", endpoint["id"]);
            let answer = app.admin_call(Method::POST, &test, None).await;
            assert_eq!(answer["code"], 1, "{answer}");
            answer["data"].clone()
        }
    };
    let redirected = ping("/redirect").await;
    assert_eq!(redirected["status"], 307, "{redirected}");
    assert_eq!(redirected["delivered"], false);
    assert_eq!(
        target_hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the redirect was followed"
    );

    let slow = ping("/slow").await;
    assert_eq!(slow["delivered"], false, "{slow}");
    assert!(
        slow["error"]
            .as_str()
            .unwrap_or_default()
            .contains("timed out"),
        "{slow}"
    );
    assert!(
        slow["durationMs"].as_u64().unwrap_or(u64::MAX) < 3000,
        "{slow}"
    );

    let big = ping("/big").await;
    assert_eq!(big["status"], 200, "{big}");
    assert_eq!(
        big["body"], "",
        "a body announced as over 64 KiB is not read: {big}"
    );
}

mod bounded {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| crate::helpers::TestApp::spawn_with(backend, short_timeout());
        redirects_are_not_followed_and_attempts_are_bounded,
    );
}

mod guarded {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| crate::helpers::TestApp::spawn_with(backend, guarded());
        the_ssrf_guard_refuses_loopback_and_private_targets,
    );
}
