//! The `[webhooks]` settings: attempt timeout, the SSRF guard's development switch, the retry
//! schedule, concurrency, and the `[[webhooks.endpoints]]` kept in step with the database by
//! name.

use std::time::Duration;

use super::{ConfigError, Origin, RawSettings};
use crate::webhooks::{EndpointRequest, WebhookSettings};

/// The longest total wait the retry schedule may add up to.
const MAX_SCHEDULE: Duration = Duration::from_secs(7 * 24 * 3600);

impl RawSettings {
    pub(super) fn webhooks(&self) -> Result<WebhookSettings, ConfigError> {
        Ok(WebhookSettings {
            timeout: Duration::from_millis(self.number("webhooks.timeout_ms", 1, 120_000)?),
            allow_private: self.boolean("webhooks.allow_private")?,
            retry_schedule: self.field(
                "webhooks.retry_schedule",
                parse_schedule(self.text("webhooks.retry_schedule")),
            )?,
            send_concurrency: self.number("webhooks.send_concurrency", 1, 1024)?,
            worker: self.boolean("webhooks.worker")?,
            endpoints: self.webhook_endpoints()?,
            ..WebhookSettings::default()
        })
    }

    /// `[[webhooks.endpoints]]`: each named and with its secret; the rest is checked when
    /// they are synced (with `--dev`'s `allow_private` in force).
    fn webhook_endpoints(&self) -> Result<Vec<EndpointRequest>, ConfigError> {
        let Some((value, path)) = &self.webhook_endpoints else {
            return Ok(Vec::new());
        };
        let invalid = |reason: String| ConfigError::Invalid {
            name: "webhooks.endpoints",
            origin: Origin::File(path.clone()),
            reason,
        };
        let toml::Value::Array(items) = value else {
            return Err(invalid(
                "expected an array of tables: [[webhooks.endpoints]]".to_owned(),
            ));
        };
        let mut endpoints: Vec<EndpointRequest> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = |reason: String| invalid(format!("endpoint {}: {reason}", index + 1));
            let endpoint: EndpointRequest = item
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| at(e.message().to_owned()))?;
            let Some(name) = &endpoint.name else {
                return Err(at("needs a name: endpoints from the file are kept in step with the database by name".to_owned()));
            };
            if endpoint.secret.is_none() {
                return Err(at(
                    "needs a secret (whsec_ and base64 of at least 24 bytes)".to_owned(),
                ));
            }
            if endpoints.iter().any(|e| e.name.as_ref() == Some(name)) {
                return Err(at(format!("the name {name:?} is used twice")));
            }
            endpoints.push(endpoint);
        }
        Ok(endpoints)
    }
}

/// `5s,1m,5m,30m,2h`: the waits before each retry, each a number and `ms`, `s`, `m` or `h`.
fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let expected = "expected waits like 5s,1m,5m,30m,2h (ms, s, m or h)";
    let schedule = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let digits = item.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let number: u64 = digits.parse().map_err(|_| expected.to_owned())?;
            let unit = match &item[digits.len()..] {
                "ms" => Duration::from_millis(1),
                "s" => Duration::from_secs(1),
                "m" => Duration::from_secs(60),
                "h" => Duration::from_secs(3600),
                _ => return Err(expected.to_owned()),
            };
            Ok(unit * u32::try_from(number).map_err(|_| expected.to_owned())?)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if schedule.iter().sum::<Duration>() > MAX_SCHEDULE {
        return Err("the waits add up to more than 7 days".to_owned());
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(file: &str) -> Result<WebhookSettings, ConfigError> {
        let mut raw = RawSettings::default();
        raw.merge_toml(Path::new("wxbase.toml"), file)?;
        raw.parse().map(|config| config.webhooks)
    }

    #[test]
    fn the_default_schedule_retries_for_under_a_day() {
        let webhooks = parse("").expect("defaults");
        let total: Duration = webhooks.retry_schedule.iter().sum();
        assert!(total < Duration::from_secs(24 * 3600) && total > Duration::from_secs(23 * 3600));
        assert_eq!(webhooks.timeout, Duration::from_secs(5));
        assert!(!webhooks.allow_private);
    }

    #[test]
    fn a_schedule_is_read_and_a_bad_one_named() {
        let webhooks = parse("[webhooks]\nretry_schedule = \"10ms, 2s,1m\"\n").expect("valid");
        assert_eq!(
            webhooks.retry_schedule,
            [
                Duration::from_millis(10),
                Duration::from_secs(2),
                Duration::from_secs(60)
            ]
        );
        let message = parse("[webhooks]\nretry_schedule = \"5 parsecs\"\n")
            .expect_err("refused")
            .to_string();
        assert!(message.contains("webhooks.retry_schedule"), "{message}");
    }

    #[test]
    fn endpoints_are_read_from_an_array_of_tables_and_need_a_name_and_a_secret() {
        let file = r#"
[webhooks]
timeout_ms = 2000

[[webhooks.endpoints]]
name = "orders"
url = "https://orders.example.com/wx"
events = ["document.created"]
collections = ["orders"]
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"#;
        let webhooks = parse(file).expect("valid");
        assert_eq!(webhooks.endpoints.len(), 1);
        assert_eq!(webhooks.endpoints[0].name.as_deref(), Some("orders"));
        let unnamed = "[[webhooks.endpoints]]\nurl = \"https://a.example/\"\nevents = [\"ping\"]\nsecret = \"whsec_x\"\n";
        let message = parse(unnamed).expect_err("refused").to_string();
        assert!(
            message.contains("endpoint 1") && message.contains("name"),
            "{message}"
        );
    }
}
