//! Daily call quotas per app and endpoint: past the limit, WeChat answers 45009.

use std::collections::HashMap;

use crate::wechat_api::reply::{self, WxError};

/// Calls counted against quotas, per (appid, endpoint, quota day).
#[derive(Debug, Default)]
pub struct DailyQuotas {
    used: HashMap<(String, &'static str, u64), u64>,
}

impl DailyQuotas {
    /// Counts one call of `appid` to `endpoint` on `day`, or refuses it with 45009 when `limit`
    /// calls were already counted that day (a refused call does not count).
    pub fn take(
        &mut self,
        appid: &str,
        endpoint: &'static str,
        day: u64,
        limit: u64,
    ) -> Result<(), WxError> {
        let used = self
            .used
            .entry((appid.to_owned(), endpoint, day))
            .or_default();
        if *used >= limit {
            return Err(reply::DAILY_QUOTA);
        }
        *used += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_past_the_limit_are_refused_until_the_next_day() {
        let mut quotas = DailyQuotas::default();
        for _ in 0..3 {
            assert_eq!(quotas.take("wxa", "/t", 1, 3), Ok(()));
        }
        assert_eq!(quotas.take("wxa", "/t", 1, 3), Err(reply::DAILY_QUOTA));
        assert_eq!(quotas.take("wxa", "/t", 2, 3), Ok(()));
    }

    #[test]
    fn each_app_and_endpoint_has_its_own_count() {
        let mut quotas = DailyQuotas::default();
        assert_eq!(quotas.take("wxa", "/t", 1, 1), Ok(()));
        assert_eq!(quotas.take("wxb", "/t", 1, 1), Ok(()));
        assert_eq!(quotas.take("wxa", "/s", 1, 1), Ok(()));
        assert_eq!(quotas.take("wxa", "/t", 1, 1), Err(reply::DAILY_QUOTA));
    }
}
