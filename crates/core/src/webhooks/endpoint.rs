//! Endpoints: where events are posted, which events, the signing secrets, and the checks an
//! endpoint passes before it is stored (URL scheme and literal address, known event types).

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::event::EventType;
use super::secret::SigningSecret;
use super::ssrf::is_public;
use crate::Timestamp;

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Longest URL, description and name accepted.
const MAX_URL_LEN: usize = 2048;
const MAX_DESCRIPTION_LEN: usize = 1000;

/// The database id of an endpoint.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct EndpointId(pub i64);

/// An endpoint as stored.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Its id.
    pub id: EndpointId,
    /// Its name, for endpoints of the config file (kept in step by name).
    pub name: Option<String>,
    /// Where deliveries are posted.
    pub url: String,
    /// The event types it takes.
    pub events: BTreeSet<EventType>,
    /// The collections whose document events it takes; `None`: every collection.
    pub collections: Option<BTreeSet<String>>,
    /// What it is for.
    pub description: String,
    /// Whether events are recorded for it and sent.
    pub enabled: bool,
    /// Why it was disabled (`410 Gone`, an admin), when it is.
    pub disabled_reason: Option<String>,
    /// The secret deliveries are signed with.
    pub secret: SigningSecret,
    /// The secret rotated out, still signing beside [`Self::secret`] until `until`.
    pub previous_secret: Option<(SigningSecret, Timestamp)>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Endpoint {
    /// The secrets a delivery made at `now` is signed with: the current one, and the previous
    /// one during the overlap after a rotation.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&SigningSecret> {
        let mut secrets = vec![&self.secret];
        if let Some((previous, until)) = &self.previous_secret {
            if now < *until {
                secrets.push(previous);
            }
        }
        secrets
    }
}

/// An endpoint as an admin sees it: everything but the secrets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    id: EndpointId,
    name: Option<String>,
    url: String,
    #[schema(value_type = Vec<String>)]
    events: Vec<&'static str>,
    collections: Option<BTreeSet<String>>,
    description: String,
    enabled: bool,
    disabled_reason: Option<String>,
    /// Until when the secret rotated out still signs, during an overlap.
    previous_secret_expires_at: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<&Endpoint> for EndpointView {
    fn from(endpoint: &Endpoint) -> Self {
        let now = Timestamp::now();
        Self {
            id: endpoint.id,
            name: endpoint.name.clone(),
            url: endpoint.url.clone(),
            events: endpoint.events.iter().map(|e| e.as_str()).collect(),
            collections: endpoint.collections.clone(),
            description: endpoint.description.clone(),
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason.clone(),
            previous_secret_expires_at: endpoint
                .previous_secret
                .as_ref()
                .filter(|(_, until)| *until > now)
                .map(|(_, until)| until.to_rfc3339()),
            created_at: endpoint.created_at.to_rfc3339(),
            updated_at: endpoint.updated_at.to_rfc3339(),
        }
    }
}

/// An endpoint with its secret, answered once: when it is created or its secret rotated.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    endpoint: EndpointView,
    /// `whsec_…`: keep it, it is not shown again.
    secret: String,
}

impl From<&Endpoint> for EndpointWithSecret {
    fn from(endpoint: &Endpoint) -> Self {
        Self {
            endpoint: endpoint.into(),
            secret: endpoint.secret.expose().to_owned(),
        }
    }
}

/// What an admin sends to create or replace an endpoint, and what `[[webhooks.endpoints]]`
/// holds.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointRequest {
    /// Required in the config file, where endpoints are matched by it.
    #[serde(default)]
    pub name: Option<String>,
    /// `https://…` (or `http://` with `webhooks.allow_private`).
    pub url: String,
    /// Event type names.
    pub events: Vec<String>,
    /// Collection names limiting the document events.
    #[serde(default)]
    pub collections: Option<Vec<String>>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is on (default on).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Only in the config file: its signing secret (`whsec_…`).
    #[serde(default)]
    pub secret: Option<String>,
}

/// An endpoint's settings, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSpec {
    /// Its name, if any.
    pub name: Option<String>,
    /// Where deliveries go.
    pub url: String,
    /// What it takes.
    pub events: BTreeSet<EventType>,
    /// Which collections' document events; `None`: all.
    pub collections: Option<BTreeSet<String>>,
    /// What it is for.
    pub description: String,
    /// On or off.
    pub enabled: bool,
}

impl EndpointRequest {
    /// Checks every field; `allow_private` permits `http://` and private literal addresses.
    pub fn validate(&self, allow_private: bool) -> Result<EndpointSpec, String> {
        if let Some(name) = &self.name {
            let ok = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if !ok {
                return Err("name: 1 to 64 letters, digits, - _ .".to_owned());
            }
        }
        check_url(&self.url, allow_private)?;
        if self.events.is_empty() {
            return Err("events: name at least one event type".to_owned());
        }
        let events = self
            .events
            .iter()
            .map(|name| {
                EventType::parse(name).ok_or_else(|| {
                    format!("events: unknown event type {name:?} (see docs/webhooks.md)")
                })
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        let collections = match &self.collections {
            None => None,
            Some(names) => {
                for name in names {
                    crate::collections::CollectionName::parse(name)
                        .map_err(|e| format!("collections: {name:?}: {e}"))?;
                }
                Some(names.iter().cloned().collect())
            }
        };
        let description = self.description.clone().unwrap_or_default();
        if description.len() > MAX_DESCRIPTION_LEN {
            return Err(format!("description: at most {MAX_DESCRIPTION_LEN} bytes"));
        }
        Ok(EndpointSpec {
            name: self.name.clone(),
            url: self.url.clone(),
            events,
            collections,
            description,
            enabled: self.enabled.unwrap_or(true),
        })
    }
}

/// The URL's checks made when it is saved: a scheme of `https` (`http` too with
/// `allow_private`), a host, and no literal address the SSRF guard refuses. Names are checked
/// at connect time, on what they resolve to.
pub fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    if url.len() > MAX_URL_LEN {
        return Err(format!("url: at most {MAX_URL_LEN} bytes"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("url: {e}"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => {
            return Err(
                "url: must be https:// (http:// only with webhooks.allow_private)".to_owned(),
            )
        }
    }
    let Some(host) = parsed.host_str() else {
        return Err("url: names no host".to_owned());
    };
    let Ok(host) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    if !allow_private && !is_public(host) {
        return Err(format!(
            "url: {host} is a loopback, private or link-local address, which webhooks may not \
             reach (webhooks.allow_private is off)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_to_public_addresses_passes_by_default() {
        assert!(check_url("https://hooks.example.com/wx", false).is_ok());
        assert!(check_url("https://1.1.1.1/wx", false).is_ok());
        for refused in [
            "http://hooks.example.com/wx",
            "https://127.0.0.1/wx",
            "https://10.0.0.1/wx",
            "https://[::1]/wx",
            "https://169.254.169.254/latest/meta-data",
            "ftp://example.com/",
            "not a url",
        ] {
            assert!(check_url(refused, false).is_err(), "{refused} passed");
        }
        assert!(check_url("http://127.0.0.1:9000/wx", true).is_ok());
    }

    #[test]
    fn unknown_event_types_are_named() {
        let request = EndpointRequest {
            name: None,
            url: "https://example.com/".to_owned(),
            events: vec![
                "document.created".to_owned(),
                "document.exploded".to_owned(),
            ],
            collections: None,
            description: None,
            enabled: None,
            secret: None,
        };
        let error = request.validate(false).expect_err("refused");
        assert!(error.contains("document.exploded"), "{error}");
    }
}
