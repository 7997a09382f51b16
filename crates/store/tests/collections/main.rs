//! The collections conformance suite: every case runs through the core's `CollectionService`
//! on SQLite and on PostgreSQL, so both backends are held to one behaviour.

mod crud;
mod hostile;
mod operators;
mod paging;
mod permissions;

use std::sync::Arc;

use serde_json::{json, Value};
use wxbase_core::collections::{
    Caller, CollectionName, CollectionService, DocumentLimits, FieldPath, NewCollection,
    PermissionMode,
};
use wxbase_core::Store;
use wxbase_wechat::OpenId;

/// A user by name.
pub fn user(name: &str) -> Caller {
    Caller::User(OpenId::parse(format!("o-{name}")).expect("openid"))
}

/// The service over `store`, with small limits that tests can reach.
pub fn service(store: Arc<dyn Store>) -> CollectionService {
    CollectionService::new(
        store,
        DocumentLimits {
            max_bytes: 4096,
            max_depth: 4,
        },
    )
}

/// Creates collection `name` in `mode`, indexing `indexes`.
pub async fn create(
    service: &CollectionService,
    name: &str,
    mode: PermissionMode,
    indexes: &[&str],
) {
    service
        .create_collection(NewCollection {
            name: CollectionName::parse(name).expect("name"),
            permission: mode,
            schema: None,
            indexes: indexes
                .iter()
                .map(|f| FieldPath::parse(f).expect("path"))
                .collect(),
        })
        .await
        .expect("collection created");
}

/// Creates a document as `caller` and returns its `_id`.
pub async fn insert(
    service: &CollectionService,
    caller: &Caller,
    name: &str,
    body: Value,
) -> String {
    let document = service
        .create(caller, name, body)
        .await
        .expect("document created");
    document.id.to_string()
}

/// The values of `field` in the documents a query returns, in order.
pub async fn query_field(
    service: &CollectionService,
    caller: &Caller,
    name: &str,
    request: Value,
    field: &str,
) -> Vec<Value> {
    let page = service
        .query(caller, name, &request)
        .await
        .expect("query runs");
    page.documents.iter().map(|d| d[field].clone()).collect()
}

/// `{"where": filter, "limit": 100}`.
pub fn all_matching(filter: Value) -> Value {
    json!({ "where": filter, "limit": 100 })
}

/// Twelve documents whose `v` and `s` are of every JSON type, named `a` to `l`; `h` and `i`
/// belong to bob, `l` to an admin, the rest to alice. Returns the ids by name.
pub async fn seed_mixed(service: &CollectionService, name: &str) -> Vec<(String, String)> {
    let documents = [
        (
            "a",
            json!({"v": 1, "s": "apple", "nested": {"x": 10}, "tag": "t1"}),
        ),
        ("b", json!({"v": 2.5, "s": "Banana", "nested": {"x": 20}})),
        ("c", json!({"v": "2", "s": "cherry", "nested": {"x": "10"}})),
        ("d", json!({"v": true, "s": "été"})),
        ("e", json!({"v": null, "s": "Zebra"})),
        ("f", json!({})),
        ("g", json!({"v": [1, 2], "s": 5})),
        ("h", json!({"v": {"k": 1}, "s": ""})),
        ("i", json!({"v": 0, "s": "zoo"})),
        ("j", json!({"v": -3, "s": "apple pie"})),
        ("k", json!({"v": false})),
        ("l", json!({"v": 1.0})),
    ];
    let mut ids = Vec::new();
    for (label, mut body) in documents {
        body["name"] = json!(label);
        let caller = match label {
            "h" | "i" => user("bob"),
            "l" => Caller::Admin,
            _ => user("alice"),
        };
        ids.push((label.to_owned(), insert(service, &caller, name, body).await));
    }
    ids
}
