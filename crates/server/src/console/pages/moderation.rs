//! The moderation queue: uploaded images and audio waiting for WeChat's verdict or judged
//! risky, with previews, and the admin's pass and reject buttons.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use wxbase_core::files::{ModerationStatus, StoredFile};

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Files each list shows.
const LIST_LIMIT: u32 = 100;

/// `GET /admin/moderation`.
pub async fn page(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let pending = state
        .files
        .moderation_queue(Some(ModerationStatus::Pending), None, Some(LIST_LIMIT))
        .await
        .or_page(&ctx)?;
    let risky = state
        .files
        .moderation_queue(Some(ModerationStatus::Risky), None, Some(LIST_LIMIT))
        .await
        .or_page(&ctx)?;
    let content = html! {
        p.muted { (ctx.t("moderation.help")) }
        h2 { (ctx.t("moderation.pending")) }
        @if pending.files.is_empty() {
            (ui::empty(ctx.t("moderation.no_pending")))
        } @else {
            (files(&ctx, &state, &pending.files))
        }
        h2 { (ctx.t("moderation.risky")) }
        @if risky.files.is_empty() {
            (ui::empty(ctx.t("moderation.no_risky")))
        } @else {
            (files(&ctx, &state, &risky.files))
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.moderation"), content))
}

/// A table of files with their preview, verdict and the two buttons.
fn files(ctx: &Ctx, state: &AppState, files: &[StoredFile]) -> Markup {
    html! {
        table {
            thead { tr {
                th { (ctx.t("files.preview")) } th { (ctx.t("files.bucket")) } th { (ctx.t("files.name")) }
                th { (ctx.t("files.owner")) } th { (ctx.t("files.uploaded")) } th { (ctx.t("moderation.label")) }
                th { (ctx.t("common.actions")) }
            } }
            tbody { @for f in files {
                @let url = state.files.signed_admin_path(f);
                @let decide = format!("/admin/moderation/{}/{}", f.bucket.as_str(), f.id);
                tr {
                    td { @if f.content_type.starts_with("image/") {
                        a href=(url) { img.thumb src=(format!("{url}&thumb=100x100")) alt=(f.name) loading="lazy"; }
                    } @else if f.content_type.starts_with("audio/") {
                        audio controls preload="none" src=(url) {}
                    } @else { a href=(url) { (ctx.t("files.download")) } } }
                    td { a href=(format!("/admin/files/{}", f.bucket.as_str())) { (f.bucket.as_str()) } }
                    td { (f.name) }
                    td { @if let Some(o) = &f.owner { a href=(format!("/admin/users/{o}")) { code { (o.as_str()) } } } @else { "admin" } }
                    td { (ui::time(f.created_at)) }
                    td { @if let Some(m) = &f.moderation {
                        @if let Some(label) = m.label { code { (label) } " " }
                        @if let Some(source) = m.source { span.muted { (source.as_str()) } }
                    } }
                    td.actions {
                        (ui::button(ctx, &format!("{decide}/pass"), ctx.t("moderation.pass"), None))
                        (ui::button(ctx, &format!("{decide}/reject"), ctx.t("moderation.reject"), Some(ctx.t("moderation.reject_confirm"))))
                    }
                }
            } }
        }
    }
}

/// `POST /admin/moderation/{bucket}/{id}/pass`.
pub async fn pass(
    State(state): State<AppState>,
    Path((bucket, id)): Path<(String, String)>,
) -> Response {
    decide(
        &state,
        &bucket,
        &id,
        ModerationStatus::Passed,
        "moderation.passed",
    )
    .await
}

/// `POST /admin/moderation/{bucket}/{id}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    Path((bucket, id)): Path<(String, String)>,
) -> Response {
    decide(
        &state,
        &bucket,
        &id,
        ModerationStatus::Risky,
        "moderation.rejected",
    )
    .await
}

async fn decide(
    state: &AppState,
    bucket: &str,
    id: &str,
    verdict: ModerationStatus,
    notice: &str,
) -> Response {
    let outcome = state
        .files
        .override_verdict(bucket, id, verdict)
        .await
        .map(|_| ());
    ui::after("/admin/moderation", outcome, notice)
}
