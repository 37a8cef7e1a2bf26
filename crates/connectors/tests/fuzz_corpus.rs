//! Replays the feed fuzz corpus (fuzz/corpus/feed) on stable Rust.

#[test]
fn every_corpus_feed_is_parsed_or_refused() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/feed");
    let mut parsed = 0;
    let mut refused = 0;
    for entry in std::fs::read_dir(dir).expect("the fuzz corpus is in the repository") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        match jardinier_connectors::feed::parse_feed(&bytes, "https://feed.example/rss") {
            Ok(_) => parsed += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(
        parsed >= 3 && refused >= 2,
        "{parsed} parsed, {refused} refused"
    );
}
