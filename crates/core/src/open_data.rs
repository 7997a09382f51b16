//! What users share through the mini-program: encrypted data (unionId, phone number), phone
//! codes and signed profile data, checked with the server-side session_key.

use std::sync::Arc;

use serde_json::Value;
use wxbase_wechat::crypto::{self, CryptoError};
use wxbase_wechat::{AppId, ErrCode, UnionId, WechatClient, WechatError};

use crate::store::{Store, StoreError};
use crate::token::{TokenError, TokenManager};
use crate::{KeyedUser, Phone, Profile, User, UserUpdate};

/// Longest phone code accepted before asking WeChat.
const MAX_PHONE_CODE_LEN: usize = 256;

/// Why shared data was refused. Nothing is stored when any of these happens.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// A field is missing or has the wrong shape.
    #[error("{0}")]
    BadRequest(String),
    /// `encryptedData` or `iv` is not valid base64 of the right length.
    #[error("encryptedData or iv is malformed: {0}")]
    InvalidEncryptedData(#[source] CryptoError),
    /// Decryption failed: the data was made for another session_key.
    #[error("the data does not decrypt with this user's latest session_key; it was probably made before the user's last wx.login: call wx.login (and /api/auth/login) first, then get the encrypted data again")]
    StaleSessionKey,
    /// The watermark names another app.
    #[error("the data was made for app {found}, not this app ({expected})")]
    AppIdMismatch {
        /// This app.
        expected: String,
        /// The watermark's app.
        found: String,
    },
    /// WeChat refused the phone code.
    #[error("the phone code was refused by WeChat (errcode {0}): it is single-use and lasts 5 minutes; ask the user to tap the button again")]
    InvalidPhoneCode(ErrCode),
    /// The profile signature does not match `sha1(rawData + session_key)`.
    #[error("signature does not match rawData: the data was altered, or made before the user's last login")]
    InvalidSignature,
    /// Getting a token or calling WeChat failed.
    #[error(transparent)]
    Upstream(#[from] TokenError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CryptoError> for OpenDataError {
    fn from(error: CryptoError) -> Self {
        match error {
            CryptoError::InvalidPadding | CryptoError::NotJson(_) => Self::StaleSessionKey,
            CryptoError::WatermarkAppIdMismatch { expected, found } => {
                Self::AppIdMismatch { expected, found }
            }
            other => Self::InvalidEncryptedData(other),
        }
    }
}

/// Decrypts and records what users share.
pub struct OpenDataService {
    store: Arc<dyn Store>,
    tokens: Arc<TokenManager>,
    wechat: WechatClient,
    app_id: AppId,
}

impl OpenDataService {
    /// A service for one app.
    pub fn new(
        store: Arc<dyn Store>,
        tokens: Arc<TokenManager>,
        wechat: WechatClient,
        app_id: AppId,
    ) -> Self {
        Self {
            store,
            tokens,
            wechat,
            app_id,
        }
    }

    /// Decrypts `encryptedData` with the user's latest session_key and checks the watermark.
    /// A unionId in it is stored on the user.
    pub async fn decrypt(
        &self,
        signed_in: &KeyedUser,
        encrypted_data: &str,
        iv: &str,
    ) -> Result<Value, OpenDataError> {
        let value = open(signed_in, encrypted_data, iv, &self.app_id)?;
        let user = &signed_in.user;
        if let Some(unionid) = value.get("unionId").and_then(Value::as_str) {
            let unionid = UnionId::parse(unionid).map_err(|e| {
                OpenDataError::BadRequest(format!("the decrypted unionId is not valid: {e}"))
            })?;
            if user.unionid.as_ref() != Some(&unionid) {
                self.store
                    .update_user(user.id, &UserUpdate::UnionId(unionid))
                    .await?;
            }
        }
        Ok(value)
    }

    /// The phone number behind a `getPhoneNumber` code (the current API), stored on the user.
    pub async fn phone_from_code(&self, user: &User, code: &str) -> Result<Phone, OpenDataError> {
        let code = code.trim();
        if code.is_empty() || code.len() > MAX_PHONE_CODE_LEN {
            return Err(OpenDataError::BadRequest(
                "code is required: pass the code from the getPhoneNumber button event".to_owned(),
            ));
        }
        let info = self
            .tokens
            .call(|token| {
                let wechat = self.wechat.clone();
                let code = code.to_owned();
                async move { wechat.get_user_phone_number(&token, &code).await }
            })
            .await
            .map_err(|error| match &error {
                TokenError::Wechat(WechatError::Api { code, .. })
                    if *code == ErrCode::INVALID_CODE =>
                {
                    OpenDataError::InvalidPhoneCode(*code)
                }
                _ => OpenDataError::Upstream(error),
            })?;
        if let Some(watermark) = &info.watermark {
            self.check_appid(&watermark.appid)?;
        }
        let phone = Phone {
            phone_number: info.phone_number,
            pure_phone_number: info.pure_phone_number,
            country_code: info.country_code,
        };
        self.store
            .update_user(user.id, &UserUpdate::Phone(phone.clone()))
            .await?;
        Ok(phone)
    }

    /// The phone number in encrypted data (the older API), stored on the user.
    pub async fn phone_from_encrypted(
        &self,
        signed_in: &KeyedUser,
        encrypted_data: &str,
        iv: &str,
    ) -> Result<Phone, OpenDataError> {
        let value = open(signed_in, encrypted_data, iv, &self.app_id)?;
        let field = |name: &str| -> Result<String, OpenDataError> {
            match value.get(name) {
                Some(Value::String(text)) => Ok(text.clone()),
                Some(Value::Number(number)) => Ok(number.to_string()),
                _ => Err(OpenDataError::BadRequest(format!(
                    "the decrypted data has no {name}: is it phone-number data?"
                ))),
            }
        };
        let phone = Phone {
            phone_number: field("phoneNumber")?,
            pure_phone_number: field("purePhoneNumber")?,
            country_code: field("countryCode")?,
        };
        self.store
            .update_user(signed_in.user.id, &UserUpdate::Phone(phone.clone()))
            .await?;
        Ok(phone)
    }

    /// Checks `signature == sha1(rawData + session_key)` and stores the nickname and avatar.
    pub async fn profile(
        &self,
        signed_in: &KeyedUser,
        raw_data: &str,
        signature: &str,
    ) -> Result<Profile, OpenDataError> {
        let session_key = signed_in.session_key.expose();
        if !crypto::verify_raw_data_signature(signature, raw_data, session_key) {
            return Err(OpenDataError::InvalidSignature);
        }
        let value: Value = serde_json::from_str(raw_data)
            .map_err(|e| OpenDataError::BadRequest(format!("rawData is not JSON: {e}")))?;
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let profile = Profile {
            nickname: text("nickName"),
            avatar_url: text("avatarUrl"),
        };
        self.store
            .update_user(signed_in.user.id, &UserUpdate::Profile(profile.clone()))
            .await?;
        Ok(profile)
    }

    fn check_appid(&self, found: &str) -> Result<(), OpenDataError> {
        if found == self.app_id.as_str() {
            Ok(())
        } else {
            Err(OpenDataError::AppIdMismatch {
                expected: self.app_id.to_string(),
                found: found.to_owned(),
            })
        }
    }
}

/// Decrypts `encryptedData` with the signed-in user's session_key and checks its watermark.
fn open(
    signed_in: &KeyedUser,
    encrypted_data: &str,
    iv: &str,
    app_id: &AppId,
) -> Result<Value, OpenDataError> {
    if encrypted_data.is_empty() || iv.is_empty() {
        return Err(OpenDataError::BadRequest(
            "encryptedData and iv are required, as the mini-program API returned them".to_owned(),
        ));
    }
    Ok(crypto::decrypt_and_check_watermark(
        signed_in.session_key.expose(),
        iv,
        encrypted_data,
        app_id,
    )?)
}
