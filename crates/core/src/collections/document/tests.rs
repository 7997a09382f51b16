//! Tests of body validation and of how documents are shown.

use serde_json::json;

use super::*;

fn limits() -> DocumentLimits {
    DocumentLimits {
        max_bytes: 200,
        max_depth: 3,
    }
}

#[test]
fn an_object_within_the_limits_is_a_body() {
    let body = Body::new(json!({"title": "milk", "tags": ["a"]}), limits()).expect("valid");
    assert_eq!(body.fields()["title"], "milk");
    assert_eq!(body.json(), r#"{"tags":["a"],"title":"milk"}"#);
}

#[test]
fn bodies_that_are_not_objects_or_set_server_fields_are_refused() {
    for value in [
        json!([1]),
        json!("x"),
        json!({"_id": "x"}),
        json!({"_openid": "o"}),
    ] {
        assert!(
            matches!(
                Body::new(value.clone(), limits()),
                Err(CollectionError::BadRequest(_))
            ),
            "{value} was accepted"
        );
    }
    assert!(Body::new(json!({"a": {"_nested": 1}}), limits()).is_ok());
}

#[test]
fn too_deep_and_too_large_bodies_are_refused_with_their_limits() {
    assert!(Body::new(json!({"a": {"b": [1]}}), limits()).is_ok());
    assert!(matches!(
        Body::new(json!({"a": {"b": {"c": {"d": 1}}}}), limits()),
        Err(CollectionError::TooDeep { limit: 3 })
    ));
    let big = "x".repeat(300);
    assert!(matches!(
        Body::new(json!({ "a": big }), limits()),
        Err(CollectionError::DocumentTooLarge { limit: 200, .. })
    ));
}

#[test]
fn nul_characters_are_refused_in_values_and_keys() {
    assert!(Body::new(json!({"a": "x\u{0}y"}), limits()).is_err());
    assert!(Body::new(json!({"a": {"k\u{0}": 1}}), limits()).is_err());
}

fn document() -> Document {
    Document {
        id: DocumentId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").expect("id"),
        owner: Some(OpenId::parse("o-alice").expect("openid")),
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(1_000),
        version: 1,
        body: json!({"title": "milk", "address": {"city": "Shanghai", "zip": "200000"}})
            .as_object()
            .cloned()
            .expect("object"),
    }
}

#[test]
fn a_document_shows_its_server_fields_beside_the_body() {
    assert_eq!(
        document().to_json(None),
        json!({
            "_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "_openid": "o-alice",
            "_createdAt": "1970-01-01T00:00:00Z",
            "_updatedAt": "1970-01-01T00:00:01Z",
            "title": "milk",
            "address": {"city": "Shanghai", "zip": "200000"}
        })
    );
}

#[test]
fn a_projection_keeps_the_id_and_the_named_fields_only() {
    let fields = [
        Field::parse("address.city").expect("path"),
        Field::parse("_openid").expect("system"),
        Field::parse("missing").expect("path"),
    ];
    assert_eq!(
        document().to_json(Some(&fields)),
        json!({
            "_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "_openid": "o-alice",
            "address": {"city": "Shanghai"}
        })
    );
}
