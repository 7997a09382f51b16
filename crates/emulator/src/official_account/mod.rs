//! The official account: its own AppID, secret and tokens (served by the token endpoints), its
//! followers, its user APIs and its push of follow events. A test person has one unionid across
//! the mini-programs and the official account.
//!
//! WeChat endpoints: `GET /cgi-bin/user/info`, `GET /cgi-bin/user/get`,
//! `POST /cgi-bin/user/info/batchget`. Control API: `POST /__emulator/oa/follow` and
//! `/__emulator/oa/unfollow` `{"user", "push"?}`, `GET /__emulator/oa/followers`,
//! `GET|POST /__emulator/oa/push-config`.

mod control;

use std::sync::Arc;

use axum::Router;

use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    control::router()
}
