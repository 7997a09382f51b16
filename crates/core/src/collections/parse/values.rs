//! Query values, typed by the field they compare with: system fields take only values of their
//! own type (`_createdAt` also takes RFC 3339 text, turned into Unix milliseconds).

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::bad;
use crate::collections::error::CollectionError;
use crate::collections::path::{Field, FieldPath, SystemField};
use crate::collections::query::{Condition, Ordered, Scalar, MAX_IN_VALUES};

pub(super) fn exists(field: &Field, arg: &Value) -> Result<Condition, CollectionError> {
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
pub(super) fn scalar(field: &Field, op: &str, value: &Value) -> Result<Scalar, CollectionError> {
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

pub(super) fn scalars(
    field: &Field,
    op: &str,
    value: &Value,
) -> Result<Vec<Scalar>, CollectionError> {
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

pub(super) fn ordered(field: &Field, op: &str, value: &Value) -> Result<Ordered, CollectionError> {
    match scalar(field, op, value)? {
        Scalar::Number(n) => Ok(Ordered::Number(n)),
        Scalar::String(s) => Ok(Ordered::String(s)),
        Scalar::Null | Scalar::Bool(_) => Err(bad(format!(
            "field {}: {op} compares with a number or a string",
            field.name()
        ))),
    }
}
