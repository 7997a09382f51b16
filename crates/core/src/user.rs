//! A mini-program user as wxbase stores it.

use serde::Serialize;
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

use crate::Timestamp;

/// The database id of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

/// A signed-in user and the session_key of their latest login, read together: what opening
/// the data a user shares needs. The key never leaves the server (`Secret` redacts it).
#[derive(Debug, Clone)]
pub struct KeyedUser {
    /// The user.
    pub user: User,
    /// The session_key of the user's latest login.
    pub session_key: Secret,
}

/// A user's phone number, as WeChat reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Phone {
    /// With the country code for numbers outside mainland China.
    pub phone_number: String,
    /// Without the country code.
    pub pure_phone_number: String,
    /// The country calling code, e.g. `86`.
    pub country_code: String,
}

/// What the user shared of their WeChat profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Nickname.
    pub nickname: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
}

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
    /// The user's phone number, once shared.
    pub phone: Option<Phone>,
    /// The user's nickname and avatar, once shared.
    pub profile: Profile,
    /// When wxbase first saw the user.
    pub created_at: Timestamp,
    /// The user's latest login.
    pub last_login_at: Timestamp,
}

/// One change to a user, learned from data the user shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserUpdate {
    /// The unionid, from decrypted user info.
    UnionId(UnionId),
    /// The phone number.
    Phone(Phone),
    /// Nickname and avatar.
    Profile(Profile),
}
