//! Subscribe messages end to end, on both backends, with the emulator as WeChat: grants
//! recorded from the popup and change events (XML and JSON), sends that use a one-time grant,
//! a campaign reaching only the users holding a grant, data checked before queueing, 43101
//! final and -1 retried, and a 43101 after a send that timed out but went through counted as
//! `unconfirmed` rather than refused.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};
use crate::push_support::PushSetup;

const SEND: &str = "/cgi-bin/message/subscribe/send";
/// The emulator's one-time template: `character_string1`, `thing2`, `time3`.
const SHIPPED: &str = "tmplOrderShipped000000001";
/// Its other one-time template: `thing1`, `date2`, `phrase3`.
const APPOINTMENT: &str = "tmplAppointment000000002";
/// Its long-term template: `thing1`, `time2`.
const REPLY: &str = "tmplReplyNotice000000003";

async fn spawn(backend: Backend, format: PushFormat) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        Options {
            push: Some(PushSetup::new(PushMode::Safe, format)),
            // A send that times out is retried, and WeChat answers the retry 43101 when the
            // first one went through: on a loaded machine a campaign's sends (each followed
            // by its sent event) must not time out.
            wechat_timeout: Duration::from_secs(60),
            ..Options::default()
        },
    )
    .await
}

/// A WeChat client that gives up after 1.5 s, for the test whose send is answered late.
async fn spawn_impatient(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        Options {
            push: Some(PushSetup::new(PushMode::Safe, PushFormat::Json)),
            wechat_timeout: Duration::from_millis(1500),
            ..Options::default()
        },
    )
    .await
}

fn shipped(item: &str) -> Value {
    json!({
        "character_string1": { "value": "SF1234567" },
        "thing2": { "value": item },
        "time3": { "value": "2024-10-01 15:01" },
    })
}

fn reply_data() -> Value {
    json!({ "thing1": "谢谢分享", "time2": "2024-10-01 15:01" })
}

impl TestApp {
    /// The user taps "accept" for `templates` in `wx.requestSubscribeMessage`; asserts
    /// wxbase acknowledged the popup event. The user's openid.
    async fn grant(&self, user: &str, templates: &[&str]) -> String {
        let answer = self
            .emulator(
                "/__emulator/subscribe/grant",
                json!({ "user": user, "templateIds": templates }),
            )
            .await;
        assert_eq!(answer["push"]["delivered"], true, "{answer}");
        answer["openid"].as_str().expect("an openid").to_owned()
    }

    /// The user's grants as wxbase holds them, by template id.
    async fn grants_of(&self, token: &str) -> Value {
        let answer = self
            .with_token(reqwest::Method::GET, "/api/me/subscriptions", token)
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        let by_template = answer["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|grant| {
                (
                    grant["templateId"].as_str().unwrap_or_default().to_owned(),
                    grant.clone(),
                )
            })
            .collect();
        Value::Object(by_template)
    }

    async fn send_subscribe(&self, openid: &str, template: &str, data: Value) -> Value {
        self.admin(
            "POST",
            "/admin/api/subscribe-messages",
            Some(json!({ "openid": openid, "templateId": template, "data": data, "page": "pages/order/index?id=7" })),
        )
        .await
    }

    /// What the user received from WeChat.
    async fn received_by(&self, user: &str) -> Vec<Value> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/__emulator/subscribe/messages/{user}",
                self.emulator_url
            ))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("JSON");
        answer["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Queues a campaign of the shipped template to `openids` and waits until none of its
    /// messages is pending; its counts.
    async fn drained_campaign(&self, openids: &[&str]) -> Value {
        let created = self
            .admin(
                "POST",
                "/admin/api/subscribe-campaigns",
                Some(json!({ "templateId": SHIPPED, "data": shipped("新品"), "audience": { "openids": openids } })),
            )
            .await;
        assert_eq!(created["code"], 1, "{created}");
        let id = created["data"]["id"].as_i64().expect("an id");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let report = self
                .admin("GET", &format!("/admin/api/subscribe-campaigns/{id}"), None)
                .await;
            if report["data"]["pending"] == 0 {
                return report["data"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "the campaign never drained: {report}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The one outbound message to `openid`, once its outcome is recorded.
    async fn settled_message(&self, openid: &str) -> Value {
        let conversation = self.wait_until_settled(openid).await;
        conversation
            .into_iter()
            .find(|m| m["direction"] == "outbound")
            .expect("an outbound message")
    }
}

/// A user accepts one template, then two in one popup: each accept adds a one-time grant.
async fn grants_arrive_by_event(app: TestApp) {
    let token = app.login_as("alice").await;
    app.grant("alice", &[SHIPPED]).await;
    let grants = app.grants_of(&token).await;
    assert_eq!(grants[SHIPPED]["oneTime"], 1, "{grants}");
    assert_eq!(grants[SHIPPED]["lastResult"], "accept");
    // A second popup in the same second would share the first one's dedup key.
    app.advance_emulator_clock(1).await;
    app.grant("alice", &[SHIPPED, APPOINTMENT]).await;
    let grants = app.grants_of(&token).await;
    assert_eq!(grants[SHIPPED]["oneTime"], 2, "{grants}");
    assert_eq!(grants[APPOINTMENT]["oneTime"], 1, "{grants}");
    assert_eq!(grants[APPOINTMENT]["longTerm"], true);
}

mod xml_events {
    use super::*;

    async fn grants_arrive_by_event(app: TestApp) {
        super::grants_arrive_by_event(app).await;
    }

    wxbase_store::on_both_backends!(setup = |backend| spawn(backend, PushFormat::Xml); grants_arrive_by_event);
}

mod json_events {
    use super::*;

    async fn grants_arrive_by_event(app: TestApp) {
        super::grants_arrive_by_event(app).await;
    }

    wxbase_store::on_both_backends!(setup = |backend| spawn(backend, PushFormat::Json); grants_arrive_by_event);
}

/// One grant, one message: the send reaches the user and uses the grant; a second send is
/// refused at once and WeChat is called once in all.
async fn a_send_uses_the_grant_and_a_second_is_refused_without_calling_wechat(app: TestApp) {
    let token = app.login_as("bob").await;
    let bob = app.grant("bob", &[SHIPPED]).await;
    let queued = app.send_subscribe(&bob, SHIPPED, shipped("蓝色T恤")).await;
    assert_eq!(queued["code"], 1, "{queued}");
    assert_eq!(queued["data"]["msgType"], "subscribe");
    let sent = app.settled_message(&bob).await;
    assert_eq!(sent["delivery"]["status"], "sent", "{sent}");
    let received = app.received_by("bob").await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["data"]["thing2"]["value"], "蓝色T恤");
    assert_eq!(received[0]["page"], "pages/order/index?id=7");
    assert_eq!(app.grants_of(&token).await[SHIPPED]["oneTime"], 0);

    let again = app.send_subscribe(&bob, SHIPPED, shipped("红色T恤")).await;
    assert_failure(&again, "forbidden");
    assert!(
        again["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no grant"),
        "{again}"
    );
    assert_eq!(app.emulator_calls(SEND).await, 1);
    assert_eq!(app.received_by("bob").await.len(), 1);
}

/// A long-term grant allows any number of messages until the user turns it off in the
/// settings; the change event turns it off in wxbase too.
async fn a_long_term_grant_is_turned_off_by_the_change_event(app: TestApp) {
    let token = app.login_as("carol").await;
    let carol = app.grant("carol", &[REPLY]).await;
    assert_eq!(app.grants_of(&token).await[REPLY]["longTerm"], true);
    for _ in 0..2 {
        let queued = app.send_subscribe(&carol, REPLY, reply_data()).await;
        assert_eq!(queued["code"], 1, "{queued}");
    }
    app.wait_for_conversation(&carol, |messages| {
        messages
            .iter()
            .filter(|m| m["delivery"]["status"] == "sent")
            .count()
            == 2
    })
    .await;
    assert_eq!(app.received_by("carol").await.len(), 2);

    app.advance_emulator_clock(1).await;
    let changed = app
        .emulator(
            "/__emulator/subscribe/change",
            json!({ "user": "carol", "templateIds": [REPLY] }),
        )
        .await;
    assert_eq!(changed["push"]["delivered"], true, "{changed}");
    let grants = app.grants_of(&token).await;
    assert_eq!(grants[REPLY]["longTerm"], false, "{grants}");
    assert_eq!(grants[REPLY]["lastResult"], "reject");
    let refused = app.send_subscribe(&carol, REPLY, reply_data()).await;
    assert_failure(&refused, "forbidden");
    assert_eq!(app.emulator_calls(SEND).await, 2);
}

/// 1,000 users listed, 600 of them granted: 600 messages queued and sent, none to the
/// others; a later campaign to everyone granted finds no grant left.
async fn a_campaign_reaches_only_the_users_holding_a_grant(app: TestApp) {
    let mut openids = Vec::new();
    for chunk in (0..1000).collect::<Vec<_>>().chunks(20) {
        let people = chunk.iter().map(|&i| {
            let app = &app;
            async move {
                let user = format!("fan{i}");
                if i % 5 < 3 {
                    app.grant(&user, &[SHIPPED]).await
                } else {
                    app.emulator_user(&user).await["openid"]
                        .as_str()
                        .expect("an openid")
                        .to_owned()
                }
            }
        });
        openids.extend(futures_util::future::join_all(people).await);
    }
    let created = app
        .admin(
            "POST",
            "/admin/api/subscribe-campaigns",
            Some(json!({ "templateId": SHIPPED, "data": shipped("新品"), "audience": { "openids": openids } })),
        )
        .await;
    assert_eq!(created["code"], 1, "{created}");
    assert_eq!(created["data"]["queued"], 600, "{created}");
    assert_eq!(created["data"]["withoutGrant"], 400);
    let id = created["data"]["id"].as_i64().expect("an id");
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = loop {
        let report = app
            .admin("GET", &format!("/admin/api/subscribe-campaigns/{id}"), None)
            .await;
        if report["data"]["pending"] == 0 {
            break report["data"].clone();
        }
        assert!(
            Instant::now() < deadline,
            "the campaign never drained: {report}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (report["refused"].as_u64(), report["failed"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(app.emulator_calls(SEND).await, 600);
    for i in [0, 1, 2, 5, 996] {
        assert_eq!(
            app.received_by(&format!("fan{i}")).await.len(),
            1,
            "fan{i} was granted"
        );
    }
    for i in [3, 4, 8, 999] {
        assert!(
            app.received_by(&format!("fan{i}")).await.is_empty(),
            "fan{i} had no grant"
        );
    }
    let again = app
        .admin(
            "POST",
            "/admin/api/subscribe-campaigns",
            Some(json!({ "templateId": SHIPPED, "data": shipped("新品"), "audience": "granted" })),
        )
        .await;
    assert_eq!(again["data"]["queued"], 0, "{again}");
}

/// Data the template refuses answers `bad_request` naming the key; nothing is queued, no
/// grant is used, WeChat is not called.
async fn bad_data_is_refused_naming_the_key(app: TestApp) {
    let token = app.login_as("dave").await;
    let dave = app.grant("dave", &[SHIPPED]).await;
    let too_long = app
        .send_subscribe(
            &dave,
            SHIPPED,
            shipped("一二三四五六七八九十一二三四五六七八九十一"),
        )
        .await;
    assert_failure(&too_long, "bad_request");
    assert!(
        too_long["message"]
            .as_str()
            .unwrap_or_default()
            .contains("thing2"),
        "{too_long}"
    );
    let missing = app
        .send_subscribe(
            &dave,
            SHIPPED,
            json!({ "character_string1": "SF1", "thing2": "T恤" }),
        )
        .await;
    assert_failure(&missing, "bad_request");
    assert!(
        missing["message"]
            .as_str()
            .unwrap_or_default()
            .contains("time3"),
        "{missing}"
    );
    let bad_time = app
        .send_subscribe(
            &dave,
            SHIPPED,
            json!({ "character_string1": "SF1", "thing2": "T恤", "time3": "soon" }),
        )
        .await;
    assert!(
        bad_time["message"]
            .as_str()
            .unwrap_or_default()
            .contains("time3"),
        "{bad_time}"
    );
    let unknown = app
        .send_subscribe(&dave, "tmplNoSuchTemplate", shipped("T恤"))
        .await;
    assert_failure(&unknown, "bad_request");
    let campaign = app
        .admin(
            "POST",
            "/admin/api/subscribe-campaigns",
            Some(
                json!({ "templateId": SHIPPED, "data": { "thing2": "x" }, "audience": "granted" }),
            ),
        )
        .await;
    assert_failure(&campaign, "bad_request");
    assert_eq!(app.grants_of(&token).await[SHIPPED]["oneTime"], 1);
    let outbox = app.admin("GET", "/admin/api/outbox", None).await;
    assert_eq!(outbox["data"]["pending"], 0, "{outbox}");
    assert_eq!(app.emulator_calls(SEND).await, 0);
}

/// A grant reported by the mini-program that WeChat does not hold: WeChat answers 43101 once,
/// the message fails for good with that meaning, and is not sent again.
async fn a_43101_is_final_and_not_retried(app: TestApp) {
    let token = app.login_as("erin").await;
    let reported = app
        .post_as(
            &app.base_url,
            "/api/me/subscriptions",
            &token,
            json!({ SHIPPED: "accept", "errMsg": "requestSubscribeMessage:ok" }),
        )
        .await;
    assert_eq!(reported["code"], 1, "{reported}");
    assert_eq!(reported["data"][0]["oneTime"], 1, "{reported}");
    let erin = app.emulator_user("erin").await["openid"]
        .as_str()
        .expect("an openid")
        .to_owned();
    let queued = app.send_subscribe(&erin, SHIPPED, shipped("T恤")).await;
    assert_eq!(queued["code"], 1, "{queued}");
    let failed = app.settled_message(&erin).await;
    assert_eq!(failed["delivery"]["status"], "failed", "{failed}");
    assert_eq!(failed["delivery"]["errcode"], 43101);
    assert_eq!(failed["delivery"]["attempts"], 1);
    assert!(
        failed["delivery"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("no grant"),
        "{failed}"
    );
    assert_eq!(app.emulator_calls(SEND).await, 1);
}

/// WeChat busy (-1) once: the message goes back to the outbox and is sent on the next
/// attempt, once.
async fn busy_is_retried(app: TestApp) {
    let frank = app.grant("frank", &[SHIPPED]).await;
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": SEND, "errcode": -1, "times": 1 }),
    )
    .await;
    let queued = app.send_subscribe(&frank, SHIPPED, shipped("T恤")).await;
    assert_eq!(queued["code"], 1, "{queued}");
    let sent = app.settled_message(&frank).await;
    assert_eq!(sent["delivery"]["status"], "sent", "{sent}");
    assert_eq!(sent["delivery"]["attempts"], 2);
    assert_eq!(app.emulator_calls(SEND).await, 2);
    assert_eq!(app.received_by("frank").await.len(), 1);
}

/// WeChat delivers a send but answers after the client gave up: the outbox cannot know, tries
/// again, and WeChat answers 43101 because the first send used the one-time grant. The message
/// is `unconfirmed` (most likely delivered), counted apart from `refused`; a plain 43101, with
/// no earlier attempt, stays `refused` and is not retried.
async fn a_43101_after_a_send_that_timed_out_is_unconfirmed_not_refused(app: TestApp) {
    let gina = app.grant("gina", &[SHIPPED]).await;
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": SEND, "answerDelayMs": 4000, "times": 1 }),
    )
    .await;
    let report = app.drained_campaign(&[gina.as_str()]).await;
    assert_eq!(
        (
            report["unconfirmed"].as_u64(),
            report["refused"].as_u64(),
            report["sent"].as_u64(),
            report["failed"].as_u64()
        ),
        (Some(1), Some(0), Some(0), Some(0)),
        "{report}"
    );
    let message = app.settled_message(&gina).await;
    assert_eq!(message["delivery"]["status"], "unconfirmed", "{message}");
    assert_eq!(message["delivery"]["errcode"], 43101);
    assert_eq!(message["delivery"]["attempts"], 2);
    assert_eq!(app.received_by("gina").await.len(), 1, "delivered once");
    assert_eq!(app.emulator_calls(SEND).await, 2);
    // WeChat's sent event for the send that went through is recorded with the user's messages.
    app.wait_for_conversation(&gina, |messages| {
        messages
            .iter()
            .any(|m| m["content"]["event"] == "subscribe_msg_sent_event")
    })
    .await;
    let outbox = app.admin("GET", "/admin/api/outbox", None).await;
    assert_eq!(outbox["data"]["failed"], 0, "{outbox}");
    let id = message["id"].as_i64().expect("an id");
    let retried = app
        .admin("POST", &format!("/admin/api/outbox/{id}/retry"), None)
        .await;
    assert_failure(&retried, "conflict");

    // A grant WeChat never had: 43101 on the first attempt is refused, and final.
    let token = app.login_as("hank").await;
    let reported = app
        .post_as(
            &app.base_url,
            "/api/me/subscriptions",
            &token,
            json!({ SHIPPED: "accept" }),
        )
        .await;
    assert_eq!(reported["code"], 1, "{reported}");
    let hank = app.emulator_user("hank").await["openid"]
        .as_str()
        .expect("an openid")
        .to_owned();
    let report = app.drained_campaign(&[hank.as_str()]).await;
    assert_eq!(
        (report["refused"].as_u64(), report["unconfirmed"].as_u64()),
        (Some(1), Some(0)),
        "{report}"
    );
    let refused = app.settled_message(&hank).await;
    assert_eq!(refused["delivery"]["status"], "failed", "{refused}");
    assert_eq!(refused["delivery"]["attempts"], 1);
    assert_eq!(app.emulator_calls(SEND).await, 3);
}

mod late_answers {
    use super::*;

    async fn a_43101_after_a_send_that_timed_out_is_unconfirmed_not_refused(app: TestApp) {
        super::a_43101_after_a_send_that_timed_out_is_unconfirmed_not_refused(app).await;
    }

    wxbase_store::on_both_backends!(
        setup = spawn_impatient;
        a_43101_after_a_send_that_timed_out_is_unconfirmed_not_refused,
    );
}

wxbase_store::on_both_backends!(
    setup = |backend| spawn(backend, PushFormat::Json);
    a_send_uses_the_grant_and_a_second_is_refused_without_calling_wechat,
    a_long_term_grant_is_turned_off_by_the_change_event,
    a_campaign_reaches_only_the_users_holding_a_grant,
    bad_data_is_refused_naming_the_key,
    a_43101_is_final_and_not_retried,
    busy_is_retried,
);
