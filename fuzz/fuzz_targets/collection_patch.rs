//! Document patches (`$set`, `$unset`, `$inc`, `$push`, …): parsed, then applied to a body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbase_core::collections::Patch;

fuzz_target!(|body: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    if let Ok(patch) = Patch::parse(&value) {
        let document = serde_json::json!({
            "title": "a", "score": 1, "tags": ["x"], "nested": { "deep": { "n": 2.5 } },
        });
        if let serde_json::Value::Object(fields) = document {
            let _ = patch.apply(&fields);
        }
    }
});
