//! The [`ConsoleStore`](wxbase_core::ConsoleStore) statements, run on either backend: each
//! function is one trait method, given the pool it reads from or writes to.

use sqlx::Pool;
use wxbase_core::console::{minute_of, WechatErrorCount};
use wxbase_core::console::{
    AdminAccount, AdminId, AdminSession, ApiToken, ApiTokenId, ConversationSummary, DailyCounts,
    DayCount, NewAdminSession, NewApiTokenRow, TokenScope, UserSessionSummary, Username,
};
use wxbase_core::messages::{Direction, StoredMessage};
use wxbase_core::{StoreError, Timestamp, TokenHash, User, UserId};
use wxbase_wechat::{AppId, OpenId};

use super::rows::{admin_from_row, day_count_from_row, scope_from_text, token_from_row};
use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::{corrupt, SqlxResultExt};
use crate::messages::rows::message_from_row;
use crate::sql::Statement;
use crate::users::{user_from_row, USER_COLUMNS};

/// Creates an admin; `false` if the name is taken.
pub async fn create_admin<DB: Backend>(
    writer: &Pool<DB>,
    username: &Username,
    password_hash: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let created = Statement::new(sql::INSERT_ADMIN)
        .bind(username.as_str())
        .bind(password_hash)
        .bind(at.as_millis())
        .execute(writer)
        .await?;
    Ok(created > 0)
}

/// The admin with this name.
pub async fn admin_by_name<DB: Backend>(
    reader: &Pool<DB>,
    username: &Username,
) -> Result<Option<AdminAccount>, StoreError> {
    let text = format!(
        "SELECT {} FROM admins WHERE username = ?1",
        sql::ADMIN_COLUMNS
    );
    let row = Statement::new(text)
        .bind(username.as_str())
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(admin_from_row).transpose()
}

/// Every admin, by name.
pub async fn admins<DB: Backend>(reader: &Pool<DB>) -> Result<Vec<AdminAccount>, StoreError> {
    let text = format!(
        "SELECT {} FROM admins ORDER BY username",
        sql::ADMIN_COLUMNS
    );
    let rows = Statement::new(text).fetch_all(reader).await?;
    rows.iter().map(admin_from_row).collect()
}

/// Replaces the password hash and ends the admin's sessions, in one transaction.
pub async fn set_admin_password<DB: Backend>(
    writer: &Pool<DB>,
    username: &Username,
    password_hash: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let change = Statement::new(sql::SET_PASSWORD)
        .bind(username.as_str())
        .bind(password_hash)
        .bind(at.as_millis());
    ending_sessions(writer, change).await
}

/// Deletes the admin and their sessions, in one transaction.
pub async fn delete_admin<DB: Backend>(
    writer: &Pool<DB>,
    username: &Username,
) -> Result<bool, StoreError> {
    let change = Statement::new(sql::DELETE_ADMIN).bind(username.as_str());
    ending_sessions(writer, change).await
}

/// Runs `change` (which returns the changed admin's `id`) and ends that admin's sessions, in
/// one transaction; whether an admin was changed.
async fn ending_sessions<DB: Backend>(
    writer: &Pool<DB>,
    change: Statement<'_>,
) -> Result<bool, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let Some(row) = change.fetch_optional(&mut tx).await? else {
        return Ok(false);
    };
    let id: i64 = row.read("id")?;
    Statement::new(sql::DELETE_ADMIN_SESSIONS)
        .bind(id)
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(true)
}

/// Stores a console session.
pub async fn insert_admin_session<DB: Backend>(
    writer: &Pool<DB>,
    session: &NewAdminSession,
) -> Result<(), StoreError> {
    Statement::new(sql::INSERT_SESSION)
        .bind(session.token_hash.as_bytes())
        .bind(session.admin.0)
        .bind(session.csrf_token.as_str())
        .bind(session.created_at.as_millis())
        .bind(session.expires_at.as_millis())
        .execute(writer)
        .await?;
    Ok(())
}

/// The live console session with this key.
pub async fn admin_session<DB: Backend>(
    reader: &Pool<DB>,
    token: &TokenHash,
    now: Timestamp,
) -> Result<Option<AdminSession>, StoreError> {
    let row = Statement::new(sql::SESSION)
        .bind(token.as_bytes())
        .bind(now.as_millis())
        .fetch_optional(reader)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let username: String = row.read("username")?;
    Ok(Some(AdminSession {
        admin: AdminId(row.read("admin_id")?),
        username: Username::parse(&username).map_err(|e| corrupt("admins.username", e))?,
        csrf_token: row.read("csrf_token")?,
        expires_at: Timestamp::from_millis(row.read("expires_at")?),
    }))
}

/// Ends a console session.
pub async fn delete_admin_session<DB: Backend>(
    writer: &Pool<DB>,
    token: &TokenHash,
) -> Result<bool, StoreError> {
    let deleted = Statement::new(sql::DELETE_SESSION)
        .bind(token.as_bytes())
        .execute(writer)
        .await?;
    Ok(deleted > 0)
}

/// Deletes ended sessions and forgotten failures.
pub async fn purge_console<DB: Backend>(
    writer: &Pool<DB>,
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<u64, StoreError> {
    let sessions = Statement::new(sql::PURGE_SESSIONS)
        .bind(now.as_millis())
        .execute(writer)
        .await?;
    let failures = Statement::new(sql::PURGE_FAILURES)
        .bind(forget_before.as_millis())
        .execute(writer)
        .await?;
    Ok(sessions + failures)
}

/// The failures since `since` and the lock of each key.
pub async fn throttles<DB: Backend>(
    reader: &Pool<DB>,
    keys: &[String],
    since: Timestamp,
) -> Result<Vec<(String, u32, Timestamp)>, StoreError> {
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let row = Statement::new(
            "SELECT failures, last_failure_at, locked_until FROM admin_sign_in_failures \
             WHERE key = ?1",
        )
        .bind(key.as_str())
        .fetch_optional(reader)
        .await?;
        if let Some(row) = row {
            let failures: i64 = row.read("failures")?;
            let last: i64 = row.read("last_failure_at")?;
            let counted = if last < since.as_millis() {
                0
            } else {
                failures
            };
            found.push((
                key.clone(),
                u32::try_from(counted).unwrap_or(u32::MAX),
                Timestamp::from_millis(row.read("locked_until")?),
            ));
        }
    }
    Ok(found)
}

/// Counts one failure of a key.
pub async fn record_failure<DB: Backend>(
    writer: &Pool<DB>,
    key: &str,
    now: Timestamp,
    since: Timestamp,
) -> Result<u32, StoreError> {
    let row = Statement::new(sql::RECORD_FAILURE)
        .bind(key)
        .bind(now.as_millis())
        .bind(since.as_millis())
        .fetch_one(writer)
        .await?;
    let failures: i64 = row.read("failures")?;
    Ok(u32::try_from(failures).unwrap_or(u32::MAX))
}

/// Locks a key.
pub async fn lock<DB: Backend>(
    writer: &Pool<DB>,
    key: &str,
    until: Timestamp,
) -> Result<(), StoreError> {
    Statement::new(sql::LOCK)
        .bind(key)
        .bind(until.as_millis())
        .execute(writer)
        .await?;
    Ok(())
}

/// Forgets a key's failures.
pub async fn clear_failures<DB: Backend>(writer: &Pool<DB>, key: &str) -> Result<(), StoreError> {
    Statement::new(sql::CLEAR_FAILURES)
        .bind(key)
        .execute(writer)
        .await?;
    Ok(())
}

/// Stores an admin API token.
pub async fn insert_api_token<DB: Backend>(
    writer: &Pool<DB>,
    token: &NewApiTokenRow,
) -> Result<ApiToken, StoreError> {
    let row = Statement::new(sql::INSERT_TOKEN)
        .bind(token.name.as_str())
        .bind(token.token_hash.as_bytes())
        .bind(token.scope.as_str())
        .bind(token.created_by.as_str())
        .bind(token.created_at.as_millis())
        .fetch_one(writer)
        .await?;
    token_from_row(&row)
}

/// Every admin API token, newest first.
pub async fn api_tokens<DB: Backend>(reader: &Pool<DB>) -> Result<Vec<ApiToken>, StoreError> {
    let text = format!(
        "SELECT {} FROM admin_api_tokens ORDER BY id DESC",
        sql::TOKEN_COLUMNS
    );
    let rows = Statement::new(text).fetch_all(reader).await?;
    rows.iter().map(token_from_row).collect()
}

/// The scope of the token with this key.
pub async fn api_token_scope<DB: Backend>(
    reader: &Pool<DB>,
    token: &TokenHash,
) -> Result<Option<TokenScope>, StoreError> {
    let row = Statement::new(sql::TOKEN_SCOPE)
        .bind(token.as_bytes())
        .fetch_optional(reader)
        .await?;
    match row {
        Some(row) => {
            let scope: String = row.read("scope")?;
            scope_from_text(&scope).map(Some)
        }
        None => Ok(None),
    }
}

/// Deletes an admin API token.
pub async fn delete_api_token<DB: Backend>(
    writer: &Pool<DB>,
    id: ApiTokenId,
) -> Result<bool, StoreError> {
    let deleted = Statement::new(sql::DELETE_TOKEN)
        .bind(id.0)
        .execute(writer)
        .await?;
    Ok(deleted > 0)
}

async fn per_day<DB: Backend>(
    statement: Statement<'_>,
    reader: &Pool<DB>,
) -> Result<Vec<DayCount>, StoreError> {
    let rows = statement.fetch_all(reader).await?;
    let mut days = rows
        .iter()
        .map(day_count_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    days.sort_by_key(|d| d.day);
    Ok(days)
}

/// Per-day counts of the app since `since`.
pub async fn daily_counts<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    since: Timestamp,
) -> Result<DailyCounts, StoreError> {
    let app = app_id.as_str();
    let since = since.as_millis();
    let messages = |direction: Direction| {
        Statement::new(sql::MESSAGES_PER_DAY)
            .bind(app)
            .bind(since)
            .bind(direction.as_str())
    };
    Ok(DailyCounts {
        new_users: per_day(
            Statement::new(sql::NEW_USERS_PER_DAY).bind(app).bind(since),
            reader,
        )
        .await?,
        logins: per_day(
            Statement::new(sql::LOGINS_PER_DAY).bind(app).bind(since),
            reader,
        )
        .await?,
        inbound_messages: per_day(messages(Direction::Inbound), reader).await?,
        outbound_messages: per_day(messages(Direction::Outbound), reader).await?,
    })
}

/// `needle` as a `LIKE` prefix pattern.
fn prefix_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 1);
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Users found by openid prefix, unionid or phone number, latest logins first.
pub async fn search_users<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    needle: &str,
    limit: u32,
) -> Result<Vec<User>, StoreError> {
    let text = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {} ORDER BY last_login_at DESC, id DESC LIMIT ?4",
        sql::USER_SEARCH
    );
    let rows = Statement::new(text)
        .bind(app_id.as_str())
        .bind(needle)
        .bind(prefix_pattern(needle))
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
    rows.iter().map(user_from_row).collect()
}

/// The user with this openid.
pub async fn user_by_openid<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    openid: &OpenId,
) -> Result<Option<User>, StoreError> {
    let text = format!("SELECT {USER_COLUMNS} FROM users WHERE app_id = ?1 AND openid = ?2");
    let row = Statement::new(text)
        .bind(app_id.as_str())
        .bind(openid.as_str())
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// A user's sessions, newest first.
pub async fn user_sessions<DB: Backend>(
    reader: &Pool<DB>,
    user: UserId,
) -> Result<Vec<UserSessionSummary>, StoreError> {
    let rows = Statement::new(sql::USER_SESSIONS)
        .bind(user.0)
        .fetch_all(reader)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(UserSessionSummary {
                created_at: Timestamp::from_millis(row.read("created_at")?),
                expires_at: Timestamp::from_millis(row.read("expires_at")?),
            })
        })
        .collect()
}

/// Ends every session of a user.
pub async fn delete_user_sessions<DB: Backend>(
    writer: &Pool<DB>,
    user: UserId,
) -> Result<u64, StoreError> {
    Statement::new(sql::DELETE_USER_SESSIONS)
        .bind(user.0)
        .execute(writer)
        .await
}

/// Replies waiting in the outbox, the soonest due first.
pub async fn pending_replies<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    limit: u32,
) -> Result<Vec<StoredMessage>, StoreError> {
    let rows = Statement::new(sql::pending_replies())
        .bind(app_id.as_str())
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// Users with messages, latest first.
pub async fn recent_conversations<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    limit: u32,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let rows = Statement::new(sql::RECENT_CONVERSATIONS)
        .bind(app_id.as_str())
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
    rows.iter()
        .map(|row| {
            let openid: String = row.read("openid")?;
            let messages: i64 = row.read("n")?;
            Ok(ConversationSummary {
                openid: OpenId::parse(openid).map_err(|e| corrupt("messages.openid", e))?,
                messages: u64::try_from(messages).unwrap_or_default(),
                last_at: Timestamp::from_millis(row.read("last_at")?),
            })
        })
        .collect()
}

/// Adds failed WeChat calls to their minutes, then forgets the minutes before `forget_before`.
pub async fn record_wechat_errors<DB: Backend>(
    writer: &Pool<DB>,
    counts: &[WechatErrorCount],
    forget_before: Timestamp,
) -> Result<(), StoreError> {
    for count in counts {
        Statement::new(sql::ADD_WECHAT_ERRORS)
            .bind(minute_of(count.last_seen).as_millis())
            .bind(count.endpoint.as_str())
            .bind(count.errcode.as_str())
            .bind(i64::try_from(count.count).unwrap_or(i64::MAX))
            .bind(count.last_seen.as_millis())
            .execute(writer)
            .await?;
    }
    Statement::new(sql::PURGE_WECHAT_ERRORS)
        .bind(minute_of(forget_before).as_millis())
        .execute(writer)
        .await?;
    Ok(())
}

/// Failed WeChat calls from the minute of `since`, by endpoint and errcode.
pub async fn wechat_errors<DB: Backend>(
    reader: &Pool<DB>,
    since: Timestamp,
) -> Result<Vec<WechatErrorCount>, StoreError> {
    let rows = Statement::new(sql::WECHAT_ERRORS)
        .bind(minute_of(since).as_millis())
        .fetch_all(reader)
        .await?;
    rows.iter()
        .map(|row| {
            let count: i64 = row.read("n")?;
            let last_seen: i64 = row.read("last_seen")?;
            Ok(WechatErrorCount {
                endpoint: row.read("endpoint")?,
                errcode: row.read("errcode")?,
                count: u64::try_from(count).unwrap_or_default(),
                last_seen: Timestamp::from_millis(last_seen),
            })
        })
        .collect()
}
