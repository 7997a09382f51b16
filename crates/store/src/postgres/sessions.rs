//! The reads every signed-in request makes on PostgreSQL: the session's user, and the user's
//! session_key for decryption. Each has a one-request and a many-request statement.

use async_trait::async_trait;
use sqlx::{PgPool, Row};
use wxbase_core::{StoreError, Timestamp, TokenHash, User, UserId};
use wxbase_wechat::Secret;

use super::rounds::{answer_slot, Statement};
use crate::errors::store_error;
use crate::rows::{user_from_row, USER_COLUMNS};

/// A session lookup: the token's hash, and the time it must not have expired by.
pub type SessionLookup = (TokenHash, Timestamp);

/// The SQL of the session reads, built once per store.
#[derive(Debug)]
pub struct SessionSql {
    user: String,
    users: String,
}

const SESSION_KEY: &str = "SELECT session_key FROM users WHERE id = $1";

const SESSION_KEYS: &str = "SELECT wanted.position, users.session_key
     FROM unnest($1::int8[]) WITH ORDINALITY AS wanted(id, position)
     JOIN users ON users.id = wanted.id";

impl SessionSql {
    pub fn new() -> Self {
        let user = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id =
                 (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2)"
        );
        // Each lookup keeps its own time; the same token may be asked for twice.
        let users = format!(
            "SELECT wanted.position, users.*
             FROM unnest($1::bytea[], $2::int8[]) WITH ORDINALITY AS wanted(token_hash, now, position)
             JOIN sessions ON sessions.token_hash = wanted.token_hash
                          AND sessions.expires_at > wanted.now
             JOIN LATERAL (SELECT {USER_COLUMNS} FROM users WHERE users.id = sessions.user_id)
                 AS users ON true"
        );
        Self { user, users }
    }
}

/// The user of one unexpired session.
pub async fn user_of_one(
    pool: &PgPool,
    sql: &SessionSql,
    (token, now): &SessionLookup,
) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(&sql.user)
        .bind(token.as_bytes())
        .bind(now.as_millis())
        .fetch_optional(pool)
        .await
        .map_err(store_error)?;
    row.as_ref().map(user_from_row).transpose()
}

/// The users of many sessions, in the lookups' order (`None` for an unknown or expired one).
pub async fn users_of_many(
    pool: &PgPool,
    sql: &SessionSql,
    lookups: &[&SessionLookup],
) -> Result<Vec<Option<User>>, StoreError> {
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
        .map_err(store_error)?;
    let mut users = vec![None; lookups.len()];
    for row in &rows {
        *answer_slot(&mut users, row)? = Some(user_from_row(row)?);
    }
    Ok(users)
}

/// One user's session_key.
pub async fn session_key_of_one(
    pool: &PgPool,
    user: &UserId,
) -> Result<Option<Secret>, StoreError> {
    let key: Option<String> = sqlx::query_scalar(SESSION_KEY)
        .bind(user.0)
        .fetch_optional(pool)
        .await
        .map_err(store_error)?;
    Ok(key.map(Secret::new))
}

/// Many users' session_keys, in the users' order (`None` for a user that does not exist).
pub async fn session_keys_of_many(
    pool: &PgPool,
    users: &[&UserId],
) -> Result<Vec<Option<Secret>>, StoreError> {
    let rows = sqlx::query(SESSION_KEYS)
        .bind(users.iter().map(|user| user.0).collect::<Vec<_>>())
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let mut keys = vec![None; users.len()];
    for row in &rows {
        let key: String = row.try_get("session_key").map_err(store_error)?;
        *answer_slot(&mut keys, row)? = Some(Secret::new(key));
    }
    Ok(keys)
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
    type Answer = Option<User>;

    async fn together(&self, lookups: &[&SessionLookup]) -> Result<Vec<Option<User>>, StoreError> {
        users_of_many(&self.pool, &self.sql, lookups).await
    }

    async fn alone(&self, lookup: &SessionLookup) -> Result<Option<User>, StoreError> {
        user_of_one(&self.pool, &self.sql, lookup).await
    }
}

/// session_key lookups, one at a time or many in one statement.
#[derive(Debug)]
pub struct SessionKeys {
    pub pool: PgPool,
}

#[async_trait]
impl Statement for SessionKeys {
    type Request = UserId;
    type Answer = Option<Secret>;

    async fn together(&self, users: &[&UserId]) -> Result<Vec<Option<Secret>>, StoreError> {
        session_keys_of_many(&self.pool, users).await
    }

    async fn alone(&self, user: &UserId) -> Result<Option<Secret>, StoreError> {
        session_key_of_one(&self.pool, user).await
    }
}
