//! Turns database rows into domain values, refusing rows that make no sense.

use sqlx::Row;
use wxbase_core::{Phone, Profile, StoreError, Timestamp, User, UserId};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::errors::store_error;

/// A [`StoreError::Corrupt`] naming the column and what is wrong with its value.
pub fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

/// One column of `row`, as the type the caller wants.
pub fn get<'r, R, T>(row: &'r R, name: &'r str) -> Result<T, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get(name).map_err(store_error)
}

/// The columns [`user_from_row`] reads, for `SELECT` and `RETURNING` lists. The SQLite fast
/// path reads them by position: keep the order.
pub const USER_COLUMNS: &str = "id, app_id, openid, unionid, created_at, last_login_at, \
     phone_number, pure_phone_number, country_code, nickname, avatar_url";

/// The raw [`USER_COLUMNS`] of one row, whichever driver read them.
pub struct UserColumns {
    pub id: i64,
    pub app_id: String,
    pub openid: String,
    pub unionid: Option<String>,
    pub created_at: i64,
    pub last_login_at: i64,
    pub phone_number: Option<String>,
    pub pure_phone_number: Option<String>,
    pub country_code: Option<String>,
    pub nickname: Option<String>,
    pub avatar_url: Option<String>,
}

impl UserColumns {
    /// Validates the columns into a [`User`].
    pub fn into_user(self) -> Result<User, StoreError> {
        let corrupt =
            |what: &str, e: wxbase_wechat::IdError| StoreError::Corrupt(format!("{what}: {e}"));
        let phone = match (self.phone_number, self.pure_phone_number, self.country_code) {
            (Some(phone_number), Some(pure_phone_number), Some(country_code)) => Some(Phone {
                phone_number,
                pure_phone_number,
                country_code,
            }),
            _ => None,
        };
        Ok(User {
            id: UserId(self.id),
            app_id: AppId::parse(self.app_id).map_err(|e| corrupt("users.app_id", e))?,
            openid: OpenId::parse(self.openid).map_err(|e| corrupt("users.openid", e))?,
            unionid: self
                .unionid
                .map(UnionId::parse)
                .transpose()
                .map_err(|e| corrupt("users.unionid", e))?,
            phone,
            profile: Profile {
                nickname: self.nickname,
                avatar_url: self.avatar_url,
            },
            created_at: Timestamp::from_millis(self.created_at),
            last_login_at: Timestamp::from_millis(self.last_login_at),
        })
    }
}

/// Reads a user from an sqlx row with the [`USER_COLUMNS`].
pub fn user_from_row<'r, R>(row: &'r R) -> Result<User, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let text = |name: &'r str| -> Result<Option<String>, StoreError> {
        row.try_get(name).map_err(store_error)
    };
    UserColumns {
        id: row.try_get("id").map_err(store_error)?,
        app_id: row.try_get("app_id").map_err(store_error)?,
        openid: row.try_get("openid").map_err(store_error)?,
        unionid: text("unionid")?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        last_login_at: row.try_get("last_login_at").map_err(store_error)?,
        phone_number: text("phone_number")?,
        pure_phone_number: text("pure_phone_number")?,
        country_code: text("country_code")?,
        nickname: text("nickname")?,
        avatar_url: text("avatar_url")?,
    }
    .into_user()
}
