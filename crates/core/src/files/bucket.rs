//! Buckets: a name, a permission mode, an optional size limit and the content types accepted.

use std::fmt;

use super::moderation::BucketModeration;
use crate::collections::{CollectionName, PermissionMode};
use crate::Timestamp;

/// A bucket's name: the same rules as a collection's (`^[a-z][a-z0-9_]{0,62}$`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketName(String);

impl BucketName {
    /// Checks `name` as a collection name is checked.
    pub fn parse(name: &str) -> Result<Self, String> {
        CollectionName::parse(name)
            .map(|valid| Self(valid.as_str().to_owned()))
            .map_err(|e| e.to_string().replace("collection", "bucket"))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One accepted content type: exact (`image/png`) or a whole family (`image/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRule(String);

impl TypeRule {
    /// Parses `type/subtype` or `type/*`, lowercase letters, digits and `.+-`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_ascii_lowercase();
        let valid_part = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        };
        match text.split_once('/') {
            Some((family, "*")) if valid_part(family) => Ok(Self(text)),
            Some((family, sub)) if valid_part(family) && valid_part(sub) => Ok(Self(text)),
            _ => Err(format!(
                "invalid content type {text:?}: use type/subtype or type/*, e.g. image/*"
            )),
        }
    }

    /// Whether `content_type` is accepted by this rule.
    pub fn matches(&self, content_type: &str) -> bool {
        match self.0.strip_suffix("/*") {
            Some(family) => content_type
                .split_once('/')
                .is_some_and(|(f, _)| f == family),
            None => self.0 == content_type,
        }
    }

    /// The rule as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A bucket of files.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Its name.
    pub name: BucketName,
    /// Who reads, uploads and deletes its files.
    pub permission: PermissionMode,
    /// Largest file, in bytes (`None`: `files.max_upload_bytes`).
    pub max_bytes: Option<u64>,
    /// Accepted content types (empty: every type).
    pub types: Vec<TypeRule>,
    /// Whether and how its images and audio are checked by WeChat (`None`: not checked).
    pub moderation: Option<BucketModeration>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its settings last changed.
    pub updated_at: Timestamp,
}

impl Bucket {
    /// Whether a file of `content_type` may go in.
    pub fn accepts(&self, content_type: &str) -> bool {
        self.types.is_empty() || self.types.iter().any(|rule| rule.matches(content_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_rules_match_exact_types_and_families() {
        let image = TypeRule::parse("image/*").expect("rule");
        assert!(image.matches("image/png"));
        assert!(!image.matches("video/mp4"));
        let png = TypeRule::parse("Image/PNG").expect("rule");
        assert!(png.matches("image/png"));
        assert!(!png.matches("image/jpeg"));
        for bad in ["image", "*/*", "image/", "/png", "image/p g"] {
            assert!(TypeRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names_follow_collection_names() {
        assert!(BucketName::parse("uploads").is_ok());
        assert!(BucketName::parse("Uploads").is_err());
        assert!(BucketName::parse("../x").is_err());
    }
}
