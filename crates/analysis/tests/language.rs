//! Language detection on short social texts and longer reviews, French, English and others.

use jardinier_analysis::{Lang, detect_language};

const CASES: &[(&str, Lang)] = &[
    // French, very short social posts
    ("Super café !", Lang::Fr),
    ("Trop bien 😍", Lang::Fr),
    ("Déçu...", Lang::Fr),
    ("#brulerie top", Lang::Fr),
    ("mdr", Lang::Fr),
    ("ptdr trop drôle", Lang::Fr),
    ("jpp de cette appli", Lang::Fr),
    ("nickel merci", Lang::Fr),
    ("bof bof", Lang::Fr),
    ("c'est nul", Lang::Fr),
    ("relou les pubs", Lang::Fr),
    ("Suuuper soirée 🔥", Lang::Fr),
    ("Nuuul le film", Lang::Fr),
    ("je recommande", Lang::Fr),
    ("à fuir", Lang::Fr),
    ("Arnaque totale !", Lang::Fr),
    ("Colis jamais reçu", Lang::Fr),
    ("Livraison rapide, produit conforme", Lang::Fr),
    ("tres decu du service", Lang::Fr),
    ("Génial 👍", Lang::Fr),
    ("pas top", Lang::Fr),
    ("SAV inexistant", Lang::Fr),
    ("Merci @Decathlon pour l'échange 🙏", Lang::Fr),
    ("grave bien le nouveau jeu", Lang::Fr),
    ("ça marche pas", Lang::Fr),
    ("chelou ce goût", Lang::Fr),
    ("J'adore !", Lang::Fr),
    ("Quelle honte", Lang::Fr),
    // French, longer
    (
        "Le service client ne répond pas aux mails depuis trois semaines, je déconseille.",
        Lang::Fr,
    ),
    (
        "Accueil chaleureux, chambre propre et spacieuse, petit-déjeuner copieux. Nous reviendrons avec plaisir !",
        Lang::Fr,
    ),
    (
        "j'ai commandé le 12 et toujours rien recu, le suivi ne bouge pas",
        Lang::Fr,
    ),
    (
        "Ce restaurant vaut vraiment le détour, service attentionné et carte originale.",
        Lang::Fr,
    ),
    (
        "L'appli est lente, buggée et pleine de pubs. Désinstallée.",
        Lang::Fr,
    ),
    // English, short and long
    ("lol this is bad", Lang::En),
    ("love it", Lang::En),
    ("worst service ever", Lang::En),
    ("Great coffee!", Lang::En),
    ("not bad at all", Lang::En),
    ("thanks for nothing", Lang::En),
    ("This is awesome 😍", Lang::En),
    ("I don't like it", Lang::En),
    ("omg the new menu is so good", Lang::En),
    ("Terrible customer service, never again.", Lang::En),
    (
        "The delivery was fast and the product works perfectly.",
        Lang::En,
    ),
    (
        "I waited three weeks and my package never arrived. Do not order from this shop.",
        Lang::En,
    ),
    (
        "Highly recommend this place, the staff are friendly and the food is delicious.",
        Lang::En,
    ),
    ("wtf is this update", Lang::En),
    ("It stopped working after two days", Lang::En),
    // Other languages
    ("Das ist wirklich gut", Lang::Unknown),
    ("Sehr schlechter Service, nie wieder!", Lang::Unknown),
    (
        "Ich bin mit der Lieferung nicht zufrieden, das Paket war beschädigt.",
        Lang::Unknown,
    ),
    ("Muy bueno el servicio", Lang::Unknown),
    (
        "El pedido llegó tarde y el producto está roto.",
        Lang::Unknown,
    ),
    ("¡Me encanta este café!", Lang::Unknown),
    ("Molto buono davvero", Lang::Unknown),
    (
        "Il servizio è stato pessimo, non tornerò mai più.",
        Lang::Unknown,
    ),
    (
        "La pizza era buonissima e il personale gentile.",
        Lang::Unknown,
    ),
    (
        "O produto chegou rápido e funciona muito bem.",
        Lang::Unknown,
    ),
    (
        "Het eten was heel lekker en de bediening was vriendelijk.",
        Lang::Unknown,
    ),
    ("Bardzo dobra obsługa, polecam!", Lang::Unknown),
    ("Отличный сервис, всем рекомендую", Lang::Unknown),
    ("とても良い", Lang::Unknown),
    // Too little signal
    ("😍", Lang::Unknown),
    ("👍👍👍", Lang::Unknown),
    ("ok", Lang::Unknown),
    ("lol", Lang::Unknown),
    ("https://example.com/promo", Lang::Unknown),
    ("@brand", Lang::Unknown),
    ("", Lang::Unknown),
    ("12/05 18h", Lang::Unknown),
    ("!!!", Lang::Unknown),
];

#[test]
fn detection_table() {
    let mut failures = Vec::new();
    for &(text, want) in CASES {
        let got = detect_language(text);
        if got != want {
            failures.push(format!(
                "{text:?}: want {}, got {}",
                want.code(),
                got.code()
            ));
        }
    }
    assert!(CASES.len() >= 60);
    assert!(
        failures.is_empty(),
        "{} of {} wrong:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
