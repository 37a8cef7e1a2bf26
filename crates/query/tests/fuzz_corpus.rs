//! Replays the fuzz corpus of the query parser (fuzz/corpus/query_parser) on stable Rust: every
//! input parses or fails with a position inside the text, and parsed queries evaluate.

use jardinier_query::{Document, Prepared, parse};

#[test]
fn every_corpus_input_parses_or_fails_cleanly() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/query_parser"
    );
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("the fuzz corpus is in the repository") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        seen += 1;
        match parse(text) {
            Ok(query) => {
                let _ = query.matches(&Prepared::new(&Document {
                    title: text,
                    text,
                    author: text,
                    site: "example.com",
                    lang: "fr",
                    source: "feed",
                }));
            }
            Err(error) => assert!(error.position <= text.chars().count(), "{text:?}: {error}"),
        }
    }
    assert!(seen >= 10, "only {seen} corpus inputs");
}
