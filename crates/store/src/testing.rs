//! Fresh databases for tests: a temporary SQLite file, or a new schema in the PostgreSQL test
//! database. PostgreSQL tests skip when the server is unreachable, unless
//! `WXBASE_REQUIRE_POSTGRES=1`, which turns "unreachable" into a failure (CI sets it).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use wxbase_core::Store;
use wxbase_wechat::Secret;

use crate::{PostgresStore, SqliteStore};

/// The PostgreSQL server tests use, overridable with `WXBASE_TEST_POSTGRES_URL`.
pub fn postgres_admin_url() -> String {
    std::env::var("WXBASE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether PostgreSQL tests must run (fail) rather than skip.
pub fn postgres_required() -> bool {
    std::env::var("WXBASE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// Which backend a test database uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh schema in PostgreSQL.
    Postgres,
}

/// A fresh, empty, migrated database for one test.
pub struct TestDatabase {
    /// The store over it.
    pub store: Arc<dyn Store>,
    /// A URL wxbase's configuration accepts for the same database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A fresh database of `backend`, or `None` if PostgreSQL is unreachable and not required.
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite().await),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A fresh SQLite file in a temporary directory, removed when dropped.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("wxbase.db");
        let store = SqliteStore::open(&path, 4)
            .await
            .expect("a fresh SQLite store");
        Self {
            store: Arc::new(store),
            url: format!("sqlite://{}", path.display()),
            _dir: Some(dir),
        }
    }

    /// A new schema in the PostgreSQL test database. Schemas older than an hour, left by
    /// earlier runs, are dropped first.
    pub async fn postgres() -> Option<Self> {
        let admin_url = postgres_admin_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(error) if !postgres_required() => {
                eprintln!("skipping a PostgreSQL test: {admin_url} unreachable ({error})");
                return None;
            }
            Err(error) => panic!(
                "WXBASE_REQUIRE_POSTGRES=1 but PostgreSQL at {admin_url} is unreachable: {error}"
            ),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        drop_stale_schemas(&mut admin, now).await;
        let schema = format!("wxbase_test_{now}_{:016x}", rand::random::<u64>());
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create a test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        let store = PostgresStore::connect(&Secret::new(url.clone()), 8)
            .await
            .expect("a fresh PostgreSQL store");
        Some(Self {
            store: Arc::new(store),
            url,
            _dir: None,
        })
    }
}

impl TestDatabase {
    /// A second, independent connection to the same database, as another wxbase instance has.
    pub async fn connect_again(&self) -> Arc<dyn Store> {
        if let Some(path) = self.url.strip_prefix("sqlite://") {
            Arc::new(
                SqliteStore::open(std::path::Path::new(path), 4)
                    .await
                    .expect("reopen SQLite"),
            )
        } else {
            Arc::new(
                PostgresStore::connect(&Secret::new(self.url.clone()), 8)
                    .await
                    .expect("reconnect PostgreSQL"),
            )
        }
    }
}

async fn drop_stale_schemas(admin: &mut sqlx::PgConnection, now: u64) {
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'wxbase\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for schema in schemas {
        let created = schema
            .split('_')
            .nth(2)
            .and_then(|secs| secs.parse::<u64>().ok())
            .unwrap_or(0);
        if now.saturating_sub(created) > 3600 {
            let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// The one backend-matrix test macro: runs each listed `async fn case(fixture)` of the calling
/// module twice, on SQLite and on PostgreSQL (skipped when PostgreSQL is unreachable and not
/// required).
///
/// The fixture comes from `setup`, called with the [`Backend`] and awaited; it yields
/// `Option<Fixture>` (`None`: skip). Without `setup = ...;` the fixture is a fresh
/// [`TestDatabase`]. Names in `setup` resolve as in the calling module:
///
/// ```ignore
/// on_both_backends!(first_login_creates_the_user, logout_ends_the_session);
/// on_both_backends!(setup = |backend| TestApp::spawn_with(backend, with_push()); a_push_is_answered);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    (setup = $setup:expr; $($case:ident),* $(,)?) => {
        $crate::on_both_backends!(@backend sqlite, Sqlite, $setup; $($case),*);
        $crate::on_both_backends!(@backend postgres, Postgres, $setup; $($case),*);
    };
    (@backend $module:ident, $backend:ident, $setup:expr; $($case:ident),*) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let setup = $setup;
                    if let Some(fixture) = setup($crate::testing::Backend::$backend).await {
                        super::$case(fixture).await;
                    }
                }
            )*
        }
    };
    ($($case:ident),* $(,)?) => {
        $crate::on_both_backends!(setup = $crate::testing::TestDatabase::new; $($case),*);
    };
}
