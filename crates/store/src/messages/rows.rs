//! Turns message and rule rows into domain values, refusing rows that make no sense.

use serde_json::Value;
use sqlx::Row;
use wxbase_core::messages::{
    Delivery, Direction, MessageId, NewRule, ReplyRule, RuleId, RuleMatch, SendStatus,
    StoredMessage,
};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::OpenId;

use crate::errors::store_error;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

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
    let get_i64 =
        |name: &'r str| -> Result<i64, StoreError> { row.try_get(name).map_err(store_error) };
    let get_text =
        |name: &'r str| -> Result<String, StoreError> { row.try_get(name).map_err(store_error) };
    let opt_i64 = |name: &'r str| -> Result<Option<i64>, StoreError> {
        row.try_get(name).map_err(store_error)
    };
    let opt_text = |name: &'r str| -> Result<Option<String>, StoreError> {
        row.try_get(name).map_err(store_error)
    };
    let direction = get_text("direction")?;
    let direction =
        Direction::parse(&direction).ok_or_else(|| corrupt("messages.direction", direction))?;
    let content: Value =
        serde_json::from_str(&get_text("content")?).map_err(|e| corrupt("messages.content", e))?;
    let delivery = match opt_text("status")? {
        None => None,
        Some(status) => Some(Delivery {
            status: SendStatus::parse(&status).ok_or_else(|| corrupt("messages.status", status))?,
            attempts: get_i64("attempts")?,
            errcode: opt_i64("errcode")?,
            error: opt_text("error")?,
            sent_at: opt_i64("sent_at")?.map(Timestamp::from_millis),
        }),
    };
    Ok(StoredMessage {
        id: MessageId(get_i64("id")?),
        openid: OpenId::parse(get_text("openid")?).map_err(|e| corrupt("messages.openid", e))?,
        direction,
        msg_type: get_text("msg_type")?,
        content,
        raw: opt_text("raw")?,
        created_at: Timestamp::from_millis(get_i64("created_at")?),
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
    let get_i64 =
        |name: &'r str| -> Result<i64, StoreError> { row.try_get(name).map_err(store_error) };
    let get_text =
        |name: &'r str| -> Result<String, StoreError> { row.try_get(name).map_err(store_error) };
    let kind = get_text("match_kind")?;
    let matcher = RuleMatch::from_parts(&kind, &get_text("pattern")?)
        .ok_or_else(|| corrupt("reply_rules.match_kind", kind))?;
    let reply =
        serde_json::from_str(&get_text("reply")?).map_err(|e| corrupt("reply_rules.reply", e))?;
    Ok(ReplyRule {
        id: RuleId(get_i64("id")?),
        rule: NewRule {
            name: row.try_get("name").map_err(store_error)?,
            priority: get_i64("priority")?,
            matcher,
            reply,
        },
        created_at: Timestamp::from_millis(get_i64("created_at")?),
        updated_at: Timestamp::from_millis(get_i64("updated_at")?),
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
