//! Data collections over HTTP, as a mini-program uses them: CRUD, queries, counts, permission
//! modes with two users, and every documented error code.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_failure, envelope_of, TestApp, ADMIN_TOKEN};

impl TestApp {
    /// Sends `method path` with a bearer token and an optional JSON body; returns the envelope.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        envelope_of(request.send().await.expect("wxbase answers")).await
    }

    /// Creates a collection through the admin API and asserts it worked.
    pub async fn create_collection(&self, body: Value) -> Value {
        let answer = self
            .request(
                Method::POST,
                "/admin/api/collections",
                ADMIN_TOKEN,
                Some(body),
            )
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// Creates a document as the holder of `token` and returns it.
    pub async fn create_doc(&self, token: &str, collection: &str, body: Value) -> Value {
        let path = format!("/api/collections/{collection}/docs");
        let answer = self.request(Method::POST, &path, token, Some(body)).await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }
}

fn doc_path(collection: &str, id: &Value) -> String {
    format!(
        "/api/collections/{collection}/docs/{}",
        id.as_str().expect("an id")
    )
}

async fn documents_are_created_read_changed_queried_counted_and_deleted(app: TestApp) {
    app.create_collection(json!({"name": "todos"})).await;
    let alice = app.login_as("alice").await;
    let me = app.with_token(Method::GET, "/api/me", &alice).await;

    let created = app
        .create_doc(&alice, "todos", json!({"title": "milk", "n": 1}))
        .await;
    assert_eq!(created["_openid"], me["data"]["openid"]);
    assert_eq!(created["title"], "milk");
    assert!(created["_createdAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let path = doc_path("todos", &created["_id"]);

    let read = app.request(Method::GET, &path, &alice, None).await;
    assert_eq!(read["data"], created);
    let patched = app
        .request(
            Method::PATCH,
            &path,
            &alice,
            Some(json!({"set": {"done": true}, "inc": {"n": 2}})),
        )
        .await;
    assert_eq!(
        (
            patched["data"]["done"].clone(),
            patched["data"]["n"].clone()
        ),
        (json!(true), json!(3))
    );
    let replaced = app
        .request(Method::PUT, &path, &alice, Some(json!({"title": "bread"})))
        .await;
    assert_eq!(replaced["data"]["title"], "bread");
    assert!(
        replaced["data"]["n"].is_null(),
        "a replace drops old fields"
    );

    app.create_doc(&alice, "todos", json!({"title": "eggs", "n": 5}))
        .await;
    let page = app
        .request(
            Method::POST,
            "/api/collections/todos/query",
            &alice,
            Some(json!({"where": {"n": {"gte": 1}}, "orderBy": [["n", "desc"]], "fields": ["title"], "limit": 1})),
        )
        .await;
    assert_eq!(page["code"], 1, "{page}");
    let docs = page["data"]["docs"].as_array().expect("docs");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["title"], "eggs");
    assert!(
        docs[0]["_id"].is_string() && docs[0]["n"].is_null(),
        "{page}"
    );
    assert!(
        page["data"]["cursor"].is_string(),
        "a full page has a cursor"
    );
    let count = app
        .request(
            Method::POST,
            "/api/collections/todos/count",
            &alice,
            Some(json!({"where": {"title": {"in": ["bread", "eggs"]}}})),
        )
        .await;
    assert_eq!(count["data"]["total"], 2);

    let deleted = app.request(Method::DELETE, &path, &alice, None).await;
    assert_eq!(deleted["code"], 1, "{deleted}");
    assert_failure(
        &app.request(Method::GET, &path, &alice, None).await,
        "not_found",
    );
}

async fn alice_never_sees_or_changes_bobs_documents_where_the_mode_forbids_it(app: TestApp) {
    for (name, permission) in [
        ("diary", "own_only"),
        ("posts", "read_all_write_own"),
        ("news", "read_all_admin_write"),
        ("vault", "admin_only"),
    ] {
        app.create_collection(json!({"name": name, "permission": permission}))
            .await;
    }
    let (alice, bob) = (app.login_as("alice").await, app.login_as("bob").await);
    let secret = app
        .create_doc(&bob, "diary", json!({"text": "bob's secret"}))
        .await;
    let post = app
        .create_doc(&bob, "posts", json!({"text": "hello"}))
        .await;
    let (diary_doc, post_doc) = (
        doc_path("diary", &secret["_id"]),
        doc_path("posts", &post["_id"]),
    );
    let change = || Some(json!({"set": {"text": "x"}}));
    let refused = [
        (Method::GET, diary_doc.as_str(), None, "not_found"),
        (Method::PATCH, diary_doc.as_str(), change(), "not_found"),
        (Method::DELETE, diary_doc.as_str(), None, "not_found"),
        (
            Method::PUT,
            post_doc.as_str(),
            Some(json!({"text": "x"})),
            "forbidden",
        ),
        (Method::PATCH, post_doc.as_str(), change(), "forbidden"),
        (
            Method::POST,
            "/api/collections/news/docs",
            Some(json!({})),
            "forbidden",
        ),
        (
            Method::POST,
            "/api/collections/vault/query",
            Some(json!({})),
            "forbidden",
        ),
        (
            Method::POST,
            "/api/collections/vault/count",
            Some(json!({})),
            "forbidden",
        ),
    ];
    for (method, path, body, error) in refused {
        let answer = app.request(method.clone(), path, &alice, body).await;
        assert_eq!(answer["error"], error, "alice's {method} {path}: {answer}");
    }

    let query = json!({"where": {"text": "bob's secret"}});
    let found = app
        .request(
            Method::POST,
            "/api/collections/diary/query",
            &alice,
            Some(query),
        )
        .await;
    assert_eq!(found["data"]["docs"], json!([]), "{found}");
    let count = app
        .request(
            Method::POST,
            "/api/collections/diary/count",
            &alice,
            Some(json!({})),
        )
        .await;
    assert_eq!(count["data"]["total"], 0);
    let read = app.request(Method::GET, &post_doc, &alice, None).await;
    assert_eq!(read["data"]["text"], "hello", "posts are readable by all");
    let own = app.request(Method::GET, &diary_doc, &bob, None).await;
    assert_eq!(
        own["data"]["text"], "bob's secret",
        "and nothing was changed"
    );
}

async fn every_collection_error_has_its_code_and_says_what_is_wrong(app: TestApp) {
    app.create_collection(json!({
        "name": "notes",
        "schema": {"type": "object", "properties": {"meta": {"type": "object", "properties": {"stars": {"type": "integer"}}}}}
    }))
    .await;
    let alice = app.login_as("alice").await;
    let post = |collection: &str, body: Value| {
        let path = format!("/api/collections/{collection}/docs");
        let alice = alice.clone();
        let app = &app;
        async move { app.request(Method::POST, &path, &alice, Some(body)).await }
    };
    assert_failure(&post("nope", json!({})).await, "unknown_collection");
    let violation = post("notes", json!({"meta": {"stars": "five"}})).await;
    assert_failure(&violation, "schema_violation");
    assert!(
        violation["message"]
            .as_str()
            .is_some_and(|m| m.contains("meta.stars")),
        "{violation}"
    );
    assert_failure(
        &post("notes", json!({"_openid": "someone-else"})).await,
        "bad_request",
    );
    assert_failure(
        &post("notes", json!({"big": "x".repeat(17 * 1024)})).await,
        "document_too_large",
    );
    let mut deep = json!(1);
    for _ in 0..9 {
        deep = json!({ "d": deep });
    }
    assert_failure(&post("notes", deep).await, "too_deep");
    let mut very_deep = json!(1);
    for _ in 0..200 {
        very_deep = json!([very_deep]);
    }
    assert_failure(&post("notes", json!({ "d": very_deep })).await, "too_deep");

    let bad = app
        .request(
            Method::POST,
            "/api/collections/notes/query",
            &alice,
            Some(json!({"where": {"a'); DROP TABLE documents;--": 1}})),
        )
        .await;
    assert_failure(&bad, "bad_query");
    assert!(
        bad["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid field path")),
        "{bad}"
    );
    let bad = app
        .request(
            Method::POST,
            "/api/collections/notes/query",
            &alice,
            Some(json!({"limit": 500})),
        )
        .await;
    assert!(
        bad["message"].as_str().is_some_and(|m| m.contains("limit")),
        "{bad}"
    );
    let fine = app
        .request(
            Method::POST,
            "/api/collections/notes/count",
            &alice,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        fine["data"]["total"], 0,
        "nothing was written and the table still answers"
    );
    assert_failure(
        &app.request(
            Method::POST,
            "/api/collections/notes/count",
            "not-a-token",
            Some(json!({})),
        )
        .await,
        "unauthorized",
    );
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    documents_are_created_read_changed_queried_counted_and_deleted,
    alice_never_sees_or_changes_bobs_documents_where_the_mode_forbids_it,
    every_collection_error_has_its_code_and_says_what_is_wrong,
);
