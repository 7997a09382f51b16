//! MongoDB Extended JSON v2 (what `mongoexport` writes, relaxed or canonical) into plain JSON
//! document bodies: `_id` kept as `mongoId`, dates as RFC 3339 strings, 64-bit integers exact
//! (a string when beyond ±2^53, where JSON numbers stop being exact in JavaScript), decimals
//! as their decimal text, binary as base64.
//!
//! Written here rather than through the `bson` crate: the target is JSON, not BSON, so a
//! detour through `Bson` would need a second mapping back, and `bson`'s `Decimal128` has no
//! decimal text to map to. The wrappers are few and fixed by the Extended JSON v2 spec.

use base64::Engine;
use serde_json::{Map, Number, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The field an imported document's `_id` is kept in.
pub const MONGO_ID_FIELD: &str = "mongoId";

/// A top-level `mongoexport` document as a body: `_id` becomes [`MONGO_ID_FIELD`], mongoose's
/// `__v` version key is dropped, every Extended JSON wrapper is unwrapped.
pub fn document_body(value: Value) -> Result<Value, String> {
    let Value::Object(fields) = value else {
        return Err("a document must be a JSON object".to_owned());
    };
    let mut body = Map::with_capacity(fields.len());
    for (key, value) in fields {
        let key = match key.as_str() {
            "__v" => continue,
            "_id" => MONGO_ID_FIELD.to_owned(),
            _ => key,
        };
        let converted = plain(value).map_err(|e| format!("field {key:?}: {e}"))?;
        body.insert(key, converted);
    }
    Ok(Value::Object(body))
}

/// One Extended JSON value as plain JSON.
pub fn plain(value: Value) -> Result<Value, String> {
    match value {
        Value::Number(number) => Ok(relaxed_number(number)),
        Value::Array(items) => items
            .into_iter()
            .map(plain)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(fields) => {
            if let Some(wrapped) = wrapper(&fields)? {
                return Ok(wrapped);
            }
            let mut out = Map::with_capacity(fields.len());
            for (key, value) in fields {
                let converted = plain(value).map_err(|e| format!("{key}: {e}"))?;
                out.insert(key, converted);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other),
    }
}

/// A relaxed-mode number: integers beyond ±2^53 become strings.
fn relaxed_number(number: Number) -> Value {
    match number.as_i64() {
        Some(n) => integer(n),
        None if number.is_u64() => Value::String(number.to_string()),
        None => Value::Number(number),
    }
}

fn integer(n: i64) -> Value {
    if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&n) {
        Value::from(n)
    } else {
        Value::String(n.to_string())
    }
}

/// The plain value of an Extended JSON wrapper object, `None` if `fields` is an ordinary
/// object.
fn wrapper(fields: &Map<String, Value>) -> Result<Option<Value>, String> {
    let Some(first) = fields.keys().next().filter(|k| k.starts_with('$')) else {
        return Ok(None);
    };
    let single = |fields: &Map<String, Value>| -> Result<Value, String> {
        match fields.values().next() {
            Some(value) if fields.len() == 1 => Ok(value.clone()),
            _ => Err(format!("{first} must be the only key of its object")),
        }
    };
    let text = |value: Value| match value {
        Value::String(text) => Ok(text),
        other => Err(format!("{first} must hold a string, not {other}")),
    };
    let converted = match first.as_str() {
        "$oid" => Value::String(text(single(fields)?)?),
        "$date" => date(single(fields)?)?,
        "$numberLong" => {
            let digits = text(single(fields)?)?;
            let n: i64 = digits
                .parse()
                .map_err(|_| format!("$numberLong {digits:?} is not a 64-bit integer"))?;
            integer(n)
        }
        "$numberInt" => {
            let digits = text(single(fields)?)?;
            let n: i32 = digits
                .parse()
                .map_err(|_| format!("$numberInt {digits:?} is not a 32-bit integer"))?;
            Value::from(n)
        }
        "$numberDouble" => {
            let digits = text(single(fields)?)?;
            let n: f64 = digits
                .parse()
                .map_err(|_| format!("$numberDouble {digits:?} is not a number"))?;
            // JSON has no NaN or infinities: they stay as their Extended JSON text.
            Number::from_f64(n).map_or(Value::String(digits), Value::Number)
        }
        "$numberDecimal" => {
            let digits = text(single(fields)?)?;
            Value::String(digits)
        }
        "$binary" => binary(fields)?,
        "$timestamp" => {
            let inner = single(fields)?;
            let t = inner["t"].as_u64().ok_or("$timestamp needs a numeric t")?;
            Value::from(t)
        }
        "$regularExpression" => {
            let inner = single(fields)?;
            Value::String(inner["pattern"].as_str().unwrap_or_default().to_owned())
        }
        "$symbol" | "$code" => Value::String(text(single(fields)?)?),
        "$uuid" => Value::String(text(single(fields)?)?),
        "$minKey" | "$maxKey" | "$undefined" => Value::Null,
        other => {
            return Err(format!(
                "{other} is not an Extended JSON type (a field name may not start with $)"
            ))
        }
    };
    Ok(Some(converted))
}

/// `$date`: relaxed `"2019-07-01T08:00:00.000Z"`, canonical `{"$numberLong": "ms"}`, or a
/// plain number of milliseconds; always an RFC 3339 string in UTC.
fn date(value: Value) -> Result<Value, String> {
    let millis: i64 = match value {
        Value::String(text) => {
            let at = OffsetDateTime::parse(&text, &Rfc3339)
                .map_err(|_| format!("$date {text:?} is not an ISO 8601 date"))?;
            i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
                .map_err(|_| format!("$date {text:?} is out of range"))?
        }
        Value::Number(n) => n.as_i64().ok_or("$date must be whole milliseconds")?,
        Value::Object(inner) => match inner.get("$numberLong") {
            Some(Value::String(digits)) => digits
                .parse()
                .map_err(|_| format!("$date {digits:?} is not a number of milliseconds"))?,
            _ => return Err("$date holds an object other than $numberLong".to_owned()),
        },
        other => return Err(format!("$date cannot hold {other}")),
    };
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| format!("$date {millis} is out of range"))?;
    at.format(&Rfc3339)
        .map(Value::String)
        .map_err(|e| format!("$date {millis}: {e}"))
}

/// `$binary`: v2 `{"$binary": {"base64": "...", "subType": "00"}}` or v1
/// `{"$binary": "...", "$type": "00"}`; kept as its base64 text, checked to decode.
fn binary(fields: &Map<String, Value>) -> Result<Value, String> {
    let encoded = match fields.get("$binary") {
        Some(Value::Object(inner)) if fields.len() == 1 => inner.get("base64").cloned(),
        Some(Value::String(text)) if fields.len() == 2 && fields.contains_key("$type") => {
            Some(Value::String(text.clone()))
        }
        _ => None,
    };
    let Some(Value::String(encoded)) = encoded else {
        return Err("$binary needs a base64 string".to_owned());
    };
    base64::engine::general_purpose::STANDARD
        .decode(&encoded)
        .map_err(|e| format!("$binary is not base64: {e}"))?;
    Ok(Value::String(encoded))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn relaxed_and_canonical_forms_give_the_same_body() {
        let relaxed = json!({
            "_id": {"$oid": "5d1a2b3c4d5e6f7081920a1b"},
            "createdAt": {"$date": "2019-07-01T08:00:00.000Z"},
            "points": 42,
            "big": 9007199254740993_i64,
            "score": 1.5,
            "__v": 0,
        });
        let canonical = json!({
            "_id": {"$oid": "5d1a2b3c4d5e6f7081920a1b"},
            "createdAt": {"$date": {"$numberLong": "1561968000000"}},
            "points": {"$numberInt": "42"},
            "big": {"$numberLong": "9007199254740993"},
            "score": {"$numberDouble": "1.5"},
            "__v": {"$numberInt": "0"},
        });
        let expected = json!({
            "mongoId": "5d1a2b3c4d5e6f7081920a1b",
            "createdAt": "2019-07-01T08:00:00Z",
            "points": 42,
            "big": "9007199254740993",
            "score": 1.5,
        });
        assert_eq!(document_body(relaxed), Ok(expected.clone()));
        assert_eq!(document_body(canonical), Ok(expected));
    }

    #[test]
    fn integers_up_to_2_pow_53_stay_numbers_and_beyond_become_exact_strings() {
        assert_eq!(
            plain(json!({"$numberLong": "9007199254740991"})),
            Ok(json!(9007199254740991_i64))
        );
        assert_eq!(
            plain(json!({"$numberLong": "-9223372036854775808"})),
            Ok(json!("-9223372036854775808"))
        );
        assert_eq!(
            plain(json!(18446744073709551615_u64)),
            Ok(json!("18446744073709551615"))
        );
    }

    #[test]
    fn decimals_binary_and_special_doubles_keep_their_text() {
        assert_eq!(
            plain(json!({"$numberDecimal": "1234.5678901234567890"})),
            Ok(json!("1234.5678901234567890"))
        );
        assert_eq!(plain(json!({"$numberDouble": "NaN"})), Ok(json!("NaN")));
        assert_eq!(
            plain(json!({"$binary": {"base64": "aGVsbG8=", "subType": "00"}})),
            Ok(json!("aGVsbG8="))
        );
        assert_eq!(
            plain(json!({"$binary": "aGVsbG8=", "$type": "00"})),
            Ok(json!("aGVsbG8="))
        );
        assert_eq!(
            plain(json!({"$date": {"$numberLong": "-1000"}})),
            Ok(json!("1969-12-31T23:59:59Z"))
        );
    }

    #[test]
    fn nested_values_are_unwrapped_and_bad_wrappers_are_named() {
        let nested = json!({"tags": [{"at": {"$date": "2020-01-02T03:04:05.678+08:00"}}]});
        assert_eq!(
            plain(nested),
            Ok(json!({"tags": [{"at": "2020-01-01T19:04:05.678Z"}]}))
        );
        let error = plain(json!({"a": {"$numberLong": "x"}})).expect_err("refused");
        assert!(error.contains("$numberLong"), "{error}");
        let error = plain(json!({"$where": "1"})).expect_err("refused");
        assert!(error.contains("$where"), "{error}");
        assert!(document_body(json!([1])).is_err());
    }
}
