//! Turns a typed [`Condition`] into a boolean SQL expression with bound values. The expression
//! is TRUE exactly when the document matches and FALSE or NULL otherwise; `ne` and `nin` are
//! `(...) IS NOT TRUE` of `eq` and `in`, so a missing field or a value of another type never
//! matches `eq` and always matches `ne`, on both backends alike.

use wxbase_core::collections::{
    Condition, Field, FieldPath, Ordered, RangeOp, Scalar, SystemField,
};

use super::sql::Sql;
use crate::sql::Dialect;

/// Always true / always false, in both dialects.
const TRUE: &str = "(1 = 1)";
const FALSE: &str = "(1 = 0)";

/// The SQL of `condition`, binding its values into `sql`.
pub fn condition(sql: &mut Sql, condition: &Condition) -> String {
    match condition {
        Condition::And(parts) => join(sql, parts, " AND ", TRUE),
        Condition::Or(parts) => join(sql, parts, " OR ", FALSE),
        Condition::Eq {
            field,
            value,
            negated,
        } => {
            let eq = equals(sql, field, std::slice::from_ref(value));
            negate_if(eq, *negated)
        }
        Condition::In {
            field,
            values,
            negated,
        } => {
            let any = if values.is_empty() {
                FALSE.to_owned()
            } else {
                equals(sql, field, values)
            };
            negate_if(any, *negated)
        }
        Condition::Range { field, op, value } => range(sql, field, *op, value),
        Condition::Exists { field, exists } => {
            let kind = sql.dialect.kind(field);
            format!("({kind} IS {}NULL)", if *exists { "NOT " } else { "" })
        }
    }
}

fn join(sql: &mut Sql, parts: &[Condition], separator: &str, empty: &str) -> String {
    if parts.is_empty() {
        return empty.to_owned();
    }
    let parts: Vec<String> = parts.iter().map(|part| condition(sql, part)).collect();
    format!("({})", parts.join(separator))
}

fn negate_if(expression: String, negated: bool) -> String {
    if negated {
        format!("({expression} IS NOT TRUE)")
    } else {
        expression
    }
}

/// The column of a system field.
pub fn column(field: SystemField) -> &'static str {
    match field {
        SystemField::Id => "id",
        SystemField::OpenId => "owner",
        SystemField::CreatedAt => "created_at",
        SystemField::UpdatedAt => "updated_at",
    }
}

/// The field equals one of `values` (same type, same value).
fn equals(sql: &mut Sql, field: &Field, values: &[Scalar]) -> String {
    match field {
        Field::System(system) => system_equals(sql, *system, values),
        Field::Body(path) => match sql.dialect {
            Dialect::Postgres => postgres_equals(sql, path, values),
            Dialect::Sqlite => sqlite_equals(sql, path, values),
        },
    }
}

/// jsonb equality is typed already: `1 = 1.0`, `"1" <> 1`, `true <> 1`.
fn postgres_equals(sql: &mut Sql, path: &FieldPath, values: &[Scalar]) -> String {
    let placeholders: Vec<String> = values
        .iter()
        .map(|value| format!("{}::jsonb", sql.text(scalar_json(value))))
        .collect();
    format!(
        "({} IN ({}))",
        sql.dialect.value(path),
        placeholders.join(", ")
    )
}

/// SQLite's `json_extract` loses the JSON type (`true` is 1), so each type is checked with
/// `json_type`.
fn sqlite_equals(sql: &mut Sql, path: &FieldPath, values: &[Scalar]) -> String {
    let dialect = sql.dialect;
    let (mut numbers, mut strings, mut kinds) = (Vec::new(), Vec::new(), Vec::new());
    for value in values {
        match value {
            Scalar::Number(n) => numbers.push(sql.bind(dialect.number_value(n))),
            Scalar::String(s) => strings.push(sql.text(s.as_str())),
            Scalar::Bool(true) => kinds.push("'true'"),
            Scalar::Bool(false) => kinds.push("'false'"),
            Scalar::Null => kinds.push("'null'"),
        }
    }
    let mut any = Vec::new();
    if !numbers.is_empty() {
        any.push(format!(
            "({} AND {} IN ({}))",
            dialect.is_number(path),
            dialect.value(path),
            numbers.join(", ")
        ));
    }
    if !strings.is_empty() {
        any.push(format!(
            "({} AND {} IN ({}))",
            dialect.is_string(path),
            dialect.value(path),
            strings.join(", ")
        ));
    }
    if !kinds.is_empty() {
        any.push(format!(
            "({} IN ({}))",
            dialect.kind(path),
            kinds.join(", ")
        ));
    }
    format!("({})", any.join(" OR "))
}

fn system_equals(sql: &mut Sql, field: SystemField, values: &[Scalar]) -> String {
    let column = column(field);
    let mut any = Vec::new();
    let mut listed = Vec::new();
    for value in values {
        match value {
            Scalar::Null => any.push(format!("{column} IS NULL")),
            Scalar::String(s) => listed.push(sql.text(s.as_str())),
            Scalar::Number(n) => match n.as_i64() {
                Some(millis) => listed.push(sql.int(millis)),
                None => any.push(FALSE.to_owned()),
            },
            Scalar::Bool(_) => any.push(FALSE.to_owned()),
        }
    }
    if !listed.is_empty() {
        any.push(format!("{column} IN ({})", listed.join(", ")));
    }
    format!("({})", any.join(" OR "))
}

fn range(sql: &mut Sql, field: &Field, op: RangeOp, value: &Ordered) -> String {
    let dialect = sql.dialect;
    let op = op.sql();
    match (field, value) {
        (Field::System(system), Ordered::Number(n)) => match n.as_i64() {
            Some(millis) => format!("({} {op} {})", column(*system), sql.int(millis)),
            None => FALSE.to_owned(),
        },
        (Field::System(system), Ordered::String(s)) => {
            let bound = sql.text(s.as_str());
            format!("({} {op} {bound})", column(*system))
        }
        (Field::Body(path), Ordered::Number(n)) => {
            let bound = sql.bind(dialect.number_value(n));
            let cast = dialect.jsonb_cast();
            format!(
                "({} AND {} {op} {bound}{cast})",
                dialect.is_number(path),
                dialect.value(path)
            )
        }
        (Field::Body(path), Ordered::String(s)) => {
            let bound = sql.text(s.as_str());
            format!(
                "({} AND {} {op} {bound})",
                dialect.is_string(path),
                dialect.string(path)
            )
        }
    }
}

/// A scalar as JSON text, for PostgreSQL's `::jsonb`.
fn scalar_json(value: &Scalar) -> String {
    match value {
        Scalar::Null => "null".to_owned(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Number(n) => n.to_string(),
        Scalar::String(s) => serde_json::Value::String(s.clone()).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wxbase_core::collections::parse_filter;

    use super::*;
    use crate::sql::SqlValue;

    fn compile(dialect: Dialect, filter: serde_json::Value) -> Sql {
        let filter = parse_filter(Some(&filter)).expect("valid filter");
        let mut sql = Sql::new(dialect);
        let text = condition(&mut sql, &filter);
        sql.text = text;
        sql
    }

    #[test]
    fn values_are_bound_never_written_into_the_sql() {
        let hostile = "x'); DROP TABLE documents;--";
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let sql = compile(dialect, json!({"title": hostile, "n": {"gt": 5}}));
            assert!(!sql.text.contains("DROP"), "{}", sql.text);
            assert!(sql
                .values
                .iter()
                .any(|v| matches!(v, SqlValue::Text(t) if t.contains("DROP"))));
        }
    }

    #[test]
    fn ne_is_the_negation_of_eq_and_empty_lists_are_constant() {
        let sql = compile(Dialect::Sqlite, json!({"a": {"ne": 1}}));
        assert!(sql.text.ends_with("IS NOT TRUE)"), "{}", sql.text);
        let sql = compile(Dialect::Postgres, json!({"a": {"in": []}}));
        assert_eq!(sql.text, FALSE);
        assert!(sql.values.is_empty());
    }
}
