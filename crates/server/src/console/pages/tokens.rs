//! Admin API tokens: the list, create (read only or full; the secret is shown once), revoke.
//! The admin API accepts them beside `admin.token`.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::console::{ApiToken, ApiTokenId, TokenScope};

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

fn tokens_page(ctx: &Ctx, tokens: &[ApiToken], created: Option<Markup>) -> Markup {
    html! {
        @if let Some(created) = created { (created) }
        @if tokens.is_empty() {
            (ui::empty(ctx.t("tokens.none")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("tokens.name")) } th { (ctx.t("tokens.scope")) } th { (ctx.t("tokens.created_by")) }
                    th { (ctx.t("tokens.created")) } th { (ctx.t("common.actions")) }
                } }
                tbody { @for t in tokens { tr {
                    td { (t.name) }
                    td { (ctx.t(&format!("tokens.scope.{}", t.scope.as_str()))) }
                    td { (t.created_by) }
                    td { (ui::time(t.created_at)) }
                    td { (ui::button(ctx, &format!("/admin/tokens/{}/revoke", t.id.0), ctx.t("tokens.revoke"), Some(ctx.t("tokens.revoke_confirm")))) }
                } } }
            }
        }
        section {
            h2 { (ctx.t("tokens.create")) }
            form method="post" action="/admin/tokens" {
                (ui::csrf(ctx))
                label for="token_name" { (ctx.t("tokens.name")) }
                input #token_name name="name" required maxlength="100";
                fieldset {
                    legend { (ctx.t("tokens.scope")) }
                    label { input type="radio" name="scope" value="read_only" checked; " " (ctx.t("tokens.scope.read_only")) }
                    label { input type="radio" name="scope" value="full"; " " (ctx.t("tokens.scope.full")) }
                }
                button type="submit" { (ctx.t("tokens.create_submit")) }
            }
            p.muted { (ctx.t("tokens.help")) }
        }
    }
}

/// `GET /admin/tokens`.
pub async fn list(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let tokens = state.console.service.api_tokens().await.or_page(&ctx)?;
    Ok(ui::page(
        &ctx,
        ctx.t("nav.tokens"),
        tokens_page(&ctx, &tokens, None),
    ))
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
    scope: String,
}

/// `POST /admin/tokens`: creates a token and shows its secret, once.
pub async fn create(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<NewToken>,
) -> PageResult {
    let Some(scope) = TokenScope::parse(&form.scope) else {
        return Ok(ui::after("/admin/tokens", Err("unknown scope"), ""));
    };
    let created = match state
        .console
        .service
        .create_api_token(&form.name, scope, &ctx.session.username)
        .await
    {
        Ok(created) => created,
        Err(e) => return Ok(ui::after("/admin/tokens", Err(e), "")),
    };
    let tokens = state.console.service.api_tokens().await.or_page(&ctx)?;
    let shown = html! {
        div.notice role="status" {
            p { (ctx.t("tokens.created_once")) }
            p { code #new-token { (created.secret.expose()) } }
        }
    };
    Ok(ui::page(
        &ctx,
        ctx.t("nav.tokens"),
        tokens_page(&ctx, &tokens, Some(shown)),
    ))
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    ui::after(
        "/admin/tokens",
        state.console.service.revoke_api_token(ApiTokenId(id)).await,
        "tokens.revoked",
    )
}
