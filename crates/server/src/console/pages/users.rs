//! Users: search by openid, unionid or phone number; one user's profile, sessions (revoke),
//! follow status, latest messages and files.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::User;
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::console::pages::messages::message_list;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Most users a search shows.
const SEARCH_LIMIT: u32 = 50;

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

fn user_row(user: &User) -> Markup {
    html! {
        tr {
            td { a href=(format!("/admin/users/{}", user.openid)) { code { (user.openid.as_str()) } } }
            td { @if let Some(u) = &user.unionid { code { (u.as_str()) } } }
            td { @if let Some(p) = &user.phone { (p.phone_number) } }
            td { (user.profile.nickname.as_deref().unwrap_or("")) }
            td { (ui::time(user.last_login_at)) }
        }
    }
}

/// `GET /admin/users?q=`: the search (htmx refreshes the results as one types).
pub async fn list(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(search): Query<Search>,
) -> PageResult {
    let users = state
        .console
        .service
        .search_users(&search.q, SEARCH_LIMIT)
        .await
        .or_page(&ctx)?;
    let content = html! {
        form.search method="get" action="/admin/users" role="search"
            hx-get="/admin/users" hx-trigger="input changed delay:300ms from:#q, search" hx-target="#results" hx-select="#results" hx-swap="outerHTML" hx-push-url="true" {
            label for="q" { (ctx.t("users.search_label")) }
            input #q type="search" name="q" value=(search.q) placeholder=(ctx.t("users.search_placeholder"));
            button type="submit" { (ctx.t("users.search")) }
        }
        div #results {
            @if users.is_empty() {
                (ui::empty(if search.q.is_empty() { ctx.t("users.none") } else { ctx.t("users.not_found") }))
            } @else {
                table {
                    thead { tr {
                        th { (ctx.t("users.openid")) } th { (ctx.t("users.unionid")) }
                        th { (ctx.t("users.phone")) } th { (ctx.t("users.nickname")) }
                        th { (ctx.t("users.last_login")) }
                    } }
                    tbody { @for user in &users { (user_row(user)) } }
                }
            }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.users"), content))
}

async fn find(ctx: &Ctx, state: &AppState, openid: &str) -> Result<Option<User>, ui::PageError> {
    let Ok(openid) = OpenId::parse(openid.to_owned()) else {
        return Ok(None);
    };
    state.console.service.user(&openid).await.or_page(ctx)
}

/// `GET /admin/users/{openid}`.
pub async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(openid): Path<String>,
) -> PageResult {
    let Some(user) = find(&ctx, &state, &openid).await? else {
        return Ok(ui::page(
            &ctx,
            ctx.t("users.title"),
            ui::empty(ctx.t("users.no_such_user")),
        ));
    };
    let sessions = state
        .console
        .service
        .user_sessions(&user)
        .await
        .or_page(&ctx)?;
    let messages = state
        .messages
        .conversation(&user.openid, None, 20)
        .await
        .or_page(&ctx)?;
    let follow = match &state.official_account {
        Some(oa) => Some(oa.service.status_of(&user).await.or_page(&ctx)?),
        None => None,
    };
    let mut files = Vec::new();
    for bucket in state.files.buckets().await.or_page(&ctx)? {
        let listed = state
            .files
            .list_files(
                bucket.name.as_str(),
                Some(user.openid.as_str()),
                None,
                Some(20),
            )
            .await
            .or_page(&ctx)?;
        files.extend(listed.files);
    }
    let path = format!("/admin/users/{}", user.openid);
    let content = html! {
        section {
            h2 { (ctx.t("users.profile")) }
            dl {
                dt { (ctx.t("users.openid")) } dd { code { (user.openid.as_str()) } }
                dt { (ctx.t("users.unionid")) } dd { @match &user.unionid { Some(u) => code { (u.as_str()) }, None => span.muted { "—" } } }
                dt { (ctx.t("users.phone")) } dd { @match &user.phone { Some(p) => (p.phone_number), None => span.muted { "—" } } }
                dt { (ctx.t("users.nickname")) } dd { (user.profile.nickname.as_deref().unwrap_or("—")) }
                dt { (ctx.t("users.created")) } dd { (ui::time(user.created_at)) }
                dt { (ctx.t("users.last_login")) } dd { (ui::time(user.last_login_at)) }
                @if let Some(follow) = &follow {
                    dt { (ctx.t("users.follows")) }
                    dd { @if follow.following { (ctx.t("common.yes")) @if let Some(since) = follow.since { " (" (ui::time(since)) ")" } } @else { (ctx.t("common.no")) } }
                }
            }
        }
        section {
            h2 { (ctx.t("users.sessions")) " (" (sessions.len()) ")" }
            @if sessions.is_empty() {
                (ui::empty(ctx.t("users.no_sessions")))
            } @else {
                table {
                    thead { tr { th { (ctx.t("users.session_started")) } th { (ctx.t("users.session_expires")) } } }
                    tbody { @for s in &sessions { tr { td { (ui::time(s.created_at)) } td { (ui::time(s.expires_at)) } } } }
                }
                (ui::button(&ctx, &format!("{path}/revoke-sessions"), ctx.t("users.revoke"), Some(ctx.t("users.revoke_confirm"))))
            }
        }
        section {
            h2 { (ctx.t("users.messages")) }
            p { a href=(format!("/admin/messages/{}", user.openid)) { (ctx.t("users.open_conversation")) } }
            (message_list(&ctx, &messages))
        }
        section {
            h2 { (ctx.t("users.files")) }
            @if files.is_empty() {
                (ui::empty(ctx.t("users.no_files")))
            } @else {
                table {
                    thead { tr { th { (ctx.t("files.bucket")) } th { (ctx.t("files.name")) } th { (ctx.t("files.type")) } th { (ctx.t("files.size")) } } }
                    tbody { @for f in &files { tr {
                        td { a href=(format!("/admin/files/{}", f.bucket.as_str())) { (f.bucket.as_str()) } }
                        td { (f.name) } td { (f.content_type) } td { (f.size) }
                    } } }
                }
            }
        }
    };
    Ok(ui::page(&ctx, ctx.t("users.title"), content))
}

/// `POST /admin/users/{openid}/revoke-sessions`.
pub async fn revoke_sessions(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(openid): Path<String>,
) -> Result<Response, ui::PageError> {
    let path = format!("/admin/users/{openid}");
    let Some(user) = find(&ctx, &state, &openid).await? else {
        return Ok(ui::after(&path, Err(ctx.t("users.no_such_user")), ""));
    };
    let outcome = state
        .console
        .service
        .revoke_user_sessions(&user)
        .await
        .map(|_| ());
    Ok(ui::after(&path, outcome, "users.revoked"))
}
