//! Replays the feed fuzz corpus (fuzz/corpus/feed) on stable Rust, then a bounded fuzzing run:
//! every file of it and of the feed corpus (tests/fixtures/corpus), mutated a fixed number of
//! times by a seeded generator (the same inputs on every run), through the whole path after
//! HTTP. No input may panic.

use jardinier_connectors::feed::{parse_feed, parse_response};

fn fuzz_corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/feed");
    std::fs::read_dir(dir)
        .expect("the fuzz corpus is in the repository")
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect()
}

fn feed_corpus() -> Vec<Vec<u8>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(std::fs::read(path).unwrap());
            }
        }
    }
    let mut out = Vec::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus");
    walk(std::path::Path::new(dir), &mut out);
    out
}

#[test]
fn every_corpus_feed_is_parsed_or_refused() {
    let mut parsed = 0;
    let mut refused = 0;
    for bytes in fuzz_corpus() {
        match parse_feed(&bytes, "https://feed.example/rss") {
            Ok(_) => parsed += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(
        parsed >= 3 && refused >= 2,
        "{parsed} parsed, {refused} refused"
    );
}

/// xorshift64*: a seeded generator, so a failure is found again by running the test again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"&#146;",
    b"&#x0;",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00\x00\xfe\xff",
    b"\x1f\x8b",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"<rss>",
    b"<rdf:RDF>",
    b"xmlns=\"http://purl.org/atom/ns#\"",
    b"\x00",
    b"\xc3",
    b"<!--",
    b"<link rel=\"alternate\" href=\"",
    b"mode=\"base64\"",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 => out.truncate(at),
            1 if !out.is_empty() => {
                let at = at.min(out.len() - 1);
                out[at] = rng.next() as u8;
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(256)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            _ => {
                out = out.iter().flat_map(|b| [*b, 0]).collect::<Vec<u8>>();
            }
        }
    }
    out
}

#[test]
fn mutated_feeds_never_panic() {
    const CONTENT_TYPES: &[Option<&str>] = &[
        None,
        Some("text/xml; charset=utf-16"),
        Some("application/rss+xml; charset=ISO-8859-1"),
        Some("text/xml; charset=csUnicode"),
    ];
    // Every panic counted, those the parser's guard contains too (they are printed once).
    static CONTAINED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CONTAINED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0 {
            default_hook(info);
        }
    }));
    let mut rng = Rng(0x4a61_7264_696e_6965);
    let (mut inputs, mut panics) = (0, Vec::new());
    let seeds: Vec<Vec<u8>> = fuzz_corpus().into_iter().chain(feed_corpus()).collect();
    for seed in &seeds {
        for _ in 0..6 {
            let input = mutate(&mut rng, seed);
            let content_type = CONTENT_TYPES[rng.below(CONTENT_TYPES.len())];
            inputs += 1;
            let result = std::panic::catch_unwind(|| {
                parse_response(&input, content_type, "https://feed.example/rss")
            });
            if result.is_err() {
                panics.push(input);
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "fuzz: {inputs} mutated inputs, {} panics escaped, {} contained inside the parser",
        panics.len(),
        CONTAINED.load(std::sync::atomic::Ordering::Relaxed) - panics.len()
    );
    assert!(inputs > 3_000, "{inputs} inputs");
    assert_eq!(
        CONTAINED.load(std::sync::atomic::Ordering::Relaxed),
        panics.len(),
        "the parser panicked inside its guard (printed above)"
    );
    assert!(
        panics.is_empty(),
        "{} of {inputs} inputs panicked; the first: {:?}",
        panics.len(),
        String::from_utf8_lossy(&panics[0])
    );
}
