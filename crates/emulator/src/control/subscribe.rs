//! Subscribe messages from the user's side and the developer console's:
//! `POST /__emulator/subscribe/grant` (the user answers `wx.requestSubscribeMessage`: grants
//! recorded, `subscribe_msg_popup_event` pushed), `POST /__emulator/subscribe/change` (the
//! user switches long-term subscriptions in the settings: `subscribe_msg_change_event`
//! pushed), `GET|POST /__emulator/subscribe/templates` (the app's templates; add one) and
//! `GET /__emulator/subscribe/messages/{user}` (what the user received, and their grants);
//! for load tests `POST /__emulator/subscribe/grants` (many one-time grants at once, no push).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{app_or_default, check_user, parse_body, refuse, ControlResult};
use crate::push::build::subscribe_event_document;
use crate::push::Outgoing;
use crate::state::people;
use crate::state::subscriptions::Template;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/subscribe/grant", post(grant))
        .route("/__emulator/subscribe/change", post(change))
        .route(
            "/__emulator/subscribe/templates",
            post(add_template).get(templates),
        )
        .route("/__emulator/subscribe/messages/{user}", get(messages))
        .route("/__emulator/subscribe/grants", post(grant_many))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ManyGrants {
    prefix: String,
    count: usize,
    template_id: String,
    #[serde(default)]
    appid: Option<String>,
}

/// Gives people `{prefix}0` … `{prefix}{count-1}` one one-time grant each of the template,
/// without pushing anything (the benchmark records them in wxbase itself); their openids, one
/// per line.
async fn grant_many(
    State(state): State<Arc<EmulatorState>>,
    body: Bytes,
) -> Result<String, super::Refusal> {
    let request: ManyGrants = parse_body(&body)?;
    if request.count == 0 || request.count > 1_000_000 {
        return Err(refuse("count must be between 1 and 1000000"));
    }
    let app = app_or_default(&state, request.appid.as_deref())?.clone();
    let openids: Vec<String> = (0..request.count)
        .map(|i| people::openid_for(&app.appid, &format!("{}{i}", request.prefix)))
        .collect();
    let mut tables = state.tables();
    if tables
        .subscriptions
        .template(&app.appid, &request.template_id)
        .is_none()
    {
        return Err(refuse(format!(
            "no template {:?} in this app",
            request.template_id
        )));
    }
    tables
        .subscriptions
        .grant_many(&app.appid, &openids, &request.template_id);
    Ok(openids.join("\n"))
}

/// What the user answers, for one or more templates.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Answer {
    user: String,
    #[serde(default)]
    appid: Option<String>,
    template_ids: Vec<String>,
    /// `accept` (default for a grant), `reject`, `ban` or `filter`.
    #[serde(default)]
    result: Option<String>,
    /// `one_time` or `long_term`; by default the template's own kind.
    #[serde(default)]
    kind: Option<String>,
}

/// The user answers a `wx.requestSubscribeMessage` popup: each template's grant changes, and
/// one `subscribe_msg_popup_event` listing them is pushed.
async fn grant(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let answer: Answer = parse_body(&body)?;
    answer_and_push(&state, answer, "accept", Popup).await
}

/// The user turns long-term subscriptions off (default) or on in the settings; one
/// `subscribe_msg_change_event` is pushed.
async fn change(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let mut answer: Answer = parse_body(&body)?;
    answer.kind = Some("long_term".to_owned());
    answer_and_push(&state, answer, "reject", Settings).await
}

/// Which event an answer pushes.
#[derive(Clone, Copy)]
enum Source {
    Popup,
    Settings,
}
use Source::{Popup, Settings};

async fn answer_and_push(
    state: &EmulatorState,
    answer: Answer,
    default_result: &str,
    source: Source,
) -> ControlResult {
    check_user(&answer.user)?;
    if answer.template_ids.is_empty() || answer.template_ids.len() > 5 {
        return Err(refuse("templateIds lists 1 to 5 templates"));
    }
    let result = answer.result.unwrap_or_else(|| default_result.to_owned());
    if !["accept", "reject", "ban", "filter"].contains(&result.as_str()) {
        return Err(refuse("result is accept, reject, ban or filter"));
    }
    let long_term_asked = match answer.kind.as_deref() {
        None => None,
        Some("one_time") => Some(false),
        Some("long_term") => Some(true),
        Some(other) => return Err(refuse(format!("kind {other:?}: one_time or long_term"))),
    };
    let app = app_or_default(state, answer.appid.as_deref())?.clone();
    let openid = people::openid_for(&app.appid, &answer.user);
    let now = state.clock.now().as_secs();
    let (items, grants, target) = {
        let mut tables = state.tables();
        let mut items = Vec::new();
        for template_id in &answer.template_ids {
            let template = tables
                .subscriptions
                .template(&app.appid, template_id)
                .ok_or_else(|| refuse(format!("no template {template_id:?} in this app")))?;
            let long_term = long_term_asked.unwrap_or(template.kind == 3);
            tables
                .subscriptions
                .answer(&app.appid, &openid, template_id, &result, long_term);
            let mut item = json!({ "TemplateId": template_id, "SubscribeStatusString": result });
            if matches!(source, Popup) {
                item["PopupScene"] = json!("0");
            }
            items.push(item);
        }
        let grants = tables.subscriptions.grants(&app.appid, &openid);
        (items, grants, tables.push.clone())
    };
    let (event, key) = match source {
        Popup => ("subscribe_msg_popup_event", "SubscribeMsgPopupEvent"),
        Settings => ("subscribe_msg_change_event", "SubscribeMsgChangeEvent"),
    };
    let document = subscribe_event_document(&app.appid, &openid, event, key, items, now);
    let push = match Outgoing::prepare(&target, &app.appid, &openid, &document, now) {
        Ok(outgoing) => outgoing.deliver(&state.push_client).await,
        Err(_) => Value::Null,
    };
    Ok(Json(json!({
        "user": answer.user,
        "openid": openid,
        "grants": grants,
        "push": push,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewTemplate {
    #[serde(default)]
    appid: Option<String>,
    #[serde(default)]
    id: Option<String>,
    title: String,
    /// `thing1:{{thing1.DATA}}`…
    content: String,
    #[serde(default)]
    example: Option<String>,
    /// 2 one-time (default), 3 long-term.
    #[serde(default, rename = "type")]
    kind: Option<i64>,
}

/// Adds a template to the app (or replaces the one added with that id).
async fn add_template(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: NewTemplate = parse_body(&body)?;
    let app = app_or_default(&state, request.appid.as_deref())?.clone();
    let kind = request.kind.unwrap_or(2);
    if kind != 2 && kind != 3 {
        return Err(refuse("type is 2 (one-time) or 3 (long-term)"));
    }
    let template = Template {
        pri_tmpl_id: request
            .id
            .unwrap_or_else(|| format!("tmpl{}", hex::encode(rand::random::<[u8; 12]>()))),
        title: request.title,
        content: request.content,
        example: request.example.unwrap_or_default(),
        kind,
    };
    if template.keywords().is_empty() {
        return Err(refuse("content names no keyword ({{thing1.DATA}}, …)"));
    }
    state
        .tables()
        .subscriptions
        .add_template(&app.appid, template.clone());
    Ok(Json(json!(template)))
}

/// The app's templates (`?appid=`).
async fn templates(
    State(state): State<Arc<EmulatorState>>,
    Query(query): Query<HashMap<String, String>>,
) -> ControlResult {
    let app = app_or_default(&state, query.get("appid").map(String::as_str))?;
    let templates = state.tables().subscriptions.templates(&app.appid);
    Ok(Json(json!({ "appid": app.appid, "templates": templates })))
}

/// What test person `user` received from the default app (or `?appid=`), in order, and their
/// grants.
async fn messages(
    State(state): State<Arc<EmulatorState>>,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ControlResult {
    let app = app_or_default(&state, query.get("appid").map(String::as_str))?;
    let openid = people::openid_for(&app.appid, &user);
    let tables = state.tables();
    Ok(Json(json!({
        "user": user,
        "openid": openid,
        "messages": tables.subscriptions.received(&app.appid, &openid),
        "grants": tables.subscriptions.grants(&app.appid, &openid),
    })))
}
