//! The storage conformance suite: every case runs on SQLite and on PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use wxbase_core::{NewLogin, SessionToken, Store, Timestamp};
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

fn app(id: &str) -> AppId {
    AppId::parse(id).expect("valid appid")
}

fn login(
    app_id: &str,
    openid: &str,
    unionid: Option<&str>,
    at: Timestamp,
) -> (NewLogin, SessionToken) {
    let token = SessionToken::generate();
    let login = NewLogin {
        app_id: app(app_id),
        openid: OpenId::parse(openid).expect("valid openid"),
        unionid: unionid.map(|u| UnionId::parse(u).expect("valid unionid")),
        session_key: Secret::new("c2Vzc2lvbmtleTEyMzQ1Ng=="),
        token_hash: token.hash(),
        at,
        expires_at: at.plus(Duration::from_secs(3600)),
    };
    (login, token)
}

mod cases {
    use super::*;

    pub async fn a_first_login_creates_the_user(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let (new, _) = login("wxapp", "o-alice", Some("u-alice"), now);
        let record = store.record_login(&new).await.expect("recorded");
        assert!(record.is_new);
        assert_eq!(record.user.openid.as_str(), "o-alice");
        assert_eq!(
            record.user.unionid.as_ref().map(UnionId::as_str),
            Some("u-alice")
        );
        assert_eq!(record.user.created_at, now);
        assert_eq!(store.count_users(&app("wxapp")).await.expect("count"), 1);
    }

    pub async fn a_second_login_finds_the_same_user(store: Arc<dyn Store>) {
        let first_at = Timestamp::from_millis(1_000_000);
        let (first, _) = login("wxapp", "o-alice", None, first_at);
        let first = store.record_login(&first).await.expect("first");
        let later = first_at.plus(Duration::from_secs(60));
        let (second, _) = login("wxapp", "o-alice", None, later);
        let second = store.record_login(&second).await.expect("second");
        assert!(!second.is_new);
        assert_eq!(second.user.id, first.user.id);
        assert_eq!(second.user.created_at, first_at);
        assert_eq!(second.user.last_login_at, later);
        assert_eq!(store.count_users(&app("wxapp")).await.expect("count"), 1);
    }

    pub async fn a_known_unionid_is_kept_when_a_login_has_none(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        store
            .record_login(&login("wxapp", "o-bob", Some("u-bob"), now).0)
            .await
            .expect("first");
        let again = store
            .record_login(&login("wxapp", "o-bob", None, now).0)
            .await
            .expect("again");
        assert_eq!(
            again.user.unionid.as_ref().map(UnionId::as_str),
            Some("u-bob")
        );
    }

    pub async fn a_session_finds_its_user_until_it_expires(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let (new, token) = login("wxapp", "o-carol", None, now);
        let record = store.record_login(&new).await.expect("recorded");
        let found = store.session_user(&token.hash(), now).await.expect("query");
        assert_eq!(found.map(|u| u.id), Some(record.user.id));
        let after_expiry = now.plus(Duration::from_secs(3601));
        assert!(store
            .session_user(&token.hash(), after_expiry)
            .await
            .expect("query")
            .is_none());
        let stranger = SessionToken::generate();
        assert!(store
            .session_user(&stranger.hash(), now)
            .await
            .expect("query")
            .is_none());
    }

    pub async fn a_deleted_session_no_longer_finds_its_user(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let (new, token) = login("wxapp", "o-dave", None, now);
        store.record_login(&new).await.expect("recorded");
        assert!(store.delete_session(&token.hash()).await.expect("delete"));
        assert!(!store
            .delete_session(&token.hash())
            .await
            .expect("delete again"));
        assert!(store
            .session_user(&token.hash(), now)
            .await
            .expect("query")
            .is_none());
    }

    pub async fn each_login_opens_its_own_session(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let (first, first_token) = login("wxapp", "o-erin", None, now);
        let (second, second_token) = login("wxapp", "o-erin", None, now);
        store.record_login(&first).await.expect("first");
        store.record_login(&second).await.expect("second");
        store
            .delete_session(&first_token.hash())
            .await
            .expect("logout one");
        assert!(store
            .session_user(&second_token.hash(), now)
            .await
            .expect("query")
            .is_some());
    }

    pub async fn expired_sessions_are_purged(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let (old, old_token) = login("wxapp", "o-old", None, now);
        store.record_login(&old).await.expect("recorded");
        let (fresh, fresh_token) = login(
            "wxapp",
            "o-fresh",
            None,
            now.plus(Duration::from_secs(7200)),
        );
        store.record_login(&fresh).await.expect("recorded");
        let purge_at = now.plus(Duration::from_secs(3601));
        assert_eq!(
            store
                .delete_expired_sessions(purge_at)
                .await
                .expect("purge"),
            1
        );
        assert!(!store.delete_session(&old_token.hash()).await.expect("gone"));
        assert!(store
            .delete_session(&fresh_token.hash())
            .await
            .expect("kept"));
    }

    pub async fn the_same_openid_in_two_apps_is_two_users(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let a = store
            .record_login(&login("wxone", "o-same", None, now).0)
            .await
            .expect("a");
        let b = store
            .record_login(&login("wxtwo", "o-same", None, now).0)
            .await
            .expect("b");
        assert!(a.is_new && b.is_new);
        assert_ne!(a.user.id, b.user.id);
        assert_eq!(store.count_users(&app("wxone")).await.expect("count"), 1);
    }

    pub async fn concurrent_logins_of_one_new_user_create_one_user(store: Arc<dyn Store>) {
        let now = Timestamp::now();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let store = store.clone();
                let (new, _) = login("wxapp", "o-crowd", None, now);
                tokio::spawn(async move { store.record_login(&new).await })
            })
            .collect();
        let mut new_count = 0;
        let mut ids = Vec::new();
        for task in tasks {
            let record = task.await.expect("task ran").expect("recorded");
            new_count += usize::from(record.is_new);
            ids.push(record.user.id);
        }
        assert_eq!(new_count, 1, "exactly one login creates the user");
        ids.dedup();
        assert_eq!(ids.len(), 1, "every login sees the same user");
        assert_eq!(store.count_users(&app("wxapp")).await.expect("count"), 1);
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = wxbase_store::testing::TestDatabase::sqlite().await;
                    super::cases::$case(db.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(db) = wxbase_store::testing::TestDatabase::postgres().await else {
                        return;
                    };
                    super::cases::$case(db.store.clone()).await;
                }
            )*
        }
    };
}

conformance!(
    a_first_login_creates_the_user,
    a_second_login_finds_the_same_user,
    a_known_unionid_is_kept_when_a_login_has_none,
    a_session_finds_its_user_until_it_expires,
    a_deleted_session_no_longer_finds_its_user,
    each_login_opens_its_own_session,
    expired_sessions_are_purged,
    the_same_openid_in_two_apps_is_two_users,
    concurrent_logins_of_one_new_user_create_one_user,
);

#[tokio::test]
async fn an_sqlite_file_keeps_users_and_sessions_across_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested").join("wxbase.db");
    let now = Timestamp::now();
    let (new, token) = login("wxapp", "o-persist", None, now);
    let store = wxbase_store::SqliteStore::open(&path, 2)
        .await
        .expect("open");
    let created = store.record_login(&new).await.expect("recorded");
    Store::close(&store).await;

    let reopened = wxbase_store::SqliteStore::open(&path, 2)
        .await
        .expect("reopen");
    let found = reopened
        .session_user(&token.hash(), now)
        .await
        .expect("query");
    assert_eq!(found.map(|u| u.id), Some(created.user.id));
}
