//! The demo brand's community (issue 16): a bilingual forum with its categories (announcements,
//! questions, methods and recipes, introductions, ideas), a charter, members, and threads that
//! show a CM's day — an unanswered question, a thread that stalled, a newcomer who has not
//! introduced themself, an idea the members care about.

use jardinier_community::{markup, text};
use jardinier_listening::Ingestor;
use jardinier_store::{CommunitySite, NewAccount, NewCategory, NewCommunityPost, NewSource, Store};

const CHARTER_FR: &str = "## Charte de la communauté\n\n\
1. **Bienveillance** : on critique les idées, jamais les personnes.\n\
2. **Pas de publicité** ni de liens d'affiliation.\n\
3. **Restez dans le sujet** : une question, une discussion.\n\
4. **Vie privée** : ne publiez pas les coordonnées d'autrui.\n\n\
L'équipe de la Brûlerie modère selon cette charte ; un message qui l'enfreint peut être retiré.";

const CHARTER_EN: &str = "## Community charter\n\n\
1. **Be kind**: criticise ideas, never people.\n\
2. **No advertising** and no affiliate links.\n\
3. **Stay on topic**: one question, one thread.\n\
4. **Privacy**: do not post other people's contact details.\n\n\
The Brûlerie team moderates according to this charter; a post that breaks it may be removed.";

/// (slug, name, description, colour, kind, read, post)
const CATEGORIES: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "annonces",
        "Annonces",
        "Les nouvelles de la Brûlerie : arrivages, ateliers, horaires.",
        "#8a4b2a",
        "discussion",
        "everyone",
        "staff",
    ),
    (
        "questions",
        "Questions",
        "Une question sur un café, une machine, une commande ? La communauté et l'équipe répondent.",
        "#2f6f4f",
        "questions",
        "everyone",
        "members",
    ),
    (
        "methodes-et-recettes",
        "Méthodes et recettes",
        "V60, AeroPress, moka, cold brew : vos réglages et vos recettes.",
        "#b07d2b",
        "discussion",
        "everyone",
        "members",
    ),
    (
        "presentations",
        "Présentations",
        "Nouveau ou nouvelle ? Présentez-vous ici.",
        "#5b6fb0",
        "introductions",
        "everyone",
        "members",
    ),
    (
        "idees",
        "Idées",
        "Proposez ce que la Brûlerie pourrait améliorer ; l'équipe dit ce qu'elle en fait.",
        "#a03d6f",
        "ideas",
        "everyone",
        "members",
    ),
];

/// (handle, name, lang, days ago they joined, posted)
const MEMBERS: &[(&str, &str, &str, i64)] = &[
    ("lea-martin", "Léa Martin", "fr", 120),
    ("karim-b", "Karim B.", "fr", 95),
    ("sophie-dlc", "Sophie de La Croix", "fr", 60),
    ("tom-baker", "Tom Baker", "en", 40),
    ("jules-r", "Jules R.", "fr", 9),
    ("ines-moreau", "Inès Moreau", "fr", 3),
    // The newcomer who has not introduced themself yet.
    ("marco-v", "Marco Valli", "en", 1),
];

/// (category slug, title, posts: (author handle or "" for the team, hours ago, Markdown))
type Thread = (
    &'static str,
    &'static str,
    &'static [(&'static str, i64, &'static str)],
);

/// The demo threads' tags, by title.
const TAGS: &[(&str, &[&str])] = &[
    (
        "Mouture pour une cafetière italienne ?",
        &["moka", "mouture"],
    ),
    (
        "Cold brew maison : ma recette en 5 étapes",
        &["cold-brew", "recette"],
    ),
    (
        "AeroPress: inverted or standard?",
        &["aeropress", "recette"],
    ),
    ("Des recharges pour les sachets de café", &["zero-dechet"]),
];

const THREADS: &[Thread] = &[
    (
        "annonces",
        "Atelier dégustation samedi 12 décembre",
        &[
            (
                "",
                72,
                "Bonjour à toutes et à tous !\n\nNotre prochain **atelier dégustation** a lieu samedi 12 décembre à 10 h, quai de Valmy. Au programme : trois origines d'Éthiopie, et la méthode V60 pas à pas.\n\nPlaces limitées à 12 : répondez ici pour vous inscrire.",
            ),
            (
                "lea-martin",
                70,
                "Inscrite ! J'amène une amie, c'est possible ?",
            ),
            ("", 69, "Bien sûr @lea-martin, on vous garde deux places."),
        ],
    ),
    (
        "questions",
        "Mouture pour une cafetière italienne ?",
        &[
            (
                "karim-b",
                50,
                "Je viens d'acheter une moka (Bialetti 6 tasses). Quelle mouture choisir avec le Moka Sidamo ? Mon café est très amer.",
            ),
            (
                "sophie-dlc",
                48,
                "Plus fine qu'un filtre, plus grosse qu'un espresso. Et surtout : eau déjà chaude dans la base, feu doux, on retire dès que ça gargouille.",
            ),
            (
                "",
                47,
                "Tout est dit par @sophie-dlc ! Pour le Sidamo, demandez-nous la mouture **« moka »** en boutique ou cochez-la dans la commande en ligne.",
            ),
            (
                "karim-b",
                30,
                "Testé ce matin : plus aucune amertume. Merci à vous deux !",
            ),
        ],
    ),
    // The question nobody has answered yet.
    (
        "questions",
        "Livraison en point relais possible ?",
        &[(
            "jules-r",
            20,
            "Bonjour, est-ce que vous livrez en point relais ? Je ne suis jamais chez moi en journée. Merci !",
        )],
    ),
    (
        "methodes-et-recettes",
        "Cold brew maison : ma recette en 5 étapes",
        &[
            (
                "sophie-dlc",
                200,
                "1. 100 g de café en mouture grossière\n2. 1 litre d'eau froide\n3. 16 heures au frigo\n4. filtre papier\n5. on dilue moitié-moitié avec du lait d'avoine\n\nLe Colombie Huila marche très bien.",
            ),
            (
                "tom-baker",
                150,
                "Tried it with the Brazil Cerrado, a bit flat. Going to try 18 hours next time.",
            ),
            (
                "lea-martin",
                140,
                "Essayé avec l'Éthiopie Guji : fruité, parfait pour l'été.",
            ),
        ],
    ),
    // The thread that stalled a fortnight ago.
    (
        "methodes-et-recettes",
        "AeroPress: inverted or standard?",
        &[
            (
                "tom-baker",
                340,
                "I've always brewed inverted, but the new AeroPress Flow Control cap makes me wonder. Which one do you use, and why?",
            ),
            (
                "karim-b",
                336,
                "Standard avec le bouchon Flow Control, moins de risques de tout renverser !",
            ),
        ],
    ),
    (
        "presentations",
        "Bonjour depuis Montreuil",
        &[
            (
                "ines-moreau",
                60,
                "Bonjour ! Inès, 34 ans, je découvre le café de spécialité depuis cet été grâce à un ami. J'aimerais apprendre à faire un bon filtre à la maison.",
            ),
            (
                "",
                58,
                "Bienvenue @ines-moreau ! Le fil « Méthodes et recettes » est fait pour vous, et l'atelier du 12 décembre aussi.",
            ),
        ],
    ),
    (
        "presentations",
        "Hello from Manchester",
        &[(
            "tom-baker",
            960,
            "Hi all, Tom here, I ordered from the Brûlerie while visiting Paris and never stopped. Happy to help English speakers here.",
        )],
    ),
    (
        "idees",
        "Des recharges pour les sachets de café",
        &[
            (
                "lea-martin",
                400,
                "Et si on pouvait rapporter nos sachets vides en boutique pour les remplir ? Moins de déchets, et peut-être un petit prix ?",
            ),
            ("karim-b", 390, "+1, je le ferais tout de suite."),
            (
                "sophie-dlc",
                380,
                "Oui ! Même avec un bocal en verre, comme à la biocoop.",
            ),
            (
                "",
                300,
                "Merci pour l'idée : nous étudions les contraintes d'hygiène avec notre fournisseur de sachets, on vous tient au courant ici.",
            ),
        ],
    ),
];

pub async fn seed(
    store: &dyn Store,
    ingestor: &Ingestor,
    workspace_id: i64,
    staff_id: i64,
    base_url: &str,
    now: i64,
) -> anyhow::Result<()> {
    store
        .put_community_site(
            &CommunitySite {
                workspace_id,
                slug: String::new(),
                name: "La communauté de la Brûlerie".into(),
                tagline: "Le forum des amateurs de café de la Brûlerie du Canal : questions, recettes, idées.".into(),
                accent: "#8a4b2a".into(),
                host: None,
                open: true,
                welcome_fr: "Bonjour {name},\n\nBienvenue dans la communauté de la Brûlerie ! Présentez-vous dans la catégorie « Présentations » : dites-nous ce que vous buvez et ce que vous aimeriez apprendre.\n\nCamille, pour l'équipe".into(),
                welcome_en: "Hello {name},\n\nWelcome to the Brûlerie community! Introduce yourself in the \"Présentations\" category: tell us what you drink and what you would like to learn.\n\nCamille, for the team".into(),
                remove_posts_on_delete: false,
            },
            now,
        )
        .await?;
    store
        .publish_community_charter(
            workspace_id,
            CHARTER_FR,
            CHARTER_EN,
            "Camille Martin",
            now - 200 * 86_400,
        )
        .await?;
    let mut categories = Vec::new();
    for (i, (slug, name, description, colour, kind, read, post)) in CATEGORIES.iter().enumerate() {
        let id = store
            .create_community_category(
                workspace_id,
                &NewCategory {
                    slug,
                    name,
                    description,
                    colour,
                    position: i as i64 + 1,
                    kind,
                    read_access: read,
                    post_access: post,
                },
            )
            .await?;
        categories.push((*slug, id));
    }
    let mut accounts = Vec::new();
    for (handle, name, lang, days) in MEMBERS {
        let joined = now - days * 86_400;
        let email = format!("{handle}@communaute.example");
        let account = store
            .create_community_account(
                &NewAccount {
                    workspace_id,
                    email: &email,
                    handle,
                    display_name: name,
                    // Demo members sign in by an e-mailed link only.
                    password_hash: None,
                    lang: Some(lang),
                    charter_version: Some(1),
                    verified_at: Some(joined),
                    now: joined,
                },
                None,
            )
            .await?;
        accounts.push((*handle, account.id));
    }
    // Members' posts are listened to, as the site does when they post: the unanswered question
    // reaches the inbox within a minute of the demo's start.
    let source = store
        .create_source(&NewSource {
            workspace_id,
            kind: "community",
            name: "La communauté de la Brûlerie",
            config: "{}",
            secret: None,
            interval_secs: 0,
            now,
        })
        .await?;
    let profile = |path: &str| format!("/c/brulerie-du-canal{path}");
    let account = |handle: &str| {
        accounts
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, id)| *id)
            .expect("a demo member")
    };
    for (t, (category, title, posts)) in THREADS.iter().enumerate() {
        let category_id = categories
            .iter()
            .find(|(slug, _)| slug == category)
            .map(|(_, id)| *id)
            .expect("a demo thread's category exists");
        let mut topic_id = None;
        for (p, (author, hours, body)) in posts.iter().enumerate() {
            let author_account = accounts
                .iter()
                .find(|(h, _)| h == author)
                .map(|(_, id)| *id);
            let html = markup::render(body, profile).html;
            let key = format!("demo-{t}-{p}");
            let terms = jardinier_community::search::post_terms(title, body);
            let post = NewCommunityPost {
                workspace_id,
                author_account,
                author_user: author_account.is_none().then_some(staff_id),
                body_md: body,
                body_html: &html,
                status: "visible",
                idem_key: &key,
                terms: Some(&terms),
                screened: None,
                now: now - hours * 3600,
            };
            let (id, number) = match topic_id {
                None => {
                    let id = store
                        .create_community_topic(
                            category_id,
                            title,
                            &text::slug(title),
                            &TAGS
                                .iter()
                                .find(|(t, _)| t == title)
                                .map(|(_, tags)| tags.iter().map(|t| (*t).to_owned()).collect())
                                .unwrap_or_else(Vec::<String>::new),
                            &post,
                        )
                        .await?;
                    topic_id = Some(id);
                    (id, 1)
                }
                Some(id) => (id, store.create_community_reply(id, &post).await?),
            };
            if author_account.is_some() {
                let name = MEMBERS
                    .iter()
                    .find(|(h, ..)| h == author)
                    .map(|(_, name, ..)| *name)
                    .unwrap_or_default();
                let slug = text::slug(title);
                let item = jardinier_site::listen::item(
                    &format!("{base_url}/c/brulerie-du-canal"),
                    &jardinier_site::listen::Posted {
                        topic_id: id,
                        topic_slug: &slug,
                        topic_title: title,
                        number,
                        body_md: body,
                        now: now - hours * 3600,
                    },
                    name,
                    author,
                );
                ingestor.ingest(&source, vec![item], now).await?;
            }
        }
        let Some(topic_id) = topic_id else { continue };
        match *title {
            // Karim accepted Sophie's answer.
            "Mouture pour une cafetière italienne ?" => {
                store
                    .set_community_accepted(workspace_id, topic_id, Some(2))
                    .await?;
            }
            // The idea the members back, that the team is looking into.
            "Des recharges pour les sachets de café" => {
                for handle in ["lea-martin", "karim-b", "sophie-dlc", "tom-baker"] {
                    store
                        .toggle_community_vote(topic_id, account(handle), now - 380 * 3600)
                        .await?;
                }
                store
                    .set_community_idea_status(workspace_id, topic_id, Some("under_review"))
                    .await?;
            }
            _ => {}
        }
    }
    seed_moderation(store, workspace_id, staff_id, &categories, &accounts, now).await
}

/// Posts waiting in the review queue, screened by the real screener (the reasons are what it
/// says of them), and the workspace's watched words.
async fn seed_moderation(
    store: &dyn Store,
    workspace_id: i64,
    staff_id: i64,
    categories: &[(&str, i64)],
    accounts: &[(&str, i64)],
    now: i64,
) -> anyhow::Result<()> {
    for (words, action, argument) in [
        ("concurrent", "hold", ""),
        ("boycott", "flag", ""),
        ("arnaque", "replace", "mauvaise affaire"),
    ] {
        store
            .watch_word(workspace_id, words, action, argument, now - 30 * 86_400)
            .await?;
    }
    let screener = jardinier_site::screening::screener()?;
    let account = |handle: &str| {
        accounts
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, id)| *id)
    };
    let category = |slug: &str| {
        categories
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, id)| *id)
            .expect("a demo category")
    };
    let held: [(&str, &str, &str, &str, i64); 3] = [
        (
            "marco-v",
            "questions",
            "Café offert !",
            "Gagnez un iPhone GRATUIT !!! Offre limitée, cliquez vite sur bit.ly/cafe-gratuit pour réclamer votre cadeau",
            5,
        ),
        (
            "karim-b",
            "questions",
            "Je vends mon moulin",
            "Je vends mon moulin Comandante presque neuf, appelez-moi au 06 12 34 56 78",
            3,
        ),
        (
            "jules-r",
            "methodes-et-recettes",
            "Votre recette de cold brew",
            "Franchement t'es qu'un abruti, ta recette est imbuvable",
            2,
        ),
    ];
    for (i, (handle, slug, title, body, hours)) in held.iter().enumerate() {
        let text = format!("{title}\n\n{body}");
        let screening = screener.screen(&text, jardinier_moderation::screen::languages(&text), &[]);
        let reasons = jardinier_site::screening::reasons_json(&text, &screening);
        let html = markup::render(body, |p| format!("/c/brulerie-du-canal{p}")).html;
        let key = format!("demo-held-{i}");
        let terms = jardinier_community::search::post_terms(title, body);
        let post = NewCommunityPost {
            workspace_id,
            author_account: account(handle),
            author_user: None,
            body_md: body,
            body_html: &html,
            status: if screening.verdict == jardinier_moderation::Verdict::Allow {
                "visible"
            } else {
                "held"
            },
            idem_key: &key,
            terms: Some(&terms),
            screened: Some(jardinier_store::Screened {
                spam: f64::from(screening.spam),
                toxic: f64::from(screening.toxic),
                reasons: &reasons,
            }),
            now: now - hours * 3600,
        };
        store
            .create_community_topic(category(slug), title, &text::slug(title), &[], &post)
            .await?;
    }
    // Tom was muted yesterday for a hostile reply, citing rule 1, and appeals.
    if let Some(tom) = account("tom-baker") {
        let sanction = store
            .sanction_member(&jardinier_store::NewSanction {
                workspace_id,
                account_id: tom,
                kind: jardinier_store::SanctionKind::Mute,
                rule: Some(1),
                reason: "Ta réponse à Sophie s'en prenait à elle, pas à son idée.",
                item_id: None,
                starts_at: now - 20 * 3600,
                ends_at: Some(now + 52 * 3600),
                created_by: staff_id,
            })
            .await?;
        store
            .appeal_sanction(
                workspace_id,
                tom,
                sanction,
                "I was rude and I apologised to Sophie in private. Could the mute be lifted before the tasting on Saturday?",
                now - 4 * 3600,
            )
            .await?;
    }
    Ok(())
}
