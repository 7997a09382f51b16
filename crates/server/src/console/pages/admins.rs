//! Admin accounts, as `wxbase admin` manages them: the list, create (the password twice),
//! change a password (that admin's sessions end), delete (never oneself, so never the last).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::console::Password;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// The page's path.
const HOME: &str = "/admin/admins";

fn password_fields(ctx: &Ctx, id: &str) -> Markup {
    html! {
        label for=(format!("{id}_password")) { (ctx.t("admins.password")) }
        input id=(format!("{id}_password")) name="password" type="password" required minlength="10" autocomplete="new-password";
        label for=(format!("{id}_again")) { (ctx.t("admins.password_again")) }
        input id=(format!("{id}_again")) name="again" type="password" required minlength="10" autocomplete="new-password";
    }
}

/// `GET /admin/admins`.
pub async fn list(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let admins = state.console.service.admins().await.or_page(&ctx)?;
    let me = ctx.session.username.as_str();
    let content = html! {
        @if admins.is_empty() {
            (ui::empty(ctx.t("admins.none")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("admins.username")) } th { (ctx.t("admins.created")) }
                    th { (ctx.t("admins.changed")) } th { (ctx.t("common.actions")) }
                } }
                tbody { @for a in &admins {
                    @let name = a.username.as_str();
                    @let id = format!("pw_{}", a.id.0);
                    tr {
                        td { (name) @if name == me { " " span.muted { (ctx.t("admins.you")) } } }
                        td { (ui::time(a.created_at)) }
                        td { (ui::time(a.updated_at)) }
                        td.actions {
                            details {
                                summary { (ctx.t("admins.change_password")) }
                                form method="post" action=(format!("{HOME}/{name}/password")) {
                                    (ui::csrf(&ctx))
                                    (password_fields(&ctx, &id))
                                    button type="submit" { (ctx.t("admins.change_submit")) }
                                }
                            }
                            @if name != me {
                                (ui::button(&ctx, &format!("{HOME}/{name}/delete"), ctx.t("common.delete"), Some(ctx.t("admins.delete_confirm"))))
                            }
                        }
                    }
                } }
            }
        }
        section {
            h2 { (ctx.t("admins.create")) }
            form method="post" action=(HOME) {
                (ui::csrf(&ctx))
                label for="admin_username" { (ctx.t("admins.username")) }
                input #admin_username name="username" required maxlength="64" autocomplete="off";
                (password_fields(&ctx, "new"))
                button type="submit" { (ctx.t("admins.create_submit")) }
            }
            p.muted { (ctx.t("admins.help")) }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.admins"), content))
}

#[derive(Deserialize)]
pub struct PasswordTwice {
    password: String,
    again: String,
}

impl PasswordTwice {
    fn password(self) -> Result<Password, String> {
        if self.password != self.again {
            return Err("the two passwords differ".to_owned());
        }
        Password::new(self.password).map_err(|e| e.to_string())
    }
}

#[derive(Deserialize)]
pub struct NewAdmin {
    username: String,
    #[serde(flatten)]
    password: PasswordTwice,
}

/// `POST /admin/admins`.
pub async fn create(State(state): State<AppState>, Form(form): Form<NewAdmin>) -> Response {
    let password = match form.password.password() {
        Ok(password) => password,
        Err(e) => return ui::after(HOME, Err(e), ""),
    };
    let outcome = state
        .console
        .service
        .create_admin(form.username.trim(), &password)
        .await;
    ui::after(HOME, outcome.map(|_| ()), "admins.created_notice")
}

/// `POST /admin/admins/{username}/password`: a new password; their sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Form(form): Form<PasswordTwice>,
) -> Response {
    let password = match form.password() {
        Ok(password) => password,
        Err(e) => return ui::after(HOME, Err(e), ""),
    };
    let outcome = state
        .console
        .service
        .set_password(&username, &password)
        .await;
    ui::after(HOME, outcome, "admins.password_changed")
}

/// `POST /admin/admins/{username}/delete`: never the admin signed in (so never the last one).
pub async fn delete(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Response {
    if username == ctx.session.username.as_str() {
        return ui::after(HOME, Err(ctx.t("admins.not_yourself")), "");
    }
    let outcome = state.console.service.delete_admin(&username).await;
    ui::after(HOME, outcome, "admins.deleted")
}
