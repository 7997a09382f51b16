//! `[metrics]` and `[backup]`: where Prometheus scrapes, and the scheduled SQLite backups.

use std::net::SocketAddr;
use std::time::Duration;

use super::{ConfigError, RawSettings};

/// Where the Prometheus metrics are served; both off by default, and nothing is recorded
/// while both are off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSettings {
    /// `metrics.listen`: a separate address serving `GET /metrics` without authentication.
    pub listen: Option<SocketAddr>,
    /// `metrics.admin_route`: `GET /metrics` on the main address, behind the admin token.
    pub admin_route: bool,
}

impl MetricsSettings {
    /// Whether metrics are recorded at all.
    pub fn enabled(&self) -> bool {
        self.listen.is_some() || self.admin_route
    }
}

/// Scheduled backups into `<data_dir>/backups` (SQLite only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSettings {
    /// `backup.interval_seconds`; `None` (0) turns scheduled backups off.
    pub interval: Option<Duration>,
    /// `backup.keep`: how many scheduled backups are kept; older ones are deleted.
    pub keep: usize,
}

impl RawSettings {
    pub(super) fn metrics(&self) -> Result<MetricsSettings, ConfigError> {
        let listen = match self.value("metrics.listen") {
            None => None,
            Some(text) => Some(
                self.field(
                    "metrics.listen",
                    text.parse()
                        .map_err(|_| "expected an address like 127.0.0.1:9090".to_owned()),
                )?,
            ),
        };
        let admin_route = match self.text("metrics.admin_route").trim() {
            "true" => true,
            "false" | "" => false,
            _ => {
                return self.field(
                    "metrics.admin_route",
                    Err("expected true or false".to_owned()),
                )
            }
        };
        Ok(MetricsSettings {
            listen,
            admin_route,
        })
    }

    pub(super) fn backup(&self) -> Result<BackupSettings, ConfigError> {
        let seconds: u64 = self.number("backup.interval_seconds", 0, 366 * 24 * 3600)?;
        Ok(BackupSettings {
            interval: (seconds > 0).then(|| Duration::from_secs(seconds)),
            keep: self.number("backup.keep", 1, 10_000)?,
        })
    }
}
