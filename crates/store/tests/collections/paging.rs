//! Sorting across JSON types, skip, and cursor paging that neither skips nor repeats a
//! document while others are being inserted.

pub mod cases {
    use std::collections::HashSet;
    use std::sync::Arc;
    use wxbase_store::testing::TestDatabase;

    use serde_json::{json, Value};
    use wxbase_core::collections::{Caller, CollectionError, CollectionService, PermissionMode};

    use crate::{create, insert, query_field, seed_mixed, service, user};

    /// Every page of `request` (with `limit`), following cursors; the `field` of each document.
    async fn all_pages(
        service: &CollectionService,
        name: &str,
        mut request: Value,
        field: &str,
    ) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let page = service
                .query(&Caller::Admin, name, &request)
                .await
                .expect("page");
            seen.extend(page.documents.iter().map(|d| d[field].clone()));
            match page.cursor {
                Some(cursor) => request["cursor"] = json!(cursor),
                None => return seen,
            }
        }
    }

    fn labels(values: &[Value]) -> String {
        values.iter().map(|v| v.as_str().expect("a name")).collect()
    }

    pub async fn mixed_types_sort_by_type_then_value_and_pages_agree(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "mixed", PermissionMode::ReadAllWriteOwn, &[]).await;
        seed_mixed(&service, "mixed").await;
        let cases = [
            (json!([["v", "asc"]]), "efjialbckdgh"),
            (json!([["v", "desc"]]), "ghdkcbalijef"),
            (json!([["s", "asc"]]), "fklghbeajcid"),
            (
                json!([["_openid", "asc"], ["name", "desc"]]),
                "lkjgfedcbaih",
            ),
            (json!([["_id", "desc"]]), "lkjihgfedcba"),
        ];
        for (order, expected) in cases {
            let everything = json!({"orderBy": order, "limit": 100});
            let sorted = query_field(&service, &Caller::Admin, "mixed", everything, "name").await;
            assert_eq!(labels(&sorted), expected, "orderBy {order}");
            let paged = all_pages(
                &service,
                "mixed",
                json!({"orderBy": order, "limit": 5}),
                "name",
            )
            .await;
            assert_eq!(labels(&paged), expected, "paged by 5, orderBy {order}");
        }
        let skipped = query_field(
            &service,
            &Caller::Admin,
            "mixed",
            json!({"orderBy": [["v", "asc"]], "skip": 2, "limit": 3}),
            "name",
        )
        .await;
        assert_eq!(labels(&skipped), "jia");
    }

    pub async fn a_cursor_only_pages_the_sort_it_was_made_for(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "mixed", PermissionMode::ReadAllWriteOwn, &[]).await;
        seed_mixed(&service, "mixed").await;
        let first = service
            .query(
                &Caller::Admin,
                "mixed",
                &json!({"orderBy": [["v", "asc"]], "limit": 2}),
            )
            .await
            .expect("page");
        let cursor = first.cursor.expect("a full page has a cursor");
        let other_sort = service
            .query(
                &Caller::Admin,
                "mixed",
                &json!({"orderBy": [["s", "asc"]], "cursor": cursor}),
            )
            .await;
        assert!(
            matches!(other_sort, Err(CollectionError::BadQuery(_))),
            "{other_sort:?}"
        );
        let last = service
            .query(&Caller::Admin, "mixed", &json!({"limit": 100}))
            .await
            .expect("page");
        assert!(
            last.cursor.is_none(),
            "a page that is not full has no cursor"
        );
    }

    pub async fn paging_neither_skips_nor_repeats_while_documents_are_inserted(db: TestDatabase) {
        let store = db.store.clone();
        let service = Arc::new(service(store));
        create(&service, "feed", PermissionMode::ReadAllWriteOwn, &["n"]).await;
        let mut originals = HashSet::new();
        for i in 0..150 {
            originals.insert(insert(&service, &user("alice"), "feed", json!({"n": i % 7})).await);
        }
        for order in [
            json!([]),
            json!([["n", "desc"]]),
            json!([["n", "asc"], ["_createdAt", "desc"]]),
        ] {
            let writer = {
                let service = service.clone();
                tokio::spawn(async move {
                    for i in 0..60 {
                        insert(&service, &user("bob"), "feed", json!({"n": (i * 5) % 9})).await;
                        tokio::task::yield_now().await;
                    }
                })
            };
            let ids = all_pages(
                &service,
                "feed",
                json!({"orderBy": order, "limit": 7}),
                "_id",
            )
            .await;
            writer.await.expect("writer finished");
            let mut seen = HashSet::new();
            for id in &ids {
                assert!(
                    seen.insert(id.as_str().expect("an id").to_owned()),
                    "orderBy {order}: {id} came twice"
                );
            }
            let missed: Vec<_> = originals.iter().filter(|id| !seen.contains(*id)).collect();
            assert!(missed.is_empty(), "orderBy {order}: skipped {missed:?}");
        }
    }
}

use cases::*;

wxbase_store::on_both_backends!(
    mixed_types_sort_by_type_then_value_and_pages_agree,
    a_cursor_only_pages_the_sort_it_was_made_for,
    paging_neither_skips_nor_repeats_while_documents_are_inserted,
);
