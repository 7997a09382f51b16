//! Hostile field paths and values: a path either is a plain dotted key path or is refused, and
//! a value is always data. Neither can change the SQL that runs.

pub mod cases {

    use wxbase_store::testing::TestDatabase;

    use serde_json::{json, Value};
    use wxbase_core::collections::{Caller, CollectionError, PermissionMode};

    use crate::{all_matching, create, insert, query_field, service, user};

    const HOSTILE_PATHS: &[&str] = &[
        "a'); DROP TABLE documents;--",
        "a' OR '1'='1",
        "$.a",
        "a\"b",
        "a\\b",
        "a\") OR 1=1 --",
        "a -> 'b'",
        "a[0]",
        "a..b",
        "a\u{0}b",
        "_openid.x",
        "__proto__",
    ];

    fn long_path() -> String {
        "a".repeat(300)
    }

    pub async fn hostile_field_paths_are_refused_everywhere_and_change_nothing(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "docs", PermissionMode::ReadAllWriteOwn, &[]).await;
        let id = insert(&service, &user("alice"), "docs", json!({"a": 1})).await;
        let long = long_path();
        for path in HOSTILE_PATHS.iter().copied().chain([long.as_str()]) {
            let requests = [
                json!({"where": { path: 1 }}),
                json!({"where": { path: {"exists": true} }}),
                json!({"orderBy": [[path, "asc"]]}),
                json!({"fields": [path]}),
            ];
            for request in requests {
                let result = service.query(&Caller::Admin, "docs", &request).await;
                assert!(
                    matches!(result, Err(CollectionError::BadQuery(_))),
                    "{request}: {result:?}"
                );
            }
            let patch = service
                .patch(&Caller::Admin, "docs", &id, &json!({"set": { path: 1 }}))
                .await;
            assert!(
                matches!(patch, Err(CollectionError::BadRequest(_))),
                "patch {path:?}: {patch:?}"
            );
            let index = service.add_index("docs", path).await;
            assert!(
                matches!(index, Err(CollectionError::BadRequest(_))),
                "index {path:?}: {index:?}"
            );
        }
        assert_eq!(
            service
                .count(&Caller::Admin, "docs", &json!({}))
                .await
                .expect("the table is intact"),
            1
        );
        let kept = service
            .get(&Caller::Admin, "docs", &id)
            .await
            .expect("read");
        assert_eq!(Value::Object(kept.body), json!({"a": 1}));
    }

    pub async fn hostile_values_are_stored_and_matched_as_plain_data(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(
            &service,
            "docs",
            PermissionMode::ReadAllWriteOwn,
            &["title"],
        )
        .await;
        let values = [
            "x'); DROP TABLE documents;--",
            "\" OR 1=1 --",
            "$.a",
            "?1 $1 %s {}",
            "a\\b\nc\td",
            "标题 😀 é",
            "",
        ];
        for value in values {
            insert(
                &service,
                &user("alice"),
                "docs",
                json!({"title": value, "nested": {"we'ird \"key\"": value}}),
            )
            .await;
        }
        for value in values {
            let found = query_field(
                &service,
                &Caller::Admin,
                "docs",
                all_matching(json!({"title": value})),
                "title",
            )
            .await;
            assert_eq!(found, [json!(value)], "eq {value:?}");
            let listed = query_field(
                &service,
                &Caller::Admin,
                "docs",
                all_matching(json!({"title": {"in": [value, 5]}})),
                "title",
            )
            .await;
            assert_eq!(listed, [json!(value)], "in {value:?}");
        }
        let all = service
            .count(
                &Caller::Admin,
                "docs",
                &json!({"where": {"title": {"gte": ""}}}),
            )
            .await
            .expect("count");
        assert_eq!(all, values.len() as u64);
        let found = service
            .query(
                &Caller::Admin,
                "docs",
                &json!({"where": {"title": values[0]}}),
            )
            .await
            .expect("query");
        assert_eq!(
            found.documents[0]["nested"]["we'ird \"key\""], values[0],
            "odd keys survive storage"
        );
    }

    pub async fn unicode_and_deep_paths_work_with_and_without_an_index(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "docs", PermissionMode::ReadAllWriteOwn, &[]).await;
        insert(
            &service,
            &user("alice"),
            "docs",
            json!({"标题": "你好", "a": {"b": {"c": 3}}}),
        )
        .await;
        insert(&service, &user("alice"), "docs", json!({"标题": "再见"})).await;
        for indexed in [false, true] {
            if indexed {
                service
                    .add_index("docs", "标题")
                    .await
                    .expect("unicode index");
                service
                    .add_index("docs", "a.b.c")
                    .await
                    .expect("nested index");
            }
            let found = query_field(
                &service,
                &Caller::Admin,
                "docs",
                all_matching(json!({"标题": "你好"})),
                "标题",
            )
            .await;
            assert_eq!(found, [json!("你好")], "indexed: {indexed}");
            let deep = service
                .count(
                    &Caller::Admin,
                    "docs",
                    &json!({"where": {"a.b.c": {"gt": 2}}}),
                )
                .await
                .expect("count");
            assert_eq!(deep, 1, "indexed: {indexed}");
        }
        let sixteen = vec!["k"; 16].join(".");
        assert_eq!(
            service
                .count(&Caller::Admin, "docs", &json!({"where": { sixteen: 1 }}))
                .await
                .expect("count"),
            0
        );
    }
}

use cases::*;

wxbase_store::on_both_backends!(
    hostile_field_paths_are_refused_everywhere_and_change_nothing,
    hostile_values_are_stored_and_matched_as_plain_data,
    unicode_and_deep_paths_work_with_and_without_an_index,
);
