//! Files: the buckets (create one, change its mode and limits, delete it with its files),
//! and one bucket's files with image previews (signed URLs); upload a file from the browser
//! (multipart, the CSRF token in the form's address), delete a file.

use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::collections::{Caller, PermissionMode};
use wxbase_core::files::Bucket;

use crate::app::AppState;
use crate::console::form::list;
use crate::console::session::form_urlencoded_pair;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Files one page shows.
const PAGE_SIZE: u32 = 100;

/// `GET /admin/files`.
pub async fn buckets(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let buckets = state.files.buckets().await.or_page(&ctx)?;
    let content = html! {
        @if buckets.is_empty() {
            (ui::empty(ctx.t("files.no_buckets")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("files.bucket")) } th { (ctx.t("collections.permission")) }
                    th { (ctx.t("files.max_bytes")) } th { (ctx.t("files.types")) }
                } }
                tbody { @for b in &buckets { tr {
                    td { a href=(format!("/admin/files/{}", b.name.as_str())) { (b.name.as_str()) } }
                    td { (b.permission.as_str()) }
                    td { @match b.max_bytes { Some(m) => (m), None => "—" } }
                    td { (b.types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")) }
                } } }
            }
        }
        section {
            h2 { (ctx.t("files.create_bucket")) }
            form method="post" action="/admin/files" {
                (ui::csrf(&ctx))
                label for="bucket_name" { (ctx.t("files.bucket")) }
                input #bucket_name name="name" required maxlength="64";
                (bucket_fields(&ctx, None))
                button type="submit" { (ctx.t("files.create_submit")) }
            }
            p.muted { (ctx.t("files.buckets_help")) }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.files"), content))
}

/// `GET /admin/files/{bucket}`.
pub async fn bucket(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> PageResult {
    let settings = match state.files.bucket(&name).await {
        Ok(settings) => settings,
        Err(e) => {
            return Ok(ui::page(
                &ctx,
                &name,
                html! { p.error role="alert" { (e.to_string()) } },
            ))
        }
    };
    let listed = match state
        .files
        .list_files(&name, None, None, Some(PAGE_SIZE))
        .await
    {
        Ok(listed) => listed,
        Err(e) => return Ok(ui::page(&ctx, &name, html! { p.error { (e.to_string()) } })),
    };
    let content = html! {
        @if listed.files.is_empty() {
            (ui::empty(ctx.t("files.none")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("files.preview")) } th { (ctx.t("files.name")) } th { (ctx.t("files.type")) }
                    th { (ctx.t("files.size")) } th { (ctx.t("files.owner")) } th { (ctx.t("files.uploaded")) }
                    th { (ctx.t("common.actions")) }
                } }
                tbody { @for f in &listed.files {
                    @let url = state.files.signed_admin_path(f);
                    tr {
                        td { @if f.content_type.starts_with("image/") { a href=(url) { img.thumb src=(format!("{url}&thumb=100x100")) alt=(f.name) loading="lazy"; } } @else { a href=(url) { (ctx.t("files.download")) } } }
                        td { (f.name) }
                        td { (f.content_type) }
                        td { (f.size) }
                        td { @if let Some(o) = &f.owner { a href=(format!("/admin/users/{o}")) { code { (o.as_str()) } } } @else { "admin" } }
                        td { (ui::time(f.created_at)) }
                        td { (ui::button(&ctx, &format!("/admin/files/{name}/files/{}/delete", f.id), ctx.t("common.delete"), Some(ctx.t("files.delete_confirm")))) }
                    }
                } }
            }
            @if listed.cursor.is_some() { p.muted { (ctx.tf("collections.first_page", &[&PAGE_SIZE.to_string()])) } }
        }
        section {
            h2 { (ctx.t("files.upload")) }
            form method="post" enctype="multipart/form-data"
                action=(format!("/admin/files/{name}/upload?{}", form_urlencoded_pair("csrf", &ctx.session.csrf_token))) {
                input type="hidden" name="bucket" value=(name);
                label for="upload_file" { (ctx.t("files.file")) }
                input #upload_file type="file" name="file" required;
                button type="submit" { (ctx.t("files.upload_submit")) }
            }
        }
        section {
            h2 { (ctx.t("files.settings")) }
            form method="post" action=(format!("/admin/files/{name}/settings")) {
                (ui::csrf(&ctx))
                (bucket_fields(&ctx, Some(&settings)))
                button type="submit" { (ctx.t("common.save")) }
            }
            (ui::button(&ctx, &format!("/admin/files/{name}/delete"), ctx.t("files.delete_bucket"), Some(ctx.t("files.delete_bucket_confirm"))))
        }
    };
    Ok(ui::page(
        &ctx,
        &format!("{} · {name}", ctx.t("nav.files")),
        content,
    ))
}

/// The permission mode, size limit and types of a bucket, filled in from `bucket`.
fn bucket_fields(ctx: &Ctx, bucket: Option<&Bucket>) -> Markup {
    let current = bucket.map_or(PermissionMode::default(), |b| b.permission);
    let max = bucket
        .and_then(|b| b.max_bytes)
        .map(|m| m.to_string())
        .unwrap_or_default();
    let types = bucket
        .map(|b| {
            b.types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    html! {
        label for="bucket_permission" { (ctx.t("collections.permission")) }
        select #bucket_permission name="permission" {
            @for mode in PermissionMode::ALL {
                option value=(mode.as_str()) selected[mode == current] { (mode.as_str()) }
            }
        }
        label for="bucket_max" { (ctx.t("files.max_bytes")) }
        input #bucket_max name="max_bytes" type="number" min="1" value=(max) aria-describedby="bucket_max_help";
        p.muted #bucket_max_help { (ctx.t("files.max_bytes_help")) }
        label for="bucket_types" { (ctx.t("files.types")) }
        input #bucket_types name="types" value=(types) placeholder="image/*, application/pdf" aria-describedby="bucket_types_help";
        p.muted #bucket_types_help { (ctx.t("files.types_help")) }
    }
}

#[derive(Deserialize)]
pub struct BucketForm {
    #[serde(default)]
    name: String,
    permission: String,
    #[serde(default)]
    max_bytes: String,
    #[serde(default)]
    types: String,
}

impl BucketForm {
    fn mode(&self) -> Result<PermissionMode, String> {
        PermissionMode::parse(&self.permission)
            .ok_or_else(|| format!("unknown permission {:?}", self.permission))
    }

    /// The limit; `None` when blank.
    fn max_bytes(&self) -> Result<Option<u64>, String> {
        let text = self.max_bytes.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| format!("largest file: {text:?} is not a number of bytes"))
    }
}

/// `POST /admin/files`: creates a bucket.
pub async fn create_bucket(
    State(state): State<AppState>,
    Form(form): Form<BucketForm>,
) -> Response {
    let checked = form.mode().and_then(|mode| Ok((mode, form.max_bytes()?)));
    let (mode, max) = match checked {
        Ok(checked) => checked,
        Err(e) => return ui::after("/admin/files", Err(e), ""),
    };
    let name = form.name.trim();
    match state
        .files
        .create_bucket(name, mode, max, &list(&form.types), None)
        .await
    {
        Ok(bucket) => ui::after(
            &format!("/admin/files/{}", bucket.name.as_str()),
            Ok::<(), String>(()),
            "files.bucket_created",
        ),
        Err(e) => ui::after("/admin/files", Err(e), ""),
    }
}

/// `POST /admin/files/{bucket}/settings`: the mode, the limit (blank: none) and the types.
pub async fn change_bucket(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Form(form): Form<BucketForm>,
) -> Response {
    let back = format!("/admin/files/{name}");
    let checked = form.mode().and_then(|mode| Ok((mode, form.max_bytes()?)));
    let (mode, max) = match checked {
        Ok(checked) => checked,
        Err(e) => return ui::after(&back, Err(e), ""),
    };
    let types = list(&form.types);
    let outcome = state
        .files
        .change_bucket(&name, Some(mode), Some(max), Some(types.as_slice()), None)
        .await;
    ui::after(&back, outcome.map(|_| ()), "files.bucket_changed")
}

/// `POST /admin/files/{bucket}/delete`: the bucket and its files.
pub async fn delete_bucket(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.files.delete_bucket(&name).await {
        Ok(_) => ui::after("/admin/files", Ok::<(), String>(()), "files.bucket_deleted"),
        Err(e) => ui::after(&format!("/admin/files/{name}"), Err(e), ""),
    }
}

/// `POST /admin/files/{bucket}/upload` (multipart, as `POST /api/files` takes it): the file
/// `file` into the bucket `bucket`, as the admin.
pub async fn upload(
    State(state): State<AppState>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let back = format!("/admin/files/{name}");
    let stored = crate::routes::files::store_upload(&state.files, Caller::Admin, request).await;
    ui::after(&back, stored.map(|_| ()), "files.uploaded_notice")
}

/// `POST /admin/files/{bucket}/files/{id}/delete`.
pub async fn delete_file(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    ui::after(
        &format!("/admin/files/{name}"),
        state.files.delete_file(&Caller::Admin, &id).await,
        "files.deleted",
    )
}
