//! French / English / other detection tuned for short social texts.
//!
//! Character n-gram models (whatlang) need a few dozen letters to be reliable and cost tens of
//! microseconds per text; social posts are often three words long. So evidence is gathered from
//! what short texts do have: function words of seven languages, the sentiment lexicons and
//! French slang, accented letters, French typography (a space before "!") and common suffixes.
//! When the words give too little evidence and the text has at least 30 letters, whatlang's
//! character trigrams decide (technical or terse sentences: "plusieurs caractères de séparation
//! spécifiés"); it is never asked about short posts, where it guesses.

use std::sync::LazyLock;

use crate::Lang;
use crate::lexicon::{self, Map};
use crate::text::{Kind, Token};

const FR: usize = 0;
const EN: usize = 1;
const DE: usize = 2;
const ES: usize = 3;
const IT: usize = 4;
const PT: usize = 5;
const NL: usize = 6;
const LANGS: usize = 7;

/// Folded function words and very common words per language. A word listed for several
/// languages splits its weight between them.
const WORDS: [&str; LANGS] = [
    // French: articles, pronouns, auxiliaries, prepositions, adverbs, and everyday nouns of
    // reviews and posts that English does not share.
    "le la les l' un une des du de d' au aux et est quel quelle quels quelles sav c' ce cet cette ces je j' tu il elle on nous \
     vous ils elles me m' te t' se s' mon ma mes ton ta tes son sa ses notre nos votre vos leur \
     leurs qui que qu' quoi dont ou mais donc car ne n' pas plus tres trop bien avec sans pour \
     par sur dans chez en y a ca cela ceci etait ete etre avoir ai as avons avez ont suis es \
     sommes etes sont fait faire tout tous toute toutes aussi encore deja jamais rien toujours \
     vraiment peu beaucoup moi toi lui eux comme quand si alors puis apres avant depuis pendant \
     chaque meme autre autres vais va vont fais faut peut peux etais avait sera serait moins \
     assez tellement franchement hier demain aujourd'hui voila merci bonjour salut livraison \
     commande colis produit vendeur boutique magasin resto appli achat prix qualite accueil \
     serveur plat repas chambre sejour equipe personnel conseiller cafe mdr ptdr jpp bof \
     nickel chelou relou degueu genial nul decu",
    "the a an and or but is are was were be been being am i you he she it we they me him her \
     us them my your his its our their this that these those there here what which who whom \
     whose when where why how not no nor don't doesn't didn't isn't wasn't can't won't i'm \
     it's that's i've i'll you're so very really too just of to in on at for with from by \
     about as into than then if because while would should could will can do does did have has \
     had get got gonna wanna thanks thank please love great good bad awesome amazing terrible \
     worst best",
    "der die das den dem des ein eine einen einem einer und ist sind \
     war nicht kein keine ich du er sie es wir ihr mit von zu auf fur auch noch sehr gut \
     schlecht aber oder wie was wer wo hier da dass sich mein dein sein unser bei nach aus um \
     wirklich immer schon nur mal doch ja nein",
    "el la los las un una unos unas y es son esta estaba fue muy pero que de del en con por \
     para no si lo le les se su sus mi mis tu yo ella como mas bueno buena malo mala gracias \
     todo tambien porque cuando donde hay al cafe",
    "il lo la i gli le un una uno e sono era molto ma che di del della dei delle in con per non \
     si mi ti ci vi suo sua mio mia come piu anche perche quando dove questo questa quello \
     buono buona cattivo grazie tutto ancora davvero ho hai ha abbiamo l'",
    "o a os as um uma e sao esta muito mas que de do da dos das em no na com por para nao sim \
     se seu sua meu minha como mais tambem porque quando onde isso este bom boa ruim obrigado \
     tudo foi cafe",
    "de het een en is zijn was niet geen ik jij je hij zij wij met van op voor maar ook nog \
     heel erg goed slecht dat die dit wat hoe waar er bij naar uit om echt altijd al wel",
];

/// Folded word → bit set of the languages listing it.
static FUNCTION_WORDS: LazyLock<Map<u8>> = LazyLock::new(|| {
    let mut map: Map<u8> = Map::default();
    for (lang, list) in WORDS.iter().enumerate() {
        for w in list.split_whitespace() {
            *map.entry(w.to_string()).or_default() |= 1 << lang;
        }
    }
    map
});

/// Whether the folded key is a French grammatical word (not an opinion), used by the "trop X"
/// rule to avoid reading "trop de" as a complaint about a quality.
pub(crate) fn is_function_word(key: &str) -> bool {
    FUNCTION_WORDS.get(key).is_some_and(|m| m & (1 << FR) != 0)
}

/// Accented letters and the languages that use them.
fn char_langs(c: char) -> &'static [usize] {
    match c {
        'œ' | 'Œ' | 'î' | 'û' | 'Î' | 'Û' => &[FR],
        'ç' | 'Ç' | 'ê' | 'Ê' | 'â' | 'ô' => &[FR, PT],
        'è' | 'È' | 'ù' => &[FR, IT],
        'à' | 'À' => &[FR, IT, PT],
        'ë' | 'ï' => &[FR, NL],
        'é' | 'É' => &[FR, ES, PT],
        'ñ' | 'Ñ' | '¿' | '¡' => &[ES],
        'á' | 'í' | 'ó' | 'ú' => &[ES, PT],
        'ã' | 'õ' => &[PT],
        'ä' | 'ö' | 'ü' | 'ß' | 'Ä' | 'Ö' | 'Ü' => &[DE],
        'ì' | 'ò' => &[IT],
        _ => &[],
    }
}

/// Endings that betray a language on words no list knows ("brûlerie", "shipping").
const SUFFIXES: &[(&str, usize)] = &[
    ("eau", FR),
    ("eaux", FR),
    ("eux", FR),
    ("euse", FR),
    ("erie", FR),
    ("ette", FR),
    ("ique", FR),
    ("aient", FR),
    ("ing", EN),
    ("ness", EN),
    ("ful", EN),
    ("ght", EN),
    ("ung", DE),
    ("lich", DE),
    ("keit", DE),
    ("heit", DE),
    ("cion", ES),
    ("dad", ES),
    ("zione", IT),
    ("issimo", IT),
    ("cao", PT),
    ("coes", PT),
    ("ijk", NL),
];

const WORD_WEIGHT: f32 = 1.0;
const LEXICON_WEIGHT: f32 = 0.6;
const CHAR_WEIGHT: f32 = 0.5;
const CHAR_CAP: f32 = 1.5;
const SUFFIX_WEIGHT: f32 = 0.5;
const TYPOGRAPHY_WEIGHT: f32 = 0.5;
/// Evidence needed before naming a language; one clear function word is enough, a lone
/// ambiguous token ("ok", "lol", "top") is not.
const MIN_EVIDENCE: f32 = 0.75;
/// The winner must beat the runner-up by this factor.
const MARGIN: f32 = 1.5;

/// Evidence per language, from tokens and the raw text.
fn evidence(text: &str, tokens: &[Token]) -> [f32; LANGS] {
    let mut score = [0.0_f32; LANGS];
    let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
    let mut i = 0;
    while i < tokens.len() {
        let (tok, key) = (&tokens[i], keys[i]);
        i += 1;
        if tok.kind != Kind::Word {
            continue;
        }
        // A multi-word expression of one lexicon ("à fuir", "never again") is strong evidence.
        let run = tokens[i - 1..]
            .iter()
            .take(6)
            .take_while(|t| t.kind == Kind::Word)
            .count();
        let phrase = |lex: &lexicon::Lexicon| {
            lexicon::match_phrase(lex, &keys[i - 1..i - 1 + run]).map(|(_, len)| len)
        };
        let found = phrase(&lexicon::FR)
            .map(|len| (FR, len))
            .or_else(|| phrase(&lexicon::EN).map(|len| (EN, len)));
        if let Some((lang, len)) = found {
            score[lang] += LEXICON_WEIGHT * len as f32;
            i += len - 1;
            continue;
        }
        if let Some(&mask) = FUNCTION_WORDS.get(key) {
            let share = WORD_WEIGHT / mask.count_ones() as f32;
            for (lang, s) in score.iter_mut().enumerate() {
                if mask & (1 << lang) != 0 {
                    *s += share;
                }
            }
            continue;
        }
        if key.contains('\'') && !key.ends_with('\'') {
            // Kept-whole contractions are English ("don't", "i've"); French elisions were split.
            score[EN] += WORD_WEIGHT;
            continue;
        }
        let fr =
            lexicon::lookup(&lexicon::FR, key).is_some() || lexicon::FR.phrases.contains_key(key);
        let en = lexicon::EN.words.contains_key(key);
        match (fr, en) {
            (true, false) => score[FR] += LEXICON_WEIGHT,
            (false, true) => score[EN] += LEXICON_WEIGHT,
            (true, true) => {
                score[FR] += LEXICON_WEIGHT / 2.0;
                score[EN] += LEXICON_WEIGHT / 2.0;
            }
            (false, false) => {
                if key.len() >= 5
                    && let Some(&(_, lang)) = SUFFIXES.iter().find(|(s, _)| key.ends_with(s))
                {
                    score[lang] += SUFFIX_WEIGHT;
                }
            }
        }
    }
    let mut chars = [0.0_f32; LANGS];
    for c in text.chars().filter(|c| !c.is_ascii()) {
        let langs = char_langs(c);
        for &lang in langs {
            chars[lang] += CHAR_WEIGHT / langs.len() as f32;
        }
    }
    for (s, c) in score.iter_mut().zip(chars) {
        *s += c.min(CHAR_CAP);
    }
    if [" !", " ?", " :", " ;", "« ", " »"]
        .iter()
        .any(|p| text.contains(p))
    {
        score[FR] += TYPOGRAPHY_WEIGHT;
    }
    score
}

pub(crate) fn detect(text: &str, tokens: &[Token]) -> Lang {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 {
        return Lang::Unknown;
    }
    // Mostly non-Latin letters (Cyrillic, Arabic, CJK...) cannot be French or English.
    let latin = text
        .chars()
        .filter(|c| c.is_alphabetic() && (*c as u32) < 0x250)
        .count();
    if latin * 2 < letters {
        return Lang::Unknown;
    }
    let score = evidence(text, tokens);
    let (best, &top) = score
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .expect("non-empty");
    let second = score
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != best)
        .map(|(_, s)| *s)
        .fold(0.0, f32::max);
    if top >= MIN_EVIDENCE && top >= MARGIN * second {
        return match best {
            FR => Lang::Fr,
            EN => Lang::En,
            _ => Lang::Unknown,
        };
    }
    // Too little evidence from words; a text long enough for character trigrams gets them:
    // their answer stands when whatlang finds it reliable, or when it agrees with the words'
    // leading language.
    // Only words count: links are dropped by the tokenizer, and @handles are names.
    let prose: Vec<&str> = tokens
        .iter()
        .filter(|t| t.kind == Kind::Word && !t.raw.starts_with('@'))
        .map(|t| t.raw)
        .collect();
    let prose_letters: usize = prose
        .iter()
        .map(|w| w.chars().filter(|c| c.is_alphabetic()).count())
        .sum();
    if prose_letters >= TRIGRAM_MIN_LETTERS {
        let words_lead = match best {
            FR if top > 0.0 => Some(Lang::Fr),
            EN if top > 0.0 => Some(Lang::En),
            _ => None,
        };
        return trigram_language(&prose.join(" "), words_lead);
    }
    Lang::Unknown
}

/// Below this many letters, character trigrams guess more than they know.
const TRIGRAM_MIN_LETTERS: usize = 30;

/// whatlang's trigram identification over the Latin-script languages a French or English
/// stream meets, accepted when it is reliable or agrees with `words_lead`.
fn trigram_language(text: &str, words_lead: Option<Lang>) -> Lang {
    use whatlang::Lang as W;
    const CANDIDATES: [W; 12] = [
        W::Fra,
        W::Eng,
        W::Deu,
        W::Spa,
        W::Ita,
        W::Por,
        W::Nld,
        W::Cat,
        W::Swe,
        W::Dan,
        W::Pol,
        W::Ron,
    ];
    let detector = whatlang::Detector::with_allowlist(CANDIDATES.to_vec());
    let Some(info) = detector.detect(text) else {
        return Lang::Unknown;
    };
    let lang = match info.lang() {
        W::Fra => Lang::Fr,
        W::Eng => Lang::En,
        _ => Lang::Unknown,
    };
    if info.is_reliable() || words_lead == Some(lang) {
        lang
    } else {
        Lang::Unknown
    }
}
