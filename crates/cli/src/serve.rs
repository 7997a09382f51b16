//! `wxbase serve`: the backend, and with `--dev` the WeChat emulator beside it.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use wxbase_core::{AppCredentials, Config};
use wxbase_emulator::{EmulatedApp, Emulator, EmulatorConfig, RunningEmulator};
use wxbase_server::{
    api_router, spawn_session_purge, with_middleware, AppSettings, AppState, Server,
};
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
        wechat,
        app.clone(),
        config.session_ttl,
        config.token.clone(),
        config.admin_token.clone(),
    )
    .with_collection_limits(config.collections);
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

    print_banner(
        &config,
        &app,
        addr,
        emulator.as_ref(),
        generated_admin_token.as_ref(),
    );
    tracing::info!(%addr, app_id = %app.app_id, "wxbase ready");
    let purge = spawn_session_purge(store.clone(), SESSION_PURGE_INTERVAL);
    let served = server.run_until(crate::shutdown::signal()).await;
    purge.abort();
    store.close().await;
    if let Some(emulator) = emulator {
        emulator.stop().await;
    }
    served.context("the server failed")
}

/// Starts the emulator for the configured app (or the development app) and points the
/// WeChat client at it.
async fn start_emulator(
    config: &mut Config,
    listen: std::net::SocketAddr,
) -> anyhow::Result<RunningEmulator> {
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
    let running = Emulator::new(emulator_config)
        .spawn(listen)
        .await
        .with_context(|| {
            format!("cannot start the WeChat emulator on {listen} (--emulator-listen)")
        })?;
    config.wechat_api_base_url = running.base_url();
    Ok(running)
}

fn print_banner(
    config: &Config,
    app: &AppCredentials,
    addr: std::net::SocketAddr,
    emulator: Option<&RunningEmulator>,
    generated_admin_token: Option<&Secret>,
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
