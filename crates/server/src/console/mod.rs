//! The admin console at `/admin`: server-rendered HTML (maud) with a vendored htmx, signed in
//! with an admin account. Each page calls the core services directly.
//!
//! `security` sets the headers (CSP and friends) and the cookies, `session` signs admins in
//! and out and guards every other page (session and CSRF), `i18n` picks the language, `ui`
//! holds the page shell and small widgets, and `pages/` has one module per page.

mod assets;
mod form;
mod i18n;
mod pages;
mod security;
mod session;
mod ui;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use wxbase_core::console::WechatErrorLog;
use wxbase_core::{Config, ConsoleService};

use crate::app::AppState;

pub use i18n::Lang;

/// The console's services and what its pages show of the configuration.
pub struct Console {
    /// Accounts, sign-in, sessions, API tokens and the pages' reads.
    pub service: Arc<ConsoleService>,
    /// The effective configuration, secrets redacted (the settings page).
    pub effective_config: String,
    /// WeChat's API errors of the last hour (the dashboard).
    pub wechat_errors: Arc<WechatErrorLog>,
}

impl Console {
    /// The console over `service`, showing `config` and `wechat_errors`.
    pub fn new(
        service: ConsoleService,
        config: &Config,
        wechat_errors: Arc<WechatErrorLog>,
    ) -> Self {
        Self {
            service: Arc::new(service),
            effective_config: format!("{config:#?}"),
            wechat_errors,
        }
    }
}

/// Every route of the console.
pub fn router(state: &AppState) -> Router<AppState> {
    let signed_in = Router::new()
        .route("/admin", get(pages::dashboard::page))
        .route("/admin/", get(pages::dashboard::page))
        .route("/admin/logout", post(session::sign_out))
        .route("/admin/users", get(pages::users::list))
        .route("/admin/users/{openid}", get(pages::users::show))
        .route(
            "/admin/users/{openid}/revoke-sessions",
            post(pages::users::revoke_sessions),
        )
        .route("/admin/messages", get(pages::messages::inbox))
        .route(
            "/admin/messages/{openid}",
            get(pages::messages::conversation).post(pages::messages::reply),
        )
        .route(
            "/admin/rules",
            get(pages::rules::list).post(pages::rules::create),
        )
        .route("/admin/rules/test", post(pages::rules::test))
        .route(
            "/admin/rules/{id}",
            get(pages::rules::edit).post(pages::rules::update),
        )
        .route("/admin/rules/{id}/move", post(pages::rules::move_rule))
        .route("/admin/rules/{id}/delete", post(pages::rules::delete))
        .route("/admin/outbox", get(pages::outbox::page))
        .route("/admin/outbox/{id}/retry", post(pages::outbox::retry))
        .route("/admin/outbox/{id}/cancel", post(pages::outbox::cancel))
        .route(
            "/admin/collections",
            get(pages::collections::list).post(pages::collections::create),
        )
        .route(
            "/admin/collections/{name}",
            get(pages::collections::show).post(pages::collections::change),
        )
        .route(
            "/admin/collections/{name}/indexes",
            post(pages::collections::add_index),
        )
        .route(
            "/admin/collections/{name}/indexes/drop",
            post(pages::collections::drop_index),
        )
        .route(
            "/admin/collections/{name}/delete",
            post(pages::collections::delete),
        )
        .route(
            "/admin/collections/{name}/documents",
            post(pages::documents::create),
        )
        .route(
            "/admin/collections/{name}/documents/{id}",
            get(pages::documents::edit).post(pages::documents::replace),
        )
        .route(
            "/admin/collections/{name}/documents/{id}/delete",
            post(pages::documents::delete),
        )
        .route("/admin/files", get(pages::files::buckets))
        .route("/admin/files/{bucket}", get(pages::files::bucket))
        .route("/admin/moderation", get(pages::moderation::page))
        .route(
            "/admin/moderation/{bucket}/{id}/pass",
            post(pages::moderation::pass),
        )
        .route(
            "/admin/moderation/{bucket}/{id}/reject",
            post(pages::moderation::reject),
        )
        .route(
            "/admin/backups",
            get(pages::backups::page).post(pages::backups::create),
        )
        .route("/admin/followers", get(pages::followers::page))
        .route("/admin/followers/sync", post(pages::followers::sync))
        .route(
            "/admin/tokens",
            get(pages::tokens::list).post(pages::tokens::create),
        )
        .route("/admin/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/admin/settings", get(pages::settings::page))
        .route(
            "/admin/webhooks",
            get(pages::webhooks::list_endpoints).post(pages::webhooks::create),
        )
        .route(
            "/admin/webhooks/{id}",
            get(pages::webhooks::show).post(pages::webhooks::update),
        )
        .route("/admin/webhooks/{id}/delete", post(pages::webhooks::delete))
        .route("/admin/webhooks/{id}/rotate", post(pages::webhooks::rotate))
        .route("/admin/webhooks/{id}/test", post(pages::webhooks::test))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/retry",
            post(pages::webhooks::retry),
        )
        .route("/admin/subscriptions", get(pages::subscriptions::page))
        .route(
            "/admin/subscriptions/send",
            post(pages::subscriptions::send),
        )
        .route(
            "/admin/subscriptions/campaigns",
            get(pages::subscriptions::find_campaign).post(pages::subscriptions::create_campaign),
        )
        .route(
            "/admin/subscriptions/campaigns/{id}",
            get(pages::subscriptions::campaign),
        )
        .route("/admin/codes", get(pages::codes::page))
        .route("/admin/codes/code", post(pages::codes::code))
        .route("/admin/codes/link", post(pages::codes::link))
        .route("/admin/files", post(pages::files::create_bucket))
        .route(
            "/admin/files/{bucket}/settings",
            post(pages::files::change_bucket),
        )
        .route(
            "/admin/files/{bucket}/delete",
            post(pages::files::delete_bucket),
        )
        .route(
            "/admin/files/{bucket}/upload",
            // The upload is streamed into the bucket, which enforces its own size limit.
            post(pages::files::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/admin/files/{bucket}/files/{id}/delete",
            post(pages::files::delete_file),
        )
        .route(
            "/admin/admins",
            get(pages::admins::list).post(pages::admins::create),
        )
        .route(
            "/admin/admins/{username}/password",
            post(pages::admins::change_password),
        )
        .route(
            "/admin/admins/{username}/delete",
            post(pages::admins::delete),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            session::require_session,
        ));
    Router::new()
        .route(
            "/admin/login",
            get(session::sign_in_form).post(session::sign_in),
        )
        .route("/admin/assets/{name}", get(assets::serve))
        .route("/admin/language/{code}", get(i18n::switch))
        .merge(signed_in)
        .layer(middleware::from_fn(security::headers))
}
