//! The admin API for collections: management, and reading and editing any document whatever
//! the permission mode.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_failure, TestApp, ADMIN_TOKEN};

impl TestApp {
    async fn collections_admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.request(method, &format!("/admin/api{path}"), ADMIN_TOKEN, body)
            .await
    }
}

async fn admins_create_list_change_index_and_delete_collections(app: TestApp) {
    let created = app
        .create_collection(json!({"name": "shop_items", "permission": "own_only", "indexes": ["price", "meta.kind"]}))
        .await;
    assert_eq!(created["permission"], "own_only");
    assert_eq!(created["indexes"], json!(["price", "meta.kind"]));
    app.create_collection(json!({"name": "articles"})).await;
    let listed = app
        .collections_admin(Method::GET, "/collections", None)
        .await;
    let names: Vec<&str> = listed["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["articles", "shop_items"]);
    assert_eq!(
        app.collections_admin(Method::GET, "/collections/articles", None)
            .await["data"]["permission"],
        "read_all_write_own"
    );

    let schema = json!({"type": "object", "required": ["title"]});
    let changed = app
        .collections_admin(
            Method::PATCH,
            "/collections/articles",
            Some(json!({"permission": "read_all_admin_write", "schema": schema})),
        )
        .await;
    assert_eq!(
        changed["data"]["permission"], "read_all_admin_write",
        "{changed}"
    );
    assert_eq!(changed["data"]["schema"], schema);
    let cleared = app
        .collections_admin(
            Method::PATCH,
            "/collections/articles",
            Some(json!({"schema": null})),
        )
        .await;
    assert!(cleared["data"]["schema"].is_null(), "{cleared}");

    let indexed = app
        .collections_admin(
            Method::POST,
            "/collections/articles/indexes",
            Some(json!({"field": "author.name"})),
        )
        .await;
    assert_eq!(indexed["data"]["indexes"], json!(["author.name"]));
    let dropped = app
        .collections_admin(
            Method::DELETE,
            "/collections/articles/indexes/author.name",
            None,
        )
        .await;
    assert_eq!(dropped["data"]["indexes"], json!([]));
    assert_failure(
        &app.collections_admin(
            Method::DELETE,
            "/collections/articles/indexes/author.name",
            None,
        )
        .await,
        "not_found",
    );

    assert_eq!(
        app.collections_admin(Method::DELETE, "/collections/shop_items", None)
            .await["code"],
        1
    );
    assert_failure(
        &app.collections_admin(Method::GET, "/collections/shop_items", None)
            .await,
        "unknown_collection",
    );
}

async fn admin_requests_are_checked_like_any_other(app: TestApp) {
    app.create_collection(json!({"name": "taken"})).await;
    let cases = [
        (json!({"name": "taken"}), "conflict"),
        (json!({"name": "Bad-Name"}), "bad_request"),
        (
            json!({"name": "x'; DROP TABLE collections;--"}),
            "bad_request",
        ),
        (
            json!({"name": "ok", "permission": "everyone"}),
            "bad_request",
        ),
        (json!({"name": "ok", "schema": {"type": 12}}), "bad_request"),
        (json!({"name": "ok", "indexes": ["$.a"]}), "bad_request"),
        (json!({"name": "ok", "extra": 1}), "bad_request"),
    ];
    for (body, error) in cases {
        let answer = app
            .collections_admin(Method::POST, "/collections", Some(body.clone()))
            .await;
        assert_failure(&answer, error);
    }
    assert_failure(
        &app.collections_admin(Method::PATCH, "/collections/taken", Some(json!({})))
            .await,
        "bad_request",
    );
    let user = app.login_as("alice").await;
    let as_user = app
        .request(Method::GET, "/admin/api/collections", &user, None)
        .await;
    assert_failure(&as_user, "unauthorized");
    let as_user = app
        .request(
            Method::POST,
            "/admin/api/collections/taken/query",
            &user,
            Some(json!({})),
        )
        .await;
    assert_failure(&as_user, "unauthorized");
}

async fn admins_read_and_edit_any_document_whatever_the_mode(app: TestApp) {
    app.create_collection(json!({"name": "diary", "permission": "own_only"}))
        .await;
    app.create_collection(json!({"name": "vault", "permission": "admin_only"}))
        .await;
    let bob = app.login_as("bob").await;
    let secret = app
        .create_doc(&bob, "diary", json!({"text": "bob's"}))
        .await;
    let id = secret["_id"].as_str().expect("id");

    let path = format!("/collections/diary/docs/{id}");
    assert_eq!(
        app.collections_admin(Method::GET, &path, None).await["data"]["text"],
        "bob's"
    );
    let patched = app
        .collections_admin(Method::PATCH, &path, Some(json!({"set": {"seen": true}})))
        .await;
    assert_eq!(patched["data"]["seen"], true);
    assert_eq!(
        patched["data"]["_openid"], secret["_openid"],
        "the owner is kept"
    );
    let count = app
        .collections_admin(Method::POST, "/collections/diary/count", Some(json!({})))
        .await;
    assert_eq!(count["data"]["total"], 1);

    let stored = app
        .collections_admin(
            Method::POST,
            "/collections/vault/docs",
            Some(json!({"pin": 1234})),
        )
        .await;
    assert!(stored["data"]["_openid"].is_null(), "{stored}");
    let found = app
        .collections_admin(
            Method::POST,
            "/collections/vault/query",
            Some(json!({"where": {"pin": 1234}})),
        )
        .await;
    assert_eq!(found["data"]["docs"][0]["pin"], 1234);
    let vault_doc = format!(
        "/api/collections/vault/docs/{}",
        stored["data"]["_id"].as_str().expect("id")
    );
    assert_failure(
        &app.request(Method::GET, &vault_doc, &bob, None).await,
        "forbidden",
    );
    assert_eq!(
        app.collections_admin(Method::DELETE, &path, None).await["code"],
        1
    );
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    admins_create_list_change_index_and_delete_collections,
    admin_requests_are_checked_like_any_other,
    admins_read_and_edit_any_document_whatever_the_mode,
);
