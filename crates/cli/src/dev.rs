//! `serve --dev`: the emulator beside the server, configured for the app and the official
//! account, with push tokens and keys generated when none are set, and both push senders
//! pointed at this server.

use std::net::SocketAddr;

use anyhow::Context;
use wxbase_core::{AppCredentials, Config, OfficialAccountSettings};
use wxbase_emulator::{
    EmulatedApp, EmulatedOfficialAccount, Emulator, EmulatorConfig, PushMode, PushTarget,
    RunningEmulator,
};
use wxbase_wechat::crypto::{generate_encoding_aes_key, EncodingAesKey};
use wxbase_wechat::push::PushFormat;
use wxbase_wechat::{AppId, Secret};

/// Where the official account's pushes arrive when `--dev` configures it (the default of
/// `official_account.path`).
const DEV_OA_PATH: &str = "/oa/message";

/// A push token and EncodingAESKey `--dev` generated, as text for the banner.
pub struct GeneratedPush {
    /// The push Token.
    pub token: String,
    /// The EncodingAESKey.
    pub encoding_aes_key: String,
}

impl GeneratedPush {
    fn new() -> anyhow::Result<(Self, Secret, EncodingAesKey)> {
        let token = hex::encode(rand::random::<[u8; 12]>());
        let encoding_aes_key = generate_encoding_aes_key();
        let key = EncodingAesKey::parse(&encoding_aes_key)?;
        let secret = Secret::new(token.clone());
        Ok((
            Self {
                token,
                encoding_aes_key,
            },
            secret,
            key,
        ))
    }
}

/// What `--dev` generated for this run.
#[derive(Default)]
pub struct Generated {
    /// The mini-program's push settings.
    pub push: Option<GeneratedPush>,
    /// The official account's push settings.
    pub official_account_push: Option<GeneratedPush>,
}

/// Starts the emulator for the configured app and official account (or the development ones,
/// which then become the configuration) and points the WeChat client at it.
pub async fn start_emulator(
    config: &mut Config,
    listen: SocketAddr,
) -> anyhow::Result<(Emulator, RunningEmulator)> {
    let mut emulator_config = EmulatorConfig::default();
    match &config.app {
        Some(app) => {
            emulator_config.apps = vec![EmulatedApp {
                appid: app.app_id.to_string(),
                secret: app.app_secret.expose().to_owned(),
                unionid_bound: true,
            }];
        }
        None => {
            let dev_app = emulator_config
                .apps
                .first()
                .context("the emulator has no app")?;
            config.app = Some(AppCredentials {
                app_id: AppId::parse(dev_app.appid.clone())?,
                app_secret: Secret::new(dev_app.secret.clone()),
            });
        }
    }
    match &config.official_account {
        Some(oa) => {
            emulator_config.official_account = Some(EmulatedOfficialAccount {
                appid: oa.app.app_id.to_string(),
                secret: oa.app.app_secret.expose().to_owned(),
                unionid_bound: true,
            });
        }
        None => {
            let dev_oa = emulator_config
                .official_account
                .as_ref()
                .context("the emulator has no official account")?;
            config.official_account = Some(OfficialAccountSettings {
                app: AppCredentials {
                    app_id: AppId::parse(dev_oa.appid.clone())?,
                    app_secret: Secret::new(dev_oa.secret.clone()),
                },
                path: DEV_OA_PATH.to_owned(),
                token: None,
                encoding_aes_key: None,
                sync_interval: None,
            });
        }
    }
    let emulator = Emulator::new(emulator_config);
    let running = emulator.spawn(listen).await.with_context(|| {
        format!("cannot start the WeChat emulator on {listen} (--emulator-listen)")
    })?;
    config.wechat_api_base_url = running.base_url();
    Ok((emulator, running))
}

/// Generates the push Token and EncodingAESKey of the app and the official account where none
/// is configured (safe mode).
pub fn generate_push_secrets(config: &mut Config) -> anyhow::Result<Generated> {
    let mut generated = Generated::default();
    if config.push.token.is_none() {
        let (shown, token, key) = GeneratedPush::new()?;
        config.push.token = Some(token);
        config.push.encoding_aes_key = Some(key);
        generated.push = Some(shown);
    }
    if let Some(oa) = config
        .official_account
        .as_mut()
        .filter(|oa| oa.token.is_none())
    {
        let (shown, token, key) = GeneratedPush::new()?;
        oa.token = Some(token);
        oa.encoding_aes_key = Some(key);
        generated.official_account_push = Some(shown);
    }
    Ok(generated)
}

/// Points the emulator's push senders at this server: the app's in JSON, the official
/// account's in XML (the only format it has); safe mode where an EncodingAESKey is set.
pub fn point_pushes_at(emulator: &Emulator, config: &Config, addr: SocketAddr) {
    emulator.set_push_target(push_target(
        format!("http://{addr}{}", config.push.path),
        config.push.token.as_ref(),
        config.push.encoding_aes_key.as_ref(),
        PushFormat::Json,
    ));
    if let Some(oa) = &config.official_account {
        emulator.set_official_account_push_target(push_target(
            format!("http://{addr}{}", oa.path),
            oa.token.as_ref(),
            oa.encoding_aes_key.as_ref(),
            PushFormat::Xml,
        ));
    }
}

fn push_target(
    url: String,
    token: Option<&Secret>,
    key: Option<&EncodingAesKey>,
    format: PushFormat,
) -> PushTarget {
    PushTarget {
        url: Some(url),
        mode: if key.is_some() {
            PushMode::Safe
        } else {
            PushMode::Plaintext
        },
        format,
        token: token.map(|t| t.expose().to_owned()).unwrap_or_default(),
        encoding_aes_key: key.map(|key| key.expose().to_owned()),
        ..PushTarget::default()
    }
}
