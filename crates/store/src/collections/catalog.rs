//! SQL of the collection catalogue (`collections`, `collection_indexes`), shared by both
//! backends and written with `?N` placeholders (see `crate::sql::for_postgres`).

/// Creates a collection unless the name is taken (?1 name, ?2 permission, ?3 schema, ?4 now,
/// ?5 moderation).
pub const INSERT_COLLECTION: &str =
    "INSERT INTO collections (name, permission, schema, created_at, updated_at, moderation)
     VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (name) DO NOTHING";

/// One collection.
pub const SELECT_COLLECTION: &str =
    "SELECT name, permission, schema, created_at, updated_at, moderation FROM collections WHERE name = ?1";

/// Every collection.
pub const SELECT_COLLECTIONS: &str =
    "SELECT name, permission, schema, created_at, updated_at, moderation FROM collections ORDER BY name";

/// The indexed fields of one collection (?1), oldest first.
pub const SELECT_INDEXES: &str =
    "SELECT collection, field FROM collection_indexes WHERE collection = ?1 ORDER BY added_at, field";

/// Every indexed field, oldest first.
pub const SELECT_ALL_INDEXES: &str =
    "SELECT collection, field FROM collection_indexes ORDER BY added_at, field";

/// New permission mode (?1 name, ?2 mode, ?3 now).
pub const SET_PERMISSION: &str =
    "UPDATE collections SET permission = ?2, updated_at = ?3 WHERE name = ?1";

/// New schema or none (?1 name, ?2 schema, ?3 now).
pub const SET_SCHEMA: &str = "UPDATE collections SET schema = ?2, updated_at = ?3 WHERE name = ?1";

/// New text moderation or none (?1 name, ?2 moderation, ?3 now).
pub const SET_MODERATION: &str =
    "UPDATE collections SET moderation = ?2, updated_at = ?3 WHERE name = ?1";

/// Records an indexed field unless it is recorded (?1 collection, ?2 field, ?3 now).
pub const INSERT_INDEX: &str = "INSERT INTO collection_indexes (collection, field, added_at)
     VALUES (?1, ?2, ?3) ON CONFLICT (collection, field) DO NOTHING";

/// Forgets an indexed field (?1 collection, ?2 field).
pub const DELETE_INDEX: &str =
    "DELETE FROM collection_indexes WHERE collection = ?1 AND field = ?2";

/// Deletes a collection; its documents and index records go with it (?1 name).
pub const DELETE_COLLECTION: &str = "DELETE FROM collections WHERE name = ?1";
