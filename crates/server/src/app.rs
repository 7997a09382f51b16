//! The application's state (every service of one instance), its routes, fallbacks and the
//! middleware stack.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

use wxbase_core::backup::BackupService;
use wxbase_core::codes::CodeService;
use wxbase_core::security::TextSecurity;
use wxbase_core::{
    AuthService, CollectionService, FileService, MessageService, OfficialAccountService,
    OpenDataService, SubscriptionService, TokenManager, WebhookService,
};
use wxbase_wechat::crypto::{EncodingAesKey, MessageCrypto};
use wxbase_wechat::push::PushReceiver;
use wxbase_wechat::{AppId, Secret};

use crate::envelope::{ApiError, ErrorCode};
use crate::metrics::{self, Telemetry};
use crate::{openapi, routes};

/// What handlers share: every service of one instance, built once by
/// [`Application::build`](crate::Application::build).
#[derive(Clone)]
pub struct AppState {
    /// Login, sessions and users.
    pub auth: Arc<AuthService>,
    /// The app's central access_token.
    pub tokens: Arc<TokenManager>,
    /// Decryption of what users share: unionId, phone number, profile.
    pub open_data: Arc<OpenDataService>,
    /// The admin API's bearer token; `None` disables the admin API.
    pub admin_token: Option<Arc<Secret>>,
    /// Data collections and their documents.
    pub collections: Arc<CollectionService>,
    /// Buckets and their files.
    pub files: Arc<FileService>,
    /// WeChat's text check, for collections and for `/api/security/text`.
    pub text_security: Arc<TextSecurity>,
    /// Mini-program codes, stored scenes and links.
    pub codes: Arc<CodeService>,
    /// Customer-service messages: recording pushes, rules, the outbox.
    pub messages: Arc<MessageService>,
    /// Subscribe messages: grants, templates, sends and campaigns.
    pub subscriptions: Arc<SubscriptionService>,
    /// The WeChat push endpoint; `None` when `push.token` is not set.
    pub push: Option<Arc<PushEndpoint>>,
    /// The linked official account; `None` without `[official_account]`.
    pub official_account: Option<Arc<OfficialAccount>>,
    /// The admin console: accounts, sign-in, API tokens.
    pub console: Arc<crate::console::Console>,
    /// Webhook endpoints, their deliveries and the delivery worker.
    pub webhooks: Arc<WebhookService>,
    /// Backups into `<data_dir>/backups`.
    pub backups: Arc<BackupService>,
    /// The Prometheus recorder; `None` when metrics are off.
    pub telemetry: Option<Arc<Telemetry>>,
}

/// The linked official account: its followers and its push endpoint.
pub struct OfficialAccount {
    /// Follow events, the sync, and matching users with followers.
    pub service: Arc<OfficialAccountService>,
    /// Its push endpoint; `None` when `official_account.token` is not set.
    pub push: Option<PushEndpoint>,
}

/// The WeChat push endpoint's settings.
#[derive(Debug)]
pub struct PushEndpoint {
    /// Where WeChat posts.
    pub path: String,
    /// Checks signatures and opens bodies.
    pub receiver: PushReceiver,
    /// Largest body accepted.
    pub max_body_bytes: usize,
}

impl PushEndpoint {
    /// An endpoint at `path` for `app_id`'s pushes signed with `token`, in compatible or safe
    /// mode when `key` is set.
    pub fn new(
        path: &str,
        token: &Secret,
        key: Option<&EncodingAesKey>,
        app_id: &AppId,
        max_body_bytes: usize,
    ) -> Self {
        let crypto = key.map(|key| MessageCrypto::from_key(key.clone(), app_id.clone()));
        Self {
            path: path.to_owned(),
            receiver: PushReceiver::new(token.clone(), crypto),
            max_body_bytes,
        }
    }
}

/// Every `/api` and `/admin/api` route, each registered with its OpenAPI operation.
pub fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::me::router())
        .merge(routes::open_data::router())
        .merge(routes::admin::router())
        .merge(routes::rules::router())
        .merge(routes::conversations::router())
        .merge(routes::outbox::router())
        .merge(routes::subscriptions::router())
        .merge(routes::subscribe_messages::router())
        .merge(routes::collections::router())
        .merge(routes::admin_collections::router())
        .merge(routes::files::router())
        .merge(routes::admin_buckets::router())
        .merge(routes::official_account::router())
        .merge(routes::security::router())
        .merge(routes::codes::router())
        .merge(routes::webhooks::router())
        .merge(routes::backups::router())
        .merge(routes::moderation::router())
}

/// Every route of `state`'s services, without middleware: the `/api` and `/admin/api`
/// routes, the OpenAPI document describing them (`GET /openapi.json`), the health checks, the
/// console at `/admin`, and the WeChat push endpoints at their configured paths (the mini-program's when push is on,
/// the official account's when its token is set).
pub fn api_router(state: &AppState) -> Router<AppState> {
    let (documented, paths) = documented_routes().split_for_parts();
    let router = documented
        .merge(openapi::serve(&openapi::finish(paths)))
        .merge(routes::health::router())
        .merge(crate::console::router(state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let router = match &state.telemetry {
        Some(telemetry) if telemetry.admin_route() => router.merge(metrics::admin_router()),
        _ => router,
    };
    let router = match &state.push {
        Some(push) => router.merge(routes::push::router(&push.path, push.max_body_bytes)),
        None => router,
    };
    let oa_push = state
        .official_account
        .as_ref()
        .and_then(|oa| oa.push.as_ref());
    match oa_push {
        Some(push) => router.merge(routes::oa_push::router(&push.path, push.max_body_bytes)),
        None => router,
    }
}

/// Adds the state and the middleware every request passes through: request ids, tracing,
/// panic recovery and the body limit (the push endpoints have their own).
pub fn with_middleware(
    routes: Router<AppState>,
    state: AppState,
    body_limit_bytes: usize,
) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let routes = routes.layer(DefaultBodyLimit::max(body_limit_bytes));
    let routes = match &state.telemetry {
        Some(telemetry) => routes.layer(axum::middleware::from_fn_with_state(
            telemetry.clone(),
            metrics::record_request,
        )),
        None => routes,
    };
    routes.with_state(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), RandomRequestId))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(CatchPanicLayer::custom(panic_response)),
    )
}

/// Makes a random UUID (v4) per request from the thread-local generator: `Uuid::new_v4`
/// asks the operating system each time, a system call on every request.
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        axum::http::HeaderValue::from_str(&id.to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// One span per request, carrying its id so every log line inside names it.
fn request_span(request: &Request<Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
}

/// A panicking handler: logged, and answered in the envelope; the server keeps serving.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic".to_owned());
    tracing::error!(panic = %detail, "a handler panicked");
    ApiError::new(
        ErrorCode::Internal,
        "internal error: see the server log for this request id",
    )
    .into_response()
}

/// Unknown routes: the envelope under `/api`, a plain 404 elsewhere.
async fn not_found(request: Request) -> Response {
    if is_api(&request) {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no route {} {}", request.method(), request.uri().path()),
        )
        .into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn method_not_allowed(request: Request) -> Response {
    if is_api(&request) {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "{} is not allowed on {}",
                request.method(),
                request.uri().path()
            ),
        )
        .into_response()
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

fn is_api(request: &Request) -> bool {
    let path = request.uri().path();
    ["/api", "/admin/api"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}
