//! A statement under construction: SQL text plus the values bound to its placeholders, written
//! for one [`Dialect`], and run as a [`Statement`]. Values always travel as bound parameters;
//! the only things written into the text are validated names and paths, through
//! [`Dialect::literal`].

use wxbase_core::collections::CollectionName;

use crate::sql::{Dialect, SqlValue, Statement};

impl Dialect {
    /// A SQL string literal. Callers pass only validated names and paths, which hold no quote;
    /// quotes are doubled anyway, so even a bug cannot end the literal early.
    pub fn literal(self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    /// `collection = '<name>'`: written out (not bound) so partial indexes on the collection
    /// can be used by both planners.
    pub fn in_collection(self, name: &CollectionName) -> String {
        format!("collection = {}", self.literal(name.as_str()))
    }
}

/// SQL text and its bound values.
#[derive(Debug, Clone)]
pub struct Sql {
    /// The dialect the text is written in.
    pub dialect: Dialect,
    /// The statement.
    pub text: String,
    /// The values of placeholders 1, 2, ...
    pub values: Vec<SqlValue>,
}

impl Sql {
    /// An empty statement.
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Binds a value and returns its placeholder, to use once or several times.
    pub fn bind(&mut self, value: SqlValue) -> String {
        self.values.push(value);
        match self.dialect {
            Dialect::Sqlite => format!("?{}", self.values.len()),
            Dialect::Postgres => format!("${}", self.values.len()),
        }
    }

    /// Binds text.
    pub fn text(&mut self, text: impl Into<String>) -> String {
        self.bind(SqlValue::Text(text.into()))
    }

    /// Binds an integer.
    pub fn int(&mut self, value: i64) -> String {
        self.bind(SqlValue::Int(value))
    }
}

impl From<Sql> for Statement<'static> {
    fn from(sql: Sql) -> Self {
        Statement::built(sql.dialect, sql.text, sql.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect_and_count_up() {
        let mut sqlite = Sql::new(Dialect::Sqlite);
        assert_eq!(sqlite.int(1), "?1");
        assert_eq!(sqlite.text("a"), "?2");
        let mut postgres = Sql::new(Dialect::Postgres);
        assert_eq!(postgres.int(1), "$1");
        assert_eq!(postgres.values, [SqlValue::Int(1)]);
    }

    #[test]
    fn literals_double_any_quote() {
        assert_eq!(Dialect::Sqlite.literal("it's"), "'it''s'");
    }
}
