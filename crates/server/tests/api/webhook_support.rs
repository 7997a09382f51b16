//! The webhook receiver of the end-to-end tests: `tests/webhook-receiver/receiver.js`, a Node
//! process that checks every delivery with the `standardwebhooks` npm package (not wxbase's
//! code). `scripts/test` installs it (`npm ci`); without it the webhook tests skip, unless
//! `WXBASE_REQUIRE_WEBHOOK_RECEIVER` is set, which makes them fail.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running receiver; killed (by its PID) when dropped.
pub struct Receiver {
    pub base_url: String,
    child: Child,
    http: reqwest::Client,
}

/// The receiver's directory in the server crate, reached from the crate that includes this
/// module (the server's API tests and the CLI's binary tests).
fn receiver_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../server/tests/webhook-receiver")
}

impl Receiver {
    /// Starts a receiver; `None` (the test skips) when Node or the package is missing and
    /// not required.
    pub fn start() -> Option<Self> {
        let dir = receiver_dir();
        let installed = dir
            .join("node_modules/standardwebhooks/package.json")
            .exists();
        let spawned = installed
            .then(|| {
                Command::new("node")
                    .arg(dir.join("receiver.js"))
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .ok()
            })
            .flatten();
        let Some(mut child) = spawned else {
            assert!(
                !std::env::var("WXBASE_REQUIRE_WEBHOOK_RECEIVER").is_ok_and(|v| v == "1"),
                "WXBASE_REQUIRE_WEBHOOK_RECEIVER=1 but the receiver cannot start: run \
                 `npm ci --prefix crates/server/tests/webhook-receiver` (Node 18+)"
            );
            eprintln!("skipped: no webhook receiver (npm ci --prefix crates/server/tests/webhook-receiver)");
            return None;
        };
        let stdout = child.stdout.take().expect("the receiver's stdout");
        let mut port = String::new();
        BufReader::new(stdout)
            .read_line(&mut port)
            .expect("the receiver prints its port");
        Some(Self {
            base_url: format!("http://127.0.0.1:{}", port.trim()),
            child,
            http: reqwest::Client::new(),
        })
    }

    /// The URL wxbase posts `name`'s deliveries to.
    pub fn hook(&self, name: &str) -> String {
        format!("{}/hooks/{name}", self.base_url)
    }

    /// Which secrets `name`'s deliveries are checked with, and how many of its first
    /// deliveries are answered 500 (then `status`).
    pub async fn configure(&self, name: &str, secrets: &[&str], fail_first: u32, status: u16) {
        let answer = self
            .http
            .put(format!("{}/config/{name}", self.base_url))
            .json(&json!({"secrets": secrets, "failFirst": fail_first, "status": status}))
            .send()
            .await
            .expect("the receiver answers");
        assert!(answer.status().is_success());
    }

    /// Everything `name` received, in arrival order.
    pub async fn received(&self, name: &str) -> Vec<Value> {
        self.http
            .get(format!("{}/received/{name}", self.base_url))
            .send()
            .await
            .expect("the receiver answers")
            .json()
            .await
            .expect("JSON")
    }

    /// Polls until `name` has received `count` requests (10 s at most); they are returned.
    pub async fn wait_for(&self, name: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received(name).await;
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "{name} received {} of {count}: {received:?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The event types of `received`, in order.
pub fn types(received: &[Value]) -> Vec<String> {
    received
        .iter()
        .map(|r| r["type"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// Asserts every request was verified by the library with the secret at index `secret`.
pub fn assert_all_verified_with(received: &[Value], secret: u64) {
    for request in received {
        let verified = request["verifiedWith"].as_array().expect("verifiedWith");
        assert!(
            verified.iter().any(|i| i.as_u64() == Some(secret)),
            "a delivery did not verify with secret {secret}: {request}"
        );
    }
}
