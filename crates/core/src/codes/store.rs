//! What codes need from the database: stored scenes, and the file of each generated code.

use async_trait::async_trait;

use crate::collections::DocumentId;
use crate::{StoreError, Timestamp};

/// Storage of scenes and generated codes. Every method is atomic.
#[async_trait]
pub trait CodeStore: Send + Sync + 'static {
    /// Keeps `scene` under `id` (nothing changes if the id is kept already).
    async fn insert_scene(&self, id: &str, scene: &str, at: Timestamp) -> Result<(), StoreError>;

    /// The scene kept under `id`.
    async fn scene(&self, id: &str) -> Result<Option<String>, StoreError>;

    /// The file holding the code made for parameters hashing to `params_hash`.
    async fn code_file(&self, params_hash: &str) -> Result<Option<DocumentId>, StoreError>;

    /// Records (or replaces) the file holding the code for `params_hash`.
    async fn record_code_file(
        &self,
        params_hash: &str,
        file: &DocumentId,
        at: Timestamp,
    ) -> Result<(), StoreError>;
}
