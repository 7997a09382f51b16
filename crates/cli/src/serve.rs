//! `wxbase serve`: the backend, and with `--dev` the WeChat emulator beside it.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use wxbase_core::messages::example_rule;
use wxbase_core::{AppCredentials, Config};
use wxbase_emulator::RunningEmulator;
use wxbase_server::{
    api_router, spawn_session_purge, with_middleware, AppSettings, AppState, Server,
};
use wxbase_wechat::{ClientConfig, Secret, WechatClient};

use crate::args::ServeArgs;
use crate::database;
use crate::dev::{self, Generated};

/// How often expired sessions are deleted.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.config.load()?;
    let emulator = if args.dev {
        Some(dev::start_emulator(&mut config, args.emulator_listen).await?)
    } else {
        None
    };
    let generated = if args.dev {
        dev::generate_push_secrets(&mut config)?
    } else {
        Generated::default()
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
    let mut state = AppState::new(
        store.clone(),
        wechat.clone(),
        app.clone(),
        config.session_ttl,
        config.token.clone(),
        config.admin_token.clone(),
    )
    .with_push(wechat.clone(), &config.push)
    .with_collection_limits(config.collections);
    if let Some(oa) = &config.official_account {
        state = state.with_official_account(
            wechat,
            config.token.clone(),
            oa,
            config.push.max_body_bytes,
        );
    }
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
    let follower_sync = state.official_account.as_ref().and_then(|oa| {
        let interval = oa.service.settings().interval?;
        Some(oa.service.clone().spawn_periodic_sync(interval))
    });
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
        dev::point_pushes_at(emulator, &config, addr);
    }

    print_banner(
        &config,
        &app,
        addr,
        emulator.as_ref().map(|(_, running)| running),
        generated_admin_token.as_ref(),
        &generated,
    );
    tracing::info!(%addr, app_id = %app.app_id, "wxbase ready");
    let purge = spawn_session_purge(store.clone(), SESSION_PURGE_INTERVAL);
    let served = server.run_until(crate::shutdown::signal()).await;
    purge.abort();
    for task in [outbox, follower_sync].into_iter().flatten() {
        task.abort();
    }
    store.close().await;
    if let Some((_, running)) = emulator {
        running.stop().await;
    }
    served.context("the server failed")
}

fn print_banner(
    config: &Config,
    app: &AppCredentials,
    addr: std::net::SocketAddr,
    emulator: Option<&RunningEmulator>,
    generated_admin_token: Option<&Secret>,
    generated: &Generated,
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
    if let (Some(emulator), Some(push)) = (emulator, &generated.push) {
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
    if let (Some(emulator), Some(oa)) = (emulator, &config.official_account) {
        let emu = emulator.base_url();
        let mode = match &generated.official_account_push {
            Some(push) => format!(
                "safe mode, XML) token {} EncodingAESKey {}",
                push.token, push.encoding_aes_key
            ),
            None => "XML)".to_owned(),
        };
        let _ = writeln!(
            out,
            "  official account {}: push {} ({mode}",
            oa.app.app_id, oa.path
        );
        let _ = writeln!(
            out,
            "  follow it:        curl -s -X POST {emu}/__emulator/oa/follow -d '{{\"user\":\"alice\"}}'"
        );
        let _ = writeln!(
            out,
            "  then ask:         curl -s http://{addr}/api/me/official-account -H 'Authorization: Bearer TOKEN'"
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
