//! Parses the JSON of `/query` and `/count` requests into the typed [`Query`]. Every refusal is
//! a [`CollectionError::BadQuery`] that says what is wrong and where.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::cursor::Cursor;
use super::error::CollectionError;
use super::path::{Field, FieldPath, SystemField};
use super::query::{
    Condition, Direction, OrderTerm, Ordered, Query, RangeOp, Scalar, DEFAULT_LIMIT,
    MAX_CONDITIONS, MAX_IN_VALUES, MAX_LIMIT, MAX_NESTING, MAX_ORDER_TERMS, MAX_SKIP,
};

/// Most entries in `fields`.
const MAX_FIELDS: usize = 32;

fn bad(message: impl Into<String>) -> CollectionError {
    CollectionError::BadQuery(message.into())
}

/// Parses a `/query` body: `{"where", "orderBy", "limit", "skip", "fields", "cursor"}`.
pub fn parse_query(body: &Value) -> Result<Query, CollectionError> {
    let request = request_object(
        body,
        &["where", "orderBy", "limit", "skip", "fields", "cursor"],
    )?;
    let filter = parse_filter(request.get("where"))?;
    let order = parse_order(request.get("orderBy"))?;
    let limit = match request.get("limit") {
        None | Some(Value::Null) => DEFAULT_LIMIT,
        Some(value) => value
            .as_u64()
            .filter(|n| (1..=u64::from(MAX_LIMIT)).contains(n))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                bad(format!(
                    "limit must be a whole number from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    let skip = match request.get("skip") {
        None | Some(Value::Null) => 0,
        Some(value) => value.as_u64().filter(|n| *n <= MAX_SKIP).ok_or_else(|| {
            bad(format!(
                "skip must be a whole number from 0 to {MAX_SKIP}; page further with the cursor"
            ))
        })?,
    };
    let after = match request.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(Cursor::decode(text, &order)?),
        Some(_) => return Err(bad("cursor must be the string a previous page returned")),
    };
    if after.is_some() && skip > 0 {
        return Err(bad("give either skip or cursor, not both"));
    }
    Ok(Query {
        filter,
        order,
        limit,
        skip,
        fields: parse_fields(request.get("fields"))?,
        after,
    })
}

/// Parses a `/count` body: `{"where"}`.
pub fn parse_count(body: &Value) -> Result<Condition, CollectionError> {
    parse_filter(request_object(body, &["where"])?.get("where"))
}

fn request_object<'a>(
    body: &'a Value,
    known: &[&str],
) -> Result<&'a Map<String, Value>, CollectionError> {
    let request = body
        .as_object()
        .ok_or_else(|| bad("the request must be a JSON object"))?;
    if let Some(key) = request.keys().find(|key| !known.contains(&key.as_str())) {
        return Err(bad(format!(
            "unknown key {key:?}; expected {}",
            known.join(", ")
        )));
    }
    Ok(request)
}

/// Parses a `where` object (absent or null: everything matches).
pub fn parse_filter(filter: Option<&Value>) -> Result<Condition, CollectionError> {
    match filter {
        None | Some(Value::Null) => Ok(Condition::And(Vec::new())),
        Some(Value::Object(map)) => FilterParser::default().object(map, 0),
        Some(_) => Err(bad("where must be a JSON object")),
    }
}

#[derive(Default)]
struct FilterParser {
    conditions: usize,
}

impl FilterParser {
    /// Every entry of `map` holds: an AND.
    fn object(
        &mut self,
        map: &Map<String, Value>,
        depth: usize,
    ) -> Result<Condition, CollectionError> {
        if depth > MAX_NESTING {
            return Err(bad(format!("and/or nest deeper than {MAX_NESTING} levels")));
        }
        let mut all = Vec::new();
        for (key, value) in map {
            match (key.as_str(), value) {
                ("and" | "or", Value::Array(items)) => {
                    let parts = items
                        .iter()
                        .map(|item| match item {
                            Value::Object(inner) => self.object(inner, depth + 1),
                            _ => Err(bad(format!(
                                "every element of {key} must be a where object"
                            ))),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    all.push(if key == "and" {
                        Condition::And(parts)
                    } else {
                        Condition::Or(parts)
                    });
                }
                _ => {
                    let field = Field::parse(key).map_err(|e| bad(e.to_string()))?;
                    self.field(field, value, &mut all)?;
                }
            }
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Condition::And(all)
        })
    }

    /// The conditions on one field: a scalar (eq) or an object of operators.
    fn field(
        &mut self,
        field: Field,
        value: &Value,
        out: &mut Vec<Condition>,
    ) -> Result<(), CollectionError> {
        let Value::Object(ops) = value else {
            let value = scalar(&field, "eq", value)?;
            return self.push(
                out,
                Condition::Eq {
                    field,
                    value,
                    negated: false,
                },
            );
        };
        if ops.is_empty() {
            return Err(bad(format!(
                "field {}: the operator object is empty",
                field.name()
            )));
        }
        for (op, arg) in ops {
            let condition = match op.as_str() {
                "eq" | "ne" => Condition::Eq {
                    value: scalar(&field, op, arg)?,
                    field: field.clone(),
                    negated: op == "ne",
                },
                "in" | "nin" => Condition::In {
                    values: scalars(&field, op, arg)?,
                    field: field.clone(),
                    negated: op == "nin",
                },
                "gt" | "gte" | "lt" | "lte" => Condition::Range {
                    op: match op.as_str() {
                        "gt" => RangeOp::Gt,
                        "gte" => RangeOp::Gte,
                        "lt" => RangeOp::Lt,
                        _ => RangeOp::Lte,
                    },
                    value: ordered(&field, op, arg)?,
                    field: field.clone(),
                },
                "exists" => exists(&field, arg)?,
                other => {
                    return Err(bad(format!(
                        "field {}: unknown operator {other:?}; use eq, ne, gt, gte, lt, lte, in, nin or exists",
                        field.name()
                    )))
                }
            };
            self.push(out, condition)?;
        }
        Ok(())
    }

    fn push(
        &mut self,
        out: &mut Vec<Condition>,
        condition: Condition,
    ) -> Result<(), CollectionError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(bad(format!(
                "where has more than {MAX_CONDITIONS} conditions"
            )));
        }
        out.push(condition);
        Ok(())
    }
}

fn exists(field: &Field, arg: &Value) -> Result<Condition, CollectionError> {
    let Field::Body(path) = field else {
        return Err(bad(format!(
            "field {}: server fields always exist",
            field.name()
        )));
    };
    let exists = arg.as_bool().ok_or_else(|| {
        bad(format!(
            "field {}: exists takes true or false",
            field.name()
        ))
    })?;
    Ok(Condition::Exists {
        field: FieldPath::clone(path),
        exists,
    })
}

/// A value to compare `field` with, typed for system fields.
fn scalar(field: &Field, op: &str, value: &Value) -> Result<Scalar, CollectionError> {
    let name = field.name();
    let scalar = match value {
        Value::Null => Scalar::Null,
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Number(n) => Scalar::Number(n.clone()),
        Value::String(s) if s.contains('\0') => {
            return Err(bad(format!("field {name}: strings cannot contain U+0000")))
        }
        Value::String(s) => Scalar::String(s.clone()),
        Value::Array(_) | Value::Object(_) => {
            return Err(bad(format!(
                "field {name}: {op} compares with a string, number, boolean or null, not an object or array"
            )))
        }
    };
    let Field::System(system) = field else {
        return Ok(scalar);
    };
    match (system, scalar) {
        (SystemField::Id, Scalar::String(s)) => Ok(Scalar::String(s)),
        (SystemField::OpenId, s @ (Scalar::String(_) | Scalar::Null)) => Ok(s),
        (SystemField::CreatedAt | SystemField::UpdatedAt, Scalar::Number(n)) if n.is_i64() => {
            Ok(Scalar::Number(n))
        }
        (SystemField::CreatedAt | SystemField::UpdatedAt, Scalar::String(s)) => {
            let instant = OffsetDateTime::parse(&s, &Rfc3339).map_err(|_| {
                bad(format!(
                    "field {name}: {s:?} is not an RFC 3339 time like 2026-01-31T08:00:00Z"
                ))
            })?;
            let millis = i64::try_from(instant.unix_timestamp_nanos() / 1_000_000)
                .map_err(|_| bad(format!("field {name}: {s:?} is out of range")))?;
            Ok(Scalar::Number(millis.into()))
        }
        (SystemField::Id | SystemField::OpenId, _) => Err(bad(format!(
            "field {name} is a string: compare it with strings"
        ))),
        (SystemField::CreatedAt | SystemField::UpdatedAt, _) => Err(bad(format!(
            "field {name} is a time: compare it with an RFC 3339 string or Unix milliseconds"
        ))),
    }
}

fn scalars(field: &Field, op: &str, value: &Value) -> Result<Vec<Scalar>, CollectionError> {
    let items = value.as_array().ok_or_else(|| {
        bad(format!(
            "field {}: {op} takes an array of values",
            field.name()
        ))
    })?;
    if items.len() > MAX_IN_VALUES {
        return Err(bad(format!(
            "field {}: {op} takes at most {MAX_IN_VALUES} values",
            field.name()
        )));
    }
    items.iter().map(|item| scalar(field, op, item)).collect()
}

fn ordered(field: &Field, op: &str, value: &Value) -> Result<Ordered, CollectionError> {
    match scalar(field, op, value)? {
        Scalar::Number(n) => Ok(Ordered::Number(n)),
        Scalar::String(s) => Ok(Ordered::String(s)),
        Scalar::Null | Scalar::Bool(_) => Err(bad(format!(
            "field {}: {op} compares with a number or a string",
            field.name()
        ))),
    }
}

fn parse_order(order: Option<&Value>) -> Result<Vec<OrderTerm>, CollectionError> {
    let items = match order {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad(r#"orderBy must be a list like [["score", "desc"]]"#)),
    };
    if items.len() > MAX_ORDER_TERMS {
        return Err(bad(format!(
            "orderBy takes at most {MAX_ORDER_TERMS} fields"
        )));
    }
    items
        .iter()
        .map(|item| {
            let (name, direction) = match item {
                Value::String(name) => (name.as_str(), "asc"),
                Value::Array(pair) => match pair.as_slice() {
                    [Value::String(name), Value::String(direction)] => {
                        (name.as_str(), direction.as_str())
                    }
                    _ => return Err(bad(r#"each orderBy entry is ["field", "asc" or "desc"]"#)),
                },
                _ => return Err(bad(r#"each orderBy entry is ["field", "asc" or "desc"]"#)),
            };
            let direction = match direction {
                "asc" => Direction::Asc,
                "desc" => Direction::Desc,
                other => return Err(bad(format!("orderBy direction {other:?}: use asc or desc"))),
            };
            let field = Field::parse(name).map_err(|e| bad(e.to_string()))?;
            Ok(OrderTerm { field, direction })
        })
        .collect()
}

fn parse_fields(fields: Option<&Value>) -> Result<Option<Vec<Field>>, CollectionError> {
    let items = match fields {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) if items.len() <= MAX_FIELDS => items,
        Some(_) => {
            return Err(bad(format!(
                "fields must be a list of at most {MAX_FIELDS} field names"
            )))
        }
    };
    items
        .iter()
        .map(|item| {
            let name = item
                .as_str()
                .ok_or_else(|| bad("fields must be a list of field names"))?;
            Field::parse(name).map_err(|e| bad(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests;
