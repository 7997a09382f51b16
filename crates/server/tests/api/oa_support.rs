//! The official account for the end-to-end tests: how it is set up on both sides, and
//! shorthands for following, asking, syncing and raw pushes.

use std::time::Duration;

use serde_json::{json, Value};
use wxbase_core::{AppCredentials, OfficialAccountSettings};
use wxbase_emulator::{EmulatorConfig, PushFormat, PushMode, PushTarget};
use wxbase_wechat::crypto::EncodingAesKey;
use wxbase_wechat::{AppId, Secret};

use crate::helpers::{Options, TestApp, ADMIN_TOKEN};

pub const OA_APP_ID: &str = "wxe2e00000000000a1";
pub const OA_SECRET: &str = "e2e-oa-secret-00000000000000001";
pub const OA_PATH: &str = "/oa/message";
pub const OA_TOKEN: &str = "e2eOaToken";
pub const OA_KEY: &str = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";

/// How the official account's push is set up on both sides.
#[derive(Clone)]
pub struct OaSetup {
    pub mode: PushMode,
    /// The periodic sync's interval (tests use less than the configurable minimum).
    pub sync_interval: Option<Duration>,
}

impl OaSetup {
    /// The emulator's config with this official account.
    pub fn emulator_config(&self, config: EmulatorConfig) -> EmulatorConfig {
        config.with_official_account(OA_APP_ID, OA_SECRET)
    }

    /// wxbase's `[official_account]`.
    pub fn settings(&self) -> OfficialAccountSettings {
        OfficialAccountSettings {
            app: AppCredentials {
                app_id: AppId::parse(OA_APP_ID).expect("appid"),
                app_secret: Secret::new(OA_SECRET),
            },
            path: OA_PATH.to_owned(),
            token: Some(Secret::new(OA_TOKEN)),
            encoding_aes_key: (self.mode != PushMode::Plaintext)
                .then(|| EncodingAesKey::parse(OA_KEY).expect("a valid key")),
            sync_interval: self.sync_interval,
        }
    }

    /// The emulator's push settings for the official account of the server at `base_url`.
    pub fn emulator_target(&self, base_url: &str) -> PushTarget {
        PushTarget {
            url: Some(format!("{base_url}{OA_PATH}")),
            mode: self.mode,
            format: PushFormat::Xml,
            token: OA_TOKEN.to_owned(),
            encoding_aes_key: Some(OA_KEY.to_owned()),
            ..PushTarget::default()
        }
    }
}

/// An app with the official account pushing in safe mode.
pub fn with_official_account() -> Options {
    Options {
        official_account: Some(OaSetup {
            mode: PushMode::Safe,
            sync_interval: None,
        }),
        ..Options::default()
    }
}

impl TestApp {
    /// `user` follows the official account; WeChat pushes the event. The delivery report.
    pub async fn follow(&self, user: &str) -> Value {
        let answer = self
            .emulator("/__emulator/oa/follow", json!({ "user": user }))
            .await;
        answer["push"].clone()
    }

    /// `user` follows without any push reaching wxbase (before wxbase existed).
    pub async fn follow_unseen(&self, user: &str) {
        self.emulator(
            "/__emulator/oa/follow",
            json!({ "user": user, "push": false }),
        )
        .await;
    }

    /// `user` stops following; with `push` false wxbase does not hear of it.
    pub async fn unfollow(&self, user: &str, push: bool) -> Value {
        let answer = self
            .emulator(
                "/__emulator/oa/unfollow",
                json!({ "user": user, "push": push }),
            )
            .await;
        answer["push"].clone()
    }

    /// `GET /api/me/official-account` as the holder of session `token`.
    pub async fn ask(&self, token: &str) -> Value {
        self.with_token(reqwest::Method::GET, "/api/me/official-account", token)
            .await
    }

    /// Logs `user` in and asks whether they follow; the `data` of the answer.
    pub async fn follow_status(&self, user: &str) -> Value {
        let token = self.login_as(user).await;
        let answer = self.ask(&token).await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// Whether wxbase says `user` follows.
    pub async fn follows(&self, user: &str) -> bool {
        self.follow_status(user).await["following"] == true
    }

    /// Asks the instance at `base` to sync the followers now; the envelope.
    pub async fn sync_at(&self, base: &str) -> Value {
        self.post_as(
            base,
            "/admin/api/official-account/sync",
            ADMIN_TOKEN,
            json!({}),
        )
        .await
    }

    /// Syncs on this instance, which must complete; the report.
    pub async fn sync(&self) -> Value {
        let answer = self.sync_at(&self.base_url).await;
        assert_eq!(answer["code"], 1, "{answer}");
        assert_eq!(answer["data"]["outcome"], "completed", "{answer}");
        answer["data"].clone()
    }

    /// `GET /admin/api/official-account`; the `data`.
    pub async fn oa_status(&self) -> Value {
        let answer = self
            .with_token(
                reqwest::Method::GET,
                "/admin/api/official-account",
                ADMIN_TOKEN,
            )
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// A raw request to the official account's push endpoint; the status and the body.
    pub async fn raw_oa_push(
        &self,
        method: reqwest::Method,
        query: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        self.raw_request(method, OA_PATH, query, body).await
    }
}
