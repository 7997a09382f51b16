//! Session tokens: 32 bytes given to the client once, stored only under a one-way key.
//!
//! A token starts with the millisecond it was issued (6 bytes, big-endian), then 26 random
//! bytes (208 bits). Its stored key ([`TokenHash`]) keeps that time prefix in front of the
//! SHA-256 of the token, so keys grow with time: a login's session is inserted at the end of
//! the sessions index instead of on a random page (the gain on logins is measured in
//! docs/benchmarks.md). The prefix says when the session began, which the
//! session row says anyway; the token's secret is its random part.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::Timestamp;

/// Length of a token as the client sees it: 32 bytes in unpadded base64url.
const TOKEN_CHARS: usize = 43;
/// Bytes of a token that hold the millisecond it was issued.
const ISSUED_AT_BYTES: usize = 6;

/// A bearer token as given to the client. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken {
    text: String,
    /// The token's first bytes: when it was issued, for tokens wxbase issues now; random, for
    /// tokens issued before tokens carried the time.
    prefix: [u8; ISSUED_AT_BYTES],
}

/// Why a string is not a session token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a wxbase session token")]
pub struct MalformedToken;

impl SessionToken {
    /// A new token issued now.
    pub fn generate() -> Self {
        Self::issued_at(Timestamp::now())
    }

    /// A new token issued at `at`: the time, then random bytes from the thread's CSPRNG.
    pub fn issued_at(at: Timestamp) -> Self {
        let mut bytes: [u8; 32] = rand::random();
        let millis = u64::try_from(at.as_millis())
            .unwrap_or_default()
            .to_be_bytes();
        bytes[..ISSUED_AT_BYTES].copy_from_slice(&millis[millis.len() - ISSUED_AT_BYTES..]);
        Self::from_bytes(&bytes)
    }

    /// Checks the shape of a token sent by a client (43 base64url characters).
    pub fn parse(value: &str) -> Result<Self, MalformedToken> {
        if value.len() != TOKEN_CHARS {
            return Err(MalformedToken);
        }
        let bytes: [u8; 32] = URL_SAFE_NO_PAD
            .decode(value)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(MalformedToken)?;
        Ok(Self::from_bytes(&bytes))
    }

    fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut prefix = [0; ISSUED_AT_BYTES];
        prefix.copy_from_slice(&bytes[..ISSUED_AT_BYTES]);
        Self {
            text: URL_SAFE_NO_PAD.encode(bytes),
            prefix,
        }
    }

    /// The token, for the one response that hands it to the client.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The key under which the token's session is stored: the token's issue time, then the
    /// first 26 bytes of the token's SHA-256.
    pub fn hash(&self) -> TokenHash {
        self.key_from(&self.digest())
    }

    /// The key sessions were stored under before tokens carried their issue time: the plain
    /// SHA-256 of the token. Sessions stored so are still honoured until they expire.
    pub fn legacy_hash(&self) -> TokenHash {
        TokenHash(self.digest())
    }

    /// Every key the token's session may be stored under, current first: [`Self::hash`], then
    /// [`Self::legacy_hash`]. The token is hashed once for both.
    pub fn stored_keys(&self) -> [TokenHash; 2] {
        let digest = self.digest();
        [self.key_from(&digest), TokenHash(digest)]
    }

    fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.text.as_bytes()).into()
    }

    fn key_from(&self, digest: &[u8; 32]) -> TokenHash {
        let mut key = [0; 32];
        key[..ISSUED_AT_BYTES].copy_from_slice(&self.prefix);
        key[ISSUED_AT_BYTES..].copy_from_slice(&digest[..32 - ISSUED_AT_BYTES]);
        TokenHash(key)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// The one-way key of a session token: what the database keeps (see [`SessionToken::hash`]).
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
    fn a_token_issued_later_is_stored_under_a_greater_key() {
        let earlier = SessionToken::issued_at(Timestamp::from_millis(1_764_000_000_000));
        let later = SessionToken::issued_at(Timestamp::from_millis(1_764_000_000_001));
        assert!(earlier.hash().as_bytes() < later.hash().as_bytes());
        let same_millisecond = SessionToken::issued_at(Timestamp::from_millis(1_764_000_000_001));
        assert_eq!(
            later.hash().as_bytes()[..ISSUED_AT_BYTES],
            same_millisecond.hash().as_bytes()[..ISSUED_AT_BYTES]
        );
        assert_ne!(later.expose(), same_millisecond.expose());
    }

    #[test]
    fn the_stored_key_is_not_the_token() {
        let token = SessionToken::generate();
        let hash = token.hash();
        let decoded = URL_SAFE_NO_PAD.decode(token.expose()).expect("base64url");
        assert_eq!(
            hash.as_bytes()[..ISSUED_AT_BYTES],
            decoded[..ISSUED_AT_BYTES]
        );
        assert_ne!(
            hash.as_bytes()[ISSUED_AT_BYTES..],
            decoded[ISSUED_AT_BYTES..]
        );
        assert_ne!(hash, token.legacy_hash());
        assert_eq!(token.stored_keys(), [hash, token.legacy_hash()]);
    }

    #[test]
    fn a_legacy_token_parses_and_keeps_its_plain_sha256() {
        let legacy = URL_SAFE_NO_PAD.encode([0xA5_u8; 32]);
        let token = SessionToken::parse(&legacy).expect("a 32-byte token parses");
        assert_eq!(token.expose(), legacy);
        assert_eq!(
            token.legacy_hash().as_bytes(),
            Sha256::digest(legacy.as_bytes()).as_slice()
        );
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
