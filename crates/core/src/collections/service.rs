//! The document use cases: create, get, replace, patch, delete, with permission modes,
//! body limits and schemas applied. Queries are in `read.rs`, collection management in
//! `manage.rs`.

use std::sync::Arc;

use serde_json::Value;

use super::collection::Collection;
use super::document::{Body, Document, DocumentLimits};
use super::error::CollectionError;
use super::id::{DocumentId, IdGenerator};
use super::name::CollectionName;
use super::patch::Patch;
use super::permission::{Action, Caller, Scope};
use super::schema::SchemaCache;
use super::store::{DocumentUpdate, NewDocument};
use crate::security::TextSecurity;
use crate::{Store, Timestamp};

/// How often a patch is tried when other writers keep changing the document in between.
const PATCH_ATTEMPTS: u32 = 32;

/// Collections and their documents, for users and admins.
pub struct CollectionService {
    pub(super) store: Arc<dyn Store>,
    pub(super) limits: DocumentLimits,
    pub(super) ids: IdGenerator,
    schemas: SchemaCache,
    pub(super) text_security: Option<Arc<TextSecurity>>,
}

impl CollectionService {
    /// A service over `store` with these document limits.
    pub fn new(store: Arc<dyn Store>, limits: DocumentLimits) -> Self {
        Self {
            store,
            limits,
            ids: IdGenerator::default(),
            schemas: SchemaCache::default(),
            text_security: None,
        }
    }

    /// The same service, checking moderated fields with `security`. Without it, a write to a
    /// collection with text moderation is handled as if WeChat could not be reached.
    pub fn with_text_security(mut self, security: Arc<TextSecurity>) -> Self {
        self.text_security = Some(security);
        self
    }

    /// The store this service uses.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The document limits in force.
    pub fn limits(&self) -> DocumentLimits {
        self.limits
    }

    /// The collection called `name`; an invalid name names no collection.
    pub async fn collection(&self, name: &str) -> Result<Collection, CollectionError> {
        let unknown = || CollectionError::UnknownCollection(name.chars().take(80).collect());
        let name = CollectionName::parse(name).map_err(|_| unknown())?;
        self.store.collection(&name).await?.ok_or_else(unknown)
    }

    /// The scope `caller` has for `action` in `collection`, or why it has none.
    pub(super) fn scope(
        collection: &Collection,
        caller: &Caller,
        action: Action,
    ) -> Result<Scope, CollectionError> {
        collection.permission.scope(caller, action).ok_or_else(|| {
            let what = match action {
                Action::Read => "read",
                Action::Create => "create",
                Action::Write => "change or delete",
            };
            CollectionError::Forbidden(format!(
                "collection {:?} is {}: users may not {what} its documents",
                collection.name.as_str(),
                collection.permission
            ))
        })
    }

    /// A validated body for `collection`: limits, then its schema.
    pub(super) fn body(
        &self,
        collection: &Collection,
        value: Value,
    ) -> Result<Body, CollectionError> {
        let body = Body::new(value, self.limits)?;
        if let Some(schema) = &collection.schema {
            self.schemas.validate(&collection.name, schema, &body)?;
        }
        Ok(body)
    }

    /// Creates a document owned by `caller`.
    pub async fn create(
        &self,
        caller: &Caller,
        name: &str,
        body: Value,
    ) -> Result<Document, CollectionError> {
        let collection = self.collection(name).await?;
        Self::scope(&collection, caller, Action::Create)?;
        let body = self.body(&collection, body)?;
        self.moderate(&collection, caller, body.fields(), None)
            .await?;
        let at = Timestamp::now();
        let new = NewDocument {
            id: self.ids.next_id(at),
            owner: caller.openid().cloned(),
            at,
            body,
        };
        if !self
            .store
            .insert_documents(&collection.name, std::slice::from_ref(&new))
            .await?
        {
            return Err(CollectionError::UnknownCollection(name.to_owned()));
        }
        Ok(Document {
            id: new.id,
            owner: new.owner,
            created_at: at,
            updated_at: at,
            version: 1,
            body: new.body.fields().clone(),
        })
    }

    /// The document `id`, if `caller` may read it.
    pub async fn get(
        &self,
        caller: &Caller,
        name: &str,
        id: &str,
    ) -> Result<Document, CollectionError> {
        let collection = self.collection(name).await?;
        let scope = Self::scope(&collection, caller, Action::Read)?;
        let id = Self::id(&collection, id)?;
        self.store
            .document(&collection.name, &id, &scope)
            .await?
            .ok_or_else(|| not_found(&collection, &id))
    }

    /// Replaces the body of document `id`.
    pub async fn replace(
        &self,
        caller: &Caller,
        name: &str,
        id: &str,
        body: Value,
    ) -> Result<Document, CollectionError> {
        let collection = self.collection(name).await?;
        let scope = Self::scope(&collection, caller, Action::Write)?;
        let id = Self::id(&collection, id)?;
        let body = self.body(&collection, body)?;
        if collection.moderation.is_some() {
            // A document the caller cannot change is refused before any check is paid for.
            let Some(before) = self.store.document(&collection.name, &id, &scope).await? else {
                return Err(self.unwritable(&collection, caller, &id).await);
            };
            self.moderate(&collection, caller, body.fields(), Some(&before.body))
                .await?;
        }
        let update = DocumentUpdate {
            body,
            at: Timestamp::now(),
            expected_version: None,
        };
        match self
            .store
            .update_document(&collection.name, &id, &scope, &update)
            .await?
        {
            Some(document) => Ok(document),
            None => Err(self.unwritable(&collection, caller, &id).await),
        }
    }

    /// Applies a `{"set", "unset", "inc"}` patch to document `id`. The result must pass the
    /// limits and the schema; it is written only over the version it was computed from.
    pub async fn patch(
        &self,
        caller: &Caller,
        name: &str,
        id: &str,
        patch: &Value,
    ) -> Result<Document, CollectionError> {
        let collection = self.collection(name).await?;
        let scope = Self::scope(&collection, caller, Action::Write)?;
        let id = Self::id(&collection, id)?;
        let patch = Patch::parse(patch)?;
        for attempt in 0..PATCH_ATTEMPTS {
            if attempt > 0 {
                // Lost a race: back off a random 0 to 2^n ms (n up to 5) so racers spread out.
                let ceiling = 1u64 << attempt.min(5);
                let pause = rand::random::<u64>() % (ceiling + 1);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            let Some(current) = self.store.document(&collection.name, &id, &scope).await? else {
                return Err(self.unwritable(&collection, caller, &id).await);
            };
            let body = self.body(&collection, patch.apply(&current.body)?)?;
            self.moderate(&collection, caller, body.fields(), Some(&current.body))
                .await?;
            let update = DocumentUpdate {
                body,
                at: Timestamp::now(),
                expected_version: Some(current.version),
            };
            if let Some(document) = self
                .store
                .update_document(&collection.name, &id, &scope, &update)
                .await?
            {
                return Ok(document);
            }
        }
        Err(CollectionError::Contended)
    }

    /// Deletes document `id`.
    pub async fn delete(
        &self,
        caller: &Caller,
        name: &str,
        id: &str,
    ) -> Result<(), CollectionError> {
        let collection = self.collection(name).await?;
        let scope = Self::scope(&collection, caller, Action::Write)?;
        let id = Self::id(&collection, id)?;
        if self
            .store
            .delete_document(&collection.name, &id, &scope)
            .await?
        {
            Ok(())
        } else {
            Err(self.unwritable(&collection, caller, &id).await)
        }
    }

    fn id(collection: &Collection, id: &str) -> Result<DocumentId, CollectionError> {
        DocumentId::parse(id).ok_or_else(|| {
            CollectionError::NotFound(format!(
                "collection {:?} has no document {:?}",
                collection.name.as_str(),
                id.chars().take(40).collect::<String>()
            ))
        })
    }

    /// Why a write found nothing: `forbidden` if the caller can see the document (so saying so
    /// leaks nothing), `not_found` otherwise.
    async fn unwritable(
        &self,
        collection: &Collection,
        caller: &Caller,
        id: &DocumentId,
    ) -> CollectionError {
        let readable = match Self::scope(collection, caller, Action::Read) {
            Ok(scope) => self.store.document(&collection.name, id, &scope).await,
            Err(_) => Ok(None),
        };
        match readable {
            Ok(Some(_)) => CollectionError::Forbidden(format!(
                "collection {:?} is {}: you may change or delete only documents you created",
                collection.name.as_str(),
                collection.permission
            )),
            Ok(None) => not_found(collection, id),
            Err(error) => error.into(),
        }
    }
}

fn not_found(collection: &Collection, id: &DocumentId) -> CollectionError {
    CollectionError::NotFound(format!(
        "collection {:?} has no document {id} that you can see",
        collection.name.as_str()
    ))
}
