//! Query latency of data collections on 100,000 documents, without and with field indexes, on
//! SQLite and on PostgreSQL. Not a test: it prints a table.
//!
//! ```sh
//! cargo run --release -p wxbase-store --example collections_bench [DOCUMENTS]
//! ```
//!
//! PostgreSQL is the test server (`WXBASE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`); it is skipped when unreachable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wxbase_core::collections::{
    Body, Caller, CollectionName, CollectionService, DocumentLimits, IdGenerator, NewCollection,
    NewDocument, PermissionMode,
};
use wxbase_core::{Store, Timestamp};
use wxbase_store::testing::{Backend, TestDatabase};
use wxbase_wechat::OpenId;

/// Runs per query and index state, after warm-up.
const RUNS: usize = 25;
/// Fields indexed for the second round.
const INDEXED: [&str; 4] = ["score", "n", "city", "meta.rank"];

struct Case {
    label: &'static str,
    count: bool,
    request: Value,
}

fn cases() -> Vec<Case> {
    let query = |label, request| Case {
        label,
        count: false,
        request,
    };
    let count = |label, request| Case {
        label,
        count: true,
        request,
    };
    vec![
        query(
            "query score = 417 (number eq), limit 20",
            json!({"where": {"score": 417}}),
        ),
        query(
            "query 5000 <= n < 5100 (range), limit 100",
            json!({"where": {"n": {"gte": 5000, "lt": 5100}}, "limit": 100}),
        ),
        count(
            "count city = \"city-17\" (string eq)",
            json!({"where": {"city": "city-17"}}),
        ),
        count(
            "count meta.rank in [3, 42] (nested in)",
            json!({"where": {"meta.rank": {"in": [3, 42]}}}),
        ),
        query(
            "query orderBy score desc, limit 20",
            json!({"orderBy": [["score", "desc"]]}),
        ),
        query("query no filter, page 50 via cursor", json!({"limit": 20})),
    ]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let documents: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    println!("collections_bench: {documents} documents, median and p95 of {RUNS} runs, in ms\n");
    println!("| backend | query | no index: median | p95 | indexed: median | p95 |");
    println!("|---|---|---:|---:|---:|---:|");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDatabase::new(backend).await else {
            eprintln!("{backend:?}: unreachable, skipped");
            continue;
        };
        run(backend, db.store.clone(), documents).await;
    }
}

async fn run(backend: Backend, store: Arc<dyn Store>, documents: usize) {
    let service = CollectionService::new(store.clone(), DocumentLimits::default());
    service
        .create_collection(NewCollection {
            name: CollectionName::parse("bench").expect("name"),
            permission: PermissionMode::ReadAllWriteOwn,
            schema: None,
            indexes: Vec::new(),
        })
        .await
        .expect("collection");
    let started = Instant::now();
    fill(&store, documents).await;
    eprintln!(
        "{backend:?}: inserted {documents} documents in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let reader = Caller::User(OpenId::parse("o-reader").expect("openid"));
    let mut plain = Vec::new();
    for case in cases() {
        plain.push(measure(&service, &reader, &case).await);
    }
    let started = Instant::now();
    for field in INDEXED {
        service.add_index("bench", field).await.expect("index");
    }
    eprintln!(
        "{backend:?}: built {} indexes in {:.1} s",
        INDEXED.len(),
        started.elapsed().as_secs_f64()
    );
    for (case, without) in cases().iter().zip(plain) {
        let with = measure(&service, &reader, case).await;
        println!(
            "| {backend:?} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            case.label, without.0, without.1, with.0, with.1
        );
    }
}

/// Inserts `documents` documents in batches of 1,000.
async fn fill(store: &Arc<dyn Store>, documents: usize) {
    let ids = IdGenerator::default();
    let bench = CollectionName::parse("bench").expect("name");
    let owner = OpenId::parse("o-writer").expect("openid");
    let mut batch = Vec::with_capacity(1000);
    for i in 0..documents {
        let body = json!({
            "n": i,
            "score": (i * 7919) % 1000,
            "city": format!("city-{}", i % 50),
            "title": format!("item number {i}"),
            "tags": ["a", "b"],
            "meta": {"rank": i % 100, "active": i % 3 == 0},
        });
        let at = Timestamp::now();
        batch.push(NewDocument {
            id: ids.next_id(at),
            owner: Some(owner.clone()),
            at,
            body: Body::new(body, DocumentLimits::default()).expect("body"),
        });
        if batch.len() == 1000 || i + 1 == documents {
            assert!(store
                .insert_documents(&bench, &batch)
                .await
                .expect("insert"));
            batch.clear();
        }
    }
}

/// Median and p95 latency of one case, in milliseconds.
async fn measure(service: &CollectionService, caller: &Caller, case: &Case) -> (f64, f64) {
    let mut request = case.request.clone();
    if case.label.contains("cursor") {
        request = page_fifty(service, caller, request).await;
    }
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..RUNS + 2 {
        let started = Instant::now();
        if case.count {
            service
                .count(caller, "bench", &request)
                .await
                .expect("count");
        } else {
            service
                .query(caller, "bench", &request)
                .await
                .expect("query");
        }
        if run >= 2 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[RUNS / 2]), ms(times[RUNS * 95 / 100]))
}

/// The request for page 50, following cursors from page 1.
async fn page_fifty(service: &CollectionService, caller: &Caller, mut request: Value) -> Value {
    for _ in 1..50 {
        let page = service
            .query(caller, "bench", &request)
            .await
            .expect("page");
        request["cursor"] = json!(page.cursor.expect("a cursor"));
    }
    request
}
