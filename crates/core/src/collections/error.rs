//! Why a collection or document call failed; the server maps each variant to one envelope code.

use crate::security::Verdict;
use crate::StoreError;

/// A failed collection or document call.
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    /// No collection has this name (or the name is not a valid one).
    #[error("there is no collection {0:?}")]
    UnknownCollection(String),
    /// An admin tried to create a collection that exists.
    #[error("collection {0:?} already exists")]
    CollectionExists(String),
    /// The collection's permission mode denies this action to the caller.
    #[error("{0}")]
    Forbidden(String),
    /// No such document, or the caller may not see it.
    #[error("{0}")]
    NotFound(String),
    /// The document does not match the collection's JSON Schema.
    #[error("the document does not match the collection's schema at {field}: {message}")]
    SchemaViolation {
        /// The offending field as a dotted path (`(document)` for the body itself).
        field: String,
        /// What the schema requires.
        message: String,
    },
    /// The query cannot be run; the text says what is wrong with it.
    #[error("bad query: {0}")]
    BadQuery(String),
    /// The request is invalid; the text says why.
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than `collections.max_document_bytes`.
    #[error("the document is {size} bytes of JSON, more than the limit of {limit} (collections.max_document_bytes)")]
    DocumentTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body nests objects and arrays deeper than `collections.max_depth`.
    #[error(
        "the document nests objects and arrays deeper than {limit} levels (collections.max_depth)"
    )]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// WeChat's text check found a moderated field unfit to publish; nothing was written.
    #[error("WeChat's content check refused field {field:?} ({}, label {}): nothing was stored", verdict.suggest.as_str(), verdict.label)]
    ContentRisky {
        /// The field, as a dotted path.
        field: String,
        /// WeChat's verdict.
        verdict: Verdict,
    },
    /// WeChat could not check a moderated field and the collection refuses unchecked writes.
    #[error("WeChat could not check field {field:?}, and collection {collection:?} refuses unchecked writes (moderation.unavailable): nothing was stored, try again shortly")]
    ModerationUnavailable {
        /// The collection.
        collection: String,
        /// The field.
        field: String,
    },
    /// Concurrent writers kept changing the document; nothing was written.
    #[error("the document kept changing during the update: nothing was written, try again")]
    Contended,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
