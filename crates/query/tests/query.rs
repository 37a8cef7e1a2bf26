//! The query language, case by case, and the multi-query matcher against brute force.

use jardinier_query::{Document, ErrorKind, Prepared, QuerySet, parse};

fn doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
    Document {
        title,
        text,
        author: "Camille Martin @camille_m",
        site: "blog.lemonde.fr",
        lang: "fr",
        source: "feed",
    }
}

fn check(query: &str, title: &str, text: &str) -> bool {
    let q = parse(query).unwrap_or_else(|e| panic!("{query:?} should parse: {e}"));
    q.matches(&Prepared::new(&doc(title, text)))
}

#[test]
fn matching_cases() {
    let text = "Le café de la Brûlerie du Canal est trop amer, franchement déçu. #CaféFroid @BrulerieCanal";
    let cases: &[(&str, bool)] = &[
        // Words: case and accents do not matter, either way round.
        ("brulerie", true),
        ("BRÛLERIE", true),
        ("cafe", true),
        ("décu", true),
        ("brûle", false),
        // Boolean logic, implicit AND, precedence (AND binds tighter than OR).
        ("cafe amer", true),
        ("cafe AND sucré", false),
        ("sucré OR amer", true),
        ("sucré OR amer AND thé", false),
        ("(sucré OR amer) AND canal", true),
        ("cafe NOT amer", false),
        ("cafe AND NOT (sucré OR thé)", true),
        ("NOT NOT cafe AND canal", true),
        // Phrases: consecutive words; punctuation and accents inside do not matter.
        ("\"brulerie du canal\"", true),
        ("\"canal du brulerie\"", false),
        ("\"amer franchement\"", true),
        ("«trop amer»", true),
        // Wildcards.
        ("brul*", true),
        ("franc*", true),
        ("sucr*", false),
        ("#cafe*", true),
        // Hashtags and handles: the hashtag form matches only hashtags; the word matches both.
        ("#cafefroid", true),
        ("cafefroid", true),
        ("#brulerie", false),
        ("@bruleriecanal", true),
        // NEAR (either order) and ONEAR (in order), with groups.
        ("cafe NEAR/3 amer", false),
        ("cafe NEAR/8 amer", true),
        ("amer NEAR/8 cafe", true),
        ("amer ONEAR/8 cafe", false),
        ("cafe ONEAR/8 amer", true),
        ("(cafe OR the) NEAR/2 brulerie", false),
        ("(cafe OR the) NEAR/3 brulerie", true),
        // Distance counts word positions: "Canal est trop amer" puts amer 3 after canal.
        ("\"brulerie du canal\" NEAR/2 amer", false),
        ("\"brulerie du canal\" NEAR/3 amer", true),
        ("dec* NEAR/1 franchement", true),
        // Exact case.
        ("{Canal}", true),
        ("{canal}", false),
        ("{Brûlerie}", true),
        ("{Brulerie}", false),
        ("{Brûlerie du Canal}", true),
        // Fields.
        ("author:camille", true),
        ("author:\"camille martin\"", true),
        ("author:@camille_m", true),
        ("author:sam", false),
        ("site:lemonde.fr", true),
        ("site:blog.lemonde.fr", true),
        ("site:monde.fr", false),
        ("site:https://www.lemonde.fr/", true),
        ("lang:fr cafe", true),
        ("lang:en cafe", false),
        ("source:feed", true),
        ("source:reddit OR amer", true),
        ("title:avis", true),
        ("title:amer", false),
        ("title:\"avis client\"", true),
        ("title:av*", true),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter(|(query, expected)| check(query, "Avis client", text) != *expected)
        .map(|(query, expected)| {
            format!(
                "{query:?} should {}match",
                if *expected { "" } else { "not " }
            )
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn title_and_text_do_not_join_into_one_phrase() {
    assert!(!check("\"client le\"", "Avis client", "Le café"));
    assert!(!check("client NEAR/2 cafe", "Avis client", "Le café"));
}

#[test]
fn errors_name_the_column_and_what_was_expected() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "the query is empty"),
        ("   ", 0, "the query is empty"),
        ("cafe AND", 8, "after AND"),
        ("cafe OR OR the", 8, "after OR"),
        ("(cafe OR the", 0, "opened at column 1 is never closed"),
        ("cafe) OR the", 4, "closes nothing"),
        ("\"brulerie du canal", 0, "phrase that is never closed"),
        ("{Canal", 0, "never closed with }"),
        ("Canal}", 5, "closes nothing"),
        ("c*", 0, "wildcard"),
        ("ca*fe", 2, "wildcard"),
        ("cafe NEAR amer", 5, "NEAR/5"),
        ("cafe NEAR/0 amer", 5, "NEAR/5"),
        ("(cafe AND the) NEAR/3 amer", 0, "NEAR and ONEAR join"),
        ("cafe NEAR/3 NOT amer", 12, "after NEAR/3"),
        ("autor:camille", 0, "unknown field autor:"),
        ("https://lemonde.fr", 0, "site:domain.com"),
        ("lang:de", 5, "fr, en or unknown"),
        ("source:twitter", 7, "feed, mastodon"),
        ("site:localhost", 5, "a domain name"),
        ("title:", 6, "right after the colon"),
        ("NOT cafe", 0, "cannot only exclude"),
        ("NOT cafe AND NOT the", 0, "cannot only exclude"),
        ("!!!", 0, "no letters or digits"),
        ("\"\"", 0, "no words"),
        ("cafe and the", 5, "capitals (AND)"),
        ("()", 1, "after ("),
    ];
    let mut failures = Vec::new();
    for (query, position, message) in cases {
        match parse(query) {
            Ok(_) => failures.push(format!("{query:?} should be refused")),
            Err(error) => {
                let text = error.to_string();
                if error.position != *position || !text.contains(message) {
                    failures.push(format!(
                        "{query:?}: got {text:?} at {}, expected {message:?} at {position}",
                        error.position
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        parse("lang:de").unwrap_err().kind,
        ErrorKind::BadFieldValue {
            field: "lang",
            expected: "fr, en or unknown"
        }
    );
    assert!(
        parse("cafe AND")
            .unwrap_err()
            .to_string()
            .starts_with("column 9: ")
    );
}

/// A small deterministic generator, so the test needs no randomness crate and always checks
/// the same thousands of cases.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

const WORDS: &[&str] = &[
    "café",
    "cafe",
    "brûlerie",
    "canal",
    "amer",
    "froid",
    "déçu",
    "super",
    "livraison",
    "prix",
    "#cafe",
    "@brulerie",
    "arabica",
    "torréfaction",
    "service",
    "retard",
];

fn random_leaf(rng: &mut Lcg) -> String {
    let word = WORDS[rng.next(WORDS.len())].to_owned();
    match rng.next(8) {
        0 => format!(
            "\"{} {}\"",
            word.trim_start_matches(['#', '@']),
            WORDS[rng.next(WORDS.len())].trim_start_matches(['#', '@'])
        ),
        1 if word.trim_start_matches(['#', '@']).chars().count() > 3 => {
            format!("{}*", word.chars().take(3).collect::<String>())
        }
        2 => format!("{{{}}}", word.trim_start_matches(['#', '@'])),
        _ => word,
    }
}

fn random_query(rng: &mut Lcg, depth: u32) -> String {
    match if depth == 0 { 0 } else { rng.next(8) } {
        0 | 1 => random_leaf(rng),
        2 => format!(
            "({} OR {})",
            random_query(rng, depth - 1),
            random_query(rng, depth - 1)
        ),
        3 => format!(
            "{} AND {}",
            random_query(rng, depth - 1),
            random_query(rng, depth - 1)
        ),
        4 => format!("{} NOT {}", random_leaf(rng), random_query(rng, depth - 1)),
        5 => format!(
            "{} NEAR/{} {}",
            random_leaf(rng),
            1 + rng.next(4),
            random_leaf(rng)
        ),
        6 => format!(
            "lang:{} {}",
            ["fr", "en"][rng.next(2)],
            random_query(rng, depth - 1)
        ),
        _ => format!(
            "title:{}",
            WORDS[rng.next(WORDS.len())].trim_start_matches(['#', '@'])
        ),
    }
}

#[test]
fn the_automaton_selects_every_query_that_matches() {
    let mut rng = Lcg(7);
    let queries: Vec<(usize, jardinier_query::Query)> = (0..600)
        .filter_map(|i| parse(&random_query(&mut rng, 3)).ok().map(|q| (i, q)))
        .collect();
    assert!(
        queries.len() > 500,
        "the generator makes mostly valid queries"
    );
    let set = QuerySet::new(queries.clone());
    let mut total_matches = 0;
    let mut total_candidates = 0;
    for _ in 0..400 {
        let title: Vec<&str> = (0..rng.next(4))
            .map(|_| WORDS[rng.next(WORDS.len())])
            .collect();
        let text: Vec<&str> = (0..rng.next(14))
            .map(|_| WORDS[rng.next(WORDS.len())])
            .collect();
        let (title, text) = (title.join(" "), text.join(" "));
        let lang = ["fr", "en"][rng.next(2)];
        let prepared = Prepared::new(&Document {
            title: &title,
            text: &text,
            author: "Sam",
            site: "example.com",
            lang,
            source: "feed",
        });
        let brute: Vec<usize> = queries
            .iter()
            .filter(|(_, q)| q.matches(&prepared))
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(
            set.matches(&prepared),
            brute,
            "title {title:?} text {text:?}"
        );
        total_matches += brute.len();
        total_candidates += set.candidates(&prepared).len();
    }
    assert!(
        total_matches > 1_000,
        "the corpus exercises real matches ({total_matches})"
    );
    assert!(
        total_candidates < 400 * queries.len() / 2,
        "the automaton prunes ({total_candidates} candidates)"
    );
}
