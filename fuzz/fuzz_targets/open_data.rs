//! Open-data decryption (`encryptedData` with the session_key and iv): arbitrary base64 text
//! in the three inputs, and arbitrary ciphertext under a valid key and iv.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use wxbase_wechat::crypto::{decrypt_and_check_watermark, decrypt_open_data};
use wxbase_wechat::AppId;

const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{1}');
    let (key, iv, encrypted) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let _ = decrypt_open_data(key, iv, encrypted);
    let sealed = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = decrypt_open_data(KEY, IV, &sealed);
    if let Ok(appid) = AppId::parse("wxfuzz0000000001") {
        let _ = decrypt_and_check_watermark(KEY, IV, &sealed, &appid);
    }
});
