//! Signed download URLs: `expires` (Unix seconds) and `sig`, an HMAC-SHA256 of the file id and
//! the expiry under the configured key, so `<image src>` can fetch a file without headers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs and checks download URLs.
#[derive(Clone)]
pub struct UrlSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

impl UrlSigner {
    /// A signer with `key` (at least 16 bytes).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, id: &str, expires: i64) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(id.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The signature of `id` valid until `expires` (Unix seconds).
    pub fn sign(&self, id: &str, expires: i64) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(id, expires).finalize().into_bytes())
    }

    /// Whether `signature` is this key's for `id` and `expires`, and `expires` is not past
    /// `now` (Unix seconds). Compared in constant time.
    pub fn verify(&self, id: &str, expires: i64, signature: &str, now: i64) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        expires >= now && self.mac(id, expires).verify_slice(&given).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_the_id_the_expiry_and_the_key() {
        let signer = UrlSigner::new(b"0123456789abcdef0123456789abcdef");
        let sig = signer.sign("01ABC", 2_000);
        assert!(signer.verify("01ABC", 2_000, &sig, 1_000));
        assert!(!signer.verify("01ABC", 2_000, &sig, 2_001), "expired");
        assert!(!signer.verify("01ABD", 2_000, &sig, 1_000), "another file");
        assert!(
            !signer.verify("01ABC", 2_001, &sig, 1_000),
            "another expiry"
        );
        assert!(!signer.verify("01ABC", 2_000, "x", 1_000));
        let other = UrlSigner::new(b"another key, also long enough!!");
        assert!(!other.verify("01ABC", 2_000, &sig, 1_000));
    }
}
