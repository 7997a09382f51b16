//! `PATCH` bodies: `{"set": {path: value}, "unset": [path], "inc": {path: number}}`, applied to
//! a document body in memory (the store then writes the result only if the document did not
//! change meanwhile).

use serde_json::{Map, Number, Value};

use super::error::CollectionError;
use super::path::FieldPath;

/// Most paths one patch names.
const MAX_PATHS: usize = 100;

/// A parsed patch. No path is named twice, and no path is inside another one.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    set: Vec<(FieldPath, Value)>,
    unset: Vec<FieldPath>,
    inc: Vec<(FieldPath, Number)>,
}

fn bad(message: impl Into<String>) -> CollectionError {
    CollectionError::BadRequest(message.into())
}

fn path(text: &str) -> Result<FieldPath, CollectionError> {
    FieldPath::parse(text).map_err(|e| bad(e.to_string()))
}

impl Patch {
    /// Parses a `PATCH` body.
    pub fn parse(body: &Value) -> Result<Self, CollectionError> {
        let Some(request) = body.as_object() else {
            return Err(bad(
                r#"a patch is an object like {"set": {...}, "unset": [...], "inc": {...}}"#,
            ));
        };
        if let Some(key) = request
            .keys()
            .find(|k| !["set", "unset", "inc"].contains(&k.as_str()))
        {
            return Err(bad(format!(
                "unknown patch key {key:?}; use set, unset and inc"
            )));
        }
        let object = |key: &str| match request.get(key) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map.clone()),
            Some(_) => Err(bad(format!("{key} must be an object of field paths"))),
        };
        let set = object("set")?
            .into_iter()
            .map(|(key, value)| Ok((path(&key)?, value)))
            .collect::<Result<Vec<_>, CollectionError>>()?;
        let inc = object("inc")?
            .into_iter()
            .map(|(key, value)| match value {
                Value::Number(n) => Ok((path(&key)?, n)),
                _ => Err(bad(format!("inc {key:?}: the amount must be a number"))),
            })
            .collect::<Result<Vec<_>, CollectionError>>()?;
        let unset = match request.get("unset") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .ok_or_else(|| bad("unset must be a list of field paths"))
                        .and_then(path)
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(bad("unset must be a list of field paths")),
        };
        let patch = Self { set, unset, inc };
        patch.check_paths()?;
        Ok(patch)
    }

    fn check_paths(&self) -> Result<(), CollectionError> {
        let paths: Vec<&FieldPath> = self
            .set
            .iter()
            .map(|(p, _)| p)
            .chain(&self.unset)
            .chain(self.inc.iter().map(|(p, _)| p))
            .collect();
        if paths.is_empty() {
            return Err(bad("the patch changes nothing: give set, unset or inc"));
        }
        if paths.len() > MAX_PATHS {
            return Err(bad(format!("a patch names at most {MAX_PATHS} fields")));
        }
        for (i, a) in paths.iter().enumerate() {
            for b in &paths[i + 1..] {
                if contains(a, b) || contains(b, a) {
                    return Err(bad(format!("the patch names {a} and {b}, which overlap")));
                }
            }
        }
        Ok(())
    }

    /// The body after the patch.
    pub fn apply(&self, body: &Map<String, Value>) -> Result<Value, CollectionError> {
        let mut body = body.clone();
        for (path, value) in &self.set {
            *slot(&mut body, path)? = value.clone();
        }
        for path in &self.unset {
            remove(&mut body, path);
        }
        for (path, amount) in &self.inc {
            let target = slot(&mut body, path)?;
            let sum = match &*target {
                Value::Null => Some(amount.clone()),
                Value::Number(current) => add(current, amount),
                other => {
                    return Err(bad(format!(
                        "inc {path}: the field holds {}, not a number",
                        type_name(other)
                    )))
                }
            };
            *target = Value::Number(
                sum.ok_or_else(|| bad(format!("inc {path}: the result is out of range")))?,
            );
        }
        Ok(Value::Object(body))
    }
}

/// Whether `inner` is `outer` or lies inside it.
fn contains(outer: &FieldPath, inner: &FieldPath) -> bool {
    inner.as_str() == outer.as_str() || inner.as_str().starts_with(&format!("{outer}."))
}

/// The value at `path` (`null` if it was missing), making the objects on the way.
fn slot<'a>(
    body: &'a mut Map<String, Value>,
    path: &FieldPath,
) -> Result<&'a mut Value, CollectionError> {
    let segments: Vec<&str> = path.segments().collect();
    let (last, parents) = segments.split_last().ok_or_else(|| bad("empty path"))?;
    let mut map = body;
    for (depth, key) in parents.iter().enumerate() {
        let next = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        map = match next {
            Value::Object(inner) => inner,
            other => {
                return Err(bad(format!(
                    "cannot change {path}: {} holds {}, not an object",
                    segments[..=depth].join("."),
                    type_name(other)
                )))
            }
        };
    }
    Ok(map.entry((*last).to_owned()).or_insert(Value::Null))
}

fn remove(body: &mut Map<String, Value>, path: &FieldPath) {
    let segments: Vec<&str> = path.segments().collect();
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut map = body;
    for key in parents {
        match map.get_mut(*key) {
            Some(Value::Object(inner)) => map = inner,
            _ => return,
        }
    }
    map.remove(*last);
}

fn add(a: &Number, b: &Number) -> Option<Number> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        if let Some(sum) = x.checked_add(y) {
            return Some(sum.into());
        }
    }
    Number::from_f64(a.as_f64()? + b.as_f64()?)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body() -> Map<String, Value> {
        json!({"title": "milk", "count": 2, "meta": {"tags": ["a"], "views": 1.5}, "gone": 1})
            .as_object()
            .cloned()
            .expect("object")
    }

    #[test]
    fn set_unset_and_inc_change_top_level_and_nested_fields() {
        let patch = Patch::parse(&json!({
            "set": {"title": "oat milk", "meta.owner.name": "bob"},
            "unset": ["gone", "meta.tags", "never.there"],
            "inc": {"count": 3, "meta.views": 1, "fresh": -2}
        }))
        .expect("valid");
        assert_eq!(
            patch.apply(&body()).expect("applies"),
            json!({
                "title": "oat milk",
                "count": 5,
                "fresh": -2,
                "meta": {"views": 2.5, "owner": {"name": "bob"}}
            })
        );
    }

    #[test]
    fn a_patch_refuses_server_fields_overlaps_and_emptiness() {
        for body in [
            json!({"set": {"_id": "x"}}),
            json!({"set": {"a": 1}, "unset": ["a"]}),
            json!({"set": {"a": 1, "a.b": 2}}),
            json!({}),
            json!({"replace": {}}),
            json!({"inc": {"a": "1"}}),
            json!({"unset": "a"}),
            json!([1]),
        ] {
            assert!(Patch::parse(&body).is_err(), "{body} was accepted");
        }
    }

    #[test]
    fn inc_on_a_non_number_and_set_through_a_scalar_are_refused() {
        let inc = Patch::parse(&json!({"inc": {"title": 1}})).expect("valid");
        assert!(
            matches!(inc.apply(&body()), Err(CollectionError::BadRequest(m)) if m.contains("a string"))
        );
        let set = Patch::parse(&json!({"set": {"count.x": 1}})).expect("valid");
        assert!(
            matches!(set.apply(&body()), Err(CollectionError::BadRequest(m)) if m.contains("count holds a number"))
        );
    }

    #[test]
    fn integer_overflow_turns_into_a_float() {
        let patch = Patch::parse(&json!({"inc": {"count": i64::MAX}})).expect("valid");
        let result = patch.apply(&body()).expect("applies");
        assert!(result["count"].is_f64());
    }
}
