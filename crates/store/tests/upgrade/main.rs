//! Opening databases with sqlx's migrator, on SQLite and on PostgreSQL: a database the pre-sqlx
//! runner made (see `upgrade/pre_sqlx.rs`) is adopted, keeps its data and takes newer
//! migrations; opening again changes nothing; failures change nothing and say what failed;
//! stores opening one database together all succeed.

mod pre_sqlx;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Connection, PgConnection, PgPool, SqliteConnection};
use wxbase_core::collections::{CollectionName, DocumentId, PermissionMode, Scope};
use wxbase_core::{NewLogin, SessionToken, Store, StoreError, Timestamp, TokenHash};
use wxbase_store::testing::{postgres_admin_url, postgres_required, Backend};
use wxbase_store::{PostgresStore, SqliteStore};
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

/// A database for one test, empty until a case fills it.
enum Db {
    Sqlite {
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
    },
}

/// A row of `_sqlx_migrations`: version, description, checksum, execution time, installed on.
type Recorded = (i64, String, Vec<u8>, i64, String);

impl Db {
    /// An empty database of `backend`, or `None` if it is PostgreSQL and unreachable (and not
    /// required).
    async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A path for a new SQLite file in a temporary directory.
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self::Sqlite {
            path: dir.path().join("wxbase.db"),
            _dir: dir,
        }
    }

    /// A new, empty schema in the PostgreSQL test database (dropped with the other tests' stale
    /// schemas), or `None` if PostgreSQL is unreachable and not required.
    async fn postgres() -> Option<Self> {
        let admin_url = postgres_admin_url();
        let mut admin = match PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(error) if !postgres_required() => {
                eprintln!("skipping a PostgreSQL test: {admin_url} unreachable ({error})");
                return None;
            }
            Err(error) => panic!("PostgreSQL at {admin_url} is unreachable: {error}"),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let schema = format!("wxbase_test_{now}_{:016x}", rand::random::<u64>());
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create a test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        Some(Self::Postgres {
            url: format!("{admin_url}{separator}options=-c%20search_path%3D{schema}"),
        })
    }

    fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// Migrates with the pre-sqlx runner, through migration `up_to`, as the wxbase of that
    /// time did.
    async fn pre_sqlx(&self, up_to: usize) {
        match self {
            Self::Sqlite { path, .. } => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .expect("a new SQLite file");
                pre_sqlx::apply_sqlite(&pool, &pre_sqlx::SQLITE[..up_to])
                    .await
                    .expect("the pre-sqlx runner");
                pool.close().await;
            }
            Self::Postgres { url } => {
                let pool = PgPool::connect(url).await.expect("connect");
                pre_sqlx::apply_postgres(&pool, &pre_sqlx::POSTGRES[..up_to])
                    .await
                    .expect("the pre-sqlx runner");
                pool.close().await;
            }
        }
    }

    /// Opens the store, as wxbase starts.
    async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Self::Sqlite { path, .. } => Arc::new(SqliteStore::open(path, 2).await?),
            Self::Postgres { url } => {
                Arc::new(PostgresStore::connect(&Secret::new(url.clone()), 4).await?)
            }
        })
    }

    /// Runs `sql` (one or more statements) on a connection of its own.
    async fn execute(&self, sql: &str) {
        match self {
            Self::Sqlite { path, .. } => {
                let mut conn = SqliteConnection::connect_with(
                    &SqliteConnectOptions::new()
                        .filename(path)
                        .foreign_keys(true),
                )
                .await
                .expect("connect");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
                conn.close().await.expect("close");
            }
            Self::Postgres { url } => {
                let mut conn = PgConnection::connect(url).await.expect("connect");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
                conn.close().await.expect("close");
            }
        }
    }

    /// The rows of the query `sql`, on a connection of its own.
    async fn fetch_all<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        match self {
            Self::Sqlite { path, .. } => {
                let mut conn =
                    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                        .await
                        .expect("connect");
                sqlx::query_as(sql).fetch_all(&mut conn).await.expect(sql)
            }
            Self::Postgres { url } => {
                let mut conn = PgConnection::connect(url).await.expect("connect");
                sqlx::query_as(sql).fetch_all(&mut conn).await.expect(sql)
            }
        }
    }

    /// Whether the table `name` exists.
    async fn has_table(&self, name: &str) -> bool {
        match self {
            Self::Sqlite { path, .. } => {
                let mut conn =
                    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                        .await
                        .expect("connect");
                sqlx::query_scalar("SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = ?1")
                    .bind(name)
                    .fetch_one(&mut conn)
                    .await
                    .expect("sqlite_master")
            }
            Self::Postgres { url } => {
                let mut conn = PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                    .bind(name)
                    .fetch_one(&mut conn)
                    .await
                    .expect("to_regclass")
            }
        }
    }

    /// `_sqlx_migrations` by version; empty if there is no such table.
    async fn recorded(&self) -> Vec<Recorded> {
        if !self.has_table("_sqlx_migrations").await {
            return Vec::new();
        }
        let sql = "SELECT version, description, checksum, execution_time,
                          CAST(installed_on AS TEXT)
                   FROM _sqlx_migrations ORDER BY version";
        self.fetch_all(sql).await
    }

    /// `wxbase_migrations` (version, name, applied_at) by version.
    async fn pre_sqlx_recorded(&self) -> Vec<(i64, String, i64)> {
        let sql = "SELECT version, name, applied_at FROM wxbase_migrations ORDER BY version";
        self.fetch_all(sql).await
    }

    /// The migrations as sqlx reads them from this crate's directory for the backend.
    async fn current_migrations(&self) -> Migrator {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(self.backend());
        Migrator::new(dir).await.expect("the migrations directory")
    }

    /// Runs, with sqlx's own migrator, the migrations of a later build: this crate's files
    /// plus `NNNN_upgrade_probe.sql` (the next version), which creates the table `upgrade_probe`.
    async fn migrate_as_a_later_build(&self) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ours = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(self.backend());
        for entry in std::fs::read_dir(&ours).expect("the migrations directory") {
            let entry = entry.expect("a directory entry");
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
        std::fs::write(
            dir.path()
                .join(format!("{:04}_upgrade_probe.sql", later_version())),
            "CREATE TABLE upgrade_probe (id BIGINT PRIMARY KEY);\n",
        )
        .expect("write a migration");
        let migrator = Migrator::new(dir.path())
            .await
            .expect("read the migrations");
        match self {
            Self::Sqlite { path, .. } => {
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(SqliteConnectOptions::new().filename(path))
                    .await
                    .expect("connect");
                migrator
                    .run(&pool)
                    .await
                    .expect("the later build's migrations");
                pool.close().await;
            }
            Self::Postgres { url } => {
                let pool = PgPool::connect(url).await.expect("connect");
                migrator
                    .run(&pool)
                    .await
                    .expect("the later build's migrations");
                pool.close().await;
            }
        }
    }

    /// A bytes literal in this backend's SQL.
    fn blob(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match self {
            Self::Sqlite { .. } => format!("X'{hex}'"),
            Self::Postgres { .. } => format!("'\\x{hex}'::bytea"),
        }
    }
}

/// Every error in the chain, outermost first.
fn chain(error: &StoreError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn app() -> AppId {
    AppId::parse("wxapp").expect("appid")
}

fn notes() -> CollectionName {
    CollectionName::parse("notes").expect("a collection name")
}

const DOCUMENT_ID: &str = "01J0000000000000000000000A";

/// Writes, in the pre-sqlx schema, a user with a session and a profile, and a collection with a
/// document. Returns the session's token hash.
async fn write_data_before(db: &Db) -> TokenHash {
    let token = SessionToken::generate().hash();
    db.execute(&format!(
        "INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at,
                            last_login_at, nickname)
         VALUES ('wxapp', 'o-alice', 'u-alice', 'key-a', 1000, 1000, 1000, 'Alice');
         INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
         VALUES ({}, (SELECT id FROM users WHERE openid = 'o-alice'), 1000, 9000000000000);
         INSERT INTO collections (name, permission, schema, created_at, updated_at)
         VALUES ('notes', 'read_all_write_own', NULL, 1000, 1000);
         INSERT INTO documents (collection, id, owner, created_at, updated_at, version, body)
         VALUES ('notes', '{DOCUMENT_ID}', 'o-alice', 1000, 1000, 1, '{{\"text\":\"before\"}}');",
        db.blob(token.as_bytes())
    ))
    .await;
    token
}

/// Reads back through `store` what [`write_data_before`] wrote.
async fn assert_data_before_is_readable(store: &dyn Store, token: &TokenHash) {
    let user = store
        .session_user(token, Timestamp::from_millis(2000))
        .await
        .expect("read the session")
        .expect("the session written before");
    assert_eq!(user.openid.as_str(), "o-alice");
    assert_eq!(user.unionid.as_ref().map(UnionId::as_str), Some("u-alice"));
    assert_eq!(user.profile.nickname.as_deref(), Some("Alice"));
    let collection = store
        .collection(&notes())
        .await
        .expect("read the collection")
        .expect("the collection written before");
    assert_eq!(collection.permission, PermissionMode::ReadAllWriteOwn);
    let id = DocumentId::parse(DOCUMENT_ID).expect("a document id");
    let document = store
        .document(&notes(), &id, &Scope::All)
        .await
        .expect("read the document")
        .expect("the document written before");
    assert_eq!(document.body.get("text"), Some(&json!("before")));
}

/// A login of a new user, which needs the users' id sequence to be past the rows written before.
async fn log_in_someone_new(store: &dyn Store) {
    let at = Timestamp::from_millis(3000);
    store
        .record_login(&NewLogin {
            app_id: app(),
            openid: OpenId::parse("o-bob").expect("openid"),
            unionid: None,
            session_key: Secret::new("key-b".to_owned()),
            token_hash: SessionToken::generate().hash(),
            at,
            expires_at: at.plus(Duration::from_secs(3600)),
        })
        .await
        .expect("a login after the upgrade");
}

fn versions(recorded: &[Recorded]) -> Vec<i64> {
    recorded.iter().map(|r| r.0).collect()
}

/// A database the pre-sqlx runner made is adopted: its migrations recorded in
/// The versions this build's migrations have, in order, read from their file names (both
/// backends list the same; numbers taken by migrations of other features may be missing).
fn this_build() -> Vec<i64> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join("sqlite");
    let mut versions: Vec<i64> = std::fs::read_dir(dir)
        .expect("the migrations directory")
        .map(|entry| {
            let name = entry.expect("a directory entry").file_name();
            let name = name.to_string_lossy();
            name[..4].parse().expect("a numbered migration")
        })
        .collect();
    versions.sort_unstable();
    versions
}

/// A version no migration of this build has: a later build's.
fn later_version() -> i64 {
    this_build().last().copied().unwrap_or_default() + 1
}

/// `_sqlx_migrations` with sqlx's descriptions and checksums and their original times, none run
/// again; its data readable and writable; `wxbase_migrations` left as it was. A later build's
/// migration then applies alone, and this build still opens the database afterwards.
async fn a_pre_sqlx_database_is_adopted_and_takes_newer_migrations(db: Db) {
    db.pre_sqlx(8).await;
    let token = write_data_before(&db).await;
    let pre_sqlx_rows = db.pre_sqlx_recorded().await;
    assert_eq!(pre_sqlx_rows.len(), 8);

    let store = db
        .open()
        .await
        .expect("the new version opens the old database");
    assert_data_before_is_readable(store.as_ref(), &token).await;
    log_in_someone_new(store.as_ref()).await;
    assert_eq!(store.count_users(&app()).await.expect("count"), 2);
    store.close().await;

    let adopted = db.recorded().await;
    let current = db.current_migrations().await;
    assert_eq!(versions(&adopted), this_build());
    for (row, migration) in adopted.iter().zip(current.iter()) {
        assert_eq!(row.0, migration.version);
        assert_eq!(row.1, migration.description, "version {}", row.0);
        assert_eq!(row.2, migration.checksum.as_ref(), "version {}", row.0);
        if row.0 <= 8 {
            assert_eq!(row.3, -1, "version {} was run again", row.0);
        }
    }
    // The time each was applied is kept (to the second).
    assert!(
        adopted.iter().all(|row| row.4.starts_with("20")),
        "{adopted:?}"
    );
    assert_eq!(db.pre_sqlx_recorded().await, pre_sqlx_rows);

    db.migrate_as_a_later_build().await;
    let later = db.recorded().await;
    assert_eq!(
        versions(&later),
        [this_build(), vec![later_version()]].concat()
    );
    assert_eq!(
        later[..adopted.len()],
        adopted[..],
        "a later build ran an adopted migration again"
    );
    assert!(db.has_table("upgrade_probe").await);

    // This build leaves the later build's migration alone, as the pre-sqlx runner did.
    let store = db
        .open()
        .await
        .expect("this build opens a later build's database");
    assert_data_before_is_readable(store.as_ref(), &token).await;
    store.close().await;
    assert_eq!(db.recorded().await, later);
}

/// A database an older pre-sqlx build made (through migration 5) is adopted through 5 and
/// takes 6 to 8 from sqlx's migrator.
async fn an_older_pre_sqlx_database_takes_the_migrations_it_lacks(db: Db) {
    db.pre_sqlx(5).await;
    let store = db.open().await.expect("open");
    store.close().await;
    let recorded = db.recorded().await;
    assert_eq!(versions(&recorded), this_build());
    assert!(recorded[..5].iter().all(|row| row.3 == -1), "{recorded:?}");
    assert!(recorded[5..].iter().all(|row| row.3 >= 0), "{recorded:?}");
    // Migration 8's columns exist.
    db.execute("INSERT INTO oa_sync (app_id, resume_after, generation_started_at) VALUES ('wxoa', 'o-1', 1)")
        .await;
}

/// Opening a database again applies and records nothing, fresh or adopted.
async fn opening_again_changes_nothing(db: Db) {
    let store = db.open().await.expect("open a fresh database");
    store.close().await;
    let first = db.recorded().await;
    let current = db.current_migrations().await;
    assert_eq!(
        versions(&first),
        current.iter().map(|m| m.version).collect::<Vec<_>>()
    );
    assert!(!db.has_table("wxbase_migrations").await);
    let store = db.open().await.expect("open again");
    store.close().await;
    assert_eq!(db.recorded().await, first);

    let adopted = match &db {
        Db::Sqlite { .. } => Db::sqlite(),
        Db::Postgres { .. } => Db::postgres().await.expect("a second schema"),
    };
    adopted.pre_sqlx(8).await;
    let store = adopted.open().await.expect("adopt");
    store.close().await;
    let first = adopted.recorded().await;
    let store = adopted
        .open()
        .await
        .expect("open the adopted database again");
    store.close().await;
    assert_eq!(adopted.recorded().await, first);
}

/// An adoption that cannot finish records nothing: here `wxbase_migrations` names a version
/// this build does not have (made by another build). The error names it; once it is dealt
/// with, the database opens.
async fn a_failed_adoption_records_nothing_and_says_why(db: Db) {
    db.pre_sqlx(8).await;
    let other = later_version();
    db.execute(&format!("INSERT INTO wxbase_migrations (version, name, applied_at) VALUES ({other}, 'from_another_build', 5000)"))
        .await;
    let error = db
        .open()
        .await
        .err()
        .expect("an unknown version is refused");
    let text = chain(&error);
    assert!(
        text.contains(&format!("migration {other} (from_another_build)")),
        "{text}"
    );
    assert!(
        !db.has_table("_sqlx_migrations").await,
        "{:?}",
        db.recorded().await
    );

    db.execute(&format!(
        "DELETE FROM wxbase_migrations WHERE version = {other}"
    ))
    .await;
    let store = db.open().await.expect("open");
    store.close().await;
    assert_eq!(versions(&db.recorded().await), this_build());
}

/// A `_sqlx_migrations` without rows next to `wxbase_migrations` (a newer wxbase that stopped
/// after creating it, then an older one migrated the database) is adopted into.
async fn an_empty_sqlx_table_beside_a_pre_sqlx_one_is_adopted_into(db: Db) {
    db.pre_sqlx(8).await;
    let blob = match db {
        Db::Sqlite { .. } => "BLOB",
        Db::Postgres { .. } => "BYTEA",
    };
    db.execute(&format!(
        "CREATE TABLE _sqlx_migrations (
             version BIGINT PRIMARY KEY, description TEXT NOT NULL,
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL,
             checksum {blob} NOT NULL, execution_time BIGINT NOT NULL)"
    ))
    .await;
    let store = db.open().await.expect("open");
    store.close().await;
    let recorded = db.recorded().await;
    assert_eq!(versions(&recorded), this_build());
    assert!(recorded[..8].iter().all(|row| row.3 == -1), "{recorded:?}");
    assert!(recorded[8..].iter().all(|row| row.3 >= 0), "{recorded:?}");
}

/// A migration that fails is named by its version and description, and is not recorded.
async fn a_failed_migration_names_itself(db: Db) {
    db.pre_sqlx(7).await;
    // Migration 8 alters oa_sync.
    db.execute("DROP TABLE oa_sync").await;
    let error = db.open().await.err().expect("migration 8 fails");
    let text = chain(&error);
    assert!(text.contains("migration 8 (sync resume) failed"), "{text}");
    assert!(text.contains("oa_sync"), "{text}");
    let recorded = versions(&db.recorded().await);
    assert!(!recorded.contains(&8), "{recorded:?}");
}

/// Two stores opening one fresh database at once both succeed, and each migration is applied
/// once.
async fn stores_opening_a_fresh_database_together_both_succeed(db: Db) {
    let (a, b) = tokio::join!(db.open(), db.open());
    let (a, b) = (a.expect("the first"), b.expect("the second"));
    assert_eq!(a.count_users(&app()).await.expect("count"), 0);
    assert_eq!(b.count_users(&app()).await.expect("count"), 0);
    a.close().await;
    b.close().await;
    let recorded = db.recorded().await;
    let current = db.current_migrations().await;
    assert_eq!(
        versions(&recorded),
        current.iter().map(|m| m.version).collect::<Vec<_>>()
    );
}

/// Two stores opening one pre-sqlx database at once both succeed; it is adopted once.
async fn stores_adopting_a_pre_sqlx_database_together_both_succeed(db: Db) {
    db.pre_sqlx(8).await;
    let token = write_data_before(&db).await;
    let (a, b) = tokio::join!(db.open(), db.open());
    let (a, b) = (a.expect("the first"), b.expect("the second"));
    assert_data_before_is_readable(a.as_ref(), &token).await;
    assert_data_before_is_readable(b.as_ref(), &token).await;
    a.close().await;
    b.close().await;
    let recorded = db.recorded().await;
    assert_eq!(versions(&recorded), this_build());
    assert!(recorded[..8].iter().all(|row| row.3 == -1), "{recorded:?}");
    assert!(recorded[8..].iter().all(|row| row.3 >= 0), "{recorded:?}");
}

/// Opening an up-to-date database waits for no migration lock: here another connection holds
/// SQLite's write lock, or the PostgreSQL migration lock, the whole time.
async fn an_up_to_date_database_opens_without_the_migration_lock(db: Db) {
    let store = db.open().await.expect("open a fresh database");
    store.close().await;
    let reopened = match &db {
        Db::Sqlite { path, .. } => {
            let mut holder =
                SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                    .await
                    .expect("connect");
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut holder)
                .await
                .expect("take the write lock");
            let reopened = tokio::time::timeout(Duration::from_secs(3), db.open()).await;
            sqlx::raw_sql("ROLLBACK")
                .execute(&mut holder)
                .await
                .expect("release it");
            reopened
        }
        Db::Postgres { url } => {
            let mut holder = PgConnection::connect(url).await.expect("connect");
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(0x7778_6261_7365_i64)
                .execute(&mut holder)
                .await
                .expect("take the migration lock");
            let reopened = tokio::time::timeout(Duration::from_secs(3), db.open()).await;
            holder.close().await.expect("release it");
            reopened
        }
    };
    let store = reopened.expect("opened without waiting").expect("opened");
    store.close().await;
}

/// A recorded migration whose checksum is not this build's file's is refused, by name.
async fn a_changed_migration_is_refused_by_name(db: Db) {
    let store = db.open().await.expect("open a fresh database");
    store.close().await;
    db.execute(&format!(
        "UPDATE _sqlx_migrations SET checksum = {} WHERE version = 3",
        db.blob(&[0; 48])
    ))
    .await;
    let error = db
        .open()
        .await
        .err()
        .expect("a changed migration is refused");
    let text = chain(&error);
    assert!(
        text.contains("migration 3 (messages) was applied with other SQL"),
        "{text}"
    );
}

wxbase_store::on_both_backends!(
    setup = Db::new;
    a_pre_sqlx_database_is_adopted_and_takes_newer_migrations,
    an_older_pre_sqlx_database_takes_the_migrations_it_lacks,
    opening_again_changes_nothing,
    a_failed_adoption_records_nothing_and_says_why,
    an_empty_sqlx_table_beside_a_pre_sqlx_one_is_adopted_into,
    a_failed_migration_names_itself,
    stores_opening_a_fresh_database_together_both_succeed,
    stores_adopting_a_pre_sqlx_database_together_both_succeed,
    an_up_to_date_database_opens_without_the_migration_lock,
    a_changed_migration_is_refused_by_name,
);
