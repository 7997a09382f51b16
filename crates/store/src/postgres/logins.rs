//! Logins on PostgreSQL: the user upsert and the new session, one statement for one login or
//! for a whole batch of them.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use wxbase_core::{LoginRecord, NewLogin, StoreError};

use super::rounds::{answer_slot, Statement};
use crate::errors::SqlxResultExt;
use crate::users::{user_from_row, USER_COLUMNS};

/// The SQL of a login, built once per store.
#[derive(Debug)]
pub struct LoginSql {
    one: String,
    many: String,
}

/// What the upsert does to a user who exists: new session_key and login time; a known unionid
/// is never erased by a login without one. `RETURNING (xmax = 0)` is true for a fresh insert.
const UPSERT_TAIL: &str = "ON CONFLICT (app_id, openid) DO UPDATE
         SET session_key = EXCLUDED.session_key,
             unionid = COALESCE(EXCLUDED.unionid, users.unionid),
             updated_at = EXCLUDED.updated_at,
             last_login_at = EXCLUDED.last_login_at";

impl LoginSql {
    pub fn new() -> Self {
        let one = format!(
            "WITH upserted AS (
                 INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
                 VALUES ($1, $2, $3, $4, $5, $5, $5)
                 {UPSERT_TAIL}
                 RETURNING {USER_COLUMNS}, (xmax = 0) AS is_new
             ), new_session AS (
                 INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                 SELECT $6, id, $5, $7 FROM upserted
             )
             SELECT * FROM upserted"
        );
        // Users are upserted in key order, so two instances' batches lock rows in one order.
        let many = format!(
            "WITH input AS (
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[],
                                      $6::bytea[], $7::int8[])
                     WITH ORDINALITY AS t(app_id, openid, unionid, session_key, at, token_hash,
                                          expires_at, position)
             ), upserted AS (
                 INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
                 SELECT app_id, openid, unionid, session_key, at, at, at FROM input
                 ORDER BY app_id, openid
                 {UPSERT_TAIL}
                 RETURNING {USER_COLUMNS}, (xmax = 0) AS is_new
             ), new_sessions AS (
                 INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                 SELECT input.token_hash, upserted.id, input.at, input.expires_at
                 FROM input JOIN upserted USING (app_id, openid)
             )
             SELECT input.position, upserted.*
             FROM input JOIN upserted USING (app_id, openid)"
        );
        Self { one, many }
    }
}

/// Records one login.
pub async fn record_one(
    pool: &PgPool,
    sql: &LoginSql,
    login: &NewLogin,
) -> Result<LoginRecord, StoreError> {
    let row = sqlx::query(&sql.one)
        .bind(login.app_id.as_str())
        .bind(login.openid.as_str())
        .bind(login.unionid.as_ref().map(|u| u.as_str()))
        .bind(login.session_key.expose())
        .bind(login.at.as_millis())
        .bind(login.token_hash.as_bytes())
        .bind(login.expires_at.as_millis())
        .fetch_one(pool)
        .await
        .or_store_error()?;
    login_record(&row)
}

/// Records logins of distinct users in one statement; the records are in the logins' order.
pub async fn record_many(
    pool: &PgPool,
    sql: &LoginSql,
    logins: &[&NewLogin],
) -> Result<Vec<LoginRecord>, StoreError> {
    let column = |f: fn(&NewLogin) -> &str| logins.iter().map(|l| f(l)).collect::<Vec<_>>();
    let rows = sqlx::query(&sql.many)
        .bind(column(|l| l.app_id.as_str()))
        .bind(column(|l| l.openid.as_str()))
        .bind(
            logins
                .iter()
                .map(|l| l.unionid.as_ref().map(|u| u.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(column(|l| l.session_key.expose()))
        .bind(logins.iter().map(|l| l.at.as_millis()).collect::<Vec<_>>())
        .bind(
            logins
                .iter()
                .map(|l| l.token_hash.as_bytes())
                .collect::<Vec<_>>(),
        )
        .bind(
            logins
                .iter()
                .map(|l| l.expires_at.as_millis())
                .collect::<Vec<_>>(),
        )
        .fetch_all(pool)
        .await
        .or_store_error()?;
    let mut records: Vec<Option<LoginRecord>> = vec![None; logins.len()];
    for row in &rows {
        *answer_slot(&mut records, row)? = Some(login_record(row)?);
    }
    records
        .into_iter()
        .map(|record| {
            record.ok_or_else(|| StoreError::Backend("a batched login returned no user".into()))
        })
        .collect()
}

fn login_record(row: &PgRow) -> Result<LoginRecord, StoreError> {
    Ok(LoginRecord {
        user: user_from_row(row)?,
        is_new: row.try_get("is_new").or_store_error()?,
    })
}

/// Logins, one at a time or many in one statement.
#[derive(Debug)]
pub struct Logins {
    pub pool: PgPool,
    pub sql: LoginSql,
}

#[async_trait]
impl Statement for Logins {
    type Request = NewLogin;
    type Answer = LoginRecord;

    async fn together(&self, logins: &[&NewLogin]) -> Result<Vec<LoginRecord>, StoreError> {
        record_many(&self.pool, &self.sql, logins).await
    }

    async fn alone(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        record_one(&self.pool, &self.sql, login).await
    }
}
