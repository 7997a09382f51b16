//! Codes and links: a mini-program code made from the console (its image shown, kept as a
//! file and reused for the same parameters), and URL links or URL schemes (the link and when
//! it expires).

use axum::extract::{RawForm, State};
use maud::{html, Markup};
use wxbase_core::codes::{CodeParams, EnvVersion, LinkKind, LinkParams};
use wxbase_core::collections::Caller;

use crate::app::AppState;
use crate::console::form::Fields;
use crate::console::ui::{self, Ctx, PageResult};

/// A link's life when the form does not say, in days (as the admin API).
const DEFAULT_LINK_DAYS: u32 = 30;

fn env_select(ctx: &Ctx, id: &str) -> Markup {
    html! {
        label for=(id) { (ctx.t("codes.env_version")) }
        select id=(id) name="env_version" {
            option value="release" selected { "release" }
            option value="trial" { "trial" }
            option value="develop" { "develop" }
        }
    }
}

fn forms(ctx: &Ctx, above: Option<Markup>) -> Markup {
    html! {
        @if let Some(above) = above { (above) }
        section {
            h2 { (ctx.t("codes.code")) }
            form method="post" action="/admin/codes/code" {
                (ui::csrf(ctx))
                label for="code_scene" { (ctx.t("codes.scene")) }
                input #code_scene name="scene" required maxlength="1024" aria-describedby="code_scene_help";
                p.muted #code_scene_help { (ctx.t("codes.scene_help")) }
                label for="code_page" { (ctx.t("codes.page")) }
                input #code_page name="page" placeholder="pages/index/index";
                label for="code_width" { (ctx.t("codes.width")) }
                input #code_width name="width" type="number" min="280" max="1280" placeholder="430";
                (env_select(ctx, "code_env"))
                label { input type="checkbox" name="check_path" value="on" checked; " " (ctx.t("codes.check_path")) }
                label { input type="checkbox" name="is_hyaline" value="on"; " " (ctx.t("codes.hyaline")) }
                button type="submit" { (ctx.t("codes.code_submit")) }
            }
        }
        section {
            h2 { (ctx.t("codes.link")) }
            form method="post" action="/admin/codes/link" {
                (ui::csrf(ctx))
                fieldset {
                    legend { (ctx.t("codes.kind")) }
                    label { input type="radio" name="kind" value="url_link" checked; " " (ctx.t("codes.url_link")) }
                    label { input type="radio" name="kind" value="scheme"; " " (ctx.t("codes.scheme")) }
                }
                label for="link_path" { (ctx.t("codes.page")) }
                input #link_path name="path" placeholder="pages/index/index";
                label for="link_query" { (ctx.t("codes.query")) }
                input #link_query name="query" placeholder="id=1";
                label for="link_days" { (ctx.t("codes.days")) }
                input #link_days name="days" type="number" min="1" max="30" value=(DEFAULT_LINK_DAYS);
                (env_select(ctx, "link_env"))
                button type="submit" { (ctx.t("codes.link_submit")) }
            }
        }
    }
}

/// `GET /admin/codes`.
pub async fn page(ctx: Ctx) -> PageResult {
    Ok(ui::page(&ctx, ctx.t("nav.codes"), forms(&ctx, None)))
}

fn env_version(fields: &Fields) -> Result<EnvVersion, String> {
    match fields.get("env_version").unwrap_or("release") {
        "release" => Ok(EnvVersion::Release),
        "trial" => Ok(EnvVersion::Trial),
        "develop" => Ok(EnvVersion::Develop),
        other => Err(format!("env version {other:?}: release, trial or develop")),
    }
}

fn error(ctx: &Ctx, e: impl std::fmt::Display) -> PageResult {
    let shown = html! { p.error role="alert" { (e.to_string()) } };
    Ok(ui::page(ctx, ctx.t("nav.codes"), forms(ctx, Some(shown))))
}

/// `POST /admin/codes/code`: makes (or reuses) the code and shows it.
pub async fn code(ctx: Ctx, State(state): State<AppState>, form: RawForm) -> PageResult {
    let fields = Fields::of(form);
    let width = match fields.get("width").map(str::parse::<u32>).transpose() {
        Ok(width) => width,
        Err(_) => return error(&ctx, "width: a number of pixels, 280 to 1280"),
    };
    let env = match env_version(&fields) {
        Ok(env) => env,
        Err(e) => return error(&ctx, e),
    };
    let params = CodeParams {
        scene: fields.text("scene").trim().to_owned(),
        page: fields
            .get("page")
            .map(|p| p.trim_start_matches('/').to_owned()),
        width,
        env_version: Some(env),
        check_path: Some(fields.checked("check_path")),
        is_hyaline: Some(fields.checked("is_hyaline")),
    };
    let made = match state.codes.code(&Caller::Admin, params).await {
        Ok(made) => made,
        Err(e) => return error(&ctx, e),
    };
    let (url, expires) = state.files.signed_path(&made.file);
    let shown = html! {
        div.notice #made-code role="status" {
            p { (if made.reused { ctx.t("codes.reused") } else { ctx.t("codes.made") }) }
            p { img.code src=(url) alt=(ctx.t("codes.code")) width="280"; }
            dl {
                dt { (ctx.t("codes.scene")) } dd { code { (made.scene) } }
                dt { (ctx.t("codes.file")) } dd { a href=(format!("/admin/files/{}", made.file.bucket.as_str())) { code { (made.file.id.to_string()) } } }
                dt { (ctx.t("codes.image_expires")) } dd { (ui::time(expires)) }
            }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.codes"), forms(&ctx, Some(shown))))
}

/// `POST /admin/codes/link`: a new URL link or URL scheme, shown with its expiry.
pub async fn link(ctx: Ctx, State(state): State<AppState>, form: RawForm) -> PageResult {
    let fields = Fields::of(form);
    let kind = match fields.get("kind") {
        Some("scheme") => LinkKind::Scheme,
        _ => LinkKind::UrlLink,
    };
    let days = match fields.get("days").map(str::parse::<u32>).transpose() {
        Ok(days) => days.unwrap_or(DEFAULT_LINK_DAYS),
        Err(_) => return error(&ctx, "days: 1 to 30"),
    };
    let env = match env_version(&fields) {
        Ok(env) => env,
        Err(e) => return error(&ctx, e),
    };
    let params = LinkParams {
        path: fields
            .get("path")
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        query: fields.get("query").unwrap_or_default().to_owned(),
        expires_in_days: days,
        env_version: env,
    };
    let made = match state.codes.link(kind, params).await {
        Ok(made) => made,
        Err(e) => return error(&ctx, e),
    };
    let shown = html! {
        div.notice #made-link role="status" {
            p { code #new-link { (made.url) } }
            p { (ctx.t("codes.link_expires")) " " (ui::time(made.expires_at)) }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.codes"), forms(&ctx, Some(shown))))
}
