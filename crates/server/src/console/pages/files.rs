//! Files: the buckets, and one bucket's files with image previews (signed URLs).

use axum::extract::{Path, State};
use maud::html;

use crate::app::AppState;
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
        p.muted { (ctx.t("files.buckets_help")) }
    };
    Ok(ui::page(&ctx, ctx.t("nav.files"), content))
}

/// `GET /admin/files/{bucket}`.
pub async fn bucket(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> PageResult {
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
                    }
                } }
            }
            @if listed.cursor.is_some() { p.muted { (ctx.tf("collections.first_page", &[&PAGE_SIZE.to_string()])) } }
        }
    };
    Ok(ui::page(
        &ctx,
        &format!("{} · {name}", ctx.t("nav.files")),
        content,
    ))
}
