//! `wxbase emulator`: the WeChat emulator on its own.

use std::io::Write;

use anyhow::Context;
use wxbase_emulator::{EmulatedApp, Emulator, EmulatorConfig};

use crate::args::EmulatorArgs;

/// Runs the emulator until Ctrl-C.
pub async fn run(args: EmulatorArgs) -> anyhow::Result<()> {
    let mut config = EmulatorConfig::default();
    if let (Some(appid), Some(secret)) = (args.app_id, args.app_secret) {
        config.apps = vec![EmulatedApp {
            appid,
            secret,
            unionid_bound: true,
        }];
    }
    let app = config
        .apps
        .first()
        .map(|a| a.appid.clone())
        .unwrap_or_default();
    let official_account = config
        .official_account
        .as_ref()
        .map(|oa| format!(", official account {}", oa.appid))
        .unwrap_or_default();
    let running = Emulator::new(config)
        .spawn(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // A closed stdout must not stop a long-running process: ignore write errors.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "WeChat emulator listening on {} (app {app}{official_account})",
        running.base_url()
    );
    let _ = out.flush();
    drop(out);
    wxbase_server::shutdown_signal().await;
    running.stop().await;
    Ok(())
}
