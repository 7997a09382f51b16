//! Validated WeChat identifiers: app ids, openids and unionids.

use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string is empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which identifier.
        kind: &'static str,
    },
    /// The string is longer than the identifier allows.
    #[error("{kind} is longer than {max} characters")]
    TooLong {
        /// Which identifier.
        kind: &'static str,
        /// The longest allowed.
        max: usize,
    },
    /// The string has a character the identifier never contains.
    #[error("{kind} may only contain letters, digits, '-' and '_'")]
    BadCharacter {
        /// Which identifier.
        kind: &'static str,
    },
}

fn validate(kind: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.len() > max {
        return Err(IdError::TooLong { kind, max });
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(IdError::BadCharacter { kind });
    }
    Ok(())
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the identifier.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate($kind, &value, $max)?;
                Ok(Self(value))
            }

            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

identifier!(
    /// A mini-program's or official account's AppID (`wx` followed by 16 hex digits in practice).
    AppId,
    "appid",
    32
);
identifier!(
    /// A user's openid: unique per user and per app.
    OpenId,
    "openid",
    64
);
identifier!(
    /// A user's unionid: the same across every app bound to one open-platform account.
    UnionId,
    "unionid",
    64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_looking_openid_is_accepted() {
        let id = OpenId::parse("o9AgO5Kd5ggOC-bXrbNODIiE3bGY").expect("valid openid");
        assert_eq!(id.as_str(), "o9AgO5Kd5ggOC-bXrbNODIiE3bGY");
    }

    #[test]
    fn empty_long_and_odd_identifiers_are_refused() {
        assert_eq!(AppId::parse(""), Err(IdError::Empty { kind: "appid" }));
        assert!(matches!(
            OpenId::parse("o".repeat(65)),
            Err(IdError::TooLong { max: 64, .. })
        ));
        assert!(matches!(
            UnionId::parse("a b"),
            Err(IdError::BadCharacter { .. })
        ));
    }
}
