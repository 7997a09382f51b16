//! One collection's documents: create, edit (replace the body), delete. The admin bypasses
//! every permission mode; the schema and size limits still apply.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use maud::html;
use serde::Deserialize;
use serde_json::Value;
use wxbase_core::collections::Caller;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, PageResult};

#[derive(Deserialize)]
pub struct BodyForm {
    body: String,
}

fn body(form: &BodyForm) -> Result<Value, String> {
    serde_json::from_str(&form.body).map_err(|e| format!("JSON: {e}"))
}

/// `POST /admin/collections/{name}/documents`.
pub async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Form(form): Form<BodyForm>,
) -> Response {
    let base = format!("/admin/collections/{name}");
    let outcome = match body(&form) {
        Ok(value) => state
            .collections
            .create(&Caller::Admin, &name, value)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    ui::after(&base, outcome, "documents.created")
}

/// `GET /admin/collections/{name}/documents/{id}`.
pub async fn edit(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> PageResult {
    let base = format!("/admin/collections/{name}");
    let title = format!("{name} · {id}");
    let document = match state.collections.get(&Caller::Admin, &name, &id).await {
        Ok(document) => document,
        Err(e) => {
            return Ok(ui::page(
                &ctx,
                &title,
                html! {
                    p.error role="alert" { (e.to_string()) }
                    p { a href=(base) { (ctx.t("documents.back")) } }
                },
            ))
        }
    };
    let text =
        serde_json::to_string_pretty(&Value::Object(document.body.clone())).unwrap_or_default();
    let content = html! {
        dl {
            dt { "_id" } dd { code { (document.id.as_str()) } }
            dt { "_openid" } dd { (document.owner.as_ref().map_or("—", |o| o.as_str())) }
            dt { (ctx.t("documents.version")) } dd { (document.version) }
            dt { (ctx.t("documents.updated")) } dd { (ui::time(document.updated_at)) }
        }
        form method="post" action=(format!("{base}/documents/{id}")) {
            (ui::csrf(&ctx))
            label for="body" { (ctx.t("collections.body")) }
            textarea #body.code name="body" rows="14" required { (text) }
            button type="submit" { (ctx.t("common.save")) }
        }
        (ui::button(&ctx, &format!("{base}/documents/{id}/delete"), ctx.t("common.delete"), Some(ctx.t("documents.delete_confirm"))))
        p { a href=(base) { (ctx.t("documents.back")) } }
    };
    Ok(ui::page(&ctx, &title, content))
}

/// `POST /admin/collections/{name}/documents/{id}`: replaces the body.
pub async fn replace(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<BodyForm>,
) -> Response {
    let here = format!("/admin/collections/{name}/documents/{id}");
    let outcome = match body(&form) {
        Ok(value) => state
            .collections
            .replace(&Caller::Admin, &name, &id, value)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    ui::after(&here, outcome, "documents.saved")
}

/// `POST /admin/collections/{name}/documents/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    match state.collections.delete(&Caller::Admin, &name, &id).await {
        Ok(()) => ui::after(
            &format!("/admin/collections/{name}"),
            Ok::<(), String>(()),
            "documents.deleted",
        ),
        Err(e) => ui::after(
            &format!("/admin/collections/{name}/documents/{id}"),
            Err(e),
            "",
        ),
    }
}
