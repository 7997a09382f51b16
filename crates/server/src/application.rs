//! The composition root: one wxbase instance built from its [`Config`] and a [`Store`].
//!
//! [`Application::build`] makes every service once (the access_token manager, login,
//! open data, messages, collections, the official account), binds the listener and
//! seeds the configured auto-reply rules. [`Application::run_until_stopped`] serves and runs
//! the background tasks (the outbox worker, the periodic follower sync, the expired-session
//! purge, the sweep of orphaned file bytes, the moderation upkeep, the webhook delivery worker,
//! scheduled backups, the metrics listener) until Ctrl-C or SIGTERM, then stops them. The CLI and the end-to-end tests build
//! wxbase this way, and so can a Rust service that embeds it (`examples/custom_route.rs`).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::Route;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::{Layer, Service};
use wxbase_core::backup::BackupService;
use wxbase_core::codes::CodeService;
use wxbase_core::console::{BothObservers, WechatErrorLog};
use wxbase_core::files::{FileSettings, MediaChecker};
use wxbase_core::messages::MessageError;
use wxbase_core::security::TextSecurity;
use wxbase_core::{
    AuthService, CollectionService, Config, ConsoleService, FileService, MessageService,
    OfficialAccountService, OpenDataService, Store, SubscriptionService, TokenManager,
    WebhookError, WebhookService,
};
use wxbase_wechat::ClientBuildError;

use crate::app::{api_router, with_middleware, AppState, OfficialAccount, PushEndpoint};
use crate::console::Console;
use crate::housekeeping::{purge_console, purge_expired_sessions};
use crate::metrics::Telemetry;
use crate::shutdown;

/// How often file bytes that no row names are looked for.
const FILE_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// How often an instance rereads which event types webhook endpoints take (endpoint changes
/// made on other instances reach its logins within this).
const WEBHOOK_INTEREST_REFRESH: Duration = Duration::from_secs(5);

/// How often expired sessions are deleted.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Why an instance could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// No mini-program is configured.
    #[error(
        "wechat.app_id and wechat.app_secret are not set: set WXBASE_APP_ID and \
         WXBASE_APP_SECRET (or the [wechat] section of the config file), or run \
         `wxbase serve --dev` to use the WeChat emulator"
    )]
    MissingApp,
    /// `wechat.api_base_url` or the HTTP client is unusable.
    #[error("cannot build the WeChat HTTP client")]
    WechatClient(#[source] ClientBuildError),
    /// The configured auto-reply rules could not be written.
    #[error("cannot seed the auto-reply rules ([[push.rules]])")]
    SeedRules(#[source] MessageError),
    /// The webhook HTTP client could not be built.
    #[error("cannot build the webhook HTTP client")]
    WebhookClient(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The configured webhook endpoints could not be written.
    #[error("cannot sync the webhook endpoints ([[webhooks.endpoints]])")]
    SyncWebhooks(#[source] WebhookError),
    /// File storage or the URL key could not be opened.
    #[error("cannot open file storage ([files])")]
    Files(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The metrics address is taken or not ours.
    #[error("cannot listen on {addr} (metrics.listen)")]
    BindMetrics {
        /// `metrics.listen`.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr} (server.listen)")]
    Bind {
        /// `server.listen`.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// One wxbase instance: its services, its routes and its bound listener.
pub struct Application {
    state: AppState,
    routes: Router<AppState>,
    listener: TcpListener,
    addr: SocketAddr,
    body_limit_bytes: usize,
    outbox_worker: bool,
    backup_interval: Option<Duration>,
    /// The separate `metrics.listen` listener, when set.
    metrics_listener: Option<(TcpListener, SocketAddr)>,
}

impl Application {
    /// Builds every service of `config` over `store`, seeds the configured auto-reply rules
    /// and binds `server.listen` (port 0 picks a free port; see [`Application::port`]).
    pub async fn build(config: &Config, store: Arc<dyn Store>) -> Result<Self, BuildError> {
        let bind_error = |source| BuildError::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let state = services(config, store, addr)?;
        state
            .messages
            .seed_rules(&config.push.rules, None)
            .await
            .map_err(BuildError::SeedRules)?;
        state
            .webhooks
            .sync_configured(&config.webhooks.endpoints)
            .await
            .map_err(BuildError::SyncWebhooks)?;
        let metrics_listener = match config.metrics.listen {
            Some(metrics_addr) => {
                let bind_error = |source| BuildError::BindMetrics {
                    addr: metrics_addr,
                    source,
                };
                let listener = TcpListener::bind(metrics_addr).await.map_err(bind_error)?;
                let bound = listener.local_addr().map_err(bind_error)?;
                Some((listener, bound))
            }
            None => None,
        };
        Ok(Self {
            metrics_listener,
            routes: api_router(&state),
            state,
            listener,
            addr,
            body_limit_bytes: config.body_limit_bytes,
            outbox_worker: config.push.worker,
            backup_interval: config.backup.interval,
        })
    }

    /// Adds routes beside wxbase's. They share its state (so its extractors, such as
    /// [`CurrentUser`](crate::CurrentUser), work in them), its middleware and its envelope
    /// for unknown routes; they must not define a fallback.
    pub fn with_routes(mut self, routes: Router<AppState>) -> Self {
        self.routes = self.routes.merge(routes);
        self
    }

    /// Wraps every route added so far (wxbase's and the push endpoints included) in `layer`,
    /// inside the request-id, tracing and panic middleware.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.routes = self.routes.layer(layer);
        self
    }

    /// The services, for a caller that needs one before serving (seeding, a banner).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the separate metrics listener (`metrics.listen`) listens, when set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().map(|(_, addr)| *addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until Ctrl-C or SIGTERM; see [`Application::run_until`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown::signal()).await
    }

    /// Serves and runs the background tasks until `stop` completes, then finishes the
    /// requests in flight and stops the tasks. Dropping the future stops them too.
    pub async fn run_until(
        mut self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let mut background = self.spawn_background_tasks();
        if let Some((listener, _)) = self.metrics_listener.take() {
            let scrape = crate::metrics::open_router(self.state.clone());
            background.spawn(async move {
                if let Err(error) = axum::serve(listener, scrape).await {
                    tracing::error!(%error, "the metrics listener stopped");
                }
            });
        }
        let router = with_middleware(self.routes, self.state, self.body_limit_bytes);
        let router = router.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, router)
            .with_graceful_shutdown(stop)
            .await;
        background.shutdown().await;
        served
    }

    /// The outbox worker (when `push.worker` is on), the periodic follower sync (when
    /// `official_account.sync_interval_seconds` is set) and the session purge.
    fn spawn_background_tasks(&self) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        if self.outbox_worker {
            tasks.spawn(self.state.messages.clone().run_outbox_worker());
        }
        if self.state.webhooks.settings().worker {
            tasks.spawn(self.state.webhooks.clone().run_worker());
        }
        tasks.spawn(
            self.state
                .webhooks
                .clone()
                .refresh_interest_every(WEBHOOK_INTEREST_REFRESH),
        );
        if let Some(oa) = &self.state.official_account {
            if let Some(interval) = oa.service.settings().interval {
                tasks.spawn(oa.service.clone().run_periodic_sync(interval));
            }
        }
        tasks.spawn(
            self.state
                .files
                .as_ref()
                .clone()
                .run_sweeper(FILE_SWEEP_INTERVAL),
        );
        tasks.spawn(self.state.files.as_ref().clone().run_moderation_upkeep());
        tasks.spawn(purge_expired_sessions(
            self.state.auth.store().clone(),
            SESSION_PURGE_INTERVAL,
        ));
        tasks.spawn(purge_console(
            self.state.console.service.clone(),
            SESSION_PURGE_INTERVAL,
        ));
        tasks.spawn(self.state.console.wechat_errors.clone().run());
        if let Some(telemetry) = &self.state.telemetry {
            tasks.spawn(telemetry.clone().run_upkeep());
        }
        if let Some(interval) = self.backup_interval {
            tasks.spawn(self.state.backups.clone().run_scheduled(interval));
        }
        tasks
    }
}

/// Builds each service once, sharing the store, the WeChat client and the app's
/// access_token manager; `addr` is where the instance listens.
fn services(
    config: &Config,
    store: Arc<dyn Store>,
    addr: SocketAddr,
) -> Result<AppState, BuildError> {
    let app = config.app.clone().ok_or(BuildError::MissingApp)?;
    let telemetry = Telemetry::from_settings(&config.metrics);
    let metrics = telemetry
        .as_ref()
        .map(|t| t.metrics.clone())
        .unwrap_or_default();
    let wechat = config.wechat_client().map_err(BuildError::WechatClient)?;
    let wechat_errors = Arc::new(WechatErrorLog::new(store.clone()));
    let wechat = match &telemetry {
        Some(_) => wechat.with_observer(Arc::new(BothObservers(
            metrics.wechat_observer(),
            wechat_errors.clone(),
        ))),
        None => wechat.with_observer(wechat_errors.clone()),
    };
    let tokens = Arc::new(TokenManager::new(
        store.clone(),
        wechat.clone(),
        app.clone(),
        config.token.clone(),
    ));
    let open_data = Arc::new(OpenDataService::new(
        store.clone(),
        tokens.clone(),
        wechat.clone(),
        app.app_id.clone(),
    ));
    let messages = Arc::new(
        MessageService::new(
            store.clone(),
            tokens.clone(),
            wechat.clone(),
            app.app_id.clone(),
            config.push.messages.clone(),
        )
        .with_metrics(metrics.clone()),
    );
    let subscriptions = Arc::new(SubscriptionService::new(
        store.clone(),
        tokens.clone(),
        wechat.clone(),
        app.app_id.clone(),
        messages.clone(),
    ));
    let push = config.push.token.as_ref().map(|token| {
        Arc::new(PushEndpoint::new(
            &config.push.path,
            token,
            config.push.encoding_aes_key.as_ref(),
            &app.app_id,
            config.push.max_body_bytes,
        ))
    });
    let official_account = config.official_account.as_ref().map(|settings| {
        let service = OfficialAccountService::from_settings(
            store.clone(),
            wechat.clone(),
            settings,
            config.token.clone(),
        );
        let push = settings.token.as_ref().map(|token| {
            PushEndpoint::new(
                &settings.path,
                token,
                settings.encoding_aes_key.as_ref(),
                &settings.app.app_id,
                config.push.max_body_bytes,
            )
        });
        Arc::new(OfficialAccount {
            service: Arc::new(service),
            push,
        })
    });
    let files = FileService::open(store.clone(), file_settings(config, addr), &config.data_dir)
        .map_err(BuildError::Files)?
        .with_media_checker(MediaChecker::new(
            tokens.clone(),
            wechat.clone(),
            app.app_id.clone(),
        ))
        .with_metrics(metrics.clone());
    let text_security = Arc::new(TextSecurity::new(tokens.clone(), wechat.clone()));
    let collections = CollectionService::new(store.clone(), config.collections)
        .with_text_security(text_security.clone());
    let codes = Arc::new(CodeService::new(
        store.clone(),
        tokens.clone(),
        wechat.clone(),
        files.clone(),
        config.wxacode,
    ));
    let console = ConsoleService::new(store.clone(), app.app_id.clone(), config.console.clone());
    let webhooks = WebhookService::new(store.clone(), config.webhooks.clone())
        .map_err(|e| BuildError::WebhookClient(Box::new(e)))?;
    let backups = Arc::new(BackupService::new(
        store.clone(),
        &config.data_dir,
        &config.files,
        config.backup.keep,
    ));
    Ok(AppState {
        backups,
        webhooks: Arc::new(webhooks),
        codes,
        console: Arc::new(Console::new(console, config, wechat_errors)),
        files: Arc::new(files),
        collections: Arc::new(collections),
        text_security,
        auth: Arc::new(AuthService::new(store, wechat, app, config.session_ttl)),
        tokens,
        open_data,
        admin_token: config.admin_token.clone().map(Arc::new),
        messages,
        subscriptions,
        push,
        official_account,
        telemetry,
    })
}

/// `[files]`, where moderation's public URL, when unset and `files.moderation_allow_http` is on
/// (`serve --dev`), is the address this instance listens on, for the emulator to fetch from.
fn file_settings(config: &Config, addr: SocketAddr) -> FileSettings {
    let mut files = config.files.clone();
    let moderation = &mut files.moderation;
    if moderation.public_url.is_none() && moderation.allow_http {
        let ip = match addr.ip() {
            ip if ip.is_unspecified() => std::net::IpAddr::from([127, 0, 0, 1]),
            ip => ip,
        };
        moderation.public_url = Some(format!("http://{}", SocketAddr::new(ip, addr.port())));
    }
    files
}
