//! Spawns the emulator and a wxbase server for one test, and speaks to them over HTTP.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;
use wxbase_core::codes::CodeSettings;
use wxbase_core::collections::DocumentLimits;
use wxbase_core::config::{BackupSettings, MetricsSettings, RawSettings};
use wxbase_core::files::{FileSettings, ModerationSettings, S3Settings, StorageSettings};
use wxbase_core::{AppCredentials, Config, Store, TokenSettings, WebhookSettings};
use wxbase_emulator::{Emulator, EmulatorConfig, RunningEmulator};

mod requests;

pub use requests::{assert_failure, envelope_of};

use crate::oa_support::OaSetup;
use crate::push_support::{push_layer, PushSetup};
use wxbase_server::{AppState, Application};
use wxbase_store::testing::{Backend, TestDatabase};
use wxbase_wechat::{AppId, Secret};

pub const APP_ID: &str = "wxe2e0000000000001";
pub const APP_SECRET: &str = "e2e-secret-0000000000000000000001";
pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";

/// How to build the app under test.
pub struct Options {
    /// Where wxbase's WeChat client points; `None`: the test's emulator.
    pub wechat_base_url: Option<String>,
    /// The WeChat client's timeout.
    pub wechat_timeout: Duration,
    /// The app secret wxbase is configured with.
    pub app_secret: &'static str,
    /// Extra routes mounted before the middleware (e.g. a panicking one).
    pub extra_routes: Router<AppState>,
    /// `server.body_limit_bytes`.
    pub body_limit_bytes: usize,
    /// How the access_token is managed.
    pub token_settings: TokenSettings,
    /// The mini-program's AppID (the emulator serves it too).
    pub app_id: &'static str,
    /// Message push: `None` leaves it off.
    pub push: Option<PushSetup>,
    /// The official account: `None` leaves it out (of the emulator and of wxbase).
    pub official_account: Option<OaSetup>,
    /// Whether the mini-program is bound to an open-platform account (logins carry a unionid).
    pub unionid_bound: bool,
    /// `files.max_upload_bytes`.
    pub max_upload_bytes: u64,
    /// Keep files in S3 (a fresh bucket of the server at `WXBASE_TEST_S3_ENDPOINT`) rather
    /// than in a local directory.
    pub s3: bool,
    /// `[wxacode]`: who may make codes.
    pub wxacode: CodeSettings,
    /// `[webhooks]`: by default [`test_webhooks`].
    pub webhooks: WebhookSettings,
    /// `[metrics]`: off unless a test turns it on.
    pub metrics: MetricsSettings,
    /// `[backup]`: scheduled backups, off unless a test turns them on.
    pub backup: Option<BackupSettings>,
    /// `files.moderation_timeout_seconds`.
    pub moderation_timeout: Duration,
    /// `files.moderation_allow_http` (on, as with `serve --dev`, unless a test turns it off).
    pub moderation_allow_http: bool,
}

/// Webhook settings for tests: receivers on 127.0.0.1 over http, retries and polls in
/// milliseconds.
pub fn test_webhooks() -> WebhookSettings {
    WebhookSettings {
        allow_private: true,
        timeout: Duration::from_secs(2),
        retry_schedule: vec![Duration::from_millis(20); 5],
        poll: Duration::from_millis(20),
        ..WebhookSettings::default()
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            wechat_base_url: None,
            wechat_timeout: Duration::from_secs(5),
            app_secret: APP_SECRET,
            extra_routes: Router::new(),
            body_limit_bytes: 64 * 1024,
            token_settings: TokenSettings {
                busy_backoff: Duration::from_millis(10),
                ..TokenSettings::default()
            },
            app_id: APP_ID,
            push: None,
            official_account: None,
            unionid_bound: true,
            max_upload_bytes: 256 * 1024,
            s3: false,
            wxacode: CodeSettings::default(),
            webhooks: test_webhooks(),
            metrics: MetricsSettings::default(),
            backup: None,
            moderation_timeout: Duration::from_secs(3600),
            moderation_allow_http: true,
        }
    }
}

/// A running emulator and wxbase server over a fresh database.
pub struct TestApp {
    pub base_url: String,
    /// Where wxbase's WeChat client points.
    pub wechat_base_url: String,
    pub wechat_timeout: Duration,
    pub token_settings: TokenSettings,
    pub emulator_url: String,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    pub app_id: &'static str,
    pub push: Option<PushSetup>,
    pub official_account: Option<OaSetup>,
    pub server: JoinHandle<()>,
    /// Where this app's file bytes are kept.
    pub files_dir: tempfile::TempDir,
    /// `[files]` of its instances.
    pub files: FileSettings,
    /// `[webhooks]` of its instances.
    pub webhooks: WebhookSettings,
    /// The separate metrics listener's URL, when `metrics.listen` is set.
    pub metrics_url: Option<String>,
    /// `server.data_dir` of its instances (backups go under it).
    pub data_dir: tempfile::TempDir,
    _emulator: RunningEmulator,
}

/// The key the test instances sign file URLs with.
pub const URL_KEY: &str = "e2e-url-signing-key-0123456789abcdef";

impl TestApp {
    /// The app with default options; `None` when the backend is unavailable and not required.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: Options) -> Option<Self> {
        let db = TestDatabase::new(backend).await?;
        let mut emulator_config = EmulatorConfig::single_app(options.app_id, APP_SECRET);
        for app in &mut emulator_config.apps {
            app.unionid_bound = options.unionid_bound;
        }
        if let Some(oa) = &options.official_account {
            emulator_config = oa.emulator_config(emulator_config);
        }
        let emulator_handle = Emulator::new(emulator_config);
        let emulator = emulator_handle
            .spawn("127.0.0.1:0".parse().expect("address"))
            .await
            .expect("emulator starts");
        let files_dir = tempfile::tempdir().expect("a temporary directory");
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let storage = if options.s3 {
            test_s3_bucket().await?
        } else {
            StorageSettings::Local(files_dir.path().to_owned())
        };
        let files = FileSettings {
            storage,
            max_upload_bytes: options.max_upload_bytes,
            url_signing_key: Some(Secret::new(URL_KEY)),
            // As `serve --dev`: the emulator downloads files to check from the instance, over
            // http.
            moderation: ModerationSettings {
                allow_http: options.moderation_allow_http,
                timeout: options.moderation_timeout,
                ..ModerationSettings::default()
            },
            ..FileSettings::default()
        };
        let wechat_base_url = options
            .wechat_base_url
            .unwrap_or_else(|| emulator.base_url());
        let (base_url, server, metrics_url) = serve(
            db.store.clone(),
            Instance {
                app_id: options.app_id,
                app_secret: options.app_secret,
                wechat_base_url: wechat_base_url.clone(),
                wechat_timeout: options.wechat_timeout,
                token_settings: options.token_settings.clone(),
                body_limit_bytes: options.body_limit_bytes,
                extra_routes: options.extra_routes,
                push: options.push.as_ref(),
                official_account: options.official_account.as_ref(),
                files: &files,
                wxacode: options.wxacode,
                webhooks: &options.webhooks,
                data_dir: data_dir.path(),
                metrics: options.metrics.clone(),
                backup: options.backup,
            },
        )
        .await;
        if let Some(push) = &options.push {
            emulator_handle.set_push_target(push.emulator_target(&base_url));
        }
        if let Some(oa) = &options.official_account {
            emulator_handle.set_official_account_push_target(oa.emulator_target(&base_url));
        }
        Some(Self {
            base_url,
            wechat_base_url,
            wechat_timeout: options.wechat_timeout,
            token_settings: options.token_settings,
            emulator_url: emulator.base_url(),
            http: reqwest::Client::new(),
            db,
            app_id: options.app_id,
            push: options.push,
            official_account: options.official_account,
            server,
            files_dir,
            files,
            webhooks: options.webhooks,
            metrics_url,
            data_dir,
            _emulator: emulator,
        })
    }

    /// Starts another wxbase instance on the same database and emulator; returns its URL.
    pub async fn second_instance(&self) -> String {
        self.instance_with(self.push.as_ref()).await.0
    }

    /// Starts another wxbase instance on the same database and emulator with its own push
    /// setup; returns its URL and task.
    pub async fn instance_with(&self, push: Option<&PushSetup>) -> (String, JoinHandle<()>) {
        self.instance_with_webhooks(push, &self.webhooks).await
    }

    /// Starts another wxbase instance on the same database and emulator with its own push and
    /// webhook settings; returns its URL and task.
    pub async fn instance_with_webhooks(
        &self,
        push: Option<&PushSetup>,
        webhooks: &WebhookSettings,
    ) -> (String, JoinHandle<()>) {
        let store = self.db.connect_again().await;
        let (url, task, _) = serve(
            store,
            Instance {
                app_id: self.app_id,
                app_secret: APP_SECRET,
                wechat_base_url: self.wechat_base_url.clone(),
                wechat_timeout: self.wechat_timeout,
                token_settings: self.token_settings.clone(),
                body_limit_bytes: 64 * 1024,
                extra_routes: Router::new(),
                push,
                official_account: self.official_account.as_ref(),
                files: &self.files,
                wxacode: CodeSettings::default(),
                webhooks,
                data_dir: self.data_dir.path(),
                metrics: MetricsSettings::default(),
                backup: None,
            },
        )
        .await;
        (url, task)
    }
}

/// A fresh bucket on the S3 server at `WXBASE_TEST_S3_ENDPOINT` (`scripts/s3-server` starts
/// one; `scripts/test` sets it). Without it the S3 tests skip, unless `WXBASE_REQUIRE_S3` is
/// set, which makes them fail.
async fn test_s3_bucket() -> Option<StorageSettings> {
    let Some(endpoint) = std::env::var("WXBASE_TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    else {
        assert!(
            !std::env::var("WXBASE_REQUIRE_S3").is_ok_and(|v| v == "1"),
            "WXBASE_REQUIRE_S3=1 but WXBASE_TEST_S3_ENDPOINT is not set: run scripts/s3-server"
        );
        eprintln!("skipped: no S3 server (set WXBASE_TEST_S3_ENDPOINT, see scripts/s3-server)");
        return None;
    };
    let bucket = format!("wxbase-test-{:016x}", rand::random::<u64>());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("the S3 server at {endpoint} does not answer: {e}"));
    assert!(
        created.status().is_success(),
        "cannot create bucket {bucket}"
    );
    Some(StorageSettings::S3(S3Settings {
        endpoint: Some(endpoint),
        bucket,
        region: "us-east-1".to_owned(),
        access_key_id: Some("testing".to_owned()),
        secret_access_key: Some(Secret::new("testing")),
        path_style: true,
    }))
}

/// How to build one wxbase instance.
struct Instance<'a> {
    app_id: &'static str,
    app_secret: &'a str,
    wechat_base_url: String,
    wechat_timeout: Duration,
    token_settings: TokenSettings,
    body_limit_bytes: usize,
    extra_routes: Router<AppState>,
    push: Option<&'a PushSetup>,
    official_account: Option<&'a OaSetup>,
    files: &'a FileSettings,
    wxacode: CodeSettings,
    webhooks: &'a WebhookSettings,
    data_dir: &'a std::path::Path,
    metrics: MetricsSettings,
    backup: Option<BackupSettings>,
}

impl Instance<'_> {
    /// The configuration `wxbase serve` would parse for this instance, listening on a free
    /// port of 127.0.0.1.
    fn config(&self) -> Config {
        let mut config = RawSettings::default().parse().expect("the defaults parse");
        config.listen = "127.0.0.1:0".parse().expect("address");
        config.app = Some(AppCredentials {
            app_id: AppId::parse(self.app_id).expect("appid"),
            app_secret: Secret::new(self.app_secret),
        });
        config.wechat_api_base_url = self.wechat_base_url.clone();
        config.wechat_timeout = self.wechat_timeout;
        config.token = self.token_settings.clone();
        config.session_ttl = Duration::from_secs(3600);
        config.admin_token = Some(Secret::new(ADMIN_TOKEN));
        config.body_limit_bytes = self.body_limit_bytes;
        // Small document limits, so tests reach them below the body limit.
        config.collections = DocumentLimits {
            max_bytes: 16 * 1024,
            max_depth: 8,
        };
        config.push.max_body_bytes = 16 * 1024;
        config.push.worker = false;
        if let Some(push) = self.push {
            config.push = push.settings();
        }
        config.official_account = self.official_account.map(OaSetup::settings);
        config.files = self.files.clone();
        config.wxacode = self.wxacode;
        config.webhooks = self.webhooks.clone();
        config.metrics = self.metrics.clone();
        config.data_dir = self.data_dir.to_owned();
        if let Some(backup) = self.backup {
            config.backup = backup;
        }
        config
    }
}

/// Serves wxbase over `store` on a free port, built by `Application::build` as `wxbase serve`
/// builds it; returns its base URL, the task serving it (abort it to kill the instance
/// and its background tasks) and its separate metrics URL if any.
async fn serve(
    store: Arc<dyn Store>,
    instance: Instance<'_>,
) -> (String, JoinHandle<()>, Option<String>) {
    let mut app = Application::build(&instance.config(), store)
        .await
        .expect("wxbase builds")
        .with_routes(instance.extra_routes);
    if let Some(push) = instance.push {
        app = push_layer(app, push);
    }
    let base_url = format!("http://{}", app.local_addr());
    let metrics_url = app.metrics_addr().map(|addr| format!("http://{addr}"));
    let task = tokio::spawn(async move {
        let _ = app.run_until(std::future::pending()).await;
    });
    (base_url, task, metrics_url)
}
