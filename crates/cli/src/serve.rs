//! `wxbase serve`: the backend, and with `--dev` the WeChat emulator beside it.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use wxbase_core::messages::example_rule;
use wxbase_core::{AppCredentials, Config};
use wxbase_emulator::{
    EmulatedApp, Emulator, EmulatorConfig, PushMode, PushTarget, RunningEmulator,
};
use wxbase_server::{
    api_router, spawn_session_purge, with_middleware, AppSettings, AppState, Server,
};
use wxbase_wechat::crypto::{generate_encoding_aes_key, EncodingAesKey};
use wxbase_wechat::push::PushFormat;
use wxbase_wechat::{AppId, ClientConfig, Secret, WechatClient};

use crate::args::ServeArgs;
use crate::database;

/// How often expired sessions are deleted.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.config.load()?;
    let emulator = if args.dev {
        Some(start_emulator(&mut config, args.emulator_listen).await?)
    } else {
        None
    };
    let generated_push = if args.dev && config.push.token.is_none() {
        Some(generate_push_secrets(&mut config)?)
    } else {
        None
    };
    let generated_admin_token = if args.dev && config.admin_token.is_none() {
        let token = Secret::new(hex::encode(rand::random::<[u8; 24]>()));
        config.admin_token = Some(token.clone());
        Some(token)
    } else {
        None
    };
    let app = config.app.clone().context(
        "wechat.app_id and wechat.app_secret are not set: set WXBASE_APP_ID and \
         WXBASE_APP_SECRET (or the [wechat] section of the config file), or run \
         `wxbase serve --dev` to use the WeChat emulator",
    )?;
    let store = database::open(&config).await?;
    let wechat = WechatClient::new(&ClientConfig {
        base_url: config.wechat_api_base_url.clone(),
        timeout: config.wechat_timeout,
    })
    .context("cannot build the WeChat HTTP client")?;
    let state = AppState::new(
        store.clone(),
        wechat.clone(),
        app.clone(),
        config.session_ttl,
        config.token.clone(),
        config.admin_token.clone(),
    )
    .with_push(wechat, &config.push)
    .with_collection_limits(config.collections);
    let example = args.dev.then(example_rule);
    state
        .messages
        .seed_rules(&config.push.rules, example.as_ref())
        .await
        .context("cannot seed the auto-reply rules ([[push.rules]])")?;
    let outbox = config
        .push
        .worker
        .then(|| state.messages.clone().spawn_outbox_worker());
    let settings = AppSettings {
        body_limit_bytes: config.body_limit_bytes,
    };
    let server = Server::bind(
        config.listen,
        with_middleware(api_router(), state, &settings),
    )
    .await
    .with_context(|| format!("cannot listen on {} (server.listen)", config.listen))?;
    let addr = server.local_addr()?;
    if let Some((emulator, _)) = &emulator {
        emulator.set_push_target(push_target(&config, addr));
    }

    print_banner(
        &config,
        &app,
        addr,
        emulator.as_ref().map(|(_, running)| running),
        generated_admin_token.as_ref(),
        generated_push.as_ref(),
    );
    tracing::info!(%addr, app_id = %app.app_id, "wxbase ready");
    let purge = spawn_session_purge(store.clone(), SESSION_PURGE_INTERVAL);
    let served = server.run_until(crate::shutdown::signal()).await;
    purge.abort();
    if let Some(outbox) = outbox {
        outbox.abort();
    }
    store.close().await;
    if let Some((_, running)) = emulator {
        running.stop().await;
    }
    served.context("the server failed")
}

/// Starts the emulator for the configured app (or the development app) and points the
/// WeChat client at it.
async fn start_emulator(
    config: &mut Config,
    listen: std::net::SocketAddr,
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
    let emulator = Emulator::new(emulator_config);
    let running = emulator.spawn(listen).await.with_context(|| {
        format!("cannot start the WeChat emulator on {listen} (--emulator-listen)")
    })?;
    config.wechat_api_base_url = running.base_url();
    Ok((emulator, running))
}

/// The push token and EncodingAESKey `--dev` generates when none is configured, as text.
struct GeneratedPush {
    token: String,
    encoding_aes_key: String,
}

fn generate_push_secrets(config: &mut Config) -> anyhow::Result<GeneratedPush> {
    let token = hex::encode(rand::random::<[u8; 12]>());
    let encoding_aes_key = generate_encoding_aes_key();
    config.push.token = Some(Secret::new(token.clone()));
    config.push.encoding_aes_key = Some(EncodingAesKey::parse(&encoding_aes_key)?);
    Ok(GeneratedPush {
        token,
        encoding_aes_key,
    })
}

/// The emulator's push settings for this server: safe mode and JSON when an EncodingAESKey is
/// set, plaintext otherwise.
fn push_target(config: &Config, addr: std::net::SocketAddr) -> PushTarget {
    PushTarget {
        url: Some(format!("http://{addr}{}", config.push.path)),
        mode: if config.push.encoding_aes_key.is_some() {
            PushMode::Safe
        } else {
            PushMode::Plaintext
        },
        format: PushFormat::Json,
        token: config
            .push
            .token
            .as_ref()
            .map(|t| t.expose().to_owned())
            .unwrap_or_default(),
        encoding_aes_key: config
            .push
            .encoding_aes_key
            .as_ref()
            .map(|key| key.expose().to_owned()),
        ..PushTarget::default()
    }
}

fn print_banner(
    config: &Config,
    app: &AppCredentials,
    addr: std::net::SocketAddr,
    emulator: Option<&RunningEmulator>,
    generated_admin_token: Option<&Secret>,
    generated_push: Option<&GeneratedPush>,
) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "wxbase listening on http://{addr} ({}, app {})",
        database::describe(config),
        app.app_id
    );
    if let Some(emulator) = emulator {
        let emu = emulator.base_url();
        let _ = writeln!(out, "WeChat emulator listening on {emu}");
        let _ = writeln!(
            out,
            "  get a login code: curl -s -X POST {emu}/__emulator/login-code -d '{{\"user\":\"alice\"}}'"
        );
        let _ = writeln!(
            out,
            "  then log in:      curl -s -X POST http://{addr}/api/auth/login -d '{{\"code\":\"CODE\"}}'"
        );
    }
    if let (Some(emulator), Some(push)) = (emulator, generated_push) {
        let emu = emulator.base_url();
        let _ = writeln!(
            out,
            "  message push: {} (safe mode, JSON) token {} EncodingAESKey {}",
            config.push.path, push.token, push.encoding_aes_key
        );
        let _ = writeln!(
            out,
            "  send a message:   curl -s -X POST {emu}/__emulator/push -d '{{\"user\":\"alice\",\"msgType\":\"text\",\"content\":\"hello\"}}'"
        );
        let _ = writeln!(
            out,
            "  see the chat:     curl -s {emu}/__emulator/conversations/alice"
        );
    }
    if let Some(token) = generated_admin_token {
        let _ = writeln!(
            out,
            "  admin token (generated for this run; set WXBASE_ADMIN_TOKEN to keep one): {}",
            token.expose()
        );
    }
    // A closed stdout (a detached terminal, a test that stopped reading) must not stop the
    // server, so write errors are ignored here and nothing else prints to stdout.
    let _ = out.flush();
}
