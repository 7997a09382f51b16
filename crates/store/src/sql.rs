//! What a statement is, on either backend: its SQL, written once for both with SQLite's `?N`
//! placeholders ([`Dialect::shared`] makes PostgreSQL's `$N`) or built for one [`Dialect`], and
//! the values bound to it. [`Statement`] runs it through [`Backend`](crate::backend::Backend).

use std::borrow::Cow;

use wxbase_core::{StoreError, UserUpdate};

use crate::backend::{Backend, On};

/// Which SQL a statement is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: `?N` placeholders, JSON text with `json_extract` / `json_type`.
    Sqlite,
    /// PostgreSQL: `$N` placeholders, `jsonb` with `->` / `jsonb_typeof`.
    Postgres,
}

impl Dialect {
    /// Shared SQL written with `?N` placeholders, in this dialect.
    pub fn shared(self, text: &str) -> Cow<'_, str> {
        match self {
            Self::Sqlite => Cow::Borrowed(text),
            Self::Postgres => Cow::Owned(text.replace('?', "$")),
        }
    }
}

/// A value bound to a placeholder, as the Rust type sqlx binds it with.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// An integer.
    Int(i64),
    /// An integer or NULL.
    OptInt(Option<i64>),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
    /// Text or NULL.
    OptText(Option<String>),
    /// A boolean (an INTEGER in SQLite, a BOOLEAN in PostgreSQL).
    Bool(bool),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<Option<i64>> for SqlValue {
    fn from(value: Option<i64>) -> Self {
        Self::OptInt(value)
    }
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<Option<&str>> for SqlValue {
    fn from(value: Option<&str>) -> Self {
        Self::OptText(value.map(str::to_owned))
    }
}

impl From<Option<String>> for SqlValue {
    fn from(value: Option<String>) -> Self {
        Self::OptText(value)
    }
}

impl From<bool> for SqlValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<&[u8]> for SqlValue {
    fn from(value: &[u8]) -> Self {
        Self::Bytes(value.to_vec())
    }
}

/// One statement and its values, run on a pool or in a transaction of either backend.
#[derive(Debug, Clone)]
pub struct Statement<'a> {
    text: Cow<'a, str>,
    /// `None` for SQL shared by both backends (`?N` placeholders); otherwise the one dialect
    /// the text was built for.
    built_for: Option<Dialect>,
    values: Vec<SqlValue>,
    persistent: bool,
}

impl<'a> Statement<'a> {
    /// SQL written once for both backends with `?N` placeholders.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            text: text.into(),
            built_for: None,
            values: Vec::new(),
            persistent: true,
        }
    }

    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Into<SqlValue>) -> Self {
        self.values.push(value.into());
        self
    }

    /// The text as `dialect` takes it.
    pub(crate) fn text_for(&self, dialect: Dialect) -> Cow<'_, str> {
        match self.built_for {
            None => dialect.shared(&self.text),
            Some(built_for) => {
                debug_assert_eq!(built_for, dialect, "a statement run on another backend");
                Cow::Borrowed(&self.text)
            }
        }
    }

    /// The values, in placeholder order.
    pub(crate) fn values(&self) -> &[SqlValue] {
        &self.values
    }

    /// Whether the connection keeps the statement prepared.
    pub(crate) fn persistent(&self) -> bool {
        self.persistent
    }

    /// Runs the statement; how many rows it changed.
    pub async fn execute<'e, DB: Backend>(
        &'e self,
        on: impl Into<On<'e, DB>>,
    ) -> Result<u64, StoreError> {
        DB::execute(on.into(), self).await
    }

    /// The first row, if any.
    pub async fn fetch_optional<'e, DB: Backend>(
        &'e self,
        on: impl Into<On<'e, DB>>,
    ) -> Result<Option<DB::Row>, StoreError> {
        DB::fetch_optional(on.into(), self).await
    }

    /// The first row; no row is an error.
    pub async fn fetch_one<'e, DB: Backend>(
        &'e self,
        on: impl Into<On<'e, DB>>,
    ) -> Result<DB::Row, StoreError> {
        DB::fetch_one(on.into(), self).await
    }

    /// Every row.
    pub async fn fetch_all<'e, DB: Backend>(
        &'e self,
        on: impl Into<On<'e, DB>>,
    ) -> Result<Vec<DB::Row>, StoreError> {
        DB::fetch_all(on.into(), self).await
    }
}

/// `SET` assignments and their values for a user update; placeholders start at `?3`
/// (`?1` is the user id, `?2` the update time).
pub fn user_update(update: &UserUpdate) -> (&'static str, Vec<Option<String>>) {
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

/// The stored token, if any.
pub const ACCESS_TOKEN: &str =
    "SELECT token, expires_at, fetched_at, source FROM access_tokens WHERE app_id = ?1 AND token IS NOT NULL";

/// Takes the lease if it is free or expired (?1 app, ?2 holder, ?3 now, ?4 until).
pub const ACQUIRE_LEASE: &str = "INSERT INTO access_tokens (app_id, lease_holder, lease_until) VALUES (?1, ?2, ?4)
     ON CONFLICT (app_id) DO UPDATE SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
     WHERE access_tokens.lease_until <= ?3 OR access_tokens.lease_holder = excluded.lease_holder";

/// Stores a token and frees the lease (?1 app, ?2 token, ?3 expires, ?4 fetched, ?5 source).
pub const SAVE_TOKEN: &str = "INSERT INTO access_tokens (app_id, token, expires_at, fetched_at, source) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at,
         fetched_at = excluded.fetched_at, source = excluded.source, lease_holder = NULL, lease_until = 0";

/// Frees the lease if ?2 holds it.
pub const RELEASE_LEASE: &str =
    "UPDATE access_tokens SET lease_holder = NULL, lease_until = 0 WHERE app_id = ?1 AND lease_holder = ?2";

/// Forgets the token if it is still ?2.
pub const DISCARD_TOKEN: &str =
    "UPDATE access_tokens SET token = NULL WHERE app_id = ?1 AND token = ?2";

/// Makes sure the app has a row.
pub const ENSURE_TOKEN_ROW: &str =
    "INSERT INTO access_tokens (app_id) VALUES (?1) ON CONFLICT (app_id) DO NOTHING";

/// Counts a force refresh if allowed (?1 app, ?2 day, ?3 now, ?4 min gap ms, ?5 per day).
pub const COUNT_FORCE_REFRESH: &str = "UPDATE access_tokens SET
         force_count = CASE WHEN force_day = ?2 THEN force_count + 1 ELSE 1 END,
         force_day = ?2, last_force_at = ?3
     WHERE app_id = ?1 AND last_force_at <= ?3 - ?4 AND (force_day <> ?2 OR force_count < ?5)";
