//! Every operator, on top-level and nested fields, with the documented type semantics: values
//! match only values of the same JSON type; `ne` and `nin` are exactly "not eq" and "not in".
//! Each table runs without and with indexes, which must not change a single answer.

pub mod cases {

    use wxbase_store::testing::TestDatabase;

    use serde_json::{json, Value};
    use wxbase_core::collections::{Caller, CollectionService, PermissionMode};

    use crate::{all_matching, create, query_field, seed_mixed, service};

    const ALL: &str = "abcdefghijkl";

    fn table() -> Vec<(Value, &'static str)> {
        vec![
            (json!({"v": 1}), "al"),
            (json!({"v": {"eq": 1.0}}), "al"),
            (json!({"v": "2"}), "c"),
            (json!({"v": 2}), ""),
            (json!({"v": true}), "d"),
            (json!({"v": false}), "k"),
            (json!({"v": null}), "e"),
            (json!({"v": {"ne": 1}}), "bcdefghijk"),
            (json!({"v": {"ne": null}}), "abcdfghijkl"),
            (json!({"v": {"gt": 0}}), "abl"),
            (json!({"v": {"gte": 0}}), "abil"),
            (json!({"v": {"lt": 1}}), "ij"),
            (json!({"v": {"lte": 1}}), "aijl"),
            (json!({"v": {"gt": "1"}}), "c"),
            (json!({"v": {"gte": -3, "lt": 2}}), "aijl"),
            (json!({"s": {"gt": "b"}}), "cdi"),
            (json!({"s": {"lt": "Z"}}), "bh"),
            (json!({"s": {"gte": "apple", "lt": "apple q"}}), "aj"),
            (json!({"s": {"gt": 4}}), "g"),
            (json!({"v": {"in": [1, "2", true]}}), "acdl"),
            (json!({"v": {"nin": [1, "2", true]}}), "befghijk"),
            (json!({"v": {"in": [null, false]}}), "ek"),
            (json!({"v": {"in": []}}), ""),
            (json!({"v": {"nin": []}}), ALL),
            (json!({"v": {"exists": true}}), "abcdeghijkl"),
            (json!({"v": {"exists": false}}), "f"),
            (json!({"nested.x": 10}), "a"),
            (json!({"nested.x": {"gte": 10}}), "ab"),
            (json!({"nested.x": "10"}), "c"),
            (json!({"nested.x": {"exists": false}}), "defghijkl"),
            (json!({"v.k": 1}), "h"),
            (json!({"v.0": 1}), ""),
            (json!({"tag": {"exists": true}}), "a"),
            (json!({"or": [{"v": 1}, {"s": "zoo"}]}), "ail"),
            (json!({"and": [{"v": {"gte": 0}}, {"v": {"lt": 2}}]}), "ail"),
            (json!({"or": []}), ""),
            (json!({"and": []}), ALL),
            (
                json!({"s": {"ne": "apple"}, "v": {"exists": true}}),
                "bcdeghijkl",
            ),
            (json!({"_openid": "o-bob"}), "hi"),
            (json!({"_openid": null}), "l"),
            (json!({"_openid": {"ne": "o-alice"}}), "hil"),
            (json!({"_openid": {"in": ["o-bob", null]}}), "hil"),
            (json!({"_createdAt": {"gte": "1970-01-01T00:00:00Z"}}), ALL),
            (json!({"_updatedAt": {"lt": 0}}), ""),
        ]
    }

    async fn names(service: &CollectionService, filter: &Value) -> String {
        let mut names: Vec<String> = query_field(
            service,
            &Caller::Admin,
            "mixed",
            all_matching(filter.clone()),
            "name",
        )
        .await
        .iter()
        .map(|n| n.as_str().expect("a name").to_owned())
        .collect();
        names.sort();
        names.concat()
    }

    async fn check_table(service: &CollectionService, label: &str) {
        for (filter, expected) in table() {
            assert_eq!(names(service, &filter).await, expected, "{label}: {filter}");
            let count = service
                .count(&Caller::Admin, "mixed", &json!({ "where": filter }))
                .await
                .expect("count");
            assert_eq!(count, expected.len() as u64, "{label}: count of {filter}");
        }
    }

    pub async fn every_operator_matches_only_values_of_the_same_type(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "mixed", PermissionMode::ReadAllWriteOwn, &[]).await;
        seed_mixed(&service, "mixed").await;
        check_table(&service, "without indexes").await;
        for field in ["v", "s", "nested.x", "v.k"] {
            service.add_index("mixed", field).await.expect("index");
        }
        check_table(&service, "with indexes").await;
    }

    pub async fn ids_match_by_equality_and_range(db: TestDatabase) {
        let store = db.store.clone();
        let service = service(store);
        create(&service, "mixed", PermissionMode::ReadAllWriteOwn, &[]).await;
        let ids = seed_mixed(&service, "mixed").await;
        let id = |label: &str| {
            ids.iter()
                .find(|(l, _)| l == label)
                .map(|(_, id)| id.clone())
                .expect("id")
        };
        assert_eq!(names(&service, &json!({"_id": id("c")})).await, "c");
        assert_eq!(
            names(&service, &json!({"_id": {"in": [id("a"), id("k")]}})).await,
            "ak"
        );
        assert_eq!(
            names(&service, &json!({"_id": {"gt": id("j")}})).await,
            "kl"
        );
    }
}

use cases::*;

wxbase_store::on_both_backends!(
    every_operator_matches_only_values_of_the_same_type,
    ids_match_by_equality_and_range,
);
