//! Session tokens: 256 random bits given to the client once, stored only as a SHA-256 hash.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Length of a token as the client sees it: 32 bytes in unpadded base64url.
const TOKEN_CHARS: usize = 43;

/// A bearer token as given to the client. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

/// Why a string is not a session token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a wxbase session token")]
pub struct MalformedToken;

impl SessionToken {
    /// A new token from the operating system's random source.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Checks the shape of a token sent by a client (43 base64url characters).
    pub fn parse(value: &str) -> Result<Self, MalformedToken> {
        let well_formed = value.len() == TOKEN_CHARS
            && URL_SAFE_NO_PAD
                .decode(value)
                .is_ok_and(|bytes| bytes.len() == 32);
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(MalformedToken)
        }
    }

    /// The token, for the one response that hands it to the client.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash under which the token is stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// The SHA-256 of a session token: what the database keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The hash bytes, for storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_parses_and_hashes_stably() {
        let token = SessionToken::generate();
        let parsed = SessionToken::parse(token.expose()).expect("own token parses");
        assert_eq!(parsed.hash(), token.hash());
        assert_ne!(SessionToken::generate().hash(), token.hash());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert_eq!(SessionToken::parse(""), Err(MalformedToken));
        assert_eq!(SessionToken::parse("abc"), Err(MalformedToken));
        assert_eq!(SessionToken::parse(&"!".repeat(43)), Err(MalformedToken));
    }

    #[test]
    fn debug_does_not_leak_the_token() {
        let token = SessionToken::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
