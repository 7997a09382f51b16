//! wxbase's domain: configuration, users and sessions, the login use case, and the [`Store`]
//! trait that the storage backends implement. No HTTP and no SQL live here.

pub mod auth;
pub mod backup;
pub mod codes;
pub mod collections;
pub mod config;
pub mod console;
pub mod files;
pub mod messages;
pub mod official_account;
pub mod open_data;
pub mod security;
pub mod session;
pub mod store;
pub mod subscriptions;
pub mod telemetry;
pub mod time;
pub mod token;
mod ttl_cache;
pub mod user;
pub mod webhooks;

pub use auth::{AuthError, AuthService, LoginOutcome};
pub use collections::{CollectionError, CollectionService, CollectionStore};
pub use config::{
    AppCredentials, Config, ConfigError, DatabaseUrl, OfficialAccountSettings, PushSettings,
    RawSettings,
};
pub use console::{ConsoleService, ConsoleStore};
pub use files::{FileError, FileService, FileStore};
pub use messages::{MessageService, MessageSettings, MessageStore};
pub use official_account::{FollowerStore, OfficialAccountError, OfficialAccountService};
pub use open_data::{OpenDataError, OpenDataService};
pub use session::{SessionToken, TokenHash};
pub use store::{ImportedUser, LoginRecord, NewLogin, PoolUsage, Store, StoreError};
pub use subscriptions::{SubscriptionService, SubscriptionStore};
pub use time::Timestamp;
pub use token::{StoredToken, TokenError, TokenManager, TokenMode, TokenSettings, TokenStore};
pub use user::{KeyedUser, Phone, Profile, User, UserId, UserUpdate};
pub use webhooks::{WebhookError, WebhookService, WebhookSettings, WebhookStore};
