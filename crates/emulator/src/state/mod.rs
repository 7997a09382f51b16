//! The state: everything the emulator remembers, and the rules that change it, without HTTP.
//! Codes, session keys, tokens, quotas, chats, followers, subscriptions, faults, call counts,
//! bindings, the text check's words and generated links live in [`Tables`], behind one lock so
//! each request sees and changes them atomically; the clock and the test people's identities
//! are derived, not stored.
//!
//! The WeChat API and the control API read and change it; no route is here.

pub mod clock;
pub mod conversations;
pub mod faults;
pub mod followers;
pub mod links;
pub mod people;
pub mod quota;
pub mod security;
pub mod subscriptions;
pub mod tokens;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use self::clock::Clock;
use self::conversations::Conversations;
use self::faults::Fault;
use self::followers::Followers;
use self::links::Links;
use self::quota::DailyQuotas;
use self::security::{MediaRules, TextRules};
use self::subscriptions::Subscriptions;
use self::tokens::TokenBook;
use crate::config::{EmulatedApp, EmulatorConfig, Limits};
use crate::push::PushTarget;
use crate::wechat_api::reply::WxError;

/// A single-use code for a test person: a login code (`wx.login`) or a phone-number code.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub appid: String,
    pub person: String,
    pub issued_at: Duration,
    pub used: bool,
}

impl IssuedCode {
    /// Whether the code was issued for `appid` and is younger than `ttl` at `now`.
    pub fn fresh_for(&self, appid: &str, now: Duration, ttl: Duration) -> bool {
        self.appid == appid && now.saturating_sub(self.issued_at) <= ttl
    }
}

/// The mutable part of the state, behind one lock.
#[derive(Debug)]
pub struct Tables {
    /// Login codes by code.
    pub login_codes: HashMap<String, IssuedCode>,
    /// Phone-number codes by code.
    pub phone_codes: HashMap<String, IssuedCode>,
    /// The latest session_key per (appid, person).
    pub session_keys: HashMap<(String, String), String>,
    /// Access tokens of both families.
    pub tokens: TokenBook,
    /// Daily quota counters.
    pub quotas: DailyQuotas,
    /// Token lifetime and quotas, as set now.
    pub limits: Limits,
    /// Injected faults, applied in order.
    pub faults: Vec<Fault>,
    /// Calls per endpoint.
    pub calls: BTreeMap<String, u64>,
    /// Customer-service chats and their send windows.
    pub conversations: Conversations,
    /// Where and how pushes are delivered.
    pub push: PushTarget,
    /// The official account's users, following or not.
    pub followers: Followers,
    /// Where and how the official account's pushes are delivered.
    pub oa_push: PushTarget,
    /// Open-platform bindings changed at run time, by appid (otherwise the app's configured
    /// `unionid_bound`).
    pub bindings: HashMap<String, bool>,
    /// The words the text check looks for.
    pub text_rules: TextRules,
    /// How media checks are judged, and when their verdicts are pushed.
    pub media_rules: MediaRules,
    /// URL links and schemes generated.
    pub links: Links,
    /// Subscribe-message templates, grants and received messages.
    pub subscriptions: Subscriptions,
}

/// The emulator's state, shared by its handlers.
#[derive(Debug)]
pub struct EmulatorState {
    pub config: EmulatorConfig,
    /// The apps and the official account: whoever may get an access_token.
    token_holders: Vec<EmulatedApp>,
    pub clock: Clock,
    /// The HTTP client pushes go out with (one for all: building one per push costs more
    /// than the push).
    pub push_client: reqwest::Client,
    tables: Mutex<Tables>,
}

impl EmulatorState {
    pub fn new(config: EmulatorConfig) -> Self {
        let tables = Tables {
            login_codes: HashMap::new(),
            phone_codes: HashMap::new(),
            session_keys: HashMap::new(),
            tokens: TokenBook::default(),
            quotas: DailyQuotas::default(),
            limits: config.limits,
            faults: Vec::new(),
            calls: BTreeMap::new(),
            conversations: Conversations::default(),
            push: config.push.clone(),
            followers: Followers::default(),
            oa_push: config.official_account_push.clone(),
            bindings: HashMap::new(),
            text_rules: TextRules::default(),
            media_rules: MediaRules::default(),
            links: Links::default(),
            subscriptions: Subscriptions::default(),
        };
        let token_holders = config
            .apps
            .iter()
            .cloned()
            .chain(config.official_account.iter().map(|oa| oa.as_app()))
            .collect();
        Self {
            token_holders,
            config,
            clock: Clock::default(),
            push_client: reqwest::Client::new(),
            tables: Mutex::new(tables),
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

    /// An app or the official account, by AppID: the token endpoints serve both.
    pub fn token_holder(&self, appid: &str) -> Option<&EmulatedApp> {
        self.token_holders.iter().find(|app| app.appid == appid)
    }

    pub fn default_app(&self) -> Option<&EmulatedApp> {
        self.config.apps.first()
    }

    pub fn count_call(&self, endpoint: &str) {
        *self.tables().calls.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Issues a fresh single-use login code for `person` in `appid`.
    pub fn issue_login_code(&self, appid: &str, person: &str) -> String {
        let (code, entry) = self.new_code(appid, person);
        self.tables().login_codes.insert(code.clone(), entry);
        code
    }

    /// Makes room for `codes` more login codes and the session keys of `people` more people,
    /// so that logins using a bulk of codes never wait while these maps grow: growing a map of
    /// a million entries rehashes all of them under the one lock every call takes.
    pub fn reserve_logins(&self, codes: usize, people: usize) {
        let mut tables = self.tables();
        tables.login_codes.reserve(codes);
        tables.session_keys.reserve(people.min(codes));
    }

    /// Issues a fresh single-use phone-number code for `person` in `appid`.
    pub fn issue_phone_code(&self, appid: &str, person: &str) -> String {
        let (code, entry) = self.new_code(appid, person);
        self.tables().phone_codes.insert(code.clone(), entry);
        code
    }

    fn new_code(&self, appid: &str, person: &str) -> (String, IssuedCode) {
        let code = hex::encode(rand::random::<[u8; 16]>());
        let entry = IssuedCode {
            appid: appid.to_owned(),
            person: person.to_owned(),
            issued_at: self.clock.now(),
            used: false,
        };
        (code, entry)
    }

    /// Makes a new session_key for (appid, person), replacing the previous one.
    pub fn rotate_session_key(&self, appid: &str, person: &str) -> String {
        let key = STANDARD.encode(rand::random::<[u8; 16]>());
        self.tables()
            .session_keys
            .insert((appid.to_owned(), person.to_owned()), key.clone());
        key
    }

    /// The current session_key of (appid, person), if the person ever logged in there.
    pub fn session_key(&self, appid: &str, person: &str) -> Option<String> {
        self.tables()
            .session_keys
            .get(&(appid.to_owned(), person.to_owned()))
            .cloned()
    }

    /// The appid an `access_token` query parameter belongs to, or the error using it gives.
    pub fn check_access_token(&self, token: Option<&str>) -> Result<String, WxError> {
        let now = self.clock.now();
        self.tables().tokens.check(token, now).map(str::to_owned)
    }

    /// Whether `app` is bound to an open-platform account now.
    pub fn unionid_bound(&self, app: &EmulatedApp) -> bool {
        let changed = self.tables().bindings.get(&app.appid).copied();
        changed.unwrap_or(app.unionid_bound)
    }

    /// Binds `appid` to an open-platform account, or unbinds it, from now on.
    pub fn set_unionid_bound(&self, appid: &str, bound: bool) {
        self.tables().bindings.insert(appid.to_owned(), bound);
    }

    /// The openid and (when the app is bound now) unionid of `person` in `app`. Call it
    /// without holding the tables.
    pub fn identity(&self, app: &EmulatedApp, person: &str) -> (String, Option<String>) {
        let openid = people::openid_for(&app.appid, person);
        let unionid = self.unionid_bound(app).then(|| people::unionid_for(person));
        (openid, unionid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserving_logins_makes_room_so_the_maps_do_not_grow_during_the_logins() {
        let state = EmulatorState::new(EmulatorConfig::default());
        state.reserve_logins(10_000, 2_500);
        let (codes, keys) = {
            let tables = state.tables();
            (
                tables.login_codes.capacity(),
                tables.session_keys.capacity(),
            )
        };
        for i in 0..10_000 {
            state.issue_login_code("wxapp", &format!("p{}", i % 2_500));
        }
        for i in 0..2_500 {
            state.rotate_session_key("wxapp", &format!("p{i}"));
        }
        let tables = state.tables();
        assert!(codes >= 10_000 && keys >= 2_500);
        assert_eq!(
            tables.login_codes.capacity(),
            codes,
            "no growth for the codes"
        );
        assert_eq!(
            tables.session_keys.capacity(),
            keys,
            "no growth for the keys"
        );
    }
}
