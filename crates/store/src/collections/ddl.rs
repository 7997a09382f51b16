//! DDL helpers of the store implementation: running index DDL inside a transaction.

/// Runs each DDL statement of `$ddl` in transaction `$tx`.
macro_rules! run_ddl {
    ($tx:ident, $ddl:expr) => {
        for ddl in $ddl {
            sqlx::query(&ddl)
                .persistent(false)
                .execute(&mut *$tx)
                .await
                .map_err(crate::errors::store_error)?;
        }
    };
}

pub(crate) use run_ddl;
