//! Any text given to the query parser either parses or returns an error whose position lies
//! inside the text; a parsed query evaluates against a document without panicking.
#![no_main]

use jardinier_query::{Document, Prepared, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse(text) {
        Ok(query) => {
            let doc = Prepared::new(&Document { title: text, text, author: text, site: "example.com", lang: "fr", source: "feed" });
            let _ = query.matches(&doc);
        }
        Err(error) => assert!(error.position <= text.chars().count(), "error position {} past the end of {text:?}", error.position),
    }
});
