//! Turns message and rule rows into domain values, refusing rows that make no sense, and a
//! rule into the values it is written with.

use serde_json::Value;
use wxbase_core::messages::{
    Delivery, Direction, MessageId, NewRule, ReplyRule, RuleId, RuleMatch, SendStatus,
    StoredMessage,
};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::OpenId;

use crate::backend::ReadRow;
use crate::errors::corrupt;
use crate::sql::Statement;

/// Reads a message from a row with the `MESSAGE_COLUMNS`.
pub fn message_from_row(row: &impl ReadRow) -> Result<StoredMessage, StoreError> {
    let direction = row.read::<String>("direction")?;
    let direction =
        Direction::parse(&direction).ok_or_else(|| corrupt("messages.direction", direction))?;
    let content: Value = serde_json::from_str(&row.read::<String>("content")?)
        .map_err(|e| corrupt("messages.content", e))?;
    let delivery = match row.read::<Option<String>>("status")? {
        None => None,
        Some(status) => Some(Delivery {
            status: SendStatus::parse(&status).ok_or_else(|| corrupt("messages.status", status))?,
            attempts: row.read::<i64>("attempts")?,
            errcode: row.read::<Option<i64>>("errcode")?,
            error: row.read::<Option<String>>("error")?,
            sent_at: row
                .read::<Option<i64>>("sent_at")?
                .map(Timestamp::from_millis),
        }),
    };
    Ok(StoredMessage {
        id: MessageId(row.read::<i64>("id")?),
        openid: OpenId::parse(row.read::<String>("openid")?)
            .map_err(|e| corrupt("messages.openid", e))?,
        direction,
        msg_type: row.read::<String>("msg_type")?,
        content,
        raw: row.read::<Option<String>>("raw")?,
        created_at: Timestamp::from_millis(row.read::<i64>("created_at")?),
        delivery,
    })
}

/// Reads a rule from a row with the `RULE_COLUMNS`.
pub fn rule_from_row(row: &impl ReadRow) -> Result<ReplyRule, StoreError> {
    let kind = row.read::<String>("match_kind")?;
    let matcher = RuleMatch::from_parts(&kind, &row.read::<String>("pattern")?)
        .ok_or_else(|| corrupt("reply_rules.match_kind", kind))?;
    let reply = serde_json::from_str(&row.read::<String>("reply")?)
        .map_err(|e| corrupt("reply_rules.reply", e))?;
    Ok(ReplyRule {
        id: RuleId(row.read::<i64>("id")?),
        rule: NewRule {
            name: row.read("name")?,
            priority: row.read::<i64>("priority")?,
            matcher,
            reply,
        },
        created_at: Timestamp::from_millis(row.read::<i64>("created_at")?),
        updated_at: Timestamp::from_millis(row.read::<i64>("updated_at")?),
    })
}

/// Binds a rule's columns to `statement`, in order: name, priority, match kind, pattern,
/// reply JSON.
pub fn bind_rule<'a>(statement: Statement<'a>, rule: &NewRule) -> Statement<'a> {
    statement
        .bind(rule.name.as_deref())
        .bind(rule.priority)
        .bind(rule.matcher.kind())
        .bind(rule.matcher.pattern())
        .bind(serde_json::to_string(&rule.reply).unwrap_or_else(|_| "{}".to_owned()))
}
