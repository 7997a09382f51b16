//! A local, stateful fake of WeChat's servers for offline development and tests.
//!
//! It speaks the protocol of `api.weixin.qq.com` (always HTTP 200, `errcode` + `errmsg` with a
//! `rid:` suffix) and adds a control API under `/__emulator/` that plays the mini-program's part:
//! handing out login codes as `wx.login` would, reading call counts, moving the clock.

mod clock;
pub mod config;
mod control;
mod counting;
mod people;
mod reply;
mod sns;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{EmulatedApp, EmulatorConfig};
use state::EmulatorState;

/// The emulator: its state and the HTTP routes over it.
#[derive(Clone)]
pub struct Emulator {
    state: Arc<EmulatorState>,
}

impl Emulator {
    /// A fresh emulator with no users and no codes.
    pub fn new(config: EmulatorConfig) -> Self {
        Self {
            state: Arc::new(EmulatorState::new(config)),
        }
    }

    /// The emulator's routes: WeChat's API plus the `/__emulator/` control API.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(sns::router())
            .merge(control::router())
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                counting::count_calls,
            ))
            .with_state(self.state.clone())
    }

    /// Serves the emulator on `listener` in a background task.
    pub fn spawn_on(&self, listener: TcpListener) -> std::io::Result<RunningEmulator> {
        let addr = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "emulator stopped");
            }
        });
        Ok(RunningEmulator { addr, task })
    }

    /// Binds `addr` (port 0 for any free port) and serves the emulator in a background task.
    pub async fn spawn(&self, addr: SocketAddr) -> std::io::Result<RunningEmulator> {
        let listener = TcpListener::bind(addr).await?;
        self.spawn_on(listener)
    }
}

/// An emulator serving in the background. Dropping it does not stop it; call [`stop`](Self::stop).
pub struct RunningEmulator {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl RunningEmulator {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, for the WeChat client and for the control API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits until the listener is closed.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
