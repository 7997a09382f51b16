//! Subscribe messages: the app's templates (from WeChat, cached), and for the template picked
//! one field per keyword to send one message to a user or a campaign to an audience (every
//! user holding a grant, or a list of openids), now or later; a campaign's counts.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::subscriptions::{Audience, CampaignId, CampaignRequest, SendRequest};
use wxbase_core::Timestamp;
use wxbase_wechat::api::subscribe_message::{KeywordValue, SubscribeMessage};
use wxbase_wechat::api::subscribe_template::Template;
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::console::form::{list, Fields};
use crate::console::ui::{self, Ctx, PageResult};

/// The page's path.
const HOME: &str = "/admin/subscriptions";

#[derive(Deserialize)]
pub struct PickQuery {
    template: Option<String>,
}

/// `GET /admin/subscriptions[?template=ID]`.
pub async fn page(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(query): Query<PickQuery>,
) -> PageResult {
    let templates = match state.subscriptions.templates().await {
        Ok(templates) => templates,
        Err(e) => {
            let content = html! {
                p.error role="alert" { (ctx.t("subscriptions.templates_failed")) " " (e.to_string()) }
                (lookup_form(&ctx))
            };
            return Ok(ui::page(&ctx, ctx.t("nav.subscriptions"), content));
        }
    };
    let picked = query
        .template
        .as_deref()
        .and_then(|id| templates.iter().find(|t| t.pri_tmpl_id == id));
    let content = html! {
        h2 { (ctx.t("subscriptions.templates")) }
        @if templates.is_empty() {
            (ui::empty(ctx.t("subscriptions.no_templates")))
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("subscriptions.title")) } th { (ctx.t("subscriptions.template_id")) }
                    th { (ctx.t("subscriptions.kind")) } th { (ctx.t("subscriptions.keywords")) } th { (ctx.t("common.actions")) }
                } }
                tbody { @for t in templates.iter() { tr {
                    td { (t.title) br; span.muted { (t.content) } }
                    td { code { (t.pri_tmpl_id) } }
                    td { (if t.is_long_term() { ctx.t("subscriptions.long_term") } else { ctx.t("subscriptions.one_time") }) }
                    td { (t.keywords().join(", ")) }
                    td { a href=(format!("{HOME}?{}", crate::console::session::form_urlencoded_pair("template", &t.pri_tmpl_id))) { (ctx.t("subscriptions.use")) } }
                } } }
            }
        }
        @if let Some(template) = picked {
            (send_forms(&ctx, template))
        } @else if !templates.is_empty() {
            p.muted { (ctx.t("subscriptions.pick")) }
        }
        (lookup_form(&ctx))
    };
    Ok(ui::page(&ctx, ctx.t("nav.subscriptions"), content))
}

/// A field per keyword of `template`.
fn keyword_fields(ctx: &Ctx, template: &Template, form: &str) -> Markup {
    html! {
        fieldset {
            legend { (ctx.t("subscriptions.data")) }
            @for keyword in template.keywords() {
                @let id = format!("{form}_{keyword}");
                label for=(id) { code { (keyword) } }
                input id=(id) name=(format!("data.{keyword}")) required;
            }
        }
    }
}

fn common_fields(ctx: &Ctx, form: &str) -> Markup {
    html! {
        label for=(format!("{form}_page")) { (ctx.t("subscriptions.page")) }
        input id=(format!("{form}_page")) name="page" placeholder="pages/index/index?id=1";
        label for=(format!("{form}_send_at")) { (ctx.t("subscriptions.send_at")) }
        input id=(format!("{form}_send_at")) name="send_at" type="datetime-local" aria-describedby=(format!("{form}_send_at_help"));
        p.muted id=(format!("{form}_send_at_help")) { (ctx.t("subscriptions.send_at_help")) }
    }
}

fn send_forms(ctx: &Ctx, template: &Template) -> Markup {
    html! {
        section {
            h2 { (ctx.tf("subscriptions.send_one", &[&template.title])) }
            form method="post" action=(format!("{HOME}/send")) {
                (ui::csrf(ctx))
                input type="hidden" name="template" value=(template.pri_tmpl_id);
                label for="one_openid" { (ctx.t("users.openid")) }
                input #one_openid name="openid" required;
                (keyword_fields(ctx, template, "one"))
                (common_fields(ctx, "one"))
                button type="submit" { (ctx.t("subscriptions.send_submit")) }
            }
        }
        section {
            h2 { (ctx.tf("subscriptions.campaign", &[&template.title])) }
            form method="post" action=(format!("{HOME}/campaigns")) {
                (ui::csrf(ctx))
                input type="hidden" name="template" value=(template.pri_tmpl_id);
                (keyword_fields(ctx, template, "campaign"))
                fieldset {
                    legend { (ctx.t("subscriptions.audience")) }
                    label { input type="radio" name="audience" value="granted" checked; " " (ctx.t("subscriptions.audience_granted")) }
                    label { input type="radio" name="audience" value="openids"; " " (ctx.t("subscriptions.audience_listed")) }
                }
                label for="campaign_openids" { (ctx.t("subscriptions.openids")) }
                textarea #campaign_openids name="openids" rows="4" {}
                (common_fields(ctx, "campaign"))
                button type="submit" { (ctx.t("subscriptions.campaign_submit")) }
            }
            p.muted { (ctx.t("subscriptions.grant_help")) }
        }
    }
}

fn lookup_form(ctx: &Ctx) -> Markup {
    html! {
        section {
            h2 { (ctx.t("subscriptions.find_campaign")) }
            form.search method="get" action=(format!("{HOME}/campaigns")) {
                label for="campaign_id" { (ctx.t("subscriptions.campaign_id")) }
                input #campaign_id name="id" type="number" min="1" required;
                button type="submit" { (ctx.t("subscriptions.show")) }
            }
        }
    }
}

/// A `datetime-local` value (UTC) or an RFC 3339 time; `None` when blank.
fn send_at(fields: &Fields) -> Result<Option<Timestamp>, String> {
    let Some(text) = fields.get("send_at") else {
        return Ok(None);
    };
    let full = match text.len() {
        16 => format!("{text}:00Z"),
        19 => format!("{text}Z"),
        _ => text.to_owned(),
    };
    Timestamp::parse_rfc3339(&full)
        .map(Some)
        .ok_or_else(|| format!("send at: {text:?} is not a time (YYYY-MM-DDTHH:MM, UTC)"))
}

/// The message the form describes.
fn message(fields: &Fields) -> Result<SubscribeMessage, String> {
    let template_id = fields.get("template").ok_or("pick a template")?.to_owned();
    let data: BTreeMap<String, KeywordValue> = fields
        .prefixed("data.")
        .map(|(keyword, value)| {
            let value = value.trim().to_owned();
            (keyword.to_owned(), KeywordValue { value })
        })
        .collect();
    Ok(SubscribeMessage {
        template_id,
        page: fields.get("page").map(str::to_owned),
        data,
        miniprogram_state: None,
        lang: None,
    })
}

/// Back to the form of the template, with the error.
fn refused(fields: &Fields, error: impl std::fmt::Display) -> Response {
    let back = match fields.get("template") {
        Some(t) => format!(
            "{HOME}?{}",
            crate::console::session::form_urlencoded_pair("template", t)
        ),
        None => HOME.to_owned(),
    };
    ui::after(&back, Err(error.to_string()), "")
}

/// `POST /admin/subscriptions/send`: one message to one user, using one of their grants.
pub async fn send(State(state): State<AppState>, form: RawForm) -> Response {
    let fields = Fields::of(form);
    let request = (|| {
        let openid =
            OpenId::parse(fields.text("openid").trim()).map_err(|e| format!("openid: {e}"))?;
        Ok::<_, String>(SendRequest {
            openid,
            message: message(&fields)?,
            send_at: send_at(&fields)?,
        })
    })();
    let request = match request {
        Ok(request) => request,
        Err(e) => return refused(&fields, e),
    };
    match state.subscriptions.send(request).await {
        Ok(_) => ui::after(HOME, Ok::<(), String>(()), "subscriptions.sent"),
        Err(e) => refused(&fields, e),
    }
}

/// `POST /admin/subscriptions/campaigns`: queues a campaign and shows its counts.
pub async fn create_campaign(State(state): State<AppState>, form: RawForm) -> Response {
    let fields = Fields::of(form);
    let request = (|| {
        let audience = match fields.get("audience") {
            Some("openids") => {
                let openids = list(fields.text("openids"))
                    .iter()
                    .map(|text| OpenId::parse(text).map_err(|e| format!("{text}: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                Audience::Openids(openids)
            }
            _ => Audience::Granted,
        };
        Ok::<_, String>(CampaignRequest {
            message: message(&fields)?,
            audience,
            send_at: send_at(&fields)?,
        })
    })();
    let request = match request {
        Ok(request) => request,
        Err(e) => return refused(&fields, e),
    };
    match state.subscriptions.create_campaign(request).await {
        Ok(report) => ui::after(
            &format!("{HOME}/campaigns/{}", report.id.0),
            Ok::<(), String>(()),
            "subscriptions.queued",
        ),
        Err(e) => refused(&fields, e),
    }
}

#[derive(Deserialize)]
pub struct FindQuery {
    id: Option<String>,
}

/// `GET /admin/subscriptions/campaigns?id=N`: to the campaign's page.
pub async fn find_campaign(Query(query): Query<FindQuery>) -> Response {
    match query
        .id
        .as_deref()
        .map(str::trim)
        .and_then(|id| id.parse::<i64>().ok())
    {
        Some(id) => ui::redirect(&format!("{HOME}/campaigns/{id}")),
        None => ui::after(HOME, Err("campaign id: a number"), ""),
    }
}

/// `GET /admin/subscriptions/campaigns/{id}`: its counts (refreshing while the page is open).
pub async fn campaign(ctx: Ctx, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let title = ctx.tf("subscriptions.campaign_title", &[&id.to_string()]);
    let report = match state.subscriptions.campaign(CampaignId(id)).await {
        Ok(report) => report,
        Err(e) => {
            return Ok(ui::page(
                &ctx,
                &title,
                html! { p.error role="alert" { (e.to_string()) } (lookup_form(&ctx)) },
            ))
        }
    };
    let path = format!("{HOME}/campaigns/{id}");
    let content = html! {
        div #counts hx-get=(path) hx-trigger="every 2s" hx-select="#counts" hx-swap="outerHTML" {
            dl.stats {
                dt { (ctx.t("subscriptions.template_id")) } dd { code { (report.template_id) } }
                dt { (ctx.t("subscriptions.audience")) } dd { (report.audience) }
                dt { (ctx.t("subscriptions.send_at")) } dd { (ui::time(report.send_at)) }
                dt { (ctx.t("subscriptions.count.queued")) } dd #count-queued { (report.queued) }
                dt { (ctx.t("subscriptions.count.without_grant")) } dd #count-without-grant { (report.without_grant) }
                dt { (ctx.t("subscriptions.count.pending")) } dd #count-pending { (report.pending) }
                dt { (ctx.t("subscriptions.count.sent")) } dd #count-sent { (report.sent) }
                dt { (ctx.t("subscriptions.count.refused")) } dd #count-refused { (report.refused) }
                dt { (ctx.t("subscriptions.count.failed")) } dd #count-failed { (report.failed) }
                dt { (ctx.t("subscriptions.count.cancelled")) } dd #count-cancelled { (report.cancelled) }
            }
        }
        p.muted { (ctx.t("subscriptions.counts_help")) }
        p { a href=(HOME) { (ctx.t("nav.subscriptions")) } }
    };
    Ok(ui::page(&ctx, &title, content))
}
