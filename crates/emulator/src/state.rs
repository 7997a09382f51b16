//! Everything the emulator remembers: apps, login codes, session keys and call counts.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::clock::Clock;
use crate::config::{EmulatedApp, EmulatorConfig};
use crate::people;

/// A login code handed out by `POST /__emulator/login-code`.
#[derive(Debug, Clone)]
pub struct LoginCode {
    pub appid: String,
    pub person: String,
    pub issued_at: Duration,
    pub used: bool,
}

/// The mutable part of the state, behind one lock.
#[derive(Debug, Default)]
pub struct Tables {
    /// Login codes by code.
    pub login_codes: HashMap<String, LoginCode>,
    /// The latest session_key per (appid, person).
    pub session_keys: HashMap<(String, String), String>,
    /// Calls per endpoint.
    pub calls: BTreeMap<String, u64>,
}

/// The emulator's state, shared by its handlers.
#[derive(Debug)]
pub struct EmulatorState {
    pub config: EmulatorConfig,
    pub clock: Clock,
    tables: Mutex<Tables>,
}

impl EmulatorState {
    pub fn new(config: EmulatorConfig) -> Self {
        Self {
            config,
            clock: Clock::default(),
            tables: Mutex::new(Tables::default()),
        }
    }

    /// The tables, even if a handler panicked while holding them.
    pub fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub fn app(&self, appid: &str) -> Option<&EmulatedApp> {
        self.config.apps.iter().find(|app| app.appid == appid)
    }

    pub fn default_app(&self) -> Option<&EmulatedApp> {
        self.config.apps.first()
    }

    pub fn count_call(&self, endpoint: &str) {
        *self.tables().calls.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Issues a fresh single-use login code for `person` in `appid`.
    pub fn issue_login_code(&self, appid: &str, person: &str) -> String {
        let code = hex::encode(rand::random::<[u8; 16]>());
        let entry = LoginCode {
            appid: appid.to_owned(),
            person: person.to_owned(),
            issued_at: self.clock.now(),
            used: false,
        };
        self.tables().login_codes.insert(code.clone(), entry);
        code
    }

    /// Makes a new session_key for (appid, person), replacing the previous one.
    pub fn rotate_session_key(&self, appid: &str, person: &str) -> String {
        let key = STANDARD.encode(rand::random::<[u8; 16]>());
        self.tables()
            .session_keys
            .insert((appid.to_owned(), person.to_owned()), key.clone());
        key
    }

    /// The openid and (when the app is bound) unionid of `person` in `app`.
    pub fn identity(app: &EmulatedApp, person: &str) -> (String, Option<String>) {
        let openid = people::openid_for(&app.appid, person);
        let unionid = app.unionid_bound.then(|| people::unionid_for(person));
        (openid, unionid)
    }
}
