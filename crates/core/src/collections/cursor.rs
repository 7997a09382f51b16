//! Paging cursors. A cursor holds the sort key of the last document of a page and its `_id`;
//! the next page starts strictly after that key (keyset paging), so documents inserted or
//! deleted meanwhile never make a page skip or repeat one that was there all along.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use super::document::Document;
use super::error::CollectionError;
use super::id::DocumentId;
use super::path::{Field, SystemField};
use super::query::{OrderTerm, Query};

/// Where a value of a body field sorts: its type's rank, then a number, then a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSortKey {
    /// 0 missing or null, 1 number, 2 string, 3 boolean, 4 object or array.
    pub rank: u8,
    /// The number (booleans: 0 or 1), otherwise 0.
    pub number: Number,
    /// The string, otherwise empty.
    pub text: String,
}

impl JsonSortKey {
    /// The sort key of a value (`None`: the field is missing).
    pub fn of(value: Option<&Value>) -> Self {
        let key = |rank, number, text| Self { rank, number, text };
        match value {
            None | Some(Value::Null) => key(0, 0.into(), String::new()),
            Some(Value::Number(n)) => key(1, n.clone(), String::new()),
            Some(Value::String(s)) => key(2, 0.into(), s.clone()),
            Some(Value::Bool(b)) => key(3, u8::from(*b).into(), String::new()),
            Some(Value::Object(_) | Value::Array(_)) => key(4, 0.into(), String::new()),
        }
    }
}

/// The sort key of one `orderBy` term in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SortValue {
    /// A body field.
    #[serde(rename = "j")]
    Json(JsonSortKey),
    /// `_id`, or `_openid` (empty for none).
    #[serde(rename = "t")]
    Text(String),
    /// `_createdAt` or `_updatedAt`, in Unix milliseconds.
    #[serde(rename = "m")]
    Millis(i64),
}

impl SortValue {
    /// The sort key of `field` in `document`.
    pub fn of(document: &Document, field: &Field) -> Self {
        match field {
            Field::Body(path) => Self::Json(JsonSortKey::of(document.get(path))),
            Field::System(SystemField::Id) => Self::Text(document.id.to_string()),
            Field::System(SystemField::OpenId) => Self::Text(
                document
                    .owner
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            Field::System(SystemField::CreatedAt) => Self::Millis(document.created_at.as_millis()),
            Field::System(SystemField::UpdatedAt) => Self::Millis(document.updated_at.as_millis()),
        }
    }

    fn fits(&self, field: &Field) -> bool {
        matches!(
            (self, field),
            (Self::Json(key), Field::Body(_)) if key.rank <= 4
        ) || matches!(
            (self, field),
            (
                Self::Text(_),
                Field::System(SystemField::Id | SystemField::OpenId)
            ) | (
                Self::Millis(_),
                Field::System(SystemField::CreatedAt | SystemField::UpdatedAt)
            )
        )
    }
}

/// The position after one document in one sort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort it was made for ([`Query::order_signature`]).
    #[serde(rename = "o")]
    pub order: String,
    /// One key per `orderBy` term.
    #[serde(rename = "k")]
    pub keys: Vec<SortValue>,
    /// The document's `_id`, the final tie-break.
    #[serde(rename = "i")]
    pub id: String,
}

impl Cursor {
    /// The cursor after `document` in the sort `order`.
    pub fn after(document: &Document, order: &[OrderTerm]) -> Self {
        Self {
            order: Query::order_signature(order),
            keys: order
                .iter()
                .map(|term| SortValue::of(document, &term.field))
                .collect(),
            id: document.id.to_string(),
        }
    }

    /// The opaque text given to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a cursor a client sent back, for the sort `order`.
    pub fn decode(text: &str, order: &[OrderTerm]) -> Result<Self, CollectionError> {
        let bad = || CollectionError::BadQuery("cursor is not one this server made".to_owned());
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.order != Query::order_signature(order) {
            return Err(CollectionError::BadQuery(format!(
                "cursor was made for orderBy [{}]: send the same orderBy to page on",
                cursor.order
            )));
        }
        let keys_fit = cursor.keys.len() == order.len()
            && cursor
                .keys
                .iter()
                .zip(order)
                .all(|(key, term)| key.fits(&term.field));
        if !keys_fit || DocumentId::parse(&cursor.id).is_none() {
            return Err(bad());
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::collections::query::Direction;

    fn order() -> Vec<OrderTerm> {
        vec![
            OrderTerm {
                field: Field::parse("score").expect("path"),
                direction: Direction::Desc,
            },
            OrderTerm {
                field: Field::parse("_createdAt").expect("system"),
                direction: Direction::Asc,
            },
        ]
    }

    fn document() -> Document {
        Document {
            id: DocumentId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").expect("id"),
            owner: None,
            created_at: crate::Timestamp::from_millis(5),
            updated_at: crate::Timestamp::from_millis(5),
            version: 1,
            body: json!({"score": 2.5}).as_object().cloned().expect("object"),
        }
    }

    #[test]
    fn values_sort_by_type_rank_then_value() {
        assert_eq!(JsonSortKey::of(None).rank, 0);
        assert_eq!(JsonSortKey::of(Some(&json!(null))).rank, 0);
        assert_eq!(JsonSortKey::of(Some(&json!(-3))).number, (-3).into());
        assert_eq!(JsonSortKey::of(Some(&json!("b"))).text, "b");
        assert_eq!(JsonSortKey::of(Some(&json!(true))).number, 1.into());
        assert_eq!(JsonSortKey::of(Some(&json!([1]))).rank, 4);
    }

    #[test]
    fn a_cursor_round_trips_for_the_same_sort_only() {
        let cursor = Cursor::after(&document(), &order());
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text, &order()).expect("decodes"), cursor);
        let other = vec![order().remove(1)];
        assert!(matches!(
            Cursor::decode(&text, &other),
            Err(CollectionError::BadQuery(message)) if message.contains("score desc")
        ));
    }

    #[test]
    fn forged_or_garbled_cursors_are_refused() {
        let mut forged = Cursor::after(&document(), &order());
        forged.keys.swap(0, 1);
        let mut bad_id = Cursor::after(&document(), &order());
        bad_id.id = "x'; DROP TABLE documents;--".to_owned();
        for text in ["", "not base64!", &forged.encode(), &bad_id.encode()] {
            assert!(Cursor::decode(text, &order()).is_err(), "{text:?}");
        }
    }
}
