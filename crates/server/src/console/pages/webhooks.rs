//! Webhooks: the endpoints; create one (its `whsec_` secret shown once), edit, delete, rotate
//! the secret, send a test ping; one endpoint's deliveries, newest first, a page at a time,
//! each failed or finished one sent again on demand.

use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::webhooks::{
    Delivery, DeliveryId, DeliveryStatus, Endpoint, EndpointId, EndpointRequest, EventType,
    TestResult,
};

use crate::app::AppState;
use crate::console::form::{list, Fields};
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Deliveries one page shows.
const PAGE_SIZE: u32 = 25;

/// The endpoint's settings as the form posted them.
fn request_of(fields: &Fields) -> EndpointRequest {
    let collections = list(fields.text("collections"));
    EndpointRequest {
        name: fields.get("name").map(str::to_owned),
        url: fields.text("url").trim().to_owned(),
        events: fields
            .all("events")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        collections: (!collections.is_empty()).then_some(collections),
        description: fields.get("description").map(str::to_owned),
        enabled: Some(fields.checked("enabled")),
        secret: None,
    }
}

/// The create or edit form, filled in from `endpoint` when there is one.
fn endpoint_form(ctx: &Ctx, action: &str, endpoint: Option<&Endpoint>, submit: &str) -> Markup {
    let url = endpoint.map_or("", |e| e.url.as_str());
    let name = endpoint.and_then(|e| e.name.as_deref()).unwrap_or("");
    let description = endpoint.map_or("", |e| e.description.as_str());
    let collections = endpoint
        .and_then(|e| e.collections.as_ref())
        .map(|c| c.iter().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let enabled = endpoint.is_none_or(|e| e.enabled);
    html! {
        form method="post" action=(action) {
            (ui::csrf(ctx))
            label for="webhook_url" { (ctx.t("webhooks.url")) }
            input #webhook_url name="url" type="url" required value=(url) placeholder="https://example.com/hooks/wxbase";
            label for="webhook_name" { (ctx.t("webhooks.name")) }
            input #webhook_name name="name" maxlength="64" value=(name);
            label for="webhook_description" { (ctx.t("webhooks.description")) }
            input #webhook_description name="description" value=(description);
            fieldset {
                legend { (ctx.t("webhooks.events")) }
                @for kind in EventType::SUBSCRIBABLE {
                    @let on = endpoint.is_some_and(|e| e.events.contains(&kind));
                    label { input type="checkbox" name="events" value=(kind.as_str()) checked[on]; " " code { (kind.as_str()) } }
                }
            }
            label for="webhook_collections" { (ctx.t("webhooks.collections")) }
            input #webhook_collections name="collections" value=(collections) aria-describedby="webhook_collections_help";
            p.muted #webhook_collections_help { (ctx.t("webhooks.collections_help")) }
            label { input type="checkbox" name="enabled" value="on" checked[enabled]; " " (ctx.t("webhooks.enabled")) }
            button type="submit" { (submit) }
        }
    }
}

/// The secret, shown once after creating or rotating.
fn secret_shown(ctx: &Ctx, endpoint: &Endpoint) -> Markup {
    html! {
        div.notice role="status" {
            p { (ctx.t("webhooks.secret_once")) }
            p { code #new-secret { (endpoint.secret.expose()) } }
        }
    }
}

fn list_page(ctx: &Ctx, endpoints: &[Endpoint], shown: Option<Markup>) -> Markup {
    html! {
        @if let Some(shown) = shown { (shown) }
        @if endpoints.is_empty() {
            (ui::empty(ctx.t("webhooks.none")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("webhooks.url")) } th { (ctx.t("webhooks.events")) }
                    th { (ctx.t("webhooks.state")) } th { (ctx.t("webhooks.description")) }
                } }
                tbody { @for e in endpoints { tr {
                    td { a href=(format!("/admin/webhooks/{}", e.id.0)) { (e.url) } }
                    td { (e.events.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")) }
                    td { (enabled_text(ctx, e)) }
                    td { (e.description) }
                } } }
            }
        }
        section {
            h2 { (ctx.t("webhooks.create")) }
            (endpoint_form(ctx, "/admin/webhooks", None, ctx.t("webhooks.create_submit")))
            p.muted { (ctx.t("webhooks.help")) }
        }
    }
}

fn enabled_text(ctx: &Ctx, endpoint: &Endpoint) -> String {
    match (endpoint.enabled, &endpoint.disabled_reason) {
        (true, _) => ctx.t("webhooks.on").to_owned(),
        (false, Some(reason)) => format!("{} ({reason})", ctx.t("webhooks.off")),
        (false, None) => ctx.t("webhooks.off").to_owned(),
    }
}

/// `GET /admin/webhooks`.
pub async fn list_endpoints(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let endpoints = state.webhooks.endpoints().await.or_page(&ctx)?;
    Ok(ui::page(
        &ctx,
        ctx.t("nav.webhooks"),
        list_page(&ctx, &endpoints, None),
    ))
}

/// `POST /admin/webhooks`: creates an endpoint and shows its secret, once.
pub async fn create(ctx: Ctx, State(state): State<AppState>, form: RawForm) -> PageResult {
    let request = request_of(&Fields::of(form));
    let created = match state.webhooks.create(&request).await {
        Ok(created) => created,
        Err(e) => return Ok(ui::after("/admin/webhooks", Err(e), "")),
    };
    let endpoints = state.webhooks.endpoints().await.or_page(&ctx)?;
    let shown = secret_shown(&ctx, &created);
    Ok(ui::page(
        &ctx,
        ctx.t("nav.webhooks"),
        list_page(&ctx, &endpoints, Some(shown)),
    ))
}

#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<i64>,
}

/// `GET /admin/webhooks/{id}`: the endpoint, its form and actions, its deliveries.
pub async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> PageResult {
    endpoint_page(
        &ctx,
        &state,
        EndpointId(id),
        query.before.map(DeliveryId),
        None,
    )
    .await
}

async fn endpoint_page(
    ctx: &Ctx,
    state: &AppState,
    id: EndpointId,
    before: Option<DeliveryId>,
    above: Option<Markup>,
) -> PageResult {
    let endpoint = match state.webhooks.endpoint(id).await {
        Ok(endpoint) => endpoint,
        Err(e) => {
            return Ok(ui::page(
                ctx,
                ctx.t("nav.webhooks"),
                html! { p.error role="alert" { (e.to_string()) } },
            ))
        }
    };
    let deliveries = state
        .webhooks
        .deliveries(id, before, PAGE_SIZE)
        .await
        .or_page(ctx)?;
    let full = u32::try_from(deliveries.len()).is_ok_and(|n| n == PAGE_SIZE);
    let older = deliveries.last().filter(|_| full).map(|d| d.id.0);
    let base = format!("/admin/webhooks/{}", id.0);
    let content = html! {
        @if let Some(above) = above { (above) }
        dl.stats {
            dt { (ctx.t("webhooks.state")) } dd { (enabled_text(ctx, &endpoint)) }
            dt { (ctx.t("webhooks.created")) } dd { (ui::time(endpoint.created_at)) }
            @if let Some((_, until)) = endpoint.previous_secret.as_ref().filter(|(_, until)| *until > wxbase_core::Timestamp::now()) {
                dt { (ctx.t("webhooks.previous_secret")) } dd { (ui::time(*until)) }
            }
        }
        p.actions {
            (ui::button(ctx, &format!("{base}/test"), ctx.t("webhooks.test"), None))
            " "
            (ui::button(ctx, &format!("{base}/rotate"), ctx.t("webhooks.rotate"), Some(ctx.t("webhooks.rotate_confirm"))))
            " "
            (ui::button(ctx, &format!("{base}/delete"), ctx.t("common.delete"), Some(ctx.t("webhooks.delete_confirm"))))
        }
        section {
            h2 { (ctx.t("webhooks.deliveries")) }
            @if deliveries.is_empty() {
                (ui::empty(ctx.t("webhooks.no_deliveries")))
            } @else {
                (deliveries_table(ctx, &base, &deliveries))
            }
            p {
                @if before.is_some() { a href=(base) { (ctx.t("webhooks.newest")) } " " }
                @if let Some(older) = older { a href=(format!("{base}?before={older}")) { (ctx.t("webhooks.older")) } }
            }
        }
        section {
            h2 { (ctx.t("common.edit")) }
            (endpoint_form(ctx, &base, Some(&endpoint), ctx.t("common.save")))
        }
    };
    Ok(ui::page(
        ctx,
        &format!("{} · {}", ctx.t("nav.webhooks"), endpoint.url),
        content,
    ))
}

fn deliveries_table(ctx: &Ctx, base: &str, deliveries: &[Delivery]) -> Markup {
    html! {
        table #deliveries {
            thead { tr {
                th { "#" } th { (ctx.t("webhooks.event")) } th { (ctx.t("webhooks.status")) }
                th { (ctx.t("webhooks.attempts")) } th { (ctx.t("webhooks.last_answer")) }
                th { (ctx.t("webhooks.at")) } th { (ctx.t("common.actions")) }
            } }
            tbody { @for d in deliveries { tr {
                td { (d.id.0) }
                td { code { (d.event_type) } br; span.muted { (d.subject) } }
                td { (ctx.t(&format!("webhooks.status.{}", d.status.as_str()))) }
                td { (d.attempts) }
                td {
                    @if let Some(status) = d.last_status { code { (status) } " " }
                    (d.last_error.as_deref().unwrap_or(""))
                }
                td { (d.created_at) }
                td {
                    @if d.status != DeliveryStatus::Pending || d.next_attempt_at.is_some() {
                        (ui::button(ctx, &format!("{base}/deliveries/{}/retry", d.id.0), ctx.t("webhooks.retry"), None))
                    }
                }
            } } }
        }
    }
}

/// `POST /admin/webhooks/{id}`: replaces the endpoint's settings.
pub async fn update(State(state): State<AppState>, Path(id): Path<i64>, form: RawForm) -> Response {
    let request = request_of(&Fields::of(form));
    let outcome = state.webhooks.update(EndpointId(id), &request).await;
    ui::after(
        &format!("/admin/webhooks/{id}"),
        outcome.map(|_| ()),
        "webhooks.saved",
    )
}

/// `POST /admin/webhooks/{id}/delete`.
pub async fn delete(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    match state.webhooks.delete(EndpointId(id)).await {
        Ok(()) => ui::after("/admin/webhooks", Ok::<(), String>(()), "webhooks.deleted"),
        Err(e) => ui::after(&format!("/admin/webhooks/{id}"), Err(e), ""),
    }
}

/// `POST /admin/webhooks/{id}/rotate`: a new secret, shown once.
pub async fn rotate(ctx: Ctx, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let endpoint = match state.webhooks.rotate_secret(EndpointId(id)).await {
        Ok(endpoint) => endpoint,
        Err(e) => return Ok(ui::after(&format!("/admin/webhooks/{id}"), Err(e), "")),
    };
    let shown = html! {
        (secret_shown(&ctx, &endpoint))
        p.muted { (ctx.t("webhooks.rotated_help")) }
    };
    endpoint_page(&ctx, &state, EndpointId(id), None, Some(shown)).await
}

/// `POST /admin/webhooks/{id}/test`: sends a ping now and shows what the endpoint answered.
pub async fn test(ctx: Ctx, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let result = match state.webhooks.test(EndpointId(id)).await {
        Ok(result) => result,
        Err(e) => return Ok(ui::after(&format!("/admin/webhooks/{id}"), Err(e), "")),
    };
    endpoint_page(
        &ctx,
        &state,
        EndpointId(id),
        None,
        Some(test_result(&ctx, &result)),
    )
    .await
}

fn test_result(ctx: &Ctx, result: &TestResult) -> Markup {
    let class = if result.delivered { "notice" } else { "error" };
    html! {
        div.(class) #test-result role="status" {
            p {
                strong { (if result.delivered { ctx.t("webhooks.test_delivered") } else { ctx.t("webhooks.test_failed") }) }
                " " code { (result.event_id) } " · " (result.duration_ms) " ms"
            }
            @if let Some(status) = result.status { p { (ctx.t("webhooks.status")) ": " code { (status) } } }
            @if let Some(error) = &result.error { p { (error) } }
            @if let Some(body) = result.body.as_deref().filter(|b| !b.is_empty()) { pre { (body) } }
        }
    }
}

/// `POST /admin/webhooks/{id}/deliveries/{delivery}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    Path((id, delivery)): Path<(i64, i64)>,
) -> Response {
    ui::after(
        &format!("/admin/webhooks/{id}"),
        state
            .webhooks
            .retry(EndpointId(id), DeliveryId(delivery))
            .await,
        "webhooks.retried",
    )
}
