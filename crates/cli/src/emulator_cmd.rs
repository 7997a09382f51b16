//! `wxbase emulator`: the WeChat emulator on its own.

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
    let running = Emulator::new(config)
        .spawn(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    println!(
        "WeChat emulator listening on {} (app {app})",
        running.base_url()
    );
    crate::shutdown::signal().await;
    running.stop().await;
    Ok(())
}
