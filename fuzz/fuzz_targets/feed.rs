//! Any bytes fetched from a feed address are parsed or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = jardinier_connectors::feed::parse_feed(data, "https://feed.example/rss");
});
