//! The official account's followers: counts, the sync's state, and "sync now".

use axum::extract::State;
use axum::response::Response;
use maud::html;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// `GET /admin/followers`.
pub async fn page(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let Some(oa) = &state.official_account else {
        return Ok(ui::page(
            &ctx,
            ctx.t("nav.followers"),
            ui::empty(ctx.t("followers.not_configured")),
        ));
    };
    let counts = oa.service.counts().await.or_page(&ctx)?;
    let sync = oa.service.sync_status().await.or_page(&ctx)?;
    let content = html! {
        p { (ctx.t("followers.account")) " " code { (oa.service.app_id().as_str()) } }
        dl.stats {
            dt { (ctx.t("followers.following")) } dd { (counts.following) }
            dt { (ctx.t("followers.known")) } dd { (counts.known) }
            dt { (ctx.t("followers.with_unionid")) } dd { (counts.with_unionid) }
        }
        h2 { (ctx.t("followers.sync")) }
        @match &sync {
            None => { (ui::empty(ctx.t("followers.never_synced"))) }
            Some(s) => {
                dl.stats {
                    dt { (ctx.t("followers.running")) } dd { (if s.running { ctx.t("common.yes") } else { ctx.t("common.no") }) }
                    dt { (ctx.t("followers.started")) } dd { @match s.started_at { Some(at) => (ui::time(at)), None => "—" } }
                    dt { (ctx.t("followers.listed")) } dd { (s.listed) @if let Some(total) = s.total { " / " (total) } }
                    dt { (ctx.t("followers.completed")) } dd { @match s.completed_at { Some(at) => (ui::time(at)), None => "—" } }
                }
            }
        }
        (ui::button(&ctx, "/admin/followers/sync", ctx.t("followers.sync_now"), None))
    };
    Ok(ui::page(&ctx, ctx.t("nav.followers"), content))
}

/// `POST /admin/followers/sync`: starts a full sync in the background (one per deployment;
/// a sync already running elsewhere makes this one stop at once).
pub async fn sync(State(state): State<AppState>) -> Response {
    let Some(oa) = &state.official_account else {
        return ui::after(
            "/admin/followers",
            Err("no official account is configured"),
            "",
        );
    };
    let service = oa.service.clone();
    tokio::spawn(async move {
        match service.sync_now().await {
            Ok(outcome) => tracing::info!(?outcome, "follower sync from the console finished"),
            Err(e) => tracing::warn!(error = %e, "follower sync from the console failed"),
        }
    });
    ui::after(
        "/admin/followers",
        Ok::<(), String>(()),
        "followers.sync_started",
    )
}
