//! Why a file or bucket call failed; the server maps each variant to one envelope code.

use crate::StoreError;

/// A failed file or bucket call.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No bucket has this name.
    #[error("there is no bucket {0:?}")]
    UnknownBucket(String),
    /// An admin tried to create a bucket that exists.
    #[error("bucket {0:?} already exists")]
    BucketExists(String),
    /// The bucket's permission mode denies this call to the caller.
    #[error("{0}")]
    Forbidden(String),
    /// No such file, or the caller may not see it.
    #[error("{0}")]
    NotFound(String),
    /// The request is invalid; the text says why.
    #[error("{0}")]
    BadRequest(String),
    /// The file is larger than the bucket's or `files.max_upload_bytes`.
    #[error("the file is larger than the limit of {limit} bytes ({which})")]
    TooLarge {
        /// The limit.
        limit: u64,
        /// Which setting set it.
        which: &'static str,
    },
    /// The bucket does not take files of this type.
    #[error(
        "bucket {bucket:?} does not accept files of type {content_type} (it accepts {accepted})"
    )]
    UnsupportedType {
        /// The bucket.
        bucket: String,
        /// The type read from the file's bytes.
        content_type: String,
        /// The bucket's types.
        accepted: String,
    },
    /// A signed URL whose signature is wrong or whose time is up.
    #[error("the URL's signature is invalid or it has expired: ask for a new URL")]
    BadSignature,
    /// The bytes could not be stored or read.
    #[error("file storage failed")]
    Storage(#[source] object_store::Error),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<object_store::Error> for FileError {
    fn from(error: object_store::Error) -> Self {
        Self::Storage(error)
    }
}
