//! Access tokens: who issued them, when they expire, when they were superseded or revoked.
//!
//! Two isolated families per app, as on WeChat (docs/wechat-protocol.md, "Access tokens"):
//! - legacy (`GET /cgi-bin/token`): every call mints a new token; the previous one keeps working
//!   for [`LEGACY_GRACE`] after its successor is issued, then gives 40001;
//! - stable (`POST /cgi-bin/stable_token`): one current token, returned unchanged until the last
//!   [`rotation_window`] of its life, when a new one is minted and the old one lives on until its
//!   own expiry. A force refresh revokes every live stable token of the app at once.
//!
//! Times are emulator-clock instants (`Duration` since the Unix epoch).

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::wechat_api::reply::{self, WxError};

/// How long a legacy token keeps working after a newer one is issued.
pub const LEGACY_GRACE: Duration = Duration::from_secs(300);
/// The shortest time between two stable-token force refreshes that both take effect.
pub const FORCE_MIN_INTERVAL: Duration = Duration::from_secs(30);
/// Force refreshes per app and quota day.
pub const FORCE_DAILY_LIMIT: u32 = 20;

/// Random bytes per token; base64url makes them [`TOKEN_LEN`] characters after the prefix.
const TOKEN_RANDOM_BYTES: usize = 96;
/// Tokens look like WeChat's: a two-digit generation, `_`, then base64url characters.
const TOKEN_PREFIX: &str = "86_";
/// The length of every token the emulator issues (WeChat's are ~136; clients must allow 512).
pub const TOKEN_LEN: usize = TOKEN_PREFIX.len() + TOKEN_RANDOM_BYTES * 4 / 3;

/// The stable token rotates when less than this much of its life is left: 5 minutes, or half the
/// lifetime when tests set a lifetime of 10 minutes or less (so normal calls still reuse it).
pub fn rotation_window(lifetime: Duration) -> Duration {
    LEGACY_GRACE.min(lifetime / 2)
}

/// Which endpoint issued a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `GET /cgi-bin/token`.
    Legacy,
    /// `POST /cgi-bin/stable_token`.
    Stable,
}

/// One issued token.
#[derive(Debug, Clone)]
struct TokenRecord {
    appid: String,
    kind: TokenKind,
    expires_at: Duration,
    /// When it stops working although not expired (superseded, forced out, invalidated).
    revoked_at: Option<Duration>,
}

impl TokenRecord {
    /// Whether the token works at `now`, and if not, which error using it gives.
    fn check(&self, now: Duration) -> Result<(), WxError> {
        match self.revoked_at {
            Some(revoked) if revoked <= self.expires_at && now >= revoked => {
                Err(reply::INVALID_CREDENTIAL)
            }
            _ if now >= self.expires_at => Err(reply::ACCESS_TOKEN_EXPIRED),
            _ => Ok(()),
        }
    }

    /// Makes the token stop working at `at`, unless it already stops earlier.
    fn revoke(&mut self, at: Duration) {
        self.revoked_at = Some(self.revoked_at.map_or(at, |earlier| earlier.min(at)));
    }
}

/// A token handed out, with `expires_in` as the endpoint reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The token.
    pub access_token: String,
    /// Seconds left, as `expires_in`.
    pub expires_in: u64,
}

/// The stable-token state of one app.
#[derive(Debug, Default)]
struct StableSlot {
    current: Option<String>,
    last_force: Option<Duration>,
    /// (quota day, force refreshes that day).
    forces: (u64, u32),
}

/// Every token the emulator issued, and which is current per app.
#[derive(Debug, Default)]
pub struct TokenBook {
    records: HashMap<String, TokenRecord>,
    latest_legacy: HashMap<String, String>,
    stable: HashMap<String, StableSlot>,
}

impl TokenBook {
    /// `GET /cgi-bin/token`: a new token; the previous latest one dies [`LEGACY_GRACE`] from now.
    pub fn issue_legacy(&mut self, appid: &str, now: Duration, lifetime: Duration) -> Grant {
        let token = self.mint(appid, TokenKind::Legacy, now + lifetime);
        if let Some(previous) = self.latest_legacy.insert(appid.to_owned(), token.clone()) {
            if let Some(record) = self.records.get_mut(&previous) {
                record.revoke(now + LEGACY_GRACE);
            }
        }
        Grant {
            access_token: token,
            expires_in: lifetime.as_secs(),
        }
    }

    /// `POST /cgi-bin/stable_token`. `day` is the quota day of `now`, for the force limit.
    pub fn issue_stable(
        &mut self,
        appid: &str,
        now: Duration,
        lifetime: Duration,
        force_refresh: bool,
        day: u64,
    ) -> Result<Grant, WxError> {
        let current = self.live_stable(appid, now);
        let slot = self.stable.entry(appid.to_owned()).or_default();
        let recent_force = slot
            .last_force
            .is_some_and(|at| now.saturating_sub(at) < FORCE_MIN_INTERVAL);
        match current {
            // A force inside 30 s of the previous one "will not refresh": the current token.
            Some((token, expires_at)) if force_refresh && recent_force => {
                return Ok(grant(token, expires_at, now))
            }
            Some((token, expires_at))
                if !force_refresh
                    && expires_at.saturating_sub(now) >= rotation_window(lifetime) =>
            {
                return Ok(grant(token, expires_at, now))
            }
            // Rotation inside the last window: the old token lives on until its own expiry.
            _ if !force_refresh => {}
            _ => {
                if slot.forces.0 != day {
                    slot.forces = (day, 0);
                }
                if slot.forces.1 >= FORCE_DAILY_LIMIT {
                    return Err(reply::DAILY_QUOTA);
                }
                slot.forces.1 += 1;
                slot.last_force = Some(now);
                self.revoke_where(now, |r| r.appid == appid && r.kind == TokenKind::Stable);
            }
        }
        let expires_at = now + lifetime;
        let token = self.mint(appid, TokenKind::Stable, expires_at);
        self.stable.entry(appid.to_owned()).or_default().current = Some(token.clone());
        Ok(grant(token, expires_at, now))
    }

    /// Which app `token` belongs to, if it works at `now`; otherwise the error WeChat gives.
    pub fn check(&self, token: Option<&str>, now: Duration) -> Result<&str, WxError> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(reply::ACCESS_TOKEN_MISSING)?;
        if !well_formed(token) {
            return Err(reply::INVALID_ACCESS_TOKEN);
        }
        let record = self.records.get(token).ok_or(reply::INVALID_CREDENTIAL)?;
        record.check(now)?;
        Ok(&record.appid)
    }

    /// Revokes every working token of `appid` (both families) at `now`; returns how many.
    pub fn invalidate_app(&mut self, appid: &str, now: Duration) -> usize {
        self.revoke_where(now, |record| record.appid == appid)
    }

    fn revoke_where(&mut self, now: Duration, which: impl Fn(&TokenRecord) -> bool) -> usize {
        let mut revoked = 0;
        for record in self.records.values_mut() {
            if which(record) && record.check(now).is_ok() {
                record.revoke(now);
                revoked += 1;
            }
        }
        revoked
    }

    /// The app's current stable token and its expiry, if it still works at `now`.
    fn live_stable(&self, appid: &str, now: Duration) -> Option<(String, Duration)> {
        let token = self.stable.get(appid)?.current.as_ref()?;
        let record = self.records.get(token)?;
        record.check(now).ok()?;
        Some((token.clone(), record.expires_at))
    }

    fn mint(&mut self, appid: &str, kind: TokenKind, expires_at: Duration) -> String {
        let token = format!(
            "{TOKEN_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(rand::random::<[u8; TOKEN_RANDOM_BYTES]>())
        );
        let record = TokenRecord {
            appid: appid.to_owned(),
            kind,
            expires_at,
            revoked_at: None,
        };
        self.records.insert(token.clone(), record);
        token
    }
}

fn grant(access_token: String, expires_at: Duration, now: Duration) -> Grant {
    Grant {
        access_token,
        expires_in: expires_at.saturating_sub(now).as_secs(),
    }
}

/// Whether `token` could be one the emulator issued: its length and alphabet.
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests;
