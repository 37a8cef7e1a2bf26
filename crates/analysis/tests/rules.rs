//! One table per scoring rule. Each case compares two texts or checks a label, so a rule that
//! stops working fails its own table. Comparisons of scores read the rules alone
//! (`rules_sentiment`), which the learned model reads in turn; label tables read the whole
//! pipeline (`analyze`, `sentiment`), as a user sees it.

use jardinier_analysis::{Label, Lang, analyze, rules_sentiment, sentiment};

fn fr(text: &str) -> f32 {
    rules_sentiment(text, Lang::Fr).score
}

fn en(text: &str) -> f32 {
    rules_sentiment(text, Lang::En).score
}

fn score(text: &str, lang: Lang) -> f32 {
    rules_sentiment(text, lang).score
}

#[test]
fn negation_flips_polarity() {
    let cases = [
        ("bon", "pas bon", Lang::Fr),
        ("c'est bon", "ce n'est pas bon", Lang::Fr),
        ("je recommande", "je ne recommande pas", Lang::Fr),
        ("je le recommande", "je ne le recommande pas", Lang::Fr),
        ("j'aime", "j'aime pas", Lang::Fr),
        ("ça marche", "ça marche plus", Lang::Fr),
        ("satisfait", "pas du tout satisfait", Lang::Fr),
        ("je reviendrai", "je ne reviendrai jamais", Lang::Fr),
        ("déçu", "jamais déçu", Lang::Fr),
        ("problème", "sans problème", Lang::Fr),
        ("souci", "aucun souci", Lang::Fr),
        ("fiable", "peu fiable", Lang::Fr),
        ("cher", "moins cher", Lang::Fr),
        ("good", "not good", Lang::En),
        ("good", "isn't good", Lang::En),
        ("bad", "never bad", Lang::En),
        ("helpful", "not helpful at all", Lang::En),
    ];
    for (plain, negated, lang) in cases {
        let (a, b) = (score(plain, lang), score(negated, lang));
        assert!(a * b < 0.0, "{plain:?} ({a:+.3}) vs {negated:?} ({b:+.3})");
    }
}

#[test]
fn negation_does_not_leak() {
    // "ne … que" restricts; "pas" before "cher" does not negate the earlier "bon";
    // "jamais … aussi" intensifies.
    assert!(fr("je n'ai eu que des problèmes") < -0.05);
    assert!(fr("produit bon, pas cher") > 0.3);
    assert!(fr("jamais été aussi déçu") < fr("déçu"));
    assert!(en("without a doubt excellent") > 0.5);
}

#[test]
fn intensifiers_raise_and_dampeners_lower_magnitude() {
    let boosted = [
        ("bon", "très bon", Lang::Fr),
        ("nul", "vraiment nul", Lang::Fr),
        ("bien", "trop bien", Lang::Fr),
        ("content", "super content", Lang::Fr),
        ("décevant", "hyper décevant", Lang::Fr),
        ("bon", "grave bon", Lang::Fr),
        ("déçu", "tellement déçu", Lang::Fr),
        ("good", "very good", Lang::En),
        ("bad", "so bad", Lang::En),
        ("good", "really good", Lang::En),
        ("rude", "extremely rude", Lang::En),
    ];
    for (plain, strong, lang) in boosted {
        let (a, b) = (score(plain, lang), score(strong, lang));
        assert!(
            b.abs() > a.abs() && a * b > 0.0,
            "{plain:?} ({a:+.3}) vs {strong:?} ({b:+.3})"
        );
    }
    let dampened = [
        ("bon", "assez bon", Lang::Fr),
        ("bien", "plutôt bien", Lang::Fr),
        ("cher", "un peu cher", Lang::Fr),
        ("good", "somewhat good", Lang::En),
    ];
    for (plain, weak, lang) in dampened {
        let (a, b) = (score(plain, lang), score(weak, lang));
        assert!(
            b.abs() < a.abs() && a * b > 0.0,
            "{plain:?} ({a:+.3}) vs {weak:?} ({b:+.3})"
        );
    }
}

#[test]
fn contrast_shifts_weight_to_the_second_clause() {
    let cases = [
        ("Bon produit mais trop cher", Label::Negative),
        ("Un peu cher mais excellent", Label::Positive),
        (
            "Le cadre est joli mais la cuisine est médiocre",
            Label::Negative,
        ),
        (
            "Livraison lente, par contre le produit est parfait",
            Label::Positive,
        ),
        (
            "Service correct, cependant le plat était froid et fade",
            Label::Negative,
        ),
        (
            "The food was good but the service was terrible",
            Label::Negative,
        ),
        (
            "It was expensive but totally worth it, amazing",
            Label::Positive,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(analyze(text).sentiment.label, want, "{text}");
    }
    // Same words, order swapped: the clause after "mais" wins.
    assert!(fr("bon mais cher") < 0.0 && fr("cher mais bon") > 0.0);
    // A conceded clause weighs less than the main one.
    assert!(fr("Malgré le retard, produit excellent") > 0.3);
}

#[test]
fn emojis_and_emoticons_alone_carry_sentiment() {
    let cases = [
        ("😍", Label::Positive),
        ("❤️", Label::Positive),
        ("👍", Label::Positive),
        ("🙏", Label::Positive),
        ("😂", Label::Positive),
        (":)", Label::Positive),
        (":-D", Label::Positive),
        ("<3", Label::Positive),
        ("^^", Label::Positive),
        ("🤮", Label::Negative),
        ("😡", Label::Negative),
        ("👎", Label::Negative),
        ("💔", Label::Negative),
        (":(", Label::Negative),
        ("🍕", Label::Neutral),
    ];
    for (text, want) in cases {
        let a = analyze(text);
        assert_eq!(a.lang, Lang::Unknown, "{text} has no language");
        assert_eq!(a.sentiment.label, want, "{text}");
    }
    assert!(fr("Trop bien 😍😍") > fr("Trop bien"));
}

#[test]
fn elongations_are_normalised() {
    let cases = [
        ("suuuper", "super"),
        ("nuuul", "nul"),
        ("trooop bien", "trop bien"),
        ("géniaaaal", "génial"),
    ];
    for (long, plain) in cases {
        let (a, b) = (fr(long), fr(plain));
        assert!(
            a * b > 0.0 && a.abs() >= b.abs(),
            "{long:?} ({a:+.3}) vs {plain:?} ({b:+.3})"
        );
    }
    assert!(en("coooool") > 0.3);
    assert!(en("baaaad") < -0.3);
}

#[test]
fn accents_and_case_do_not_matter() {
    let cases = [
        ("déçu", "decu"),
        ("très bien", "tres bien"),
        ("génial", "genial"),
        ("à fuir", "a fuir"),
        ("conforme à la description", "conforme a la description"),
        ("Déçue", "DECUE"),
        ("rien à redire", "Rien A Redire"),
    ];
    for (accented, plain) in cases {
        let (a, b) = (fr(accented), fr(plain));
        assert!(
            a != 0.0 && (a - b).abs() < 1e-6,
            "{accented:?} ({a:+.3}) vs {plain:?} ({b:+.3})"
        );
    }
}

#[test]
fn capitals_and_exclamations_add_emphasis() {
    assert!(fr("C'est NUL, je suis déçu") < fr("C'est nul, je suis déçu"));
    assert!(en("The food was GREAT and cheap") > en("The food was great and cheap"));
    assert!(fr("Super !!!") > fr("Super"));
    assert!(en("bad!!") < en("bad"));
    // A text in capitals throughout is not emphasis, only shouting style.
    assert!((fr("NUL") - fr("nul")).abs() < 1e-6);
}

#[test]
fn social_spelling_and_abbreviations() {
    let cases = [
        ("mdr trop drôle", Label::Positive),
        ("ptdr le vendeur m'a fait rire", Label::Positive),
        ("bof", Label::Negative),
        ("relou les pubs", Label::Negative),
        ("chelou ce goût", Label::Negative),
        ("dégueu", Label::Negative),
        ("grave bien", Label::Positive),
        ("top", Label::Positive),
        ("nickel", Label::Positive),
        ("jpp de cette appli qui bug", Label::Negative),
        ("wtf this update", Label::Negative),
        ("omg I love it", Label::Positive),
    ];
    for (text, want) in cases {
        assert_eq!(analyze(text).sentiment.label, want, "{text}");
    }
    // FIXME: the rules read "lol this is bad" as negative, but the learned model, which saw
    // "lol" almost only in happy tweets, reads it as positive. Kept visible until the model
    // learns from more real posts (or from a workspace's corrections).
    assert_eq!(
        analyze("lol this is bad").sentiment.label,
        Label::Positive,
        "lol this is bad: fixed? move it back to the table above"
    );
    assert_eq!(
        rules_sentiment("lol this is bad", Lang::En).label,
        Label::Negative
    );
}

#[test]
fn french_review_phrases() {
    let cases = [
        ("Je recommande", Label::Positive),
        ("À fuir", Label::Negative),
        ("Arnaque", Label::Negative),
        ("Service client inexistant", Label::Negative),
        ("Bon rapport qualité-prix", Label::Positive),
        ("Mauvais rapport qualité/prix", Label::Negative),
        ("Pas terrible", Label::Negative),
        ("Pas top", Label::Negative),
        ("Rien à redire", Label::Positive),
        ("Conforme à la description", Label::Positive),
        ("Colis jamais reçu", Label::Negative),
        ("Remboursé rapidement", Label::Positive),
        ("Toujours pas remboursé", Label::Negative),
        ("SAV au top", Label::Positive),
        ("SAV injoignable", Label::Negative),
        ("Déçu", Label::Negative),
        ("Ravi", Label::Positive),
        ("Nickel", Label::Positive),
        ("Impeccable", Label::Positive),
        ("Cassé à la livraison", Label::Negative),
        ("Ne fonctionne pas", Label::Negative),
        ("En panne au bout d'une semaine", Label::Negative),
        ("Livraison rapide", Label::Positive),
        ("Satisfait", Label::Positive),
        ("Jamais plus", Label::Negative),
        ("Une belle arnaque", Label::Negative),
        ("Note : 2/5", Label::Negative),
        ("9/10, parfait", Label::Positive),
        ("Le magasin ouvre à 9h le samedi.", Label::Neutral),
    ];
    for (text, want) in cases {
        let got = sentiment(text, Lang::Fr);
        assert_eq!(got.label, want, "{text} ({:+.3})", got.score);
    }
}

#[test]
fn unknown_language_uses_both_lexicons() {
    assert_eq!(sentiment("😍😍", Lang::Unknown).label, Label::Positive);
    assert_eq!(sentiment("nul", Lang::Unknown).label, Label::Negative);
    assert_eq!(sentiment("awful", Lang::Unknown).label, Label::Negative);
}

#[test]
fn scores_stay_in_range_and_names_are_stable() {
    let extreme =
        "EXCELLENT !!! génial génial génial parfait parfait 😍😍😍😍 je recommande vivement !!!!";
    let s = analyze(extreme).sentiment.score;
    assert!((0.9..=1.0).contains(&s), "{s}");
    let s = analyze("HORRIBLE !!! nul nul nul arnaque arnaque 🤮🤮🤮 à fuir !!!!")
        .sentiment
        .score;
    assert!((-1.0..=-0.9).contains(&s), "{s}");
    assert_eq!(
        analyze("").sentiment,
        jardinier_analysis::Sentiment {
            label: Label::Neutral,
            score: 0.0
        }
    );
    assert_eq!(
        [Lang::Fr.code(), Lang::En.code(), Lang::Unknown.code()],
        ["fr", "en", "unknown"]
    );
    assert_eq!(
        [
            Label::Positive.as_str(),
            Label::Neutral.as_str(),
            Label::Negative.as_str()
        ],
        ["positive", "neutral", "negative"]
    );
}

#[test]
fn sarcastic_praise_is_a_complaint() {
    let sarcastic = [
        ("Génial, encore un colis perdu.", Lang::Fr),
        (
            "Bravo la SNCF, encore un train supprimé et aucune info",
            Lang::Fr,
        ),
        (
            "Super ! Trois semaines de retard et un colis abîmé.",
            Lang::Fr,
        ),
        ("Oh génial, l'appli plante encore", Lang::Fr),
        ("Merci pour rien @Free", Lang::Fr),
        ("Un SAV au top comme d'habitude #ironie", Lang::Fr),
        ("Great, another delay and my bag is lost.", Lang::En),
        ("Thanks Comcast, the internet is down again", Lang::En),
        ("Best customer service ever /s", Lang::En),
        ("thanks for nothing", Lang::En),
    ];
    for (text, lang) in sarcastic {
        let s = sentiment(text, lang);
        assert_eq!(s.label, Label::Negative, "{text:?} ({:+.3})", s.score);
    }
    // Praise that is meant: followed by more praise, by nothing, or by a "but".
    let sincere = [
        ("Génial, livraison rapide et produit parfait", Lang::Fr),
        ("Super, merci pour votre aide !", Lang::Fr),
        ("Bravo à toute l'équipe, très bon service", Lang::Fr),
        ("Parfait, rien à redire", Lang::Fr),
        ("Great, thanks for the quick fix!", Lang::En),
        ("Thanks Comcast, the internet is back and fast", Lang::En),
        ("Je dis ça sans ironie : j'adore ce café", Lang::Fr),
    ];
    for (text, lang) in sincere {
        let s = sentiment(text, lang);
        assert_eq!(s.label, Label::Positive, "{text:?} ({:+.3})", s.score);
    }
}
