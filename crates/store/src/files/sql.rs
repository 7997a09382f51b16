//! SQL of buckets and files, shared by both backends (`?N` placeholders), and the condition
//! that puts each permission mode's [`Scope`] for a caller into a statement.

use wxbase_core::collections::{Action, Caller, PermissionMode, Scope};

use crate::sql::SqlValue;

/// The columns of a bucket.
pub const BUCKET_COLUMNS: &str = "name, permission, max_bytes, types, created_at, updated_at, \
     moderation_scene, moderation_timeout";

/// Creates a bucket unless the name is taken.
pub const INSERT_BUCKET: &str = "INSERT INTO buckets
     (name, permission, max_bytes, types, created_at, updated_at, moderation_scene, moderation_timeout)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO NOTHING";

/// A bucket's settings (?1 name).
pub const UPDATE_BUCKET: &str = "UPDATE buckets
     SET permission = ?2, max_bytes = ?3, types = ?4, updated_at = ?5, moderation_scene = ?6,
         moderation_timeout = ?7
     WHERE name = ?1";

/// The rows of a bucket's files, deleted (?1 bucket).
pub const DELETE_BUCKET_FILES: &str = "DELETE FROM files WHERE bucket = ?1 RETURNING id";

/// The bucket (?1 name).
pub const DELETE_BUCKET: &str = "DELETE FROM buckets WHERE name = ?1";

/// The columns of a file, of table `files` named `f`.
pub const FILE_COLUMNS: &str =
    "f.id, f.bucket, f.owner, f.name, f.size, f.content_type, f.sha256, f.created_at, \
     f.moderation, f.trace_id, f.moderation_label, f.moderation_source, f.moderated_at";

/// Inserts a file's row if its bucket exists (?9: `pending` for a moderated upload).
pub const INSERT_FILE: &str = "INSERT INTO files
     (id, bucket, owner, name, size, content_type, sha256, created_at, moderation)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
     WHERE EXISTS (SELECT 1 FROM buckets WHERE name = ?2)";

/// Keeps a pending file's trace_id (?1 id, ?2 trace_id).
pub const SET_TRACE_ID: &str =
    "UPDATE files SET trace_id = ?2 WHERE id = ?1 AND moderation = 'pending'";

/// What a decision writes (?1 status, ?2 label, ?3 source, ?4 at); the statement adds which
/// file.
pub const DECIDE: &str = "UPDATE files
     SET moderation = ?1, moderation_label = ?2, moderation_source = ?3, moderated_at = ?4";

/// Which files `caller` may see under moderation: every file for admins; for a user the files
/// not moderated or passed, and their own pending ones. The openid is bound as
/// `?{placeholder}` (pushed onto `values`).
pub fn moderation_condition(
    caller: &Caller,
    status: &str,
    owner: &str,
    placeholder: usize,
    values: &mut Vec<SqlValue>,
) -> String {
    match caller {
        Caller::Admin => "1 = 1".to_owned(),
        Caller::User(openid) => {
            values.push(SqlValue::Text(openid.as_str().to_owned()));
            format!(
                "({status} IS NULL OR {status} = 'passed' \
                 OR ({status} = 'pending' AND {owner} = ?{placeholder}))"
            )
        }
    }
}

/// Which files `caller` may do `action` to: for each mode, its scope for the caller, tested
/// against the bucket's `permission` column and the file's `owner` column. The owner's openid
/// is bound as placeholder `?{owner_placeholder}` (pushed onto `values` when used); mode
/// names are constants, written as literals.
pub fn access_condition(
    caller: &Caller,
    action: Action,
    permission: &str,
    owner: &str,
    owner_placeholder: usize,
    values: &mut Vec<SqlValue>,
) -> String {
    let mut allowed = Vec::new();
    let mut bound = false;
    for mode in PermissionMode::ALL {
        match mode.scope(caller, action) {
            None => {}
            Some(Scope::All) => allowed.push(format!("{permission} = '{}'", mode.as_str())),
            Some(Scope::OwnedBy(openid)) => {
                if !bound {
                    values.push(SqlValue::Text(openid.as_str().to_owned()));
                    bound = true;
                }
                allowed.push(format!(
                    "({permission} = '{}' AND {owner} = ?{owner_placeholder})",
                    mode.as_str()
                ));
            }
        }
    }
    if allowed.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("({})", allowed.join(" OR "))
    }
}

#[cfg(test)]
mod tests {
    use wxbase_wechat::OpenId;

    use super::*;

    #[test]
    fn users_see_passed_files_and_their_own_pending_ones() {
        let alice = Caller::User(OpenId::parse("o-alice").expect("openid"));
        let mut values = Vec::new();
        let condition = moderation_condition(&alice, "f.moderation", "f.owner", 3, &mut values);
        assert_eq!(
            condition,
            "(f.moderation IS NULL OR f.moderation = 'passed' \
             OR (f.moderation = 'pending' AND f.owner = ?3))"
        );
        assert_eq!(values, vec![SqlValue::Text("o-alice".into())]);
        let mut values = Vec::new();
        let admin = moderation_condition(&Caller::Admin, "m", "o", 3, &mut values);
        assert_eq!(admin, "1 = 1");
        assert!(values.is_empty());
    }

    #[test]
    fn each_mode_becomes_its_scope() {
        let alice = Caller::User(OpenId::parse("o-alice").expect("openid"));
        let mut values = Vec::new();
        let read = access_condition(
            &alice,
            Action::Read,
            "b.permission",
            "f.owner",
            2,
            &mut values,
        );
        assert_eq!(
            read,
            "(b.permission = 'read_all_write_own' OR (b.permission = 'own_only' AND f.owner = ?2) \
             OR b.permission = 'read_all_admin_write')"
        );
        assert_eq!(values, vec![SqlValue::Text("o-alice".into())]);
        let mut values = Vec::new();
        let admin = access_condition(&Caller::Admin, Action::Write, "p", "o", 2, &mut values);
        assert!(values.is_empty());
        assert_eq!(admin.matches(" OR ").count(), 3);
    }
}
