//! The `wxbase` binary as a user runs it: `serve --dev`, a restart on the same data directory,
//! `oa sync` and `oa status` against a standalone emulator, configuration errors,
//! `config example`, a webhook event that outlives a SIGKILL, backups taken under load
//! (logins, uploads) and restored.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

mod common;

// The server's API tests' receiver (Node, checking signatures with the `standardwebhooks`
// package); this file uses part of its helpers.
#[allow(dead_code)]
#[path = "../../server/tests/api/webhook_support.rs"]
mod webhook_support;

use common::{Process, BINARY};
use webhook_support::{assert_all_verified_with, Receiver};
use wxbase_store::testing::TestDatabase;

/// A `wxbase serve --dev` process on free ports, killed when dropped.
struct DevServer {
    process: Process,
    api: String,
    emulator: String,
}

impl DevServer {
    fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    /// `serve --dev` with extra environment variables (`WXBASE_DATABASE_URL` among them picks
    /// the database; without it, SQLite in the data directory).
    fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BINARY);
        command
            .env_remove("WXBASE_DATABASE_URL")
            .envs(env.iter().copied())
            .args([
                "serve",
                "--dev",
                "--listen",
                "127.0.0.1:0",
                "--emulator-listen",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .stderr(Stdio::inherit());
        let (process, urls) = Process::start(
            &mut command,
            &["wxbase listening on ", "WeChat emulator listening on "],
        );
        let [api, emulator] = <[String; 2]>::try_from(urls).expect("two URLs");
        DevServer {
            process,
            api,
            emulator,
        }
    }
}

async fn post(url: String, body: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .body(body.to_string())
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

/// GET with a bearer token; the JSON answer.
async fn get_as(url: String, token: &str) -> Value {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

async fn login(server: &DevServer, user: &str) -> Value {
    let code = post(
        format!("{}/__emulator/login-code", server.emulator),
        json!({ "user": user }),
    )
    .await;
    post(
        format!("{}/api/auth/login", server.api),
        json!({ "code": code["code"] }),
    )
    .await
}

/// The peak resident memory of process `pid` (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// Uploading 100 MiB keeps wxbase under 64 MiB of resident memory: the body is streamed to
/// storage, never held whole.
#[tokio::test]
async fn a_100_mib_upload_is_streamed_in_bounded_memory() {
    const MIB: usize = 1024 * 1024;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let server = DevServer::start_with(
        data_dir.path(),
        &[("WXBASE_FILES_MAX_UPLOAD_BYTES", "209715200")],
    );
    let token = login(&server, "alice").await["data"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let boundary = "wxbase-rss-check";
    // A "PNG" (its magic number, then zeros), so the dev bucket `uploads` takes it.
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"bucket\"\r\n\r\nuploads\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    let head = [&head[..], b"\x89PNG\r\n\x1a\n\0\0\0\x0d"].concat();
    let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
    let chunks = std::iter::once(head)
        .chain((0..100).map(|_| vec![0u8; MIB]))
        .chain(std::iter::once(tail))
        .map(Ok::<_, std::io::Error>);
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/files", server.api))
        .bearer_auth(&token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(answer["data"]["size"], 100 * MIB + 12);
    assert_eq!(answer["data"]["contentType"], "image/png");
    let peak = peak_rss_kib(server.process.child.id());
    eprintln!("peak RSS after a 100 MiB upload: {peak} KiB");
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
}

#[tokio::test]
async fn serve_dev_logs_a_user_in_and_the_sqlite_file_survives_a_restart() {
    let data = tempfile::tempdir().expect("temp dir");
    let (token, openid) = {
        let server = DevServer::start(data.path());
        let answer = login(&server, "alice").await;
        assert_eq!(answer["code"], 1, "{answer}");
        assert_eq!(answer["data"]["user"]["isNew"], true);
        (
            answer["data"]["token"].as_str().expect("token").to_owned(),
            answer["data"]["user"]["openid"].clone(),
        )
    };
    assert!(
        data.path().join("wxbase.db").exists(),
        "the database lives in the data dir"
    );

    let server = DevServer::start(data.path());
    let me = get_as(format!("{}/api/me", server.api), &token).await;
    assert_eq!(me["code"], 1, "the session survived the restart: {me}");
    assert_eq!(me["data"]["openid"], openid);
    let again = login(&server, "alice").await;
    assert_eq!(
        again["data"]["user"]["isNew"], false,
        "the user survived the restart"
    );
}

#[tokio::test]
async fn serve_dev_answers_hello_out_of_the_box_through_the_emulators_push() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = DevServer::start(data.path());
    let report = post(
        format!("{}/__emulator/push", server.emulator),
        json!({ "user": "alice", "msgType": "text", "content": "hello" }),
    )
    .await;
    assert_eq!(report["delivered"], true, "{report}");
    assert_eq!(
        report["request"]["query"]["encrypt_type"], "aes",
        "safe mode: {report}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let replies = loop {
        let chat: Value = reqwest::get(format!(
            "{}/__emulator/conversations/alice",
            server.emulator
        ))
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
        let replies: Vec<Value> = chat["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m["from"] == "app")
            .cloned()
            .collect();
        if !replies.is_empty() || std::time::Instant::now() > deadline {
            break replies;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(
        replies.len(),
        1,
        "the example rule answered once: {replies:?}"
    );
    assert_eq!(replies[0]["msgType"], "text");
}

#[tokio::test]
async fn serve_dev_answers_whether_a_user_follows_the_official_account_out_of_the_box() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = DevServer::start(data.path());
    let followed = post(
        format!("{}/__emulator/oa/follow", server.emulator),
        json!({ "user": "alice" }),
    )
    .await;
    assert_eq!(followed["push"]["delivered"], true, "{followed}");
    let login = login(&server, "alice").await;
    let token = login["data"]["token"].as_str().expect("a token");
    let answer = get_as(format!("{}/api/me/official-account", server.api), token).await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(answer["data"]["following"], true, "{answer}");
}

/// A standalone `wxbase emulator` on a free port, killed when dropped.
struct StandaloneEmulator {
    _process: Process,
    url: String,
}

impl StandaloneEmulator {
    fn start() -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .env_remove("WXBASE_APP_ID")
            .env_remove("WXBASE_APP_SECRET");
        let (process, urls) = Process::start(&mut command, &["WeChat emulator listening on "]);
        let url = urls.into_iter().next().expect("one URL");
        StandaloneEmulator {
            _process: process,
            url,
        }
    }
}

#[tokio::test]
async fn oa_sync_finds_the_followers_and_oa_status_counts_them() {
    let emulator = StandaloneEmulator::start();
    for user in ["carol", "dave"] {
        post(
            format!("{}/__emulator/oa/follow", emulator.url),
            json!({ "user": user, "push": false }),
        )
        .await;
    }
    let data = tempfile::tempdir().expect("temp dir");
    let run = |command: &str| {
        Command::new(BINARY)
            .args(["oa", command, "--data-dir"])
            .arg(data.path())
            .env_remove("WXBASE_DATABASE_URL")
            .env("WXBASE_WECHAT_API_BASE_URL", &emulator.url)
            .env("WXBASE_OA_APP_ID", "wxd0000000000000a1")
            .env("WXBASE_OA_APP_SECRET", "dev-oa-secret-0123456789abcdef00")
            .env("RUST_LOG", "warn")
            .output()
            .expect("runs")
    };
    let synced = run("sync");
    let stdout = String::from_utf8_lossy(&synced.stdout);
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    assert!(stdout.contains("2 followers listed in 1 pages"), "{stdout}");
    let status = run("status");
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout.contains("2 following (2 with a unionid)"),
        "{stdout}"
    );
}

#[test]
fn oa_sync_without_an_official_account_explains_what_to_set() {
    let output = Command::new(BINARY)
        .args(["oa", "sync"])
        .env_remove("WXBASE_OA_APP_ID")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("WXBASE_OA_APP_ID"), "{stderr}");
}

#[test]
fn an_invalid_setting_stops_start_up_and_is_named() {
    let output = Command::new(BINARY)
        .args(["serve", "--dev"])
        .env("WXBASE_LISTEN", "nowhere")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("server.listen") && stderr.contains("WXBASE_LISTEN"),
        "{stderr}"
    );
}

#[test]
fn serve_without_an_app_and_without_dev_explains_what_to_set() {
    let output = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("WXBASE_APP_ID")
        .env_remove("WXBASE_APP_SECRET")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WXBASE_APP_ID") && stderr.contains("--dev"),
        "{stderr}"
    );
}

#[test]
fn config_example_prints_the_committed_example() {
    let output = Command::new(BINARY)
        .args(["config", "example"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    // Compiled in, like the vectors: a test binary reused from a clone at another path must
    // not look for the file there.
    let committed = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/wxbase.example.toml"
    ));
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

#[test]
fn config_check_redacts_the_app_secret() {
    let output = Command::new(BINARY)
        .args(["config", "check"])
        .env("WXBASE_APP_ID", "wx1234567890abcdef")
        .env("WXBASE_APP_SECRET", "very-secret-value")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("wx1234567890abcdef"));
    assert!(!stdout.contains("very-secret-value"), "{stdout}");
}

/// Runs `wxbase admin …` on `data_dir` with `stdin`; its exit status and output.
fn admin_command(data_dir: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(BINARY)
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("WXBASE_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wxbase starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("password written");
    let output = child.wait_with_output().expect("wxbase ends");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn admin_accounts_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (created, out) = admin_command(dir.path(), &["create", "ops"], "a-long-password\n");
    assert!(created, "{out}");
    let (again, out) = admin_command(dir.path(), &["create", "ops"], "a-long-password\n");
    assert!(!again && out.contains("exists already"), "{out}");
    let (short, out) = admin_command(dir.path(), &["create", "dev"], "short\n");
    assert!(!short && out.contains("10 characters"), "{out}");
    let (listed, out) = admin_command(dir.path(), &["list"], "");
    assert!(listed && out.starts_with("ops\t"), "{out}");
    let (changed, out) = admin_command(dir.path(), &["passwd", "ops"], "another-long-password\n");
    assert!(changed, "{out}");
    let (deleted, out) = admin_command(dir.path(), &["delete", "ops"], "");
    assert!(deleted, "{out}");
    let (listed, out) = admin_command(dir.path(), &["list"], "");
    assert!(listed && out.contains("no admin"), "{out}");
    let (missing, out) = admin_command(dir.path(), &["passwd", "ops"], "another-long-password\n");
    assert!(!missing && out.contains("no admin named"), "{out}");
}

/// The egg.js users collection as `mongoexport` writes it (relaxed and canonical lines).
const EGG_USERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/egg-users.mongoexport.json"
);

/// The development app, named so `import --users` and `serve --dev` share it.
const DEV_APP: [(&str, &str); 2] = [
    ("WXBASE_APP_ID", "wxd000000000000001"),
    ("WXBASE_APP_SECRET", "dev-secret-0123456789abcdef0000"),
];

/// Runs `wxbase ARGS --data-dir DIR` with the development app; its output.
fn wxbase_in(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .envs(DEV_APP)
        .env_remove("WXBASE_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("wxbase runs")
}

fn succeeded(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_egg_users_log_in_as_existing_users() {
    let data = tempfile::tempdir().expect("temp dir");
    let imported = succeeded(&wxbase_in(
        data.path(),
        &[
            "import",
            "--users",
            EGG_USERS,
            "--openid-field",
            "openid",
            "--unionid-field",
            "unionid",
            "--phone-field",
            "phone",
        ],
    ));
    assert!(imported.contains("imported 3 users"), "{imported}");
    let again = succeeded(&wxbase_in(data.path(), &["import", "--users", EGG_USERS]));
    assert!(again.contains("imported 0 users"), "{again}");

    let server = DevServer::start_with(data.path(), &DEV_APP);
    let alice = login(&server, "alice").await;
    assert_eq!(alice["data"]["user"]["isNew"], false, "{alice}");
    assert_eq!(
        alice["data"]["user"]["openid"],
        "ohIqexFqUJ0xC1qTVjoaJnSrVJ32"
    );
    let me = get_as(
        format!("{}/api/me", server.api),
        alice["data"]["token"].as_str().expect("a token"),
    )
    .await;
    assert_eq!(me["data"]["nickname"], "Alice", "{me}");
    assert_eq!(me["data"]["createdAt"], "2019-07-01T08:00:00Z", "{me}");
    assert_eq!(
        me["data"]["phone"]["purePhoneNumber"], "13800138001",
        "{me}"
    );
    let dave = login(&server, "dave").await;
    assert_eq!(dave["data"]["user"]["isNew"], true, "{dave}");
}

#[test]
fn a_mongoexport_collection_is_imported_typed_and_exported_back() {
    let data = tempfile::tempdir().expect("temp dir");
    let checked = succeeded(&wxbase_in(
        data.path(),
        &[
            "import",
            "--collection",
            "legacy_users",
            EGG_USERS,
            "--dry-run",
        ],
    ));
    assert!(checked.contains("3 documents checked"), "{checked}");
    let nothing = wxbase_in(data.path(), &["export", "--collection", "legacy_users"]);
    assert!(!nothing.status.success(), "a dry run creates nothing");

    let imported = succeeded(&wxbase_in(
        data.path(),
        &[
            "import",
            "--collection",
            "legacy_users",
            EGG_USERS,
            "--permission",
            "admin_only",
        ],
    ));
    assert!(imported.contains("imported 3 documents"), "{imported}");
    let exported = succeeded(&wxbase_in(
        data.path(),
        &["export", "--collection", "legacy_users"],
    ));
    let documents: Vec<Value> = exported
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(documents.len(), 3);
    let by_mongo_id = |id: &str| {
        documents
            .iter()
            .find(|d| d["mongoId"] == id)
            .unwrap_or_else(|| panic!("no document {id}: {documents:?}"))
    };
    let alice = by_mongo_id("5d19c0a2e4b0c3a1f0a1b001");
    assert_eq!(alice["createdAt"], "2019-07-01T08:00:00Z");
    assert_eq!(
        alice["wallet"], "9007199254740993",
        "beyond 2^53: exact text"
    );
    assert_eq!(alice["balance"], "12.50");
    assert_eq!(alice["points"], 120);
    assert!(alice.get("__v").is_none());
    assert!(alice["_id"].is_string(), "a new document id");
    let bob = by_mongo_id("5d19c0a2e4b0c3a1f0a1b002");
    assert_eq!(bob["avatarThumb"], "iVBORw0KGgo=");
    assert_eq!(bob["wallet"], -42);
    let carol = by_mongo_id("5d19c0a2e4b0c3a1f0a1b003");
    assert_eq!(carol["points"], 7);
    assert_eq!(carol["wallet"], "-9223372036854775808");
    assert_eq!(carol["score"], 4.75);
    assert_eq!(carol["lastSeen"], "2021-01-01T00:00:00Z");
}

#[test]
fn a_file_with_bad_lines_imports_nothing_and_names_each_line() {
    let data = tempfile::tempdir().expect("temp dir");
    let good = std::fs::read_to_string(EGG_USERS).expect("the fixture");
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(
        1,
        r#"{"_id":{"$oid":"x"},"points":{"$numberLong":"twelve"}}"#,
    );
    lines.push(r#"{"_id":{"$oid":"y"},"_secret":1}"#);
    lines.push("{not json");
    let file = data.path().join("broken.json");
    std::fs::write(&file, lines.join("\n")).expect("written");
    let file = file.to_str().expect("a UTF-8 path");

    let output = wxbase_in(data.path(), &["import", "--collection", "broken", file]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "rejected line 2: field \"points\": $numberLong",
        "rejected line 5:",
        "rejected line 6: not JSON",
        "3 of 6 documents rejected; nothing was imported",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
    }
    let export = wxbase_in(data.path(), &["export", "--collection", "broken"]);
    assert!(!export.status.success(), "the collection was never created");

    let array = data.path().join("array.json");
    std::fs::write(&array, format!("[{}, 7]", lines[0])).expect("written");
    let output = wxbase_in(
        data.path(),
        &[
            "import",
            "--collection",
            "broken",
            array.to_str().expect("utf-8"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rejected element 2"), "{stderr}");
}

/// Logins of new users run while `wxbase backup` copies the serving deployment; the archive,
/// restored into an empty data directory, holds every user whose login was answered before
/// the backup started. Restoring over a non-empty directory is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_write_acknowledged_before_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = DevServer::start_with(data.path(), &DEV_APP);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let load = {
        let (api, emulator) = (server.api.clone(), server.emulator.clone());
        let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && n < 2000 {
                let user = format!("loaded-{n}");
                let code: Value = client
                    .post(format!("{emulator}/__emulator/login-code"))
                    .json(&json!({ "user": user }))
                    .send()
                    .await
                    .expect("emulator answers")
                    .json()
                    .await
                    .expect("JSON");
                let answer: Value = client
                    .post(format!("{api}/api/auth/login"))
                    .json(&json!({ "code": code["code"] }))
                    .send()
                    .await
                    .expect("wxbase answers")
                    .json()
                    .await
                    .expect("JSON");
                assert_eq!(answer["code"], 1, "{answer}");
                acknowledged.lock().expect("lock").push(user);
                n += 1;
            }
        })
    };
    while acknowledged.lock().expect("lock").len() < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Vec<String> = acknowledged.lock().expect("lock").clone();
    let archive = data.path().join("manual.tar");
    let backup = tokio::task::spawn_blocking({
        let (dir, archive) = (data.path().to_owned(), archive.clone());
        move || {
            wxbase_in(
                &dir,
                &["backup", "--output", archive.to_str().expect("utf-8")],
            )
        }
    })
    .await
    .expect("the backup ran");
    let printed = succeeded(&backup);
    assert!(printed.contains("backup written"), "{printed}");
    let during = acknowledged.lock().expect("lock").len();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    load.await.expect("the load ran");
    assert!(during > before.len(), "writes went on while the backup ran");
    drop(server);

    let refused = wxbase_in(data.path(), &["restore", archive.to_str().expect("utf-8")]);
    assert!(
        !refused.status.success(),
        "a used data directory is refused"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not empty"));

    let restored_dir = tempfile::tempdir().expect("temp dir");
    let target = restored_dir.path().join("data");
    let printed = succeeded(&wxbase_in(
        &target,
        &["restore", archive.to_str().expect("utf-8")],
    ));
    assert!(printed.contains("restored"), "{printed}");
    assert_eq!(integrity_check(&target.join("wxbase.db")), "ok");
    let server = DevServer::start_with(&target, &DEV_APP);
    for user in &before {
        let answer = login(&server, user).await;
        assert_eq!(
            answer["data"]["user"]["isNew"], false,
            "{user} was lost: {answer}"
        );
    }
}

/// A PNG's magic number and `len - 8` bytes that only upload `n` has.
fn png_bytes(n: u64, len: usize) -> Vec<u8> {
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let noise = std::iter::repeat_with(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    });
    b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain(noise)
        .take(len)
        .collect()
}

/// Uploads `bytes` as `name` into the dev bucket `uploads`, as `wx.uploadFile` sends it.
async fn upload(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    name: &str,
    bytes: &[u8],
) -> Value {
    let boundary = "wxbase-backup-files";
    let body = [
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"bucket\"\r\n\r\nuploads\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
        bytes,
        format!("\r\n--{boundary}--\r\n").as_bytes(),
    ]
    .concat();
    client
        .post(format!("{api}/api/files"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("wxbase answers")
        .json()
        .await
        .expect("JSON")
}

/// Every file of the bucket `uploads` as the admin API lists it, by id.
async fn listed_uploads(server: &DevServer) -> std::collections::BTreeMap<String, Value> {
    let mut listed = std::collections::BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let page = admin(
            server,
            &format!("/admin/api/buckets/uploads/files?limit=500{cursor}"),
            None,
        )
        .await;
        assert_eq!(page["code"], 1, "{page}");
        for file in page["data"]["files"].as_array().expect("files") {
            listed.insert(file["id"].as_str().expect("an id").to_owned(), file.clone());
        }
        match page["data"]["cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return listed,
        }
    }
}

/// A deployment with local file storage takes uploads through the API while `wxbase backup`
/// copies it; restored into an empty data directory, every file whose upload was answered
/// before the backup started is listed with the same metadata and downloads with the same
/// bytes, and no file is listed whose bytes were left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_upload_load_restores_every_file_uploaded_before_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let env = [DEV_APP[0], DEV_APP[1], ("WXBASE_ADMIN_TOKEN", ADMIN_TOKEN)];
    let server = DevServer::start_with(data.path(), &env);
    let token = login(&server, "alice").await["data"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Each answered upload: the answer's `data` and the bytes sent.
    type Uploaded = Vec<(Value, Vec<u8>)>;
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Uploaded::new()));
    let load = {
        let (api, token) = (server.api.clone(), token.clone());
        let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && n < 1000 {
                let bytes = png_bytes(n, 1000 + (n as usize * 797) % 20_000);
                let answer = upload(&client, &api, &token, &format!("photo-{n}.png"), &bytes).await;
                assert_eq!(answer["code"], 1, "{answer}");
                acknowledged
                    .lock()
                    .expect("lock")
                    .push((answer["data"].clone(), bytes));
                n += 1;
            }
        })
    };
    while acknowledged.lock().expect("lock").len() < 30 {
        assert!(!load.is_finished(), "the uploads stopped early");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Uploaded = acknowledged.lock().expect("lock").clone();
    let archive = data.path().join("with-files.tar");
    let backup = tokio::task::spawn_blocking({
        let (dir, archive) = (data.path().to_owned(), archive.clone());
        move || {
            wxbase_in(
                &dir,
                &["backup", "--output", archive.to_str().expect("utf-8")],
            )
        }
    })
    .await
    .expect("the backup ran");
    succeeded(&backup);
    let during = acknowledged.lock().expect("lock").len();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    load.await.expect("the load ran");
    assert!(
        during > before.len(),
        "uploads went on while the backup ran"
    );
    let all: std::collections::BTreeMap<String, (Value, Vec<u8>)> = acknowledged
        .lock()
        .expect("lock")
        .iter()
        .map(|(file, bytes)| {
            (
                file["id"].as_str().expect("an id").to_owned(),
                (file.clone(), bytes.clone()),
            )
        })
        .collect();
    drop(server);

    let restored_dir = tempfile::tempdir().expect("temp dir");
    let target = restored_dir.path().join("data");
    succeeded(&wxbase_in(
        &target,
        &["restore", archive.to_str().expect("utf-8")],
    ));
    let server = DevServer::start_with(&target, &env);
    let listed = listed_uploads(&server).await;
    for (file, _) in &before {
        let id = file["id"].as_str().expect("an id");
        assert!(listed.contains_key(id), "{id} was lost: {file}");
    }
    let client = reqwest::Client::new();
    for (id, shown) in &listed {
        let (uploaded, bytes) = all
            .get(id)
            .unwrap_or_else(|| panic!("{id} was never uploaded: {shown}"));
        for field in [
            "bucket",
            "size",
            "contentType",
            "name",
            "createdAt",
            "_openid",
        ] {
            assert_eq!(shown[field], uploaded[field], "{field} of {id}");
        }
        let download = client
            .get(format!("{}/api/files/{id}", server.api))
            .bearer_auth(&token)
            .send()
            .await
            .expect("wxbase answers");
        assert_eq!(download.status(), 200, "{id}");
        assert_eq!(
            download.headers()["content-type"],
            uploaded["contentType"].as_str().expect("a type")
        );
        let downloaded = download.bytes().await.expect("the bytes");
        assert!(downloaded == bytes[..], "the bytes of {id} changed");
    }
}

/// `PRAGMA integrity_check` of an SQLite file: `ok` when sound.
fn integrity_check(path: &Path) -> String {
    let db = rusqlite::Connection::open(path).expect("the database opens");
    db.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check runs")
}

#[test]
fn backup_of_a_postgresql_deployment_points_to_pg_dump() {
    let output = Command::new(BINARY)
        .args(["backup", "--output", "never.tar"])
        .args(["--database-url", "postgres://postgres@127.0.0.1:1/none"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pg_dump") && stderr.contains("docs/operations.md"),
        "{stderr}"
    );
    assert!(!Path::new("never.tar").exists());
}

/// The admin token the webhook test's servers share across the restart.
const ADMIN_TOKEN: &str = "binary-test-admin-token-0123456789";

/// An admin API call (`POST` with a body, `GET` without); the JSON answer.
async fn admin(server: &DevServer, path: &str, body: Option<Value>) -> Value {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", server.api);
    let request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    request
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

/// Polls the endpoint's deliveries until the newest satisfies `done` (10 s at most); it is
/// returned.
async fn wait_for_delivery(
    server: &DevServer,
    endpoint: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = admin(
            server,
            &format!("/admin/api/webhooks/{endpoint}/deliveries"),
            None,
        )
        .await;
        let newest = page["data"]["deliveries"][0].clone();
        if done(&newest) {
            return newest;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the delivery stayed {newest}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

wxbase_store::on_both_backends!(a_webhook_event_outlives_a_sigkill_and_arrives_after_the_restart);

/// A committed write's event is recorded with it: when the server is SIGKILLed after the
/// write was acknowledged and before the event was delivered, the next server on the same
/// database delivers it, signed (checked with the `standardwebhooks` package).
async fn a_webhook_event_outlives_a_sigkill_and_arrives_after_the_restart(database: TestDatabase) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let data = tempfile::tempdir().expect("temp dir");
    // Retries a second apart, so the restarted server does not wait minutes for its turn.
    let env = [
        ("WXBASE_DATABASE_URL", database.url.as_str()),
        ("WXBASE_ADMIN_TOKEN", ADMIN_TOKEN),
        (
            "WXBASE_WEBHOOKS_RETRY_SCHEDULE",
            "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s",
        ),
    ];
    let mut server = DevServer::start_with(data.path(), &env);
    let collection = admin(
        &server,
        "/admin/api/collections",
        Some(json!({"name": "orders"})),
    )
    .await;
    assert_eq!(collection["code"], 1, "{collection}");
    let endpoint = admin(
        &server,
        "/admin/api/webhooks",
        Some(json!({"url": receiver.hook("orders"), "events": ["document.created"]})),
    )
    .await;
    assert_eq!(endpoint["code"], 1, "{endpoint}");
    let endpoint_id = endpoint["data"]["id"].to_string();
    let endpoint_id = endpoint_id.trim_matches('"');
    let secret = endpoint["data"]["secret"].as_str().expect("the secret");
    // The receiver is unavailable: every attempt is answered 503.
    receiver.configure("orders", &[secret], 0, 503).await;

    let created = admin(
        &server,
        "/admin/api/collections/orders/docs",
        Some(json!({"item": "tea", "total": 12})),
    )
    .await;
    assert_eq!(created["code"], 1, "the write is acknowledged: {created}");
    let refused = wait_for_delivery(&server, endpoint_id, |d| d["lastStatus"] == 503).await;
    assert_eq!(refused["status"], "pending", "{refused}");
    // SIGKILL (std's Child::kill, by the child's PID): no shutdown of any kind.
    server.process.kill();

    receiver.configure("orders", &[secret], 0, 204).await;
    server = DevServer::start_with(data.path(), &env);
    let delivered = wait_for_delivery(&server, endpoint_id, |d| d["status"] == "delivered").await;
    assert_eq!(delivered["lastStatus"], 204, "{delivered}");

    let received = receiver.received("orders").await;
    let accepted: Vec<&Value> = received.iter().filter(|r| r["answered"] == 204).collect();
    assert_eq!(
        accepted.len(),
        1,
        "delivered once after the restart: {received:?}"
    );
    let event = accepted[0];
    assert_eq!(
        event["id"], received[0]["id"],
        "the same event as the refused attempt"
    );
    assert_eq!(event["type"], "document.created");
    let document = &event["payload"]["data"]["document"];
    assert_eq!(document["_id"], created["data"]["_id"], "{event}");
    assert_eq!(document["item"], "tea");
    assert_eq!(event["payload"]["data"]["collection"], "orders");
    assert_all_verified_with(&received, 0);
}
