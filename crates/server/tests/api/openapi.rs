//! The OpenAPI document as served, and what fuzzing it found: answers the document promises.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_failure, TestApp, ADMIN_TOKEN};

async fn the_document_is_served_at_openapi_json(app: TestApp) {
    let response = app
        .http
        .get(format!("{}/openapi.json", app.base_url))
        .send()
        .await
        .expect("wxbase answers");
    assert_eq!(response.status(), 200);
    let served: Value = response.json().await.expect("JSON");
    let built = serde_json::to_value(wxbase_server::openapi::document()).expect("JSON");
    assert_eq!(served, built);
    assert_eq!(served["openapi"], "3.1.0");
}

async fn malformed_query_strings_answer_bad_request_in_the_envelope(app: TestApp) {
    let token = app.login_as("alice").await;
    let listing = app
        .request(
            Method::GET,
            "/admin/api/buckets/uploads/files?limit=-1",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_failure(&listing, "bad_request");
    let download = app
        .request(
            Method::GET,
            "/api/files/some-id?expires=99999999999999999999&sig=x",
            &token,
            None,
        )
        .await;
    assert_failure(&download, "bad_request");
}

async fn a_post_to_a_document_changes_it_as_patch_does(app: TestApp) {
    app.create_collection(json!({"name": "todos"})).await;
    let token = app.login_as("alice").await;
    let doc = app
        .create_doc(&token, "todos", json!({"title": "milk", "n": 1}))
        .await;
    let id = doc["_id"].as_str().expect("an id");
    let patch = json!({"set": {"done": true}, "inc": {"n": 2}});
    for (prefix, holder) in [("/api", token.as_str()), ("/admin/api", ADMIN_TOKEN)] {
        let path = format!("{prefix}/collections/todos/docs/{id}");
        let answer = app
            .request(Method::POST, &path, holder, Some(patch.clone()))
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        assert_eq!(answer["data"]["done"], true);
    }
    let read = app
        .request(
            Method::GET,
            &format!("/api/collections/todos/docs/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(read["data"]["n"], 5, "both increments counted: {read}");
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    the_document_is_served_at_openapi_json,
    malformed_query_strings_answer_bad_request_in_the_envelope,
    a_post_to_a_document_changes_it_as_patch_does,
);
