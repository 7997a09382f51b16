//! The linked official account in the application state: its own access_token, its followers
//! service and its push endpoint, wired from `[official_account]`.

use std::sync::Arc;

use wxbase_core::{OfficialAccountService, OfficialAccountSettings, TokenSettings};
use wxbase_wechat::WechatClient;

use crate::app::{AppState, PushEndpoint};

/// The linked official account: its followers and its push endpoint.
pub struct OfficialAccount {
    /// Follow events, the sync, and matching users with followers.
    pub service: Arc<OfficialAccountService>,
    /// Its push endpoint; `None` when `official_account.token` is not set.
    pub push: Option<PushEndpoint>,
}

impl AppState {
    /// Adds the official account of `[official_account]`: its own access_token (managed like
    /// the app's, with `token_settings`, in the same store), its followers and, when its push
    /// token is set, its push endpoint (bodies up to `max_body_bytes`).
    pub fn with_official_account(
        mut self,
        wechat: WechatClient,
        token_settings: TokenSettings,
        settings: &OfficialAccountSettings,
        max_body_bytes: usize,
    ) -> Self {
        let service = OfficialAccountService::from_settings(
            self.auth.store().clone(),
            wechat,
            settings,
            token_settings,
        );
        let app_id = &settings.app.app_id;
        let push = settings.token.as_ref().map(|token| {
            PushEndpoint::new(
                &settings.path,
                token,
                settings.encoding_aes_key.as_ref(),
                app_id,
                max_body_bytes,
            )
        });
        self.official_account = Some(Arc::new(OfficialAccount {
            service: Arc::new(service),
            push,
        }));
        self
    }
}
