//! Bucket management for admins (`/admin/api/buckets`, admin token): create, list, show,
//! change, delete (with its files), and list a bucket's files by owner with a cursor. A bucket
//! with `"moderation": true` sends its images and audio to WeChat's media check.

use axum::extract::{Path, State};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::collections::PermissionMode;
use wxbase_core::files::{Bucket, BucketModeration, StoredFile, TimeoutPolicy};
use wxbase_core::security::Scene;
use wxbase_core::FileError;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{Admin, ApiJson, ApiQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, change, remove))
        .routes(routes!(files))
}

/// A bucket as the admin API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Bucket)]
struct BucketView {
    name: String,
    permission: &'static str,
    max_bytes: Option<u64>,
    types: Vec<String>,
    /// Whether its images and audio are checked by WeChat before others see them.
    moderation: bool,
    /// WeChat's scene for the checks (1 profile, 2 comment, 3 forum, 4 social log).
    moderation_scene: Option<u8>,
    /// What a file still unjudged after `files.moderation_timeout_seconds` becomes: `allow`
    /// (passed) or `refuse` (risky).
    moderation_timeout: Option<&'static str>,
    created_at: String,
    updated_at: String,
}

impl From<Bucket> for BucketView {
    fn from(bucket: Bucket) -> Self {
        Self {
            name: bucket.name.to_string(),
            permission: bucket.permission.as_str(),
            max_bytes: bucket.max_bytes,
            types: bucket.types.iter().map(|t| t.as_str().to_owned()).collect(),
            moderation: bucket.moderation.is_some(),
            moderation_scene: bucket.moderation.map(|m| m.scene.number()),
            moderation_timeout: bucket.moderation.map(|m| m.on_timeout.as_str()),
            created_at: bucket.created_at.to_rfc3339(),
            updated_at: bucket.updated_at.to_rfc3339(),
        }
    }
}

fn permission(name: &str) -> Result<PermissionMode, FileError> {
    PermissionMode::parse(name).ok_or_else(|| {
        let known: Vec<&str> = PermissionMode::ALL.iter().map(|m| m.as_str()).collect();
        FileError::BadRequest(format!(
            "unknown permission {name:?}; use one of {}",
            known.join(", ")
        ))
    })
}

/// The scene of a moderated bucket's checks when none is given: a forum post, WeChat's
/// general scene for what users publish.
const DEFAULT_SCENE: Scene = Scene::Forum;

/// The moderation asked for: `moderation` turns it on or off; the scene and the timeout's
/// policy keep `current`'s (or the defaults) unless given.
fn moderation(
    on: Option<bool>,
    scene: Option<u8>,
    timeout: Option<&str>,
    current: Option<BucketModeration>,
) -> Result<Option<BucketModeration>, FileError> {
    if !on.unwrap_or(current.is_some()) {
        if scene.is_some() || timeout.is_some() {
            return Err(FileError::BadRequest(
                "moderationScene and moderationTimeout need \"moderation\": true".into(),
            ));
        }
        return Ok(None);
    }
    let scene = match scene {
        Some(number) => Scene::from_number(number).ok_or_else(|| {
            FileError::BadRequest(format!(
                "moderationScene must be 1 (profile), 2 (comment), 3 (forum) or 4 (social log), not {number}"
            ))
        })?,
        None => current.map_or(DEFAULT_SCENE, |m| m.scene),
    };
    let on_timeout = match timeout {
        Some(name) => TimeoutPolicy::parse(name).ok_or_else(|| {
            FileError::BadRequest(format!(
                "moderationTimeout must be allow or refuse, not {name:?}"
            ))
        })?,
        None => current.map_or(TimeoutPolicy::default(), |m| m.on_timeout),
    };
    Ok(Some(BucketModeration { scene, on_timeout }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = NewBucket)]
struct CreateRequest {
    name: String,
    #[serde(default)]
    permission: Option<String>,
    #[serde(default)]
    max_bytes: Option<u64>,
    #[serde(default)]
    types: Vec<String>,
    /// Check its images and audio with WeChat before others see them (needs
    /// `server.public_url`); other types are refused.
    #[serde(default)]
    moderation: Option<bool>,
    /// WeChat's scene: 1 profile, 2 comment, 3 forum (default), 4 social log.
    #[serde(default)]
    moderation_scene: Option<u8>,
    /// `refuse` (default) or `allow`: what a file still unjudged after
    /// `files.moderation_timeout_seconds` becomes.
    #[serde(default)]
    moderation_timeout: Option<String>,
}

/// Creates a bucket.
#[utoipa::path(post, path = "/admin/api/buckets", tag = "files", operation_id = "create_bucket",
    security(("admin" = [])), request_body = CreateRequest, responses((status = 200, body = BucketView)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> ApiResult<BucketView> {
    let mode = match &request.permission {
        Some(name) => permission(name)?,
        None => PermissionMode::default(),
    };
    let moderation = moderation(
        request.moderation,
        request.moderation_scene,
        request.moderation_timeout.as_deref(),
        None,
    )?;
    let bucket = state
        .files
        .create_bucket(
            &request.name,
            mode,
            request.max_bytes,
            &request.types,
            moderation,
        )
        .await?;
    Ok(Success(bucket.into()))
}

/// Every bucket.
#[utoipa::path(get, path = "/admin/api/buckets", tag = "files", operation_id = "list_buckets",
    security(("admin" = [])), responses((status = 200, body = Vec<BucketView>)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<BucketView>> {
    let all = state.files.buckets().await?;
    Ok(Success(all.into_iter().map(Into::into).collect()))
}

/// One bucket.
#[utoipa::path(get, path = "/admin/api/buckets/{name}", tag = "files", operation_id = "show_bucket",
    security(("admin" = [])), params(("name" = String, Path, description = "The bucket's name")), responses((status = 200, body = BucketView)))]
async fn show(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<BucketView> {
    Ok(Success(state.files.bucket(&name).await?.into()))
}

/// `maxBytes` absent: unchanged; `null`: removed.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = BucketChange)]
struct ChangeRequest {
    #[serde(default)]
    permission: Option<String>,
    /// The largest file in bytes; `null` removes the limit.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u64>)]
    max_bytes: Option<Option<u64>>,
    #[serde(default)]
    types: Option<Vec<String>>,
    /// Turn moderation on or off.
    #[serde(default)]
    moderation: Option<bool>,
    /// WeChat's scene of the checks (1 to 4).
    #[serde(default)]
    moderation_scene: Option<u8>,
    /// `allow` or `refuse`.
    #[serde(default)]
    moderation_timeout: Option<String>,
}

/// Changes the permission mode, the size limit or the accepted types.
#[utoipa::path(patch, path = "/admin/api/buckets/{name}", tag = "files", operation_id = "change_bucket",
    security(("admin" = [])), params(("name" = String, Path, description = "The bucket's name")), request_body = ChangeRequest,
    responses((status = 200, body = BucketView)))]
async fn change(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<ChangeRequest>,
) -> ApiResult<BucketView> {
    let mode = request.permission.as_deref().map(permission).transpose()?;
    let asked = request.moderation.is_some()
        || request.moderation_scene.is_some()
        || request.moderation_timeout.is_some();
    let moderation = if asked {
        let current = state.files.bucket(&name).await?.moderation;
        Some(moderation(
            request.moderation,
            request.moderation_scene,
            request.moderation_timeout.as_deref(),
            current,
        )?)
    } else {
        None
    };
    let changed = state
        .files
        .change_bucket(
            &name,
            mode,
            request.max_bytes,
            request.types.as_deref(),
            moderation,
        )
        .await?;
    Ok(Success(changed.into()))
}

#[derive(Serialize, ToSchema)]
#[schema(as = DeletedBucket)]
struct Deleted {
    /// How many files went with it.
    files: u64,
}

/// Deletes a bucket and its files.
#[utoipa::path(delete, path = "/admin/api/buckets/{name}", tag = "files", operation_id = "delete_bucket",
    security(("admin" = [])), params(("name" = String, Path, description = "The bucket's name")), responses((status = 200, body = Deleted)))]
async fn remove(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Deleted> {
    let files = state.files.delete_bucket(&name).await?;
    Ok(Success(Deleted { files }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this user's files.
    owner: Option<String>,
    /// The `cursor` of the previous page.
    cursor: Option<String>,
    /// At most this many (default 50, at most 500).
    limit: Option<u32>,
}

/// A listed file (no URL: admins download with their token).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ListedFile {
    id: String,
    bucket: String,
    size: u64,
    content_type: String,
    name: String,
    created_at: String,
    #[serde(rename = "_openid")]
    openid: Option<String>,
    /// `pending`, `passed` or `risky` in a moderated bucket; `null` otherwise.
    moderation: Option<&'static str>,
}

impl From<StoredFile> for ListedFile {
    fn from(file: StoredFile) -> Self {
        Self {
            id: file.id.to_string(),
            bucket: file.bucket.to_string(),
            size: file.size,
            content_type: file.content_type,
            name: file.name,
            created_at: file.created_at.to_rfc3339(),
            openid: file.owner.map(|o| o.to_string()),
            moderation: file.moderation.map(|m| m.status.as_str()),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = FilePage)]
struct Page {
    files: Vec<ListedFile>,
    cursor: Option<String>,
}

/// A bucket's files by id, with a cursor.
#[utoipa::path(get, path = "/admin/api/buckets/{name}/files", tag = "files", operation_id = "list_files",
    security(("admin" = [])), params(("name" = String, Path, description = "The bucket's name"), ListQuery), responses((status = 200, body = Page)))]
async fn files(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Page> {
    let page = state
        .files
        .list_files(
            &name,
            query.owner.as_deref(),
            query.cursor.as_deref(),
            query.limit,
        )
        .await?;
    Ok(Success(Page {
        files: page.files.into_iter().map(Into::into).collect(),
        cursor: page.cursor,
    }))
}
