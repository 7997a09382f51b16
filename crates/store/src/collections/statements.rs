//! The document statements, built for one dialect. The collection name and index names are
//! validated and written as literals; ids, owners, bodies and query values are bound.

use wxbase_core::collections::{
    index_name, CollectionName, Condition, DocumentId, DocumentUpdate, FieldPath, NewDocument,
    Query, Scope,
};

use super::filter::condition;
use super::order::{after, order_by};
use super::sql::Sql;
use crate::sql::{Dialect, SqlValue};

/// Rows inserted per `INSERT` statement.
pub const INSERT_CHUNK: usize = 100;

/// The columns `document_from_row` reads.
fn columns(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "id, owner, created_at, updated_at, version, body",
        Dialect::Postgres => "id, owner, created_at, updated_at, version, body::text AS body",
    }
}

/// `WHERE collection = '..' AND id = ..` plus the scope.
fn where_id(sql: &mut Sql, collection: &CollectionName, id: &DocumentId, scope: &Scope) -> String {
    let id = sql.text(id.as_str());
    format!(
        "WHERE {} AND id = {id}{}",
        sql.dialect.in_collection(collection),
        scope_filter(sql, scope)
    )
}

/// The permission scope as a filter: nothing for all documents, the owner otherwise.
fn scope_filter(sql: &mut Sql, scope: &Scope) -> String {
    match scope {
        Scope::All => String::new(),
        Scope::OwnedBy(openid) => format!(" AND owner = {}", sql.text(openid.as_str())),
    }
}

/// One document, if in scope.
pub fn select_one(
    dialect: Dialect,
    collection: &CollectionName,
    id: &DocumentId,
    scope: &Scope,
) -> Sql {
    let mut sql = Sql::new(dialect);
    let filter = where_id(&mut sql, collection, id, scope);
    sql.text = format!("SELECT {} FROM documents {filter}", columns(dialect));
    sql
}

/// The `WHERE` of a query or count: collection, scope, filter.
fn where_filter(
    sql: &mut Sql,
    collection: &CollectionName,
    filter: &Condition,
    scope: &Scope,
) -> String {
    let scope = scope_filter(sql, scope);
    let filter = condition(sql, filter);
    format!(
        "WHERE {}{scope} AND {filter}",
        sql.dialect.in_collection(collection)
    )
}

/// One page of a query.
pub fn select_page(
    dialect: Dialect,
    collection: &CollectionName,
    query: &Query,
    scope: &Scope,
) -> Sql {
    let mut sql = Sql::new(dialect);
    let mut filter = where_filter(&mut sql, collection, &query.filter, scope);
    if let Some(cursor) = &query.after {
        filter.push_str(&format!(" AND {}", after(&mut sql, &query.order, cursor)));
    }
    let limit = sql.int(i64::from(query.limit));
    let skip = sql.int(i64::try_from(query.skip).unwrap_or(i64::MAX));
    sql.text = format!(
        "SELECT {} FROM documents {filter} ORDER BY {} LIMIT {limit} OFFSET {skip}",
        columns(dialect),
        order_by(&sql, &query.order)
    );
    sql
}

/// How many documents match.
pub fn count(
    dialect: Dialect,
    collection: &CollectionName,
    filter: &Condition,
    scope: &Scope,
) -> Sql {
    let mut sql = Sql::new(dialect);
    let filter = where_filter(&mut sql, collection, filter, scope);
    sql.text = format!("SELECT COUNT(*) FROM documents {filter}");
    sql
}

/// Writes a new body, returning the row.
pub fn update(
    dialect: Dialect,
    collection: &CollectionName,
    id: &DocumentId,
    scope: &Scope,
    update: &DocumentUpdate,
) -> Sql {
    let mut sql = Sql::new(dialect);
    let body = sql.text(update.body.json());
    let at = sql.int(update.at.as_millis());
    let mut filter = where_id(&mut sql, collection, id, scope);
    if let Some(version) = update.expected_version {
        filter.push_str(&format!(" AND version = {}", sql.int(version)));
    }
    sql.text = format!(
        "UPDATE documents SET body = {body}{}, updated_at = {at}, version = version + 1 {filter} RETURNING {}",
        dialect.jsonb_cast(),
        columns(dialect)
    );
    sql
}

/// Deletes one document, if in scope.
pub fn delete(
    dialect: Dialect,
    collection: &CollectionName,
    id: &DocumentId,
    scope: &Scope,
) -> Sql {
    let mut sql = Sql::new(dialect);
    let filter = where_id(&mut sql, collection, id, scope);
    sql.text = format!("DELETE FROM documents {filter}");
    sql
}

/// Inserts up to [`INSERT_CHUNK`] documents in one statement.
pub fn insert(dialect: Dialect, collection: &CollectionName, documents: &[NewDocument]) -> Sql {
    let mut sql = Sql::new(dialect);
    let rows: Vec<String> = documents
        .iter()
        .map(|document| {
            let placeholders = [
                sql.text(collection.as_str()),
                sql.text(document.id.as_str()),
                sql.bind(SqlValue::OptText(
                    document.owner.as_ref().map(ToString::to_string),
                )),
                sql.int(document.at.as_millis()),
                format!("{}{}", sql.text(document.body.json()), dialect.jsonb_cast()),
            ];
            let [collection, id, owner, at, body] = placeholders;
            format!("({collection}, {id}, {owner}, {at}, {at}, 1, {body})")
        })
        .collect();
    sql.text = format!(
        "INSERT INTO documents (collection, id, owner, created_at, updated_at, version, body) VALUES {}",
        rows.join(", ")
    );
    sql
}

/// The SQLite DDL that indexes a field of one collection, inside a transaction: a partial
/// expression index on exactly the expression queries compare. (PostgreSQL builds its indexes
/// with [`create_index_concurrently`].)
pub fn create_index(collection: &CollectionName, field: &FieldPath) -> String {
    let dialect = Dialect::Sqlite;
    format!(
        "CREATE INDEX IF NOT EXISTS {} ON documents ({}) WHERE {}",
        index_name(collection, field),
        dialect.value(field),
        dialect.in_collection(collection)
    )
}

/// The PostgreSQL DDL that indexes a field without blocking writes to `documents`: drop a
/// leftover of an earlier failed build (an invalid index), build concurrently, add expression
/// statistics (PostgreSQL 14+: its planner ignores the statistics of partial expression
/// indexes, and without them it guesses 0.5% for any `eq`, often walking `_id` order instead of
/// using the index). Each statement must run on its own, outside a transaction.
pub fn create_index_concurrently(collection: &CollectionName, field: &FieldPath) -> Vec<String> {
    let dialect = Dialect::Postgres;
    let name = index_name(collection, field);
    let expression = dialect.value(field);
    vec![
        format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"),
        format!(
            "CREATE INDEX CONCURRENTLY {name} ON documents ({expression}) WHERE {}",
            dialect.in_collection(collection)
        ),
        format!("CREATE STATISTICS IF NOT EXISTS {name}_st ON ({expression}) FROM documents"),
    ]
}

/// The PostgreSQL DDL that drops a field's index without blocking writes to `documents`, and
/// its statistics. Each statement must run on its own, outside a transaction.
pub fn drop_index_concurrently(collection: &CollectionName, field: &FieldPath) -> Vec<String> {
    let name = index_name(collection, field);
    vec![
        format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"),
        format!("DROP STATISTICS IF EXISTS {name}_st"),
    ]
}

/// Refreshes the planner's statistics after an index is built. SQLite needs them to pick a
/// field's index over walking the collection in `_id` order.
pub const ANALYZE: &str = "ANALYZE documents";

/// The DDL that drops a field's index (and its statistics).
pub fn drop_index(dialect: Dialect, collection: &CollectionName, field: &FieldPath) -> Vec<String> {
    let name = index_name(collection, field);
    let mut ddl = vec![format!("DROP INDEX IF EXISTS {name}")];
    if dialect == Dialect::Postgres {
        ddl.push(format!("DROP STATISTICS IF EXISTS {name}_st"));
    }
    ddl
}
