//! Reading WeChat API request bodies the way WeChat does: JSON whatever the Content-Type.

use serde_json::{Map, Value};

use super::reply::{self, WxError};

/// A POST body as a JSON object: 44002 when empty, 47001 when not a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(reply::EMPTY_POST_DATA);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(reply::DATA_FORMAT_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_is_empty_post_data_and_a_form_body_a_format_error() {
        assert_eq!(json_object(b"  ").err(), Some(reply::EMPTY_POST_DATA));
        assert_eq!(json_object(b"code=1").err(), Some(reply::DATA_FORMAT_ERROR));
        assert_eq!(json_object(b"[1]").err(), Some(reply::DATA_FORMAT_ERROR));
        assert_eq!(
            json_object(br#"{"code":"c"}"#)
                .ok()
                .and_then(|o| o.get("code").cloned()),
            Some(Value::from("c"))
        );
    }
}
