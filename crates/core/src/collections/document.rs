//! Documents: a validated JSON [`Body`] to store, and a stored [`Document`] with the server's
//! fields (`_id`, `_openid`, `_createdAt`, `_updatedAt`).

use serde_json::{Map, Value};
use wxbase_wechat::OpenId;

use super::error::CollectionError;
use super::id::DocumentId;
use super::path::{Field, FieldPath, SystemField};
use crate::Timestamp;

/// Size and shape limits of a document body (`collections.*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Largest body, in bytes of compact JSON (`collections.max_document_bytes`).
    pub max_bytes: usize,
    /// Deepest nesting of objects and arrays; the body itself is level 1
    /// (`collections.max_depth`).
    pub max_depth: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024,
            max_depth: 32,
        }
    }
}

/// A document body that passed every check: a JSON object, no top-level key starting with `_`,
/// no U+0000 in any string or key, within the size and depth limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    fields: Map<String, Value>,
    json: String,
}

impl Body {
    /// Checks `value` against `limits`.
    pub fn new(value: Value, limits: DocumentLimits) -> Result<Self, CollectionError> {
        let Value::Object(fields) = value else {
            return Err(CollectionError::BadRequest(
                "a document must be a JSON object".to_owned(),
            ));
        };
        if let Some(key) = fields.keys().find(|key| key.starts_with('_')) {
            return Err(CollectionError::BadRequest(format!(
                "field {key:?}: fields starting with _ are set by the server and cannot be written"
            )));
        }
        let depth = depth_of(&fields, limits.max_depth)?;
        if depth > limits.max_depth {
            return Err(CollectionError::TooDeep {
                limit: limits.max_depth,
            });
        }
        let json = serde_json::to_string(&fields)
            .map_err(|e| CollectionError::BadRequest(format!("the document is not JSON: {e}")))?;
        if json.len() > limits.max_bytes {
            return Err(CollectionError::DocumentTooLarge {
                size: json.len(),
                limit: limits.max_bytes,
            });
        }
        Ok(Self { fields, json })
    }

    /// The fields.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The body as compact JSON text, as stored.
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// The nesting depth of `fields` (1 for a flat object), refusing U+0000 on the way. Stops
/// counting past `limit`.
fn depth_of(fields: &Map<String, Value>, limit: usize) -> Result<usize, CollectionError> {
    let mut deepest = 1;
    let mut stack: Vec<(&Value, usize)> = fields.values().map(|v| (v, 1)).collect();
    for key in fields.keys() {
        refuse_nul(key)?;
    }
    while let Some((value, level)) = stack.pop() {
        match value {
            Value::String(text) => refuse_nul(text)?,
            Value::Array(items) => {
                deepest = deepest.max(level + 1);
                if level < limit {
                    stack.extend(items.iter().map(|v| (v, level + 1)));
                }
            }
            Value::Object(map) => {
                deepest = deepest.max(level + 1);
                for key in map.keys() {
                    refuse_nul(key)?;
                }
                if level < limit {
                    stack.extend(map.values().map(|v| (v, level + 1)));
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    Ok(deepest)
}

/// PostgreSQL cannot store U+0000 in `jsonb`, so neither backend accepts it.
pub(crate) fn refuse_nul(text: &str) -> Result<(), CollectionError> {
    if text.contains('\0') {
        return Err(CollectionError::BadRequest(
            "strings and keys cannot contain the character U+0000".to_owned(),
        ));
    }
    Ok(())
}

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `_id`.
    pub id: DocumentId,
    /// `_openid`: the creator (`None` when an admin created it).
    pub owner: Option<OpenId>,
    /// `_createdAt`.
    pub created_at: Timestamp,
    /// `_updatedAt`.
    pub updated_at: Timestamp,
    /// Bumped by every change; writes that read first update only the version they read.
    pub version: i64,
    /// The body.
    pub body: Map<String, Value>,
}

impl Document {
    /// The value at `path` in the body, if there is one.
    pub fn get(&self, path: &FieldPath) -> Option<&Value> {
        let mut segments = path.segments();
        let first = segments.next()?;
        segments.try_fold(self.body.get(first)?, |value, key| value.get(key))
    }

    /// The value of a system field as a client sees it.
    pub fn system_value(&self, field: SystemField) -> Value {
        match field {
            SystemField::Id => Value::String(self.id.to_string()),
            SystemField::OpenId => self
                .owner
                .as_ref()
                .map_or(Value::Null, |openid| Value::String(openid.to_string())),
            SystemField::CreatedAt => Value::String(self.created_at.to_rfc3339()),
            SystemField::UpdatedAt => Value::String(self.updated_at.to_rfc3339()),
        }
    }

    /// The document as a client sees it: the body with the system fields beside it, or only
    /// the requested `fields` (and `_id`).
    pub fn to_json(&self, fields: Option<&[Field]>) -> Value {
        let mut out = Map::new();
        out.insert("_id".to_owned(), self.system_value(SystemField::Id));
        let Some(fields) = fields else {
            for system in &SystemField::ALL[1..] {
                out.insert(system.name().to_owned(), self.system_value(*system));
            }
            out.extend(self.body.clone());
            return Value::Object(out);
        };
        for field in fields {
            match field {
                Field::System(system) => {
                    out.insert(system.name().to_owned(), self.system_value(*system));
                }
                Field::Body(path) => {
                    if let Some(value) = self.get(path) {
                        insert_at(&mut out, path, value.clone());
                    }
                }
            }
        }
        Value::Object(out)
    }
}

/// Puts `value` at `path` inside `root`, making the objects on the way.
fn insert_at(root: &mut Map<String, Value>, path: &FieldPath, value: Value) {
    let segments: Vec<&str> = path.segments().collect();
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut map = root;
    for key in parents {
        let slot = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(inner) = slot else {
            return;
        };
        map = inner;
    }
    map.insert((*last).to_owned(), value);
}

#[cfg(test)]
mod tests;
