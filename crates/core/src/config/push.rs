//! The `[push]` settings: the push endpoint (path, token, EncodingAESKey, body limit), the
//! outbox (worker, typing, attempts, backoff) and the `[[push.rules]]` seeded at start-up.

use std::time::Duration;

use wxbase_wechat::crypto::EncodingAesKey;
use wxbase_wechat::Secret;

use super::{ConfigError, Origin, RawSettings};
use crate::messages::{MessageSettings, NewRule};

/// The message push and reply settings.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Where WeChat posts pushes (the URL of the push settings).
    pub path: String,
    /// The push Token; `None` turns the push endpoint off.
    pub token: Option<Secret>,
    /// The EncodingAESKey: set for compatible and safe mode (then only encrypted pushes are
    /// accepted), unset for plaintext mode.
    pub encoding_aes_key: Option<EncodingAesKey>,
    /// Largest push body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether this instance runs the outbox worker.
    pub worker: bool,
    /// How the outbox sends.
    pub messages: MessageSettings,
    /// The `[[push.rules]]` of the config file.
    pub rules: Vec<NewRule>,
}

impl RawSettings {
    pub(super) fn push(&self) -> Result<PushSettings, ConfigError> {
        let path = self.field("push.path", parse_path(self.text("push.path")))?;
        let token = match self.value("push.token") {
            None => None,
            Some(token) => Some(self.field("push.token", parse_token(token))?),
        };
        let encoding_aes_key = match self.value("push.encoding_aes_key") {
            None => None,
            Some(key) => Some(self.field(
                "push.encoding_aes_key",
                EncodingAesKey::parse(key).map_err(|e| {
                    format!("{e} (copy the EncodingAESKey from the push settings page)")
                }),
            )?),
        };
        Ok(PushSettings {
            path,
            token,
            encoding_aes_key,
            max_body_bytes: self.number("push.max_body_bytes", 1024, 1024 * 1024)?,
            worker: self.boolean("push.worker")?,
            messages: MessageSettings {
                send_attempts: self.number("push.send_attempts", 1, 20)?,
                retry_backoff: Duration::from_millis(self.number(
                    "push.retry_backoff_ms",
                    1,
                    600_000,
                )?),
                typing: self.boolean("push.typing")?,
                send_concurrency: self.number("push.send_concurrency", 1, 1024)?,
                lease: Duration::from_secs(self.number("push.lease_seconds", 1, 3600)?),
                ..MessageSettings::default()
            },
            rules: self.rules()?,
        })
    }

    pub(super) fn boolean(&self, name: &'static str) -> Result<bool, ConfigError> {
        let parsed = match self.text(name).trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("expected true or false".to_owned()),
        };
        self.field(name, parsed)
    }

    /// `[[push.rules]]`: each a named rule, validated like one created through the admin API.
    fn rules(&self) -> Result<Vec<NewRule>, ConfigError> {
        let Some((value, path)) = &self.rules else {
            return Ok(Vec::new());
        };
        let invalid = |reason: String| ConfigError::Invalid {
            name: "push.rules",
            origin: Origin::File(path.clone()),
            reason,
        };
        let toml::Value::Array(items) = value else {
            return Err(invalid(
                "expected an array of tables: [[push.rules]]".to_owned(),
            ));
        };
        let mut rules: Vec<NewRule> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = |reason: String| invalid(format!("rule {} : {reason}", index + 1));
            let rule: NewRule = item
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| at(e.message().to_owned()))?;
            rule.validate().map_err(|e| at(e.0))?;
            let Some(name) = &rule.name else {
                return Err(at(
                    "needs a name: rules from the file are kept in step with the database by name"
                        .to_owned(),
                ));
            };
            if rules.iter().any(|r| r.name.as_ref() == Some(name)) {
                return Err(at(format!("the name {name:?} is used twice")));
            }
            rules.push(rule);
        }
        Ok(rules)
    }
}

pub(super) fn parse_path(path: &str) -> Result<String, String> {
    let ok = path.starts_with('/')
        && path.len() > 1
        && path.len() <= 200
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
        && !["/api", "/admin", "/healthz", "/readyz"]
            .iter()
            .any(|taken| path == *taken || path.starts_with(&format!("{taken}/")));
    if ok {
        Ok(path.to_owned())
    } else {
        Err("expected a path like /message/check (letters, digits, / - _ . ~), outside /api and /admin".to_owned())
    }
}

/// WeChat's push Token: 3 to 32 letters and digits.
pub(super) fn parse_token(token: &str) -> Result<Secret, String> {
    if (3..=32).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(Secret::new(token))
    } else {
        Err("expected 3 to 32 letters and digits, as in the push settings page".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(file: &str) -> Result<PushSettings, ConfigError> {
        let mut raw = RawSettings::default();
        raw.merge_toml(Path::new("wxbase.toml"), file)?;
        raw.parse().map(|config| config.push)
    }

    #[test]
    fn push_is_off_and_plaintext_by_default() {
        let push = parse("").expect("defaults");
        assert_eq!(push.path, "/message/check");
        assert!(push.token.is_none() && push.encoding_aes_key.is_none());
        assert!(push.worker && !push.messages.typing);
        assert!(push.rules.is_empty());
    }

    #[test]
    fn a_bad_encoding_aes_key_or_token_is_named() {
        let message = parse("[push]\nencoding_aes_key = \"short\"\n")
            .expect_err("refused")
            .to_string();
        assert!(
            message.contains("push.encoding_aes_key") && message.contains("43"),
            "{message}"
        );
        let message = parse("[push]\ntoken = \"a b\"\n")
            .expect_err("refused")
            .to_string();
        assert!(message.contains("push.token"), "{message}");
        let message = parse("[push]\npath = \"/api/push\"\n")
            .expect_err("refused")
            .to_string();
        assert!(message.contains("push.path"), "{message}");
    }

    #[test]
    fn rules_are_read_from_an_array_of_tables() {
        let file = r#"
[push]
token = "AAAAA"

[[push.rules]]
name = "greeting"
priority = 5
match = { kind = "exact", pattern = "hello" }
reply = { type = "text", content = "Hi!" }

[[push.rules]]
name = "human"
match = { kind = "contains", pattern = "agent" }
reply = { type = "transfer_customer_service" }
"#;
        let push = parse(file).expect("valid rules");
        assert_eq!(push.rules.len(), 2);
        assert_eq!(push.rules[0].name.as_deref(), Some("greeting"));
        assert_eq!(push.rules[0].priority, 5);
    }

    #[test]
    fn a_rule_without_a_name_or_with_a_bad_regex_is_refused_with_its_number() {
        let unnamed = "[[push.rules]]\nmatch = { kind = \"default\" }\nreply = { type = \"text\", content = \"x\" }\n";
        let message = parse(unnamed).expect_err("refused").to_string();
        assert!(
            message.contains("push.rules")
                && message.contains("rule 1")
                && message.contains("name"),
            "{message}"
        );
        let bad = "[[push.rules]]\nname = \"r\"\nmatch = { kind = \"regex\", pattern = \"(\" }\nreply = { type = \"text\", content = \"x\" }\n";
        let message = parse(bad).expect_err("refused").to_string();
        assert!(message.contains("regex"), "{message}");
    }
}
