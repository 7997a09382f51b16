//! `POST /__emulator/security/risky-words` `{"words": [...], "reviewWords"?: [...]}`: the words
//! that make the text check answer `risky` (or `review`); answers the words in force.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{parse_body, ControlResult};
use crate::state::security::TextRules;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/__emulator/security/risky-words", post(set_words))
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
