//! The rules a push is matched against, read from the database at most once per `ttl`
//! instead of on every push. A change made through this process clears the cache at once;
//! a change made on another instance is seen within `ttl`.

use super::rules::ReplyRule;
use crate::ttl_cache::TtlCache;

/// A time-limited copy of the rules table.
pub type RulesCache = TtlCache<Vec<ReplyRule>>;
