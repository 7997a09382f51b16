//! Turns database rows into domain values, refusing rows that make no sense.

use sqlx::Row;
use wxbase_core::{StoreError, Timestamp, User, UserId};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::errors::store_error;

/// Reads a user from a row with columns id, app_id, openid, unionid, created_at, last_login_at.
pub fn user_from_row<'r, R>(row: &'r R) -> Result<User, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let corrupt =
        |what: &str, e: wxbase_wechat::IdError| StoreError::Corrupt(format!("{what}: {e}"));
    let app_id: String = row.try_get("app_id").map_err(store_error)?;
    let openid: String = row.try_get("openid").map_err(store_error)?;
    let unionid: Option<String> = row.try_get("unionid").map_err(store_error)?;
    Ok(User {
        id: UserId(row.try_get("id").map_err(store_error)?),
        app_id: AppId::parse(app_id).map_err(|e| corrupt("users.app_id", e))?,
        openid: OpenId::parse(openid).map_err(|e| corrupt("users.openid", e))?,
        unionid: unionid
            .map(UnionId::parse)
            .transpose()
            .map_err(|e| corrupt("users.unionid", e))?,
        created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
        last_login_at: Timestamp::from_millis(row.try_get("last_login_at").map_err(store_error)?),
    })
}
