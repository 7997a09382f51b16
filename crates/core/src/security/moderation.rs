//! A collection's text moderation: the fields checked, the scene, and the two policies.

use serde::{Deserialize, Serialize};

use crate::collections::{CollectionError, FieldPath};
use wxbase_wechat::api::security::Scene;

/// Most fields one collection may have checked.
pub const MAX_FIELDS: usize = 16;

/// What to do when a check says "someone should look" or cannot be made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Store the document.
    Allow,
    /// Refuse the write; nothing is stored.
    #[default]
    Refuse,
}

/// Which text fields of a collection's documents WeChat checks before they are stored, as the
/// admin API takes and shows it: `{"fields": ["title", "body.text"], "scene": 3, "review":
/// "allow", "unavailable": "refuse"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextModeration {
    /// The fields checked: a string is checked, so is each string of an array.
    #[serde(with = "paths_as_text")]
    #[schema(value_type = Vec<String>)]
    pub fields: Vec<FieldPath>,
    /// WeChat's scene: 1 profile, 2 comment, 3 forum, 4 social log.
    #[schema(value_type = u8, minimum = 1, maximum = 4)]
    pub scene: Scene,
    /// On a `review` verdict (default `refuse`).
    #[serde(default)]
    pub review: Policy,
    /// When WeChat cannot give a verdict (default `refuse`).
    #[serde(default)]
    pub unavailable: Policy,
}

impl TextModeration {
    /// Reads the settings from the admin API's JSON, checking every field path.
    pub fn from_json(value: serde_json::Value) -> Result<Self, CollectionError> {
        let settings: Self = serde_json::from_value(value).map_err(|e| {
            CollectionError::BadRequest(format!(
                "moderation must be {{\"fields\": [...], \"scene\": 1-4, \"review\"?: \
                 \"allow\"|\"refuse\", \"unavailable\"?: \"allow\"|\"refuse\"}}: {e}"
            ))
        })?;
        if settings.fields.is_empty() || settings.fields.len() > MAX_FIELDS {
            return Err(CollectionError::BadRequest(format!(
                "moderation.fields must list 1 to {MAX_FIELDS} fields"
            )));
        }
        Ok(settings)
    }
}

/// Field paths as a JSON array of their dotted text, each checked when read.
mod paths_as_text {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::collections::FieldPath;

    pub fn serialize<S: Serializer>(paths: &[FieldPath], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(paths.iter().map(FieldPath::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<FieldPath>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|text| FieldPath::parse(text).map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_policies_default_to_refuse() {
        let settings = TextModeration::from_json(json!({"fields": ["title"], "scene": 2}))
            .expect("valid settings");
        assert_eq!(settings.review, Policy::Refuse);
        assert_eq!(settings.unavailable, Policy::Refuse);
        assert_eq!(settings.scene, Scene::Comment);
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        for (value, says) in [
            (json!({"fields": [], "scene": 3}), "1 to 16"),
            (json!({"fields": ["_id"], "scene": 3}), "invalid field path"),
            (json!({"fields": ["t"], "scene": 9}), "scene"),
            (
                json!({"fields": ["t"], "scene": 3, "review": "maybe"}),
                "review",
            ),
        ] {
            let error = TextModeration::from_json(value.clone()).expect_err("refused");
            assert!(error.to_string().contains(says), "{value}: {error}");
        }
    }
}
