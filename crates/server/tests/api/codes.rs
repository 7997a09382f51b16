//! Mini-program codes and links over HTTP: a code made once and served again without WeChat,
//! long scenes shortened and resolved, WeChat's errors, who may make codes, and URL links and
//! schemes resolved in the emulator.

use reqwest::Method;
use serde_json::{json, Value};
use wxbase_core::codes::CodeSettings;

use crate::helpers::{assert_failure, Options, TestApp, ADMIN_TOKEN};

const CODE_API: &str = "/wxa/getwxacodeunlimit";

fn clients_allowed() -> Options {
    Options {
        wxacode: CodeSettings {
            client_allowed: true,
            user_per_minute: 2,
        },
        ..Options::default()
    }
}

impl TestApp {
    /// `POST /api/wxacode` with `token`.
    async fn wxacode(&self, token: &str, body: Value) -> Value {
        self.request(Method::POST, "/api/wxacode", token, Some(body))
            .await
    }

    /// Makes the next call to `endpoint` answer `errcode`.
    async fn fail_next(&self, endpoint: &str, errcode: i64) {
        self.emulator(
            "/__emulator/faults",
            json!({"endpoint": endpoint, "errcode": errcode, "times": 1}),
        )
        .await;
    }

    /// The files of bucket `wxacodes`, as an admin lists them (none if it does not exist).
    async fn stored_codes(&self) -> usize {
        let listed = self
            .request(
                Method::GET,
                "/admin/api/buckets/wxacodes/files",
                ADMIN_TOKEN,
                None,
            )
            .await;
        if listed["error"] == "unknown_bucket" {
            return 0;
        }
        listed["data"]["files"].as_array().expect("files").len()
    }

    /// What the emulator says link `id` leads to.
    async fn emulated_link(&self, id: &str) -> Value {
        self.http
            .get(format!("{}/__emulator/links/{id}", self.emulator_url))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("JSON")
    }
}

async fn a_code_is_made_once_and_served_twice_with_one_wechat_call(app: TestApp) {
    let asked = json!({"scene": "id=42", "page": "pages/item/item", "width": 300});
    let first = app.wxacode(ADMIN_TOKEN, asked.clone()).await;
    assert_eq!(first["code"], 1, "{first}");
    assert_eq!(first["data"]["scene"], "id=42");
    assert_eq!(first["data"]["reused"], false);
    let image = app
        .http
        .get(first["data"]["url"].as_str().expect("a url"))
        .send()
        .await
        .expect("wxbase answers");
    assert_eq!(image.headers()["content-type"], "image/png");
    let png = image.bytes().await.expect("the image");
    let decoded = image::load_from_memory(&png).expect("a real PNG");
    assert!(decoded.width() >= 300, "drawn at least as wide as asked");

    let second = app.wxacode(ADMIN_TOKEN, asked).await;
    assert_eq!(second["data"]["fileId"], first["data"]["fileId"]);
    assert_eq!(second["data"]["reused"], true);
    assert_eq!(app.emulator_calls(CODE_API).await, 1, "one WeChat call");

    let other = app
        .wxacode(
            ADMIN_TOKEN,
            json!({"scene": "id=42", "page": "pages/item/item"}),
        )
        .await;
    assert_ne!(other["data"]["fileId"], first["data"]["fileId"]);
    assert_eq!(
        app.emulator_calls(CODE_API).await,
        2,
        "other parameters, another code"
    );
    assert_eq!(app.stored_codes().await, 2);
}

async fn a_long_scene_is_shortened_and_resolved(app: TestApp) {
    let long = "campaign=spring-sale&ref=分享者-0123456789&page=2";
    let made = app
        .wxacode(
            ADMIN_TOKEN,
            json!({"scene": long, "page": "pages/index/index"}),
        )
        .await;
    let short = made["data"]["scene"].as_str().expect("a scene").to_owned();
    assert!(
        short.starts_with('~') && short.chars().count() <= 32,
        "{short}"
    );

    let alice = app.login_as("alice").await;
    let resolved = app
        .request(Method::GET, &format!("/api/scenes/{short}"), &alice, None)
        .await;
    assert_eq!(resolved["data"]["scene"], long);
    let again = app
        .wxacode(
            ADMIN_TOKEN,
            json!({"scene": long, "page": "pages/index/index"}),
        )
        .await;
    assert_eq!(
        again["data"]["scene"],
        short.as_str(),
        "the same scene, the same id"
    );

    let unknown = app
        .request(
            Method::GET,
            "/api/scenes/~000000000000000000000000",
            &alice,
            None,
        )
        .await;
    assert_failure(&unknown, "not_found");
    let anonymous = app
        .request(Method::GET, &format!("/api/scenes/{short}"), "nobody", None)
        .await;
    assert_failure(&anonymous, "unauthorized");
}

async fn each_wechat_error_is_a_clear_error_and_nothing_is_stored(app: TestApp) {
    let asked = json!({"scene": "a=1", "page": "pages/missing/missing"});
    for (errcode, error) in [
        (41030, "invalid_page"),
        (45009, "quota_exceeded"),
        (40097, "bad_request"),
    ] {
        app.fail_next(CODE_API, errcode).await;
        let answer = app.wxacode(ADMIN_TOKEN, asked.clone()).await;
        assert_failure(&answer, error);
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains(&errcode.to_string())),
            "{answer}"
        );
    }
    let too_wide = app
        .wxacode(ADMIN_TOKEN, json!({"scene": "a=1", "width": 5000}))
        .await;
    assert_failure(&too_wide, "bad_request");
    app.emulator(
        "/__emulator/faults",
        json!({"endpoint": CODE_API, "drop": true, "times": 1}),
    )
    .await;
    let unreachable = app.wxacode(ADMIN_TOKEN, asked.clone()).await;
    assert_failure(&unreachable, "upstream_unavailable");
    assert_eq!(app.stored_codes().await, 0, "nothing stored");

    let made = app.wxacode(ADMIN_TOKEN, asked).await;
    assert_eq!(made["code"], 1, "the same code once WeChat answers: {made}");
    assert_eq!(app.stored_codes().await, 1);
}

async fn users_may_make_codes_only_when_allowed(app: TestApp) {
    let alice = app.login_as("alice").await;
    let refused = app.wxacode(&alice, json!({"scene": "a=1"})).await;
    assert_failure(&refused, "forbidden");
    assert_eq!(app.emulator_calls(CODE_API).await, 0);
}

async fn allowed_users_are_rate_limited_each(app: TestApp) {
    let alice = app.login_as("alice").await;
    let bob = app.login_as("bob").await;
    for scene in ["a=1", "a=2"] {
        let made = app.wxacode(&alice, json!({ "scene": scene })).await;
        assert_eq!(made["code"], 1, "{made}");
    }
    let limited = app.wxacode(&alice, json!({"scene": "a=3"})).await;
    assert_failure(&limited, "rate_limited");
    let other_user = app.wxacode(&bob, json!({"scene": "a=3"})).await;
    assert_eq!(other_user["code"], 1, "{other_user}");
    let admin = app.wxacode(ADMIN_TOKEN, json!({"scene": "a=4"})).await;
    assert_eq!(admin["code"], 1, "admins are not limited");
}

async fn links_are_generated_and_resolved_in_the_emulator(app: TestApp) {
    let link = app
        .request(
            Method::POST,
            "/admin/api/url-links",
            ADMIN_TOKEN,
            Some(json!({"path": "pages/order/order", "query": "id=7", "expiresInDays": 7})),
        )
        .await;
    let url = link["data"]["url"].as_str().expect("a link");
    let id = url.strip_prefix("https://wxaurl.cn/").expect("a URL link");
    let resolved = app.emulated_link(id).await;
    assert_eq!(resolved["kind"], "urllink");
    assert_eq!(resolved["path"], "pages/order/order");
    assert_eq!(resolved["query"], "id=7");
    let expires = unix_seconds(&link["data"]["expiresAt"]);
    let emulated = resolved["expiresAt"].as_i64().expect("seconds");
    assert!((expires - emulated).abs() <= 5, "{expires} vs {emulated}");

    let scheme = app
        .request(
            Method::POST,
            "/admin/api/url-schemes",
            ADMIN_TOKEN,
            Some(json!({"path": "pages/index/index", "envVersion": "trial"})),
        )
        .await;
    let openlink = scheme["data"]["url"].as_str().expect("a scheme");
    let id = openlink
        .strip_prefix("weixin://dl/business/?t=")
        .expect("a URL scheme");
    let resolved = app.emulated_link(id).await;
    assert_eq!(resolved["kind"], "scheme");
    assert_eq!(resolved["path"], "pages/index/index");
    assert_eq!(resolved["envVersion"], "trial");
    assert_eq!(resolved["expired"], false);

    for (endpoint, errcode, error) in [
        ("/wxa/generate_urllink", 40165, "invalid_page"),
        ("/wxa/generatescheme", 45009, "quota_exceeded"),
        ("/wxa/generatescheme", 85401, "bad_request"),
    ] {
        app.fail_next(endpoint, errcode).await;
        let path = if endpoint.ends_with("urllink") {
            "/admin/api/url-links"
        } else {
            "/admin/api/url-schemes"
        };
        let answer = app
            .request(
                Method::POST,
                path,
                ADMIN_TOKEN,
                Some(json!({"path": "pages/a"})),
            )
            .await;
        assert_failure(&answer, error);
    }
    let too_long = app
        .request(
            Method::POST,
            "/admin/api/url-links",
            ADMIN_TOKEN,
            Some(json!({"path": "pages/a", "expiresInDays": 31})),
        )
        .await;
    assert_failure(&too_long, "bad_request");
    let alice = app.login_as("alice").await;
    let not_admin = app
        .request(
            Method::POST,
            "/admin/api/url-links",
            &alice,
            Some(json!({"path": ""})),
        )
        .await;
    assert_failure(&not_admin, "unauthorized");
}

/// Unix seconds of an RFC 3339 time such as `2026-01-02T03:04:05.678Z`.
fn unix_seconds(value: &Value) -> i64 {
    let text = value.as_str().expect("a time");
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    parsed.unix_timestamp()
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    a_code_is_made_once_and_served_twice_with_one_wechat_call,
    a_long_scene_is_shortened_and_resolved,
    each_wechat_error_is_a_clear_error_and_nothing_is_stored,
    users_may_make_codes_only_when_allowed,
    links_are_generated_and_resolved_in_the_emulator,
);

mod allowed {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = |backend| crate::helpers::TestApp::spawn_with(backend, clients_allowed());
        allowed_users_are_rate_limited_each,
    );
}
