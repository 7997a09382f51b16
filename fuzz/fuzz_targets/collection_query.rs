//! The collection query language: `/query` and `/count` bodies parsed into the typed AST.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbase_core::collections::{parse_count, parse_query};

fuzz_target!(|body: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let _ = parse_query(&value);
        let _ = parse_count(&value);
    }
});
