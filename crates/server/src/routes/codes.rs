//! Mini-program codes and links: `POST /api/wxacode` (the admin token, or a session token
//! when `wxacode.client_allowed`), `GET /api/scenes/{id}` (session token), and for admins
//! `POST /admin/api/url-links` and `POST /admin/api/url-schemes`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::codes::{CodeParams, EnvVersion, GeneratedLink, LinkKind, LinkParams};

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{Admin, ApiJson, CurrentUser};
use crate::routes::files::{base_url, caller};

/// A link's life when the request does not say, in days.
const DEFAULT_LINK_DAYS: u32 = 30;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(make_code))
        .routes(routes!(scene))
        .routes(routes!(url_link))
        .routes(routes!(url_scheme))
}

/// A mini-program code's parameters (WeChat's `getwxacodeunlimit`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CodeRequest {
    scene: String,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    width: Option<u32>,
    /// `release` (the default), `trial` or `develop`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    env_version: Option<EnvVersion>,
    #[serde(default)]
    check_path: Option<bool>,
    #[serde(default)]
    is_hyaline: Option<bool>,
}

/// A code: its file, a signed URL of the image, and the scene it carries.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CodeView {
    file_id: String,
    url: String,
    url_expires_at: String,
    scene: String,
    reused: bool,
}

/// A mini-program code (PNG), made once per set of parameters and then reused.
#[utoipa::path(post, path = "/api/wxacode", tag = "codes", operation_id = "make_code",
    security(("user" = []), ("admin" = [])), request_body = CodeRequest,
    responses((status = 200, body = CodeView)))]
async fn make_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CodeRequest>,
) -> ApiResult<CodeView> {
    let caller = caller(&headers, &state).await?;
    let params = CodeParams {
        scene: request.scene,
        page: request.page.filter(|page| !page.is_empty()),
        width: request.width,
        env_version: request.env_version,
        check_path: request.check_path,
        is_hyaline: request.is_hyaline,
    };
    let code = state.codes.code(&caller, params).await?;
    let (path, expires_at) = state.files.signed_path(&code.file);
    Ok(Success(CodeView {
        file_id: code.file.id.to_string(),
        url: format!("{}{path}", base_url(&state.files, &headers)),
        url_expires_at: expires_at.to_rfc3339(),
        scene: code.scene,
        reused: code.reused,
    }))
}

/// The scene a short id stands for.
#[derive(Serialize, ToSchema)]
struct SceneView {
    scene: String,
}

/// The original scene behind a short one (`~` and 24 hex digits).
#[utoipa::path(get, path = "/api/scenes/{id}", tag = "codes", operation_id = "scene",
    security(("user" = [])), params(("id" = String, Path, description = "The short scene")),
    responses((status = 200, body = SceneView)))]
async fn scene(
    _: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<SceneView> {
    let scene = state.codes.scene(&id).await?;
    Ok(Success(SceneView { scene }))
}

/// A link that opens the mini-program at `path?query`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LinkRequest {
    #[serde(default)]
    path: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    expires_in_days: Option<u32>,
    /// `release` (the default), `trial` or `develop`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    env_version: Option<EnvVersion>,
}

/// A generated link and when it stops working.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LinkView {
    url: String,
    expires_at: String,
}

impl From<GeneratedLink> for LinkView {
    fn from(link: GeneratedLink) -> Self {
        Self {
            url: link.url,
            expires_at: link.expires_at.to_rfc3339(),
        }
    }
}

/// A URL link (`generate_urllink`) that opens the mini-program from SMS, email or the web.
#[utoipa::path(post, path = "/admin/api/url-links", tag = "codes", operation_id = "url_link",
    security(("admin" = [])), request_body = LinkRequest, responses((status = 200, body = LinkView)))]
async fn url_link(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LinkRequest>,
) -> ApiResult<LinkView> {
    link(&state, LinkKind::UrlLink, request).await
}

/// A URL scheme (`generatescheme`, `weixin://dl/business/...`) that opens the mini-program.
#[utoipa::path(post, path = "/admin/api/url-schemes", tag = "codes", operation_id = "url_scheme",
    security(("admin" = [])), request_body = LinkRequest, responses((status = 200, body = LinkView)))]
async fn url_scheme(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LinkRequest>,
) -> ApiResult<LinkView> {
    link(&state, LinkKind::Scheme, request).await
}

async fn link(state: &AppState, kind: LinkKind, request: LinkRequest) -> ApiResult<LinkView> {
    let params = LinkParams {
        path: request.path,
        query: request.query,
        expires_in_days: request.expires_in_days.unwrap_or(DEFAULT_LINK_DAYS),
        env_version: request.env_version.unwrap_or(EnvVersion::Release),
    };
    Ok(Success(state.codes.link(kind, params).await?.into()))
}
