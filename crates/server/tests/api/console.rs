//! The admin console's security, on both backends: the sign-in cookie's flags, the
//! Content-Security-Policy, CSRF refusals, the lockout after repeated failures, sign-out, and
//! admin API tokens with a scope.

use reqwest::header::{HeaderMap, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use serde_json::json;
use wxbase_core::console::{ConsoleSettings, Password};
use wxbase_core::ConsoleService;
use wxbase_wechat::AppId;

use crate::helpers::{assert_failure, envelope_of, TestApp, ADMIN_TOKEN, APP_ID};

pub(crate) const PASSWORD: &str = "console-password-1";

/// A browser of the console: no redirects followed, cookies kept by hand.
pub(crate) struct Browser<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().expect("ascii");
            let pair = text.split(';').next().expect("a pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Response {
        let response = self
            .http
            .get(format!("{}{path}", self.app.base_url))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("answers");
        self.keep_cookies(response.headers());
        response
    }

    pub(crate) async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.app.base_url))
            .header("cookie", self.cookie_header())
            .form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("answers");
        self.keep_cookies(response.headers());
        response
    }

    /// Creates an admin API token in the console; the secret it shows once.
    async fn create_token(&mut self, name: &str, scope: &str) -> String {
        let csrf = self.csrf_of("/admin/tokens").await;
        let page = self
            .post(
                "/admin/tokens",
                &[("csrf", &csrf), ("name", name), ("scope", scope)],
                &[],
            )
            .await
            .text()
            .await
            .expect("text");
        let marker = "id=\"new-token\">";
        let start = page.find(marker).expect("the new token") + marker.len();
        page[start..].split('<').next().expect("token").to_owned()
    }

    /// The value of the `name="csrf"` field of the page at `path`.
    pub(crate) async fn csrf_of(&mut self, path: &str) -> String {
        let page = self.get(path).await.text().await.expect("text");
        field_value(&page, "csrf")
    }

    pub(crate) async fn sign_in(&mut self, username: &str, password: &str) -> Response {
        self.sign_in_with(username, password, &[]).await
    }

    async fn sign_in_with(
        &mut self,
        username: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        let csrf = self.csrf_of("/admin/login").await;
        self.post(
            "/admin/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/admin"),
            ],
            headers,
        )
        .await
    }
}

/// The first form action in `page` that ends with `suffix`.
pub(crate) fn form_action(page: &str, suffix: &str) -> String {
    page.split("action=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().expect("path"))
        .find(|path| path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no form posts to …{suffix}"))
        .to_owned()
}

/// The value of the first input named `name` in `page`.
fn field_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).expect("the field") + marker.len();
    page[start..].split('"').next().expect("a value").to_owned()
}

pub(crate) async fn with_admin(app: &TestApp, username: &str) {
    let console = ConsoleService::new(
        app.db.store.clone(),
        AppId::parse(APP_ID).expect("app id"),
        ConsoleSettings::default(),
    );
    console
        .create_admin(
            username,
            &Password::new(PASSWORD.to_owned()).expect("long enough"),
        )
        .await
        .expect("admin created");
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect()
}

async fn sign_in_sets_a_strict_http_only_cookie_and_a_strict_csp(app: TestApp) {
    with_admin(&app, "ops").await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/admin/login").await;
    assert_eq!(form.status(), StatusCode::OK);
    let csp = form.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(form.headers()["x-frame-options"], "DENY");
    let page = form.text().await.expect("text");
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "inline script or style: {page}"
    );

    let signed_in = browser.sign_in("ops", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[LOCATION], "/admin");
    let session_cookie = set_cookies(&signed_in)
        .into_iter()
        .find(|c| c.starts_with("wxbase_console="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(
            session_cookie.contains(flag),
            "{flag} missing: {session_cookie}"
        );
    }
    assert!(
        !session_cookie.contains("Secure"),
        "plain HTTP: {session_cookie}"
    );
    let dashboard = browser.get("/admin").await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert!(dashboard.headers().contains_key(CONTENT_SECURITY_POLICY));
    assert!(dashboard.text().await.expect("text").contains("Dashboard"));

    let mut behind_https = Browser::new(&app);
    let signed_in = behind_https
        .sign_in_with("ops", PASSWORD, &[("x-forwarded-proto", "https")])
        .await;
    let session_cookie = set_cookies(&signed_in)
        .into_iter()
        .find(|c| c.starts_with("wxbase_console="))
        .expect("a session cookie");
    assert!(
        session_cookie.contains("Secure"),
        "behind HTTPS: {session_cookie}"
    );
}

async fn changes_without_the_session_csrf_token_are_refused(app: TestApp) {
    with_admin(&app, "ops").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ops", PASSWORD).await;
    let rule = [
        ("name", "csrf-probe"),
        ("kind", "contains"),
        ("pattern", "probe"),
        ("reply_text", "should not exist"),
    ];
    let missing = browser.post("/admin/rules", &rule, &[]).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let mut forged = rule.to_vec();
    forged.push(("csrf", "forged-token"));
    assert_eq!(
        browser.post("/admin/rules", &forged, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let header_forged = browser
        .post("/admin/rules", &rule, &[("x-csrf-token", "forged")])
        .await;
    assert_eq!(header_forged.status(), StatusCode::FORBIDDEN);
    let rules = app.admin_rules().await;
    assert!(
        !rules.contains("csrf-probe"),
        "a refused change happened: {rules}"
    );

    let csrf = browser.csrf_of("/admin/rules").await;
    let mut genuine = rule.to_vec();
    genuine.push(("csrf", &csrf));
    let created = browser.post("/admin/rules", &genuine, &[]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert!(app.admin_rules().await.contains("csrf-probe"));

    // The sign-in form has its own token (no session exists yet).
    let mut stranger = Browser::new(&app);
    let refused = stranger
        .post(
            "/admin/login",
            &[
                ("csrf", "guess"),
                ("username", "ops"),
                ("password", PASSWORD),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&refused)
        .iter()
        .all(|c| !c.starts_with("wxbase_console=")));
}

async fn repeated_failures_lock_the_account_but_not_another(app: TestApp) {
    with_admin(&app, "ops").await;
    with_admin(&app, "other").await;
    let mut browser = Browser::new(&app);
    let mut statuses = Vec::new();
    for attempt in 0..5 {
        let wrong = format!("wrong-password-{attempt}");
        statuses.push(browser.sign_in("ops", &wrong).await.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let locked = browser.sign_in("ops", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked
        .text()
        .await
        .expect("text")
        .contains("Too many failed sign-ins"));
    assert_eq!(browser.get("/admin").await.status(), StatusCode::SEE_OTHER);

    let mut colleague = Browser::new(&app);
    assert_eq!(
        colleague.sign_in("other", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn pages_need_a_session_and_sign_out_ends_it(app: TestApp) {
    with_admin(&app, "ops").await;
    let mut browser = Browser::new(&app);
    for path in ["/admin", "/admin/users", "/admin/settings"] {
        let refused = browser.get(path).await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(refused.headers()[LOCATION]
            .to_str()
            .expect("ascii")
            .starts_with("/admin/login"));
    }
    browser.sign_in("ops", PASSWORD).await;
    let settings = browser
        .get("/admin/settings")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        !settings.contains(ADMIN_TOKEN),
        "the settings page shows a secret"
    );
    let csrf = browser.csrf_of("/admin").await;
    let out = browser.post("/admin/logout", &[("csrf", &csrf)], &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/admin").await.status(), StatusCode::SEE_OTHER);
}

async fn admin_api_tokens_are_scoped_and_revocable(app: TestApp) {
    with_admin(&app, "ops").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ops", PASSWORD).await;
    let reader = browser.create_token("dashboards", "read_only").await;
    let writer = browser.create_token("deploys", "full").await;
    let rule = json!({ "match": { "kind": "exact", "pattern": "hi" }, "reply": { "type": "text", "content": "hello" } });
    assert_eq!(app.rules_call("GET", &reader, None).await["code"], 1);
    assert_failure(
        &app.rules_call("POST", &reader, Some(&rule)).await,
        "forbidden",
    );
    assert_eq!(
        app.rules_call("POST", &writer, Some(&rule)).await["code"],
        1
    );
    assert_eq!(app.rules_call("GET", ADMIN_TOKEN, None).await["code"], 1);

    let tokens_page = browser
        .get("/admin/tokens")
        .await
        .text()
        .await
        .expect("text");
    assert!(!tokens_page.contains(&writer), "a token shown twice");
    // Newest first: the first revoke button is the full token's.
    let revoke_path = form_action(&tokens_page, "/revoke");
    let csrf = field_value(&tokens_page, "csrf");
    let revoked = browser.post(&revoke_path, &[("csrf", &csrf)], &[]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_failure(&app.rules_call("GET", &writer, None).await, "unauthorized");
    assert_eq!(app.rules_call("GET", &reader, None).await["code"], 1);
}

async fn the_pages_find_users_and_count_the_days_activity(app: TestApp) {
    with_admin(&app, "ops").await;
    let token = app.login_as("alice").await;
    let me = app.profile_of(&token).await;
    let openid = me["data"]["openid"].as_str().expect("openid").to_owned();
    let unionid = me["data"]["unionid"].as_str().expect("unionid").to_owned();
    app.login_as("bob").await;
    let queued = app
        .post_as(
            &app.base_url,
            "/admin/api/messages",
            ADMIN_TOKEN,
            json!({ "openid": openid, "reply": { "type": "text", "content": "hello alice" } }),
        )
        .await;
    assert_eq!(queued["code"], 1, "{queued}");

    let mut browser = Browser::new(&app);
    browser.sign_in("ops", PASSWORD).await;
    let everyone = browser
        .get("/admin/users")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(
        everyone.matches("href=\"/admin/users/").count(),
        2,
        "{everyone}"
    );
    for needle in [&openid[..6], &openid, &unionid] {
        let found = browser
            .get(&format!("/admin/users?q={needle}"))
            .await
            .text()
            .await
            .expect("text");
        assert!(found.contains(&openid), "{needle} did not find alice");
        assert_eq!(
            found.matches("href=\"/admin/users/").count(),
            1,
            "{needle}: {found}"
        );
    }
    let nobody = browser
        .get("/admin/users?q=o%25")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        nobody.contains("No user matches."),
        "a % is a character, not a wildcard"
    );

    let inbox = browser
        .get("/admin/messages")
        .await
        .text()
        .await
        .expect("text");
    assert!(inbox.contains(&openid), "{inbox}");
    let user = browser
        .get(&format!("/admin/users/{openid}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(
        user.contains("hello alice") && user.contains("Sessions (1)"),
        "{user}"
    );
    let dashboard = browser.get("/admin").await.text().await.expect("text");
    for expected in [
        "New users: <strong>2</strong>",
        "Logins: <strong>2</strong>",
        "Replies sent or queued: <strong>1</strong>",
    ] {
        assert!(dashboard.contains(expected), "{expected} missing");
    }
}

async fn rules_move_and_pending_replies_are_cancelled_from_the_pages(app: TestApp) {
    with_admin(&app, "ops").await;
    for (name, priority) in [("first", 20), ("second", 10)] {
        let rule = json!({ "name": name, "priority": priority,
            "match": { "kind": "contains", "pattern": name }, "reply": { "type": "text", "content": name } });
        assert_eq!(
            app.rules_call("POST", ADMIN_TOKEN, Some(&rule)).await["code"],
            1
        );
    }
    let order = |rules: &serde_json::Value| -> Vec<String> {
        rules["data"]
            .as_array()
            .expect("rules")
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .filter(|n| n == "first" || n == "second")
            .collect()
    };
    assert_eq!(
        order(&app.rules_call("GET", ADMIN_TOKEN, None).await),
        ["first", "second"]
    );

    let mut browser = Browser::new(&app);
    browser.sign_in("ops", PASSWORD).await;
    let rules_page = browser
        .get("/admin/rules")
        .await
        .text()
        .await
        .expect("text");
    let csrf = field_value(&rules_page, "csrf");
    let second_id = app.rules_call("GET", ADMIN_TOKEN, None).await["data"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["name"] == "second")
        .expect("second")["id"]
        .clone();
    let moved = browser
        .post(
            &format!("/admin/rules/{second_id}/move"),
            &[("csrf", &csrf), ("direction", "up")],
            &[],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        order(&app.rules_call("GET", ADMIN_TOKEN, None).await),
        ["second", "first"]
    );

    // The outbox worker is off in these tests, so a reply stays pending.
    let token = app.login_as("carol").await;
    let me = app.profile_of(&token).await;
    let openid = me["data"]["openid"].as_str().expect("openid").to_owned();
    let reply = browser
        .post(
            &format!("/admin/messages/{openid}"),
            &[("csrf", &csrf), ("text", "waiting reply")],
            &[],
        )
        .await;
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    let outbox = browser
        .get("/admin/outbox")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        outbox.contains("Waiting to be sent") && outbox.contains(&openid),
        "{outbox}"
    );
    let cancel = form_action(&outbox, "/cancel");
    let cancelled = browser.post(&cancel, &[("csrf", &csrf)], &[]).await;
    assert!(cancelled.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .contains("notice="));
    let stats = envelope_of(
        app.http
            .get(format!("{}/admin/api/outbox", app.base_url))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(stats["data"]["pending"], 0, "{stats}");
    let outbox = browser
        .get("/admin/outbox")
        .await
        .text()
        .await
        .expect("text");
    assert!(outbox.contains("Nothing waits to be sent."), "{outbox}");
}

impl TestApp {
    /// `GET /api/me` as the user of `token`.
    async fn profile_of(&self, token: &str) -> serde_json::Value {
        let request = self.http.get(format!("{}/api/me", self.base_url));
        envelope_of(request.bearer_auth(token).send().await.expect("answers")).await
    }

    /// The rules, as the admin API lists them, as text.
    async fn admin_rules(&self) -> String {
        self.rules_call("GET", ADMIN_TOKEN, None).await["data"].to_string()
    }

    /// `GET` or `POST /admin/api/rules` with `token`.
    async fn rules_call(
        &self,
        method: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}/admin/api/rules", self.base_url);
        let request = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(body.expect("a body")),
        };
        envelope_of(request.bearer_auth(token).send().await.expect("answers")).await
    }
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    sign_in_sets_a_strict_http_only_cookie_and_a_strict_csp,
    changes_without_the_session_csrf_token_are_refused,
    repeated_failures_lock_the_account_but_not_another,
    pages_need_a_session_and_sign_out_ends_it,
    admin_api_tokens_are_scoped_and_revocable,
    the_pages_find_users_and_count_the_days_activity,
    rules_move_and_pending_replies_are_cancelled_from_the_pages,
);
