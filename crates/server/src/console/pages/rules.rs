//! Auto-reply rules: the list in the order they are tried, create, edit, move up or down,
//! delete, and "test a message": which rule would answer a text.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use wxbase_core::messages::{pick, NewRule, ReplyAction, ReplyRule, RuleId, RuleMatch};
use wxbase_wechat::push::{InboundMessage, MessageKind};
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// The match kinds offered, as stored.
const KINDS: &[&str] = &[
    "exact",
    "contains",
    "regex",
    "msg_type",
    "enter_session",
    "default",
];

/// What a rule answers, in a line.
fn reply_summary(reply: &ReplyAction) -> String {
    match reply {
        ReplyAction::Text { content } => content.clone(),
        ReplyAction::TransferCustomerService => "transfer_customer_service".to_owned(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The rule form's fields: the match, and the reply as text or as JSON.
#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    priority: String,
    kind: String,
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    reply_text: String,
    #[serde(default)]
    reply_json: String,
}

impl RuleForm {
    /// The rule, or why the form is refused.
    fn rule(&self) -> Result<NewRule, String> {
        let matcher = RuleMatch::from_parts(&self.kind, self.pattern.trim())
            .ok_or_else(|| format!("unknown match kind {:?}", self.kind))?;
        let reply = if !self.reply_json.trim().is_empty() {
            serde_json::from_str::<ReplyAction>(&self.reply_json)
                .map_err(|e| format!("reply JSON: {e}"))?
        } else if !self.reply_text.trim().is_empty() {
            ReplyAction::Text {
                content: self.reply_text.trim().to_owned(),
            }
        } else {
            return Err("give a reply text or a reply as JSON".to_owned());
        };
        let priority = match self.priority.trim() {
            "" => 0,
            text => text
                .parse()
                .map_err(|_| format!("priority {text:?} is not a whole number"))?,
        };
        let name = Some(self.name.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(NewRule {
            name,
            priority,
            matcher,
            reply,
        })
    }
}

/// The create or edit form, filled with `rule` when editing.
fn rule_form(ctx: &Ctx, action: &str, rule: Option<&ReplyRule>, submit: &str) -> Markup {
    let kind = rule.map_or("contains", |r| r.rule.matcher.kind());
    let pattern = rule.map_or("", |r| r.rule.matcher.pattern());
    let (text, json) = match rule.map(|r| &r.rule.reply) {
        Some(ReplyAction::Text { content }) => (content.clone(), String::new()),
        Some(other) => (
            String::new(),
            serde_json::to_string_pretty(other).unwrap_or_default(),
        ),
        None => (String::new(), String::new()),
    };
    html! {
        form.rule method="post" action=(action) {
            (ui::csrf(ctx))
            div.row {
                div { label for="name" { (ctx.t("rules.name")) } input #name name="name" value=(rule.and_then(|r| r.rule.name.clone()).unwrap_or_default()); }
                div { label for="priority" { (ctx.t("rules.priority")) } input #priority name="priority" type="number" value=(rule.map_or(0, |r| r.rule.priority)); }
            }
            div.row {
                div {
                    label for="kind" { (ctx.t("rules.kind")) }
                    select #kind name="kind" {
                        @for k in KINDS { option value=(k) selected[*k == kind] { (ctx.t(&format!("rules.kind.{k}"))) } }
                    }
                }
                div { label for="pattern" { (ctx.t("rules.pattern")) } input #pattern name="pattern" value=(pattern); }
            }
            label for="reply_text" { (ctx.t("rules.reply_text")) }
            textarea #reply_text name="reply_text" rows="2" { (text) }
            details open[!json.is_empty()] {
                summary { (ctx.t("rules.reply_json")) }
                textarea #reply_json name="reply_json" rows="5" { (json) }
                p.muted { (ctx.t("rules.reply_json_help")) }
            }
            button type="submit" { (submit) }
        }
    }
}

/// `GET /admin/rules`.
pub async fn list(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let rules = state.messages.rules().await.or_page(&ctx)?;
    Ok(ui::page(
        &ctx,
        ctx.t("nav.rules"),
        rules_page(&ctx, &rules, None),
    ))
}

fn rules_page(ctx: &Ctx, rules: &[ReplyRule], tested: Option<Markup>) -> Markup {
    html! {
        section {
            @if rules.is_empty() {
                (ui::empty(ctx.t("rules.none")))
            } @else {
                table.rules {
                    thead { tr {
                        th { (ctx.t("rules.priority")) } th { (ctx.t("rules.name")) } th { (ctx.t("rules.kind")) }
                        th { (ctx.t("rules.pattern")) } th { (ctx.t("rules.reply")) } th { (ctx.t("common.actions")) }
                    } }
                    tbody { @for (i, r) in rules.iter().enumerate() { tr {
                        td { (r.rule.priority) }
                        td { (r.rule.name.as_deref().unwrap_or("")) }
                        td { (ctx.t(&format!("rules.kind.{}", r.rule.matcher.kind()))) }
                        td { code { (r.rule.matcher.pattern()) } }
                        td { (reply_summary(&r.rule.reply)) }
                        td.actions {
                            a href=(format!("/admin/rules/{}", r.id.0)) { (ctx.t("common.edit")) }
                            @if i > 0 { (move_button(ctx, r.id, "up", ctx.t("rules.up"))) }
                            @if i + 1 < rules.len() { (move_button(ctx, r.id, "down", ctx.t("rules.down"))) }
                            (ui::button(ctx, &format!("/admin/rules/{}/delete", r.id.0), ctx.t("common.delete"), Some(ctx.t("rules.delete_confirm"))))
                        }
                    } } }
                }
            }
        }
        section {
            h2 { (ctx.t("rules.test")) }
            form.test method="post" action="/admin/rules/test" hx-post="/admin/rules/test" hx-target="#tested" hx-select="#tested" hx-swap="outerHTML" {
                (ui::csrf(ctx))
                label for="test_text" { (ctx.t("rules.test_label")) }
                input #test_text name="text" required;
                button type="submit" { (ctx.t("rules.test_submit")) }
            }
            div #tested aria-live="polite" { @if let Some(t) = tested { (t) } }
        }
        section {
            h2 { (ctx.t("rules.create")) }
            (rule_form(ctx, "/admin/rules", None, ctx.t("rules.create_submit")))
        }
    }
}

fn move_button(ctx: &Ctx, id: RuleId, direction: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(format!("/admin/rules/{}/move", id.0)) {
            (ui::csrf(ctx))
            input type="hidden" name="direction" value=(direction);
            button type="submit" { (label) }
        }
    }
}

/// `POST /admin/rules`.
pub async fn create(State(state): State<AppState>, Form(form): Form<RuleForm>) -> Response {
    let outcome = match form.rule() {
        Ok(rule) => state
            .messages
            .create_rule(rule)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    ui::after("/admin/rules", outcome, "rules.created")
}

fn rule_id(text: &str) -> Option<RuleId> {
    text.parse().ok().map(RuleId)
}

/// `GET /admin/rules/{id}`.
pub async fn edit(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let rules = state.messages.rules().await.or_page(&ctx)?;
    let Some(rule) = rule_id(&id).and_then(|id| rules.iter().find(|r| r.id == id)) else {
        return Ok(ui::page(
            &ctx,
            ctx.t("rules.edit"),
            ui::empty(ctx.t("rules.no_such_rule")),
        ));
    };
    let content = html! {
        (rule_form(&ctx, &format!("/admin/rules/{}", rule.id.0), Some(rule), ctx.t("common.save")))
        p { a href="/admin/rules" { (ctx.t("rules.back")) } }
    };
    Ok(ui::page(&ctx, ctx.t("rules.edit"), content))
}

/// `POST /admin/rules/{id}`.
pub async fn update(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<RuleForm>,
) -> Response {
    let Some(id) = rule_id(&id) else {
        return ui::after("/admin/rules", Err(ctx.t("rules.no_such_rule")), "");
    };
    let outcome = match form.rule() {
        Ok(rule) => state
            .messages
            .update_rule(id, rule)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => ui::after("/admin/rules", Ok::<(), String>(()), "rules.saved"),
        Err(e) => ui::after(&format!("/admin/rules/{}", id.0), Err(e), ""),
    }
}

/// `POST /admin/rules/{id}/delete`.
pub async fn delete(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(id) = rule_id(&id) else {
        return ui::after("/admin/rules", Err(ctx.t("rules.no_such_rule")), "");
    };
    ui::after(
        "/admin/rules",
        state.messages.delete_rule(id).await,
        "rules.deleted",
    )
}

#[derive(Deserialize)]
pub struct Move {
    direction: String,
}

/// `POST /admin/rules/{id}/move`: swaps the rule with its neighbour in the order they are
/// tried, then numbers every rule's priority from the top (the highest first) so the order
/// holds. Rules from the config file get their configured priority back at the next start.
pub async fn move_rule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(request): Form<Move>,
) -> Response {
    let outcome = reorder(&state, rule_id(&id), request.direction == "up").await;
    ui::after("/admin/rules", outcome, "rules.moved")
}

async fn reorder(state: &AppState, id: Option<RuleId>, up: bool) -> Result<(), String> {
    let mut rules = state.messages.rules().await.map_err(|e| e.to_string())?;
    let at = id
        .and_then(|id| rules.iter().position(|r| r.id == id))
        .ok_or_else(|| "no such rule".to_owned())?;
    let other = if up {
        at.checked_sub(1)
    } else {
        Some(at + 1).filter(|o| *o < rules.len())
    };
    let Some(other) = other else {
        return Ok(());
    };
    rules.swap(at, other);
    let top = i64::try_from(rules.len()).unwrap_or(i64::MAX);
    for (i, rule) in rules.iter().enumerate() {
        let priority = top - i64::try_from(i).unwrap_or(0);
        if rule.rule.priority != priority {
            let mut changed = rule.rule.clone();
            changed.priority = priority;
            state
                .messages
                .update_rule(rule.id, changed)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct Test {
    text: String,
}

/// `POST /admin/rules/test`: which rule would answer a text message, and how (nothing is
/// sent or recorded).
pub async fn test(ctx: Ctx, State(state): State<AppState>, Form(test): Form<Test>) -> PageResult {
    let rules = state.messages.rules().await.or_page(&ctx)?;
    let message = InboundMessage {
        to_user_name: "gh_console_test".to_owned(),
        from_user: OpenId::parse("console-test".to_owned()).or_page(&ctx)?,
        create_time: 0,
        msg_id: None,
        kind: MessageKind::Text {
            content: test.text.clone(),
        },
    };
    let tested = match pick(&rules, &message) {
        Some(rule) => html! {
            p.notice.test-result {
                (ctx.tf("rules.test_match", &[&rule.id.0.to_string(), rule.rule.name.as_deref().unwrap_or("—")]))
                br; strong { (reply_summary(&rule.rule.reply)) }
            }
        },
        None => html! { p.empty.test-result { (ctx.t("rules.test_none")) } },
    };
    let tested = html! { p.muted { (ctx.t("rules.test_label")) ": " q { (test.text) } } (tested) };
    Ok(ui::page(
        &ctx,
        ctx.t("nav.rules"),
        rules_page(&ctx, &rules, Some(tested)),
    ))
}
