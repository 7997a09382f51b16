//! `POST /__emulator/security/risky-words` `{"words": [...], "reviewWords"?: [...]}`: the words
//! that make the text check answer `risky` (or `review`); answers the words in force.
//!
//! `POST /__emulator/security/media-verdicts` `{"default": "pass", "urlContains": {"text":
//! "risky"}, "delayMs"?: 500}`: the verdicts of media checks (`pass`, `review` or `risky`; by
//! a text of the media URL, else the default) and how long after the call each is pushed;
//! answers the rules in force.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{parse_body, ControlResult};
use crate::state::security::{MediaRules, TextRules};
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/security/risky-words", post(set_words))
        .route(
            "/__emulator/security/media-verdicts",
            post(set_media_verdicts),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WordsRequest {
    words: Vec<String>,
    #[serde(default)]
    review_words: Vec<String>,
}

/// Replaces the words of both lists.
async fn set_words(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: WordsRequest = parse_body(&body)?;
    state.tables().text_rules = TextRules {
        risky: request.words.clone(),
        review: request.review_words.clone(),
    };
    Ok(Json(
        json!({ "words": request.words, "reviewWords": request.review_words }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MediaVerdicts {
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    url_contains: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    delay_ms: Option<u64>,
}

fn check_verdict(verdict: &str) -> Result<String, crate::control::Refusal> {
    match verdict {
        "pass" | "review" | "risky" => Ok(verdict.to_owned()),
        other => Err(super::refuse(format!(
            "verdict {other:?}: expected pass, review or risky"
        ))),
    }
}

/// Replaces the media check rules; the delay stays unless given.
async fn set_media_verdicts(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: MediaVerdicts = parse_body(&body)?;
    let default = check_verdict(request.default.as_deref().unwrap_or("pass"))?;
    let url_contains = request
        .url_contains
        .iter()
        .map(|(text, verdict)| {
            let verdict = verdict
                .as_str()
                .ok_or_else(|| super::refuse("urlContains maps texts to verdicts"))?;
            Ok((text.clone(), check_verdict(verdict)?))
        })
        .collect::<Result<Vec<_>, crate::control::Refusal>>()?;
    let mut tables = state.tables();
    let delay = request
        .delay_ms
        .map_or(tables.media_rules.delay, Duration::from_millis);
    tables.media_rules = MediaRules {
        default,
        url_contains,
        delay,
    };
    let rules = &tables.media_rules;
    let url_contains: serde_json::Map<String, serde_json::Value> = rules
        .url_contains
        .iter()
        .map(|(text, verdict)| (text.clone(), json!(verdict)))
        .collect();
    Ok(Json(json!({
        "default": rules.default,
        "urlContains": url_contains,
        "delayMs": u64::try_from(rules.delay.as_millis()).unwrap_or(u64::MAX),
    })))
}
