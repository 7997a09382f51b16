//! The storage conformance suite: every case runs on SQLite and on PostgreSQL.

use std::time::Duration;

use wxbase_core::{
    NewLogin, Phone, Profile, SessionToken, Store, StoredToken, Timestamp, TokenMode, UserUpdate,
};
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
    use wxbase_store::testing::TestDatabase;

    pub async fn a_first_login_creates_the_user(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn a_second_login_finds_the_same_user(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn a_known_unionid_is_kept_when_a_login_has_none(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn a_session_finds_its_user_until_it_expires(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn a_deleted_session_no_longer_finds_its_user(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn each_login_opens_its_own_session(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn expired_sessions_are_purged(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn the_same_openid_in_two_apps_is_two_users(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn concurrent_logins_of_one_new_user_create_one_user(db: TestDatabase) {
        let store = db.store.clone();
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

    pub async fn a_failing_login_fails_alone_among_concurrent_logins(db: TestDatabase) {
        let store = db.store.clone();
        let now = Timestamp::now();
        let logins: Vec<_> = (0..40)
            .map(|n| login("wxapp", &format!("o-user-{n}"), None, now))
            .collect();
        // A login whose session token hash is already taken: its session insert must fail.
        let (mut clashing, _) = login("wxapp", "o-clash", None, now);
        clashing.token_hash = logins[0].0.token_hash;
        let tasks: Vec<_> = logins
            .iter()
            .map(|(new, _)| new.clone())
            .chain([clashing])
            .map(|new| {
                let store = store.clone();
                tokio::spawn(async move { store.record_login(&new).await })
            })
            .collect();
        let mut failures = 0;
        for task in tasks {
            failures += usize::from(task.await.expect("task ran").is_err());
        }
        assert_eq!(
            failures, 1,
            "only one of the two logins sharing a token fails"
        );
        assert_eq!(
            store.count_users(&app("wxapp")).await.expect("count"),
            40,
            "the failed login's new user is rolled back with it"
        );
        for (new, token) in &logins[1..] {
            let user = store
                .session_user(&token.hash(), now)
                .await
                .expect("read")
                .expect("every other login's session works");
            assert_eq!(user.openid, new.openid);
        }
    }

    /// Twenty returning users, twenty new ones and five who log in twice at once: each login
    /// sees its own user, only a user's first login is new, and every session finds its user.
    pub async fn concurrent_logins_of_many_users_each_get_their_own_user_and_session(
        db: TestDatabase,
    ) {
        let store = db.store.clone();
        let before = Timestamp::from_millis(1_000_000);
        for n in 0..20 {
            let (returning, _) = login(
                "wxapp",
                &format!("o-back-{n}"),
                Some(&format!("u-{n}")),
                before,
            );
            store.record_login(&returning).await.expect("earlier login");
        }
        let now = before.plus(Duration::from_secs(60));
        let openids: Vec<String> = (0..20)
            .map(|n| format!("o-back-{n}"))
            .chain((0..20).map(|n| format!("o-new-{n}")))
            .chain((0..5).map(|n| format!("o-new-{n}")))
            .collect();
        let tasks: Vec<_> = openids
            .iter()
            .map(|openid| {
                let store = store.clone();
                let (new, token) = login("wxapp", openid, None, now);
                tokio::spawn(async move {
                    let record = store.record_login(&new).await.expect("recorded");
                    (new, token, record)
                })
            })
            .collect();
        let mut firsts = std::collections::HashMap::new();
        for task in tasks {
            let (new, token, record) = task.await.expect("task ran");
            assert_eq!(
                record.user.openid, new.openid,
                "each login sees its own user"
            );
            let openid = new.openid.as_str().to_owned();
            if openid.starts_with("o-back-") {
                assert!(!record.is_new, "{openid} logged in before");
                assert!(record.user.unionid.is_some(), "{openid}'s unionid is kept");
                assert_eq!(record.user.created_at, before);
            } else {
                *firsts.entry(openid).or_insert(0) += usize::from(record.is_new);
            }
            let found = store
                .session_user(&token.hash(), now)
                .await
                .expect("read")
                .expect("the new session finds its user");
            assert_eq!(found.id, record.user.id);
        }
        assert_eq!(firsts.len(), 20);
        assert!(
            firsts.values().all(|&count| count == 1),
            "exactly one login of each new user is new: {firsts:?}"
        );
        assert_eq!(store.count_users(&app("wxapp")).await.expect("count"), 40);
    }

    /// Many reads at once, of live, expired and unknown sessions and of the same session at
    /// two times, with and without the session_key: each gets the answer it would get alone.
    pub async fn concurrent_session_reads_each_get_their_own_answer(db: TestDatabase) {
        let store = db.store.clone();
        let now = Timestamp::from_millis(5_000_000);
        let mut sessions = Vec::new();
        for n in 0..10 {
            let (new, token) = login("wxapp", &format!("o-reader-{n}"), None, now);
            let record = store.record_login(&new).await.expect("recorded");
            sessions.push((token.hash(), record.user, new.expires_at));
        }
        let unknown = SessionToken::generate().hash();
        let mut reads = Vec::new();
        for round in 0..6 {
            for (hash, user, expires_at) in &sessions {
                // Rounds 0, 2 and 4 read before expiry, the others after it.
                let at = if round % 2 == 0 { now } else { *expires_at };
                let expected = (round % 2 == 0).then_some(user.id);
                reads.push((*hash, at, expected));
            }
            reads.push((unknown, now, None));
        }
        let tasks: Vec<_> = reads
            .into_iter()
            .map(|(hash, at, expected)| {
                let store = store.clone();
                tokio::spawn(async move {
                    let found = store.session_user(&hash, at).await.expect("read");
                    assert_eq!(found.map(|u| u.id), expected);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("each read got its own answer");
        }
        let keyed: Vec<_> = sessions
            .iter()
            .map(|(hash, user, _)| (*hash, Some(user.id)))
            .chain([(unknown, None)])
            .map(|(hash, expected)| {
                let store = store.clone();
                tokio::spawn(async move {
                    let found = store.session_user_with_key(&hash, now).await.expect("read");
                    assert_eq!(found.as_ref().map(|k| k.user.id), expected);
                    if let Some(signed_in) = found {
                        assert_eq!(signed_in.session_key.expose(), "c2Vzc2lvbmtleTEyMzQ1Ng==");
                    }
                })
            })
            .collect();
        for task in keyed {
            task.await.expect("each keyed read got its own answer");
        }
    }

    fn token(value: &str, fetched_at: Timestamp) -> StoredToken {
        StoredToken {
            token: Secret::new(value),
            expires_at: fetched_at.plus(Duration::from_secs(7200)),
            fetched_at,
            source: TokenMode::Stable,
        }
    }

    pub async fn only_one_holder_gets_the_token_lease_until_it_expires(db: TestDatabase) {
        let store = db.store.clone();
        let app = app("wxapp");
        let now = Timestamp::from_millis(10_000_000);
        let until = now.plus(Duration::from_secs(30));
        assert!(store
            .try_acquire_token_lease(&app, "a", now, until)
            .await
            .expect("a"));
        assert!(!store
            .try_acquire_token_lease(&app, "b", now, until)
            .await
            .expect("b"));
        assert!(store
            .try_acquire_token_lease(&app, "a", now, until)
            .await
            .expect("a again"));
        let later = until.plus(Duration::from_millis(1));
        assert!(store
            .try_acquire_token_lease(&app, "b", later, later.plus(Duration::from_secs(30)))
            .await
            .expect("b after expiry"));
    }

    pub async fn saving_a_token_frees_the_lease_and_anyone_reads_it(db: TestDatabase) {
        let store = db.store.clone();
        let app = app("wxapp");
        let now = Timestamp::from_millis(10_000_000);
        assert!(store.access_token(&app).await.expect("read").is_none());
        assert!(store
            .try_acquire_token_lease(&app, "a", now, now.plus(Duration::from_secs(30)))
            .await
            .expect("a"));
        store
            .save_access_token(&app, &token("T1", now))
            .await
            .expect("save");
        assert_eq!(
            store.access_token(&app).await.expect("read"),
            Some(token("T1", now))
        );
        assert!(store
            .try_acquire_token_lease(&app, "b", now, now.plus(Duration::from_secs(30)))
            .await
            .expect("b"));
        store.release_token_lease(&app, "b").await.expect("release");
        assert!(store
            .try_acquire_token_lease(&app, "c", now, now.plus(Duration::from_secs(30)))
            .await
            .expect("c"));
    }

    pub async fn a_token_is_discarded_only_if_it_is_still_the_failed_one(db: TestDatabase) {
        let store = db.store.clone();
        let app = app("wxapp");
        let now = Timestamp::from_millis(10_000_000);
        store
            .save_access_token(&app, &token("T2", now))
            .await
            .expect("save");
        assert!(!store
            .discard_access_token(&app, &Secret::new("T1"))
            .await
            .expect("stale"));
        assert!(store.access_token(&app).await.expect("read").is_some());
        assert!(store
            .discard_access_token(&app, &Secret::new("T2"))
            .await
            .expect("current"));
        assert!(store.access_token(&app).await.expect("read").is_none());
    }

    pub async fn force_refreshes_are_limited_to_twenty_a_day_thirty_seconds_apart(
        db: TestDatabase,
    ) {
        let store = db.store.clone();
        let app = app("wxapp");
        let start = Timestamp::from_millis(1_700_000_000_000);
        assert!(store.allow_force_refresh(&app, start).await.expect("first"));
        assert!(!store
            .allow_force_refresh(&app, start.plus(Duration::from_secs(29)))
            .await
            .expect("too soon"));
        let mut at = start;
        for n in 2..=20 {
            at = at.plus(Duration::from_secs(30));
            assert!(
                store.allow_force_refresh(&app, at).await.expect("allowed"),
                "refresh {n}"
            );
        }
        at = at.plus(Duration::from_secs(30));
        assert!(
            !store.allow_force_refresh(&app, at).await.expect("21st"),
            "the 21st in a day is refused"
        );
        let next_day = start.plus(Duration::from_secs(24 * 3600));
        assert!(store
            .allow_force_refresh(&app, next_day)
            .await
            .expect("next day"));
    }

    pub async fn the_latest_session_key_is_kept_and_users_can_be_updated(db: TestDatabase) {
        let store = db.store.clone();
        let now = Timestamp::now();
        let (mut new, first_token) = login("wxapp", "o-upd", None, now);
        let user = store.record_login(&new).await.expect("first").user;
        new.session_key = Secret::new("bmV3ZXJrZXkxMjM0NTY3OA==");
        let second_token = SessionToken::generate();
        new.token_hash = second_token.hash();
        store.record_login(&new).await.expect("second");
        for token in [&first_token, &second_token] {
            let signed_in = store
                .session_user_with_key(&token.hash(), now)
                .await
                .expect("read")
                .expect("both sessions are live");
            assert_eq!(signed_in.user.id, user.id);
            assert_eq!(
                signed_in.session_key.expose(),
                "bmV3ZXJrZXkxMjM0NTY3OA==",
                "every session of the user reads the latest session_key"
            );
        }

        let unionid = UnionId::parse("u-upd").expect("unionid");
        let updated = store
            .update_user(user.id, &UserUpdate::UnionId(unionid.clone()))
            .await
            .expect("unionid");
        assert_eq!(updated.unionid, Some(unionid));
        let phone = Phone {
            phone_number: "+8613800000000".into(),
            pure_phone_number: "13800000000".into(),
            country_code: "86".into(),
        };
        let updated = store
            .update_user(user.id, &UserUpdate::Phone(phone.clone()))
            .await
            .expect("phone");
        assert_eq!(updated.phone, Some(phone.clone()));
        let profile = Profile {
            nickname: Some("Band".into()),
            avatar_url: None,
        };
        let updated = store
            .update_user(user.id, &UserUpdate::Profile(profile.clone()))
            .await
            .expect("profile");
        assert_eq!(updated.profile, profile);
        assert_eq!(updated.phone, Some(phone), "earlier updates are kept");
        assert!(store
            .update_user(wxbase_core::UserId(999_999), &UserUpdate::Profile(profile))
            .await
            .is_err());
    }

    pub async fn imported_users_are_found_by_their_first_login_and_known_ones_are_kept(
        db: TestDatabase,
    ) {
        let store = db.store.clone();
        let now = Timestamp::now();
        let (known, _) = login("wxapp", "o-known", None, now);
        store.record_login(&known).await.expect("an earlier login");
        let created = Timestamp::from_millis(1_561_968_000_000);
        let imported = |openid: &str| wxbase_core::ImportedUser {
            app_id: app("wxapp"),
            openid: OpenId::parse(openid).expect("openid"),
            unionid: Some(UnionId::parse(format!("u-{openid}")).expect("unionid")),
            phone: None,
            profile: Profile {
                nickname: Some("Old friend".into()),
                avatar_url: None,
            },
            created_at: created,
        };
        let inserted = store
            .import_users(&[imported("o-old"), imported("o-known"), imported("o-old")])
            .await
            .expect("imported");
        assert_eq!(inserted, 1, "a known openid and a repeat are left alone");
        assert_eq!(store.count_users(&app("wxapp")).await.expect("count"), 2);
        let (first, _) = login("wxapp", "o-old", None, now);
        let record = store.record_login(&first).await.expect("login");
        assert!(!record.is_new, "the imported user is found");
        assert_eq!(record.user.created_at, created);
        assert_eq!(record.user.profile.nickname.as_deref(), Some("Old friend"));
        assert_eq!(
            record.user.unionid.map(|u| u.to_string()).as_deref(),
            Some("u-o-old")
        );
    }
}

use cases::*;

wxbase_store::on_both_backends!(
    a_first_login_creates_the_user,
    a_second_login_finds_the_same_user,
    a_known_unionid_is_kept_when_a_login_has_none,
    a_session_finds_its_user_until_it_expires,
    a_deleted_session_no_longer_finds_its_user,
    each_login_opens_its_own_session,
    expired_sessions_are_purged,
    the_same_openid_in_two_apps_is_two_users,
    concurrent_logins_of_one_new_user_create_one_user,
    a_failing_login_fails_alone_among_concurrent_logins,
    concurrent_logins_of_many_users_each_get_their_own_user_and_session,
    concurrent_session_reads_each_get_their_own_answer,
    only_one_holder_gets_the_token_lease_until_it_expires,
    saving_a_token_frees_the_lease_and_anyone_reads_it,
    a_token_is_discarded_only_if_it_is_still_the_failed_one,
    force_refreshes_are_limited_to_twenty_a_day_thirty_seconds_apart,
    the_latest_session_key_is_kept_and_users_can_be_updated,
    imported_users_are_found_by_their_first_login_and_known_ones_are_kept,
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
