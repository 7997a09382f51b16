//! A bare axum server that answers `GET /` with `hello`: the benchmark's yardstick for what
//! the machine itself can serve (`bench/run hello`), since every wxbase number is bounded by
//! it.
//!
//!     cargo run --release -p wxbase-server --example bare_axum -- 127.0.0.1:18090

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    let app = Router::new().route("/", get(|| async { "hello" }));
    axum::serve(listener, app).await
}
