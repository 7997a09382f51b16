//! WeChat's API: the routes wxbase calls on `api.weixin.qq.com`, answered as WeChat answers
//! them (always HTTP 200, `errcode` + `errmsg` with a `rid:`), in WeChat's order of checks.
//!
//! One module per module of `wxbase-wechat`'s `api`: [`auth`] (`/sns/jscode2session`),
//! [`token`] (`/cgi-bin/token`, `/cgi-bin/stable_token`), [`phone`]
//! (`/wxa/business/getuserphonenumber`), [`custom_message`] (custom/send and typing),
//! [`user`] (the official account's user/info, user/get and batchget), [`security`]
//! (msg_sec_check, media_check_async), [`wxacode`] (getwxacodeunlimit), [`links`] (generate_urllink,
//! generatescheme), [`subscribe_message`] (subscribe/send, then the sent event) and
//! [`subscribe_template`] (gettemplate). Beside them what they
//! share: [`reply`] (the errcodes), [`request`] (bodies), [`caller`] (the `access_token`
//! check), and the middleware ahead of every route: [`counting`] (each call counted for the
//! stats), then [`faults`] (the injected faults applied).

mod auth;
mod caller;
pub mod counting;
mod custom_message;
pub mod faults;
mod links;
mod phone;
pub mod reply;
mod request;
mod security;
mod subscribe_message;
mod subscribe_template;
mod token;
mod user;
mod wxacode;

use std::sync::Arc;

use axum::Router;

use crate::state::EmulatorState;

/// Every WeChat API route.
pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .merge(auth::router())
        .merge(token::router())
        .merge(phone::router())
        .merge(custom_message::router())
        .merge(user::router())
        .merge(security::router())
        .merge(wxacode::router())
        .merge(links::router())
        .merge(subscribe_message::router())
        .merge(subscribe_template::router())
}
