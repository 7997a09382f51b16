//! The crash test: WeChat (the `wxbase emulator` process) pushes to a `wxbase serve` process
//! with an auto-reply rule; the server is killed with SIGKILL mid-run and started again on the
//! same database. Every push answered `success` is stored, every such user gets the reply,
//! and a reply reaches a user twice only inside the documented window (a send in flight when
//! the process died, sent again when its lease ran out). SQLite passes `integrity_check`.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wxbase_store::testing::TestDatabase;

mod common;

use common::{Process, BINARY};

const APP_ID: &str = "wxd000000000000001";
const APP_SECRET: &str = "dev-secret-0123456789abcdef0000";
const PUSH_TOKEN: &str = "crashPushToken";
const PUSH_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const ADMIN_TOKEN: &str = "crash-admin-token-0123456789";
/// Users who each say `hello` once.
const USERS: usize = 300;
/// Sends in flight at once: the bound on replies that can go out twice.
const SEND_CONCURRENCY: usize = 4;

/// A `wxbase` process and the URL its banner printed.
struct Running {
    process: Process,
    url: String,
}

impl Running {
    /// Starts `wxbase ARGS` and reads the URL from the first line, which starts with `banner`.
    fn start(args: &[&str], env: &[(&str, String)], banner: &str) -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stderr(Stdio::inherit());
        let (process, urls) = Process::start(&mut command, &[banner]);
        let url = urls.into_iter().next().expect("one URL");
        Self { process, url }
    }

    /// SIGKILL, as a crash or the OOM killer would.
    fn kill(mut self) {
        self.process.kill();
    }
}

fn serve(emulator: &str, database_url: &str, data_dir: &Path) -> Running {
    let env = [
        ("WXBASE_APP_ID", APP_ID.to_owned()),
        ("WXBASE_APP_SECRET", APP_SECRET.to_owned()),
        ("WXBASE_WECHAT_API_BASE_URL", emulator.to_owned()),
        ("WXBASE_DATABASE_URL", database_url.to_owned()),
        ("WXBASE_DATA_DIR", data_dir.display().to_string()),
        ("WXBASE_LISTEN", "127.0.0.1:0".to_owned()),
        ("WXBASE_PUSH_TOKEN", PUSH_TOKEN.to_owned()),
        ("WXBASE_PUSH_ENCODING_AES_KEY", PUSH_KEY.to_owned()),
        ("WXBASE_ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
        ("WXBASE_PUSH_SEND_CONCURRENCY", SEND_CONCURRENCY.to_string()),
        ("WXBASE_PUSH_LEASE_SECONDS", "2".to_owned()),
        ("WXBASE_PUSH_RETRY_BACKOFF_MS", "50".to_owned()),
    ];
    Running::start(&["serve"], &env, "wxbase listening on ")
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> Value {
    client
        .request(method, url)
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

/// Points the emulator's pushes at `server` (safe mode, JSON).
async fn aim_pushes(client: &reqwest::Client, emulator: &str, server: &str) {
    let body = json!({
        "url": format!("{server}/message/check"), "mode": "safe", "format": "json",
        "token": PUSH_TOKEN, "encodingAesKey": PUSH_KEY, "timeoutMs": 2000, "deliveries": 1,
    });
    send(
        client,
        reqwest::Method::POST,
        format!("{emulator}/__emulator/push-config"),
        body,
    )
    .await;
}

/// The replies each user saw, from the emulator's chats.
async fn replies_seen(
    client: &reqwest::Client,
    emulator: &str,
    users: &[String],
) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for user in users {
        let chat = send(
            client,
            reqwest::Method::GET,
            format!("{emulator}/__emulator/conversations/{user}"),
            Value::Null,
        )
        .await;
        let replies = chat["messages"]
            .as_array()
            .map_or(0, |m| m.iter().filter(|m| m["from"] == "app").count());
        seen.insert(user.clone(), replies);
    }
    seen
}

async fn a_killed_server_loses_no_acknowledged_push_and_repeats_no_reply_outside_the_window(
    db: TestDatabase,
) {
    let client = reqwest::Client::new();
    let data = tempfile::tempdir().expect("temp dir");
    let emulator = Running::start(
        &[
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
        ],
        &[],
        "WeChat emulator listening on ",
    );
    let emulator_url = emulator.url.clone();
    let server = serve(&emulator_url, &db.url, data.path());
    let rule = json!({
        "name": "hello", "match": { "kind": "exact", "pattern": "hello" },
        "reply": { "type": "text", "content": "hi" },
    });
    let added = send(
        &client,
        reqwest::Method::POST,
        format!("{}/admin/api/rules", server.url),
        rule,
    )
    .await;
    assert_eq!(added["code"], 1, "{added}");
    aim_pushes(&client, &emulator_url, &server.url).await;

    // Eight users push at a time; the server is killed once a third were answered.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let users: Vec<String> = (0..USERS).map(|n| format!("crash-{n}")).collect();
    let mut load = tokio::task::JoinSet::new();
    for lane in 0..8 {
        let (client, emulator_url, acknowledged) =
            (client.clone(), emulator_url.clone(), acknowledged.clone());
        let mine: Vec<String> = users.iter().skip(lane).step_by(8).cloned().collect();
        load.spawn(async move {
            for user in mine {
                let report = send(
                    &client,
                    reqwest::Method::POST,
                    format!("{emulator_url}/__emulator/push"),
                    json!({ "user": user, "msgType": "text", "content": "hello" }),
                )
                .await;
                if report["delivered"] == true {
                    acknowledged.lock().expect("lock").push(user);
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().expect("lock").len() < USERS / 3 {
        assert!(Instant::now() < deadline, "the pushes never got going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    while load.join_next().await.is_some() {}
    let acknowledged: Vec<String> = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() < USERS,
        "some pushes met the dead server: {}",
        acknowledged.len()
    );

    let server = serve(&emulator_url, &db.url, data.path());
    aim_pushes(&client, &emulator_url, &server.url).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let outbox = send(
            &client,
            reqwest::Method::GET,
            format!("{}/admin/api/outbox", server.url),
            Value::Null,
        )
        .await;
        let seen = replies_seen(&client, &emulator_url, &acknowledged).await;
        if outbox["data"]["pending"] == 0 && seen.values().all(|n| *n >= 1) {
            break seen;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox never drained: {outbox}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for user in &acknowledged {
        let openid = send(
            &client,
            reqwest::Method::GET,
            format!("{emulator_url}/__emulator/users/{user}"),
            Value::Null,
        )
        .await;
        let openid = openid["openid"].as_str().expect("an openid").to_owned();
        let stored = send(
            &client,
            reqwest::Method::GET,
            format!("{}/admin/api/conversations/{openid}", server.url),
            Value::Null,
        )
        .await;
        let inbound = stored["data"]["messages"].as_array().map_or(0, |m| {
            m.iter().filter(|m| m["direction"] == "inbound").count()
        });
        assert_eq!(inbound, 1, "{user}'s acknowledged push was lost: {stored}");
    }
    let twice: Vec<&String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(u, _)| u)
        .collect();
    assert!(
        seen.values().all(|n| *n <= 2),
        "a reply went out more than twice: {seen:?}"
    );
    assert!(
        twice.len() <= SEND_CONCURRENCY,
        "only sends in flight at the kill may repeat, at most {SEND_CONCURRENCY}: {twice:?}"
    );
    eprintln!(
        "crash test: {} of {USERS} pushes acknowledged before and around the kill; {} replies repeated",
        acknowledged.len(),
        twice.len()
    );
    drop(server);
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        let file = rusqlite::Connection::open(path).expect("the database opens");
        let check: String = file
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("integrity_check runs");
        assert_eq!(check, "ok");
    }
    drop(emulator);
}

wxbase_store::on_both_backends!(
    a_killed_server_loses_no_acknowledged_push_and_repeats_no_reply_outside_the_window,
);
