//! Running a [`Statement`] on either backend, and reading its rows.
//!
//! The statements both stores share are written once, as functions generic over `DB:
//! Backend` (sqlx's `Sqlite` or `Postgres`). Calling sqlx generically needs a bound for every
//! type bound or read and for its executors; Rust does not carry such bounds from a trait to
//! its users, so every generic function would have to repeat them. They are written once
//! here instead: [`Backend`] is implemented for every [`Driver`] that meets them, and shared
//! code needs only `DB: Backend`. Values travel as [`SqlValue`]s, bound as the same Rust
//! types as sqlx would bind them directly; columns are read with [`ReadRow::read`].

use std::future::Future;

use sqlx::database::HasStatementCache;
use sqlx::postgres::{PgQueryResult, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteQueryResult, SqliteRow};
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Postgres, Row, Sqlite,
    Transaction, Type,
};
use wxbase_core::{PoolUsage, StoreError};

use crate::errors::SqlxResultExt;
use crate::sql::{Dialect, SqlValue, Statement};

/// What differs between sqlx's two databases for the shared statements.
pub trait Driver: Database<Row: ReadRow> + HasStatementCache {
    /// The SQL this database takes.
    const DIALECT: Dialect;

    /// How many rows a statement changed (each sqlx driver has its own result type).
    fn rows_affected(done: &Self::QueryResult) -> u64;
}

impl Driver for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }
}

impl Driver for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }
}

/// Where a statement runs: on a connection of a pool, or in a transaction.
pub enum On<'a, DB: Database> {
    /// On any connection of the pool.
    Pool(&'a Pool<DB>),
    /// In the transaction, on its connection.
    Transaction(&'a mut Transaction<'static, DB>),
}

impl<'a, DB: Database> From<&'a Pool<DB>> for On<'a, DB> {
    fn from(pool: &'a Pool<DB>) -> Self {
        Self::Pool(pool)
    }
}

impl<'a, DB: Database> From<&'a mut Transaction<'static, DB>> for On<'a, DB> {
    fn from(tx: &'a mut Transaction<'static, DB>) -> Self {
        Self::Transaction(tx)
    }
}

/// Runs statements: sqlx's `execute`, `fetch_optional` and `fetch_all`, with the error mapped
/// to a [`StoreError`].
pub trait Backend: Driver {
    /// sqlx's query for `text` (the statement's, in this dialect) with the statement's values
    /// bound, each as the Rust type sqlx would be given directly.
    fn query<'q>(
        text: &'q str,
        statement: &'q Statement<'_>,
    ) -> Query<'q, Self, Self::Arguments<'q>>;

    /// Runs `statement`; how many rows it changed.
    fn execute<'a>(
        on: On<'a, Self>,
        statement: &'a Statement<'a>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send + 'a;

    /// The first row of `statement`, if any.
    fn fetch_optional<'a>(
        on: On<'a, Self>,
        statement: &'a Statement<'a>,
    ) -> impl Future<Output = Result<Option<Self::Row>, StoreError>> + Send + 'a;

    /// Every row of `statement`.
    fn fetch_all<'a>(
        on: On<'a, Self>,
        statement: &'a Statement<'a>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, StoreError>> + Send + 'a;
}

impl<DB> Backend for DB
where
    DB: Driver,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> f64: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    fn query<'q>(text: &'q str, statement: &'q Statement<'_>) -> Query<'q, DB, DB::Arguments<'q>> {
        let mut query = sqlx::query(text).persistent(statement.persistent());
        for value in statement.values() {
            query = match value {
                SqlValue::Int(v) => query.bind(*v),
                SqlValue::OptInt(v) => query.bind(*v),
                SqlValue::Float(v) => query.bind(*v),
                SqlValue::Text(v) => query.bind(v.as_str()),
                SqlValue::OptText(v) => query.bind(v.as_deref()),
                SqlValue::Bool(v) => query.bind(*v),
                SqlValue::Bytes(v) => query.bind(v.as_slice()),
            };
        }
        query
    }

    async fn execute<'a>(on: On<'a, DB>, statement: &'a Statement<'a>) -> Result<u64, StoreError> {
        let text = statement.text_for(DB::DIALECT);
        let query = DB::query(&text, statement);
        let done = match on {
            On::Pool(pool) => query.execute(pool).await,
            On::Transaction(tx) => query.execute(&mut **tx).await,
        };
        Ok(DB::rows_affected(&done.or_store_error()?))
    }

    async fn fetch_optional<'a>(
        on: On<'a, DB>,
        statement: &'a Statement<'a>,
    ) -> Result<Option<DB::Row>, StoreError> {
        let text = statement.text_for(DB::DIALECT);
        let query = DB::query(&text, statement);
        match on {
            On::Pool(pool) => query.fetch_optional(pool).await,
            On::Transaction(tx) => query.fetch_optional(&mut **tx).await,
        }
        .or_store_error()
    }

    async fn fetch_all<'a>(
        on: On<'a, DB>,
        statement: &'a Statement<'a>,
    ) -> Result<Vec<DB::Row>, StoreError> {
        let text = statement.text_for(DB::DIALECT);
        let query = DB::query(&text, statement);
        match on {
            On::Pool(pool) => query.fetch_all(pool).await,
            On::Transaction(tx) => query.fetch_all(&mut **tx).await,
        }
        .or_store_error()
    }
}

/// A type both databases read from a column.
pub trait Column:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Column for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A column's name or position, in a row of either database.
pub trait ColumnRef: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}

impl<I> ColumnRef for I where I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}

/// Reading a row of either database.
pub trait ReadRow {
    /// One column, as the type the caller wants.
    fn read<T: Column>(&self, column: impl ColumnRef) -> Result<T, StoreError>;
}

impl ReadRow for SqliteRow {
    fn read<T: Column>(&self, column: impl ColumnRef) -> Result<T, StoreError> {
        self.try_get(column).or_store_error()
    }
}

impl ReadRow for PgRow {
    fn read<T: Column>(&self, column: impl ColumnRef) -> Result<T, StoreError> {
        self.try_get(column).or_store_error()
    }
}

/// Whether the database answers (`SELECT 1`).
pub async fn ping<DB: Backend>(pool: &Pool<DB>) -> Result<(), StoreError> {
    Statement::new("SELECT 1").execute(pool).await?;
    Ok(())
}

/// The connections `pool` holds now, as `name`.
pub fn pool_usage<DB: Backend>(name: &'static str, pool: &Pool<DB>) -> PoolUsage {
    PoolUsage::new(
        name,
        pool.size(),
        pool.num_idle(),
        pool.options().get_max_connections(),
    )
}
