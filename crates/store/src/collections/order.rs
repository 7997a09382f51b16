//! `ORDER BY` and the keyset condition of a cursor. Each body field sorts by three keys (type
//! rank, number, string; see `JsonSortKey`), each system field by its column, and `_id` breaks
//! ties, so the order is total and "after the cursor" is exact.

use wxbase_core::collections::{Cursor, Direction, Field, OrderTerm, SortValue, SystemField};

use super::filter::column;
use super::sql::Sql;
use crate::sql::SqlValue;

/// One sort key: an SQL expression and its direction.
struct Key {
    expression: String,
    direction: Direction,
}

/// The sort keys of `order`, ending with `_id` (unless `_id` is already a term: nothing after
/// it can matter).
fn keys(sql: &Sql, order: &[OrderTerm]) -> Vec<Key> {
    let mut keys = Vec::new();
    for term in order {
        let direction = term.direction;
        match &term.field {
            Field::Body(path) => keys.extend(sql.dialect.sort_keys(path).into_iter().map(
                |expression| Key {
                    expression,
                    direction,
                },
            )),
            Field::System(SystemField::OpenId) => keys.push(Key {
                expression: "COALESCE(owner, '')".to_owned(),
                direction,
            }),
            Field::System(system) => keys.push(Key {
                expression: column(*system).to_owned(),
                direction,
            }),
        }
        if term.field == Field::System(SystemField::Id) {
            return keys;
        }
    }
    keys.push(Key {
        expression: "id".to_owned(),
        direction: Direction::Asc,
    });
    keys
}

/// The `ORDER BY` list.
pub fn order_by(sql: &Sql, order: &[OrderTerm]) -> String {
    keys(sql, order)
        .iter()
        .map(|key| match key.direction {
            Direction::Asc => format!("{} ASC", key.expression),
            Direction::Desc => format!("{} DESC", key.expression),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows strictly after `cursor` in `order`:
/// `k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`, with `<` for descending keys.
pub fn after(sql: &mut Sql, order: &[OrderTerm], cursor: &Cursor) -> String {
    let keys = keys(sql, order);
    let mut bounds = Vec::new();
    for (term, value) in order.iter().zip(&cursor.keys) {
        match value {
            SortValue::Json(key) => {
                bounds.push(sql.int(i64::from(key.rank)));
                let (number, cast) = sql.dialect.sort_number(&key.number);
                let placeholder = sql.bind(number);
                bounds.push(format!("{placeholder}{cast}"));
                bounds.push(sql.text(key.text.as_str()));
            }
            SortValue::Text(text) => bounds.push(sql.text(text.as_str())),
            SortValue::Millis(millis) => bounds.push(sql.bind(SqlValue::Int(*millis))),
        }
        if term.field == Field::System(SystemField::Id) {
            break;
        }
    }
    if bounds.len() < keys.len() {
        bounds.push(sql.text(cursor.id.as_str()));
    }
    let mut alternatives = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let Some(bound) = bounds.get(i) else {
            break;
        };
        let mut all: Vec<String> = keys[..i]
            .iter()
            .zip(&bounds)
            .map(|(earlier, value)| format!("{} = {value}", earlier.expression))
            .collect();
        let op = match key.direction {
            Direction::Asc => ">",
            Direction::Desc => "<",
        };
        all.push(format!("{} {op} {bound}", key.expression));
        alternatives.push(format!("({})", all.join(" AND ")));
    }
    format!("({})", alternatives.join(" OR "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wxbase_core::collections::{parse_query, Document, DocumentId};
    use wxbase_core::Timestamp;

    use super::*;
    use crate::sql::Dialect;

    #[test]
    fn a_cursor_resumes_after_its_keys_in_their_directions() {
        let query = parse_query(&json!({"orderBy": [["_createdAt", "desc"]]})).expect("query");
        let document = Document {
            id: DocumentId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").expect("id"),
            owner: None,
            created_at: Timestamp::from_millis(42),
            updated_at: Timestamp::from_millis(42),
            version: 1,
            body: serde_json::Map::new(),
        };
        let cursor = Cursor::after(&document, &query.order);
        let mut sql = Sql::new(Dialect::Sqlite);
        assert_eq!(
            after(&mut sql, &query.order, &cursor),
            "((created_at < ?1) OR (created_at = ?1 AND id > ?2))"
        );
        assert_eq!(order_by(&sql, &query.order), "created_at DESC, id ASC");
        assert_eq!(
            sql.values,
            [
                SqlValue::Int(42),
                SqlValue::Text("01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned())
            ]
        );
    }
}
