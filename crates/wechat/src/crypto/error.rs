//! The one error type of the crypto module: every way a signature, envelope or open-data blob
//! can be malformed, each a distinct variant. No variant carries key material.

use std::fmt;

/// Which base64 input failed to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputField {
    /// The open-data `session_key`.
    SessionKey,
    /// The open-data `iv` sent by the mini-program with `encryptedData`.
    Iv,
    /// The open-data `encryptedData`.
    EncryptedData,
    /// The push envelope's `Encrypt` field.
    Encrypt,
}

impl fmt::Display for InputField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SessionKey => "session_key",
            Self::Iv => "iv",
            Self::EncryptedData => "encryptedData",
            Self::Encrypt => "Encrypt",
        })
    }
}

/// Why a crypto operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// An input is not standard, padded base64.
    #[error("{field} is not valid base64 (standard alphabet, padded)")]
    InvalidBase64 {
        /// The input that failed.
        field: InputField,
    },
    /// The `session_key` does not decode to 16 bytes.
    #[error("session_key must decode to 16 bytes, got {len}")]
    InvalidSessionKeyLength {
        /// The decoded length.
        len: usize,
    },
    /// The `iv` does not decode to 16 bytes.
    #[error("iv must decode to 16 bytes, got {len}")]
    InvalidIvLength {
        /// The decoded length.
        len: usize,
    },
    /// The ciphertext is empty or not a whole number of 16-byte AES blocks.
    #[error("ciphertext length {len} is not a positive multiple of 16")]
    InvalidCiphertextLength {
        /// The decoded ciphertext length.
        len: usize,
    },
    /// The decrypted data does not end in valid PKCS#7 padding. With a random key this is how a
    /// wrong or stale key (or tampered ciphertext) shows up.
    #[error("decrypted data has invalid PKCS#7 padding (wrong or stale key, or tampered data)")]
    InvalidPadding,
    /// The decrypted open data is not JSON.
    #[error("decrypted open data is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    /// The decrypted open data has no string `watermark.appid`.
    #[error("decrypted open data has no watermark.appid")]
    MissingWatermark,
    /// The open data was encrypted for another mini-program.
    #[error("open data watermark appid {found:?} does not match {expected:?}")]
    WatermarkAppIdMismatch {
        /// The appid this server expects.
        expected: String,
        /// The appid found in `watermark.appid`.
        found: String,
    },
    /// The EncodingAESKey is not 43 characters long.
    #[error("EncodingAESKey must be 43 characters, got {len}")]
    EncodingAesKeyLength {
        /// The number of characters given.
        len: usize,
    },
    /// The EncodingAESKey has a character outside `[A-Za-z0-9]`.
    #[error("EncodingAESKey may only contain A-Z, a-z and 0-9")]
    EncodingAesKeyCharset,
    /// The decrypted push message is too short for its 16 random bytes and 4-byte length.
    #[error("decrypted message is {len} bytes, too short for random bytes and a length")]
    MessageTooShort {
        /// The unpadded plaintext length.
        len: usize,
    },
    /// The push message's length field points past the end of the plaintext.
    #[error("message length field {declared} exceeds the {available} bytes that follow it")]
    MessageLengthOutOfBounds {
        /// The length the 4-byte field declares.
        declared: u32,
        /// The bytes actually left after the length field.
        available: usize,
    },
    /// The push message was encrypted for another receiver (AppID).
    #[error("message receive_id {found:?} does not match appid {expected:?}")]
    AppIdMismatch {
        /// The appid this server expects.
        expected: String,
        /// The receive_id found at the end of the message (lossy UTF-8).
        found: String,
    },
}
