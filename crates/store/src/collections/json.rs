//! SQL expressions over a document's JSON body, per dialect. A validated [`FieldPath`] holds
//! no quote, backslash or control character, so it is written as a quoted key literal: the
//! same text in queries and in `CREATE INDEX`, which is what lets the planners use an index.

use serde_json::Number;
use wxbase_core::collections::FieldPath;

use crate::sql::{Dialect, SqlValue};

impl Dialect {
    /// SQLite's JSON path, `'$."a"."b"'`.
    fn sqlite_path(self, path: &FieldPath) -> String {
        let dotted: String = path.segments().map(|key| format!(".\"{key}\"")).collect();
        self.literal(&format!("${dotted}"))
    }

    /// PostgreSQL's key chain, `body -> 'a' -> 'b'`, with the last arrow given.
    fn postgres_chain(self, path: &FieldPath, last_arrow: &str) -> String {
        let keys: Vec<String> = path.segments().map(|key| self.literal(key)).collect();
        let mut chain = String::from("body");
        for (i, key) in keys.iter().enumerate() {
            let arrow = if i + 1 == keys.len() {
                last_arrow
            } else {
                "->"
            };
            chain.push_str(&format!(" {arrow} {key}"));
        }
        format!("({chain})")
    }

    /// The field's value: an SQL scalar on SQLite (`json_extract`), `jsonb` on PostgreSQL.
    /// Indexes are built on exactly this expression.
    pub fn value(self, path: &FieldPath) -> String {
        match self {
            Self::Sqlite => format!("json_extract(body, {})", self.sqlite_path(path)),
            Self::Postgres => self.postgres_chain(path, "->"),
        }
    }

    /// The field's JSON type name, NULL when it is missing. SQLite says `integer`, `real`,
    /// `text`, `true`, `false`, `null`, `object`, `array`; PostgreSQL says `number`, `string`,
    /// `boolean`, `null`, `object`, `array`.
    pub fn kind(self, path: &FieldPath) -> String {
        match self {
            Self::Sqlite => format!("json_type(body, {})", self.sqlite_path(path)),
            Self::Postgres => format!("jsonb_typeof({})", self.value(path)),
        }
    }

    /// The field as text, for comparing strings by code point.
    pub fn string(self, path: &FieldPath) -> String {
        match self {
            Self::Sqlite => self.value(path),
            Self::Postgres => format!("{} COLLATE \"C\"", self.postgres_chain(path, "->>")),
        }
    }

    /// `kind IN (...)` for numbers.
    pub fn is_number(self, path: &FieldPath) -> String {
        match self {
            // The unary `+` keeps SQLite's planner from weighing this `IN` against indexes;
            // without it, it prefers scanning the collection over the field's index.
            Self::Sqlite => format!("+{} IN ('integer', 'real')", self.kind(path)),
            Self::Postgres => format!("{} = 'number'", self.kind(path)),
        }
    }

    /// `kind = ...` for strings.
    pub fn is_string(self, path: &FieldPath) -> String {
        match self {
            Self::Sqlite => format!("{} = 'text'", self.kind(path)),
            Self::Postgres => format!("{} = 'string'", self.kind(path)),
        }
    }

    /// A number to compare with [`Dialect::value`]: an SQL number on SQLite, `jsonb` on
    /// PostgreSQL (bound as JSON text and cast where used).
    pub fn number_value(self, number: &Number) -> SqlValue {
        match self {
            Self::Sqlite => match number.as_i64() {
                Some(int) => SqlValue::Int(int),
                None => SqlValue::Float(number.as_f64().unwrap_or_default()),
            },
            Self::Postgres => SqlValue::Text(number.to_string()),
        }
    }

    /// The cast a bound JSON value needs: `::jsonb` on PostgreSQL.
    pub fn jsonb_cast(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => "::jsonb",
        }
    }

    /// Sort keys of a body field: type rank, number, string (see `JsonSortKey`).
    pub fn sort_keys(self, path: &FieldPath) -> [String; 3] {
        let kind = self.kind(path);
        let value = self.value(path);
        match self {
            Self::Sqlite => [
                format!("CASE {kind} WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 \
                         WHEN 'true' THEN 3 WHEN 'false' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END"),
                format!("CASE {kind} WHEN 'integer' THEN {value} WHEN 'real' THEN {value} WHEN 'true' THEN 1 ELSE 0 END"),
                format!("CASE {kind} WHEN 'text' THEN {value} ELSE '' END"),
            ],
            Self::Postgres => [
                format!("CASE {kind} WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'boolean' THEN 3 \
                         WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END"),
                format!("CASE {kind} WHEN 'number' THEN ({value})::numeric \
                         WHEN 'boolean' THEN CASE WHEN {value} = 'true'::jsonb THEN 1 ELSE 0 END ELSE 0 END"),
                format!("(CASE {kind} WHEN 'string' THEN {} ELSE '' END) COLLATE \"C\"",
                    self.postgres_chain(path, "->>")),
            ],
        }
    }

    /// The bound form of a sort key's number: an SQL number, or text cast to `numeric`.
    pub fn sort_number(self, number: &Number) -> (SqlValue, &'static str) {
        match self {
            Self::Sqlite => (self.number_value(number), ""),
            Self::Postgres => (SqlValue::Text(number.to_string()), "::numeric"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).expect("path")
    }

    #[test]
    fn nested_paths_become_quoted_keys() {
        assert_eq!(
            Dialect::Sqlite.value(&path("a.标题")),
            r#"json_extract(body, '$."a"."标题"')"#
        );
        assert_eq!(
            Dialect::Postgres.value(&path("a.b")),
            "(body -> 'a' -> 'b')"
        );
        assert_eq!(
            Dialect::Postgres.string(&path("a.b")),
            "(body -> 'a' ->> 'b') COLLATE \"C\""
        );
    }
}
