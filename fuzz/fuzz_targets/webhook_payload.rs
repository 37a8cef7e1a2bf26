//! Any body sent to a webhook is parsed into items or refused with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = jardinier_listening::parse_webhook(data);
    let _ = jardinier_listening::verify_signature("secret", data, Some("sha256=00"));
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = jardinier_listening::canonical_url(text);
        let _ = jardinier_listening::simhash(text);
    }
});
