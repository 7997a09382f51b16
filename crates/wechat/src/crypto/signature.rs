//! SHA-1 signatures: the push `signature` / `msg_signature` (sorted strings) and the open-data
//! `signature` (`sha1(rawData + session_key)`), with constant-time verification.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// The push signature: sort `parts` byte-wise (so `+` sorts before digits), concatenate them
/// with no separator, SHA-1, lowercase hex.
///
/// Three parts `[token, timestamp, nonce]` give the URL `signature`; four parts with the
/// envelope's `Encrypt` give `msg_signature` (see [`msg_signature`]).
pub fn sha1_signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Whether `expected_hex` is the [`sha1_signature`] of `parts`, compared in constant time.
/// The hex must be lowercase, as WeChat sends it.
pub fn verify_signature(expected_hex: &str, parts: &[&str]) -> bool {
    constant_time_eq(&sha1_signature(parts), expected_hex)
}

/// The four-way `msg_signature` / `MsgSignature` of an encrypted push or reply:
/// [`sha1_signature`] of `[token, timestamp, nonce, encrypt]`.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sha1_signature(&[token, timestamp, nonce, encrypt])
}

/// The open-data signature: `sha1(raw_data + session_key)`, lowercase hex, where `session_key`
/// is the base64 text as WeChat issued it.
pub fn raw_data_signature(raw_data: &str, session_key: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(raw_data.as_bytes());
    hasher.update(session_key.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether `expected_hex` is the [`raw_data_signature`] of `raw_data` under `session_key`,
/// compared in constant time.
pub fn verify_raw_data_signature(expected_hex: &str, raw_data: &str, session_key: &str) -> bool {
    constant_time_eq(&raw_data_signature(raw_data, session_key), expected_hex)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sha1("ab"), computed independently with `printf ab | sha1sum`.
    const SHA1_AB: &str = "da23614e02469a0d7c7bd1bdab5c9c474b1904dc";

    #[test]
    fn parts_are_sorted_before_hashing() {
        assert_eq!(sha1_signature(&["b", "a"]), SHA1_AB);
        assert_eq!(sha1_signature(&["a", "b"]), SHA1_AB);
    }

    #[test]
    fn sorting_is_byte_wise_so_plus_comes_before_digits() {
        // '+' (0x2B) < '1' (0x31) < 'A' (0x41) < 'a' (0x61).
        let parts = ["a", "A", "1", "+x"];
        let mut hasher = Sha1::new();
        hasher.update(b"+x1Aa");
        assert_eq!(sha1_signature(&parts), hex::encode(hasher.finalize()));
    }

    #[test]
    fn verification_accepts_only_the_exact_lowercase_signature() {
        assert!(verify_signature(SHA1_AB, &["a", "b"]));
        assert!(!verify_signature(&SHA1_AB.to_uppercase(), &["a", "b"]));
        assert!(!verify_signature(&SHA1_AB[..39], &["a", "b"]));
        assert!(!verify_signature(SHA1_AB, &["a", "c"]));
        assert!(!verify_signature("", &["a", "b"]));
    }

    #[test]
    fn msg_signature_covers_the_encrypt_field() {
        let with = msg_signature("t", "1", "2", "E");
        assert_eq!(with, sha1_signature(&["E", "2", "1", "t"]));
        assert_ne!(with, sha1_signature(&["t", "1", "2"]));
        assert_ne!(with, msg_signature("t", "1", "2", "F"));
    }

    #[test]
    fn raw_data_signature_is_not_sorted() {
        // "b" + "a" hashes "ba", not the sorted "ab".
        assert_ne!(raw_data_signature("b", "a"), SHA1_AB);
        assert_eq!(raw_data_signature("a", "b"), SHA1_AB);
        assert!(verify_raw_data_signature(SHA1_AB, "a", "b"));
        assert!(!verify_raw_data_signature(SHA1_AB, "b", "a"));
    }
}
