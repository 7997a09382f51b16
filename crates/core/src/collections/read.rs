//! Queries and counts: the caller's read scope joins the filter inside the store's SQL.

use serde_json::Value;

use super::cursor::Cursor;
use super::error::CollectionError;
use super::parse::{parse_count, parse_query};
use super::permission::{Action, Caller};
use super::service::CollectionService;

/// One page of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The documents as clients see them (projected to `fields` if given).
    pub documents: Vec<Value>,
    /// Where the next page starts; `None` when this page was not full.
    pub cursor: Option<String>,
}

impl CollectionService {
    /// Runs a `/query` request (`{"where", "orderBy", "limit", "skip", "fields", "cursor"}`).
    pub async fn query(
        &self,
        caller: &Caller,
        name: &str,
        request: &Value,
    ) -> Result<Page, CollectionError> {
        let collection = self.collection(name).await?;
        let scope = Self::scope(&collection, caller, Action::Read)?;
        let query = parse_query(request)?;
        let found = self
            .store
            .query_documents(&collection.name, &query, &scope)
            .await?;
        let full = found.len() >= usize::try_from(query.limit).unwrap_or(usize::MAX);
        let cursor = found
            .last()
            .filter(|_| full)
            .map(|last| Cursor::after(last, &query.order).encode());
        Ok(Page {
            documents: found
                .iter()
                .map(|document| document.to_json(query.fields.as_deref()))
                .collect(),
            cursor,
        })
    }

    /// Runs a `/count` request (`{"where"}`): how many documents the caller can see match.
    pub async fn count(
        &self,
        caller: &Caller,
        name: &str,
        request: &Value,
    ) -> Result<u64, CollectionError> {
        let collection = self.collection(name).await?;
        let scope = Self::scope(&collection, caller, Action::Read)?;
        let filter = parse_count(request)?;
        Ok(self
            .store
            .count_documents(&collection.name, &filter, &scope)
            .await?)
    }
}
