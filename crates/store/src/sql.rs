//! What a statement is, on either backend: its SQL, written once for both with SQLite's `?N`
//! placeholders ([`Dialect::shared`] makes PostgreSQL's `$N`) or built for one [`Dialect`], and
//! the values bound to it. [`Statement`] runs it through [`Backend`](crate::backend::Backend).

use std::borrow::Cow;

use wxbase_core::StoreError;

use crate::backend::{Backend, On};
use crate::errors::store_error;

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
    /// SQL written once for both backends with `?N` placeholders (PostgreSQL's `$N` are made
    /// when it runs there).
    pub fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            text: text.into(),
            built_for: None,
            values: Vec::new(),
            persistent: true,
        }
    }

    /// SQL built for one dialect, with its values (the collections' statements).
    pub fn built(dialect: Dialect, text: String, values: Vec<SqlValue>) -> Self {
        Self {
            text: Cow::Owned(text),
            built_for: Some(dialect),
            values,
            persistent: true,
        }
    }

    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Into<SqlValue>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Runs the statement without keeping it prepared on the connection (DDL).
    pub fn unprepared(mut self) -> Self {
        self.persistent = false;
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
        // As sqlx's own `fetch_one`, which every executor takes from `fetch_optional`.
        self.fetch_optional(on)
            .await?
            .ok_or_else(|| store_error(sqlx::Error::RowNotFound))
    }

    /// Every row.
    pub async fn fetch_all<'e, DB: Backend>(
        &'e self,
        on: impl Into<On<'e, DB>>,
    ) -> Result<Vec<DB::Row>, StoreError> {
        DB::fetch_all(on.into(), self).await
    }
}
