//! [`CodeService`]: mini-program codes made once per set of parameters and kept in file
//! storage, short ids for long scenes, and links (see `links.rs`).

use std::sync::Arc;

use sha2::{Digest, Sha256};
use wxbase_wechat::api::wxacode::{CodeRequest, EnvVersion};
use wxbase_wechat::{ErrCode, WechatClient, WechatError};

use super::error::CodeError;
use super::limiter::RateLimiter;
use super::scene::short_scene_id;
use crate::collections::{Caller, PermissionMode};
use crate::files::{FileError, FileService, StoredFile};
use crate::token::{TokenError, TokenManager};
use crate::{Store, Timestamp};

/// The bucket generated codes are kept in: every logged-in user reads, only admins write. It
/// is created when the first code is made.
pub const CODES_BUCKET: &str = "wxacodes";

/// The longest scene kept under a short id, in characters.
const MAX_STORED_SCENE_CHARS: usize = 1024;
/// The longest page path, in characters.
const MAX_PAGE_CHARS: usize = 512;
/// The widths WeChat draws, in pixels.
const WIDTHS: std::ops::RangeInclusive<u32> = 280..=1280;

/// Who may make codes, and how often (`[wxacode]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSettings {
    /// Whether logged-in users may make codes (admins always may).
    pub client_allowed: bool,
    /// Codes one user may ask for per minute, in one instance.
    pub user_per_minute: u32,
}

impl Default for CodeSettings {
    fn default() -> Self {
        Self {
            client_allowed: false,
            user_per_minute: 10,
        }
    }
}

/// What a code opens and how it looks, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeParams {
    /// What the page receives as `query.scene` (stored and replaced by a short id when WeChat
    /// would refuse it).
    pub scene: String,
    /// The page, without a leading `/`; `None`: the home page.
    pub page: Option<String>,
    /// Width in pixels, 280 to 1280.
    pub width: Option<u32>,
    /// Which version opens.
    pub env_version: Option<EnvVersion>,
    /// Whether the page must exist in the published version.
    pub check_path: Option<bool>,
    /// A transparent background.
    pub is_hyaline: Option<bool>,
}

/// A code's image, kept as a file.
#[derive(Debug, Clone)]
pub struct GeneratedCode {
    /// The file holding the image (in [`CODES_BUCKET`]).
    pub file: StoredFile,
    /// The scene the code carries: the one asked for, or its short id.
    pub scene: String,
    /// Whether the code was made before for the same parameters (no WeChat call this time).
    pub reused: bool,
}

/// Codes, scenes and links for one app.
pub struct CodeService {
    pub(super) store: Arc<dyn Store>,
    pub(super) tokens: Arc<TokenManager>,
    pub(super) wechat: WechatClient,
    files: FileService,
    settings: CodeSettings,
    limiter: RateLimiter,
}

impl CodeService {
    /// The service, keeping images with `files`.
    pub fn new(
        store: Arc<dyn Store>,
        tokens: Arc<TokenManager>,
        wechat: WechatClient,
        files: FileService,
        settings: CodeSettings,
    ) -> Self {
        Self {
            store,
            tokens,
            wechat,
            files,
            limiter: RateLimiter::new(settings.user_per_minute),
            settings,
        }
    }

    /// The code for `params`: the one made before for the same parameters, or a new one from
    /// WeChat, kept in [`CODES_BUCKET`]. Users need `wxacode.client_allowed` and are rate
    /// limited; admins are not.
    pub async fn code(
        &self,
        caller: &Caller,
        params: CodeParams,
    ) -> Result<GeneratedCode, CodeError> {
        if let Caller::User(openid) = caller {
            if !self.settings.client_allowed {
                return Err(CodeError::Forbidden);
            }
            if !self.limiter.allow(openid.as_str()) {
                return Err(CodeError::RateLimited {
                    limit: self.limiter.per_minute(),
                });
            }
        }
        check(&params)?;
        let scene = match short_scene_id(&params.scene) {
            Some(id) => {
                self.store
                    .insert_scene(&id, &params.scene, Timestamp::now())
                    .await?;
                id
            }
            None => params.scene.clone(),
        };
        let request = CodeRequest {
            scene: scene.clone(),
            page: params.page,
            width: params.width,
            env_version: params.env_version,
            check_path: params.check_path,
            is_hyaline: params.is_hyaline,
        };
        let hash = params_hash(&request);
        if let Some(file) = self.kept_code(&hash).await? {
            return Ok(GeneratedCode {
                file,
                scene,
                reused: true,
            });
        }
        let image = self
            .tokens
            .call(|token| {
                let wechat = self.wechat.clone();
                let request = request.clone();
                async move { wechat.get_wxacode_unlimit(&token, &request).await }
            })
            .await
            .map_err(|error| code_error(error, request.page.as_deref().unwrap_or("")))?;
        let file = self.keep_image(&image.bytes, &image.content_type).await?;
        self.store
            .record_code_file(&hash, &file.id, Timestamp::now())
            .await?;
        Ok(GeneratedCode {
            file,
            scene,
            reused: false,
        })
    }

    /// The scene kept under the short id `id`.
    pub async fn scene(&self, id: &str) -> Result<String, CodeError> {
        self.store
            .scene(id)
            .await?
            .ok_or_else(|| CodeError::UnknownScene(id.chars().take(40).collect()))
    }

    /// The file kept for `hash`, if it still exists.
    async fn kept_code(&self, hash: &str) -> Result<Option<StoredFile>, CodeError> {
        let Some(id) = self.store.code_file(hash).await? else {
            return Ok(None);
        };
        match self.files.file(&Caller::Admin, id.as_str()).await {
            Ok(file) => Ok(Some(file)),
            Err(FileError::NotFound(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Stores `bytes` as a file of [`CODES_BUCKET`] (created if missing).
    async fn keep_image(&self, bytes: &[u8], content_type: &str) -> Result<StoredFile, CodeError> {
        self.files
            .ensure_bucket(
                CODES_BUCKET,
                PermissionMode::ReadAllAdminWrite,
                &["image/*".to_owned()],
            )
            .await?;
        let mut upload = self.files.start_upload(Caller::Admin);
        upload.set_bucket(CODES_BUCKET).await?;
        upload.write(bytes).await?;
        let extension = if content_type.contains("png") {
            "png"
        } else {
            "jpg"
        };
        Ok(upload.finish(format!("wxacode.{extension}")).await?)
    }
}

/// Checks what wxbase can check before asking WeChat.
fn check(params: &CodeParams) -> Result<(), CodeError> {
    let bad = |message: &str| Err(CodeError::BadRequest(message.to_owned()));
    let scene_chars = params.scene.chars().count();
    if params.scene.trim().is_empty() || scene_chars > MAX_STORED_SCENE_CHARS {
        return bad("scene must be 1 to 1024 characters");
    }
    if let Some(page) = &params.page {
        if page.starts_with('/') || page.contains('?') || page.chars().count() > MAX_PAGE_CHARS {
            return bad("page is a path such as pages/index/index: no leading / and no query (put what the page needs in scene)");
        }
    }
    if params.width.is_some_and(|width| !WIDTHS.contains(&width)) {
        return bad("width must be 280 to 1280 pixels");
    }
    Ok(())
}

/// The key of a code's parameters: SHA-256 of their JSON, in hex.
fn params_hash(request: &CodeRequest) -> String {
    let json = serde_json::to_vec(request).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

/// WeChat's errcodes for codes, as errors a caller can act on.
fn code_error(error: TokenError, page: &str) -> CodeError {
    match &error {
        TokenError::Wechat(WechatError::Api { code, message, .. }) => match *code {
            ErrCode(41030) => CodeError::InvalidPage {
                page: page.to_owned(),
            },
            ErrCode::DAILY_QUOTA => CodeError::Quota {
                what: "mini-program codes",
            },
            ErrCode(40097 | 40169 | 47001) => CodeError::InvalidParameters {
                code: code.value(),
                message: message.clone(),
            },
            _ => CodeError::Upstream(error),
        },
        _ => CodeError::Upstream(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> CodeParams {
        CodeParams {
            scene: "id=1".to_owned(),
            page: Some("pages/a".to_owned()),
            width: Some(430),
            env_version: None,
            check_path: None,
            is_hyaline: None,
        }
    }

    #[test]
    fn pages_with_a_slash_or_a_query_and_odd_widths_are_refused_before_wechat() {
        assert!(check(&params()).is_ok());
        for bad in [
            CodeParams {
                page: Some("/pages/a".to_owned()),
                ..params()
            },
            CodeParams {
                page: Some("pages/a?x=1".to_owned()),
                ..params()
            },
            CodeParams {
                width: Some(100),
                ..params()
            },
            CodeParams {
                scene: " ".to_owned(),
                ..params()
            },
        ] {
            assert!(check(&bad).is_err(), "{bad:?}");
        }
    }
}
