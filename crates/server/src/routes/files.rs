//! Files, as a mini-program uses them: `POST /api/files` (multipart, as `wx.uploadFile` sends
//! it), `GET /api/files/{id}` with the session token or a signed URL (what `<image src>`
//! loads), `POST /api/files/urls`, `DELETE /api/files/{id}`. The admin token works on each
//! too, with every mode bypassed.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::collections::Caller;
use wxbase_core::files::{Download, FileService, FormPart, StoredFile, Upload, UploadForm};
use wxbase_core::{FileError, Timestamp};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, ErrorCode, Success};
use crate::extract::{ApiJson, ApiQuery, BearerToken};

/// Most ids in one `POST /api/files/urls`.
const MAX_URL_IDS: usize = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // The upload enforces its own limits while streaming.
        .routes({
            let (schemas, paths, upload) = routes!(upload);
            (schemas, paths, upload.layer(DefaultBodyLimit::disable()))
        })
        .routes(routes!(urls))
        .routes(routes!(download, remove))
}

/// The caller of a file route: the admin token, or a user's session token.
pub(crate) async fn caller(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers.clone();
    let BearerToken(token) =
        <BearerToken as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            &mut parts, state,
        )
        .await?;
    if let Some(admin) = &state.admin_token {
        if bool::from(token.as_bytes().ct_eq(admin.expose().as_bytes())) {
            return Ok(Caller::Admin);
        }
    }
    let user = state.auth.authenticate(&token).await?;
    Ok(Caller::User(user.openid))
}

/// A file as the API shows it, with a fresh signed URL.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = File)]
pub struct FileView {
    id: String,
    bucket: String,
    size: u64,
    content_type: String,
    name: String,
    url: String,
    url_expires_at: String,
    created_at: String,
    #[serde(rename = "_openid")]
    openid: Option<String>,
    /// In a moderated bucket: `pending` (only you and admins see it until WeChat's verdict),
    /// `passed` or `risky`; `null` otherwise.
    moderation: Option<&'static str>,
}

/// Where signed URLs point: `files.public_url`, or the host the request came to.
pub(crate) fn base_url(files: &FileService, headers: &HeaderMap) -> String {
    if let Some(url) = files.public_url() {
        return url.to_owned();
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let proto = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    match header("x-forwarded-host").or_else(|| header("host")) {
        Some(host) if host.bytes().all(|b| b.is_ascii_graphic()) => format!("{proto}://{host}"),
        _ => String::new(),
    }
}

fn view(files: &FileService, base: &str, file: StoredFile) -> FileView {
    let (path, expires_at) = files.signed_path(&file);
    FileView {
        id: file.id.to_string(),
        bucket: file.bucket.to_string(),
        size: file.size,
        content_type: file.content_type,
        name: file.name,
        url: format!("{base}{path}"),
        url_expires_at: expires_at.to_rfc3339(),
        created_at: file.created_at.to_rfc3339(),
        openid: file.owner.map(|o| o.to_string()),
        moderation: file.moderation.map(|m| m.status.as_str()),
    }
}

/// Uploads a file (multipart, as `wx.uploadFile` sends it), streamed into its bucket.
#[utoipa::path(post, path = "/api/files", tag = "files", operation_id = "upload_file", security(("user" = []), ("admin" = [])),
    request_body(content = crate::openapi::schemas::Upload, content_type = "multipart/form-data"),
    responses((status = 200, body = FileView)))]
async fn upload(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let caller = match caller(&headers, &state).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    match store_upload(&state.files, caller, request).await {
        Ok(file) => {
            Success(view(&state.files, &base_url(&state.files, &headers), file)).into_response()
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// Streams the upload form of `request` into storage as `caller` and records the file. A
/// refused upload leaves nothing behind: its stored bytes are aborted and the rest of its body
/// is read and dropped, so the client sees the answer instead of a reset connection.
pub(crate) async fn store_upload(
    files: &FileService,
    caller: Caller,
    request: Request,
) -> Result<StoredFile, FileError> {
    let mut form = upload_form(request)?;
    let mut upload = files.start_upload(caller);
    match receive(&mut form, &mut upload).await {
        Ok(name) => upload.finish(name).await,
        Err(error) => {
            upload.abort().await;
            form.drain().await;
            Err(error)
        }
    }
}

/// The upload form a request's body carries.
fn upload_form(request: Request) -> Result<UploadForm, FileError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    UploadForm::new(
        content_type.as_deref(),
        request.into_body().into_data_stream(),
    )
}

/// Reads the form (`bucket` and the part `file`, in either order), streaming the file into
/// `upload`. Returns the file's checked name.
async fn receive(form: &mut UploadForm, upload: &mut Upload) -> Result<String, FileError> {
    while let Some(part) = form.next_part().await? {
        match part {
            FormPart::Bucket(name) => upload.set_bucket(&name).await?,
            FormPart::File => {
                while let Some(chunk) = form.next_chunk().await? {
                    upload.write(&chunk).await?;
                }
            }
        }
    }
    form.finish()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DownloadQuery {
    /// A signed URL's expiry (Unix seconds).
    expires: Option<i64>,
    /// A signed URL's signature.
    sig: Option<String>,
    /// A thumbnail's size, `WxH` or `WxHf`.
    thumb: Option<String>,
    /// `admin` on the URLs the admin console signs for itself (they reach files moderation
    /// hides).
    view: Option<String>,
}

/// The file's bytes (not the envelope), with the session token, the admin token or a signed
/// URL's `expires` and `sig`; `Range`, `ETag` and `If-None-Match` are honoured.
#[utoipa::path(get, path = "/api/files/{id}", tag = "files", operation_id = "download_file", security(("user" = []), ("admin" = [])),
    params(("id" = String, Path, description = "The file's id"), DownloadQuery),
    responses(
        (status = 200, description = "The bytes; a refusal in the envelope", content_type = "*/*", body = crate::openapi::schemas::Bytes),
        (status = 206, description = "The requested range", content_type = "*/*", body = crate::openapi::schemas::Bytes),
        (status = 304, description = "Not modified"),
        (status = 403, description = "A wrong or expired signature", body = crate::openapi::Failure),
        (status = 404, description = "No such file, by signed URL", body = crate::openapi::Failure),
        (status = 416, description = "The range starts past the end"),
    ))]
async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    let signed = match (query.expires, &query.sig) {
        (Some(expires), Some(sig)) => Some((expires, sig.as_str())),
        _ => None,
    };
    let file = match signed {
        Some((expires, sig)) => match state
            .files
            .signed_file(&id, expires, sig, query.view.as_deref() == Some("admin"))
            .await
        {
            Ok(file) => file,
            Err(FileError::BadSignature) => {
                let error = ApiError::from(FileError::BadSignature);
                return (StatusCode::FORBIDDEN, error).into_response();
            }
            Err(FileError::NotFound(message)) => {
                let error = ApiError::new(ErrorCode::NotFound, message);
                return (StatusCode::NOT_FOUND, error).into_response();
            }
            Err(error) => return ApiError::from(error).into_response(),
        },
        None => {
            let caller = match caller(&headers, &state).await {
                Ok(caller) => caller,
                Err(error) => return error.into_response(),
            };
            match state.files.file(&caller, &id).await {
                Ok(file) => file,
                Err(error) => return ApiError::from(error).into_response(),
            }
        }
    };
    let download = match state.files.download(file, query.thumb.as_deref()).await {
        Ok(download) => download,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let cache = match signed {
        Some((expires, _)) => {
            let left = expires - Timestamp::now().as_millis() / 1000;
            format!("private, max-age={}", left.clamp(0, 86_400))
        }
        None => "private, no-cache".to_owned(),
    };
    serve(&state.files, download, &headers, &cache).await
}

/// The response: the whole representation, a 206 part of it, a 304 or a 416.
async fn serve(
    files: &FileService,
    download: Download,
    headers: &HeaderMap,
    cache: &str,
) -> Response {
    let mut response = Response::builder()
        .header(header::ETAG, &download.etag)
        .header(header::CACHE_CONTROL, cache)
        .header(header::ACCEPT_RANGES, "bytes")
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'; sandbox");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == download.etag || t.trim() == "*")
        });
    if not_modified {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let size = download.size;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(text) => match parse_range(text, size) {
            RangeAsked::Whole => None,
            RangeAsked::Part(start, end) => Some((start, end)),
            RangeAsked::Unsatisfiable => {
                return response
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                    .body(Body::empty())
                    .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
            }
        },
        None => None,
    };
    let (start, end) = range.unwrap_or((0, size));
    response = response
        .header(header::CONTENT_TYPE, &download.content_type)
        .header(header::CONTENT_DISPOSITION, disposition(&download))
        .header(header::CONTENT_LENGTH, end - start);
    if range.is_some() {
        response = response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{size}", end - 1),
        );
    }
    let body = match &download.thumb {
        Some(bytes) => Body::from(bytes.slice(start as usize..end as usize)),
        None => match files.stream(&download.file, start..end).await {
            Ok(stream) => Body::from_stream(
                stream.map(|chunk| chunk.map_err(|e| std::io::Error::other(e.to_string()))),
            ),
            Err(error) => return ApiError::from(error).into_response(),
        },
    };
    response
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `inline` for images, video and audio, `attachment` for everything else; the name in
/// plain ASCII (anything else becomes `_`) and in full as RFC 5987 UTF-8.
fn disposition(download: &Download) -> HeaderValue {
    let kind = download.content_type.split('/').next().unwrap_or_default();
    let mode = if matches!(kind, "image" | "video" | "audio") {
        "inline"
    } else {
        "attachment"
    };
    let name = &download.file.name;
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let full = utf8_percent_encode(name, NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "{mode}; filename=\"{ascii}\"; filename*=UTF-8''{full}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[derive(Debug, PartialEq, Eq)]
enum RangeAsked {
    /// No usable single range: send everything (a client may ask for several; we answer
    /// with the whole representation, as RFC 9110 allows).
    Whole,
    /// Bytes `start..end`.
    Part(u64, u64),
    /// Starts past the end.
    Unsatisfiable,
}

fn parse_range(text: &str, size: u64) -> RangeAsked {
    let Some(spec) = text.trim().strip_prefix("bytes=") else {
        return RangeAsked::Whole;
    };
    if spec.contains(',') {
        return RangeAsked::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsked::Whole;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(suffix)) if suffix > 0 => {
            RangeAsked::Part(size.saturating_sub(suffix), size)
        }
        (true, _, _) => RangeAsked::Unsatisfiable,
        (false, Some(start), _) if start >= size => RangeAsked::Unsatisfiable,
        (false, Some(start), None) if last.trim().is_empty() => RangeAsked::Part(start, size),
        (false, Some(start), Some(end)) if end >= start => {
            RangeAsked::Part(start, end.saturating_add(1).min(size))
        }
        _ => RangeAsked::Whole,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UrlsRequest {
    /// At most 50 file ids.
    ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct SignedUrl {
    id: String,
    url: Option<String>,
    url_expires_at: Option<String>,
}

/// Fresh signed URLs; `url` is `null` for a file the caller cannot see.
#[utoipa::path(post, path = "/api/files/urls", tag = "files", operation_id = "file_urls", security(("user" = []), ("admin" = [])),
    request_body = UrlsRequest, responses((status = 200, body = Vec<SignedUrl>)))]
async fn urls(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<UrlsRequest>,
) -> ApiResult<Vec<SignedUrl>> {
    let caller = caller(&headers, &state).await?;
    if request.ids.len() > MAX_URL_IDS {
        return Err(ApiError::bad_request(format!(
            "ask for at most {MAX_URL_IDS} ids at once"
        )));
    }
    let base = base_url(&state.files, &headers);
    let mut answers = Vec::with_capacity(request.ids.len());
    for id in request.ids {
        match state.files.file(&caller, &id).await {
            Ok(file) => {
                let shown = view(&state.files, &base, file);
                answers.push(SignedUrl {
                    id,
                    url: Some(shown.url),
                    url_expires_at: Some(shown.url_expires_at),
                });
            }
            Err(FileError::NotFound(_)) => answers.push(SignedUrl {
                id,
                url: None,
                url_expires_at: None,
            }),
            Err(error) => return Err(error.into()),
        }
    }
    Ok(Success(answers))
}

/// Deletes a file.
#[utoipa::path(delete, path = "/api/files/{id}", tag = "files", operation_id = "delete_file", security(("user" = []), ("admin" = [])),
    params(("id" = String, Path, description = "The file's id")), responses((status = 200)))]
async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<()> {
    let caller = caller(&headers, &state).await?;
    state.files.delete_file(&caller, &id).await?;
    Ok(Success(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        use RangeAsked::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part(0, 10));
        assert_eq!(parse_range("bytes=90-", 100), Part(90, 100));
        assert_eq!(parse_range("bytes=-10", 100), Part(90, 100));
        assert_eq!(parse_range("bytes=-200", 100), Part(0, 100));
        assert_eq!(parse_range("bytes=50-500", 100), Part(50, 100));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
    }
}
