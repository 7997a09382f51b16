//! The console's management pages, on both backends, through HTTP with the session cookie and
//! the CSRF token as a browser sends them: subscribe messages, webhooks, codes and links,
//! buckets and files, admin accounts, backups, and WeChat's API errors on the dashboard. Each page
//! renders, its forms do what they say, and a bad input shows an error and changes nothing.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use reqwest::header::LOCATION;
use reqwest::{Method, Response, StatusCode};
use serde_json::json;
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;

use crate::console::{form_action, with_admin, Browser, PASSWORD};
use crate::helpers::{Options, TestApp, ADMIN_TOKEN};
use crate::push_support::PushSetup;

/// The emulator's one-time template: `character_string1`, `thing2`, `time3`.
const SHIPPED: &str = "tmplOrderShipped000000001";

/// How long a test waits for something to happen.
struct Deadline {
    at: Instant,
    what: &'static str,
}

impl Deadline {
    /// 20 seconds to see `what`.
    fn new(what: &'static str) -> Self {
        Self {
            at: Instant::now() + Duration::from_secs(20),
            what,
        }
    }

    /// Fails the test once the time is up, else waits a little before the next look.
    async fn wait(&self) {
        assert!(
            Instant::now() < self.at,
            "timed out waiting for {}",
            self.what
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Owned form fields as `Browser::post` takes them.
fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn text(response: Response) -> String {
    response.text().await.expect("text")
}

/// Where a 303 leads.
fn location(response: &Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a redirect");
    response.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// A signed-in browser of `app` and the session's CSRF token.
async fn signed_in(app: &TestApp) -> (Browser<'_>, String) {
    with_admin(app, "ops").await;
    let mut browser = Browser::new(app);
    browser.sign_in("ops", PASSWORD).await;
    let csrf = browser.csrf_of("/admin").await;
    (browser, csrf)
}

/// An HTTP endpoint on 127.0.0.1 that answers 204 and keeps what it is sent.
struct Hook {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
}

impl Hook {
    async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        let router = Router::new().route(
            "/hook",
            post(move |body: String| {
                let kept = kept.clone();
                async move {
                    kept.lock().expect("lock").push(body);
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address: SocketAddr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{address}/hook"),
            received,
        }
    }

    fn types(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter_map(|body| serde_json::from_str::<serde_json::Value>(body).ok())
            .filter_map(|event| event["type"].as_str().map(str::to_owned))
            .collect()
    }
}

impl TestApp {
    /// `method path` with the admin token; the envelope.
    async fn admin_api(&self, method: Method, path: &str) -> serde_json::Value {
        self.request(method, path, ADMIN_TOKEN, None).await
    }
}

async fn a_webhook_endpoint_is_managed_and_its_deliveries_retried_from_the_console(app: TestApp) {
    let hook = Hook::start().await;
    let (mut browser, csrf) = signed_in(&app).await;
    let empty = text(browser.get("/admin/webhooks").await).await;
    assert!(empty.contains("No webhook endpoint yet."), "{empty}");

    let refused = browser
        .post(
            "/admin/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "not a url"),
                ("events", "user.login"),
                ("enabled", "on"),
            ],
            &[],
        )
        .await;
    let back = text(browser.get(&location(&refused)).await).await;
    assert!(back.contains("class=\"error\""), "{back}");
    let none = app.admin_api(Method::GET, "/admin/api/webhooks").await;
    assert_eq!(none["data"], json!([]), "a refused endpoint is not created");

    let created = text(
        browser
            .post(
                "/admin/webhooks",
                &[
                    ("csrf", &csrf),
                    ("url", &hook.url),
                    ("description", "logins"),
                    ("events", "user.login"),
                    ("events", "user.created"),
                    ("enabled", "on"),
                ],
                &[],
            )
            .await,
    )
    .await;
    let marker = "id=\"new-secret\">";
    let start = created.find(marker).expect("the secret, shown once") + marker.len();
    assert!(created[start..].starts_with("whsec_"), "{created}");
    let endpoints = app.admin_api(Method::GET, "/admin/api/webhooks").await;
    let id = endpoints["data"][0]["id"].as_i64().expect("an endpoint");
    assert_eq!(
        endpoints["data"][0]["events"],
        json!(["user.created", "user.login"])
    );
    let page_path = format!("/admin/webhooks/{id}");
    let page = text(browser.get(&page_path).await).await;
    assert!(!page.contains("whsec_"), "the secret is not shown again");
    assert!(page.contains("No delivery yet."), "{page}");

    let pinged = text(
        browser
            .post(&format!("{page_path}/test"), &[("csrf", &csrf)], &[])
            .await,
    )
    .await;
    assert!(
        pinged.contains("The endpoint accepted the ping."),
        "{pinged}"
    );
    assert!(hook.types().contains(&"ping".to_owned()));

    app.login_as("alice").await;
    let deadline = Deadline::new("the deliveries of alice's first login");
    let delivered = loop {
        let page = text(browser.get(&page_path).await).await;
        if page.matches(">Delivered<").count() == 2 {
            break page;
        }
        deadline.wait().await;
    };
    assert!(delivered.contains("user.login"), "{delivered}");
    let retry = form_action(&delivered, "/retry");
    let retried = browser.post(&retry, &[("csrf", &csrf)], &[]).await;
    assert!(location(&retried).contains("notice="));
    let deadline = Deadline::new("the delivery sent again");
    // The ping, the two events, and one of them again.
    while hook.types().len() < 4 {
        deadline.wait().await;
    }

    let saved = browser
        .post(
            &page_path,
            &[
                ("csrf", &csrf),
                ("url", &hook.url),
                ("events", "user.login"),
                ("description", "only logins"),
            ],
            &[],
        )
        .await;
    assert!(location(&saved).contains("notice="));
    let changed = app
        .admin_api(Method::GET, &format!("/admin/api/webhooks/{id}"))
        .await;
    assert_eq!(changed["data"]["enabled"], false, "{changed}");
    assert_eq!(changed["data"]["description"], "only logins");

    let rotated = text(
        browser
            .post(&format!("{page_path}/rotate"), &[("csrf", &csrf)], &[])
            .await,
    )
    .await;
    assert!(rotated.contains("id=\"new-secret\">whsec_"), "{rotated}");

    let deleted = browser
        .post(&format!("{page_path}/delete"), &[("csrf", &csrf)], &[])
        .await;
    assert!(location(&deleted).starts_with("/admin/webhooks?notice="));
    let none = app.admin_api(Method::GET, "/admin/api/webhooks").await;
    assert_eq!(none["data"], json!([]));
}

async fn spawn_with_push(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        Options {
            // Without the outbox worker queued messages stay pending, to be counted.
            push: Some(PushSetup::new(PushMode::Safe, PushFormat::Json).with_worker(false)),
            ..Options::default()
        },
    )
    .await
}

impl TestApp {
    /// The user accepts `template` in `wx.requestSubscribeMessage`; their openid.
    async fn accepts_template(&self, user: &str, template: &str) -> String {
        let answer = self
            .emulator(
                "/__emulator/subscribe/grant",
                json!({ "user": user, "templateIds": [template] }),
            )
            .await;
        assert_eq!(answer["push"]["delivered"], true, "{answer}");
        answer["openid"].as_str().expect("an openid").to_owned()
    }

    /// How many messages the outbox holds, every state.
    async fn outbox_total(&self) -> serde_json::Value {
        self.admin_api(Method::GET, "/admin/api/outbox").await["data"].clone()
    }
}

async fn subscribe_messages_and_campaigns_are_sent_from_the_console(app: TestApp) {
    let (mut browser, csrf) = signed_in(&app).await;
    let templates = text(browser.get("/admin/subscriptions").await).await;
    assert!(templates.contains(SHIPPED), "{templates}");
    let picked = text(
        browser
            .get(&format!("/admin/subscriptions?template={SHIPPED}"))
            .await,
    )
    .await;
    for keyword in ["character_string1", "thing2", "time3"] {
        assert!(
            picked.contains(&format!("name=\"data.{keyword}\"")),
            "{keyword}"
        );
    }
    let data = [
        ("data.character_string1", "SF1234567"),
        ("data.thing2", "新品"),
        ("data.time3", "2024-10-01 15:01"),
    ];
    let form = |extra: &[(&'static str, &str)]| -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("template".into(), SHIPPED.into()),
        ];
        fields.extend(data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        fields.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        fields
    };

    let stranger = app.emulator_user("stranger").await["openid"]
        .as_str()
        .expect("an openid")
        .to_owned();
    let before = app.outbox_total().await;
    let no_grant = form(&[("openid", &stranger)]);
    let refused = browser
        .post("/admin/subscriptions/send", &pairs(&no_grant), &[])
        .await;
    let back = text(browser.get(&location(&refused)).await).await;
    assert!(back.contains("holds no grant"), "{back}");
    assert_eq!(app.outbox_total().await, before, "nothing was queued");

    let fan = app.accepts_template("fan", SHIPPED).await;
    let one = form(&[("openid", &fan)]);
    let sent = browser
        .post("/admin/subscriptions/send", &pairs(&one), &[])
        .await;
    assert!(location(&sent).contains("notice="), "queued");
    assert_eq!(app.outbox_total().await["pending"], 1);

    app.accepts_template("second-fan", SHIPPED).await;
    let mut bad_data = form(&[("audience", "granted")]);
    bad_data.retain(|(k, _)| k != "data.thing2");
    let refused = browser
        .post("/admin/subscriptions/campaigns", &pairs(&bad_data), &[])
        .await;
    let back = text(browser.get(&location(&refused)).await).await;
    assert!(
        back.contains("thing2"),
        "the error names the missing keyword: {back}"
    );
    assert_eq!(app.outbox_total().await["pending"], 1, "no campaign queued");

    let listed = format!("{fan}\n{stranger}");
    let campaign = form(&[("audience", "openids"), ("openids", listed.as_str())]);
    let created = browser
        .post("/admin/subscriptions/campaigns", &pairs(&campaign), &[])
        .await;
    let counts_path = location(&created);
    assert!(
        counts_path.starts_with("/admin/subscriptions/campaigns/"),
        "{counts_path}"
    );
    let counts = text(browser.get(&counts_path).await).await;
    // The fan's one-time grant went with the single message; the stranger never had one.
    assert!(counts.contains("id=\"count-queued\">0<"), "{counts}");
    assert!(counts.contains("id=\"count-without-grant\">2<"), "{counts}");

    let everyone = form(&[("audience", "granted")]);
    let created = browser
        .post("/admin/subscriptions/campaigns", &pairs(&everyone), &[])
        .await;
    let counts = text(browser.get(&location(&created)).await).await;
    assert!(
        counts.contains("id=\"count-queued\">1<"),
        "only second-fan holds a grant still: {counts}"
    );
    let missing = text(browser.get("/admin/subscriptions/campaigns/999999").await).await;
    assert!(missing.contains("no campaign with id 999999"), "{missing}");
}

async fn codes_and_links_are_made_from_the_console(app: TestApp) {
    let (mut browser, csrf) = signed_in(&app).await;
    let page = text(browser.get("/admin/codes").await).await;
    assert!(page.contains("action=\"/admin/codes/code\""), "{page}");

    let refused = text(
        browser
            .post(
                "/admin/codes/code",
                &[("csrf", &csrf), ("scene", "id=1"), ("width", "wide")],
                &[],
            )
            .await,
    )
    .await;
    assert!(refused.contains("class=\"error\""), "{refused}");
    let made = text(
        browser
            .post(
                "/admin/codes/code",
                &[
                    ("csrf", &csrf),
                    ("scene", "id=1"),
                    ("page", "pages/index/index"),
                    ("env_version", "release"),
                    ("check_path", "on"),
                ],
                &[],
            )
            .await,
    )
    .await;
    assert!(made.contains("The code was made"), "{made}");
    let marker = "<img class=\"code\" src=\"";
    let start = made.find(marker).expect("the image") + marker.len();
    let src = made[start..]
        .split('"')
        .next()
        .expect("src")
        .replace("&amp;", "&");
    let image = browser.get(&src).await;
    assert_eq!(image.headers()["content-type"], "image/png");
    let again = text(
        browser
            .post(
                "/admin/codes/code",
                &[
                    ("csrf", &csrf),
                    ("scene", "id=1"),
                    ("page", "pages/index/index"),
                    ("env_version", "release"),
                    ("check_path", "on"),
                ],
                &[],
            )
            .await,
    )
    .await;
    assert!(again.contains("it is reused"), "{again}");

    let link = text(
        browser
            .post(
                "/admin/codes/link",
                &[
                    ("csrf", &csrf),
                    ("kind", "url_link"),
                    ("path", "pages/index/index"),
                    ("query", "a=1"),
                    ("days", "7"),
                ],
                &[],
            )
            .await,
    )
    .await;
    assert!(link.contains("id=\"new-link\">https://"), "{link}");
    let scheme = text(
        browser
            .post(
                "/admin/codes/link",
                &[("csrf", &csrf), ("kind", "scheme"), ("days", "7")],
                &[],
            )
            .await,
    )
    .await;
    assert!(scheme.contains("id=\"new-link\">weixin://"), "{scheme}");
    let too_long = text(
        browser
            .post(
                "/admin/codes/link",
                &[("csrf", &csrf), ("kind", "scheme"), ("days", "31")],
                &[],
            )
            .await,
    )
    .await;
    assert!(
        too_long.contains("class=\"error\"") && !too_long.contains("new-link"),
        "{too_long}"
    );
}

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(1, 1)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("a PNG");
    bytes.into_inner()
}

/// A multipart upload of a PNG into `bucket`, the CSRF token in the address as the form
/// sends it.
async fn upload(browser: &Browser<'_>, bucket: &str, csrf: Option<&str>) -> Response {
    let form = reqwest::multipart::Form::new()
        .text("bucket", bucket.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(png())
                .file_name("pixel.png")
                .mime_str("image/png")
                .expect("a type"),
        );
    let query = csrf.map(|c| format!("?csrf={c}")).unwrap_or_default();
    browser
        .http
        .post(format!(
            "{}/admin/files/{bucket}/upload{query}",
            browser.app.base_url
        ))
        .header("cookie", browser.cookie_header())
        .multipart(form)
        .send()
        .await
        .expect("answers")
}

async fn buckets_and_files_are_managed_from_the_console(app: TestApp) {
    let (mut browser, csrf) = signed_in(&app).await;
    let refused = browser
        .post(
            "/admin/files",
            &[
                ("csrf", &csrf),
                ("name", "docs"),
                ("permission", "everyone"),
                ("max_bytes", ""),
            ],
            &[],
        )
        .await;
    assert!(location(&refused).contains("error="));
    let refused = browser
        .post(
            "/admin/files",
            &[
                ("csrf", &csrf),
                ("name", "docs"),
                ("permission", "own_only"),
                ("max_bytes", "lots"),
            ],
            &[],
        )
        .await;
    assert!(location(&refused).contains("error="));
    let none = app.admin_api(Method::GET, "/admin/api/buckets/docs").await;
    assert_ne!(none["code"], 1, "a refused bucket is not created: {none}");

    let created = browser
        .post(
            "/admin/files",
            &[
                ("csrf", &csrf),
                ("name", "docs"),
                ("permission", "own_only"),
                ("max_bytes", "1000"),
                ("types", "image/*, application/pdf"),
            ],
            &[],
        )
        .await;
    assert_eq!(
        location(&created),
        "/admin/files/docs?notice=files.bucket_created"
    );
    let bucket = app.admin_api(Method::GET, "/admin/api/buckets/docs").await;
    assert_eq!(bucket["data"]["maxBytes"], 1000, "{bucket}");
    assert_eq!(
        bucket["data"]["types"],
        json!(["image/*", "application/pdf"])
    );

    let page = text(browser.get("/admin/files/docs").await).await;
    assert!(page.contains("No file in this bucket."), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    let forged = upload(&browser, "docs", None).await;
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "an upload needs the CSRF token"
    );
    let uploaded = upload(&browser, "docs", Some(&csrf)).await;
    let uploaded = location(&uploaded);
    assert!(
        uploaded.contains("notice=files.uploaded_notice"),
        "{uploaded}"
    );
    let page = text(browser.get("/admin/files/docs").await).await;
    assert!(page.contains("pixel.png"), "{page}");

    let changed = browser
        .post(
            "/admin/files/docs/settings",
            &[
                ("csrf", &csrf),
                ("permission", "admin_only"),
                ("max_bytes", ""),
                ("types", ""),
            ],
            &[],
        )
        .await;
    assert!(location(&changed).contains("notice="));
    let bucket = app.admin_api(Method::GET, "/admin/api/buckets/docs").await;
    assert_eq!(bucket["data"]["permission"], "admin_only", "{bucket}");
    assert_eq!(bucket["data"]["maxBytes"], serde_json::Value::Null);
    let bad_change = browser
        .post(
            "/admin/files/docs/settings",
            &[
                ("csrf", &csrf),
                ("permission", "admin_only"),
                ("max_bytes", "-5"),
            ],
            &[],
        )
        .await;
    assert!(location(&bad_change).contains("error="));

    let delete = form_action(&page, "/delete");
    assert!(
        delete.contains("/files/"),
        "the file's delete comes first: {delete}"
    );
    let deleted = browser.post(&delete, &[("csrf", &csrf)], &[]).await;
    assert!(location(&deleted).contains("notice=files.deleted"));
    let page = text(browser.get("/admin/files/docs").await).await;
    assert!(page.contains("No file in this bucket."), "{page}");
}

async fn admins_are_managed_from_the_console(app: TestApp) {
    let (mut browser, csrf) = signed_in(&app).await;
    let page = text(browser.get("/admin/admins").await).await;
    assert!(page.contains("ops") && page.contains("(you)"), "{page}");

    let differ = browser
        .post(
            "/admin/admins",
            &[
                ("csrf", &csrf),
                ("username", "night-shift"),
                ("password", "first-password-1"),
                ("again", "other-password-1"),
            ],
            &[],
        )
        .await;
    assert!(location(&differ).contains("error="));
    let short = browser
        .post(
            "/admin/admins",
            &[
                ("csrf", &csrf),
                ("username", "night-shift"),
                ("password", "short"),
                ("again", "short"),
            ],
            &[],
        )
        .await;
    assert!(location(&short).contains("error="));
    let page = text(browser.get("/admin/admins").await).await;
    assert!(!page.contains("night-shift"), "nothing was created: {page}");

    let created = browser
        .post(
            "/admin/admins",
            &[
                ("csrf", &csrf),
                ("username", "night-shift"),
                ("password", "first-password-1"),
                ("again", "first-password-1"),
            ],
            &[],
        )
        .await;
    assert!(location(&created).contains("notice="));
    let mut night = Browser::new(&app);
    let signed = night.sign_in("night-shift", "first-password-1").await;
    assert_eq!(location(&signed), "/admin");

    let changed = browser
        .post(
            "/admin/admins/night-shift/password",
            &[
                ("csrf", &csrf),
                ("password", "second-password-2"),
                ("again", "second-password-2"),
            ],
            &[],
        )
        .await;
    assert!(location(&changed).contains("notice="));
    let ended = night.get("/admin").await;
    assert!(
        location(&ended).starts_with("/admin/login"),
        "their session ended"
    );
    let mut again = Browser::new(&app);
    assert_eq!(
        location(&again.sign_in("night-shift", "second-password-2").await),
        "/admin"
    );

    let myself = browser
        .post("/admin/admins/ops/delete", &[("csrf", &csrf)], &[])
        .await;
    assert!(location(&myself).contains("error="));
    let page = text(browser.get("/admin/admins").await).await;
    assert!(page.contains("ops"), "{page}");
    let deleted = browser
        .post("/admin/admins/night-shift/delete", &[("csrf", &csrf)], &[])
        .await;
    assert!(location(&deleted).contains("notice="));
    let page = text(browser.get("/admin/admins").await).await;
    assert!(!page.contains("night-shift"), "{page}");
}

async fn backups_are_made_and_listed_from_the_console(app: TestApp) {
    let (mut browser, csrf) = signed_in(&app).await;
    let page = text(browser.get("/admin/backups").await).await;
    assert!(page.contains("No backup yet."), "{page}");

    let forged = browser.post("/admin/backups", &[], &[]).await;
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a backup needs the CSRF token"
    );
    let made = location(
        &browser
            .post("/admin/backups", &[("csrf", &csrf)], &[])
            .await,
    );
    let page = text(browser.get("/admin/backups").await).await;
    if !app.db.url.starts_with("sqlite") {
        assert!(made.contains("error="), "{made}");
        assert!(
            page.contains("pg_dump"),
            "PostgreSQL points to pg_dump: {page}"
        );
        assert!(page.contains("No backup yet."), "{page}");
    } else {
        assert!(made.contains("notice="), "{made}");
        assert!(!page.contains("No backup yet."), "{page}");
        let listed = app.admin("GET", "/admin/api/backups", None).await;
        let name = listed["data"][0]["name"].as_str().expect("one backup");
        assert!(page.contains(name), "the page lists {name}: {page}");
    }
}

async fn the_dashboard_shows_wechat_errors_of_every_instance(app: TestApp) {
    let (mut browser, _) = signed_in(&app).await;
    let quiet = text(browser.get("/admin").await).await;
    assert!(
        quiet.contains("No WeChat API call failed in the last hour."),
        "{quiet}"
    );

    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": "/sns/jscode2session", "errcode": 40029, "times": 2 }),
    )
    .await;
    for user in ["alice", "bob"] {
        let code = app.login_code(user).await;
        let refused = app.login(&code).await;
        assert_ne!(refused["code"], 1, "{refused}");
    }
    let here = text(browser.get("/admin").await).await;
    let row = "<td><code>40029</code></td><td><code>/sns/jscode2session</code></td><td>2</td>";
    assert!(here.contains(row), "{here}");

    // Another instance sees them once they are written to the database.
    let other = app.second_instance().await;
    let cookie = browser.cookie_header();
    let deadline = Deadline::new("the errors on another instance");
    while !browser_get(&app, &other, &cookie).await.contains(row) {
        deadline.wait().await;
    }
}

/// The page at `base` + `/admin` with the session cookie `cookie`.
async fn browser_get(app: &TestApp, base: &str, cookie: &str) -> String {
    let response = app
        .http
        .get(format!("{base}/admin"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("answers");
    text(response).await
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    a_webhook_endpoint_is_managed_and_its_deliveries_retried_from_the_console,
    codes_and_links_are_made_from_the_console,
    buckets_and_files_are_managed_from_the_console,
    admins_are_managed_from_the_console,
    backups_are_made_and_listed_from_the_console,
    the_dashboard_shows_wechat_errors_of_every_instance,
);

mod with_push {
    use super::*;

    wxbase_store::on_both_backends!(
        setup = spawn_with_push;
        subscribe_messages_and_campaigns_are_sent_from_the_console,
    );
}
