//! SQL shared by both backends, written with SQLite's `?N` placeholders; [`for_postgres`]
//! turns them into PostgreSQL's `$N`.

use wxbase_core::UserUpdate;

/// The statement with `?N` placeholders rewritten as `$N`.
pub fn for_postgres(sql: &str) -> String {
    sql.replace('?', "$")
}

/// `SET` assignments and their values for a user update; placeholders start at `?3`
/// (`?1` is the user id, `?2` the update time).
pub fn user_update(update: &UserUpdate) -> (&'static str, Vec<Option<String>>) {
    match update {
        UserUpdate::UnionId(unionid) => ("unionid = ?3", vec![Some(unionid.to_string())]),
        UserUpdate::Phone(phone) => (
            "phone_number = ?3, pure_phone_number = ?4, country_code = ?5",
            vec![
                Some(phone.phone_number.clone()),
                Some(phone.pure_phone_number.clone()),
                Some(phone.country_code.clone()),
            ],
        ),
        UserUpdate::Profile(profile) => (
            "nickname = ?3, avatar_url = ?4",
            vec![profile.nickname.clone(), profile.avatar_url.clone()],
        ),
    }
}

/// The stored token, if any.
pub const ACCESS_TOKEN: &str =
    "SELECT token, expires_at, fetched_at, source FROM access_tokens WHERE app_id = ?1 AND token IS NOT NULL";

/// Takes the lease if it is free or expired (?1 app, ?2 holder, ?3 now, ?4 until).
pub const ACQUIRE_LEASE: &str = "INSERT INTO access_tokens (app_id, lease_holder, lease_until) VALUES (?1, ?2, ?4)
     ON CONFLICT (app_id) DO UPDATE SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
     WHERE access_tokens.lease_until <= ?3 OR access_tokens.lease_holder = excluded.lease_holder";

/// Stores a token and frees the lease (?1 app, ?2 token, ?3 expires, ?4 fetched, ?5 source).
pub const SAVE_TOKEN: &str = "INSERT INTO access_tokens (app_id, token, expires_at, fetched_at, source) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at,
         fetched_at = excluded.fetched_at, source = excluded.source, lease_holder = NULL, lease_until = 0";

/// Frees the lease if ?2 holds it.
pub const RELEASE_LEASE: &str =
    "UPDATE access_tokens SET lease_holder = NULL, lease_until = 0 WHERE app_id = ?1 AND lease_holder = ?2";

/// Forgets the token if it is still ?2.
pub const DISCARD_TOKEN: &str =
    "UPDATE access_tokens SET token = NULL WHERE app_id = ?1 AND token = ?2";

/// Makes sure the app has a row.
pub const ENSURE_TOKEN_ROW: &str =
    "INSERT INTO access_tokens (app_id) VALUES (?1) ON CONFLICT (app_id) DO NOTHING";

/// Counts a force refresh if allowed (?1 app, ?2 day, ?3 now, ?4 min gap ms, ?5 per day).
pub const COUNT_FORCE_REFRESH: &str = "UPDATE access_tokens SET
         force_count = CASE WHEN force_day = ?2 THEN force_count + 1 ELSE 1 END,
         force_day = ?2, last_force_at = ?3
     WHERE app_id = ?1 AND last_force_at <= ?3 - ?4 AND (force_day <> ?2 OR force_count < ?5)";
