//! Turns database rows into domain values, refusing rows that make no sense.

use sqlx::Row;
use wxbase_core::{Phone, Profile, StoreError, Timestamp, User, UserId};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::errors::store_error;

/// The columns [`user_from_row`] reads, for `SELECT` and `RETURNING` lists.
pub const USER_COLUMNS: &str = "id, app_id, openid, unionid, created_at, last_login_at, \
     phone_number, pure_phone_number, country_code, nickname, avatar_url";

/// Reads a user from a row with the [`USER_COLUMNS`].
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
    let text = |name: &'r str| -> Result<Option<String>, StoreError> {
        row.try_get(name).map_err(store_error)
    };
    let app_id: String = row.try_get("app_id").map_err(store_error)?;
    let openid: String = row.try_get("openid").map_err(store_error)?;
    let phone = match (
        text("phone_number")?,
        text("pure_phone_number")?,
        text("country_code")?,
    ) {
        (Some(phone_number), Some(pure_phone_number), Some(country_code)) => Some(Phone {
            phone_number,
            pure_phone_number,
            country_code,
        }),
        _ => None,
    };
    Ok(User {
        id: UserId(row.try_get("id").map_err(store_error)?),
        app_id: AppId::parse(app_id).map_err(|e| corrupt("users.app_id", e))?,
        openid: OpenId::parse(openid).map_err(|e| corrupt("users.openid", e))?,
        unionid: text("unionid")?
            .map(UnionId::parse)
            .transpose()
            .map_err(|e| corrupt("users.unionid", e))?,
        phone,
        profile: Profile {
            nickname: text("nickname")?,
            avatar_url: text("avatar_url")?,
        },
        created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
        last_login_at: Timestamp::from_millis(row.try_get("last_login_at").map_err(store_error)?),
    })
}
