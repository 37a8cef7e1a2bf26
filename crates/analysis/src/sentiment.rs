//! VADER-style scoring: lexicon valences per token, adjusted by rules, summed, then squashed to
//! [-1, 1]. The English rules follow VADER 3.3.2; the French rules adapt them to French syntax
//! (negation around the verb, post-posed "pas" in spoken French, "mais", "trop", "peu"...).

use std::sync::LazyLock;

use crate::lexicon::{self, EMOJI, EMOTICONS, Lexicon, Map};
use crate::text::{Kind, Token};

/// VADER's empirically derived increments (Hutto & Gilbert 2014).
const B_INCR: f32 = 0.293;
const C_INCR: f32 = 0.733;
const N_SCALAR: f32 = -0.74;
/// "peu fiable", "moins bien": a comparative or partial negation, weaker than "pas".
const WEAK_NEGATION: f32 = -0.5;
/// An elongated word ("suuuper") is emphasis like capitals, but typed more casually: smaller.
const ELONGATION_INCR: f32 = 0.3;
/// VADER's normalisation constant: approximates the largest expected sum.
const ALPHA: f32 = 15.0;

/// Which rule set to apply; `Unknown` text is scored with both and the better-supported wins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Rules {
    Fr,
    En,
}

/// Sum of adjusted valences, and how many tokens carried sentiment (used to pick a rule set for
/// text in an unknown language).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Raw {
    pub sum: f32,
    pub hits: usize,
    /// Each token's adjusted valence (0 for tokens without sentiment), for the document-level
    /// features of the learned model (`features.rs`).
    pub values: Vec<f32>,
}

pub(crate) fn normalize(sum: f32) -> f32 {
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

fn map_of(entries: &[(&str, f32)]) -> Map<f32> {
    entries.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

static FR_BOOSTERS: LazyLock<Map<f32>> = LazyLock::new(|| {
    let up = B_INCR;
    let down = -B_INCR;
    map_of(&[
        ("tres", up),
        ("trop", up),
        ("vraiment", up),
        ("super", up),
        ("hyper", up),
        ("ultra", up),
        ("mega", up),
        ("archi", up),
        ("grave", up),
        ("tellement", up),
        ("vachement", up),
        ("carrement", up),
        ("extremement", up),
        ("absolument", up),
        ("totalement", up),
        ("completement", up),
        ("entierement", up),
        ("particulierement", up),
        ("franchement", up),
        ("vraiement", up),
        ("incroyablement", up),
        ("terriblement", up),
        ("fortement", up),
        ("hautement", up),
        ("vivement", up),
        ("si", up),
        ("aussi", up),
        ("tant", up),
        ("plus", up),
        ("beaucoup", up),
        ("enormement", up),
        ("tout", up),
        ("extra", up),
        ("assez", down),
        ("plutot", down),
        ("moyennement", down),
        ("legerement", down),
        ("presque", down),
        // "un peu cher": "peu" alone is a weak negation ("peu fiable"), see fr_negation.
        ("peu", down),
        ("relativement", down),
        ("quasiment", down),
        ("limite", down),
    ])
});

static EN_BOOSTERS: LazyLock<Map<f32>> = LazyLock::new(|| {
    let up = B_INCR;
    let down = -B_INCR;
    let mut m = map_of(&[
        ("absolutely", up),
        ("amazingly", up),
        ("awfully", up),
        ("completely", up),
        ("considerable", up),
        ("considerably", up),
        ("decidedly", up),
        ("deeply", up),
        ("effing", up),
        ("enormous", up),
        ("enormously", up),
        ("entirely", up),
        ("especially", up),
        ("exceptional", up),
        ("exceptionally", up),
        ("extreme", up),
        ("extremely", up),
        ("fabulously", up),
        ("flipping", up),
        ("flippin", up),
        ("frackin", up),
        ("fracking", up),
        ("fricking", up),
        ("frickin", up),
        ("frigging", up),
        ("friggin", up),
        ("fully", up),
        ("fuckin", up),
        ("fucking", up),
        ("fuggin", up),
        ("fugging", up),
        ("greatly", up),
        ("hella", up),
        ("highly", up),
        ("hugely", up),
        ("incredible", up),
        ("incredibly", up),
        ("intensely", up),
        ("major", up),
        ("majorly", up),
        ("more", up),
        ("most", up),
        ("particularly", up),
        ("purely", up),
        ("quite", up),
        ("really", up),
        ("remarkably", up),
        ("so", up),
        ("substantially", up),
        ("thoroughly", up),
        ("total", up),
        ("totally", up),
        ("tremendous", up),
        ("tremendously", up),
        ("uber", up),
        ("unbelievably", up),
        ("unusually", up),
        ("utter", up),
        ("utterly", up),
        ("very", up),
        ("almost", down),
        ("barely", down),
        ("hardly", down),
        ("kinda", down),
        ("kindof", down),
        ("less", down),
        ("little", down),
        ("marginal", down),
        ("marginally", down),
        ("occasional", down),
        ("occasionally", down),
        ("partly", down),
        ("scarce", down),
        ("scarcely", down),
        ("slight", down),
        ("slightly", down),
        ("somewhat", down),
        ("sorta", down),
        ("sortof", down),
    ]);
    m.shrink_to_fit();
    m
});

const EN_NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
    "no",
];

fn en_negator(key: &str) -> bool {
    EN_NEGATE.contains(&key) || key.contains("n't")
}

/// Whether `key` opens a negation in `rules`' language ("not", "never", "pas", "jamais"…), for
/// the negation scopes of the learned model's word features.
pub(crate) fn is_negator(key: &str, rules: Rules) -> bool {
    match rules {
        Rules::En => en_negator(key),
        Rules::Fr => FR_NEGATORS.contains(&key) || key == "sans" || key.starts_with("aucun"),
    }
}

/// French negators that work alone, as in spoken French ("c'est pas bon", "jamais déçu").
const FR_NEGATORS: &[&str] = &[
    "pas",
    "jamais",
    "rien",
    "aucun",
    "aucune",
    "aucuns",
    "aucunes",
    "sans",
    "ni",
    "guere",
    "nullement",
    "aucunement",
    "non",
];

/// Adjectives that intensify a following word of the opposite polarity instead of opposing it:
/// "une belle arnaque", "un vrai cauchemar", "une grosse déception".
const FR_INTENSIFYING_ADJECTIVES: &[&str] = &[
    "beau",
    "belle",
    "bel",
    "vrai",
    "vraie",
    "veritable",
    "grand",
    "grande",
    "gros",
    "grosse",
    "sacre",
    "sacree",
    "joli",
    "jolie",
    "bon",
    "bonne",
    "pur",
    "pure",
    "total",
    "totale",
];

/// Second part of "ne ... X": marks the end of a negated verb group.
const FR_PARTICLES: &[&str] = &[
    "pas", "plus", "jamais", "rien", "guere", "point", "aucun", "aucune", "personne",
];

/// Words that, right before a verb, show that a following "pas" negates that verb
/// ("j'aime pas", "ça marche plus") rather than what comes next ("bon, pas cher").
const FR_CLITICS: &[&str] = &[
    "j'", "je", "ca", "cela", "il", "elle", "on", "tu", "vous", "nous", "ils", "elles", "le", "la",
    "les", "l'", "me", "m'", "te", "t'", "se", "s'", "y", "en", "lui", "leur",
];

/// Contrast markers: what follows outweighs what precedes ("bon mais cher" leans negative).
const FR_CONTRAST: &[&str] = &["mais", "cependant", "toutefois", "neanmoins", "pourtant"];
const FR_CONTRAST_PAIRS: &[(&str, &str)] =
    &[("par", "contre"), ("en", "revanche"), ("sauf", "que")];
const EN_CONTRAST: &[&str] = &["but", "however"];

/// Concessive markers: their own clause is the part being conceded, so it weighs less.
const FR_CONCESSIVE: &[&str] = &["malgre", "quoique"];
const FR_CONCESSIVE_PAIRS: &[(&str, &str)] = &[("meme", "si"), ("bien", "que")];
const EN_CONCESSIVE: &[&str] = &["although", "though"];

/// How many tokens a concessive marker can weaken when no comma closes its clause.
const CONCESSION_REACH: usize = 6;

/// One token's contribution before contrast weighting.
#[derive(Debug, Clone, Copy)]
struct Slot {
    valence: f32,
    /// Emojis and phrases with built-in negation are not flipped by negation words.
    negatable: bool,
    elongated: bool,
    /// Tokens covered (phrases cover several); look-ahead rules start after the last one.
    span: usize,
}

fn is_break(kind: Kind) -> bool {
    matches!(kind, Kind::SentenceEnd | Kind::ClauseBreak)
}

fn is_wordish(kind: Kind) -> bool {
    matches!(kind, Kind::Word | Kind::Number)
}

/// Scores tokens with one language's lexicon and rules. Returns the raw (unnormalised) sum.
pub(crate) fn score(tokens: &[Token], rules: Rules) -> Raw {
    let (lex, boosters): (&Lexicon, &Map<f32>) = match rules {
        Rules::Fr => (&lexicon::FR, &FR_BOOSTERS),
        Rules::En => (&lexicon::EN, &EN_BOOSTERS),
    };
    let n = tokens.len();
    // Elongated words ("suuuper", "trooop") are looked up as their first known de-elongated
    // spelling, so that they also match phrases and boosters ("trooop bien").
    let restored: Vec<Option<String>> = tokens
        .iter()
        .map(|t| {
            (t.kind == Kind::Word && crate::text::has_elongation(&t.key))
                .then(|| lexicon::deelongate(lex, &t.key, |k| boosters.contains_key(k)))
                .flatten()
        })
        .collect();
    let keys: Vec<&str> = tokens
        .iter()
        .zip(&restored)
        .map(|(t, r)| r.as_deref().unwrap_or(&t.key))
        .collect();
    let mut slots: Vec<Option<Slot>> = vec![None; n];
    let mut boost = vec![0.0_f32; n];

    // Pass 1: base valences from phrases, words, emojis, emoticons and ratings.
    let mut i = 0;
    while i < n {
        let tok = &tokens[i];
        match tok.kind {
            Kind::Emoji => {
                slots[i] = EMOJI.get(&tok.key).map(|&v| Slot {
                    valence: v,
                    negatable: false,
                    elongated: false,
                    span: 1,
                });
            }
            Kind::Emoticon => {
                let v = EMOTICONS
                    .get(tok.raw)
                    .or_else(|| EMOTICONS.get(&tok.raw.to_lowercase()));
                slots[i] = v.map(|&v| Slot {
                    valence: v,
                    negatable: false,
                    elongated: false,
                    span: 1,
                });
            }
            Kind::Number
                if i + 2 < n
                    && tokens[i + 1].kind == Kind::Slash
                    && tokens[i + 2].kind == Kind::Number =>
            {
                slots[i] = rating(keys[i], keys[i + 2]).map(|v| Slot {
                    valence: v,
                    negatable: false,
                    elongated: false,
                    span: 1,
                });
                i += 3;
                continue;
            }
            Kind::Word | Kind::Number => {
                let run = tokens[i..]
                    .iter()
                    .take(6)
                    .take_while(|t| is_wordish(t.kind))
                    .count();
                if let Some((phrase, len)) = lexicon::match_phrase(lex, &keys[i..i + run]) {
                    if phrase.valence != 0.0 {
                        slots[i] = Some(Slot {
                            valence: phrase.valence,
                            negatable: !phrase.self_negating,
                            elongated: restored[i].is_some(),
                            span: len,
                        });
                    }
                    // A neutral phrase ("rapport qualité prix", "bien sûr") still hides its words.
                    i += len;
                    continue;
                }
                let own = lexicon::lookup(lex, keys[i]);
                if let Some(&b) = boosters.get(keys[i]) {
                    boost[i] = b;
                }
                slots[i] = own.map(|(v, elongated)| Slot {
                    valence: v,
                    negatable: true,
                    elongated: elongated || restored[i].is_some(),
                    span: 1,
                });
            }
            _ => {}
        }
        i += 1;
    }

    // A word that is both a booster and a sentiment word ("super", "extra") boosts the next
    // word when that word carries sentiment ("super bon"), and otherwise stands on its own
    // ("Super café !"). VADER's "no" works the same way as a negation.
    for i in 0..n {
        let next_has_valence =
            tokens.get(i + 1).is_some_and(|t| is_wordish(t.kind)) && slots[i + 1].is_some();
        if boost[i] != 0.0 {
            if next_has_valence || slots[i].is_none() {
                slots[i] = None;
            } else {
                boost[i] = 0.0;
            }
        }
        if rules == Rules::En && keys[i] == "no" && next_has_valence {
            slots[i] = None;
        }
        if rules == Rules::Fr
            && FR_INTENSIFYING_ADJECTIVES.contains(&keys[i])
            && let (Some(own), Some(next)) = (slots[i], slots.get(i + 1).copied().flatten())
            && own.valence * next.valence < 0.0
            && is_wordish(tokens[i + 1].kind)
        {
            slots[i] = None;
            boost[i] = B_INCR;
        }
    }

    let words = tokens.iter().filter(|t| t.kind == Kind::Word).count();
    let caps = tokens.iter().filter(|t| t.is_caps()).count();
    // Capitals only signal emphasis when the rest of the text is not shouting too.
    let cap_diff = caps > 0 && caps < words;

    let mut values = vec![0.0_f32; n];
    for i in 0..n {
        let Some(slot) = slots[i] else {
            if rules == Rules::Fr
                && keys[i] == "trop"
                && i + 1 < n
                && is_wordish(tokens[i + 1].kind)
                && slots[i + 1].is_none()
                && boost[i + 1] == 0.0
                && keys[i + 1].len() > 3
                && !crate::lang::is_function_word(keys[i + 1])
            {
                // "trop petit", "trop salé": excess of a neutral quality is a complaint.
                values[i + 1] = -1.0;
            }
            if rules == Rules::Fr
                && matches!(keys[i], "aucun" | "aucune" | "aucuns" | "aucunes")
                && i + 1 < n
                && tokens[i + 1].kind == Kind::Word
                && slots[i + 1].is_none()
                && !crate::lang::is_function_word(keys[i + 1])
            {
                // "aucun rappel", "aucune réponse": in a review, missing something neutral is
                // a missing service. Things whose absence is good ("aucun souci") have their
                // own negative valence, which the negation rule flips.
                values[i + 1] = -1.0;
            }
            continue;
        };
        let mut v = slot.valence;
        let sign = v.signum();
        if cap_diff && tokens[i].is_caps() {
            v += sign * C_INCR;
        }
        if slot.elongated {
            v += sign * ELONGATION_INCR;
        }
        if slot.negatable {
            v += preceding_boost(tokens, &boost, i, sign, cap_diff);
            v *= match rules {
                Rules::Fr => fr_negation(&keys, tokens, i, i + slot.span - 1),
                Rules::En => en_negation(&keys, tokens, i),
            };
        }
        values[i] = v;
    }

    apply_contrast(&keys, tokens, &mut values, rules);
    apply_concession(&keys, tokens, &mut values, rules);
    apply_sarcastic_praise(&keys, tokens, &mut values, rules);

    let mut sum: f32 = values.iter().sum();
    let hits = values.iter().filter(|v| **v != 0.0).count();
    sum += sum.signum() * punctuation_emphasis(tokens);
    Raw { sum, hits, values }
}

/// Turns "4/5", "8/10" or "2/20" into a valence.
fn rating(num: &str, den: &str) -> Option<f32> {
    let (a, b): (f32, f32) = (num.parse().ok()?, den.parse().ok()?);
    if !matches!(b as u32, 5 | 10 | 20 | 100) || a > b {
        return None;
    }
    let r = a / b;
    Some(match r {
        r if r >= 0.8 => 2.6,
        r if r >= 0.7 => 1.6,
        r if r <= 0.2 => -2.8,
        r if r <= 0.4 => -2.0,
        _ => 0.0,
    })
}

/// Sum of booster increments in the three tokens before `i`, decayed with distance as in VADER.
fn preceding_boost(tokens: &[Token], boost: &[f32], i: usize, sign: f32, cap_diff: bool) -> f32 {
    let mut total = 0.0;
    for (k, decay) in [(1, 1.0), (2, 0.95), (3, 0.9)] {
        let Some(j) = i.checked_sub(k) else { break };
        if is_break(tokens[j].kind) {
            break;
        }
        if boost[j] != 0.0 {
            let mut s = boost[j] * sign * decay;
            if cap_diff && tokens[j].is_caps() {
                s += sign * C_INCR;
            }
            total += s;
        }
    }
    total
}

/// Start of the clause containing `i` (first token after the previous break).
fn clause_start(tokens: &[Token], i: usize) -> usize {
    (0..i)
        .rev()
        .find(|&j| is_break(tokens[j].kind))
        .map_or(0, |j| j + 1)
}

fn clause_end(tokens: &[Token], i: usize) -> usize {
    (i..tokens.len())
        .find(|&j| is_break(tokens[j].kind))
        .unwrap_or(tokens.len())
}

/// The factor a French negation applies to the word at `i` (1.0 when not negated).
/// `last` is the last token of the scored item (a phrase spans several).
fn fr_negation(keys: &[&str], tokens: &[Token], i: usize, last: usize) -> f32 {
    let start = clause_start(tokens, i);
    let end = clause_end(tokens, i);
    let has_ne_before = |j: usize| keys[start..j].iter().any(|k| *k == "ne" || *k == "n'");

    // A negator up to three tokens before the word: "pas bon", "n'est pas du tout satisfait".
    for k in 1..=3 {
        let Some(j) = i.checked_sub(k) else { break };
        if j < start {
            break;
        }
        match keys[j] {
            // "jamais été aussi déçu" intensifies rather than negates (VADER's "never so").
            "jamais"
                if keys[j + 1..i]
                    .iter()
                    .any(|w| matches!(*w, "aussi" | "si" | "autant" | "tant")) =>
            {
                return 1.25;
            }
            "sans" if k > 2 => {}
            "plus" if !has_ne_before(j) => {}
            "plus" => return N_SCALAR,
            "peu" if k <= 2 && (j == 0 || keys[j - 1] != "un") => return WEAK_NEGATION,
            "moins" if k <= 2 => return WEAK_NEGATION,
            w if FR_NEGATORS.contains(&w) => return N_SCALAR,
            _ => {}
        }
    }
    // "ne" before the word and its particle after it: "je ne recommande pas".
    for k in 1..=4 {
        let Some(j) = i.checked_sub(k) else { break };
        if j < start {
            break;
        }
        if keys[j] == "ne" || keys[j] == "n'" {
            let after = keys[j + 1..end.min(j + 8)]
                .iter()
                .find(|w| FR_PARTICLES.contains(w) || matches!(**w, "que" | "qu'"));
            return match after {
                // "je n'ai eu que des problèmes" restricts, it does not negate.
                Some(&"que" | &"qu'") => 1.0,
                Some(_) => N_SCALAR,
                None if k <= 2 => N_SCALAR,
                None => 1.0,
            };
        }
    }
    // Spoken French drops "ne": "j'aime pas", "ça marche plus", "je recommande pas".
    if last + 1 < end
        && matches!(keys[last + 1], "pas" | "plus" | "jamais")
        && i > start
        && FR_CLITICS.contains(&keys[i - 1])
    {
        return N_SCALAR;
    }
    1.0
}

/// VADER's negation check: a negator in the three preceding tokens, with its "never so" and
/// "without doubt" exceptions and the "least" rule.
fn en_negation(keys: &[&str], tokens: &[Token], i: usize) -> f32 {
    let start = clause_start(tokens, i);
    let at = |j: usize| keys.get(j).copied().unwrap_or("");
    for k in 1..=3 {
        let Some(j) = i.checked_sub(k) else { break };
        if j < start {
            break;
        }
        if !en_negator(keys[j]) {
            continue;
        }
        if k >= 2 && keys[j] == "never" && matches!(at(j + 1), "so" | "this") {
            return 1.25;
        }
        if keys[j] == "without" && keys[j + 1..i].contains(&"doubt") {
            return 1.0;
        }
        return N_SCALAR;
    }
    if i >= 1 && keys[i - 1] == "least" && (i < 2 || !matches!(keys[i - 2], "at" | "very")) {
        return N_SCALAR;
    }
    1.0
}

/// "but"/"mais": within a sentence, words before the first marker count half, words after it
/// one and a half (VADER's weights). Applied per sentence so that a long review's later
/// sentences are not all boosted by one early "mais".
fn apply_contrast(keys: &[&str], tokens: &[Token], values: &mut [f32], rules: Rules) {
    let mut sentence_start = 0;
    let mut marker: Option<usize> = None;
    for i in 0..=tokens.len() {
        let at_end = i == tokens.len() || tokens[i].kind == Kind::SentenceEnd;
        if at_end {
            if let Some(m) = marker.take() {
                for (j, v) in values.iter_mut().enumerate().take(i).skip(sentence_start) {
                    *v *= if j < m { 0.5 } else { 1.5 };
                }
            }
            sentence_start = i + 1;
            continue;
        }
        if marker.is_none() && is_contrast(keys, i, rules) {
            marker = Some(i);
        }
    }
}

fn is_contrast(keys: &[&str], i: usize, rules: Rules) -> bool {
    match rules {
        Rules::Fr => {
            FR_CONTRAST.contains(&keys[i])
                || FR_CONTRAST_PAIRS
                    .iter()
                    .any(|(a, b)| keys[i] == *a && keys.get(i + 1) == Some(b))
        }
        Rules::En => EN_CONTRAST.contains(&keys[i]),
    }
}

/// "même si", "malgré", "although": the conceded clause counts half.
fn apply_concession(keys: &[&str], tokens: &[Token], values: &mut [f32], rules: Rules) {
    let mut i = 0;
    while i < tokens.len() {
        let hit = match rules {
            Rules::Fr => {
                FR_CONCESSIVE.contains(&keys[i])
                    || FR_CONCESSIVE_PAIRS
                        .iter()
                        .any(|(a, b)| keys[i] == *a && keys.get(i + 1) == Some(b))
            }
            Rules::En => EN_CONCESSIVE.contains(&keys[i]),
        };
        if hit {
            // Without a comma the conceded part is still short ("malgré un service sympa je
            // n'ai rien reçu"): cap its reach so the main clause keeps its weight.
            let end = clause_end(tokens, i).min(i + CONCESSION_REACH);
            for v in &mut values[i..end] {
                *v *= 0.5;
            }
            i = end;
        }
        i += 1;
    }
}

/// VADER's punctuation emphasis: up to four '!' add 0.292 each; two or more '?' add a little.
/// Hashtags and marks by which people say they are being sarcastic.
const SARCASM_MARKS: &[&str] = &[
    "#sarcasme",
    "#sarcasm",
    "#ironie",
    "#irony",
    "#sarcastique",
    "#sarcastic",
    "#ironique",
];

/// Whether the text says it is sarcastic: one of [`SARCASM_MARKS`], or Reddit's "/s" as a
/// word of its own.
pub(crate) fn marked_sarcastic(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.split_whitespace().any(|word| {
        word == "/s"
            || SARCASM_MARKS.iter().any(|mark| {
                word.strip_prefix(mark)
                    .is_some_and(|rest| !rest.starts_with(char::is_alphanumeric))
            })
    })
}

/// Words that start a sentence as an exclamation of praise ("Génial, encore un colis perdu",
/// "Great, another delay"), before who it addresses ("Bravo la SNCF, …", "Thanks @united, …").
const FR_PRAISE: &[&str] = &[
    "genial",
    "super",
    "parfait",
    "bravo",
    "merci",
    "top",
    "excellent",
    "formidable",
    "magnifique",
    "chapeau",
    "felicitations",
    "trop bien",
    "genialissime",
    "bien joue",
];
const EN_PRAISE: &[&str] = &[
    "great",
    "perfect",
    "wonderful",
    "awesome",
    "fantastic",
    "brilliant",
    "thanks",
    "nice",
    "lovely",
    "excellent",
    "amazing",
    "congrats",
    "congratulations",
];
/// Words that may come between the praise and its comma: interjections, articles.
const LEAD_WORDS: &[&str] = &[
    "oh", "ah", "ouais", "yeah", "wow", "la", "le", "les", "l", "the",
];

/// Sarcastic praise: a sentence that opens with praise ("Génial,", "Bravo la SNCF,"), when all
/// that follows it in the text is negative (something lost, late, broken) with nothing
/// positive and no "but", is a complaint; the praise counts as blame. Mixed reviews ("Super,
/// rapide mais cher") keep their praise.
fn apply_sarcastic_praise(keys: &[&str], tokens: &[Token], values: &mut [f32], rules: Rules) {
    let (praise, contrast): (&[&str], &[&str]) = match rules {
        Rules::Fr => (FR_PRAISE, FR_CONTRAST),
        Rules::En => (EN_PRAISE, EN_CONTRAST),
    };
    let n = tokens.len();
    let mut start = 0;
    while start < n {
        // The sentence's first word, after interjections.
        let mut i = start;
        while i < n && is_wordish(tokens[i].kind) && LEAD_WORDS.contains(&keys[i]) {
            i += 1;
        }
        let praise_len = if i < n && values[i] > 0.0 && praise.contains(&keys[i]) {
            1
        } else if i + 1 < n
            && values[i] > 0.0
            && praise.contains(&format!("{} {}", keys[i], keys[i + 1]).as_str())
        {
            2
        } else {
            0
        };
        if praise_len > 0 {
            // Then at most three words naming someone ("la SNCF", "@united") before a comma,
            // an exclamation mark or an ellipsis.
            let mut j = i + praise_len;
            let mut named = 0;
            while j < n
                && named < 3
                && is_wordish(tokens[j].kind)
                && values[j] == 0.0
                && (LEAD_WORDS.contains(&keys[j])
                    || tokens[j].raw.starts_with('@')
                    || tokens[j].raw.starts_with(char::is_uppercase))
            {
                named += 1;
                j += 1;
            }
            let rest = j + 1..n;
            if j < n
                && is_break(tokens[j].kind)
                && !rest.is_empty()
                && values[rest.clone()].iter().any(|v| *v < 0.0)
                && values[rest.clone()].iter().all(|v| *v <= 0.0)
                && !keys[rest].iter().any(|k| contrast.contains(k))
            {
                for v in &mut values[i..j] {
                    if *v > 0.0 {
                        *v = -*v;
                    }
                }
            }
        }
        // The next sentence.
        start = match tokens[start..]
            .iter()
            .position(|t| t.kind == Kind::SentenceEnd)
        {
            Some(end) => start + end + 1,
            None => n,
        };
    }
}

fn punctuation_emphasis(tokens: &[Token]) -> f32 {
    let exclamations = tokens.iter().filter(|t| t.raw == "!").count().min(4);
    let questions = tokens.iter().filter(|t| t.raw == "?").count();
    let q = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f32 * 0.18,
        _ => 0.96,
    };
    exclamations as f32 * 0.292 + q
}
