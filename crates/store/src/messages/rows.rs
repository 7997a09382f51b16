//! Turns message and rule rows into domain values, refusing rows that make no sense.

use serde_json::Value;
use sqlx::Row;
use wxbase_core::messages::{
    Delivery, Direction, MessageId, NewRule, ReplyRule, RuleId, RuleMatch, SendStatus,
    StoredMessage,
};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::OpenId;

use crate::rows::{corrupt, get};

/// Reads a message from a row with the `MESSAGE_COLUMNS`.
pub fn message_from_row<'r, R>(row: &'r R) -> Result<StoredMessage, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let direction = get::<_, String>(row, "direction")?;
    let direction =
        Direction::parse(&direction).ok_or_else(|| corrupt("messages.direction", direction))?;
    let content: Value = serde_json::from_str(&get::<_, String>(row, "content")?)
        .map_err(|e| corrupt("messages.content", e))?;
    let delivery = match get::<_, Option<String>>(row, "status")? {
        None => None,
        Some(status) => Some(Delivery {
            status: SendStatus::parse(&status).ok_or_else(|| corrupt("messages.status", status))?,
            attempts: get::<_, i64>(row, "attempts")?,
            errcode: get::<_, Option<i64>>(row, "errcode")?,
            error: get::<_, Option<String>>(row, "error")?,
            sent_at: get::<_, Option<i64>>(row, "sent_at")?.map(Timestamp::from_millis),
        }),
    };
    Ok(StoredMessage {
        id: MessageId(get::<_, i64>(row, "id")?),
        openid: OpenId::parse(get::<_, String>(row, "openid")?)
            .map_err(|e| corrupt("messages.openid", e))?,
        direction,
        msg_type: get::<_, String>(row, "msg_type")?,
        content,
        raw: get::<_, Option<String>>(row, "raw")?,
        created_at: Timestamp::from_millis(get::<_, i64>(row, "created_at")?),
        delivery,
    })
}

/// Reads a rule from a row with the `RULE_COLUMNS`.
pub fn rule_from_row<'r, R>(row: &'r R) -> Result<ReplyRule, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let kind = get::<_, String>(row, "match_kind")?;
    let matcher = RuleMatch::from_parts(&kind, &get::<_, String>(row, "pattern")?)
        .ok_or_else(|| corrupt("reply_rules.match_kind", kind))?;
    let reply = serde_json::from_str(&get::<_, String>(row, "reply")?)
        .map_err(|e| corrupt("reply_rules.reply", e))?;
    Ok(ReplyRule {
        id: RuleId(get::<_, i64>(row, "id")?),
        rule: NewRule {
            name: get(row, "name")?,
            priority: get::<_, i64>(row, "priority")?,
            matcher,
            reply,
        },
        created_at: Timestamp::from_millis(get::<_, i64>(row, "created_at")?),
        updated_at: Timestamp::from_millis(get::<_, i64>(row, "updated_at")?),
    })
}

/// The columns a rule is written with: name, priority, kind, pattern, reply JSON.
pub fn rule_values(rule: &NewRule) -> (Option<&str>, i64, &'static str, &str, String) {
    (
        rule.name.as_deref(),
        rule.priority,
        rule.matcher.kind(),
        rule.matcher.pattern(),
        serde_json::to_string(&rule.reply).unwrap_or_else(|_| "{}".to_owned()),
    )
}
