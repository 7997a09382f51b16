//! The [`SubscriptionStore`](wxbase_core::SubscriptionStore) statements for both backends:
//! `sql` (grants, queueing that uses them, campaigns) and `queries` (one function per trait
//! method, generic over the backend).

pub mod queries;
pub(crate) mod sql;
