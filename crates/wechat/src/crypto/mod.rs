//! WeChat cryptography: push signatures, the push-message envelope (WXBizMsgCrypt) and
//! open-data decryption (WXBizDataCrypt). Pure functions and values; no I/O.
//!
//! Protocol reference: `docs/wechat-protocol.md`, sections "Message push" (with "Message
//! encryption (WXBizMsgCrypt)") and "Open data".

mod data;
mod error;
pub(crate) mod message;
mod secret;
mod signature;

pub use data::{decrypt_and_check_watermark, decrypt_open_data, encrypt_open_data};
pub use error::{CryptoError, InputField};
pub use message::{DecryptedMessage, EncryptedReply, MessageCrypto};
pub use secret::{generate_encoding_aes_key, EncodingAesKey};
pub use signature::{
    msg_signature, raw_data_signature, sha1_signature, verify_raw_data_signature, verify_signature,
};

use aes::cipher::{consts::U16, BlockDecryptMut, BlockEncryptMut};

/// The AES block size; both AES-128 and AES-256 use it.
const AES_BLOCK: usize = 16;

/// Appends PKCS#7 padding to a multiple of `block` bytes: `n = block - len % block` bytes of
/// value `n`, so a whole block of padding when `buf` is already aligned.
fn pkcs7_pad(buf: &mut Vec<u8>, block: u8) {
    let block_len = usize::from(block);
    let pad = block_len - buf.len() % block_len;
    // `pad` is in 1..=block, so it fits in a u8.
    let pad_byte = u8::try_from(pad).unwrap_or(block);
    buf.resize(buf.len() + pad, pad_byte);
}

/// Checks PKCS#7 padding for `block`-byte blocks and returns the pad length: the last byte `n`
/// must be in `1..=block`, no longer than `buf`, and all of the last `n` bytes must equal `n`.
fn pkcs7_pad_len(buf: &[u8], block: u8) -> Result<usize, CryptoError> {
    let Some(&last) = buf.last() else {
        return Err(CryptoError::InvalidPadding);
    };
    let pad = usize::from(last);
    if pad == 0 || last > block || pad > buf.len() {
        return Err(CryptoError::InvalidPadding);
    }
    // Look at every pad byte, not just until the first mismatch.
    let mismatch = buf[buf.len() - pad..]
        .iter()
        .fold(0u8, |acc, &b| acc | (b ^ last));
    if mismatch != 0 {
        return Err(CryptoError::InvalidPadding);
    }
    Ok(pad)
}

/// Rejects ciphertexts that are empty or not a whole number of AES blocks.
fn check_ciphertext_len(ciphertext: &[u8]) -> Result<(), CryptoError> {
    if ciphertext.is_empty() || ciphertext.len() % AES_BLOCK != 0 {
        return Err(CryptoError::InvalidCiphertextLength {
            len: ciphertext.len(),
        });
    }
    Ok(())
}

/// Encrypts `buf` in place, block by block, with an already keyed CBC encryptor. The caller
/// pads `buf` to a multiple of [`AES_BLOCK`] first.
fn cbc_encrypt_in_place<E: BlockEncryptMut<BlockSize = U16>>(mut encryptor: E, buf: &mut [u8]) {
    debug_assert_eq!(buf.len() % AES_BLOCK, 0);
    for block in buf.chunks_exact_mut(AES_BLOCK) {
        encryptor.encrypt_block_mut(block.into());
    }
}

/// Decrypts `buf` in place with an already keyed CBC decryptor. The caller checks the length
/// with [`check_ciphertext_len`] first.
fn cbc_decrypt_in_place<D: BlockDecryptMut<BlockSize = U16>>(mut decryptor: D, buf: &mut [u8]) {
    debug_assert_eq!(buf.len() % AES_BLOCK, 0);
    for block in buf.chunks_exact_mut(AES_BLOCK) {
        decryptor.decrypt_block_mut(block.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_to_32_adds_a_whole_block_when_already_aligned() {
        let mut buf = vec![7u8; 32];
        pkcs7_pad(&mut buf, 32);
        assert_eq!(buf.len(), 64);
        assert!(buf[32..].iter().all(|&b| b == 32));
        assert_eq!(pkcs7_pad_len(&buf, 32).ok(), Some(32));
    }

    #[test]
    fn padding_round_trips_for_every_length_in_a_block() {
        for len in 0..40 {
            for block in [16u8, 32] {
                let mut buf = vec![0xAB; len];
                pkcs7_pad(&mut buf, block);
                assert_eq!(buf.len() % usize::from(block), 0);
                let pad = pkcs7_pad_len(&buf, block).ok();
                assert_eq!(
                    pad.map(|p| buf.len() - p),
                    Some(len),
                    "len {len} block {block}"
                );
            }
        }
    }

    #[test]
    fn pad_byte_zero_is_rejected() {
        let mut buf = vec![1u8; 31];
        buf.push(0);
        assert!(matches!(
            pkcs7_pad_len(&buf, 32),
            Err(CryptoError::InvalidPadding)
        ));
    }

    #[test]
    fn pad_byte_larger_than_the_block_is_rejected() {
        assert!(matches!(
            pkcs7_pad_len(&[33u8; 64], 32),
            Err(CryptoError::InvalidPadding)
        ));
        assert!(matches!(
            pkcs7_pad_len(&[17u8; 32], 16),
            Err(CryptoError::InvalidPadding)
        ));
    }

    #[test]
    fn pad_longer_than_the_data_or_empty_data_is_rejected() {
        assert!(matches!(
            pkcs7_pad_len(&[5u8; 4], 16),
            Err(CryptoError::InvalidPadding)
        ));
        assert!(matches!(
            pkcs7_pad_len(&[], 16),
            Err(CryptoError::InvalidPadding)
        ));
    }

    #[test]
    fn any_pad_byte_that_differs_is_rejected() {
        // The last byte says 4; one of the three before it says something else.
        for wrong_at in 12..15 {
            let mut buf = vec![0u8; 12];
            buf.extend_from_slice(&[4, 4, 4, 4]);
            buf[wrong_at] = 3;
            assert!(
                matches!(pkcs7_pad_len(&buf, 16), Err(CryptoError::InvalidPadding)),
                "differing byte at {wrong_at}"
            );
        }
    }

    #[test]
    fn ciphertext_must_be_whole_nonempty_blocks() {
        assert!(check_ciphertext_len(&[0u8; 32]).is_ok());
        for len in [0usize, 1, 15, 17, 31] {
            assert!(matches!(
                check_ciphertext_len(&vec![0u8; len]),
                Err(CryptoError::InvalidCiphertextLength { len: l }) if l == len
            ));
        }
    }
}
