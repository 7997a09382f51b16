//! The OpenAPI document: its committed copy (`clients/miniprogram/openapi.json`, which the
//! SDK's types are generated from) stays equal to what the server serves, and no `/api` or
//! `/admin/api` route escapes it. After changing a route, regenerate the copy with
//!
//! ```sh
//! WXBASE_BLESS=1 cargo test -p wxbase-server --test openapi
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository's root, found from the crate's directory as the test runner gives it (so a
/// test binary built in another checkout that shares the target directory reads this one).
fn root() -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    crate_dir.join("../..")
}

fn document() -> Value {
    serde_json::to_value(wxbase_server::openapi::document()).expect("the document is JSON")
}

/// Every `METHOD /path` the document describes.
fn operations(document: &Value) -> BTreeSet<String> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item");
            methods
                .keys()
                .filter(|method| {
                    ["get", "put", "post", "delete", "patch"].contains(&method.as_str())
                })
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect()
}

#[test]
fn the_committed_copy_is_the_served_document() {
    let path = root().join("clients/miniprogram/openapi.json");
    let served = format!(
        "{}\n",
        wxbase_server::openapi::document()
            .to_pretty_json()
            .expect("the document is JSON")
    );
    if std::env::var_os("WXBASE_BLESS").is_some() {
        std::fs::write(&path, &served).expect("write the copy");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "{} differs from the served document: regenerate it with \
         WXBASE_BLESS=1 cargo test -p wxbase-server --test openapi, then rebuild the SDK's \
         types (npm run generate in clients/miniprogram)",
        path.display()
    );
}

/// `METHOD /path` for each route named in docs/api.md's tables of envelope routes.
fn routes_in_api_page() -> BTreeSet<String> {
    let page = std::fs::read_to_string(root().join("docs/api.md")).expect("docs/api.md");
    let tables = page
        .split("## Outside the envelope")
        .next()
        .expect("the page");
    let mut routes = BTreeSet::new();
    for cell in tables.split('`').skip(1).step_by(2) {
        let Some((method, path)) = cell.split_once(' ') else {
            continue;
        };
        let is_method = ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method);
        if is_method && (path.starts_with("/api/") || path.starts_with("/admin/api/")) {
            let path = path.split('?').next().unwrap_or(path);
            routes.insert(format!("{method} {path}"));
        }
    }
    routes
}

#[test]
fn every_route_the_api_page_lists_is_described() {
    let described = operations(&document());
    let listed = routes_in_api_page();
    assert!(
        listed.len() > 30,
        "the page's tables were not found: {listed:?}"
    );
    let missing: Vec<&String> = listed.difference(&described).collect();
    assert!(
        missing.is_empty(),
        "routes in docs/api.md that /openapi.json does not describe: {missing:?}"
    );
}

/// Lines of the route modules that register a handler with plain axum (`.route(`, a function
/// answering an axum `Router`), which would serve it without an operation in the document. The WeChat push endpoints and the
/// health checks are outside `/api` and the envelope.
fn undocumented_registrations(dir: &Path) -> Vec<String> {
    let outside_the_api = ["push.rs", "oa_push.rs", "health.rs"];
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).expect("the routes directory");
    for entry in entries {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if outside_the_api.contains(&name) || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("a route module");
        for (number, line) in source.lines().enumerate() {
            if line.contains(".route(") || line.contains("-> Router<") {
                found.push(format!("{name}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn every_api_route_is_registered_with_its_operation() {
    let found = undocumented_registrations(&root().join("crates/server/src/routes"));
    assert!(
        found.is_empty(),
        "register /api and /admin/api handlers with utoipa_axum's routes! and a \
         #[utoipa::path] attribute so /openapi.json describes them: {found:#?}"
    );
}

#[test]
fn every_envelope_answer_is_a_success_or_a_failure_with_a_listed_code() {
    let document = document();
    let codes: Vec<&str> = wxbase_server::ErrorCode::ALL
        .iter()
        .map(|code| code.as_str())
        .collect();
    assert_eq!(
        document["components"]["schemas"]["ErrorCode"]["enum"],
        serde_json::json!(codes)
    );
    for operation in operations(&document) {
        let (method, path) = operation.split_once(' ').expect("METHOD /path");
        let answer = &document["paths"][path][method.to_lowercase()]["responses"]["200"]["content"]
            ["application/json"]["schema"];
        let failure = serde_json::json!({"$ref": "#/components/schemas/Failure"});
        let wrapped = answer["oneOf"][1] == failure || *answer == failure;
        assert!(
            wrapped,
            "{operation} does not answer in the envelope: {answer}"
        );
    }
    for (scheme, _) in document["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes")
    {
        assert!(["user", "admin"].contains(&scheme.as_str()));
    }
}
