//! Events: what happened in wxbase, as the JSON object `{type, id, occurredAt, data}` an
//! endpoint receives, with the subject it is ordered by (one user, one document, one file) and
//! the collection document events are filtered by. Every builder here is the one place an
//! event's `data` is shaped; none puts a session_key, token or secret in it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wxbase_wechat::OpenId;

use crate::collections::{CollectionName, Document, DocumentId};
use crate::files::StoredFile;
use crate::official_account::Follower;
use crate::{Timestamp, User};

/// Every event type an endpoint may subscribe to (`ping` is sent only by the test call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    /// A user logged in for the first time.
    #[serde(rename = "user.created")]
    UserCreated,
    /// A user logged in.
    #[serde(rename = "user.login")]
    UserLogin,
    /// A user shared their phone number.
    #[serde(rename = "user.phone_bound")]
    UserPhoneBound,
    /// A document was created.
    #[serde(rename = "document.created")]
    DocumentCreated,
    /// A document was changed (carries the document after the change).
    #[serde(rename = "document.updated")]
    DocumentUpdated,
    /// A document was deleted.
    #[serde(rename = "document.deleted")]
    DocumentDeleted,
    /// A user sent the mini-program a customer-service message.
    #[serde(rename = "message.received")]
    MessageReceived,
    /// A reply could not be sent, for good.
    #[serde(rename = "message.reply_failed")]
    MessageReplyFailed,
    /// Someone followed the official account.
    #[serde(rename = "follower.subscribed")]
    FollowerSubscribed,
    /// Someone unfollowed the official account.
    #[serde(rename = "follower.unsubscribed")]
    FollowerUnsubscribed,
    /// A file was uploaded.
    #[serde(rename = "file.uploaded")]
    FileUploaded,
    /// Content security checked a file.
    #[serde(rename = "file.moderated")]
    FileModerated,
    /// A user accepted or refused a subscribe message template.
    #[serde(rename = "subscription.changed")]
    SubscriptionChanged,
    /// The test call's event.
    #[serde(rename = "ping")]
    Ping,
}

impl EventType {
    /// Every type an endpoint may subscribe to, in catalogue order.
    pub const SUBSCRIBABLE: [EventType; 13] = [
        Self::UserCreated,
        Self::UserLogin,
        Self::UserPhoneBound,
        Self::DocumentCreated,
        Self::DocumentUpdated,
        Self::DocumentDeleted,
        Self::MessageReceived,
        Self::MessageReplyFailed,
        Self::FollowerSubscribed,
        Self::FollowerUnsubscribed,
        Self::FileUploaded,
        Self::FileModerated,
        Self::SubscriptionChanged,
    ];

    /// The type's name, as in `type` and in an endpoint's `events`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::UserLogin => "user.login",
            Self::UserPhoneBound => "user.phone_bound",
            Self::DocumentCreated => "document.created",
            Self::DocumentUpdated => "document.updated",
            Self::DocumentDeleted => "document.deleted",
            Self::MessageReceived => "message.received",
            Self::MessageReplyFailed => "message.reply_failed",
            Self::FollowerSubscribed => "follower.subscribed",
            Self::FollowerUnsubscribed => "follower.unsubscribed",
            Self::FileUploaded => "file.uploaded",
            Self::FileModerated => "file.moderated",
            Self::SubscriptionChanged => "subscription.changed",
            Self::Ping => "ping",
        }
    }

    /// The subscribable type named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::SUBSCRIBABLE
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Whether an endpoint's `collections` limit this type (the document events).
    pub fn is_per_collection(self) -> bool {
        matches!(
            self,
            Self::DocumentCreated | Self::DocumentUpdated | Self::DocumentDeleted
        )
    }
}

/// One event, ready to be fanned out to the endpoints subscribed to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its type.
    pub kind: EventType,
    /// Its id, the `webhook-id` of each delivery (`evt_` and 24 hex digits).
    pub id: String,
    /// What it is ordered by: deliveries of one subject reach an endpoint one at a time, in
    /// the order the events happened.
    pub subject: String,
    /// The collection of a document event; `None` for the others.
    pub collection: Option<String>,
    /// The body every delivery posts: `{type, id, occurredAt, data}` as compact JSON.
    pub payload: String,
}

impl Event {
    /// An event of `kind` about `subject` at `at` carrying `data`.
    pub fn new(kind: EventType, subject: String, at: Timestamp, data: Value) -> Self {
        let id = format!("evt_{}", hex::encode(rand::random::<[u8; 12]>()));
        let payload = json!({
            "type": kind.as_str(),
            "id": id,
            "occurredAt": at.to_rfc3339(),
            "data": data,
        })
        .to_string();
        Self {
            kind,
            id,
            subject,
            collection: None,
            payload,
        }
    }

    fn in_collection(mut self, collection: &CollectionName) -> Self {
        self.collection = Some(collection.as_str().to_owned());
        self
    }
}

fn document_subject(collection: &CollectionName, id: &DocumentId) -> String {
    format!("document:{collection}/{id}")
}

fn user_subject(openid: &OpenId) -> String {
    format!("user:{openid}")
}

/// `document.created`: the document as the API returns it.
pub fn document_created(collection: &CollectionName, document: &Document) -> Event {
    document_event(EventType::DocumentCreated, collection, document)
}

/// `document.updated`: the document after the change.
pub fn document_updated(collection: &CollectionName, document: &Document) -> Event {
    document_event(EventType::DocumentUpdated, collection, document)
}

fn document_event(kind: EventType, collection: &CollectionName, document: &Document) -> Event {
    Event::new(
        kind,
        document_subject(collection, &document.id),
        document.updated_at,
        json!({"collection": collection.as_str(), "document": document.to_json(None)}),
    )
    .in_collection(collection)
}

/// `document.deleted`: the collection and the id.
pub fn document_deleted(collection: &CollectionName, id: &DocumentId, at: Timestamp) -> Event {
    Event::new(
        EventType::DocumentDeleted,
        document_subject(collection, id),
        at,
        json!({"collection": collection.as_str(), "id": id.as_str()}),
    )
    .in_collection(collection)
}

/// The part of a user an event shows: ids and what the user shared, never the session_key.
fn user_data(user: &User) -> Value {
    json!({
        "openid": user.openid.as_str(),
        "unionid": user.unionid.as_ref().map(|u| u.as_str().to_owned()),
        "createdAt": user.created_at.to_rfc3339(),
    })
}

/// `user.created` (a first login) or `user.login` (any login).
pub fn user_logged_in(kind: EventType, user: &User, at: Timestamp) -> Event {
    Event::new(
        kind,
        user_subject(&user.openid),
        at,
        json!({"user": user_data(user)}),
    )
}

/// `user.phone_bound`: the user and the number they shared.
pub fn user_phone_bound(user: &User, at: Timestamp) -> Event {
    Event::new(
        EventType::UserPhoneBound,
        user_subject(&user.openid),
        at,
        json!({"user": user_data(user), "phone": user.phone}),
    )
}

/// `message.received`: a user's message, as recorded.
pub fn message_received(
    openid: &OpenId,
    message_id: i64,
    msg_type: &str,
    content: &Value,
    at: Timestamp,
) -> Event {
    Event::new(
        EventType::MessageReceived,
        user_subject(openid),
        at,
        json!({"openid": openid.as_str(), "messageId": message_id, "msgType": msg_type, "content": content}),
    )
}

/// `message.reply_failed`: a reply that will not be sent, and why.
pub fn message_reply_failed(
    openid: &OpenId,
    message_id: i64,
    errcode: Option<i64>,
    error: &str,
    at: Timestamp,
) -> Event {
    Event::new(
        EventType::MessageReplyFailed,
        user_subject(openid),
        at,
        json!({"openid": openid.as_str(), "messageId": message_id, "errcode": errcode, "error": error}),
    )
}

/// `follower.subscribed` or `follower.unsubscribed`, from the follower's row after the
/// change: the official account's openid, the unionid when known, and WeChat's time of it.
pub fn follower_changed(follower: &Follower) -> Event {
    let kind = if follower.following {
        EventType::FollowerSubscribed
    } else {
        EventType::FollowerUnsubscribed
    };
    Event::new(
        kind,
        format!("follower:{}", follower.openid),
        follower.changed_at,
        json!({
            "openid": follower.openid.as_str(),
            "unionid": follower.unionid.as_ref().map(|u| u.as_str().to_owned()),
            "following": follower.following,
        }),
    )
}

/// `file.uploaded`: the file's row (never its bytes, nor a signed URL).
pub fn file_uploaded(file: &StoredFile) -> Event {
    let data = json!({
        "id": file.id.as_str(),
        "name": file.name,
        "size": file.size,
        "contentType": file.content_type,
        "sha256": file.sha256,
        "owner": file.owner.as_ref().map(|o| o.as_str().to_owned()),
        "createdAt": file.created_at.to_rfc3339(),
    });
    file_event(
        EventType::FileUploaded,
        file.bucket.as_str(),
        file.id.as_str(),
        data,
        file.created_at,
    )
}

/// `file.moderated`: what content security decided about a file. The content security feature
/// calls this and records the event with the write that stores the decision.
pub fn file_moderated(bucket: &str, id: &str, moderation: Value, at: Timestamp) -> Event {
    file_event(EventType::FileModerated, bucket, id, moderation, at)
}

fn file_event(kind: EventType, bucket: &str, id: &str, data: Value, at: Timestamp) -> Event {
    Event::new(
        kind,
        format!("file:{bucket}/{id}"),
        at,
        json!({"bucket": bucket, "id": id, "file": data}),
    )
}

/// `subscription.changed`: a user's answer to a subscribe message template changed (WeChat's
/// popup or change event, or the mini-program's report); recorded with the grant's write.
pub fn subscription_changed(
    openid: &OpenId,
    template_id: &str,
    status: &str,
    at: Timestamp,
) -> Event {
    Event::new(
        EventType::SubscriptionChanged,
        user_subject(openid),
        at,
        json!({"openid": openid.as_str(), "templateId": template_id, "status": status}),
    )
}

/// The test call's event: sent at once, never stored.
pub fn ping(endpoint_id: i64, at: Timestamp) -> Event {
    Event::new(
        EventType::Ping,
        format!("endpoint:{endpoint_id}"),
        at,
        json!({"endpointId": endpoint_id}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subscribable_type_parses_back_from_its_name() {
        for kind in EventType::SUBSCRIBABLE {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventType::parse("ping"), None);
    }

    #[test]
    fn the_payload_is_type_id_occurred_at_and_data() {
        let event = ping(7, Timestamp::from_millis(0));
        let payload: Value = serde_json::from_str(&event.payload).expect("JSON");
        assert_eq!(payload["type"], "ping");
        assert_eq!(payload["id"], event.id.as_str());
        assert_eq!(payload["occurredAt"], "1970-01-01T00:00:00Z");
        assert_eq!(payload["data"]["endpointId"], 7);
        assert!(event.id.starts_with("evt_") && event.id.len() == 28);
    }
}
