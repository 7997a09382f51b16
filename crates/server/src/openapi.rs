//! The OpenAPI 3.1 description of every `/api` and `/admin/api` route, served at
//! `GET /openapi.json`.
//!
//! Routes are registered together with their `#[utoipa::path]` attributes (utoipa-axum's
//! `routes!`, or [`documented_at`] for the handlers shared by two prefixes), so the document
//! and the router come from the same list. An attribute names only the `data` of a success;
//! [`finish`] wraps every answer into the envelope (`oneOf` a success with that `data` and a
//! [`Failure`] with the closed list of error codes) and adds the two bearer schemes.

pub mod schemas;

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, MethodRouter};
use axum::Router;
use serde_json::json;
use utoipa::openapi::path::{Operation, PathItem, Paths};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::router::UtoipaMethodRouter;

use crate::app::AppState;
use crate::envelope::ErrorCode;

/// The security scheme of a mini-program user's session token (from `POST /api/auth/login`).
pub const USER: &str = "user";
/// The security scheme of the admin token (`admin.token`).
pub const ADMIN: &str = "admin";

/// Where the document is served.
pub const PATH: &str = "/openapi.json";

/// A failed call, as every `/api` route may answer it: `code` 0, `data` null, and `error`
/// from the closed list.
pub struct Failure;

impl PartialSchema for Failure {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("A failed call: `error` is the stable code to act on."))
            .property(
                "code",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([0])),
            )
            .property("data", ObjectBuilder::new().schema_type(Type::Null))
            .property("message", ObjectBuilder::new().schema_type(Type::String))
            .property("error", Ref::from_schema_name(ErrorCode::name()))
            .required("code")
            .required("data")
            .required("message")
            .required("error")
            .into()
    }
}

impl ToSchema for Failure {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((ErrorCode::name().into_owned(), ErrorCode::schema()));
    }
}

/// A success with `data`: `code` 1, `message` "ok".
fn success(data: RefOr<Schema>) -> Schema {
    ObjectBuilder::new()
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([1])),
        )
        .property("data", data)
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .required("code")
        .required("data")
        .required("message")
        .into()
}

/// A JSON `null`: the `data` of routes that answer nothing.
fn null() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Null).into()
}

/// Registers a handler shared by `/api` and `/admin/api` at `prefix`, with the operation
/// that `P` (its `#[utoipa::path]`, written for `/api`) describes, for callers of `scheme`.
pub fn documented_at<P>(
    prefix: &str,
    scheme: &str,
    method_router: MethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState>
where
    P: utoipa::Path + utoipa::__dev::SchemaReferences,
{
    let path = format!("{prefix}{}", P::path().trim_start_matches("/api"));
    let mut operation = P::operation();
    operation.security = Some(vec![SecurityRequirement::new(scheme, Vec::<String>::new())]);
    if let Some(id) = &mut operation.operation_id {
        if prefix != "/api" {
            *id = format!("{}_{id}", scheme);
        }
    }
    let mut schemas = Vec::new();
    P::schemas(&mut schemas);
    let mut paths = Paths::new();
    paths.add_path_operation(path, P::methods(), operation);
    (schemas, paths, method_router)
}

/// The document's frame: title, description, the envelope's schemas and the two schemes.
fn frame() -> OpenApi {
    let mut document = OpenApi::builder()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("wxbase")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "A self-hosted backend for WeChat mini-programs. Every `/api` and \
                     `/admin/api` route answers HTTP 200 with the envelope \
                     `{code, data, message}`: `code` 1 and the route's `data` on success, \
                     `code` 0, `data` null and `error` (one of `ErrorCode`) on failure. \
                     The one exception is the bytes of `GET /api/files/{id}`.",
                ))
                .build(),
        )
        .build();
    let components = document.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert(Failure::name().into_owned(), Failure::schema());
    components
        .schemas
        .insert(ErrorCode::name().into_owned(), ErrorCode::schema());
    let bearer = |description: &str| {
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(description))
                .build(),
        )
    };
    components.add_security_scheme(
        USER,
        bearer("A mini-program user's session token, from `POST /api/auth/login`."),
    );
    components.add_security_scheme(
        ADMIN,
        bearer("The admin token (`admin.token`, `WXBASE_ADMIN_TOKEN`)."),
    );
    document
}

/// The whole document from the routes' `paths`: every envelope route's answers wrapped.
pub fn finish(routes: OpenApi) -> OpenApi {
    let mut document = frame().merge_from(routes);
    if let Some(components) = &mut document.components {
        for schema in components.schemas.values_mut() {
            open_flattened(schema);
        }
    }
    for (path, item) in &mut document.paths.paths {
        if path.starts_with("/api/") || path.starts_with("/admin/api/") {
            for operation in operations(item) {
                wrap(operation);
            }
        }
    }
    document
}

/// A struct flattened into another (`#[serde(flatten)]`) is an `allOf` member, where its own
/// `additionalProperties: false` (from `deny_unknown_fields`, right for a request body) would
/// refuse the fields beside it: members written inline accept them.
fn open_flattened(schema: &mut RefOr<Schema>) {
    let RefOr::T(Schema::AllOf(all_of)) = schema else {
        return;
    };
    for member in &mut all_of.items {
        match member {
            RefOr::T(Schema::Object(object)) => object.additional_properties = None,
            RefOr::T(Schema::OneOf(one_of)) => {
                for choice in &mut one_of.items {
                    if let RefOr::T(Schema::Object(object)) = choice {
                        object.additional_properties = None;
                    }
                }
            }
            _ => {}
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The HTTP 200 answer of `operation` in the envelope: its JSON content, when the attribute
/// gave one, is the success's `data`; an operation whose success is not JSON (a download)
/// gets the failure alone.
fn wrap(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let ok = responses.entry("200".to_owned()).or_insert_with(|| {
        ResponseBuilder::new()
            .description("The envelope: `data` is `null` on success.")
            .into()
    });
    let RefOr::T(ok) = ok else { return };
    if ok.description.is_empty() {
        "The envelope: a success with this `data`, or a failure.".clone_into(&mut ok.description);
    }
    let failure = Ref::from_schema_name(Failure::name());
    let json = ok.content.shift_remove("application/json");
    let answer: RefOr<Schema> = if ok.content.is_empty() || json.is_some() {
        let data = json.and_then(|content| content.schema).unwrap_or_else(null);
        OneOfBuilder::new().item(success(data)).item(failure).into()
    } else {
        failure.into()
    };
    ok.content
        .insert("application/json".to_owned(), Content::new(Some(answer)));
}

/// `GET /openapi.json`, answering `document`.
pub fn serve(document: &OpenApi) -> Router<AppState> {
    let body: Arc<str> = document
        .to_pretty_json()
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string())
        .into();
    Router::new().route(
        PATH,
        get(move || {
            let body = Arc::clone(&body);
            async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
                    .into_response()
            }
        }),
    )
}

/// The document, as `GET /openapi.json` serves it.
pub fn document() -> OpenApi {
    let (_, paths) = crate::app::documented_routes().split_for_parts();
    finish(paths)
}
