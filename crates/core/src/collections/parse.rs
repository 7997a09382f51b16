//! Parses the JSON of `/query` and `/count` requests into the typed [`Query`]. Every refusal is
//! a [`CollectionError::BadQuery`] that says what is wrong and where.

use serde_json::{Map, Value};

use self::values::{exists, ordered, scalar, scalars};
use super::cursor::Cursor;
use super::error::CollectionError;
use super::path::Field;
use super::query::{
    Condition, Direction, OrderTerm, Query, RangeOp, DEFAULT_LIMIT, MAX_CONDITIONS, MAX_LIMIT,
    MAX_NESTING, MAX_ORDER_TERMS, MAX_SKIP,
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
mod values;
