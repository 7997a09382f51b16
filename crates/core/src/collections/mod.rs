//! Data collections: JSON documents with per-user permission modes, optional JSON Schemas and
//! field indexes, queried with a small typed language. The storage interface is
//! [`CollectionStore`]; permission modes become a [`Scope`] that the store puts in its SQL.

mod collection;
mod cursor;
mod document;
mod error;
pub mod extjson;
mod id;
mod import;
mod manage;
mod moderate;
mod name;
mod parse;
mod patch;
mod path;
mod permission;
mod query;
mod read;
mod schema;
mod service;
mod store;

pub use collection::{Collection, CollectionChange};
pub use cursor::{Cursor, JsonSortKey, SortValue};
pub use document::{Body, Document, DocumentLimits};
pub use error::CollectionError;
pub use id::{DocumentId, IdGenerator};
pub use manage::{parse_permission, NewCollection};
pub use name::{CollectionName, InvalidName};
pub use parse::{parse_count, parse_filter, parse_query};
pub use patch::Patch;
pub use path::{Field, FieldPath, InvalidPath, SystemField};
pub use permission::{Action, Caller, PermissionMode, Scope};
pub use query::{Condition, Direction, OrderTerm, Ordered, Query, RangeOp, Scalar, MAX_LIMIT};
pub use read::Page;
pub use service::CollectionService;
pub use store::{index_name, CollectionStore, DocumentUpdate, NewDocument};
