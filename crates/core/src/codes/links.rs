//! URL links (`https://wxaurl.cn/…`) and URL schemes (`weixin://dl/business/?t=…`): links
//! that open a page of the mini-program from SMS, email or the web, until they expire.

use std::time::Duration;

use wxbase_wechat::api::links::{LinkRequest, MAX_EXPIRY_DAYS};
use wxbase_wechat::api::wxacode::EnvVersion;
use wxbase_wechat::{ErrCode, WechatError};

use super::error::CodeError;
use super::service::CodeService;
use crate::token::TokenError;
use crate::Timestamp;

/// The longest query, in characters.
const MAX_QUERY_CHARS: usize = 1024;
/// The longest path, in characters.
const MAX_PATH_CHARS: usize = 512;

/// Which kind of link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A URL link, `https://wxaurl.cn/…` (`/wxa/generate_urllink`).
    UrlLink,
    /// A URL scheme, `weixin://dl/business/?t=…` (`/wxa/generatescheme`).
    Scheme,
}

/// Where a link leads and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkParams {
    /// The page, without a leading `/`; empty: the home page.
    pub path: String,
    /// The page's query, without `?`.
    pub query: String,
    /// Days until it expires, 1 to 30.
    pub expires_in_days: u32,
    /// Which version opens.
    pub env_version: EnvVersion,
}

/// A generated link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedLink {
    /// The link.
    pub url: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

impl CodeService {
    /// A new link of `kind` to `params`' page. Each call makes another link (WeChat is not
    /// asked twice for one call: a call whose outcome is unknown is not repeated).
    pub async fn link(
        &self,
        kind: LinkKind,
        params: LinkParams,
    ) -> Result<GeneratedLink, CodeError> {
        check(&params)?;
        let request = LinkRequest {
            path: params.path,
            query: params.query,
            env_version: params.env_version,
            expire_days: params.expires_in_days,
        };
        let url = self
            .tokens
            .call_once(|token| {
                let wechat = self.wechat.clone();
                let request = request.clone();
                async move {
                    match kind {
                        LinkKind::UrlLink => wechat.generate_urllink(&token, &request).await,
                        LinkKind::Scheme => wechat.generate_scheme(&token, &request).await,
                    }
                }
            })
            .await
            .map_err(|error| link_error(error, &request.path))?;
        let days = u64::from(params.expires_in_days);
        Ok(GeneratedLink {
            url,
            expires_at: Timestamp::now().plus(Duration::from_secs(days * 86_400)),
        })
    }
}

fn check(params: &LinkParams) -> Result<(), CodeError> {
    let bad = |message: String| Err(CodeError::BadRequest(message));
    if params.path.starts_with('/')
        || params.path.contains('?')
        || params.path.chars().count() > MAX_PATH_CHARS
    {
        return bad("path is a page such as pages/index/index: no leading / and no query (put the query in query)".to_owned());
    }
    if params.query.chars().count() > MAX_QUERY_CHARS {
        return bad(format!(
            "query must be at most {MAX_QUERY_CHARS} characters"
        ));
    }
    if !(1..=MAX_EXPIRY_DAYS).contains(&params.expires_in_days) {
        return bad(format!("expiresInDays must be 1 to {MAX_EXPIRY_DAYS}"));
    }
    Ok(())
}

/// WeChat's errcodes for links, as errors a caller can act on.
fn link_error(error: TokenError, path: &str) -> CodeError {
    match &error {
        TokenError::Wechat(WechatError::Api { code, message, .. }) => match *code {
            ErrCode(40165 | 41030) => CodeError::InvalidPage {
                page: path.to_owned(),
            },
            ErrCode::DAILY_QUOTA | ErrCode(85400) => CodeError::Quota { what: "links" },
            ErrCode(40097 | 40212 | 47001 | 85401) => CodeError::InvalidParameters {
                code: code.value(),
                message: message.clone(),
            },
            _ => CodeError::Upstream(error),
        },
        _ => CodeError::Upstream(error),
    }
}
