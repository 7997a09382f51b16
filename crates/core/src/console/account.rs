//! Admin usernames and passwords, and their argon2id hashes (PHC strings, salted per hash).
//!
//! The cost is one of OWASP's recommended argon2id settings, 7 MiB of memory and 5 passes
//! (as strong as its 19 MiB and 2 passes): a hash must not raise a small server's peak memory
//! by much. The parameters are in each PHC string, so hashes made with others still verify.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory of one hash, in KiB.
const MEMORY_KIB: u32 = 7 * 1024;
/// Passes over that memory.
const PASSES: u32 = 5;

/// The hasher new passwords are hashed with.
fn hasher() -> Result<Argon2<'static>, String> {
    let params =
        Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|e| format!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a username or password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Not 1 to 64 letters, digits, `.`, `_` or `-`.
    #[error("a username is 1 to 64 letters, digits, `.`, `_` or `-`")]
    BadUsername,
    /// Too short or too long.
    #[error("a password is {MIN_PASSWORD_CHARS} characters or more (at most {MAX_PASSWORD_BYTES} bytes)")]
    BadPassword,
}

/// An admin's sign-in name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Checks a username: 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
    pub fn parse(text: &str) -> Result<Self, AccountError> {
        let text = text.trim();
        let valid = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(AccountError::BadUsername)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password, checked for length. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks a new password's length.
    pub fn new(text: String) -> Result<Self, AccountError> {
        if text.chars().count() < MIN_PASSWORD_CHARS || text.len() > MAX_PASSWORD_BYTES {
            return Err(AccountError::BadPassword);
        }
        Ok(Self(text))
    }

    /// A random password of 20 letters and digits (for `serve --dev`).
    pub fn generate() -> Self {
        use rand::distr::{Alphanumeric, SampleString};
        Self(Alphanumeric.sample_string(&mut rand::rng(), 20))
    }

    /// The password, to hash or to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// The argon2id hash of `password` with a fresh salt, as a PHC string.
pub fn hash_password(password: &Password) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `given` matches the PHC string `stored`; a malformed hash matches nothing.
pub fn verify_password(given: &str, stored: &str) -> bool {
    if given.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(given.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = Password::new("correct horse battery".into()).expect("long enough");
        let hash = hash_password(&password).expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert_eq!(
            Username::parse(" ops-lead ").expect("valid").as_str(),
            "ops-lead"
        );
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("").is_err());
        assert!(Password::new("short".into()).is_err());
        assert_eq!(Password::generate().expose().len(), 20);
        assert_eq!(
            format!("{:?}", Password::generate()),
            "Password([redacted])"
        );
    }
}
