//! The text check: WeChat's verdict on what a user wrote, for the user's openid and a scene.

use std::sync::Arc;

use wxbase_wechat::api::security::{Scene, Suggest, Verdict, MAX_TEXT_CHARS};
use wxbase_wechat::{OpenId, WechatClient};

use crate::token::{TokenError, TokenManager};

/// Why no verdict could be had.
#[derive(Debug, thiserror::Error)]
pub enum TextCheckError {
    /// The content is empty.
    #[error("content is empty: give the text to check")]
    Empty,
    /// WeChat refused the check or could not be reached.
    #[error("WeChat could not check the text: {0}")]
    Upstream(#[from] TokenError),
}

/// Asks WeChat whether text is fit to publish.
pub struct TextSecurity {
    tokens: Arc<TokenManager>,
    wechat: WechatClient,
}

impl TextSecurity {
    /// A checker calling WeChat with the app's access_token.
    pub fn new(tokens: Arc<TokenManager>, wechat: WechatClient) -> Self {
        Self { tokens, wechat }
    }

    /// WeChat's verdict on `content`, written by `openid` for `scene`. Text longer than one
    /// check takes is checked in parts; the worst verdict wins (risky over review over pass).
    pub async fn check(
        &self,
        openid: &OpenId,
        scene: Scene,
        content: &str,
    ) -> Result<Verdict, TextCheckError> {
        if content.trim().is_empty() {
            return Err(TextCheckError::Empty);
        }
        let mut worst: Option<Verdict> = None;
        for part in parts(content) {
            let check = self
                .tokens
                .call(|token| {
                    let wechat = self.wechat.clone();
                    async move { wechat.msg_sec_check(&token, openid, scene, part).await }
                })
                .await?;
            let verdict = check.result;
            if worst.is_none_or(|worst| severity(verdict.suggest) > severity(worst.suggest)) {
                worst = Some(verdict);
            }
            if verdict.suggest == Suggest::Risky {
                break;
            }
        }
        Ok(worst.unwrap_or(Verdict {
            suggest: Suggest::Pass,
            label: 100,
        }))
    }
}

fn severity(suggest: Suggest) -> u8 {
    match suggest {
        Suggest::Pass => 0,
        Suggest::Review => 1,
        Suggest::Risky => 2,
    }
}

/// `content` in parts of at most [`MAX_TEXT_CHARS`] characters.
fn parts(content: &str) -> impl Iterator<Item = &str> {
    let mut rest = content;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .char_indices()
            .nth(MAX_TEXT_CHARS)
            .map_or(rest.len(), |(at, _)| at);
        let (part, after) = rest.split_at(end);
        rest = after;
        Some(part)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_in_parts_of_whole_characters() {
        let text = "字".repeat(MAX_TEXT_CHARS * 2 + 1);
        let cut: Vec<&str> = parts(&text).collect();
        assert_eq!(cut.len(), 3);
        assert_eq!(cut[0].chars().count(), MAX_TEXT_CHARS);
        assert_eq!(cut[2], "字");
        assert_eq!(parts("short").collect::<Vec<_>>(), ["short"]);
    }
}
