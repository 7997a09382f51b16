//! The [`CodeStore`](wxbase_core::codes::CodeStore) statements, run on either backend: each
//! function is one trait method, given the pool it reads from or writes to.

use sqlx::Pool;
use wxbase_core::collections::DocumentId;
use wxbase_core::{StoreError, Timestamp};

use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::corrupt;
use crate::sql::Statement;

/// Keeps `scene` under `id` unless the id is kept.
pub async fn insert_scene<DB: Backend>(
    writer: &Pool<DB>,
    id: &str,
    scene: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    Statement::new(sql::INSERT_SCENE)
        .bind(id)
        .bind(scene)
        .bind(at.as_millis())
        .execute(writer)
        .await?;
    Ok(())
}

/// The scene kept under `id`.
pub async fn scene<DB: Backend>(reader: &Pool<DB>, id: &str) -> Result<Option<String>, StoreError> {
    let row = Statement::new(sql::SELECT_SCENE)
        .bind(id)
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(|row| row.read(0)).transpose()
}

/// The file of the code for `params_hash`.
pub async fn code_file<DB: Backend>(
    reader: &Pool<DB>,
    params_hash: &str,
) -> Result<Option<DocumentId>, StoreError> {
    let row = Statement::new(sql::SELECT_CODE_FILE)
        .bind(params_hash)
        .fetch_optional(reader)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: String = row.read(0)?;
    DocumentId::parse(&id)
        .map(Some)
        .ok_or_else(|| corrupt("wxacodes.file_id", &id))
}

/// Records or replaces the file of the code for `params_hash`.
pub async fn record_code_file<DB: Backend>(
    writer: &Pool<DB>,
    params_hash: &str,
    file: &DocumentId,
    at: Timestamp,
) -> Result<(), StoreError> {
    Statement::new(sql::UPSERT_CODE_FILE)
        .bind(params_hash)
        .bind(file.as_str())
        .bind(at.as_millis())
        .execute(writer)
        .await?;
    Ok(())
}
