//! `wxbase oa sync` and `wxbase oa status`: the official account's full follower sync, run now
//! from the command line, and what wxbase knows of its followers.

use std::sync::Arc;

use anyhow::Context;
use wxbase_core::official_account::{SyncOutcome, SyncStatus};
use wxbase_core::{Config, OfficialAccountService, Store};

use crate::args::ConfigArgs;
use crate::database;

/// The configured official account's service over the configured database: only this one
/// service, since the `oa` commands need no mini-program and serve nothing.
async fn open(config: &Config) -> anyhow::Result<(Arc<dyn Store>, OfficialAccountService)> {
    let oa = config.official_account.as_ref().context(
        "no official account is configured: set official_account.app_id and app_secret \
         (WXBASE_OA_APP_ID, WXBASE_OA_APP_SECRET, or [official_account] in the config file)",
    )?;
    let store = database::open(config).await?;
    let wechat = config
        .wechat_client()
        .context("cannot build the WeChat HTTP client")?;
    let service =
        OfficialAccountService::from_settings(store.clone(), wechat, oa, config.token.clone());
    Ok((store, service))
}

/// Runs one full sync (progress goes to the log) and prints what it did.
pub async fn sync(args: ConfigArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    let (store, service) = open(&config).await?;
    let outcome = service.sync_now().await;
    store.close().await;
    match outcome.context("the follower sync failed; nobody was marked as unfollowed")? {
        SyncOutcome::Completed(report) => {
            println!(
                "official account {}: {} followers listed in {} pages (WeChat's total: {}); \
                 {} marked as no longer following",
                service.app_id(),
                report.listed,
                report.pages,
                report.total,
                report.marked_unfollowed
            );
            Ok(())
        }
        SyncOutcome::Skipped => anyhow::bail!(
            "another instance is syncing the followers now; run this again once it is done \
             (a stalled run's lease lapses after 2 minutes)"
        ),
    }
}

/// Prints the follower counts and the sync's state.
pub async fn status(args: ConfigArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    let (store, service) = open(&config).await?;
    let counts = service.counts().await;
    let sync = service.sync_status().await;
    store.close().await;
    let counts = counts?;
    println!(
        "official account {}: {} following ({} with a unionid), {} known",
        service.app_id(),
        counts.following,
        counts.with_unionid,
        counts.known
    );
    print!("{}", describe(sync?.as_ref()));
    Ok(())
}

fn describe(sync: Option<&SyncStatus>) -> String {
    let Some(sync) = sync else {
        return "no sync has run yet: `wxbase oa sync` runs one\n".to_owned();
    };
    let when =
        |at: Option<wxbase_core::Timestamp>| at.map_or("never".to_owned(), |t| t.to_rfc3339());
    let mut text = format!(
        "last completed sync: {} (run {}, {} marked as no longer following)\n",
        when(sync.completed_at),
        sync.completed_generation,
        sync.marked_unfollowed
    );
    if sync.running {
        text.push_str(&format!(
            "running now: run {}, {} of {} listed\n",
            sync.generation,
            sync.listed,
            sync.total.map_or("?".to_owned(), |t| t.to_string())
        ));
    }
    if let Some(error) = &sync.last_error {
        text.push_str(&format!("last failure: {error}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxbase_core::Timestamp;

    #[test]
    fn a_running_sync_and_the_last_failure_are_described() {
        let status = SyncStatus {
            generation: 3,
            running: true,
            started_at: Some(Timestamp::from_millis(0)),
            listed: 200,
            total: Some(1000),
            completed_generation: 1,
            completed_at: None,
            marked_unfollowed: 0,
            last_error: Some("WeChat errcode 45009".to_owned()),
        };
        let text = describe(Some(&status));
        assert!(text.contains("last completed sync: never"), "{text}");
        assert!(text.contains("run 3, 200 of 1000 listed"), "{text}");
        assert!(text.contains("45009"), "{text}");
        assert!(describe(None).contains("wxbase oa sync"));
    }
}
