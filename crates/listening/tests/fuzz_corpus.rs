//! Replays the webhook fuzz corpus (fuzz/corpus/webhook_payload) on stable Rust.

#[test]
fn every_corpus_payload_is_parsed_or_refused() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/webhook_payload"
    );
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("the fuzz corpus is in the repository") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        seen += 1;
        let _ = jardinier_listening::parse_webhook(&bytes);
        let _ = jardinier_listening::verify_signature("secret", &bytes, Some("sha256=00"));
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = jardinier_listening::canonical_url(text);
            let _ = jardinier_listening::simhash(text);
        }
    }
    assert!(seen >= 5, "only {seen} corpus inputs");
}
