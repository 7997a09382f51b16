//! Moderation of uploaded images and audio, for admins (admin token): the files waiting for or
//! refused by WeChat's media check (`GET /admin/api/moderation`), and an admin's verdict on one
//! (`POST /admin/api/files/{bucket}/{id}/moderation`), which replaces WeChat's.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::files::{ModerationStatus, StoredFile};
use wxbase_core::FileError;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{Admin, ApiJson, ApiQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(decide))
}

/// A file under moderation, with its verdict.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ModeratedFile {
    id: String,
    bucket: String,
    name: String,
    size: u64,
    content_type: String,
    created_at: String,
    #[serde(rename = "_openid")]
    openid: Option<String>,
    /// `pending`, `passed` or `risky`.
    status: &'static str,
    /// WeChat's label (100 normal, 20002 porn, 20006 illegal, …), when WeChat decided.
    label: Option<i64>,
    /// WeChat's id of the check, once it accepted the file.
    trace_id: Option<String>,
    /// Who decided: `wechat`, `timeout` or `admin`.
    source: Option<&'static str>,
    decided_at: Option<String>,
}

impl ModeratedFile {
    fn of(file: StoredFile) -> Option<Self> {
        let moderation = file.moderation?;
        Some(Self {
            id: file.id.to_string(),
            bucket: file.bucket.to_string(),
            name: file.name,
            size: file.size,
            content_type: file.content_type,
            created_at: file.created_at.to_rfc3339(),
            openid: file.owner.map(|o| o.to_string()),
            status: moderation.status.as_str(),
            label: moderation.label,
            trace_id: moderation.trace_id,
            source: moderation.source.map(|s| s.as_str()),
            decided_at: moderation.decided_at.map(|t| t.to_rfc3339()),
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    /// `pending` or `risky`; both when absent.
    status: Option<String>,
    /// The `cursor` of the previous page: files uploaded before this id.
    before: Option<String>,
    /// At most this many (default 50, at most 500).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ModerationPage)]
struct Page {
    /// Newest first.
    files: Vec<ModeratedFile>,
    /// Give it as `before` for the next page; `null` on the last.
    cursor: Option<String>,
}

fn status(name: &str) -> Result<ModerationStatus, FileError> {
    ModerationStatus::parse(name).ok_or_else(|| {
        FileError::BadRequest(format!("status must be pending or risky, not {name:?}"))
    })
}

/// Files waiting for WeChat's verdict, or judged risky, newest first.
#[utoipa::path(get, path = "/admin/api/moderation", tag = "files", operation_id = "moderation_queue",
    security(("admin" = [])), params(QueueQuery), responses((status = 200, body = Page)))]
async fn queue(
    _: Admin,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> ApiResult<Page> {
    let status = query.status.as_deref().map(status).transpose()?;
    let page = state
        .files
        .moderation_queue(status, query.before.as_deref(), query.limit)
        .await?;
    Ok(Success(Page {
        files: page
            .files
            .into_iter()
            .filter_map(ModeratedFile::of)
            .collect(),
        cursor: page.cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ModerationVerdict)]
struct VerdictRequest {
    /// `passed` (shown per the bucket's mode) or `risky` (admins only).
    verdict: String,
}

/// An admin's verdict on a moderated file, replacing WeChat's (or the timeout's).
#[utoipa::path(post, path = "/admin/api/files/{bucket}/{id}/moderation", tag = "files",
    operation_id = "decide_moderation", security(("admin" = [])),
    params(("bucket" = String, Path, description = "The file's bucket"),
           ("id" = String, Path, description = "The file's id")),
    request_body = VerdictRequest, responses((status = 200, body = ModeratedFile)))]
async fn decide(
    _: Admin,
    State(state): State<AppState>,
    Path((bucket, id)): Path<(String, String)>,
    ApiJson(request): ApiJson<VerdictRequest>,
) -> ApiResult<ModeratedFile> {
    let verdict = match ModerationStatus::parse(&request.verdict) {
        Some(verdict @ (ModerationStatus::Passed | ModerationStatus::Risky)) => verdict,
        _ => {
            return Err(FileError::BadRequest(format!(
                "verdict must be passed or risky, not {:?}",
                request.verdict
            ))
            .into())
        }
    };
    let file = state.files.override_verdict(&bucket, &id, verdict).await?;
    let shown = ModeratedFile::of(file).ok_or_else(|| {
        FileError::NotFound(format!(
            "there is no moderated file {id:?} in bucket {bucket:?}"
        ))
    })?;
    Ok(Success(shown))
}
