//! The EncodingAESKey: 43 letters and digits from the message-push settings, validated and
//! decoded once into the 32-byte AES key. `Debug` never shows it.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use rand::distr::{Alphanumeric, SampleString};

use super::CryptoError;

/// Characters in an EncodingAESKey.
const ENCODING_AES_KEY_LEN: usize = 43;

/// Decodes `EncodingAESKey + "="`. The last key character carries two unused bits, non-zero in
/// about three of four real keys, which the strict `STANDARD` engine would reject.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// A validated EncodingAESKey, holding the decoded AES-256 key (whose first 16 bytes are also
/// the CBC IV).
#[derive(Clone, PartialEq, Eq)]
pub struct EncodingAesKey {
    key: [u8; 32],
    text: String,
}

impl EncodingAesKey {
    /// Validates the 43-character `[A-Za-z0-9]` text and decodes it with `=` appended,
    /// allowing non-zero trailing bits.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let len = text.chars().count();
        if len != ENCODING_AES_KEY_LEN {
            return Err(CryptoError::EncodingAesKeyLength { len });
        }
        if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CryptoError::EncodingAesKeyCharset);
        }
        // 43 base64 characters and one `=` always decode to 32 bytes; the errors are unreachable.
        let decoded = KEY_ENGINE
            .decode(format!("{text}="))
            .map_err(|_| CryptoError::EncodingAesKeyCharset)?;
        let key = <[u8; 32]>::try_from(decoded.as_slice())
            .map_err(|_| CryptoError::EncodingAesKeyCharset)?;
        Ok(Self {
            key,
            text: text.to_owned(),
        })
    }

    /// The 43-character text, for the one place that must hand it on (the dev emulator).
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The AES-256 key.
    pub(super) fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The CBC IV: the first 16 bytes of the key.
    pub(super) fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }
}

impl fmt::Debug for EncodingAesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncodingAesKey([redacted])")
    }
}

/// A fresh random EncodingAESKey (43 letters and digits), for dev mode and the emulator.
pub fn generate_encoding_aes_key() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), ENCODING_AES_KEY_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    /// Its last character `G` leaves the two unused bits `10`, so strict base64 refuses it.
    const TRAILING_BITS_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    #[test]
    fn key_with_nonzero_trailing_bits_is_accepted() {
        let padded = format!("{TRAILING_BITS_KEY}=");
        assert!(
            STANDARD.decode(&padded).is_err(),
            "strict base64 should refuse it"
        );
        let key = EncodingAesKey::parse(TRAILING_BITS_KEY).expect("valid key");
        // Same bytes as decoding the key with its trailing bits cleared ('G' -> 'E').
        let cleared = STANDARD
            .decode(format!("{}E=", &TRAILING_BITS_KEY[..42]))
            .expect("canonical base64");
        assert_eq!(key.key().as_slice(), cleared.as_slice());
        assert_eq!(key.iv().as_slice(), &cleared[..16]);
    }

    #[test]
    fn all_a_key_is_all_zero_bytes() {
        let key = EncodingAesKey::parse(&"A".repeat(43)).expect("valid key");
        assert_eq!(key.key(), &[0u8; 32]);
    }

    #[test]
    fn keys_of_the_wrong_length_are_refused() {
        for text in [
            &TRAILING_BITS_KEY[..42],
            "",
            &format!("{TRAILING_BITS_KEY}="),
        ] {
            let expected = text.chars().count();
            assert!(matches!(
                EncodingAesKey::parse(text),
                Err(CryptoError::EncodingAesKeyLength { len }) if len == expected
            ));
        }
    }

    #[test]
    fn keys_with_characters_outside_letters_and_digits_are_refused() {
        for bad in ["+", "/", "=", "-", "é"] {
            let text = format!("{bad}{}", &TRAILING_BITS_KEY[1..]);
            assert!(
                matches!(
                    EncodingAesKey::parse(&text),
                    Err(CryptoError::EncodingAesKeyCharset)
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn generated_keys_are_valid_and_distinct() {
        let text = generate_encoding_aes_key();
        assert_eq!(text.len(), 43);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(text, generate_encoding_aes_key());
        assert!(EncodingAesKey::parse(&text).is_ok());
    }

    #[test]
    fn debug_redacts_the_key() {
        let key = EncodingAesKey::parse(TRAILING_BITS_KEY).expect("valid key");
        let shown = format!("{key:?}");
        assert_eq!(shown, "EncodingAesKey([redacted])");
    }
}
