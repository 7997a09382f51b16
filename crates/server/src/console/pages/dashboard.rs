//! The dashboard: users, logins and messages per day over 30 days, the access_token, the push
//! endpoint, the outbox, the official account and WeChat's API errors of the last hour at a
//! glance.

use axum::extract::State;
use maud::html;
use wxbase_core::console::DayCount;
use wxbase_core::Timestamp;

use crate::app::AppState;
use crate::console::ui::{self, bar_chart, Ctx, OrPage, PageResult};

/// Days the charts cover.
const DAYS: u32 = 30;
/// How far back WeChat's API errors are shown.
const ERRORS_WITHIN: std::time::Duration = std::time::Duration::from_secs(3600);

/// Every day from `first` over [`DAYS`], with its count (0 when absent).
fn series(first: i64, counts: &[DayCount]) -> Vec<(String, u64)> {
    (first..first + i64::from(DAYS))
        .map(|day| {
            let n = counts.iter().find(|c| c.day == day).map_or(0, |c| c.count);
            let date = ui::time(Timestamp::from_millis(day * 86_400_000));
            (date.get(..10).unwrap_or(&date).to_owned(), n)
        })
        .collect()
}

/// `GET /admin`.
pub async fn page(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let console = &state.console.service;
    let app_id = state.messages.app_id();
    let users = state.auth.store().count_users(app_id).await.or_page(&ctx)?;
    let (first, counts) = console.daily_counts(DAYS).await.or_page(&ctx)?;
    let token = state.tokens.stored().await.or_page(&ctx)?;
    let outbox = state.messages.outbox_stats().await.or_page(&ctx)?;
    let latest = console.inbox(1).await.or_page(&ctx)?;
    let errors = state
        .console
        .wechat_errors
        .recent(ERRORS_WITHIN)
        .await
        .or_page(&ctx)?;
    let followers = match &state.official_account {
        Some(oa) => Some(oa.service.counts().await.or_page(&ctx)?),
        None => None,
    };
    let content = html! {
        section.cards {
            div.card { h2 { (ctx.t("dashboard.users")) } p.big { (users) } }
            div.card {
                h2 { (ctx.t("dashboard.outbox")) }
                p.big { (outbox.pending) }
                p.muted { (ctx.tf("dashboard.outbox_detail", &[&outbox.in_flight.to_string(), &outbox.failed.to_string(), &outbox.sent_last_minute.to_string()])) }
                @if let Some(oldest) = outbox.oldest_pending_at {
                    p.muted { (ctx.t("dashboard.oldest_pending")) " " (ui::time(oldest)) }
                }
                @if outbox.failed > 0 { p { a href="/admin/outbox" { (ctx.t("dashboard.see_failed")) } } }
            }
            div.card {
                h2 { (ctx.t("dashboard.token")) }
                @match &token {
                    Some(token) => {
                        dl {
                            dt { (ctx.t("dashboard.token_source")) } dd { (token.source.as_str()) }
                            dt { (ctx.t("dashboard.token_refreshed")) } dd { (ui::time(token.fetched_at)) }
                            dt { (ctx.t("dashboard.token_expires")) } dd { (ui::time(token.expires_at)) }
                        }
                    }
                    None => { (ui::empty(ctx.t("dashboard.token_none"))) }
                }
            }
            div.card {
                h2 { (ctx.t("dashboard.push")) }
                @match &state.push {
                    Some(push) => {
                        p { (ctx.t("dashboard.push_on")) " " code { (push.path) } }
                    }
                    None => { p.warning { (ctx.t("dashboard.push_off")) } }
                }
                @match latest.first() {
                    Some(last) => { p.muted { (ctx.t("dashboard.latest_message")) " " (ui::time(last.last_at)) } }
                    None => { p.muted { (ctx.t("dashboard.no_messages")) } }
                }
            }
            @if let Some(followers) = followers {
                div.card {
                    h2 { (ctx.t("dashboard.followers")) }
                    p.big { (followers.following) }
                    p.muted { (ctx.tf("dashboard.followers_detail", &[&followers.known.to_string(), &followers.with_unionid.to_string()])) }
                }
            }
        }
        section #wechat-errors {
            h2 { (ctx.t("dashboard.wechat_errors")) }
            @if errors.is_empty() {
                (ui::empty(ctx.t("dashboard.no_wechat_errors")))
            } @else {
                table {
                    thead { tr {
                        th { (ctx.t("dashboard.errcode")) } th { (ctx.t("dashboard.endpoint")) }
                        th { (ctx.t("dashboard.calls")) } th { (ctx.t("dashboard.last_seen")) }
                    } }
                    tbody { @for e in &errors { tr {
                        td { code { (e.errcode) } }
                        td { code { (e.endpoint) } }
                        td { (e.count) }
                        td { (ui::time(e.last_seen)) }
                    } } }
                }
            }
        }
        section.charts {
            h2 { (ctx.tf("dashboard.charts", &[&DAYS.to_string()])) }
            (bar_chart(ctx.t("dashboard.new_users"), &series(first, &counts.new_users)))
            (bar_chart(ctx.t("dashboard.logins"), &series(first, &counts.logins)))
            (bar_chart(ctx.t("dashboard.inbound"), &series(first, &counts.inbound_messages)))
            (bar_chart(ctx.t("dashboard.outbound"), &series(first, &counts.outbound_messages)))
            p.muted { (ctx.t("dashboard.charts_note")) }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.dashboard"), content))
}
