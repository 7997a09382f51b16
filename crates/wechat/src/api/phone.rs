//! The user's phone number: `POST /wxa/business/getuserphonenumber`.
//!
//! Protocol reference: `docs/wechat-protocol.md`, section "Phone numbers". The code comes
//! from the mini-program's `<button open-type="getPhoneNumber">`; it is single-use and valid
//! for 5 minutes.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Secret, WechatClient, WechatError};

/// The phone number WeChat verified for the user.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneInfo {
    /// The number as the user shows it: with the country code for numbers outside China.
    pub phone_number: String,
    /// The number without the country code.
    pub pure_phone_number: String,
    /// The country calling code, e.g. `"86"` (WeChat sends a string or a number; both are read).
    #[serde(deserialize_with = "number_or_string")]
    pub country_code: String,
    /// Which app and when the number was issued for.
    #[serde(default)]
    pub watermark: Option<PhoneWatermark>,
}

/// The watermark of a [`PhoneInfo`].
#[derive(Debug, Clone, Deserialize)]
pub struct PhoneWatermark {
    /// When the number was handed out, in Unix seconds.
    pub timestamp: i64,
    /// The mini-program the number was handed to.
    pub appid: String,
}

/// The success answer: `{"errcode":0,"errmsg":"ok","phone_info":{...}}`.
#[derive(Deserialize)]
struct PhoneAnswer {
    phone_info: PhoneInfo,
}

/// The JSON body; the access_token travels in the query string, never here.
#[derive(Serialize)]
struct PhoneRequest<'a> {
    code: &'a str,
}

/// Reads a JSON string or integer as a string (`"86"` and `86` both give `"86"`).
fn number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }
    Ok(match NumberOrString::deserialize(deserializer)? {
        NumberOrString::Text(text) => text,
        NumberOrString::Unsigned(number) => number.to_string(),
        NumberOrString::Signed(number) => number.to_string(),
    })
}

impl WechatClient {
    /// POST /wxa/business/getuserphonenumber?access_token= {"code"}; returns phone_info.
    ///
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html>
    pub async fn get_user_phone_number(
        &self,
        access_token: &Secret,
        code: &str,
    ) -> Result<PhoneInfo, WechatError> {
        let answer: PhoneAnswer = self
            .post(
                "/wxa/business/getuserphonenumber",
                &[("access_token", access_token.expose())],
                &PhoneRequest { code },
            )
            .await?;
        Ok(answer.phone_info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::serve_once;
    use crate::ErrCode;

    const SUCCESS: &str = r#"{"errcode":0,"errmsg":"ok","phone_info":{
        "phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86",
        "watermark":{"timestamp":1637744274,"appid":"wxapp"}}}"#;

    fn info(json: &str) -> PhoneInfo {
        serde_json::from_str(json).expect("decodes")
    }

    #[test]
    fn country_code_is_read_from_a_string_or_a_number() {
        let base = r#""phoneNumber":"+1 2025550123","purePhoneNumber":"2025550123""#;
        assert_eq!(
            info(&format!(r#"{{{base},"countryCode":"1"}}"#)).country_code,
            "1"
        );
        assert_eq!(
            info(&format!(r#"{{{base},"countryCode":86}}"#)).country_code,
            "86"
        );
    }

    #[test]
    fn a_country_code_that_is_neither_string_nor_number_is_refused() {
        let json = r#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":[86]}"#;
        assert!(serde_json::from_str::<PhoneInfo>(json).is_err());
    }

    #[test]
    fn the_watermark_is_optional() {
        let phone = info(r#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86"}"#);
        assert!(phone.watermark.is_none());
    }

    #[tokio::test]
    async fn the_code_goes_in_the_body_and_the_token_in_the_query() {
        let (client, received) = serve_once(SUCCESS);
        let phone = client
            .get_user_phone_number(&Secret::new("TOKEN"), "phone-code")
            .await
            .expect("a phone number");
        assert_eq!(phone.phone_number, "13800138000");
        assert_eq!(phone.pure_phone_number, "13800138000");
        assert_eq!(phone.country_code, "86");
        let watermark = phone.watermark.expect("a watermark");
        assert_eq!(
            (watermark.timestamp, watermark.appid.as_str()),
            (1637744274, "wxapp")
        );
        let request = received.recv().expect("a request");
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.target,
            "/wxa/business/getuserphonenumber?access_token=TOKEN"
        );
        assert_eq!(request.body, r#"{"code":"phone-code"}"#);
    }

    #[tokio::test]
    async fn an_invalid_code_is_an_api_error_with_errcode_40029() {
        let (client, _received) = serve_once(r#"{"errcode":40029,"errmsg":"invalid code rid: 1"}"#);
        let error = client
            .get_user_phone_number(&Secret::new("TOKEN"), "used")
            .await
            .expect_err("an error");
        assert_eq!(error.errcode(), Some(ErrCode::INVALID_CODE));
    }

    #[tokio::test]
    async fn a_stale_token_answer_is_recognised_as_such() {
        let (client, _received) = serve_once(
            r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#,
        );
        let error = client
            .get_user_phone_number(&Secret::new("OLD"), "code")
            .await
            .expect_err("an error");
        assert!(error.errcode().is_some_and(ErrCode::is_stale_token));
    }

    #[tokio::test]
    async fn a_success_without_phone_info_is_a_bad_response() {
        let (client, _received) = serve_once(r#"{"errcode":0,"errmsg":"ok"}"#);
        let error = client
            .get_user_phone_number(&Secret::new("TOKEN"), "code")
            .await
            .expect_err("an error");
        assert!(
            matches!(error, WechatError::BadResponse { .. }),
            "{error:?}"
        );
    }
}
