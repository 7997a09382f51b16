//! The error every WeChat API call returns.

use crate::ErrCode;

/// Why a WeChat API call failed.
#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    /// WeChat answered with a non-zero `errcode`.
    #[error("WeChat {endpoint} answered errcode {code}: {message}")]
    Api {
        /// The API path that answered.
        endpoint: &'static str,
        /// The errcode.
        code: ErrCode,
        /// WeChat's `errmsg` (with its `rid:` suffix, useful when asking WeChat support).
        message: String,
    },
    /// WeChat could not be reached, or did not answer within the timeout.
    #[error("WeChat {endpoint} could not be reached: {source}")]
    Unavailable {
        /// The API path that was called.
        endpoint: &'static str,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// WeChat answered something that is not the documented response.
    #[error("WeChat {endpoint} gave an answer wxbase cannot read: {detail}")]
    BadResponse {
        /// The API path that answered.
        endpoint: &'static str,
        /// What was wrong with it.
        detail: String,
    },
}

impl WechatError {
    /// The errcode, when WeChat answered with one.
    pub fn errcode(&self) -> Option<ErrCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}
