//! The outbox: what it holds, the pending replies (send now, cancel) and the failed ones
//! (retry, cancel).

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use wxbase_core::messages::{MessageId, StoredMessage};

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Failed replies the page shows, and pending ones.
const LIST_LIMIT: u32 = 100;

/// `GET /admin/outbox`.
pub async fn page(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let stats = state.messages.outbox_stats().await.or_page(&ctx)?;
    let failed = state
        .messages
        .failed_replies(None, LIST_LIMIT)
        .await
        .or_page(&ctx)?;
    let pending = state
        .console
        .service
        .pending_replies(LIST_LIMIT)
        .await
        .or_page(&ctx)?;
    let content = html! {
        dl.stats {
            dt { (ctx.t("outbox.pending")) } dd { (stats.pending) }
            dt { (ctx.t("outbox.in_flight")) } dd { (stats.in_flight) }
            dt { (ctx.t("outbox.failed")) } dd { (stats.failed) }
            dt { (ctx.t("outbox.sent_last_minute")) } dd { (stats.sent_last_minute) }
            dt { (ctx.t("outbox.oldest_pending")) } dd { @match stats.oldest_pending_at { Some(at) => (ui::time(at)), None => "—" } }
        }
        h2 { (ctx.t("outbox.pending_list")) }
        @if pending.is_empty() {
            (ui::empty(ctx.t("outbox.no_pending")))
        } @else {
            (replies(&ctx, &pending, ctx.t("outbox.send_now")))
        }
        h2 { (ctx.t("outbox.failed_list")) }
        @if failed.is_empty() {
            (ui::empty(ctx.t("outbox.no_failed")))
        } @else {
            (replies(&ctx, &failed, ctx.t("outbox.retry")))
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.outbox"), content))
}

/// A table of replies, each with a retry (or send now) and a cancel button.
fn replies(ctx: &Ctx, messages: &[StoredMessage], retry: &str) -> Markup {
    html! {
            table {
                thead { tr {
                    th { "#" } th { (ctx.t("users.openid")) } th { (ctx.t("outbox.type")) } th { (ctx.t("outbox.attempts")) }
                    th { (ctx.t("outbox.error")) } th { (ctx.t("outbox.queued")) } th { (ctx.t("common.actions")) }
                } }
                tbody { @for m in messages { tr {
                    td { (m.id.0) }
                    td { a href=(format!("/admin/messages/{}", m.openid)) { code { (m.openid.as_str()) } } }
                    td { (m.msg_type) }
                    td { (m.delivery.as_ref().map_or(0, |d| d.attempts)) }
                    td { @if let Some(d) = &m.delivery {
                        @if let Some(code) = d.errcode { code { (code) } " " }
                        (d.error.as_deref().unwrap_or(""))
                    } }
                    td { (ui::time(m.created_at)) }
                    td.actions {
                        (ui::button(ctx, &format!("/admin/outbox/{}/retry", m.id.0), retry, None))
                        (ui::button(ctx, &format!("/admin/outbox/{}/cancel", m.id.0), ctx.t("outbox.cancel"), Some(ctx.t("outbox.cancel_confirm"))))
                    }
                } } }
            }
    }
}

/// `POST /admin/outbox/{id}/retry`.
pub async fn retry(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    ui::after(
        "/admin/outbox",
        state.messages.retry_reply(MessageId(id)).await,
        "outbox.retried",
    )
}

/// `POST /admin/outbox/{id}/cancel`.
pub async fn cancel(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    ui::after(
        "/admin/outbox",
        state.messages.cancel_reply(MessageId(id)).await,
        "outbox.cancelled",
    )
}
