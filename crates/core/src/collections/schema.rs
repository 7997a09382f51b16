//! JSON Schema checks of document bodies, with the `jsonschema` crate (every draft it knows;
//! `$ref` only inside the schema: remote and file references are not resolved). Compiled
//! validators are cached per collection and recompiled when the stored schema changes, so
//! several instances sharing one database never check against a stale schema.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::document::Body;
use super::error::CollectionError;
use super::name::CollectionName;

/// Checks that `schema` is a JSON Schema wxbase can use.
pub fn check_schema(schema: &Value) -> Result<(), CollectionError> {
    compile(schema).map(drop)
}

fn compile(schema: &Value) -> Result<jsonschema::Validator, CollectionError> {
    jsonschema::validator_for(schema).map_err(|e| {
        CollectionError::BadRequest(format!("the schema is not a usable JSON Schema: {e}"))
    })
}

/// Compiled schemas by collection.
#[derive(Default)]
pub struct SchemaCache {
    compiled: Mutex<HashMap<CollectionName, (Value, Arc<jsonschema::Validator>)>>,
}

impl SchemaCache {
    /// Checks `body` against `schema`, naming the first field that does not match.
    pub fn validate(
        &self,
        collection: &CollectionName,
        schema: &Value,
        body: &Body,
    ) -> Result<(), CollectionError> {
        let validator = self.validator(collection, schema)?;
        let instance = Value::Object(body.fields().clone());
        match validator.validate(&instance) {
            Ok(()) => Ok(()),
            Err(error) => {
                let field = error
                    .instance_path()
                    .segments()
                    .map(|segment| segment.to_string())
                    .collect::<Vec<_>>()
                    .join(".");
                Err(CollectionError::SchemaViolation {
                    field: if field.is_empty() {
                        "(document)".to_owned()
                    } else {
                        field
                    },
                    message: error.to_string(),
                })
            }
        }
    }

    fn validator(
        &self,
        collection: &CollectionName,
        schema: &Value,
    ) -> Result<Arc<jsonschema::Validator>, CollectionError> {
        let mut compiled = self
            .compiled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cached, validator)) = compiled.get(collection) {
            if cached == schema {
                return Ok(validator.clone());
            }
        }
        let validator = Arc::new(compile(schema)?);
        compiled.insert(collection.clone(), (schema.clone(), validator.clone()));
        Ok(validator)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::collections::document::DocumentLimits;

    fn todos() -> CollectionName {
        CollectionName::parse("todos").expect("name")
    }

    fn body(value: Value) -> Body {
        Body::new(value, DocumentLimits::default()).expect("body")
    }

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": {"type": "string", "maxLength": 10},
                "meta": {"type": "object", "properties": {"priority": {"type": "integer"}}}
            }
        })
    }

    #[test]
    fn a_matching_body_passes() {
        let cache = SchemaCache::default();
        assert!(cache
            .validate(&todos(), &schema(), &body(json!({"title": "milk"})))
            .is_ok());
    }

    #[test]
    fn a_violation_names_the_nested_field() {
        let cache = SchemaCache::default();
        let error = cache
            .validate(
                &todos(),
                &schema(),
                &body(json!({"title": "milk", "meta": {"priority": "high"}})),
            )
            .expect_err("violates");
        assert!(
            matches!(&error, CollectionError::SchemaViolation { field, message } if field == "meta.priority" && message.contains("integer")),
            "{error:?}"
        );
    }

    #[test]
    fn a_missing_required_field_is_reported_on_the_document() {
        let error = SchemaCache::default()
            .validate(&todos(), &schema(), &body(json!({"done": true})))
            .expect_err("violates");
        assert!(
            matches!(&error, CollectionError::SchemaViolation { field, message } if field == "(document)" && message.contains("title")),
            "{error:?}"
        );
    }

    #[test]
    fn a_changed_schema_is_used_at_once() {
        let cache = SchemaCache::default();
        let long = body(json!({"title": "a very long title"}));
        assert!(cache.validate(&todos(), &schema(), &long).is_err());
        assert!(cache
            .validate(&todos(), &json!({"type": "object"}), &long)
            .is_ok());
    }

    #[test]
    fn schemas_that_are_not_json_schema_or_fetch_remote_refs_are_refused() {
        assert!(check_schema(&json!({"type": "no-such-type"})).is_err());
        assert!(check_schema(&json!({"$ref": "https://example.com/schema.json"})).is_err());
        assert!(check_schema(&json!({"type": "object"})).is_ok());
    }
}
