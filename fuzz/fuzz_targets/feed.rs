//! Any bytes fetched from a feed address, with any `Content-Type`, are parsed or refused, never
//! a panic: the whole path after HTTP (decompression, decoding, rewriting, parsing).
#![no_main]

use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: &[&str] = &[
    "application/xml",
    "text/xml; charset=utf-16",
    "application/rss+xml; charset=ISO-8859-1",
    "text/xml; charset=csUnicode",
    "application/atom+xml; charset=bogus",
];

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES.get(usize::from(*first) % (CONTENT_TYPES.len() + 1));
    let _ = jardinier_connectors::feed::parse_response(
        body,
        content_type.copied(),
        "https://feed.example/rss",
    );
});
