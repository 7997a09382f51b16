//! Messages: the latest conversations as an inbox, one user's conversation, and a reply sent
//! through the outbox.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use wxbase_core::messages::{Direction, StoredMessage};
use wxbase_wechat::api::custom_message::{CustomMessage, TextBody};
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, OrPage, PageResult};

/// Conversations the inbox shows.
const INBOX_LIMIT: u32 = 100;
/// Messages a conversation page shows.
const CONVERSATION_LIMIT: u32 = 50;

/// A message's text for a list: the text, or its JSON.
fn summary(message: &StoredMessage) -> String {
    let content = &message.content;
    let text = content
        .get("content")
        .or_else(|| content.get("text").and_then(|t| t.get("content")))
        .and_then(Value::as_str);
    match text {
        Some(text) => text.to_owned(),
        None => content.to_string(),
    }
}

/// A conversation, oldest first, each message with its direction and delivery.
pub fn message_list(ctx: &Ctx, newest_first: &[StoredMessage]) -> Markup {
    html! {
        @if newest_first.is_empty() {
            (ui::empty(ctx.t("messages.none")))
        } @else {
            ol.conversation {
                @for m in newest_first.iter().rev() {
                    @let inbound = m.direction == Direction::Inbound;
                    li class=(if inbound { "from-user" } else { "from-app" }) {
                        span.meta {
                            (if inbound { ctx.t("messages.from_user") } else { ctx.t("messages.from_app") })
                            " · " (m.msg_type) " · " (ui::time(m.created_at))
                            @if let Some(d) = &m.delivery {
                                " · " span class=(format!("status-{}", d.status.as_str())) { (d.status.as_str()) }
                                @if let Some(e) = &d.error { " (" (e) ")" }
                            }
                        }
                        span.text { (summary(m)) }
                    }
                }
            }
        }
    }
}

/// `GET /admin/messages`.
pub async fn inbox(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let conversations = state
        .console
        .service
        .inbox(INBOX_LIMIT)
        .await
        .or_page(&ctx)?;
    let content = html! {
        @if conversations.is_empty() {
            (ui::empty(ctx.t("messages.inbox_empty")))
        } @else {
            table {
                thead { tr { th { (ctx.t("users.openid")) } th { (ctx.t("messages.count")) } th { (ctx.t("messages.latest")) } } }
                tbody { @for c in &conversations { tr {
                    td { a href=(format!("/admin/messages/{}", c.openid)) { code { (c.openid.as_str()) } } }
                    td { (c.messages) }
                    td { (ui::time(c.last_at)) }
                } } }
            }
        }
    };
    Ok(ui::page(&ctx, ctx.t("nav.messages"), content))
}

/// `GET /admin/messages/{openid}`: the conversation and the reply form.
pub async fn conversation(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(openid): Path<String>,
) -> PageResult {
    let Ok(openid) = OpenId::parse(openid) else {
        return Ok(ui::page(
            &ctx,
            ctx.t("messages.title"),
            ui::empty(ctx.t("users.no_such_user")),
        ));
    };
    let messages = state
        .messages
        .conversation(&openid, None, CONVERSATION_LIMIT)
        .await
        .or_page(&ctx)?;
    let content = html! {
        p { (ctx.t("users.openid")) ": " a href=(format!("/admin/users/{openid}")) { code { (openid.as_str()) } } }
        (message_list(&ctx, &messages))
        form.reply method="post" action=(format!("/admin/messages/{openid}")) {
            (ui::csrf(&ctx))
            label for="reply" { (ctx.t("messages.reply_label")) }
            textarea #reply name="text" rows="3" required maxlength="2048" {}
            button type="submit" { (ctx.t("messages.send")) }
            p.muted { (ctx.t("messages.reply_note")) }
        }
    };
    Ok(ui::page(&ctx, ctx.t("messages.title"), content))
}

#[derive(Deserialize)]
pub struct Reply {
    text: String,
}

/// `POST /admin/messages/{openid}`: queues a text reply in the outbox.
pub async fn reply(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(openid): Path<String>,
    Form(reply): Form<Reply>,
) -> Response {
    let path = format!("/admin/messages/{openid}");
    let text = reply.text.trim();
    if text.is_empty() {
        return ui::after(&path, Err(ctx.t("messages.empty_reply")), "");
    }
    let Ok(openid) = OpenId::parse(openid) else {
        return ui::after("/admin/messages", Err(ctx.t("users.no_such_user")), "");
    };
    let message = CustomMessage::Text {
        text: TextBody {
            content: text.to_owned(),
        },
    };
    let outcome = state
        .messages
        .send_manual(openid, message)
        .await
        .map(|_| ());
    ui::after(&path, outcome, "messages.queued")
}
