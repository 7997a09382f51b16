//! Users and their sessions, outside the hot paths (logins and session reads are each
//! backend's own): the columns a user is read from, profile updates, logouts and the purge of
//! expired sessions. The statements are shared by both backends.

use sqlx::Pool;
use wxbase_core::webhooks::{event, EventType};
use wxbase_core::{
    ImportedUser, LoginRecord, NewLogin, Phone, Profile, StoreError, Timestamp, TokenHash, User,
    UserId, UserUpdate,
};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::backend::{Backend, ReadRow};
use crate::errors::{corrupt, SqlxResultExt};
use crate::sql::Statement;
use crate::webhooks::queries::record_if_subscribed;

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

/// Reads a user from a row with the [`USER_COLUMNS`].
pub fn user_from_row(row: &impl ReadRow) -> Result<User, StoreError> {
    UserColumns {
        id: row.read("id")?,
        app_id: row.read("app_id")?,
        openid: row.read("openid")?,
        unionid: row.read("unionid")?,
        created_at: row.read("created_at")?,
        last_login_at: row.read("last_login_at")?,
        phone_number: row.read("phone_number")?,
        pure_phone_number: row.read("pure_phone_number")?,
        country_code: row.read("country_code")?,
        nickname: row.read("nickname")?,
        avatar_url: row.read("avatar_url")?,
    }
    .into_user()
}

/// `SET` assignments and their values for a user update; placeholders start at `?3`
/// (`?1` is the user id, `?2` the update time).
fn user_update(update: &UserUpdate) -> (&'static str, Vec<Option<String>>) {
    match update {
        UserUpdate::UnionId(unionid) => ("unionid = ?3", vec![Some(unionid.to_string())]),
        UserUpdate::Phone(phone) => (
            "phone_number = ?3, pure_phone_number = ?4, country_code = ?5",
            vec![
                Some(phone.phone_number.clone()),
                Some(phone.pure_phone_number.clone()),
                Some(phone.country_code.clone()),
            ],
        ),
        UserUpdate::Profile(profile) => (
            "nickname = ?3, avatar_url = ?4",
            vec![profile.nickname.clone(), profile.avatar_url.clone()],
        ),
    }
}

/// Applies `update` to the user and returns the user as updated.
pub async fn update_user<DB: Backend>(
    pool: &Pool<DB>,
    user: UserId,
    update: &UserUpdate,
) -> Result<User, StoreError> {
    let (assignments, values) = user_update(update);
    let mut statement = Statement::new(format!(
        "UPDATE users SET {assignments}, updated_at = ?2 WHERE id = ?1 RETURNING {USER_COLUMNS}"
    ))
    .bind(user.0)
    .bind(Timestamp::now().as_millis());
    for value in values {
        statement = statement.bind(value);
    }
    let mut tx = pool.begin().await.or_store_error()?;
    let row = statement
        .fetch_optional(&mut tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("user {} does not exist", user.0)))?;
    let stored = user_from_row(&row)?;
    if let UserUpdate::Phone(_) = update {
        let now = Timestamp::now();
        record_if_subscribed(&mut tx, EventType::UserPhoneBound, now, || {
            vec![event::user_phone_bound(&stored, now)]
        })
        .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(stored)
}

/// How many users an app has.
pub async fn count_users<DB: Backend>(pool: &Pool<DB>, app_id: &AppId) -> Result<u64, StoreError> {
    let row = Statement::new("SELECT COUNT(*) FROM users WHERE app_id = ?1")
        .bind(app_id.as_str())
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(row.read::<i64>(0)?).unwrap_or_default())
}

/// Deletes a session (a logout); whether there was one.
pub async fn delete_session<DB: Backend>(
    pool: &Pool<DB>,
    token: &TokenHash,
) -> Result<bool, StoreError> {
    let deleted = Statement::new("DELETE FROM sessions WHERE token_hash = ?1")
        .bind(token.as_bytes())
        .execute(pool)
        .await?;
    Ok(deleted > 0)
}

/// Deletes the sessions expired by `now`; how many.
pub async fn delete_expired_sessions<DB: Backend>(
    pool: &Pool<DB>,
    now: Timestamp,
) -> Result<u64, StoreError> {
    Statement::new("DELETE FROM sessions WHERE expires_at <= ?1")
        .bind(now.as_millis())
        .execute(pool)
        .await
}

/// A login recorded in a transaction with its `user.created` and `user.login` events: what
/// both backends' hot paths give way to while some endpoint takes those events.
pub async fn record_login_with_events<DB: Backend>(
    pool: &Pool<DB>,
    login: &NewLogin,
) -> Result<LoginRecord, StoreError> {
    let at = login.at.as_millis();
    let unionid = login.unionid.as_ref().map(|u| u.as_str().to_owned());
    let mut tx = pool.begin().await.or_store_error()?;
    let inserted = Statement::new(format!(
        "INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)
         ON CONFLICT (app_id, openid) DO NOTHING
         RETURNING {USER_COLUMNS}"
    ))
    .bind(login.app_id.as_str())
    .bind(login.openid.as_str())
    .bind(unionid.clone())
    .bind(login.session_key.expose())
    .bind(at)
    .fetch_optional(&mut tx)
    .await?;
    let (row, is_new) = match inserted {
        Some(row) => (row, true),
        None => {
            let row = Statement::new(format!(
                "UPDATE users SET session_key = ?3, unionid = COALESCE(?4, unionid),
                     updated_at = ?5, last_login_at = ?5
                 WHERE app_id = ?1 AND openid = ?2
                 RETURNING {USER_COLUMNS}"
            ))
            .bind(login.app_id.as_str())
            .bind(login.openid.as_str())
            .bind(login.session_key.expose())
            .bind(unionid)
            .bind(at)
            .fetch_one(&mut tx)
            .await?;
            (row, false)
        }
    };
    let user = user_from_row(&row)?;
    Statement::new(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(login.token_hash.as_bytes())
    .bind(user.id.0)
    .bind(at)
    .bind(login.expires_at.as_millis())
    .execute(&mut tx)
    .await?;
    if is_new {
        record_if_subscribed(&mut tx, EventType::UserCreated, login.at, || {
            vec![event::user_logged_in(
                EventType::UserCreated,
                &user,
                login.at,
            )]
        })
        .await?;
    }
    record_if_subscribed(&mut tx, EventType::UserLogin, login.at, || {
        vec![event::user_logged_in(EventType::UserLogin, &user, login.at)]
    })
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(LoginRecord { user, is_new })
}

/// An imported user: no session key until the first login replaces the empty one.
const INSERT_IMPORTED: &str = "INSERT INTO users (app_id, openid, unionid, session_key, \
     created_at, updated_at, last_login_at, phone_number, pure_phone_number, country_code, \
     nickname, avatar_url) VALUES (?1, ?2, ?3, '', ?4, ?4, ?4, ?5, ?6, ?7, ?8, ?9) \
     ON CONFLICT (app_id, openid) DO NOTHING";

/// Inserts imported users in one transaction; returns how many were new.
pub async fn import_users<DB: Backend>(
    writer: &Pool<DB>,
    users: &[ImportedUser],
) -> Result<u64, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let mut inserted = 0;
    for user in users {
        let phone = user.phone.as_ref();
        inserted += Statement::new(INSERT_IMPORTED)
            .bind(user.app_id.as_str())
            .bind(user.openid.as_str())
            .bind(user.unionid.as_ref().map(|u| u.as_str()))
            .bind(user.created_at.as_millis())
            .bind(phone.map(|p| p.phone_number.as_str()))
            .bind(phone.map(|p| p.pure_phone_number.as_str()))
            .bind(phone.map(|p| p.country_code.as_str()))
            .bind(user.profile.nickname.as_deref())
            .bind(user.profile.avatar_url.as_deref())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(inserted)
}
