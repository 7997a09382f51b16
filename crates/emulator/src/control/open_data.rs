//! Control routes for what the mini-program gets from WeChat about its user: a phone-number
//! code (`<button open-type="getPhoneNumber">`), `encryptedData` + `iv` (the older
//! getPhoneNumber and `wx.getUserInfo`), and `rawData` + `signature` (`wx.getUserInfo`).
//! The last two use the person's current session_key, so the person must have logged in.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use wxbase_wechat::crypto::{encrypt_open_data, raw_data_signature};

use super::{app_or_default, check_user, parse_body, refuse, ControlResult, Refusal};
use crate::config::EmulatedApp;
use crate::state::people;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/phone-code", post(phone_code))
        .route("/__emulator/encrypted-data", post(encrypted_data))
        .route("/__emulator/user-profile", post(user_profile))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonRequest {
    user: String,
    #[serde(default)]
    appid: Option<String>,
}

/// Checks the person's name and finds the app (`appid`, or the default app).
fn app_for<'a>(
    state: &'a EmulatorState,
    user: &str,
    appid: Option<&str>,
) -> Result<&'a EmulatedApp, Refusal> {
    check_user(user)?;
    app_or_default(state, appid)
}

/// The person's current session_key in `app`, or the refusal that says to log in first.
fn session_key_of(state: &EmulatorState, app: &EmulatedApp, user: &str) -> Result<String, Refusal> {
    state.session_key(&app.appid, user).ok_or_else(|| {
        refuse(format!(
            "{user} has not logged in: call /__emulator/login-code and log in first"
        ))
    })
}

/// A single-use phone-number code for `user`, valid 5 minutes, for
/// `POST /wxa/business/getuserphonenumber`.
async fn phone_code(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: PersonRequest = parse_body(&body)?;
    let app = app_for(&state, &request.user, request.appid.as_deref())?;
    let code = state.issue_phone_code(&app.appid, &request.user);
    Ok(Json(json!({ "code": code })))
}

/// What kind of open data to encrypt.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Phone,
    Userinfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EncryptedDataRequest {
    user: String,
    kind: Kind,
    #[serde(default)]
    appid: Option<String>,
    #[serde(default)]
    watermark_appid: Option<String>,
}

/// `{"encryptedData", "iv"}` as the mini-program receives them: the person's phone number or
/// profile as JSON with a watermark, AES-128-CBC under the current session_key with a random
/// iv. `watermarkAppid` puts another appid in the watermark.
async fn encrypted_data(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: EncryptedDataRequest = parse_body(&body)?;
    let user = request.user.as_str();
    let app = app_for(&state, user, request.appid.as_deref())?;
    let session_key = session_key_of(&state, app, user)?;
    let watermark = json!({
        "timestamp": state.clock.now().as_secs(),
        "appid": request.watermark_appid.as_deref().unwrap_or(&app.appid),
    });
    let plaintext = match request.kind {
        Kind::Phone => phone_data(user, watermark),
        Kind::Userinfo => user_info_data(&state, app, user, watermark),
    };
    let iv = rand::random::<[u8; 16]>();
    let encrypted = encrypt_open_data(&session_key, iv, plaintext.to_string().as_bytes())
        .map_err(|error| refuse(format!("cannot encrypt with the session_key: {error}")))?;
    Ok(Json(json!({
        "encryptedData": encrypted,
        "iv": STANDARD.encode(iv),
    })))
}

fn phone_data(user: &str, watermark: Value) -> Value {
    let phone = people::phone_for(user);
    json!({
        "phoneNumber": phone,
        "purePhoneNumber": phone,
        "countryCode": "86",
        "watermark": watermark,
    })
}

fn user_info_data(state: &EmulatorState, app: &EmulatedApp, user: &str, watermark: Value) -> Value {
    let (openid, unionid) = state.identity(app, user);
    let profile = people::profile_for(user);
    let mut data = json!({
        "openId": openid,
        "nickName": profile.nick_name,
        "gender": profile.gender,
        "language": profile.language,
        "city": profile.city,
        "province": profile.province,
        "country": profile.country,
        "avatarUrl": profile.avatar_url,
        "watermark": watermark,
    });
    if let Some(unionid) = unionid {
        data["unionId"] = json!(unionid);
    }
    data
}

/// `{"rawData", "signature"}` as `wx.getUserInfo` gave them: the profile as a JSON string and
/// `sha1(rawData + session_key)`.
async fn user_profile(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: PersonRequest = parse_body(&body)?;
    let app = app_for(&state, &request.user, request.appid.as_deref())?;
    let session_key = session_key_of(&state, app, &request.user)?;
    let raw_data = serde_json::to_string(&people::profile_for(&request.user))
        .map_err(|error| refuse(format!("cannot render the profile: {error}")))?;
    let signature = raw_data_signature(&raw_data, &session_key);
    Ok(Json(json!({ "rawData": raw_data, "signature": signature })))
}
