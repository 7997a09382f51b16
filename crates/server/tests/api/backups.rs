//! `POST` and `GET /admin/api/backups`: an SQLite deployment backs itself up into
//! `<data_dir>/backups` and lists the archives; PostgreSQL is pointed to `pg_dump`. Scheduled
//! backups keep the newest `backup.keep`.

use std::time::{Duration, Instant};

use wxbase_core::config::BackupSettings;
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};

async fn admins_make_and_list_backups(app: TestApp) {
    let sqlite = app.db.url.starts_with("sqlite");
    let refused = app
        .http
        .post(format!("{}/admin/api/backups", app.base_url))
        .send()
        .await;
    let refused = crate::helpers::envelope_of(refused.expect("wxbase answers")).await;
    assert_failure(&refused, "unauthorized");

    let made = app.admin("POST", "/admin/api/backups", None).await;
    if !sqlite {
        assert_failure(&made, "bad_request");
        assert!(
            made["message"]
                .as_str()
                .unwrap_or_default()
                .contains("pg_dump"),
            "{made}"
        );
        return;
    }
    assert_eq!(made["code"], 1, "{made}");
    let name = made["data"]["name"].as_str().expect("a name").to_owned();
    assert!(
        name.starts_with("wxbase-") && name.ends_with(".tar"),
        "{name}"
    );
    let archive = app.data_dir.path().join("backups").join(&name);
    let bytes = std::fs::metadata(&archive)
        .expect("the archive exists")
        .len();
    assert_eq!(made["data"]["bytes"], bytes);

    let listed = app.admin("GET", "/admin/api/backups", None).await;
    assert_eq!(listed["data"][0]["name"], name.as_str(), "{listed}");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    admins_make_and_list_backups,
);

/// Scheduled every 150 ms keeping 2: new archives keep coming, and never more than 2 stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_keep_only_the_newest() {
    let options = Options {
        backup: Some(BackupSettings {
            interval: Some(Duration::from_millis(150)),
            keep: 2,
        }),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let mut names_seen = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while names_seen.len() < 4 {
        let listed = app.admin("GET", "/admin/api/backups", None).await;
        let names: Vec<String> = listed["data"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|b| b["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert!(names.len() <= 2, "only the newest 2 are kept: {listed}");
        names_seen.extend(names);
        assert!(
            Instant::now() < deadline,
            "the schedule made {names_seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
