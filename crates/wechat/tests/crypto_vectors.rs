//! The official WeChat crypto vectors in `tests/vectors/` (its README says where each comes
//! from), every value checked exactly. Each vector struct denies unknown fields, so a value
//! added to a vector fails here until a test checks it (or explicitly ignores it as metadata).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::de::IgnoredAny;
use serde::Deserialize;
use wxbase_wechat::crypto::{
    decrypt_and_check_watermark, decrypt_open_data, encrypt_open_data, msg_signature,
    raw_data_signature, sha1_signature, verify_raw_data_signature, verify_signature, CryptoError,
    EncryptedReply, MessageCrypto,
};
use wxbase_wechat::AppId;

macro_rules! vector {
    ($file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/",
            $file
        ))
    };
}

fn parse<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("vector does not match its struct: {e}"))
}

fn appid(value: &str) -> AppId {
    AppId::parse(value).unwrap_or_else(|e| panic!("vector appid {value:?}: {e}"))
}

// ---- wx_msg_crypt -----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MsgCryptVector {
    kind: String,
    #[serde(rename = "name")]
    _name: IgnoredAny,
    #[serde(rename = "source")]
    _source: IgnoredAny,
    token: String,
    encoding_aes_key: String,
    aes_key_hex: String,
    key_last_char_has_nonzero_trailing_bits: bool,
    appid: String,
    signature_cases: (GetCase, PlainPostCase, SafeSignatureCase),
    cases: (InboundCase, OutboundCase),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetCase {
    what: String,
    timestamp: String,
    nonce: String,
    echostr: String,
    expected_signature: String,
    sorted_concat: String,
    expected_response_body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainPostCase {
    what: String,
    timestamp: String,
    nonce: String,
    expected_signature: String,
    sorted_concat: String,
    body: String,
    #[serde(rename = "body_note")]
    _body_note: IgnoredAny,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SafeSignatureCase {
    what: String,
    timestamp: String,
    nonce: String,
    expected_signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InboundCase {
    direction: String,
    url_query: String,
    timestamp: String,
    nonce: String,
    msg_signature: String,
    envelope: Envelope,
    encrypt: String,
    expected_ciphertext_len: usize,
    expected_fullstr_len: usize,
    expected_pad_len: usize,
    expected_random: String,
    expected_msg_len: usize,
    expected_msg: String,
    expected_appid: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Envelope {
    to_user_name: String,
    encrypt: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboundCase {
    direction: String,
    random: String,
    msg: String,
    expected_msg_len: usize,
    expected_fullstr_len: usize,
    timestamp: String,
    nonce: String,
    expected_encrypt: String,
    expected_ciphertext_len: usize,
    expected_msg_signature: String,
    expected_reply_body: serde_json::Value,
}

fn msg_vector() -> MsgCryptVector {
    let vector: MsgCryptVector = parse(vector!("msgcrypt_official_miniprogram_doc.json"));
    assert_eq!(vector.kind, "wx_msg_crypt");
    vector
}

fn msg_crypto(vector: &MsgCryptVector, appid_value: &str) -> MessageCrypto {
    MessageCrypto::new(&vector.encoding_aes_key, appid(appid_value))
        .unwrap_or_else(|e| panic!("vector EncodingAESKey refused: {e}"))
}

/// Checks a three-way signature case: the byte-wise sort gives `sorted_concat`, and both our
/// signature of the parts and plain SHA-1 of the concatenation give `expected`.
fn check_three_way(token: &str, timestamp: &str, nonce: &str, sorted_concat: &str, expected: &str) {
    let mut parts = [token, timestamp, nonce];
    parts.sort();
    assert_eq!(parts.concat(), sorted_concat);
    assert_eq!(sha1_signature(&[token, timestamp, nonce]), expected);
    assert_eq!(sha1_signature(&[sorted_concat]), expected);
    assert_ne!(
        sha1_signature(&[&format!("{token}{timestamp}{nonce}")]),
        expected
    );
    assert!(verify_signature(expected, &[nonce, token, timestamp]));
}

fn query_param<'a>(query: &'a str, name: &str) -> &'a str {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("url_query has no {name}"))
}

#[test]
fn get_url_verification_signature_matches_the_official_walkthrough() {
    let vector = msg_vector();
    let case = &vector.signature_cases.0;
    assert!(case.what.starts_with("GET"), "{}", case.what);
    check_three_way(
        &vector.token,
        &case.timestamp,
        &case.nonce,
        &case.sorted_concat,
        &case.expected_signature,
    );
    // The URL check answers with echostr verbatim (plaintext even in safe mode).
    assert_eq!(case.expected_response_body, case.echostr);
}

#[test]
fn plaintext_post_signature_matches_and_does_not_cover_the_body() {
    let vector = msg_vector();
    let case = &vector.signature_cases.1;
    assert!(case.what.contains("plaintext"), "{}", case.what);
    check_three_way(
        &vector.token,
        &case.timestamp,
        &case.nonce,
        &case.sorted_concat,
        &case.expected_signature,
    );
    let with_body = [
        vector.token.as_str(),
        &case.timestamp,
        &case.nonce,
        &case.body,
    ];
    assert!(!verify_signature(&case.expected_signature, &with_body));
    let body: serde_json::Value = parse(&case.body);
    assert_eq!(body["CreateTime"].to_string(), case.timestamp);
}

#[test]
fn safe_mode_url_signature_is_the_three_way_one_and_differs_from_msg_signature() {
    let vector = msg_vector();
    let case = &vector.signature_cases.2;
    let inbound = &vector.cases.0;
    assert!(case.what.contains("safe mode"), "{}", case.what);
    assert_eq!(
        (&case.timestamp, &case.nonce),
        (&inbound.timestamp, &inbound.nonce)
    );
    let three_way = [vector.token.as_str(), &case.timestamp, &case.nonce];
    assert_eq!(sha1_signature(&three_way), case.expected_signature);
    assert!(!verify_signature(&inbound.msg_signature, &three_way));
    assert_eq!(
        query_param(&inbound.url_query, "signature"),
        case.expected_signature
    );
}

#[test]
fn inbound_safe_mode_message_verifies_and_decrypts_byte_exact() {
    let vector = msg_vector();
    let case = &vector.cases.0;
    assert!(case.direction.starts_with("inbound"), "{}", case.direction);

    let query = case.url_query.as_str();
    assert_eq!(query_param(query, "timestamp"), case.timestamp);
    assert_eq!(query_param(query, "nonce"), case.nonce);
    assert_eq!(query_param(query, "encrypt_type"), "aes");
    assert_eq!(query_param(query, "msg_signature"), case.msg_signature);
    assert_eq!(case.envelope.encrypt, case.encrypt);

    let expected = msg_signature(&vector.token, &case.timestamp, &case.nonce, &case.encrypt);
    assert_eq!(expected, case.msg_signature);
    let parts = [&*vector.token, &case.timestamp, &case.nonce, &case.encrypt];
    assert!(verify_signature(&case.msg_signature, &parts));

    assert_eq!(case.expected_appid, vector.appid);
    let opened = msg_crypto(&vector, &case.expected_appid)
        .open(&case.encrypt)
        .unwrap_or_else(|e| panic!("vector Encrypt refused: {e}"));
    assert_eq!(opened.ciphertext_len, case.expected_ciphertext_len);
    assert_eq!(opened.pad_len, case.expected_pad_len);
    assert_eq!(
        opened.ciphertext_len - opened.pad_len,
        case.expected_fullstr_len
    );
    assert_eq!(&opened.random, case.expected_random.as_bytes());
    assert_eq!(opened.message.len(), case.expected_msg_len);
    assert_eq!(opened.message, case.expected_msg.as_bytes());
    let full = 16 + 4 + case.expected_msg_len + case.expected_appid.len();
    assert_eq!(full, case.expected_fullstr_len);

    let message: serde_json::Value = parse(&case.expected_msg);
    assert_eq!(message["ToUserName"], case.envelope.to_user_name.as_str());
    assert_eq!(query_param(query, "openid"), message["FromUserName"]);
}

#[test]
fn inbound_message_is_refused_for_another_appid_naming_the_real_one() {
    let vector = msg_vector();
    let case = &vector.cases.0;
    let result = msg_crypto(&vector, "wx0000000000000000").decrypt(&case.encrypt);
    assert!(
        matches!(&result, Err(CryptoError::AppIdMismatch { found, .. }) if *found == case.expected_appid),
        "{result:?}"
    );
}

#[test]
fn outbound_reply_encrypts_signs_and_renders_byte_exact() {
    let vector = msg_vector();
    let case = &vector.cases.1;
    assert!(case.direction.starts_with("outbound"), "{}", case.direction);
    let crypto = msg_crypto(&vector, &vector.appid);
    let random: [u8; 16] = case.random.as_bytes().try_into().expect("16-byte random");

    let encrypt = crypto.encrypt_with_random(&random, case.msg.as_bytes());
    assert_eq!(encrypt, case.expected_encrypt);
    let ciphertext = STANDARD.decode(&encrypt).expect("own output is base64");
    assert_eq!(ciphertext.len(), case.expected_ciphertext_len);

    let opened = crypto.open(&encrypt).expect("own output decrypts");
    assert_eq!(opened.message, case.msg.as_bytes());
    assert_eq!(opened.message.len(), case.expected_msg_len);
    assert_eq!(
        opened.ciphertext_len - opened.pad_len,
        case.expected_fullstr_len
    );
    assert_eq!(&opened.random, &random);

    let timestamp: u64 = case.timestamp.parse().expect("numeric timestamp");
    let reply = EncryptedReply::from_encrypt(&vector.token, timestamp, &case.nonce, encrypt);
    assert_eq!(reply.msg_signature, case.expected_msg_signature);
    assert_eq!(reply.timestamp.to_string(), case.timestamp);
    let body: serde_json::Value = parse(&reply.to_json());
    assert_eq!(body, case.expected_reply_body);
    assert_eq!(
        serde_json::to_value(&reply).ok(),
        Some(case.expected_reply_body.clone())
    );
    assert_eq!(
        reply.to_json(),
        format!(
            r#"{{"Encrypt":"{}","MsgSignature":"{}","TimeStamp":{},"Nonce":"{}"}}"#,
            case.expected_encrypt, case.expected_msg_signature, case.timestamp, case.nonce
        )
    );
    assert_eq!(
        reply.to_xml(),
        format!(
            "<xml><Encrypt><![CDATA[{}]]></Encrypt><MsgSignature><![CDATA[{}]]></MsgSignature>\
             <TimeStamp>{}</TimeStamp><Nonce><![CDATA[{}]]></Nonce></xml>",
            case.expected_encrypt, case.expected_msg_signature, case.timestamp, case.nonce
        )
    );
}

#[test]
fn vector_aes_key_is_what_the_encoding_aes_key_means() {
    use cbc::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};

    let vector = msg_vector();
    let case = &vector.cases.1;
    // The strict decoder accepts the key exactly when its trailing bits are zero.
    let strict = STANDARD.decode(format!("{}=", vector.encoding_aes_key));
    assert_eq!(
        strict.is_err(),
        vector.key_last_char_has_nonzero_trailing_bits
    );

    // Encrypt the outbound plaintext independently under aes_key_hex (IV = first 16 bytes):
    // it must give the same Encrypt as MessageCrypto built from the EncodingAESKey.
    let key = hex::decode(&vector.aes_key_hex).expect("hex key");
    let mut plaintext = case.random.as_bytes().to_vec();
    plaintext.extend_from_slice(&u32::try_from(case.msg.len()).expect("short").to_be_bytes());
    plaintext.extend_from_slice(case.msg.as_bytes());
    plaintext.extend_from_slice(vector.appid.as_bytes());
    let pad = 32 - plaintext.len() % 32;
    plaintext.resize(plaintext.len() + pad, u8::try_from(pad).expect("pad fits"));
    let len = plaintext.len();
    let encryptor =
        cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &key[..16]).expect("32-byte key");
    let ciphertext = encryptor
        .encrypt_padded_mut::<NoPadding>(&mut plaintext, len)
        .expect("whole blocks");
    let independent = STANDARD.encode(ciphertext);
    assert_eq!(independent, case.expected_encrypt);
    let random: [u8; 16] = case.random.as_bytes().try_into().expect("16-byte random");
    let ours = msg_crypto(&vector, &vector.appid).encrypt_with_random(&random, case.msg.as_bytes());
    assert_eq!(ours, independent);
}

// ---- wx_data_crypt ----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataCryptVector {
    kind: String,
    #[serde(rename = "name")]
    _name: IgnoredAny,
    #[serde(rename = "source")]
    _source: IgnoredAny,
    appid: String,
    session_key: String,
    iv: String,
    encrypted_data: String,
    cipher: String,
    expected_ciphertext_len: usize,
    expected_pad_len: usize,
    expected_plaintext: String,
    expected_watermark: serde_json::Value,
}

fn data_vector() -> DataCryptVector {
    let vector: DataCryptVector = parse(vector!("wxbizdatacrypt_official_demo.json"));
    assert_eq!(vector.kind, "wx_data_crypt");
    assert!(
        vector.cipher.starts_with("AES-128-CBC"),
        "{}",
        vector.cipher
    );
    vector
}

#[test]
fn official_data_crypt_demo_decrypts_byte_exact() {
    let v = data_vector();
    let plaintext = decrypt_open_data(&v.session_key, &v.iv, &v.encrypted_data)
        .unwrap_or_else(|e| panic!("demo encryptedData refused: {e}"));
    assert_eq!(plaintext, v.expected_plaintext.as_bytes());
    let ciphertext_len = STANDARD.decode(&v.encrypted_data).expect("base64").len();
    assert_eq!(ciphertext_len, v.expected_ciphertext_len);
    assert_eq!(ciphertext_len - plaintext.len(), v.expected_pad_len);
}

#[test]
fn official_data_crypt_demo_re_encrypts_byte_exact() {
    let v = data_vector();
    let iv: [u8; 16] = STANDARD
        .decode(&v.iv)
        .expect("base64")
        .try_into()
        .expect("16 bytes");
    let sealed = encrypt_open_data(&v.session_key, iv, v.expected_plaintext.as_bytes())
        .unwrap_or_else(|e| panic!("demo session_key refused: {e}"));
    assert_eq!(sealed, v.encrypted_data);
}

#[test]
fn official_data_crypt_demo_watermark_is_checked_against_the_appid() {
    let v = data_vector();
    let value =
        decrypt_and_check_watermark(&v.session_key, &v.iv, &v.encrypted_data, &appid(&v.appid))
            .unwrap_or_else(|e| panic!("demo watermark refused: {e}"));
    assert_eq!(value["watermark"], v.expected_watermark);
    assert_eq!(v.expected_watermark["appid"], v.appid.as_str());
    assert_eq!(value, parse::<serde_json::Value>(&v.expected_plaintext));

    let other = appid("wx0000000000000000");
    let result = decrypt_and_check_watermark(&v.session_key, &v.iv, &v.encrypted_data, &other);
    assert!(
        matches!(&result, Err(CryptoError::WatermarkAppIdMismatch { expected, found })
            if expected == "wx0000000000000000" && *found == v.appid),
        "{result:?}"
    );
}

#[test]
fn official_data_crypt_demo_with_another_session_key_is_a_padding_error() {
    let v = data_vector();
    let result = decrypt_open_data("HyVFkGl5F5OQWJZZaNzBBg==", &v.iv, &v.encrypted_data);
    assert!(
        matches!(result, Err(CryptoError::InvalidPadding)),
        "{result:?}"
    );
}

// ---- wx_rawdata_signature ---------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataVector {
    kind: String,
    #[serde(rename = "name")]
    _name: IgnoredAny,
    #[serde(rename = "source")]
    _source: IgnoredAny,
    raw_data: String,
    session_key: String,
    expected_signature: String,
}

#[test]
fn official_raw_data_signature_matches_and_verifies() {
    let v: RawDataVector = parse(vector!("rawdata_signature_official.json"));
    assert_eq!(v.kind, "wx_rawdata_signature");
    assert_eq!(
        raw_data_signature(&v.raw_data, &v.session_key),
        v.expected_signature
    );
    assert!(verify_raw_data_signature(
        &v.expected_signature,
        &v.raw_data,
        &v.session_key
    ));
    let tampered = v.raw_data.replace("Band", "Bond");
    assert!(!verify_raw_data_signature(
        &v.expected_signature,
        &tampered,
        &v.session_key
    ));
    assert!(!verify_raw_data_signature(
        &v.expected_signature,
        &v.raw_data,
        "x"
    ));
}
