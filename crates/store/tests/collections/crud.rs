//! Create, read, replace, patch and delete documents; manage collections.

pub mod cases {
    use std::sync::Arc;
    use wxbase_store::testing::TestDatabase;

    use serde_json::json;
    use wxbase_core::collections::{Caller, CollectionChange, CollectionError, PermissionMode};

    use crate::{create, insert, service, user};

    pub async fn a_document_is_created_read_replaced_patched_and_deleted(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        let alice = user("alice");
        create(&service, "todos", PermissionMode::ReadAllWriteOwn, &[]).await;
        let created = service
            .create(&alice, "todos", json!({"title": "milk", "n": 1}))
            .await
            .expect("created");
        assert_eq!(created.owner.as_ref().map(|o| o.as_str()), Some("o-alice"));
        let id = created.id.to_string();

        let read = service.get(&alice, "todos", &id).await.expect("read");
        assert_eq!(read.body, created.body);
        assert_eq!(read.created_at, created.created_at);

        let replaced = service
            .replace(&alice, "todos", &id, json!({"title": "oat milk"}))
            .await
            .expect("replaced");
        assert_eq!(json!(replaced.body), json!({"title": "oat milk"}));
        assert_eq!(replaced.created_at, created.created_at);
        assert!(replaced.version > read.version);

        let patched = service
            .patch(
                &alice,
                "todos",
                &id,
                &json!({"set": {"meta.done": true}, "inc": {"n": 2}, "unset": ["title"]}),
            )
            .await
            .expect("patched");
        assert_eq!(json!(patched.body), json!({"meta": {"done": true}, "n": 2}));

        service.delete(&alice, "todos", &id).await.expect("deleted");
        assert!(matches!(
            service.get(&alice, "todos", &id).await,
            Err(CollectionError::NotFound(_))
        ));
        assert!(matches!(
            service.delete(&alice, "todos", &id).await,
            Err(CollectionError::NotFound(_))
        ));
    }

    pub async fn concurrent_increments_are_all_counted(db: TestDatabase) {
        let store = db.store.clone();
        let service = Arc::new(service(store));
        create(&service, "counters", PermissionMode::ReadAllWriteOwn, &[]).await;
        let id = insert(&service, &Caller::Admin, "counters", json!({"n": 0})).await;
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (service, id) = (service.clone(), id.clone());
                tokio::spawn(async move {
                    service
                        .patch(&Caller::Admin, "counters", &id, &json!({"inc": {"n": 1}}))
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task ran").expect("increment");
        }
        let counter = service
            .get(&Caller::Admin, "counters", &id)
            .await
            .expect("read");
        assert_eq!(counter.body["n"], 10);
    }

    pub async fn limits_and_schemas_refuse_bad_documents_and_write_nothing(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        let alice = user("alice");
        create(&service, "notes", PermissionMode::ReadAllWriteOwn, &[]).await;
        let schema = json!({"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}});
        service
            .change_collection("notes", CollectionChange::Schema(Some(schema)))
            .await
            .expect("schema set");
        let violation = service.create(&alice, "notes", json!({"title": 5})).await;
        assert!(
            matches!(&violation, Err(CollectionError::SchemaViolation { field, .. }) if field == "title"),
            "{violation:?}"
        );
        let big = "x".repeat(5000);
        assert!(matches!(
            service.create(&alice, "notes", json!({"title": big})).await,
            Err(CollectionError::DocumentTooLarge { limit: 4096, .. })
        ));
        assert!(matches!(
            service
                .create(
                    &alice,
                    "notes",
                    json!({"title": "t", "a": {"b": {"c": {"d": {"e": 1}}}}})
                )
                .await,
            Err(CollectionError::TooDeep { limit: 4 })
        ));
        let id = insert(&service, &alice, "notes", json!({"title": "ok"})).await;
        let patch = service
            .patch(&alice, "notes", &id, &json!({"unset": ["title"]}))
            .await;
        assert!(
            matches!(patch, Err(CollectionError::SchemaViolation { .. })),
            "{patch:?}"
        );
        assert_eq!(
            service
                .count(&alice, "notes", &json!({}))
                .await
                .expect("count"),
            1
        );
        let kept = service.get(&alice, "notes", &id).await.expect("read");
        assert_eq!(kept.body["title"], "ok");
    }

    pub async fn collections_are_listed_changed_indexed_and_deleted(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "b_items", PermissionMode::OwnOnly, &["price"]).await;
        create(&service, "a_items", PermissionMode::ReadAllWriteOwn, &[]).await;
        let again = service
            .create_collection(wxbase_core::collections::NewCollection {
                name: wxbase_core::collections::CollectionName::parse("a_items").expect("name"),
                permission: PermissionMode::AdminOnly,
                schema: None,
                indexes: vec![],
            })
            .await;
        assert!(matches!(again, Err(CollectionError::CollectionExists(_))));
        let names: Vec<String> = service
            .collections()
            .await
            .expect("list")
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        assert_eq!(names, ["a_items", "b_items"]);

        let changed = service
            .change_collection(
                "b_items",
                CollectionChange::Permission(PermissionMode::AdminOnly),
            )
            .await
            .expect("changed");
        assert_eq!(changed.permission, PermissionMode::AdminOnly);
        let indexed = service
            .add_index("b_items", "meta.kind")
            .await
            .expect("indexed");
        let fields: Vec<&str> = indexed.indexes.iter().map(|f| f.as_str()).collect();
        assert_eq!(fields, ["price", "meta.kind"]);
        let dropped = service
            .drop_index("b_items", "price")
            .await
            .expect("dropped");
        assert_eq!(dropped.indexes.len(), 1);
        assert!(matches!(
            service.drop_index("b_items", "price").await,
            Err(CollectionError::NotFound(_))
        ));

        insert(&service, &Caller::Admin, "b_items", json!({"price": 1})).await;
        service.delete_collection("b_items").await.expect("deleted");
        assert!(matches!(
            service.count(&Caller::Admin, "b_items", &json!({})).await,
            Err(CollectionError::UnknownCollection(_))
        ));
        create(&service, "b_items", PermissionMode::OwnOnly, &["price"]).await;
        assert_eq!(
            service
                .count(&Caller::Admin, "b_items", &json!({}))
                .await
                .expect("count"),
            0
        );
    }

    pub async fn unknown_collections_and_ids_are_reported_as_such(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        for name in ["nope", "Bad Name", "x'; DROP TABLE documents;--"] {
            assert!(matches!(
                service.create(&Caller::Admin, name, json!({})).await,
                Err(CollectionError::UnknownCollection(_))
            ));
        }
        create(&service, "todos", PermissionMode::ReadAllWriteOwn, &[]).await;
        for id in [
            "",
            "nope",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "'; DELETE FROM documents;--",
        ] {
            assert!(matches!(
                service.get(&Caller::Admin, "todos", id).await,
                Err(CollectionError::NotFound(_))
            ));
        }
    }
}

use cases::*;

wxbase_store::on_both_backends!(
    a_document_is_created_read_replaced_patched_and_deleted,
    concurrent_increments_are_all_counted,
    limits_and_schemas_refuse_bad_documents_and_write_nothing,
    collections_are_listed_changed_indexed_and_deleted,
    unknown_collections_and_ids_are_reported_as_such,
);
