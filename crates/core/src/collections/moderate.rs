//! Text moderation of document writes: the fields a collection has checked go to WeChat with
//! the writer's openid before anything is stored. Admins' writes are not checked (they have no
//! openid, and are trusted).

use serde_json::{Map, Value};
use wxbase_wechat::OpenId;

use super::collection::Collection;
use super::error::CollectionError;
use super::path::FieldPath;
use super::permission::Caller;
use super::service::CollectionService;
use crate::security::{Policy, Suggest, TextCheckError, TextModeration};

impl CollectionService {
    /// Checks the moderated fields of `body` written by `caller`. With `before` (a patch or a
    /// replace), only fields whose value changed are checked. `Ok` means the write may go on.
    pub(super) async fn moderate(
        &self,
        collection: &Collection,
        caller: &Caller,
        body: &Map<String, Value>,
        before: Option<&Map<String, Value>>,
    ) -> Result<(), CollectionError> {
        let (Some(settings), Caller::User(openid)) = (&collection.moderation, caller) else {
            return Ok(());
        };
        for field in &settings.fields {
            let value = value_at(body, field);
            if before.is_some_and(|before| value_at(before, field) == value) {
                continue;
            }
            for text in value.into_iter().flat_map(texts) {
                self.check_text(collection, settings, openid, field, text)
                    .await?;
            }
        }
        Ok(())
    }

    async fn check_text(
        &self,
        collection: &Collection,
        settings: &TextModeration,
        openid: &OpenId,
        field: &FieldPath,
        text: &str,
    ) -> Result<(), CollectionError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let unavailable = || CollectionError::ModerationUnavailable {
            collection: collection.name.to_string(),
            field: field.to_string(),
        };
        let checked = match &self.text_security {
            Some(security) => security.check(openid, settings.scene, text).await,
            None => return Err(unavailable()),
        };
        let verdict = match checked {
            Ok(verdict) => verdict,
            Err(TextCheckError::Empty) => return Ok(()),
            Err(TextCheckError::Upstream(error)) => {
                tracing::warn!(%error, collection = collection.name.as_str(), field = field.as_str(),
                    "WeChat could not check a moderated field");
                return match settings.unavailable {
                    Policy::Allow => Ok(()),
                    Policy::Refuse => Err(unavailable()),
                };
            }
        };
        let refused = match verdict.suggest {
            Suggest::Pass => false,
            Suggest::Review => settings.review == Policy::Refuse,
            Suggest::Risky => true,
        };
        if refused {
            return Err(CollectionError::ContentRisky {
                field: field.to_string(),
                verdict,
            });
        }
        Ok(())
    }
}

/// The value at `path` in `body`.
fn value_at<'a>(body: &'a Map<String, Value>, path: &FieldPath) -> Option<&'a Value> {
    let mut segments = path.segments();
    let first = segments.next()?;
    segments.try_fold(body.get(first)?, |value, key| value.get(key))
}

/// The text in a value: a string, or the strings of an array.
fn texts(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
