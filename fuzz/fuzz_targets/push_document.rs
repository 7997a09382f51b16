//! The push body reader: XML or JSON (chosen by the body), bounded depth and size, no DTD;
//! then the customer-service message typed from the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbase_wechat::push::{InboundMessage, PushDocument};

fuzz_target!(|body: &[u8]| {
    if let Ok((format, document)) = PushDocument::parse(body) {
        let _ = InboundMessage::from_document(&document);
        // What was read renders and reads back to the same fields.
        let again = PushDocument::parse(document.render(format).as_bytes());
        assert!(again.is_ok(), "a rendered document must parse again");
    }
});
