//! Where file bytes live: a local directory or S3-compatible object storage, both behind
//! `object_store`'s one interface. A file's bytes are at `blobs/<id>`, its thumbnails at
//! `thumbs/<id>/<size>`.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::ObjectStore;
use wxbase_wechat::Secret;

use crate::collections::DocumentId;

/// S3-compatible storage, shared by several instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The endpoint URL (empty: AWS's for the region).
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The access key id.
    pub access_key_id: Option<String>,
    /// The secret access key.
    pub secret_access_key: Option<Secret>,
    /// Path-style URLs (`endpoint/bucket/key`), as MinIO and most self-hosted servers want.
    pub path_style: bool,
}

/// Where file bytes are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageSettings {
    /// A local directory, created if missing.
    Local(PathBuf),
    /// S3-compatible object storage.
    S3(S3Settings),
}

/// Opens the configured storage.
pub fn open(settings: &StorageSettings) -> Result<Arc<dyn ObjectStore>, object_store::Error> {
    match settings {
        StorageSettings::Local(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(source),
            })?;
            Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?))
        }
        StorageSettings::S3(s3) => {
            let mut builder = AmazonS3Builder::new()
                .with_bucket_name(&s3.bucket)
                .with_region(&s3.region)
                .with_virtual_hosted_style_request(!s3.path_style);
            if let Some(endpoint) = &s3.endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"));
            }
            if let Some(key) = &s3.access_key_id {
                builder = builder.with_access_key_id(key);
            }
            if let Some(secret) = &s3.secret_access_key {
                builder = builder.with_secret_access_key(secret.expose());
            }
            Ok(Arc::new(builder.build()?))
        }
    }
}

/// Where a file's bytes are.
pub fn blob_path(id: &DocumentId) -> Path {
    Path::from(format!("blobs/{id}"))
}

/// Where a file's thumbnails are.
pub fn thumbs_prefix(id: &DocumentId) -> Path {
    Path::from(format!("thumbs/{id}"))
}
