//! Validated collection names: `^[a-z][a-z0-9_]{0,62}$`. A name that passes can be written into
//! SQL as a quoted literal and into an index name without escaping anything.

use std::fmt;

/// The longest collection name, in bytes (PostgreSQL's identifier limit).
pub const MAX_NAME_LEN: usize = 63;

/// A collection's name: a lowercase ASCII letter, then up to 62 lowercase letters, digits or
/// underscores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionName(String);

/// Why a collection name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid collection name {name:?}: {reason}")]
pub struct InvalidName {
    /// The refused name (cut to 80 characters).
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl CollectionName {
    /// Checks `name` against `^[a-z][a-z0-9_]{0,62}$`.
    pub fn parse(name: impl Into<String>) -> Result<Self, InvalidName> {
        let name = name.into();
        let refuse = |reason| InvalidName {
            name: name.chars().take(80).collect(),
            reason,
        };
        let mut bytes = name.bytes();
        match bytes.next() {
            None => return Err(refuse("it is empty")),
            Some(b'a'..=b'z') => {}
            Some(_) => return Err(refuse("it must start with a lowercase letter a-z")),
        }
        if name.len() > MAX_NAME_LEN {
            return Err(refuse("it is longer than 63 characters"));
        }
        if !bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_')) {
            return Err(refuse("use only lowercase letters a-z, digits and _"));
        }
        Ok(Self(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CollectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_names_with_digits_and_underscores_are_accepted() {
        for name in ["todos", "a", "user_posts_2", &"x".repeat(63)] {
            assert_eq!(CollectionName::parse(name).expect(name).as_str(), name);
        }
    }

    #[test]
    fn anything_that_could_escape_a_literal_is_refused() {
        for name in [
            "",
            "Todos",
            "2todos",
            "_todos",
            "to-dos",
            "to dos",
            "todos'",
            "todos\"",
            "todos;drop",
            "tödos",
            &"x".repeat(64),
        ] {
            assert!(
                CollectionName::parse(name).is_err(),
                "{name:?} was accepted"
            );
        }
    }
}
