//! Each permission mode with two users: what alice can do with bob's documents, through every
//! call (get, query, count, patch, replace, delete). Admins bypass every mode.

pub mod cases {

    use wxbase_store::testing::TestDatabase;

    use serde_json::json;
    use wxbase_core::collections::{Caller, CollectionError, CollectionService, PermissionMode};

    use crate::{create, insert, query_field, service, user};

    fn is_forbidden<T: std::fmt::Debug>(result: &Result<T, CollectionError>) -> bool {
        matches!(result, Err(CollectionError::Forbidden(_)))
    }

    fn is_not_found<T: std::fmt::Debug>(result: &Result<T, CollectionError>) -> bool {
        matches!(result, Err(CollectionError::NotFound(_)))
    }

    /// Alice's attempts to change bob's document `id` all fail with `expected`, and it stays.
    async fn alice_cannot_change(
        service: &CollectionService,
        name: &str,
        id: &str,
        expected: fn(&Result<(), CollectionError>) -> bool,
    ) {
        let alice = user("alice");
        let patch = service
            .patch(&alice, name, id, &json!({"set": {"title": "hacked"}}))
            .await
            .map(drop);
        let replace = service
            .replace(&alice, name, id, json!({"title": "hacked"}))
            .await
            .map(drop);
        let delete = service.delete(&alice, name, id).await;
        for (what, result) in [("patch", patch), ("replace", replace), ("delete", delete)] {
            assert!(expected(&result), "{name}: alice's {what} gave {result:?}");
        }
        let kept = service
            .get(&Caller::Admin, name, id)
            .await
            .expect("still there");
        assert_eq!(kept.body["title"], "bob's");
    }

    pub async fn read_all_write_own_lets_alice_read_but_not_change_bobs_documents(
        db: TestDatabase,
    ) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "posts", PermissionMode::ReadAllWriteOwn, &[]).await;
        let id = insert(&service, &user("bob"), "posts", json!({"title": "bob's"})).await;
        insert(
            &service,
            &user("alice"),
            "posts",
            json!({"title": "alice's"}),
        )
        .await;
        let alice = user("alice");
        assert!(service.get(&alice, "posts", &id).await.is_ok());
        assert_eq!(
            query_field(&service, &alice, "posts", json!({}), "title")
                .await
                .len(),
            2
        );
        assert_eq!(
            service
                .count(&alice, "posts", &json!({}))
                .await
                .expect("count"),
            2
        );
        alice_cannot_change(&service, "posts", &id, is_forbidden).await;
        let patched = service
            .patch(&user("bob"), "posts", &id, &json!({"set": {"n": 1}}))
            .await;
        assert!(patched.is_ok(), "bob changes his own: {patched:?}");
    }

    pub async fn own_only_hides_bobs_documents_from_alice_everywhere(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "diary", PermissionMode::OwnOnly, &["title"]).await;
        let id = insert(&service, &user("bob"), "diary", json!({"title": "bob's"})).await;
        insert(
            &service,
            &user("alice"),
            "diary",
            json!({"title": "alice's"}),
        )
        .await;
        let alice = user("alice");
        assert!(is_not_found(&service.get(&alice, "diary", &id).await));
        for filter in [
            json!({}),
            json!({"_openid": "o-bob"}),
            json!({"title": "bob's"}),
            json!({"or": [{"title": {"exists": true}}]}),
        ] {
            let titles = query_field(
                &service,
                &alice,
                "diary",
                json!({ "where": filter }),
                "title",
            )
            .await;
            assert!(
                titles.iter().all(|t| t == "alice's"),
                "{filter} leaked {titles:?}"
            );
            let count = service
                .count(&alice, "diary", &json!({ "where": filter }))
                .await
                .expect("count");
            assert!(count <= 1, "{filter} counted bob's document");
        }
        alice_cannot_change(&service, "diary", &id, is_not_found).await;
        assert_eq!(
            service
                .count(&Caller::Admin, "diary", &json!({}))
                .await
                .expect("admin count"),
            2
        );
    }

    pub async fn read_all_admin_write_lets_users_read_and_only_admins_write(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "news", PermissionMode::ReadAllAdminWrite, &[]).await;
        assert!(is_forbidden(
            &service
                .create(&user("bob"), "news", json!({"title": "x"}))
                .await
        ));
        let id = insert(&service, &Caller::Admin, "news", json!({"title": "bob's"})).await;
        let alice = user("alice");
        assert_eq!(
            service
                .get(&alice, "news", &id)
                .await
                .expect("readable")
                .owner,
            None
        );
        assert_eq!(
            service
                .count(&alice, "news", &json!({}))
                .await
                .expect("count"),
            1
        );
        alice_cannot_change(&service, "news", &id, is_forbidden).await;
        assert!(service
            .patch(&Caller::Admin, "news", &id, &json!({"set": {"n": 1}}))
            .await
            .is_ok());
    }

    pub async fn admin_only_denies_users_every_call(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "secrets", PermissionMode::AdminOnly, &[]).await;
        let id = insert(
            &service,
            &Caller::Admin,
            "secrets",
            json!({"title": "bob's"}),
        )
        .await;
        let alice = user("alice");
        assert!(is_forbidden(&service.get(&alice, "secrets", &id).await));
        assert!(is_forbidden(
            &service.query(&alice, "secrets", &json!({})).await
        ));
        assert!(is_forbidden(
            &service.count(&alice, "secrets", &json!({})).await
        ));
        assert!(is_forbidden(
            &service.create(&alice, "secrets", json!({})).await
        ));
        alice_cannot_change(&service, "secrets", &id, is_forbidden).await;
    }

    pub async fn admins_read_and_change_bobs_documents_in_own_only(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "diary", PermissionMode::OwnOnly, &[]).await;
        let id = insert(&service, &user("bob"), "diary", json!({"title": "bob's"})).await;
        let admin = Caller::Admin;
        assert_eq!(
            service
                .count(&admin, "diary", &json!({}))
                .await
                .expect("count"),
            1
        );
        let patched = service
            .patch(&admin, "diary", &id, &json!({"set": {"seen": true}}))
            .await
            .expect("patched");
        assert_eq!(
            patched.owner.as_ref().map(|o| o.as_str()),
            Some("o-bob"),
            "the owner stays"
        );
        service.delete(&admin, "diary", &id).await.expect("deleted");
    }
}

use cases::*;

wxbase_store::on_both_backends!(
    read_all_write_own_lets_alice_read_but_not_change_bobs_documents,
    own_only_hides_bobs_documents_from_alice_everywhere,
    read_all_admin_write_lets_users_read_and_only_admins_write,
    admin_only_denies_users_every_call,
    admins_read_and_change_bobs_documents_in_own_only,
);
