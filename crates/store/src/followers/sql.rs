//! The official-account followers SQL, with SQLite's `?N` placeholders (PostgreSQL's are
//! rewritten). `following` is a BOOLEAN in PostgreSQL and an INTEGER in SQLite; the SQL only
//! tests it and writes `TRUE`/`FALSE` or a bound bool, which both accept.

/// The columns `rows::follower_from_row` reads.
pub const FOLLOWER_COLUMNS: &str = "app_id, openid, unionid, following, since, changed_at";

/// Logs an event once (?1 app, ?2 openid, ?3 event, ?4 its time, ?5 received).
pub const LOG_EVENT: &str =
    "INSERT INTO oa_follow_events (app_id, openid, event, created_at, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (app_id, openid, created_at, event) DO NOTHING";

/// Applies an event unless the row reflects a later change (?1 app, ?2 openid, ?3 following,
/// ?4 since, ?5 event time, ?6 now). The row is stamped with the current sync generation.
pub fn apply_event() -> String {
    format!(
        "INSERT INTO oa_followers (app_id, openid, following, since, changed_at, seen_generation, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5,
                 (SELECT COALESCE(MAX(generation), 0) FROM oa_sync WHERE app_id = ?1), ?6)
         ON CONFLICT (app_id, openid) DO UPDATE SET
             following = excluded.following,
             since = COALESCE(excluded.since, oa_followers.since),
             changed_at = excluded.changed_at,
             seen_generation = excluded.seen_generation,
             updated_at = excluded.updated_at
         WHERE excluded.changed_at >= oa_followers.changed_at
         RETURNING {FOLLOWER_COLUMNS}"
    )
}

/// A listed follower (?1 app, ?2 openid, ?3 unionid, ?4 since, ?5 changed at, ?6 generation,
/// ?7 now): the unionid and the stamp always; following, since and the change time only when
/// the listing is newer than the row's last change.
pub const UPSERT_LISTED: &str = "INSERT INTO oa_followers
         (app_id, openid, unionid, following, since, changed_at, seen_generation, updated_at)
     VALUES (?1, ?2, ?3, TRUE, ?4, ?5, ?6, ?7)
     ON CONFLICT (app_id, openid) DO UPDATE SET
         unionid = COALESCE(excluded.unionid, oa_followers.unionid),
         seen_generation = excluded.seen_generation,
         updated_at = excluded.updated_at,
         following = CASE WHEN excluded.changed_at > oa_followers.changed_at
                          THEN TRUE ELSE oa_followers.following END,
         since = CASE WHEN excluded.changed_at > oa_followers.changed_at
                      THEN COALESCE(excluded.since, oa_followers.since) ELSE oa_followers.since END,
         changed_at = CASE WHEN excluded.changed_at > oa_followers.changed_at
                           THEN excluded.changed_at ELSE oa_followers.changed_at END";

/// Stores a unionid (?1 app, ?2 openid, ?3 unionid, ?4 now).
pub const SET_UNIONID: &str =
    "UPDATE oa_followers SET unionid = ?3, updated_at = ?4 WHERE app_id = ?1 AND openid = ?2";

/// The follower with an openid (?1 app, ?2 openid).
pub fn by_openid() -> String {
    format!("SELECT {FOLLOWER_COLUMNS} FROM oa_followers WHERE app_id = ?1 AND openid = ?2")
}

/// The latest changed follower with a unionid (?1 app, ?2 unionid).
pub fn by_unionid() -> String {
    format!(
        "SELECT {FOLLOWER_COLUMNS} FROM oa_followers WHERE app_id = ?1 AND unionid = ?2
         ORDER BY changed_at DESC LIMIT 1"
    )
}

/// Known users, followers, followers with a unionid (?1 app).
pub const COUNT: &str = "SELECT COUNT(*),
         COUNT(CASE WHEN following THEN 1 END),
         COUNT(CASE WHEN following AND unionid IS NOT NULL THEN 1 END)
     FROM oa_followers WHERE app_id = ?1";

/// Makes sure the account has a sync row (?1 app).
pub const ENSURE_SYNC_ROW: &str =
    "INSERT INTO oa_sync (app_id) VALUES (?1) ON CONFLICT (app_id) DO NOTHING";

/// Whether the latest run can be continued (?7: the earliest start of its generation that
/// still can): it did not complete, recorded a whole page, and its generation began recently
/// enough.
const RESUMABLE: &str = "(completed_generation < generation AND resume_after IS NOT NULL
         AND generation_started_at >= ?7)";

/// Starts a run if the lease is free and, for a periodic run, one is due (?1 app, ?2 holder,
/// ?3 now, ?4 lease until, ?5 completed before, ?6 started before; ?5 and ?6 NULL to force;
/// ?7 resume since): it continues the latest run where that can be, keeping its generation
/// and resume point, or else starts the next generation from the first page. `started_at`
/// is this run's start either way (it paces the retries of a failing sync). Every `CASE`
/// reads the row as it was before this update.
pub fn begin() -> String {
    format!(
        "UPDATE oa_sync SET lease_holder = ?2, lease_until = ?4, started_at = ?3,
             generation = CASE WHEN {RESUMABLE} THEN generation ELSE generation + 1 END,
             generation_started_at =
                 CASE WHEN {RESUMABLE} THEN generation_started_at ELSE ?3 END,
             listed = CASE WHEN {RESUMABLE} THEN resume_listed ELSE 0 END,
             total = CASE WHEN {RESUMABLE} THEN total ELSE NULL END,
             resume_after = CASE WHEN {RESUMABLE} THEN resume_after ELSE NULL END,
             resume_listed = CASE WHEN {RESUMABLE} THEN resume_listed ELSE 0 END
         WHERE app_id = ?1 AND lease_until <= ?3
           AND (?5 IS NULL OR completed_at IS NULL OR completed_at <= ?5)
           AND (?6 IS NULL OR started_at IS NULL OR started_at <= ?6)
         RETURNING generation, resume_after, resume_listed"
    )
}

/// Extends a run's lease and records its progress, if it still holds it (?1 app, ?2 holder,
/// ?3 generation, ?4 lease until, ?5 listed, ?6 total; ?7 the `next_openid` of a page just
/// recorded whole, which becomes the resume point, or NULL to keep the one there is).
pub const PROGRESS: &str = "UPDATE oa_sync SET lease_until = ?4, listed = ?5, total = ?6,
         resume_after = COALESCE(?7, resume_after),
         resume_listed = CASE WHEN ?7 IS NULL THEN resume_listed ELSE ?5 END
     WHERE app_id = ?1 AND lease_holder = ?2 AND generation = ?3";

/// Marks as not following everyone a completed run did not list (?1 app, ?2 generation,
/// ?3 now).
pub const MARK_UNLISTED: &str = "UPDATE oa_followers SET following = FALSE, updated_at = ?3
     WHERE app_id = ?1 AND following AND seen_generation < ?2";

/// Records a completed run and frees the lease, if it still holds it (?1 app, ?2 holder,
/// ?3 generation, ?4 now).
pub const COMPLETE: &str = "UPDATE oa_sync SET lease_holder = NULL, lease_until = 0,
         completed_generation = generation, completed_at = ?4, last_error = NULL
     WHERE app_id = ?1 AND lease_holder = ?2 AND generation = ?3";

/// How many the completed run marked (?1 app, ?2 count).
pub const SET_MARKED: &str = "UPDATE oa_sync SET marked_unfollowed = ?2 WHERE app_id = ?1";

/// Frees the lease of a failed run and records why (?1 app, ?2 holder, ?3 generation,
/// ?4 error).
pub const ABANDON: &str = "UPDATE oa_sync SET lease_holder = NULL, lease_until = 0, last_error = ?4
     WHERE app_id = ?1 AND lease_holder = ?2 AND generation = ?3";

/// The sync state (?1 app).
pub const STATUS: &str = "SELECT generation, lease_until, started_at, listed, total,
         completed_generation, completed_at, marked_unfollowed, last_error
     FROM oa_sync WHERE app_id = ?1";
