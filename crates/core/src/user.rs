//! A mini-program user as wxbase stores it.

use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::Timestamp;

/// The database id of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

/// A user of one mini-program, identified by its openid there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Database id.
    pub id: UserId,
    /// The mini-program the openid belongs to.
    pub app_id: AppId,
    /// The user's openid in that mini-program.
    pub openid: OpenId,
    /// The user's unionid, once known.
    pub unionid: Option<UnionId>,
    /// When wxbase first saw the user.
    pub created_at: Timestamp,
    /// The user's latest login.
    pub last_login_at: Timestamp,
}
