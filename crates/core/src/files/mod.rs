//! Files: buckets of uploaded files with the collections' permission modes, bytes kept in a
//! local directory or S3-compatible storage ([`storage`]), rows kept by the [`FileStore`].
//! [`FileService`] streams uploads to storage while sniffing their type, signs download URLs
//! and makes thumbnails. [`UploadForm`] reads the multipart upload form from any byte stream
//! and [`Intake`] checks the file's bytes without I/O: together what the fuzz target
//! `file_upload` drives. [`moderation`] sends images and audio of moderated buckets to WeChat's
//! asynchronous check and records its verdicts.

mod bucket;
mod error;
mod form;
mod intake;
pub mod moderation;
mod service;
mod signing;
pub mod storage;
mod store;
mod thumbs;
mod upload;

pub use bucket::{Bucket, BucketName, TypeRule};
pub use error::FileError;
pub use form::{FormPart, UploadForm, MAX_FIELD_BYTES};
pub use intake::{Intake, SNIFF_BYTES};
pub use moderation::{
    BucketModeration, Decision, MediaCheckOutcome, MediaChecker, Moderation, ModerationSettings,
    ModerationStatus, TimeoutPolicy, VerdictSource,
};
pub use service::{Download, FileService, FileSettings, ListedFiles};
pub use signing::UrlSigner;
pub use storage::{S3Settings, StorageSettings};
pub use store::{FileStore, StoredFile};
pub use thumbs::ThumbSize;
pub use upload::Upload;
