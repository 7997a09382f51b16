//! The push-message envelope (WXBizMsgCrypt): AES-256-CBC under the EncodingAESKey over
//! `random(16) ‖ length(4, big-endian) ‖ msg ‖ appid`, PKCS#7 to 32 bytes, and the encrypted
//! reply bodies (JSON and XML) a developer server sends back in safe mode.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cbc::cipher::KeyIvInit;
use rand::distr::Alphanumeric;
use rand::Rng;
use serde::Serialize;

use super::{
    cbc_decrypt_in_place, cbc_encrypt_in_place, check_ciphertext_len, msg_signature, pkcs7_pad,
    pkcs7_pad_len, CryptoError, EncodingAesKey, InputField,
};
use crate::AppId;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// WXBizMsgCrypt pads to 32-byte blocks, not the 16-byte AES block.
const MSG_PAD_BLOCK: u8 = 32;

/// Encrypts and decrypts push messages for one app. `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct MessageCrypto {
    key: EncodingAesKey,
    appid: AppId,
}

/// A decrypted push envelope with the parts around the message, for checks and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptedMessage {
    /// The 16 random bytes that start the plaintext.
    pub random: [u8; 16],
    /// The message itself (XML or JSON), exactly as many bytes as the length field said.
    pub message: Vec<u8>,
    /// The PKCS#7 pad length, 1..=32.
    pub pad_len: usize,
    /// The decoded ciphertext length in bytes.
    pub ciphertext_len: usize,
}

impl MessageCrypto {
    /// Builds the cipher from the 43-character EncodingAESKey (`[A-Za-z0-9]`) and the AppID that
    /// every message must end with (the receive_id).
    pub fn new(encoding_aes_key: &str, appid: AppId) -> Result<Self, CryptoError> {
        EncodingAesKey::parse(encoding_aes_key).map(|key| Self::from_key(key, appid))
    }

    /// Builds the cipher from an already validated key.
    pub fn from_key(key: EncodingAesKey, appid: AppId) -> Self {
        Self { key, appid }
    }

    /// The AppID messages are encrypted for.
    pub fn appid(&self) -> &AppId {
        &self.appid
    }

    /// Encrypts `msg` with 16 fresh random characters (letters and digits, as the official
    /// samples use) and returns the base64 `Encrypt` value.
    pub fn encrypt(&self, msg: &[u8]) -> String {
        let mut random = [0u8; 16];
        let mut rng = rand::rng();
        for byte in &mut random {
            *byte = rng.sample(Alphanumeric);
        }
        self.encrypt_with_random(&random, msg)
    }

    /// Encrypts `msg` with the given random prefix: deterministic, for tests and vectors.
    /// The format's length field is 32 bits, so `msg` must be shorter than 4 GiB.
    pub fn encrypt_with_random(&self, random: &[u8; 16], msg: &[u8]) -> String {
        let appid = self.appid.as_str().as_bytes();
        let msg_len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
        let mut buf = Vec::with_capacity(16 + 4 + msg.len() + appid.len() + 32);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&msg_len.to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(appid);
        pkcs7_pad(&mut buf, MSG_PAD_BLOCK);
        self.encrypt_padded(&mut buf);
        STANDARD.encode(buf)
    }

    /// Decrypts a base64 `Encrypt` value to the message bytes. Verify `msg_signature` first.
    pub fn decrypt(&self, encrypt_b64: &str) -> Result<Vec<u8>, CryptoError> {
        self.open(encrypt_b64).map(|opened| opened.message)
    }

    /// Decrypts a base64 `Encrypt` value and returns every part of the plaintext. Checks, in
    /// order: base64, whole AES blocks, PKCS#7 over 32-byte blocks, room for the random bytes
    /// and the length, the length within bounds, and the trailing receive_id equal to the AppID.
    pub fn open(&self, encrypt_b64: &str) -> Result<DecryptedMessage, CryptoError> {
        let mut buf = STANDARD
            .decode(encrypt_b64)
            .map_err(|_| CryptoError::InvalidBase64 {
                field: InputField::Encrypt,
            })?;
        check_ciphertext_len(&buf)?;
        let ciphertext_len = buf.len();
        let decryptor = Aes256CbcDec::new(self.key.key().into(), &self.key.iv().into());
        cbc_decrypt_in_place(decryptor, &mut buf);
        let pad_len = pkcs7_pad_len(&buf, MSG_PAD_BLOCK)?;
        let content = &buf[..buf.len() - pad_len];
        let too_short = || CryptoError::MessageTooShort { len: content.len() };
        let (random, rest) = content.split_first_chunk::<16>().ok_or_else(too_short)?;
        let (len_field, rest) = rest.split_first_chunk::<4>().ok_or_else(too_short)?;
        let declared = u32::from_be_bytes(*len_field);
        let (message, receive_id) = usize::try_from(declared)
            .ok()
            .and_then(|len| rest.split_at_checked(len))
            .ok_or(CryptoError::MessageLengthOutOfBounds {
                declared,
                available: rest.len(),
            })?;
        if receive_id != self.appid.as_str().as_bytes() {
            return Err(CryptoError::AppIdMismatch {
                expected: self.appid.as_str().to_owned(),
                found: String::from_utf8_lossy(receive_id).into_owned(),
            });
        }
        Ok(DecryptedMessage {
            random: *random,
            message: message.to_vec(),
            pad_len,
            ciphertext_len,
        })
    }

    /// AES-256-CBC over an already padded plaintext, in place.
    fn encrypt_padded(&self, buf: &mut [u8]) {
        let encryptor = Aes256CbcEnc::new(self.key.key().into(), &self.key.iv().into());
        cbc_encrypt_in_place(encryptor, buf);
    }
}

/// An encrypted passive reply (developer server → WeChat) in safe mode. `Serialize` gives the
/// official mini-program JSON form with capitalised keys and a numeric `TimeStamp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncryptedReply {
    /// The base64 ciphertext.
    #[serde(rename = "Encrypt")]
    pub encrypt: String,
    /// [`msg_signature`] over token, timestamp, nonce and `encrypt`.
    #[serde(rename = "MsgSignature")]
    pub msg_signature: String,
    /// The developer server's current time, in seconds.
    #[serde(rename = "TimeStamp")]
    pub timestamp: u64,
    /// The nonce from the push's URL, echoed.
    #[serde(rename = "Nonce")]
    pub nonce: String,
}

impl EncryptedReply {
    /// Encrypts `msg` with fresh random bytes and signs it with `token`.
    pub fn seal(
        crypto: &MessageCrypto,
        token: &str,
        timestamp: u64,
        nonce: &str,
        msg: &[u8],
    ) -> Self {
        Self::from_encrypt(token, timestamp, nonce, crypto.encrypt(msg))
    }

    /// Signs an already encrypted `Encrypt` value with `token`.
    pub fn from_encrypt(token: &str, timestamp: u64, nonce: &str, encrypt: String) -> Self {
        let msg_signature = msg_signature(token, &timestamp.to_string(), nonce, &encrypt);
        Self {
            encrypt,
            msg_signature,
            timestamp,
            nonce: nonce.to_owned(),
        }
    }

    /// The JSON reply body:
    /// `{"Encrypt":"..","MsgSignature":"..","TimeStamp":123,"Nonce":".."}`.
    pub fn to_json(&self) -> String {
        format!(
            r#"{{"Encrypt":{},"MsgSignature":{},"TimeStamp":{},"Nonce":{}}}"#,
            json_string(&self.encrypt),
            json_string(&self.msg_signature),
            self.timestamp,
            json_string(&self.nonce),
        )
    }

    /// The XML reply body, strings in CDATA and the timestamp bare.
    pub fn to_xml(&self) -> String {
        format!(
            "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature>\
             <TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
            cdata(&self.encrypt),
            cdata(&self.msg_signature),
            self.timestamp,
            cdata(&self.nonce),
        )
    }
}

pub(crate) fn json_string(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// Wraps `value` in CDATA, splitting any `]]>` so it cannot end the section early.
pub(crate) fn cdata(value: &str) -> String {
    format!("<![CDATA[{}]]>", value.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Its last character `G` leaves non-zero unused bits (see `secret.rs`).
    const TRAILING_BITS_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APPID: &str = "wx0123456789abcdef";
    const RANDOM: &[u8; 16] = b"0123456789abcdef";

    fn crypto(appid: &str) -> MessageCrypto {
        let appid = AppId::parse(appid).expect("valid test appid");
        MessageCrypto::new(TRAILING_BITS_KEY, appid).expect("valid test key")
    }

    /// Encrypts a hand-made plaintext, padded to whole blocks by the caller, bypassing the
    /// normal layout: the way to reach decryption's error paths.
    fn seal_raw(crypto: &MessageCrypto, mut plaintext: Vec<u8>) -> String {
        assert_eq!(
            plaintext.len() % 16,
            0,
            "test plaintext must be whole blocks"
        );
        crypto.encrypt_padded(&mut plaintext);
        STANDARD.encode(plaintext)
    }

    /// `random ‖ declared length ‖ body`, PKCS#7-padded to 32 bytes.
    fn layout(declared: u32, body: &[u8]) -> Vec<u8> {
        let mut plaintext = RANDOM.to_vec();
        plaintext.extend_from_slice(&declared.to_be_bytes());
        plaintext.extend_from_slice(body);
        pkcs7_pad(&mut plaintext, MSG_PAD_BLOCK);
        plaintext
    }

    #[test]
    fn key_with_nonzero_trailing_bits_is_accepted_and_round_trips() {
        let appid = AppId::parse(APPID).expect("valid test appid");
        assert!(matches!(
            MessageCrypto::new("tooShort", appid),
            Err(CryptoError::EncodingAesKeyLength { len: 8 })
        ));
        let crypto = crypto(APPID);
        let sealed = crypto.encrypt_with_random(RANDOM, b"<xml>hi</xml>");
        let opened = crypto.open(&sealed).expect("own ciphertext decrypts");
        assert_eq!(opened.message, b"<xml>hi</xml>");
        assert_eq!(&opened.random, RANDOM);
        assert_eq!(opened.ciphertext_len % 32, 0);
        assert_eq!(
            opened.ciphertext_len - opened.pad_len,
            16 + 4 + 13 + APPID.len()
        );
    }

    #[test]
    fn random_encryption_differs_each_time_and_uses_alphanumerics() {
        let crypto = crypto(APPID);
        let first = crypto.encrypt(b"same");
        let second = crypto.encrypt(b"same");
        assert_ne!(first, second);
        for sealed in [first, second] {
            let opened = crypto.open(&sealed).expect("own ciphertext decrypts");
            assert_eq!(opened.message, b"same");
            assert!(opened.random.iter().all(u8::is_ascii_alphanumeric));
        }
    }

    #[test]
    fn debug_redacts_the_key() {
        let crypto = crypto(APPID);
        let shown = format!("{crypto:?}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(shown.contains(APPID), "{shown}");
        assert!(!shown.contains(&hex::encode(crypto.key.key())), "{shown}");
        assert!(
            !shown.contains(&format!("{:?}", crypto.key.key())),
            "{shown}"
        );
    }

    #[test]
    fn message_for_another_appid_is_refused_naming_it() {
        let sealed = crypto("wxotherappid00000").encrypt(b"hello");
        assert!(matches!(
            crypto(APPID).decrypt(&sealed),
            Err(CryptoError::AppIdMismatch { ref expected, ref found })
                if expected == APPID && found == "wxotherappid00000"
        ));
    }

    #[test]
    fn every_single_bit_flip_is_an_error_or_a_different_plaintext() {
        let crypto = crypto(APPID);
        let sealed = crypto.encrypt_with_random(RANDOM, br#"{"a":1}"#);
        let original = crypto.open(&sealed).expect("own ciphertext decrypts");
        let ciphertext = STANDARD.decode(sealed).expect("own output is base64");
        for at in 0..ciphertext.len() {
            let mut tampered = ciphertext.clone();
            tampered[at] ^= 0x80;
            let result = crypto.open(&STANDARD.encode(&tampered));
            assert_ne!(result.ok().as_ref(), Some(&original), "flip at byte {at}");
        }
        // Flipping the first ciphertext byte flips the top bit of the length field.
        let mut tampered = ciphertext.clone();
        tampered[0] ^= 0x80;
        assert!(matches!(
            crypto.open(&STANDARD.encode(&tampered)),
            Err(CryptoError::MessageLengthOutOfBounds { declared, .. }) if declared >= 0x8000_0000
        ));
    }

    #[test]
    fn bad_base64_and_partial_blocks_are_refused() {
        let crypto = crypto(APPID);
        let sealed = crypto.encrypt(b"hello");
        for bad in ["not base64!", sealed.trim_end_matches('=')] {
            assert!(matches!(
                crypto.decrypt(bad),
                Err(CryptoError::InvalidBase64 {
                    field: InputField::Encrypt
                })
            ));
        }
        let ciphertext = STANDARD.decode(&sealed).expect("own output is base64");
        for len in [0, 15, ciphertext.len() - 1] {
            assert!(matches!(
                crypto.decrypt(&STANDARD.encode(&ciphertext[..len])),
                Err(CryptoError::InvalidCiphertextLength { len: l }) if l == len
            ));
        }
    }

    #[test]
    fn pad_bytes_zero_and_thirty_three_are_refused() {
        let crypto = crypto(APPID);
        let mut zero = layout(0, APPID.as_bytes());
        let last = zero.len() - 1;
        zero[last] = 0;
        assert!(matches!(
            crypto.decrypt(&seal_raw(&crypto, zero)),
            Err(CryptoError::InvalidPadding)
        ));
        let mut thirty_three = layout(0, APPID.as_bytes());
        thirty_three.extend_from_slice(&[33u8; 32]);
        assert!(matches!(
            crypto.decrypt(&seal_raw(&crypto, thirty_three)),
            Err(CryptoError::InvalidPadding)
        ));
    }

    #[test]
    fn plaintext_too_short_for_random_and_length_is_refused() {
        let crypto = crypto(APPID);
        let mut short = b"0123456789".to_vec();
        pkcs7_pad(&mut short, MSG_PAD_BLOCK);
        assert!(matches!(
            crypto.decrypt(&seal_raw(&crypto, short)),
            Err(CryptoError::MessageTooShort { len: 10 })
        ));
    }

    #[test]
    fn length_field_past_the_end_is_refused() {
        let crypto = crypto(APPID);
        let available = 2 + APPID.len();
        for declared in [available as u32 + 1, 1000, u32::MAX] {
            let plaintext = layout(declared, format!("hi{APPID}").as_bytes());
            assert!(matches!(
                crypto.decrypt(&seal_raw(&crypto, plaintext)),
                Err(CryptoError::MessageLengthOutOfBounds { declared: d, available: a })
                    if d == declared && a == available
            ));
        }
        // A length that fits but leaves the wrong receive_id is an appid error instead.
        let plaintext = layout(3, format!("hi{APPID}").as_bytes());
        assert!(matches!(
            crypto.decrypt(&seal_raw(&crypto, plaintext)),
            Err(CryptoError::AppIdMismatch { ref found, .. }) if found == &APPID[1..]
        ));
    }

    #[test]
    fn replies_render_in_the_official_json_and_xml_forms() {
        let reply = EncryptedReply::from_encrypt("tok", 1713424427, "n]]>1", "E+/=".to_owned());
        assert_eq!(
            reply.msg_signature,
            msg_signature("tok", "1713424427", "n]]>1", "E+/=")
        );
        assert_eq!(
            reply.to_json(),
            format!(
                r#"{{"Encrypt":"E+/=","MsgSignature":"{}","TimeStamp":1713424427,"Nonce":"n]]>1"}}"#,
                reply.msg_signature
            )
        );
        assert_eq!(
            reply.to_xml(),
            format!(
                "<xml><Encrypt><![CDATA[E+/=]]></Encrypt><MsgSignature><![CDATA[{}]]></MsgSignature>\
                 <TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[n]]]]><![CDATA[>1]]></Nonce></xml>",
                reply.msg_signature
            )
        );
    }

    #[test]
    fn sealed_reply_decrypts_and_verifies() {
        let crypto = crypto(APPID);
        let reply = EncryptedReply::seal(&crypto, "tok", 42, "nonce", b"success?");
        assert_eq!(
            crypto.decrypt(&reply.encrypt).ok(),
            Some(b"success?".to_vec())
        );
        assert!(super::super::verify_signature(
            &reply.msg_signature,
            &["tok", "42", "nonce", &reply.encrypt]
        ));
    }
}
