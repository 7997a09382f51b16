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

/// Records an index on `$field` and builds it, in transaction `$tx`; evaluates to
/// `Ok(false)` if the field was indexed already.
macro_rules! add_index {
    ($tx:ident, $dialect:expr, $name:expr, $field:expr, $at:expr) => {{
        let d: crate::collections::Dialect = $dialect;
        let done = sqlx::query(&d.shared(crate::collections::catalog::INSERT_INDEX))
            .bind($name.as_str())
            .bind($field.as_str())
            .bind($at.as_millis())
            .execute(&mut *$tx)
            .await
            .map_err(crate::errors::store_error)?;
        if done.rows_affected() == 1 {
            crate::collections::run_ddl!(
                $tx,
                crate::collections::statements::create_index(d, $name, $field)
            );
        }
        Ok::<bool, wxbase_core::StoreError>(done.rows_affected() == 1)
    }};
}

pub(crate) use {add_index, run_ddl};
