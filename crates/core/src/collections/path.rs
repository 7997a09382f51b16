//! Field paths: `title`, `address.city`. Every segment is letters (any script), digits, `_` or
//! `-`, so a validated path never holds a quote, a backslash, a `$`, a space or a control
//! character, and can be written into SQL as a quoted JSON path or key literal.

use std::fmt;

/// Most segments in one path.
pub const MAX_SEGMENTS: usize = 16;
/// Longest path, in bytes.
pub const MAX_PATH_BYTES: usize = 256;

/// Why a field path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field path {path:?}: {reason}")]
pub struct InvalidPath {
    /// The refused path (cut to 80 characters).
    pub path: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A path to a field of a document body: one or more object keys, joined with dots.
/// The first key never starts with `_` (those are the server's fields).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    dotted: String,
}

/// A field the server keeps for every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemField {
    /// `_id`: the document id (a string).
    Id,
    /// `_openid`: the creator's openid (a string; null for documents an admin created).
    OpenId,
    /// `_createdAt`: when it was created (compared as Unix milliseconds).
    CreatedAt,
    /// `_updatedAt`: when it last changed (compared as Unix milliseconds).
    UpdatedAt,
}

impl SystemField {
    /// Every system field.
    pub const ALL: [SystemField; 4] = [Self::Id, Self::OpenId, Self::CreatedAt, Self::UpdatedAt];

    /// The name clients use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "_id",
            Self::OpenId => "_openid",
            Self::CreatedAt => "_createdAt",
            Self::UpdatedAt => "_updatedAt",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }
}

/// A field a query may name: a system field or a path into the body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// One of the server's fields.
    System(SystemField),
    /// A path into the body.
    Body(FieldPath),
}

impl Field {
    /// Parses a field a query names: `_id`, `_openid`, `_createdAt`, `_updatedAt` or a path.
    pub fn parse(text: &str) -> Result<Self, InvalidPath> {
        match SystemField::from_name(text) {
            Some(system) => Ok(Self::System(system)),
            None => FieldPath::parse(text).map(Self::Body),
        }
    }

    /// The field as a client writes it.
    pub fn name(&self) -> &str {
        match self {
            Self::System(system) => system.name(),
            Self::Body(path) => path.as_str(),
        }
    }
}

impl FieldPath {
    /// Validates a dotted path into a document body.
    pub fn parse(text: &str) -> Result<Self, InvalidPath> {
        let refuse = |reason| InvalidPath {
            path: text.chars().take(80).collect(),
            reason,
        };
        if text.is_empty() {
            return Err(refuse("it is empty"));
        }
        if text.len() > MAX_PATH_BYTES {
            return Err(refuse("it is longer than 256 bytes"));
        }
        if text.split('.').count() > MAX_SEGMENTS {
            return Err(refuse("it has more than 16 segments"));
        }
        for segment in text.split('.') {
            if segment.is_empty() {
                return Err(refuse("a segment is empty (two dots, or a dot at an end)"));
            }
            if !segment.chars().all(is_key_char) {
                return Err(refuse(
                    "segments may hold only letters, digits, _ and - (no quotes, spaces, $ or brackets)",
                ));
            }
        }
        if text.starts_with('_') {
            return Err(refuse(
                "top-level fields starting with _ belong to the server (_id, _openid, _createdAt, _updatedAt)",
            ));
        }
        Ok(Self {
            dotted: text.to_owned(),
        })
    }

    /// The keys from the document root down, never empty.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.dotted.split('.')
    }

    /// The dotted path.
    pub fn as_str(&self) -> &str {
        &self.dotted
    }
}

/// Whether `c` may appear in a path segment.
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dotted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_nested_and_unicode_paths_are_accepted() {
        for text in ["title", "address.city", "标题", "a-b.c_d.e1", "x._private"] {
            let path = FieldPath::parse(text).expect(text);
            assert_eq!(path.as_str(), text);
        }
        let path = FieldPath::parse("a.b.c").expect("path");
        assert_eq!(path.segments().collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn hostile_paths_are_refused() {
        let long = "a".repeat(300);
        let deep = vec!["a"; 17].join(".");
        for text in [
            "",
            "a'); DROP TABLE documents;--",
            "$.a",
            "a\"b",
            "a\\b",
            "a b",
            "a..b",
            ".a",
            "a.",
            "a[0]",
            "a\u{0}b",
            "a\nb",
            "_secret",
            "_id.x",
            long.as_str(),
            deep.as_str(),
        ] {
            assert!(FieldPath::parse(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn system_fields_are_known_by_name_and_other_underscores_are_refused() {
        assert_eq!(
            Field::parse("_id").expect("id"),
            Field::System(SystemField::Id)
        );
        assert_eq!(
            Field::parse("_createdAt").expect("created"),
            Field::System(SystemField::CreatedAt)
        );
        assert!(Field::parse("_created_at").is_err());
        assert_eq!(Field::parse("a.b").expect("body").name(), "a.b");
    }
}
