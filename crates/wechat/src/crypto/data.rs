//! Open data (WXBizDataCrypt): `encryptedData` from `wx.getUserInfo` and friends, AES-128-CBC
//! under the user's `session_key` with the `iv` the mini-program sends, PKCS#7 to 16 bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cbc::cipher::KeyIvInit;

use super::{
    cbc_decrypt_in_place, cbc_encrypt_in_place, check_ciphertext_len, pkcs7_pad, pkcs7_pad_len,
    CryptoError, InputField,
};
use crate::AppId;

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// PKCS#7 block size of open data: the plain AES block.
const DATA_PAD_BLOCK: u8 = 16;

/// Decrypts `encryptedData` to its plaintext bytes (JSON in practice).
///
/// All three inputs are strict base64 (standard alphabet, padded). The session key and iv
/// must decode to 16 bytes each, the ciphertext to a positive multiple of 16, and the padding
/// must be complete PKCS#7; a wrong or stale session key almost always shows up as
/// [`CryptoError::InvalidPadding`].
pub fn decrypt_open_data(
    session_key_b64: &str,
    iv_b64: &str,
    encrypted_b64: &str,
) -> Result<Vec<u8>, CryptoError> {
    let key = decode_session_key(session_key_b64)?;
    let iv = decode_block(iv_b64, InputField::Iv)?;
    let iv = <[u8; 16]>::try_from(iv.as_slice())
        .map_err(|_| CryptoError::InvalidIvLength { len: iv.len() })?;
    let mut buf = decode_block(encrypted_b64, InputField::EncryptedData)?;
    check_ciphertext_len(&buf)?;
    cbc_decrypt_in_place(Aes128CbcDec::new(&key.into(), &iv.into()), &mut buf);
    let pad = pkcs7_pad_len(&buf, DATA_PAD_BLOCK)?;
    buf.truncate(buf.len() - pad);
    Ok(buf)
}

/// Encrypts `plaintext` the way WeChat produces `encryptedData` (used by the emulator) and
/// returns it as base64. The mini-program receives `iv` base64-encoded alongside.
pub fn encrypt_open_data(
    session_key_b64: &str,
    iv: [u8; 16],
    plaintext: &[u8],
) -> Result<String, CryptoError> {
    let key = decode_session_key(session_key_b64)?;
    let mut buf = plaintext.to_vec();
    pkcs7_pad(&mut buf, DATA_PAD_BLOCK);
    cbc_encrypt_in_place(Aes128CbcEnc::new(&key.into(), &iv.into()), &mut buf);
    Ok(STANDARD.encode(buf))
}

/// Decrypts `encryptedData`, parses it as JSON and checks that `watermark.appid` is
/// `expected_appid` (data encrypted for another mini-program is refused).
pub fn decrypt_and_check_watermark(
    session_key_b64: &str,
    iv_b64: &str,
    encrypted_b64: &str,
    expected_appid: &AppId,
) -> Result<serde_json::Value, CryptoError> {
    let plaintext = decrypt_open_data(session_key_b64, iv_b64, encrypted_b64)?;
    let value: serde_json::Value =
        serde_json::from_slice(&plaintext).map_err(CryptoError::NotJson)?;
    let found = value
        .get("watermark")
        .and_then(|watermark| watermark.get("appid"))
        .and_then(serde_json::Value::as_str)
        .ok_or(CryptoError::MissingWatermark)?;
    if found != expected_appid.as_str() {
        return Err(CryptoError::WatermarkAppIdMismatch {
            expected: expected_appid.as_str().to_owned(),
            found: found.to_owned(),
        });
    }
    Ok(value)
}

fn decode_block(input: &str, field: InputField) -> Result<Vec<u8>, CryptoError> {
    STANDARD
        .decode(input)
        .map_err(|_| CryptoError::InvalidBase64 { field })
}

fn decode_session_key(session_key_b64: &str) -> Result<[u8; 16], CryptoError> {
    let key = decode_block(session_key_b64, InputField::SessionKey)?;
    <[u8; 16]>::try_from(key.as_slice())
        .map_err(|_| CryptoError::InvalidSessionKeyLength { len: key.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZg=="; // "0123456789abcdef"
    const OTHER_KEY: &str = "ZmVkY2JhOTg3NjU0MzIxMA=="; // "fedcba9876543210"
    const IV: [u8; 16] = *b"iv-iv-iv-iv-iv-i";
    const IV_B64: &str = "aXYtaXYtaXYtaXYtaXYtaQ==";
    const JSON: &[u8] = br#"{"openId":"o1","watermark":{"timestamp":1,"appid":"wxapp"}}"#;

    fn appid(s: &str) -> AppId {
        AppId::parse(s).expect("valid test appid")
    }

    fn encrypt(plaintext: &[u8]) -> String {
        encrypt_open_data(KEY, IV, plaintext).expect("valid test key")
    }

    #[test]
    fn iv_constant_is_the_base64_of_the_iv_bytes() {
        assert_eq!(STANDARD.encode(IV), IV_B64);
    }

    #[test]
    fn encrypted_data_round_trips_for_every_pad_length() {
        for len in 0..=48 {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = encrypt(&plaintext);
            let ciphertext_len = STANDARD.decode(&sealed).map(|c| c.len()).ok();
            assert_eq!(ciphertext_len, Some((len / 16 + 1) * 16), "len {len}");
            assert_eq!(
                decrypt_open_data(KEY, IV_B64, &sealed).ok(),
                Some(plaintext)
            );
        }
    }

    #[test]
    fn watermark_with_the_right_appid_is_accepted() {
        let value = decrypt_and_check_watermark(KEY, IV_B64, &encrypt(JSON), &appid("wxapp"));
        let value = value.expect("decrypts");
        assert_eq!(value["openId"], "o1");
    }

    #[test]
    fn wrong_session_key_is_a_padding_error() {
        let result = decrypt_open_data(OTHER_KEY, IV_B64, &encrypt(JSON));
        assert!(
            matches!(result, Err(CryptoError::InvalidPadding)),
            "{result:?}"
        );
    }

    #[test]
    fn watermark_for_another_appid_is_refused_with_both_appids() {
        let result = decrypt_and_check_watermark(KEY, IV_B64, &encrypt(JSON), &appid("wxother"));
        assert!(matches!(
            result,
            Err(CryptoError::WatermarkAppIdMismatch { ref expected, ref found })
                if expected == "wxother" && found == "wxapp"
        ));
    }

    #[test]
    fn plaintext_without_watermark_or_not_json_is_refused() {
        let refuse = |plaintext: &[u8]| {
            decrypt_and_check_watermark(KEY, IV_B64, &encrypt(plaintext), &appid("wxapp"))
                .expect_err("must be refused")
        };
        for no_watermark in [
            &br#"{"openId":"o1"}"#[..],
            br#"{"watermark":{"timestamp":1}}"#,
            br#"{"watermark":{"appid":7}}"#,
            b"[1,2]",
        ] {
            let error = refuse(no_watermark);
            assert!(
                matches!(error, CryptoError::MissingWatermark),
                "{no_watermark:?} gave {error:?}"
            );
        }
        assert!(matches!(refuse(b"not json"), CryptoError::NotJson(_)));
    }

    #[test]
    fn each_bad_base64_input_is_named() {
        let data = encrypt(JSON);
        let cases = [
            (
                decrypt_open_data("not base64!", IV_B64, &data),
                InputField::SessionKey,
            ),
            (
                decrypt_open_data(KEY, "aXYtaXYtaXYtaXYtaXYtaQ", &data),
                InputField::Iv,
            ),
            (
                decrypt_open_data(KEY, IV_B64, &data.replace('=', "")),
                InputField::EncryptedData,
            ),
            (
                decrypt_open_data(KEY, IV_B64, &data.replace('+', "-")),
                InputField::EncryptedData,
            ),
        ];
        for (result, field) in cases {
            assert!(
                matches!(result, Err(CryptoError::InvalidBase64 { field: f }) if f == field),
                "expected bad {field}, got {result:?}"
            );
        }
    }

    #[test]
    fn wrong_key_and_iv_lengths_are_refused() {
        let data = encrypt(JSON);
        let short_key = STANDARD.encode([1u8; 15]);
        let long_iv = STANDARD.encode([1u8; 24]);
        assert!(matches!(
            decrypt_open_data(&short_key, IV_B64, &data),
            Err(CryptoError::InvalidSessionKeyLength { len: 15 })
        ));
        assert!(matches!(
            encrypt_open_data(&short_key, IV, JSON),
            Err(CryptoError::InvalidSessionKeyLength { len: 15 })
        ));
        assert!(matches!(
            decrypt_open_data(KEY, &long_iv, &data),
            Err(CryptoError::InvalidIvLength { len: 24 })
        ));
    }

    #[test]
    fn truncated_or_empty_ciphertext_is_refused() {
        let ciphertext = STANDARD
            .decode(encrypt(JSON))
            .expect("own output is base64");
        for len in [0, 1, ciphertext.len() - 1] {
            let truncated = STANDARD.encode(&ciphertext[..len]);
            assert!(matches!(
                decrypt_open_data(KEY, IV_B64, &truncated),
                Err(CryptoError::InvalidCiphertextLength { len: l }) if l == len
            ));
        }
    }

    #[test]
    fn tampered_ciphertext_is_an_error_not_a_panic() {
        let mut ciphertext = STANDARD
            .decode(encrypt(JSON))
            .expect("own output is base64");
        let last = ciphertext.len() - 1;
        ciphertext[last] ^= 0x01;
        let tampered = STANDARD.encode(&ciphertext);
        let result = decrypt_open_data(KEY, IV_B64, &tampered);
        assert!(
            matches!(result, Err(CryptoError::InvalidPadding)),
            "{result:?}"
        );
    }
}
