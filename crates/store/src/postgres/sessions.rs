//! The read every signed-in request makes on PostgreSQL: the session's user with the user's
//! session_key, in a one-request and a many-request statement.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use wxbase_core::{KeyedUser, StoreError, Timestamp, TokenHash};
use wxbase_wechat::Secret;

use super::rounds::{answer_slot, Statement};
use crate::errors::SqlxResultExt;
use crate::users::{user_from_row, USER_COLUMNS};

/// A session lookup: the token's hash, and the time it must not have expired by.
pub type SessionLookup = (TokenHash, Timestamp);

/// The SQL of the session reads, built once per store.
#[derive(Debug)]
pub struct SessionSql {
    user: String,
    users: String,
}

impl SessionSql {
    pub fn new() -> Self {
        let user = format!(
            "SELECT {USER_COLUMNS}, session_key FROM users WHERE id =
                 (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2)"
        );
        // Each lookup keeps its own time; the same token may be asked for twice.
        let users = format!(
            "SELECT wanted.position, users.*
             FROM unnest($1::bytea[], $2::int8[]) WITH ORDINALITY AS wanted(token_hash, now, position)
             JOIN sessions ON sessions.token_hash = wanted.token_hash
                          AND sessions.expires_at > wanted.now
             JOIN LATERAL (SELECT {USER_COLUMNS}, session_key FROM users
                           WHERE users.id = sessions.user_id)
                 AS users ON true"
        );
        Self { user, users }
    }
}

/// The user of one unexpired session, with the user's session_key.
pub async fn user_of_one(
    pool: &PgPool,
    sql: &SessionSql,
    (token, now): &SessionLookup,
) -> Result<Option<KeyedUser>, StoreError> {
    let row = sqlx::query(&sql.user)
        .bind(token.as_bytes())
        .bind(now.as_millis())
        .fetch_optional(pool)
        .await
        .or_store_error()?;
    row.as_ref().map(keyed_user).transpose()
}

/// The users of many sessions with their session_keys, in the lookups' order (`None` for an
/// unknown or expired session).
pub async fn users_of_many(
    pool: &PgPool,
    sql: &SessionSql,
    lookups: &[&SessionLookup],
) -> Result<Vec<Option<KeyedUser>>, StoreError> {
    let rows = sqlx::query(&sql.users)
        .bind(
            lookups
                .iter()
                .map(|(token, _)| token.as_bytes())
                .collect::<Vec<_>>(),
        )
        .bind(
            lookups
                .iter()
                .map(|(_, now)| now.as_millis())
                .collect::<Vec<_>>(),
        )
        .fetch_all(pool)
        .await
        .or_store_error()?;
    let mut users = vec![None; lookups.len()];
    for row in &rows {
        *answer_slot(&mut users, row)? = Some(keyed_user(row)?);
    }
    Ok(users)
}

fn keyed_user(row: &PgRow) -> Result<KeyedUser, StoreError> {
    let session_key: String = row.try_get("session_key").or_store_error()?;
    Ok(KeyedUser {
        user: user_from_row(row)?,
        session_key: Secret::new(session_key),
    })
}

/// Session lookups, one at a time or many in one statement.
#[derive(Debug)]
pub struct SessionUsers {
    pub pool: PgPool,
    pub sql: SessionSql,
}

#[async_trait]
impl Statement for SessionUsers {
    type Request = SessionLookup;
    type Answer = Option<KeyedUser>;

    async fn together(
        &self,
        lookups: &[&SessionLookup],
    ) -> Result<Vec<Option<KeyedUser>>, StoreError> {
        users_of_many(&self.pool, &self.sql, lookups).await
    }

    async fn alone(&self, lookup: &SessionLookup) -> Result<Option<KeyedUser>, StoreError> {
        user_of_one(&self.pool, &self.sql, lookup).await
    }
}
