//! What an operator reads when pushes are refused: one warning per refusal, saying why, and
//! never the push token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;
use wxbase_wechat::crypto::sha1_signature;

use crate::helpers::{Options, TestApp};
use crate::push_support::{PushSetup, PUSH_PATH, PUSH_TOKEN};

/// Everything logged through it, kept for the test to read.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("logs")).into_owned()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A current-thread runtime runs the server's tasks on the test's thread, so the thread's
/// default subscriber sees their log lines (and no other test's).
#[tokio::test]
async fn each_refused_push_is_logged_with_its_reason_and_never_the_token() {
    let logs = CapturedLogs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _scope = tracing::subscriber::set_default(subscriber);
    // With a single registered subscriber, tracing decides whether a log line is wanted from
    // the default of whichever thread reaches it first; under `cargo test` another test's
    // thread (with none) could switch these lines off for the whole process. A second
    // registered subscriber makes tracing ask every subscriber instead.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            push: Some(PushSetup::new(PushMode::Plaintext, PushFormat::Xml)),
            ..Options::default()
        },
    )
    .await
    .expect("sqlite");
    let wrong = sha1_signature(&["not-the-token", "100", "7"]);
    let forged = [
        ("signature", wrong.as_str()),
        ("timestamp", "100"),
        ("nonce", "7"),
    ];
    let signature = sha1_signature(&[PUSH_TOKEN, "100", "7"]);
    let signed = [
        ("signature", signature.as_str()),
        ("timestamp", "100"),
        ("nonce", "7"),
    ];
    let oversized = format!(r#"{{"Content":"{}"}}"#, "x".repeat(20 * 1024));
    for (query, body, status) in [
        (&forged[..], "<xml></xml>", 401),
        (&signed[..], "<xml><Content>broken</xml>", 400),
        (&signed[..], oversized.as_str(), 413),
    ] {
        let (answered, _) = app
            .raw_request(reqwest::Method::POST, PUSH_PATH, query, body)
            .await;
        assert_eq!(answered, status);
    }
    let (answered, _) = app
        .raw_request(reqwest::Method::GET, PUSH_PATH, &forged, "")
        .await;
    assert_eq!(answered, 403, "a forged URL check");

    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|line| line.contains("WARN")).collect();
    assert_eq!(warnings.len(), 4, "one warning per refusal:\n{text}");
    assert!(
        warnings[0].contains("push refused") && warnings[0].contains("signature"),
        "{text}"
    );
    assert!(
        warnings[1].contains("push refused") && warnings[1].contains("reason="),
        "{text}"
    );
    assert!(warnings[2].contains("larger than the limit"), "{text}");
    assert!(warnings[3].contains("push URL check refused"), "{text}");
    assert!(
        !text.contains(PUSH_TOKEN),
        "the push token is never logged:\n{text}"
    );
}
