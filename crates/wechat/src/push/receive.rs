//! The developer server's side of a push: URL verification (GET), checking and opening a POST
//! in plaintext, compatible or safe mode, and sealing the passive reply.
//!
//! Protocol reference: `docs/wechat-protocol.md`, sections "The URL check" and "Push modes".
//! With an EncodingAESKey configured only encrypted pushes (`encrypt_type=aes`,
//! `msg_signature` over `Encrypt`) are accepted: the URL `signature` does not cover the body,
//! so accepting plaintext there would let anyone who saw one URL forge a message. Without a
//! key only plaintext pushes are accepted.

use serde::Deserialize;

use super::{DocumentError, PushDocument, PushFormat};
use crate::crypto::{verify_signature, CryptoError, EncryptedReply, MessageCrypto};
use crate::Secret;

/// The query string of a push (GET and POST).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PushQuery {
    /// `sha1(sort(token, timestamp, nonce))`.
    #[serde(default)]
    pub signature: Option<String>,
    /// WeChat's time, Unix seconds, as text.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// A random number, as text.
    #[serde(default)]
    pub nonce: Option<String>,
    /// GET only: the string to echo.
    #[serde(default)]
    pub echostr: Option<String>,
    /// `aes` in compatible and safe mode.
    #[serde(default)]
    pub encrypt_type: Option<String>,
    /// Compatible and safe mode: `sha1(sort(token, timestamp, nonce, Encrypt))`.
    #[serde(default)]
    pub msg_signature: Option<String>,
}

/// Why a push was refused. Each is logged; nothing is stored or sent.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// A query parameter the mode needs is absent.
    #[error("the push URL has no {0} parameter")]
    MissingParameter(&'static str),
    /// `signature` does not match the token.
    #[error("signature does not match push.token")]
    BadSignature,
    /// `msg_signature` does not match the token and the `Encrypt` field.
    #[error("msg_signature does not match push.token and the Encrypt field")]
    BadMsgSignature,
    /// A plaintext push reached a server configured for encrypted pushes.
    #[error("a plaintext push was refused: push.encoding_aes_key is set, so only encrypted (compatible or safe mode) pushes are accepted")]
    EncryptionRequired,
    /// An encrypted push reached a server with no EncodingAESKey.
    #[error("an encrypted push was refused: set push.encoding_aes_key to the EncodingAESKey of the push settings")]
    KeyNotConfigured,
    /// The envelope has no `Encrypt` field.
    #[error("the encrypted push has no Encrypt field")]
    MissingEncrypt,
    /// `Encrypt` does not decrypt, or was encrypted for another app.
    #[error("the Encrypt field cannot be opened: {0}")]
    Crypto(#[from] CryptoError),
    /// The body (or the decrypted message) is not a push document.
    #[error(transparent)]
    Document(#[from] DocumentError),
}

/// An accepted push, opened.
#[derive(Debug, Clone)]
pub struct OpenedPush {
    /// The format of the body, which the reply uses too.
    pub format: PushFormat,
    /// The message (decrypted in compatible and safe mode).
    pub document: PushDocument,
    /// The message document as text (decrypted in compatible and safe mode).
    pub plaintext: String,
    /// Whether it came encrypted; a passive reply is then encrypted too.
    pub encrypted: bool,
}

/// Checks and opens pushes for one app: the push token and, in compatible or safe mode, the
/// EncodingAESKey. `Debug` shows neither.
#[derive(Debug, Clone)]
pub struct PushReceiver {
    token: Secret,
    crypto: Option<MessageCrypto>,
}

impl PushReceiver {
    /// A receiver for `token`; `crypto` (the EncodingAESKey and AppID) for encrypted modes.
    pub fn new(token: Secret, crypto: Option<MessageCrypto>) -> Self {
        Self { token, crypto }
    }

    /// Whether pushes must come encrypted.
    pub fn expects_encryption(&self) -> bool {
        self.crypto.is_some()
    }

    /// The URL check (GET): the `echostr` to answer when `signature` matches.
    pub fn verify_url<'q>(&self, query: &'q PushQuery) -> Result<&'q str, PushError> {
        self.check_signature(query)?;
        query
            .echostr
            .as_deref()
            .ok_or(PushError::MissingParameter("echostr"))
    }

    /// Checks a POST's signatures and opens its body.
    pub fn open(&self, query: &PushQuery, body: &[u8]) -> Result<OpenedPush, PushError> {
        let encrypted = query.encrypt_type.as_deref() == Some("aes");
        match (&self.crypto, encrypted) {
            (Some(crypto), true) => self.open_encrypted(crypto, query, body),
            (Some(_), false) => Err(PushError::EncryptionRequired),
            (None, true) => Err(PushError::KeyNotConfigured),
            (None, false) => {
                self.check_signature(query)?;
                let (format, document) = PushDocument::parse(body)?;
                Ok(OpenedPush {
                    format,
                    document,
                    plaintext: String::from_utf8_lossy(body).into_owned(),
                    encrypted: false,
                })
            }
        }
    }

    /// Compatible and safe mode: `msg_signature` over `Encrypt`, then decryption (which checks
    /// the padding and the trailing AppID). Plaintext fields beside `Encrypt` are ignored.
    fn open_encrypted(
        &self,
        crypto: &MessageCrypto,
        query: &PushQuery,
        body: &[u8],
    ) -> Result<OpenedPush, PushError> {
        let (timestamp, nonce) = timestamp_and_nonce(query)?;
        let msg_signature = query
            .msg_signature
            .as_deref()
            .ok_or(PushError::MissingParameter("msg_signature"))?;
        let (format, envelope) = PushDocument::parse(body)?;
        let encrypt = envelope.get("Encrypt").ok_or(PushError::MissingEncrypt)?;
        if !verify_signature(
            msg_signature,
            &[self.token.expose(), timestamp, nonce, encrypt],
        ) {
            return Err(PushError::BadMsgSignature);
        }
        let message = crypto.decrypt(encrypt)?;
        let (_, document) = PushDocument::parse(&message)?;
        Ok(OpenedPush {
            format,
            document,
            plaintext: String::from_utf8_lossy(&message).into_owned(),
            encrypted: true,
        })
    }

    fn check_signature(&self, query: &PushQuery) -> Result<(), PushError> {
        let (timestamp, nonce) = timestamp_and_nonce(query)?;
        let signature = query
            .signature
            .as_deref()
            .ok_or(PushError::MissingParameter("signature"))?;
        if verify_signature(signature, &[self.token.expose(), timestamp, nonce]) {
            Ok(())
        } else {
            Err(PushError::BadSignature)
        }
    }

    /// The body of a passive reply to `push`: the document in the push's format, sealed in an
    /// encrypted envelope (nonce echoed, `timestamp` now) when the push came encrypted.
    pub fn reply_body(
        &self,
        push: &OpenedPush,
        query: &PushQuery,
        timestamp: u64,
        reply: &PushDocument,
    ) -> String {
        let plaintext = reply.render(push.format);
        match (&self.crypto, push.encrypted) {
            (Some(crypto), true) => {
                let nonce = query.nonce.as_deref().unwrap_or_default();
                let encrypt = crypto.encrypt(plaintext.as_bytes());
                self.envelope(push.format, timestamp, nonce, encrypt)
            }
            _ => plaintext,
        }
    }

    /// An encrypted reply envelope for `plaintext` with a fixed random prefix: deterministic,
    /// for vectors and tests. `None` without an EncodingAESKey.
    pub fn seal_with_random(
        &self,
        format: PushFormat,
        timestamp: u64,
        nonce: &str,
        random: &[u8; 16],
        plaintext: &[u8],
    ) -> Option<String> {
        let crypto = self.crypto.as_ref()?;
        let encrypt = crypto.encrypt_with_random(random, plaintext);
        Some(self.envelope(format, timestamp, nonce, encrypt))
    }

    fn envelope(&self, format: PushFormat, timestamp: u64, nonce: &str, encrypt: String) -> String {
        let sealed = EncryptedReply::from_encrypt(self.token.expose(), timestamp, nonce, encrypt);
        match format {
            PushFormat::Xml => sealed.to_xml(),
            PushFormat::Json => sealed.to_json(),
        }
    }
}

fn timestamp_and_nonce(query: &PushQuery) -> Result<(&str, &str), PushError> {
    let timestamp = query
        .timestamp
        .as_deref()
        .ok_or(PushError::MissingParameter("timestamp"))?;
    let nonce = query
        .nonce
        .as_deref()
        .ok_or(PushError::MissingParameter("nonce"))?;
    Ok((timestamp, nonce))
}

/// WeChat's side: checks an encrypted passive reply's `MsgSignature` and opens it.
pub fn open_encrypted_reply(
    crypto: &MessageCrypto,
    token: &str,
    body: &[u8],
) -> Result<PushDocument, PushError> {
    let (_, envelope) = PushDocument::parse(body)?;
    let field = |name: &'static str| envelope.get(name).ok_or(PushError::MissingParameter(name));
    let encrypt = envelope.get("Encrypt").ok_or(PushError::MissingEncrypt)?;
    let parts = [token, field("TimeStamp")?, field("Nonce")?, encrypt];
    if !verify_signature(field("MsgSignature")?, &parts) {
        return Err(PushError::BadMsgSignature);
    }
    let message = crypto.decrypt(encrypt)?;
    Ok(PushDocument::parse(&message)?.1)
}

#[cfg(test)]
mod tests;
