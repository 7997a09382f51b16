//! Why a code or a link could not be made; the server maps each variant to one envelope code.

use crate::files::FileError;
use crate::token::TokenError;
use crate::StoreError;

/// A failed code or link call.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// The request is invalid; the text says why.
    #[error("{0}")]
    BadRequest(String),
    /// Users may not make codes (`wxacode.client_allowed` is off).
    #[error("only admins may make codes here (wxacode.client_allowed is off)")]
    Forbidden,
    /// The user asked for more codes than `wxacode.user_per_minute` allows.
    #[error("too many codes asked for: at most {limit} a minute per user (wxacode.user_per_minute); try again in a minute")]
    RateLimited {
        /// The limit.
        limit: u32,
    },
    /// No scene was stored under this id.
    #[error("there is no scene {0:?}")]
    UnknownScene(String),
    /// WeChat says the page does not exist in the published version (41030).
    #[error("WeChat does not know page {page:?} (errcode 41030): it must exist in the published version, or pass checkPath: false (or another envVersion) for a page not yet published")]
    InvalidPage {
        /// The page.
        page: String,
    },
    /// WeChat's quota for this API is used up (45009).
    #[error("WeChat's quota for {what} is used up (errcode 45009): try again later")]
    Quota {
        /// Which API.
        what: &'static str,
    },
    /// WeChat refused the parameters (40097, 40165, 40212, 85401, …).
    #[error("WeChat refused the parameters (errcode {code}): {message}")]
    InvalidParameters {
        /// The errcode.
        code: i64,
        /// What it means.
        message: String,
    },
    /// Getting a token or calling WeChat failed otherwise.
    #[error(transparent)]
    Upstream(#[from] TokenError),
    /// Storing or reading the image failed.
    #[error(transparent)]
    Files(#[from] FileError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
