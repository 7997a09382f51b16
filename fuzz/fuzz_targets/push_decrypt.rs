//! Push decryption (compatible and safe mode): base64, AES-256-CBC, WeChat's padding, the
//! length prefix and the AppID check, on arbitrary `Encrypt` text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbase_wechat::crypto::MessageCrypto;
use wxbase_wechat::AppId;

fuzz_target!(|data: &[u8]| {
    let Ok(appid) = AppId::parse("wxfuzz0000000001") else {
        return;
    };
    let Ok(crypto) = MessageCrypto::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", appid)
    else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let _ = crypto.decrypt(&text);
    let _ = crypto.open(&text);
    // The same bytes as ciphertext under the right key: every padding and length path.
    use base64::Engine;
    let sealed = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = crypto.open(&sealed);
});
