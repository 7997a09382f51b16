//! Tests of query parsing.

use serde_json::json;

use super::*;
use crate::collections::path::FieldPath;
use crate::collections::query::{Ordered, Scalar};

fn field(name: &str) -> Field {
    Field::parse(name).expect("field")
}

fn bad_query(body: Value) -> String {
    match parse_query(&body) {
        Err(CollectionError::BadQuery(message)) => message,
        other => panic!("{body} parsed: {other:?}"),
    }
}

#[test]
fn an_empty_query_matches_everything_twenty_at_a_time() {
    let query = parse_query(&json!({})).expect("valid");
    assert_eq!(query.filter, Condition::And(vec![]));
    assert_eq!(query.limit, 20);
    assert_eq!(query.skip, 0);
    assert!(query.order.is_empty() && query.fields.is_none() && query.after.is_none());
}

#[test]
fn a_scalar_is_eq_and_an_operator_object_is_an_and_of_its_operators() {
    let filter = parse_filter(Some(&json!({"done": false}))).expect("valid");
    assert_eq!(
        filter,
        Condition::Eq {
            field: field("done"),
            value: Scalar::Bool(false),
            negated: false
        }
    );
    let filter = parse_filter(Some(&json!({"age": {"gte": 18, "lt": 65}}))).expect("valid");
    assert_eq!(
        filter,
        Condition::And(vec![
            Condition::Range {
                field: field("age"),
                op: RangeOp::Gte,
                value: Ordered::Number(18.into())
            },
            Condition::Range {
                field: field("age"),
                op: RangeOp::Lt,
                value: Ordered::Number(65.into())
            },
        ])
    );
}

#[test]
fn every_operator_parses() {
    let filter = parse_filter(Some(&json!({
        "or": [
            {"a.b": {"eq": "x", "ne": null}},
            {"c": {"in": [1, "one", true], "nin": []}},
            {"d": {"gt": "m", "lte": 2.5}},
            {"e": {"exists": false}},
        ],
        "and": [{"f": {"gte": 0}}]
    })))
    .expect("valid");
    let Condition::And(parts) = filter else {
        panic!("an and")
    };
    assert_eq!(parts.len(), 2);
    let Some(Condition::Or(branches)) = parts.iter().find(|p| matches!(p, Condition::Or(_))) else {
        panic!("an or: {parts:?}")
    };
    assert_eq!(branches.len(), 4);
    assert_eq!(
        branches[3],
        Condition::Exists {
            field: FieldPath::parse("e").expect("path"),
            exists: false
        }
    );
}

#[test]
fn system_fields_take_values_of_their_type() {
    let filter = parse_filter(Some(
        &json!({"_createdAt": {"gte": "1970-01-01T00:00:01Z"}}),
    ))
    .expect("valid");
    assert_eq!(
        filter,
        Condition::Range {
            field: field("_createdAt"),
            op: RangeOp::Gte,
            value: Ordered::Number(1000.into())
        }
    );
    assert!(parse_filter(Some(&json!({"_openid": null}))).is_ok());
    for bad in [
        json!({"_id": 5}),
        json!({"_createdAt": "yesterday"}),
        json!({"_createdAt": true}),
        json!({"_id": {"exists": true}}),
    ] {
        assert!(parse_filter(Some(&bad)).is_err(), "{bad} was accepted");
    }
}

#[test]
fn bad_queries_say_what_is_wrong() {
    let cases = [
        (
            json!({"where": {"a": {"like": "x"}}}),
            "unknown operator \"like\"",
        ),
        (json!({"where": {"a": {"gt": true}}}), "number or a string"),
        (
            json!({"where": {"a": {"eq": {"b": 1}}}}),
            "not an object or array",
        ),
        (json!({"where": {"a": [1, 2]}}), "not an object or array"),
        (json!({"where": {"a": {"in": 5}}}), "array of values"),
        (json!({"where": {"a": {}}}), "empty"),
        (
            json!({"where": {"a'); DROP TABLE x;--": 1}}),
            "invalid field path",
        ),
        (json!({"where": {"$.a": 1}}), "invalid field path"),
        (json!({"where": {"_secret": 1}}), "belong to the server"),
        (json!({"where": {"or": [1]}}), "must be a where object"),
        (json!({"where": [1]}), "where must be a JSON object"),
        (json!({"limit": 101}), "limit"),
        (json!({"limit": 0}), "limit"),
        (json!({"skip": -1}), "skip"),
        (json!({"orderBy": [["a", "up"]]}), "direction"),
        (json!({"orderBy": "a"}), "orderBy must be a list"),
        (json!({"fields": ["a b"]}), "invalid field path"),
        (json!({"cursor": "garbage"}), "cursor"),
        (json!({"filter": {}}), "unknown key \"filter\""),
        (json!({"where": {"a": "x\u{0}"}}), "U+0000"),
    ];
    for (body, expected) in cases {
        let message = bad_query(body.clone());
        assert!(
            message.contains(expected),
            "{body}: {message:?} lacks {expected:?}"
        );
    }
}

#[test]
fn oversized_filters_are_refused() {
    let many: Map<String, Value> = (0..65).map(|i| (format!("f{i}"), json!(i))).collect();
    assert!(bad_query(json!({ "where": many })).contains("more than 64"));
    let mut nested = json!({"a": 1});
    for _ in 0..10 {
        nested = json!({ "and": [nested] });
    }
    assert!(bad_query(json!({ "where": nested })).contains("nest deeper"));
    let values: Vec<u32> = (0..101).collect();
    assert!(bad_query(json!({"where": {"a": {"in": values}}})).contains("at most 100"));
}
