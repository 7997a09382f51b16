//! Permission modes, and the row filter ([`Scope`]) each mode gives a caller for an action.
//! The store puts the scope into the SQL `WHERE` clause, so a denied document is never read,
//! changed, counted or returned.

use std::fmt;

use wxbase_wechat::OpenId;

/// Who may read and write a collection's documents. Admins may always do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermissionMode {
    /// Every logged-in user reads every document; only the creator changes or deletes it.
    #[default]
    ReadAllWriteOwn,
    /// Users read, change and delete only the documents they created.
    OwnOnly,
    /// Every logged-in user reads; only admins create, change or delete.
    ReadAllAdminWrite,
    /// Only admins read or write.
    AdminOnly,
}

impl PermissionMode {
    /// Every mode.
    pub const ALL: [PermissionMode; 4] = [
        Self::ReadAllWriteOwn,
        Self::OwnOnly,
        Self::ReadAllAdminWrite,
        Self::AdminOnly,
    ];

    /// The name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadAllWriteOwn => "read_all_write_own",
            Self::OwnOnly => "own_only",
            Self::ReadAllAdminWrite => "read_all_admin_write",
            Self::AdminOnly => "admin_only",
        }
    }

    /// Parses a mode's name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == name)
    }

    /// The documents `caller` may touch for `action`, or `None` if the mode denies the action
    /// outright.
    pub fn scope(self, caller: &Caller, action: Action) -> Option<Scope> {
        let user = match caller {
            Caller::Admin => return Some(Scope::All),
            Caller::User(openid) => openid,
        };
        let own = || Some(Scope::OwnedBy(user.clone()));
        match (self, action) {
            (Self::ReadAllWriteOwn | Self::ReadAllAdminWrite, Action::Read) => Some(Scope::All),
            (Self::ReadAllWriteOwn | Self::OwnOnly, Action::Create | Action::Write) => own(),
            (Self::OwnOnly, Action::Read) => own(),
            (Self::ReadAllAdminWrite, Action::Create | Action::Write) | (Self::AdminOnly, _) => {
                None
            }
        }
    }
}

impl fmt::Display for PermissionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A logged-in mini-program user.
    User(OpenId),
    /// The holder of the admin token: every mode is bypassed.
    Admin,
}

impl Caller {
    /// The openid recorded as `_openid` of documents this caller creates (`None` for admins).
    pub fn openid(&self) -> Option<&OpenId> {
        match self {
            Self::User(openid) => Some(openid),
            Self::Admin => None,
        }
    }
}

/// What a caller wants to do with documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Get, query, count.
    Read,
    /// Create a document.
    Create,
    /// Patch, replace, delete.
    Write,
}

/// Which documents a statement may see: the SQL row filter of a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every document of the collection.
    All,
    /// Only documents whose `_openid` is this user.
    OwnedBy(OpenId),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Caller {
        Caller::User(OpenId::parse("o-alice").expect("openid"))
    }

    fn owned_by_alice() -> Option<Scope> {
        Some(Scope::OwnedBy(OpenId::parse("o-alice").expect("openid")))
    }

    #[test]
    fn each_mode_gives_users_the_documented_scopes() {
        use Action::*;
        use PermissionMode::*;
        let expected = [
            (
                ReadAllWriteOwn,
                [Some(Scope::All), owned_by_alice(), owned_by_alice()],
            ),
            (
                OwnOnly,
                [owned_by_alice(), owned_by_alice(), owned_by_alice()],
            ),
            (ReadAllAdminWrite, [Some(Scope::All), None, None]),
            (AdminOnly, [None, None, None]),
        ];
        for (mode, [read, create, write]) in expected {
            assert_eq!(mode.scope(&alice(), Read), read, "{mode} read");
            assert_eq!(mode.scope(&alice(), Create), create, "{mode} create");
            assert_eq!(mode.scope(&alice(), Write), write, "{mode} write");
        }
    }

    #[test]
    fn admins_see_everything_in_every_mode() {
        for mode in PermissionMode::ALL {
            for action in [Action::Read, Action::Create, Action::Write] {
                assert_eq!(mode.scope(&Caller::Admin, action), Some(Scope::All));
            }
        }
    }

    #[test]
    fn modes_round_trip_through_their_names() {
        for mode in PermissionMode::ALL {
            assert_eq!(PermissionMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(PermissionMode::parse("public"), None);
        assert_eq!(PermissionMode::default(), PermissionMode::ReadAllWriteOwn);
    }
}
