//! WeChat `errcode` values, with names for the ones wxbase acts on.

use std::fmt;

/// An `errcode` from a WeChat API answer. Zero means success and is never stored in an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ErrCode(pub i64);

impl ErrCode {
    /// System busy; retrying later can help.
    pub const BUSY: ErrCode = ErrCode(-1);
    /// The access_token is invalid or not the latest (or, on `/cgi-bin/token`, a wrong secret).
    pub const INVALID_CREDENTIAL: ErrCode = ErrCode(40001);
    /// `grant_type` is wrong.
    pub const INVALID_GRANT_TYPE: ErrCode = ErrCode(40002);
    /// The openid is not a user of the app (or official account) calling.
    pub const INVALID_OPENID: ErrCode = ErrCode(40003);
    /// The access_token is malformed.
    pub const INVALID_ACCESS_TOKEN: ErrCode = ErrCode(40014);
    /// The appid is unknown.
    pub const INVALID_APPID: ErrCode = ErrCode(40013);
    /// A login or phone code is invalid: unknown, expired or for another app.
    pub const INVALID_CODE: ErrCode = ErrCode(40029);
    /// The app secret is wrong.
    pub const INVALID_APPSECRET: ErrCode = ErrCode(40125);
    /// A login code was already used.
    pub const CODE_BEEN_USED: ErrCode = ErrCode(40163);
    /// Login refused for a high-risk user.
    pub const CODE_BLOCKED: ErrCode = ErrCode(40226);
    /// The access_token is missing.
    pub const ACCESS_TOKEN_MISSING: ErrCode = ErrCode(41001);
    /// The appid parameter is missing.
    pub const APPID_MISSING: ErrCode = ErrCode(41002);
    /// The secret parameter is missing.
    pub const APPSECRET_MISSING: ErrCode = ErrCode(41004);
    /// The code parameter is missing.
    pub const CODE_MISSING: ErrCode = ErrCode(41008);
    /// The access_token expired.
    pub const ACCESS_TOKEN_EXPIRED: ErrCode = ErrCode(42001);
    /// A daily API quota is used up.
    pub const DAILY_QUOTA: ErrCode = ErrCode(45009);
    /// A per-minute rate limit was hit.
    pub const MINUTE_QUOTA: ErrCode = ErrCode(45011);
    /// A customer-service message outside the 48-hour window after the user's last message.
    pub const OUT_OF_WINDOW: ErrCode = ErrCode(45015);
    /// More than 5 customer-service messages for one user message.
    pub const REPLY_LIMIT: ErrCode = ErrCode(45047);
    /// The account may not call this API (e.g. a mini-program's token on an official-account API).
    pub const API_UNAUTHORIZED: ErrCode = ErrCode(48001);

    /// The numeric value.
    pub fn value(self) -> i64 {
        self.0
    }

    /// Whether the code says the access_token must be replaced (40001, 40014, 42001).
    pub fn is_stale_token(self) -> bool {
        matches!(
            self,
            Self::INVALID_CREDENTIAL | Self::INVALID_ACCESS_TOKEN | Self::ACCESS_TOKEN_EXPIRED
        )
    }

    /// Whether a login code was refused as a bad code (invalid, expired, used or blocked).
    pub fn is_bad_login_code(self) -> bool {
        matches!(
            self,
            Self::INVALID_CODE | Self::CODE_BEEN_USED | Self::CODE_BLOCKED
        )
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_are_recognised_and_others_are_not() {
        assert!(ErrCode(40001).is_stale_token());
        assert!(ErrCode(42001).is_stale_token());
        assert!(!ErrCode(40029).is_stale_token());
        assert!(ErrCode(40163).is_bad_login_code());
        assert!(!ErrCode(-1).is_bad_login_code());
    }
}
