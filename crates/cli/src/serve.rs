//! `wxbase serve`: the backend, and with `--dev` the WeChat emulator beside it.

use std::io::Write;

use anyhow::Context;
use wxbase_core::console::Password;
use wxbase_core::messages::example_rule;
use wxbase_core::Config;
use wxbase_emulator::RunningEmulator;
use wxbase_server::Application;
use wxbase_wechat::Secret;

use crate::args::ServeArgs;
use crate::database;
use crate::dev::{self, Generated};

/// The console admin `serve --dev` creates (or gives a new password) on each start.
const DEV_ADMIN: &str = "admin";

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.config.load()?;
    if args.dev {
        // Development receivers run on this machine, over http.
        config.webhooks.allow_private = true;
        // The emulator downloads the files it checks from this machine, over http.
        config.files.moderation.allow_http = true;
    }
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
    let store = database::open(&config).await?;
    let served = serve(
        &config,
        store.clone(),
        emulator.as_ref(),
        |app, password| {
            print_banner(
                &config,
                app,
                emulator.as_ref().map(|(_, running)| running),
                generated_admin_token.as_ref(),
                &generated,
                password,
            )
        },
    )
    .await;
    store.close().await;
    if let Some((_, running)) = emulator {
        running.stop().await;
    }
    served
}

/// Builds the application; in development mode seeds the example rule, the bucket `uploads`
/// (images) and the console admin `admin` (a password generated per run) and points the
/// emulator's pushes at it; announces it, and serves until stopped.
async fn serve(
    config: &Config,
    store: std::sync::Arc<dyn wxbase_core::Store>,
    emulator: Option<&(wxbase_emulator::Emulator, RunningEmulator)>,
    announce: impl FnOnce(&Application, Option<&Password>),
) -> anyhow::Result<()> {
    let app = Application::build(config, store).await?;
    let mut dev_admin_password = None;
    if let Some((emulator, _)) = emulator {
        let password = Password::generate();
        app.state()
            .console
            .service
            .ensure_admin(DEV_ADMIN, &password)
            .await
            .context("cannot create the development admin")?;
        dev_admin_password = Some(password);
        app.state()
            .messages
            .seed_rules(&[], Some(&example_rule()))
            .await
            .context("cannot seed the example auto-reply rule")?;
        app.state()
            .files
            .ensure_bucket(
                "uploads",
                wxbase_core::collections::PermissionMode::ReadAllWriteOwn,
                &["image/*".to_owned()],
            )
            .await
            .context("cannot create the bucket `uploads`")?;
        dev::point_pushes_at(emulator, config, app.local_addr());
    }
    announce(&app, dev_admin_password.as_ref());
    tracing::info!(addr = %app.local_addr(), "wxbase ready");
    app.run_until_stopped().await.context("the server failed")
}

fn print_banner(
    config: &Config,
    application: &Application,
    emulator: Option<&RunningEmulator>,
    generated_admin_token: Option<&Secret>,
    generated: &Generated,
    dev_admin_password: Option<&Password>,
) {
    let addr = application.local_addr();
    let app_id = application.state().messages.app_id();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "wxbase listening on http://{addr} ({}, app {})",
        database::describe(config),
        app_id
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
    if let Some(password) = dev_admin_password {
        let _ = writeln!(
            out,
            "  admin console: http://{addr}/admin  user {DEV_ADMIN}  password {} (generated for this run)",
            password.expose()
        );
    }
    // A closed stdout (a detached terminal, a test that stopped reading) must not stop the
    // server, so write errors are ignored here and nothing else prints to stdout.
    let _ = out.flush();
}
