//! The demo's simulated stream of mentions: realistic, bilingual, about the demo brand
//! (Brûlerie du Canal) and its competitors, fed through the real listening pipeline, with a
//! bad-buzz burst two minutes after start and every twenty minutes after that. Everything it
//! produces comes from a source named as simulated, of kind `demo`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jardinier_listening::{IncomingItem, Ingestor};
use jardinier_store::{NewAlertEvent, NewAlertRule, NewListeningQuery, NewSource, Source, Store};

use crate::bench::Lcg;

/// Saved searches a community manager of the roaster would write.
pub const QUERIES: &[(&str, &str, &str)] = &[
    (
        "Brûlerie du Canal",
        "brand",
        "\"brulerie du canal\" OR #brulerieducanal OR @brulerieducanal OR (brulerie NEAR/3 canal)",
    ),
    ("Café Lomi (concurrent)", "competitor", "lomi OR #cafelomi"),
    (
        "Coutume (concurrent)",
        "competitor",
        "{Coutume} OR #coutumecafe",
    ),
    (
        "Éthiopie Yirgacheffe",
        "product",
        "yirgacheffe OR \"moka sidamo\"",
    ),
    (
        "Livraison et commandes",
        "topic",
        "(brulerie OR lomi OR coutume) NEAR/10 (livraison OR delivery OR colis OR commande OR order*)",
    ),
];

const AUTHORS: &[(&str, &str, i64)] = &[
    ("Léa Moreau", "@lea_moreau", 840),
    ("Parisian Foodie", "@parisfoodie", 121_000),
    ("Caféine Mag", "@cafeine_mag", 85_300),
    ("Julien R.", "@julien_r", 312),
    ("Sarah K.", "@sarahk", 2_150),
    ("Hugo B.", "@hugob", 95),
    ("Emma W.", "@emmaw_paris", 4_700),
    ("Nico", "@nico_velo", 1_020),
    ("Amélie T.", "@amelie_t", 230),
    ("Baristas de France", "@baristasfr", 18_900),
    ("Tom H.", "@tomh", 640),
    ("Inès", "@ines_lit", 77),
    ("Coffee Nerd EU", "@coffeenerd_eu", 33_400),
    ("Marc D.", "@marcd", 150),
    ("Chloé", "@chloe_m", 1_880),
];

const SITES: &[&str] = &[
    "mastodon.social",
    "bsky.app",
    "reddit.com",
    "forum.cafe-passion.fr",
    "blog.gourmand-paris.fr",
];

const EVERYDAY: &[&str] = &[
    "Meilleur flat white de Paris à la Brûlerie du Canal ☕😍",
    "La Brûlerie du Canal torréfie un Yirgacheffe incroyable, notes de jasmin et de bergamote. Je recommande !",
    "Accueil adorable ce matin à la #BrulerieDuCanal, merci à l'équipe",
    "Commande passée il y a trois semaines à la Brûlerie du Canal, toujours pas de colis. Service client aux abonnés absents.",
    "Le café de la Brûlerie du Canal était tiède et amer aujourd'hui, un peu déçu",
    "La Brûlerie du Canal ouvre une deuxième boutique rue de Charonne en janvier",
    "Brûlerie du Canal in Paris does the best pour-over I've had in Europe",
    "Ordered beans from Brulerie du Canal, the delivery took forever and support never replied",
    "Is Brûlerie du Canal open on Sundays?",
    "Café Lomi a sorti un nouveau blend d'hiver, plutôt réussi",
    "L'espresso de Lomi est beaucoup trop acide pour moi",
    "Coutume is always packed on Sunday mornings, worth the wait though",
    "Nouveau moka Sidamo chez Coutume, quelqu'un a goûté ?",
    "Atelier dégustation à la Brûlerie du Canal samedi : super moment, on a appris plein de choses",
    "Prix en hausse à la Brûlerie du Canal, 5 € le cappuccino ça commence à faire cher",
    "Les sachets de la Brûlerie du Canal sont enfin compostables, bravo 👏",
    "Pause de midi au bord du canal avec un cortado de la Brûlerie, la vie est belle",
    "Quelqu'un sait si la Brûlerie du Canal fait encore des cartes de fidélité ?",
    "Reçu mon abonnement mensuel de la Brûlerie du Canal : un Kenya très fruité ce mois-ci",
    "Trois quarts d'heure de queue à la Brûlerie du Canal ce dimanche, ils devraient ouvrir une deuxième caisse",
    "Le barista de la Brûlerie du Canal m'a expliqué la différence entre lavé et nature, passionnant",
    "Mon moulin est réglé trop fin pour le Colombie de la Brûlerie du Canal ? Il coule en 15 secondes",
    "Pas de lait d'avoine à la Brûlerie du Canal aujourd'hui, dommage",
    "La Brûlerie du Canal recrute un ou une barista pour la boutique du quai de Valmy",
    "Colis de la Brûlerie du Canal arrivé en 48 h, bien emballé, rien à redire",
    "Le site de la Brûlerie du Canal plante au moment de payer, impossible de finaliser ma commande",
    "Goûté le décaféiné de la Brûlerie du Canal, bluffant, on ne sent pas la différence",
    "Offert un coffret de la Brûlerie du Canal à mon père pour Noël, il est ravi",
    "La musique est trop forte à la Brûlerie du Canal le samedi après-midi, impossible de travailler",
    "Brûlerie du Canal's Ethiopian natural tastes like blueberry jam. Not joking.",
    "Finally tried the famous Brûlerie du Canal cold brew, smooth and not bitter at all",
    "Does anyone know if Brûlerie du Canal ships to Belgium?",
    "Brûlerie du Canal's new app keeps logging me out before I can reorder",
    "Working from Brûlerie du Canal today: good wifi, great cappuccino, nice people",
    "My subscription box from Brûlerie du Canal arrived damaged, beans everywhere",
    "Brûlerie du Canal staff remembered my order after two visits. That's how you keep customers.",
    "Coutume ou Brûlerie du Canal pour un premier café de spécialité à Paris ? Vos avis",
    "Lomi organise un cupping ouvert jeudi soir, quelqu'un y va ?",
    "Le nouveau espresso blend de Coutume est plus chocolaté, j'aime bien",
    "Pourquoi le café de spécialité coûte-t-il si cher ? Petit fil sur la chaîne de valeur",
    "Cold brew ou café filtre glacé ? Les deux se défendent, tout dépend du grain",
    "Fin de la saison des Kenya chez les torréfacteurs parisiens, profitez-en",
];

const BAD_BUZZ: &[&str] = &[
    "Des clients malades après le cold brew de la Brûlerie du Canal ?! Ça fait peur #BrulerieDuCanal",
    "Intoxication alimentaire après un cold brew de la Brûlerie du Canal, on attend des explications",
    "Food poisoning after a Brûlerie du Canal cold brew?? Three of us sick since yesterday",
    "Je boycotte la Brûlerie du Canal tant qu'ils n'ont pas répondu sur les intoxications. Scandaleux.",
    "Brûlerie du Canal silent while people are getting sick from their cold brew. Disgusting.",
    "Quelqu'un d'autre malade après la Brûlerie du Canal ? Le service client ne répond pas #scandale",
];

/// The burst starts this long after the stream does (`JARDINIER_DEMO_BURST_AFTER` seconds, to
/// see it sooner), lasts a minute, and comes back every 20 minutes.
pub fn burst_start() -> Duration {
    let secs = std::env::var("JARDINIER_DEMO_BURST_AFTER")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}
const BURST_LENGTH: u64 = 60;
const BURST_EVERY: u64 = 20 * 60;

/// People rarely write the same sentence twice: openings and endings vary.
const OPENINGS: &[&str] = &["", "", "", "Franchement, ", "Honnêtement, "];
const ENDINGS: &[&str] = &["", "", "", " !", " 👀", " #café", " #coffee"];

fn mention(rng: &mut Lcg, counter: u64, published_at: i64, burst: bool) -> IncomingItem {
    let (name, handle, reach) = AUTHORS[if rng.below(4) == 0 {
        rng.skewed(AUTHORS.len())
    } else {
        rng.below(AUTHORS.len())
    }];
    let site = SITES[rng.below(SITES.len())];
    let base = if burst {
        BAD_BUZZ[rng.below(BAD_BUZZ.len())]
    } else {
        EVERYDAY[rng.below(EVERYDAY.len())]
    };
    // A French opening before a French text only ("Franchement, Is … open?" read as filler).
    let opening = match jardinier_analysis::detect_language(base) {
        jardinier_analysis::Lang::Fr => OPENINGS[rng.below(OPENINGS.len())],
        _ => "",
    };
    let mut chars = base.chars();
    let base: String = match (opening.is_empty(), chars.next()) {
        (false, Some(first)) => first.to_lowercase().chain(chars).collect(),
        _ => base.to_owned(),
    };
    let mut text = format!("{opening}{base}{}", ENDINGS[rng.below(ENDINGS.len())]);
    // During a burst many people repeat each other: reposts are near-duplicates of an original.
    if burst && rng.below(3) == 0 {
        let (_, original, _) = AUTHORS[rng.below(AUTHORS.len())];
        text = format!("RT {original}: {text}");
    }
    IncomingItem {
        external_id: format!("demo-{counter}-{published_at}"),
        url: Some(format!("https://{site}/demo/{counter}")),
        author_name: Some(name.to_owned()),
        author_handle: Some(handle.to_owned()),
        author_reach: Some(reach),
        title: None,
        text,
        published_at: Some(published_at),
        parent_external_id: None,
        quoted_ref: None,
    }
}

/// Creates the demo's saved searches, its alert rules, its simulated source and past mentions:
/// two sparse days, then the last hour at the live rate, so that alerts compare the burst with
/// an ordinary hour rather than with silence.
pub async fn seed(
    store: &dyn Store,
    ingestor: &Ingestor,
    workspace_id: i64,
    author: i64,
    author_email: &str,
    base_url: &str,
    now: i64,
) -> anyhow::Result<Source> {
    for (name, kind, text) in QUERIES {
        jardinier_query::parse(text).map_err(|e| anyhow::anyhow!("demo query {name}: {e}"))?;
        store
            .create_listening_query(&NewListeningQuery {
                workspace_id,
                name,
                query_text: text,
                kind,
                created_by: Some(author),
                now,
            })
            .await?;
    }
    let source = store
        .create_source(&NewSource {
            workspace_id,
            kind: "demo",
            name: "Flux social simulé (démo)",
            config: "{}",
            secret: None,
            interval_secs: 0,
            now,
        })
        .await?;
    let brand = store
        .listening_queries(workspace_id)
        .await?
        .into_iter()
        .find(|q| q.kind == "brand")
        .expect("the brand query was just created");
    // Yesterday's bad buzz, stored before the alert rules exist: it is history, not news to
    // alert anyone about now.
    ingestor.reload_queries().await?;
    let past_crisis = now - 26 * 3600;
    let mut rng = Lcg(1312);
    let burst: Vec<IncomingItem> = (0..45)
        .map(|i| mention(&mut rng, 5_000 + i, past_crisis + i as i64 * 20, true))
        .collect();
    ingestor.ingest(&source, burst, now).await?;
    let slack = format!(r#"{{"kind": "slack", "target": "{base_url}/dev/hooks/slack"}}"#);
    let email = format!(r#"{{"kind": "email", "target": "{author_email}"}}"#);
    for (kind, params, channels) in [
        (
            "volume_spike",
            r#"{"window_minutes": 5, "history_windows": 12, "k": 3, "min_volume": 20, "lang": "fr"}"#,
            format!("[{slack}, {email}]"),
        ),
        (
            "negative_spike",
            r#"{"window_minutes": 5, "history_windows": 12, "min_volume": 10, "lang": "fr"}"#,
            format!("[{slack}]"),
        ),
        (
            "keyword",
            r#"{"query": "intox* OR malade* OR poisoning OR sick", "lang": "fr"}"#,
            format!("[{slack}, {email}]"),
        ),
    ] {
        store
            .create_alert_rule(&NewAlertRule {
                workspace_id,
                query_id: brand.id,
                kind,
                params,
                channels: &channels,
                now,
            })
            .await?;
    }
    if let Some(engine) = &ingestor.alerts {
        engine.reload().await?;
    }
    ingestor.reload_queries().await?;
    let mut rng = Lcg(2026);
    let sparse = (0..120).map(|i| (i, now - 48 * 3600 + i as i64 * 1_300));
    let dense = (0..560).map(|i| (1_000 + i, now - 3_900 + i as i64 * 7));
    let history: Vec<IncomingItem> = sparse
        .chain(dense)
        .map(|(i, at)| mention(&mut rng, i as u64, at, false))
        .collect();
    ingestor.ingest(&source, history, now).await?;
    seed_past_crisis(store, workspace_id, brand.id, author, past_crisis).await?;
    Ok(source)
}

/// Yesterday's bad buzz (its mentions stored by [`seed`]), handled: its alert given to the
/// CM, and the holding statement the team answered with, so the crisis view has a story
/// before the live burst.
async fn seed_past_crisis(
    store: &dyn Store,
    workspace_id: i64,
    brand_query: i64,
    lead: i64,
    started: i64,
) -> anyhow::Result<()> {
    let rule = store
        .alert_rules(workspace_id)
        .await?
        .into_iter()
        .find(|r| r.kind == "negative_spike")
        .context("the demo's negative surge rule")?;
    // Written as the engine would have raised it.
    let alert = store
        .create_alert(
            &NewAlertEvent {
                workspace_id,
                rule_id: rule.id,
                query_id: brand_query,
                now: started + 300,
                summary: "Pic de mentions négatives sur « Brûlerie du Canal » : 15 en 5 minutes (d'habitude 1)",
                item_count: 45,
                first_item_id: None,
                ack_token_hash: &format!("demo-past-crisis-{started}"),
            },
            &[],
            &[],
        )
        .await?;
    store.add_to_alert(alert.id, 0, started + 45 * 20).await?;
    store
        .assign_crisis(workspace_id, alert.id, Some(lead), started + 600)
        .await?;
    let lead_name = store
        .members(workspace_id)
        .await?
        .into_iter()
        .find(|m| m.user.id == lead)
        .map(|m| m.user.display_name)
        .unwrap_or_default();
    store
        .set_crisis_statement(
            workspace_id,
            alert.id,
            "Nous avons bien vu vos messages au sujet du cold brew. Nous l'avons retiré de la carte par précaution le temps de vérifier chaque lot, et nous revenons vers vous ici d'ici ce soir. Si vous avez été malade, écrivez-nous en message privé : nous vous rappelons.",
            &lead_name,
            started + 900,
        )
        .await?;
    Ok(())
}

/// Demo conversations for the inbox, from two stand-in channels whose names say they are demo
/// ones: a Mastodon thread and a contact e-mail with its follow-up. One is given to `assignee`,
/// one waits on the person, one is new.
pub async fn seed_inbox(
    store: &dyn Store,
    ingestor: &Ingestor,
    workspace_id: i64,
    assignee: i64,
    base_url: &str,
    now: i64,
) -> anyhow::Result<()> {
    // Replies to the demo's channels go to a local stand-in, shown at /dev/hooks.
    let stand_in = |name: &str| format!(r#"{{"reply_url": "{base_url}/dev/hooks/{name}"}}"#);
    let (mastodon_config, mail_config) =
        (stand_in("reponses-mastodon"), stand_in("reponses-courriel"));
    fn channel<'a>(
        workspace_id: i64,
        kind: &'a str,
        name: &'a str,
        config: &'a str,
        now: i64,
    ) -> NewSource<'a> {
        NewSource {
            workspace_id,
            kind,
            name,
            config,
            secret: None,
            interval_secs: 0,
            now,
        }
    }
    let mastodon = store
        .create_source(&channel(
            workspace_id,
            "demo-mastodon",
            "Mastodon @brulerie (démo)",
            &mastodon_config,
            now,
        ))
        .await?;
    let mail = store
        .create_source(&channel(
            workspace_id,
            "demo-mail",
            "Courriel contact@ (démo)",
            &mail_config,
            now,
        ))
        .await?;
    let item = |id: &str,
                author: (&str, &str),
                title: Option<&str>,
                text: &str,
                parent: Option<&str>,
                ago: i64| IncomingItem {
        external_id: id.to_owned(),
        author_name: Some(author.0.to_owned()),
        author_handle: Some(author.1.to_owned()),
        title: title.map(str::to_owned),
        text: text.to_owned(),
        parent_external_id: parent.map(str::to_owned),
        published_at: Some(now - ago),
        ..Default::default()
    };
    let lea = ("Léa Martin", "lea.martin@exemple.fr");
    let sam = ("Sam", "@sam@mastodon.example");
    let noor = ("Noor", "@noor@piaille.example");
    let toots = ingestor
        .ingest(
            &mastodon,
            vec![
                item("demo-toot-1", sam, None, "@brulerieducanal vous livrez à Lyon ? Je cherche un moka d'Éthiopie en grains.", None, 5_400),
                item("demo-toot-2", noor, None, "Troisième fois que mon abonnement Brûlerie du Canal arrive en retard. Quelqu'un a eu une réponse du service client ?", None, 2_700),
            ],
            now,
        )
        .await?;
    let mails = ingestor
        .ingest(
            &mail,
            vec![item(
                "<demo-4512@exemple.fr>",
                lea,
                Some("Commande n°4512 jamais reçue"),
                "Bonjour, j'ai commandé un paquet de café il y a trois semaines et je n'ai toujours rien reçu. Pouvez-vous vérifier ?",
                None,
                86_400,
            )],
            now,
        )
        .await?;
    let ids: Vec<i64> = toots
        .inserted_ids
        .iter()
        .chain(&mails.inserted_ids)
        .copied()
        .collect();
    let mut conversations = Vec::new();
    for id in ids {
        conversations.push(
            store
                .send_to_inbox(workspace_id, id, Some(assignee), now - 7_200)
                .await?,
        );
    }
    // The e-mail: given to the community manager, answered, waiting on Léa; Léa writes again.
    if let Some(&mail_conversation) = conversations.last() {
        use jardinier_store::ConversationChange as Change;
        for change in [
            Change::Assign(Some(assignee)),
            Change::Note("Client depuis 2021 : proposer un renvoi gratuit.".into()),
            Change::State("waiting".into()),
        ] {
            store
                .change_conversation(
                    workspace_id,
                    mail_conversation,
                    &change,
                    Some(assignee),
                    now - 3_600,
                )
                .await?;
        }
        ingestor
            .ingest(
                &mail,
                vec![item(
                    "<demo-4512-suite@exemple.fr>",
                    lea,
                    Some("Re: Commande n°4512 jamais reçue"),
                    "Merci pour votre réponse, mais le colis n'est toujours pas là ce matin.",
                    Some("<demo-4512@exemple.fr>"),
                    600,
                )],
                now,
            )
            .await?;
    }
    // Léa also wrote on Mastodon: her profile holds both identities (merged by the team).
    let toot = ingestor
        .ingest(
            &mastodon,
            vec![item(
                "demo-toot-3",
                ("Léa Martin", "@lea@piaille.example"),
                None,
                "Toujours pas de nouvelles de ma commande Brûlerie du Canal… J'ai écrit au service client hier.",
                None,
                1_200,
            )],
            now,
        )
        .await?;
    if let Some(&toot) = toot.inserted_ids.first() {
        store
            .send_to_inbox(workspace_id, toot, Some(assignee), now - 1_000)
            .await?;
        let people = store.people(workspace_id, Some("Léa"), 10).await?;
        if let [a, b] = people.as_slice() {
            store
                .merge_members(&jardinier_store::Merge {
                    workspace_id,
                    keep: a.person.id.min(b.person.id),
                    absorb: a.person.id.max(b.person.id),
                    reason: "same_name",
                    confidence: 40,
                    actor_id: Some(assignee),
                    now: now - 900,
                })
                .await?;
        }
    }
    // Saved replies in both languages.
    for (name, lang, body) in [
        (
            "Commande en retard",
            "fr",
            "Bonjour {{prenom}}, je suis désolée pour ce retard. Je vérifie votre commande auprès du transporteur et je reviens vers vous aujourd'hui. {{conseiller}}, {{marque}}",
        ),
        (
            "Livraison à Lyon",
            "fr",
            "Bonjour {{prenom}} ! Oui, nous livrons partout en France, Lyon compris, en 48 h. Le moka d'Éthiopie est sur notre boutique. Belle journée, {{conseiller}}",
        ),
        (
            "Late order",
            "en",
            "Hello {{first_name}}, I am sorry your order is late. I am checking with the carrier and will get back to you today. {{agent}}, {{brand}}",
        ),
    ] {
        store
            .create_saved_reply(workspace_id, name, lang, body, now)
            .await?;
    }
    // The question about Lyon: priority high, given to the community manager.
    if let Some(&question) = conversations.first() {
        use jardinier_store::ConversationChange as Change;
        store
            .change_conversation(
                workspace_id,
                question,
                &Change::Priority("high".into()),
                Some(assignee),
                now - 1_800,
            )
            .await?;
    }
    Ok(())
}

/// Feeds the stream until the process stops.
pub async fn run(ingestor: Arc<Ingestor>, source: Source) {
    let started = std::time::Instant::now();
    let burst_at = burst_start().as_secs();
    let mut rng = Lcg(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7));
    let mut counter = 10_000_u64;
    loop {
        let elapsed = started.elapsed().as_secs();
        let burst = elapsed >= burst_at && (elapsed - burst_at) % BURST_EVERY < BURST_LENGTH;
        // About one mention every 7 s, as in the seeded last hour; four a second in a burst.
        let pause = if burst {
            Duration::from_millis(250)
        } else {
            Duration::from_millis(3_500 + rng.below(7_000) as u64)
        };
        tokio::time::sleep(pause).await;
        counter += 1;
        let item = mention(&mut rng, counter, jardinier_web::unix_now(), burst);
        if let Err(error) = ingestor
            .ingest(&source, vec![item], jardinier_web::unix_now())
            .await
        {
            tracing::warn!(%error, "demo stream: could not store a mention");
        }
    }
}

/// Publishing in the demo: two stand-in channels named as demo ones (posts sent to them arrive
/// at the local webhook inbox, /dev/hooks), a post published a minute after start, the
/// Saturday workshop's announcement on the Friday before, and a draft to send for approval.
pub async fn seed_publishing(
    store: &dyn Store,
    workspace_id: i64,
    author: i64,
    base_url: &str,
    now: i64,
) -> anyhow::Result<()> {
    let mut channels = Vec::new();
    for (name, hook) in [
        ("Mastodon de la Brûlerie (démo)", "publication-mastodon"),
        ("Discord de la communauté (démo)", "publication-discord"),
    ] {
        let config = serde_json::json!({"url": format!("{base_url}/dev/hooks/{hook}")}).to_string();
        channels.push(
            store
                .create_channel(&jardinier_store::NewChannel {
                    workspace_id,
                    kind: "webhook",
                    name,
                    config: &config,
                    secret: Some("demo"),
                    now,
                })
                .await?
                .id,
        );
    }
    for (title, texts, at) in [
        (
            "Arrivage : moka d'Éthiopie",
            [
                "☕ Nouvel arrivage : un moka d'Éthiopie aux notes de myrtille, torréfié cette semaine au bord du canal. #café",
                "☕ Just in: an Ethiopian moka with blueberry notes, roasted this week by the canal.",
            ],
            Some(now + 60),
        ),
        (
            "Atelier dégustation samedi",
            [
                "Samedi 10 h : atelier dégustation à la brûlerie, 12 places. Inscriptions en message privé !",
                "Saturday 10 am: tasting workshop at the roastery, 12 seats. Sign up by DM!",
            ],
            Some(workshop_announcement(now)),
        ),
        (
            "Jeu-concours de décembre (brouillon)",
            [
                "🎁 Jeu-concours : gagnez un an de café ! Règlement en lien.",
                "🎁 Giveaway: win a year of coffee! Rules in the link.",
            ],
            None,
        ),
    ] {
        // The brand writes in French and English: each channel gets both.
        let variants: Vec<jardinier_store::NewVariant> = channels
            .iter()
            .flat_map(|&channel_id| {
                [("fr", texts[0]), ("en", texts[1])].map(|(lang, text)| {
                    jardinier_store::NewVariant {
                        channel_id,
                        language: Some(lang.to_owned()),
                        text: text.to_owned(),
                    }
                })
            })
            .collect();
        let campaign = if title.contains("concours") {
            "Noël 2026"
        } else {
            "Arrivages"
        };
        store
            .create_post(&jardinier_store::NewPost {
                workspace_id,
                author_id: Some(author),
                title,
                variants: &variants,
                campaign,
                tags: &["café".to_owned()],
                short_links: &[],
                media: &[],
                first_comment: None,
                poll: None,
                scheduled_at: at,
                draft: false,
                now,
            })
            .await?;
    }
    seed_past_posts(store, workspace_id, author, &channels, now).await
}

/// Posts of the last weeks, already published, with the likes, shares and replies they
/// earned: the results page and the calendar have a past from the start.
async fn seed_past_posts(
    store: &dyn Store,
    workspace_id: i64,
    author: i64,
    channels: &[i64],
    now: i64,
) -> anyhow::Result<()> {
    /// A post of the last weeks and what it earned.
    struct PastPost {
        days_ago: i64,
        hour: i8,
        title: &'static str,
        fr: &'static str,
        en: &'static str,
        likes: i64,
        shares: i64,
        replies: i64,
    }
    const PAST: &[PastPost] = &[];
    let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    let today = jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(zone.clone()).date())
        .unwrap_or_default();
    for past in PAST {
        let at = today
            .saturating_sub(jiff::Span::new().days(past.days_ago))
            .at(past.hour, 0, 0, 0)
            .to_zoned(zone.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(now - past.days_ago * 86_400);
        let variants: Vec<jardinier_store::NewVariant> = channels
            .iter()
            .flat_map(|&channel_id| {
                [("fr", past.fr), ("en", past.en)].map(|(lang, text)| jardinier_store::NewVariant {
                    channel_id,
                    language: Some(lang.to_owned()),
                    text: text.to_owned(),
                })
            })
            .collect();
        let post = store
            .create_post(&jardinier_store::NewPost {
                workspace_id,
                author_id: Some(author),
                title: past.title,
                variants: &variants,
                campaign: "Arrivages",
                tags: &["café".to_owned()],
                short_links: &[],
                media: &[],
                first_comment: None,
                poll: None,
                scheduled_at: Some(at),
                draft: false,
                now: at - 86_400,
            })
            .await?;
        // Sent at its time, then counted: most engagement on the first channel.
        let deliveries = store
            .post(workspace_id, post.id)
            .await?
            .map(|(_, d)| d)
            .unwrap_or_default();
        for (k, delivery) in deliveries.iter().enumerate() {
            let outcome = jardinier_store::DeliveryOutcome::Sent {
                remote_id: format!("demo-past-{}-{}", post.id, delivery.id),
                remote_url: None,
                note: None,
            };
            store.finish_delivery(delivery.id, &outcome, at).await?;
            let share = if k % 2 == 0 { 1.0 } else { 0.35 };
            let part = |n: i64| (n as f64 * share).round() as i64;
            store
                .record_metrics(
                    delivery.id,
                    part(past.likes),
                    part(past.shares),
                    part(past.replies),
                    at + 3_600,
                )
                .await?;
        }
    }
    Ok(())
}

/// When the "Saturday 10 am" workshop is announced: at noon (Paris) the day before the first
/// Saturday at least two days away, so the post's words and its date agree.
fn workshop_announcement(now: i64) -> i64 {
    let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    let today = jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(zone.clone()).date())
        .unwrap_or_default();
    let mut saturday = today.saturating_add(jiff::Span::new().days(2));
    while saturday.weekday() != jiff::civil::Weekday::Saturday {
        saturday = saturday.saturating_add(jiff::Span::new().days(1));
    }
    saturday
        .saturating_sub(jiff::Span::new().days(1))
        .at(12, 0, 0, 0)
        .to_zoned(zone)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(now + 86_400)
}

/// A newsletter in the demo: a list with three test addresses already subscribed (one pending
/// confirmation), and a draft ready to send through the local SMTP server.
pub async fn seed_newsletter(store: &dyn Store, workspace_id: i64, now: i64) -> anyhow::Result<()> {
    let list = store
        .create_list(&jardinier_store::NewList {
            workspace_id,
            name: "La Gazette de la Brûlerie (démo)",
            public_id: "demo-gazette",
            from_name: "Brûlerie du Canal",
            from_address: "gazette@brulerie-du-canal.example",
            footer: "Brûlerie du Canal, 12 quai de Valmy, 75010 Paris",
            language: "fr",
            now,
        })
        .await?;
    for (email, confirm) in [
        ("lea.martin@example.org", None),
        ("sam.diallo@example.org", None),
        ("ines.roux@example.org", None),
        ("en.attente@example.org", Some("demo-pending-confirmation")),
    ] {
        store
            .subscribe(&jardinier_store::NewSubscriber {
                list_id: list.id,
                email,
                source: if confirm.is_some() { "form" } else { "team" },
                confirm_token_hash: confirm,
                unsubscribe_token: &format!("demo-unsubscribe-{}", email.replace(['@', '.'], "-")),
                now,
            })
            .await?;
    }
    store
        .create_campaign(&jardinier_store::NewCampaign {
            workspace_id,
            list_id: list.id,
            subject: "Les cafés de décembre",
            body_markdown: "# Les cafés de décembre\n\nBonjour,\n\nCe mois-ci : un **moka d'Éthiopie** aux notes de myrtille \
                et notre assemblage de Noël.\n\n- Atelier dégustation samedi à 10 h\n- Livraison offerte dès 30 €\n\n\
                [Voir les nouveautés](https://brulerie-du-canal.example/nouveautes)\n\nÀ bientôt au bord du canal !",
            rate_per_minute: 600,
            author: "Camille Martin",
            now,
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workshop_is_announced_the_friday_before_it() {
        // Thursday 2026-12-03 10:00 UTC: announced Friday 12:00 Paris, for Saturday the 5th.
        let at = super::workshop_announcement(1_796_292_000);
        let local = jiff::Timestamp::from_second(at)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap());
        assert_eq!(local.weekday(), jiff::civil::Weekday::Friday);
        assert_eq!((local.hour(), local.minute()), (12, 0));
        assert!(at > 1_796_292_000);
    }

    #[test]
    fn demo_queries_parse_and_find_the_mentions_they_are_for() {
        let set = jardinier_query::QuerySet::new(
            QUERIES
                .iter()
                .enumerate()
                .map(|(i, (_, _, q))| (i, jardinier_query::parse(q).unwrap())),
        );
        let matches = |text: &str| {
            set.matches(&jardinier_query::Prepared::new(
                &jardinier_query::Document {
                    text,
                    ..Default::default()
                },
            ))
        };
        assert_eq!(matches(EVERYDAY[0]), vec![0]);
        assert_eq!(
            matches(EVERYDAY[3]),
            vec![0, 4],
            "a delivery complaint is about the brand and deliveries"
        );
        assert_eq!(matches(EVERYDAY[10]), vec![1]);
        assert_eq!(matches(EVERYDAY[11]), vec![2]);
        assert_eq!(
            matches("Ce coutume ancestral"),
            Vec::<usize>::new(),
            "{{Coutume}} needs the capital"
        );
        for text in BAD_BUZZ {
            assert!(matches(text).contains(&0), "{text}");
        }
    }
}
