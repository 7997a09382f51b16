//! Embedding wxbase in a Rust service: the team's own authenticated route served beside
//! wxbase's, using the logged-in user.
//!
//! It reads the same settings as `wxbase serve` (`WXBASE_*` variables; see
//! docs/configuration.md) and needs a mini-program's AppID and AppSecret:
//!
//!     WXBASE_APP_ID=wx... WXBASE_APP_SECRET=... \
//!         cargo run -p wxbase-server --example custom_route
//!
//! then, with a session token from `POST /api/auth/login`:
//!
//!     curl -s http://127.0.0.1:8080/api/team/greeting -H "Authorization: Bearer TOKEN"
//!     {"code":1,"data":{"greeting":"Welcome back, o...","openid":"o...","hasPhone":false},"message":"ok"}

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use serde::Serialize;
use wxbase_core::config::RawSettings;
use wxbase_core::{DatabaseUrl, Store};
use wxbase_server::{ApiResult, AppState, Application, CurrentUser, Success};
use wxbase_store::{PostgresStore, SqliteStore};

/// The team's routes. `CurrentUser` answers `unauthorized` in wxbase's envelope when the
/// session token is missing or expired, so the handler only runs for a signed-in user.
pub fn team_routes() -> Router<AppState> {
    Router::new().route("/api/team/greeting", get(greeting))
}

/// What the greeting route answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Greeting {
    greeting: String,
    openid: String,
    has_phone: bool,
}

async fn greeting(CurrentUser(user): CurrentUser) -> ApiResult<Greeting> {
    Ok(Success(Greeting {
        greeting: format!("Welcome back, {}", user.openid),
        openid: user.openid.to_string(),
        has_phone: user.phone.is_some(),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = RawSettings::load(None, std::env::vars())?.parse()?;
    let store: Arc<dyn Store> = match &config.database {
        DatabaseUrl::Sqlite(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            Arc::new(SqliteStore::open(path, config.database_max_connections).await?)
        }
        DatabaseUrl::Postgres(url) => {
            Arc::new(PostgresStore::connect(url, config.database_max_connections).await?)
        }
    };
    let app = Application::build(&config, store.clone())
        .await?
        .with_routes(team_routes());
    println!("wxbase with the team's routes on port {}", app.port());
    app.run_until_stopped().await?;
    store.close().await;
    Ok(())
}
