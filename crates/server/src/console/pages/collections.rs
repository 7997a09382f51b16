//! Collections: the list, create (permission mode, JSON Schema, indexes), one collection's
//! settings, indexes and documents (browse with a filter; create).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};
use wxbase_core::collections::{
    parse_permission, Caller, CollectionChange, CollectionName, FieldPath, NewCollection,
    PermissionMode,
};

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Documents one page shows.
const PAGE_SIZE: u64 = 50;

fn permission_select(ctx: &Ctx, current: PermissionMode) -> Markup {
    html! {
        select #permission name="permission" {
            @for mode in PermissionMode::ALL {
                option value=(mode.as_str()) selected[mode == current] { (mode.as_str()) " — " (ctx.t(&format!("collections.mode.{}", mode.as_str()))) }
            }
        }
    }
}

/// A schema from a form: empty means none.
fn schema(text: &str) -> Result<Option<Value>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| format!("JSON Schema: {e}"))
}

/// `GET /admin/collections`.
pub async fn list(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let collections = state.collections.collections().await.or_page(&ctx)?;
    let content = html! {
        @if collections.is_empty() {
            (ui::empty(ctx.t("collections.none")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("collections.name")) } th { (ctx.t("collections.permission")) }
                    th { (ctx.t("collections.schema")) } th { (ctx.t("collections.indexes")) } th { (ctx.t("collections.created_at")) }
                } }
                tbody { @for c in &collections { tr {
                    td { a href=(format!("/admin/collections/{}", c.name)) { (c.name.to_string()) } }
                    td { (c.permission.as_str()) }
                    td { (if c.schema.is_some() { ctx.t("common.yes") } else { ctx.t("common.no") }) }
                    td { (c.indexes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                    td { (ui::time(c.created_at)) }
                } } }
            }
        }
        section {
            h2 { (ctx.t("collections.create")) }
            form method="post" action="/admin/collections" {
                (ui::csrf(&ctx))
                label for="name" { (ctx.t("collections.name")) }
                input #name name="name" required pattern="[A-Za-z][A-Za-z0-9_\\-]{0,63}";
                label for="permission" { (ctx.t("collections.permission")) }
                (permission_select(&ctx, PermissionMode::ReadAllWriteOwn))
                label for="schema" { (ctx.t("collections.schema")) }
                textarea #schema name="schema" rows="6" placeholder=r#"{"type": "object"}"# {}
                label for="indexes" { (ctx.t("collections.indexes")) }
                input #indexes name="indexes" placeholder="title, author.name";
                button type="submit" { (ctx.t("collections.create_submit")) }
            }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.collections"), content))
}

#[derive(Deserialize)]
pub struct NewCollectionForm {
    name: String,
    permission: String,
    #[serde(default)]
    schema: String,
    #[serde(default)]
    indexes: String,
}

impl NewCollectionForm {
    fn collection(&self) -> Result<NewCollection, String> {
        Ok(NewCollection {
            name: CollectionName::parse(self.name.trim()).map_err(|e| e.to_string())?,
            permission: parse_permission(&self.permission).map_err(|e| e.to_string())?,
            schema: schema(&self.schema)?,
            indexes: self
                .indexes
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(|f| FieldPath::parse(f).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// `POST /admin/collections`.
pub async fn create(
    State(state): State<AppState>,
    Form(form): Form<NewCollectionForm>,
) -> Response {
    let outcome = match form.collection() {
        Ok(new) => state
            .collections
            .create_collection(new)
            .await
            .map(|c| c.name.to_string())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(name) => ui::after(
            &format!("/admin/collections/{name}"),
            Ok::<(), String>(()),
            "collections.created",
        ),
        Err(e) => ui::after("/admin/collections", Err(e), ""),
    }
}

#[derive(Deserialize)]
pub struct Browse {
    #[serde(default, rename = "where")]
    filter: String,
}

/// `GET /admin/collections/{name}?where=`: settings, indexes, and documents.
pub async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(browse): Query<Browse>,
) -> PageResult {
    let collection = match state.collections.collection(&name).await {
        Ok(c) => c,
        Err(e) => {
            return Ok(ui::page(
                &ctx,
                &name,
                html! { p.error { (e.to_string()) } p { a href="/admin/collections" { (ctx.t("collections.back")) } } },
            ))
        }
    };
    let mut request = json!({ "limit": PAGE_SIZE });
    let mut filter_error = None;
    if !browse.filter.trim().is_empty() {
        match serde_json::from_str::<Value>(&browse.filter) {
            Ok(filter) => request["where"] = filter,
            Err(e) => filter_error = Some(format!("where: {e}")),
        }
    }
    let page = match filter_error {
        Some(e) => Err(e),
        None => state
            .collections
            .query(&Caller::Admin, &name, &request)
            .await
            .map_err(|e| e.to_string()),
    };
    let base = format!("/admin/collections/{}", collection.name);
    let schema_text = collection
        .schema
        .as_ref()
        .map(|s| serde_json::to_string_pretty(s).unwrap_or_default())
        .unwrap_or_default();
    let content = html! {
        section {
            h2 { (ctx.t("collections.settings")) }
            form method="post" action=(base) {
                (ui::csrf(&ctx))
                label for="permission" { (ctx.t("collections.permission")) }
                (permission_select(&ctx, collection.permission))
                label for="schema" { (ctx.t("collections.schema")) }
                textarea #schema.code name="schema" rows="8" { (schema_text) }
                p.muted { (ctx.t("collections.schema_help")) }
                button type="submit" { (ctx.t("common.save")) }
            }
        }
        section {
            h2 { (ctx.t("collections.indexes")) }
            @if collection.indexes.is_empty() {
                (ui::empty(ctx.t("collections.no_indexes")))
            } @else {
                ul { @for field in &collection.indexes { li {
                    code { (field.to_string()) } " "
                    form.inline method="post" action=(format!("{base}/indexes/drop")) {
                        (ui::csrf(&ctx))
                        input type="hidden" name="field" value=(field.to_string());
                        button type="submit" { (ctx.t("collections.drop_index")) }
                    }
                } } }
            }
            form.inline method="post" action=(format!("{base}/indexes")) {
                (ui::csrf(&ctx))
                label for="field" { (ctx.t("collections.index_field")) }
                input #field name="field" required placeholder="title";
                button type="submit" { (ctx.t("collections.add_index")) }
            }
        }
        section {
            h2 { (ctx.t("collections.documents")) }
            form.search method="get" action=(base) {
                label for="where" { (ctx.t("collections.filter")) }
                input #where name="where" value=(browse.filter) placeholder=r#"{"status": "open"}"#;
                button type="submit" { (ctx.t("collections.apply")) }
            }
            @match &page {
                Err(e) => { p.error role="alert" { (e) } }
                Ok(page) if page.documents.is_empty() => { (ui::empty(ctx.t("collections.no_documents"))) }
                Ok(page) => {
                    table.documents {
                        thead { tr { th { "_id" } th { "_openid" } th { (ctx.t("collections.body")) } } }
                        tbody { @for doc in &page.documents {
                            @let id = doc.get("_id").and_then(Value::as_str).unwrap_or("");
                            tr {
                                td { a href=(format!("{base}/documents/{id}")) { code { (id) } } }
                                td { (doc.get("_openid").and_then(Value::as_str).unwrap_or("")) }
                                td { code.json { (body_preview(doc)) } }
                            }
                        } }
                    }
                    @if page.cursor.is_some() { p.muted { (ctx.tf("collections.first_page", &[&PAGE_SIZE.to_string()])) } }
                }
            }
            h3 { (ctx.t("collections.new_document")) }
            form method="post" action=(format!("{base}/documents")) {
                (ui::csrf(&ctx))
                label for="body" { (ctx.t("collections.body")) }
                textarea #body.code name="body" rows="5" required { "{}" }
                button type="submit" { (ctx.t("collections.add_document")) }
            }
        }
        details.danger {
            summary { (ctx.t("collections.danger")) }
            (ui::button(&ctx, &format!("{base}/delete"), ctx.t("collections.delete"), Some(ctx.t("collections.delete_confirm"))))
        }
    };
    Ok(ui::page(
        &ctx,
        &format!("{} · {}", ctx.t("nav.collections"), collection.name),
        content,
    ))
}

/// A document's fields without the system ones, compact and cut short.
fn body_preview(doc: &Value) -> String {
    let mut body = doc.clone();
    if let Some(map) = body.as_object_mut() {
        map.retain(|k, _| !k.starts_with('_'));
    }
    let text = body.to_string();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    permission: String,
    #[serde(default)]
    schema: String,
}

/// `POST /admin/collections/{name}`: the permission mode and the schema.
pub async fn change(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let base = format!("/admin/collections/{name}");
    let outcome = async {
        let permission = parse_permission(&form.permission).map_err(|e| e.to_string())?;
        let schema = schema(&form.schema)?;
        state
            .collections
            .change_collection(&name, CollectionChange::Permission(permission))
            .await
            .map_err(|e| e.to_string())?;
        state
            .collections
            .change_collection(&name, CollectionChange::Schema(schema))
            .await
            .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    }
    .await;
    ui::after(&base, outcome, "collections.saved")
}

#[derive(Deserialize)]
pub struct FieldForm {
    field: String,
}

/// `POST /admin/collections/{name}/indexes`.
pub async fn add_index(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Form(form): Form<FieldForm>,
) -> Response {
    let outcome = state.collections.add_index(&name, form.field.trim()).await;
    after_index_change(&name, outcome, "collections.index_added")
}

/// `POST /admin/collections/{name}/indexes/drop`.
pub async fn drop_index(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Form(form): Form<FieldForm>,
) -> Response {
    let outcome = state.collections.drop_index(&name, form.field.trim()).await;
    after_index_change(&name, outcome, "collections.index_dropped")
}

fn after_index_change<T, E: std::fmt::Display>(
    name: &str,
    outcome: Result<T, E>,
    notice: &str,
) -> Response {
    ui::after(
        &format!("/admin/collections/{name}"),
        outcome.map(|_| ()),
        notice,
    )
}

/// `POST /admin/collections/{name}/delete`.
pub async fn delete(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.collections.delete_collection(&name).await {
        Ok(()) => ui::after(
            "/admin/collections",
            Ok::<(), String>(()),
            "collections.deleted",
        ),
        Err(e) => ui::after(&format!("/admin/collections/{name}"), Err(e), ""),
    }
}
