//! The typed query language: what `where`, `orderBy`, `limit`, `skip`, `fields` and `cursor`
//! parse into (see `parse`). Comparisons only ever match values of the same JSON type:
//! numbers with numbers, strings with strings (by Unicode code point), booleans and null only
//! with themselves; a value of another type, or a missing field, never matches (and so always
//! matches `ne` and `nin`, which are exactly "not eq" and "not in").

use serde_json::Number;

use super::cursor::Cursor;
use super::path::{Field, FieldPath};

/// Most documents one query returns.
pub const MAX_LIMIT: u32 = 100;
/// The page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest `skip`; page further with the cursor.
pub const MAX_SKIP: u64 = 10_000;
/// Most values in one `in` or `nin` list.
pub const MAX_IN_VALUES: usize = 100;
/// Most comparisons in one `where`.
pub const MAX_CONDITIONS: usize = 64;
/// Deepest nesting of `and` / `or`.
pub const MAX_NESTING: usize = 8;
/// Most `orderBy` terms.
pub const MAX_ORDER_TERMS: usize = 4;

/// A JSON value a query compares with: never an object or an array.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
}

/// A value that has an order: a number or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    /// Numbers compare with numbers.
    Number(Number),
    /// Strings compare with strings, by code point.
    String(String),
}

/// A range operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOp {
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
}

impl RangeOp {
    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Gte => ">=",
            Self::Lt => "<",
            Self::Lte => "<=",
        }
    }
}

/// One condition of a `where`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `eq` (or `ne` when `negated`): the field holds this value, of this type.
    Eq {
        /// The field.
        field: Field,
        /// The value.
        value: Scalar,
        /// `ne`: every document `eq` does not match.
        negated: bool,
    },
    /// `in` (or `nin` when `negated`): the field holds one of these values.
    In {
        /// The field.
        field: Field,
        /// The values (at most [`MAX_IN_VALUES`]; may be empty).
        values: Vec<Scalar>,
        /// `nin`: every document `in` does not match.
        negated: bool,
    },
    /// `gt`, `gte`, `lt`, `lte`: the field holds a value of the same type in that range.
    Range {
        /// The field.
        field: Field,
        /// The operator.
        op: RangeOp,
        /// The bound.
        value: Ordered,
    },
    /// `exists`: the body has (or has not) this field, whatever its value, `null` included.
    Exists {
        /// The field.
        field: FieldPath,
        /// Whether it must be there.
        exists: bool,
    },
    /// Every condition holds (an empty `And` matches everything).
    And(Vec<Condition>),
    /// At least one condition holds (an empty `Or` matches nothing).
    Or(Vec<Condition>),
}

/// Which way an `orderBy` term sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// One `orderBy` term. Body fields sort by type first (missing or null, then numbers, then
/// strings, then booleans, then objects and arrays, which tie), then by value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTerm {
    /// The field.
    pub field: Field,
    /// The direction.
    pub direction: Direction,
}

/// A parsed query. Results are sorted by the `order` terms, then by `_id` ascending, so the
/// order is total and a cursor resumes exactly after the last document of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The filter (`And(vec![])` when no `where` was given).
    pub filter: Condition,
    /// The sort, without the final `_id` tie-break.
    pub order: Vec<OrderTerm>,
    /// At most this many documents, 1 to [`MAX_LIMIT`].
    pub limit: u32,
    /// Documents to skip first (0 when a cursor is given).
    pub skip: u64,
    /// Fields to return (`_id` always comes back); `None` returns everything.
    pub fields: Option<Vec<Field>>,
    /// Resume after the document this cursor names.
    pub after: Option<Cursor>,
}

impl Query {
    /// `order` as text, e.g. `score desc, _id asc`; cursors carry it so that one made for
    /// another sort is refused.
    pub fn order_signature(order: &[OrderTerm]) -> String {
        order
            .iter()
            .map(|term| {
                let direction = match term.direction {
                    Direction::Asc => "asc",
                    Direction::Desc => "desc",
                };
                format!("{} {direction}", term.field.name())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
