//! Reads the console's rows, refusing rows that make no sense.

use wxbase_core::console::{
    AdminAccount, AdminId, ApiToken, ApiTokenId, DayCount, TokenScope, Username,
};
use wxbase_core::{StoreError, Timestamp};

use crate::backend::ReadRow;
use crate::errors::corrupt;

/// An admin from a row of [`super::sql::ADMIN_COLUMNS`].
pub fn admin_from_row(row: &impl ReadRow) -> Result<AdminAccount, StoreError> {
    let username: String = row.read("username")?;
    Ok(AdminAccount {
        id: AdminId(row.read("id")?),
        username: Username::parse(&username).map_err(|e| corrupt("admins.username", e))?,
        password_hash: row.read("password_hash")?,
        created_at: Timestamp::from_millis(row.read("created_at")?),
        updated_at: Timestamp::from_millis(row.read("updated_at")?),
    })
}

/// A token's scope as stored.
pub fn scope_from_text(text: &str) -> Result<TokenScope, StoreError> {
    TokenScope::parse(text).ok_or_else(|| corrupt("admin_api_tokens.scope", text))
}

/// An admin API token from a row of [`super::sql::TOKEN_COLUMNS`].
pub fn token_from_row(row: &impl ReadRow) -> Result<ApiToken, StoreError> {
    let scope: String = row.read("scope")?;
    Ok(ApiToken {
        id: ApiTokenId(row.read("id")?),
        name: row.read("name")?,
        scope: scope_from_text(&scope)?,
        created_by: row.read("created_by")?,
        created_at: Timestamp::from_millis(row.read("created_at")?),
    })
}

/// A `(day, n)` row.
pub fn day_count_from_row(row: &impl ReadRow) -> Result<DayCount, StoreError> {
    let count: i64 = row.read("n")?;
    Ok(DayCount {
        day: row.read("day")?,
        count: u64::try_from(count).unwrap_or_default(),
    })
}
