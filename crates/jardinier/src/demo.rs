//! `jardinier demo`: the product with a fictional brand, ready to walk through.
//!
//! The brand is Brûlerie du Canal, a Paris coffee roaster with a French and an English-speaking
//! audience, run by the agency Pollen, which also serves a second brand (Vélos Lumière) so the
//! workspace switcher has somewhere to go. Later capabilities add their own demo data (mentions,
//! posts, forum threads) to the same workspaces from here.

use std::sync::Arc;

use anyhow::Context;
use jardinier_domain::Role;
use jardinier_store::{NewInvitation, NewMail, NewUser, NewWorkspace, Store};

use crate::config::Config;
use crate::server::{bind, new_ingestor, open_store, serve_bound};

pub const DEMO_PASSWORD: &str = "jardinier-demo";

pub struct DemoPerson {
    pub email: &'static str,
    pub name: &'static str,
    pub lang: &'static str,
    /// Role in Brûlerie du Canal, and in Vélos Lumière if any.
    pub roles: (Role, Option<Role>),
    pub what: &'static str,
}

pub const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        email: "camille@pollen-agence.example",
        name: "Camille Martin",
        lang: "fr",
        roles: (Role::Manager, Some(Role::Manager)),
        what: "community manager at the agency Pollen (both brands)",
    },
    DemoPerson {
        email: "margaux@pollen-agence.example",
        name: "Margaux Lefèvre",
        lang: "fr",
        roles: (Role::Owner, Some(Role::Owner)),
        what: "agency director, owner",
    },
    DemoPerson {
        email: "lucas@pollen-agence.example",
        name: "Lucas Bernard",
        lang: "fr",
        roles: (Role::Editor, None),
        what: "content editor",
    },
    DemoPerson {
        email: "ines@pollen-agence.example",
        name: "Inès Haddad",
        lang: "fr",
        roles: (Role::Moderator, None),
        what: "community moderator",
    },
    DemoPerson {
        email: "tom@pollen-agence.example",
        name: "Tom Baker",
        lang: "en",
        roles: (Role::Analyst, Some(Role::Analyst)),
        what: "data analyst, reads English",
    },
    DemoPerson {
        email: "helene@brulerie-du-canal.example",
        name: "Hélène Roux",
        lang: "fr",
        roles: (Role::Client, None),
        what: "the roaster's founder, client",
    },
];

/// Seeds the demo workspaces into an empty database. Does nothing if the demo brand exists.
pub async fn seed(store: &dyn Store, base_url: &str) -> anyhow::Result<bool> {
    if store
        .workspace_by_slug("brulerie-du-canal")
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let now = jardinier_web::unix_now();
    let hash =
        tokio::task::spawn_blocking(|| jardinier_web::auth::hash_password(DEMO_PASSWORD)).await?;
    let mut ids = Vec::new();
    for person in PEOPLE {
        let user = store
            .create_user(
                &NewUser {
                    email: person.email,
                    display_name: person.name,
                    password_hash: &hash,
                    lang: Some(person.lang),
                },
                now,
            )
            .await
            .with_context(|| format!("creating the demo account {}", person.email))?;
        ids.push(user.id);
    }
    let owner = ids[1];
    let brulerie = store
        .create_workspace(
            &NewWorkspace {
                slug: "brulerie-du-canal",
                name: "Brûlerie du Canal",
                timezone: "Europe/Paris",
            },
            owner,
            now,
        )
        .await?;
    let velos = store
        .create_workspace(
            &NewWorkspace {
                slug: "velos-lumiere",
                name: "Vélos Lumière",
                timezone: "Europe/Paris",
            },
            owner,
            now,
        )
        .await?;
    for (person, id) in PEOPLE.iter().zip(&ids) {
        if *id == owner {
            continue;
        }
        store
            .add_member(brulerie.id, *id, person.roles.0, now)
            .await?;
        if let Some(role) = person.roles.1 {
            store.add_member(velos.id, *id, role, now).await?;
        }
    }
    // A pending invitation, so the team page and the mail log have something real to show.
    // Its token is random and unknown: the demo shows the invitation; a new one can be sent
    // from the team page and opened from the mail log.
    let token = jardinier_web::auth::random_token();
    let hash = jardinier_web::auth::token_hash(&token);
    let link = format!("{base_url}/invite/{token}");
    let tr = jardinier_i18n::Tr::new(jardinier_i18n::Lang::Fr);
    let body = tr.f(
        "mail.invite.body",
        &[
            ("inviter", "Camille Martin"),
            ("workspace", "Brûlerie du Canal"),
            ("role", tr.t("role.editor")),
            ("link", &link),
            ("days", "7"),
        ],
    );
    store
        .create_invitation(
            &NewInvitation {
                token_hash: &hash,
                workspace_id: brulerie.id,
                email: "nadia@pollen-agence.example",
                role: Role::Editor,
                invited_by: ids[0],
                created_at: now,
                expires_at: now + 7 * 24 * 3600,
            },
            &NewMail {
                idempotency_key: &format!("invite:{hash}"),
                to: "nadia@pollen-agence.example",
                subject: &tr.f("mail.invite.subject", &[("workspace", "Brûlerie du Canal")]),
                body_text: &body,
                created_at: now,
                list_unsubscribe: None,
            },
        )
        .await?;
    for (workspace, actor, action, detail) in [
        (brulerie.id, owner, "workspace_created", "Brûlerie du Canal"),
        (velos.id, owner, "workspace_created", "Vélos Lumière"),
        (
            brulerie.id,
            ids[0],
            "member_invited",
            "nadia@pollen-agence.example (editor)",
        ),
    ] {
        store
            .record_audit(&jardinier_store::NewAudit {
                workspace_id: Some(workspace),
                actor_id: Some(actor),
                action,
                detail,
                at: now,
            })
            .await?;
    }
    Ok(true)
}

pub fn print_logins(base_url: &str) {
    println!();
    println!("  Jardinier demo: {base_url}");
    println!();
    println!("  Sign in as the community manager:");
    println!("    {}  /  {DEMO_PASSWORD}", PEOPLE[0].email);
    println!();
    println!("  Other demo accounts (same password):");
    for person in &PEOPLE[1..] {
        println!("    {:<36} {} — {}", person.email, person.name, person.what);
    }
    println!();
    println!("  The brand's community site: {base_url}/c/brulerie-du-canal/");
    println!("  E-mail is not sent in the demo; read it at {base_url}/dev/mail");
    println!(
        "  Listening receives a simulated stream of mentions; a bad buzz starts after {} s.",
        crate::demo_stream::burst_start().as_secs()
    );
    println!(
        "  Listening alerts arrive in the mail log and at the local webhook inbox: {base_url}/dev/hooks"
    );
    println!(
        "  Newsletters go out through a local SMTP server; what it receives is shown at {base_url}/dev/hooks"
    );
    println!("  Press Ctrl+C to stop.");
    println!();
}

pub async fn run(
    mut config: Config,
    bind_to: String,
    database: Option<String>,
) -> anyhow::Result<()> {
    let url = match database {
        Some(url) => url,
        None => {
            // A fresh demo at every start: remove the previous demo database and its WAL files.
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("jardinier-data/demo.db{suffix}");
                if let Err(error) = std::fs::remove_file(&path)
                    && error.kind() != std::io::ErrorKind::NotFound
                {
                    return Err(error)
                        .with_context(|| format!("removing the previous demo database {path}"));
                }
            }
            "sqlite://jardinier-data/demo.db".to_owned()
        }
    };
    config.server.bind = bind_to;
    config.database.url = url;
    config.mail.transport = "log".into();
    config.mail.log_page = true;
    let store: Arc<dyn Store> = open_store(&config.database.url).await?;
    let bound = bind(&config).await?;
    // Newsletters go out over SMTP to the demo's own server, shown at /dev/hooks.
    config.newsletter.smtp = crate::demo_smtp::start(&bound.base_url)?;
    config.newsletter.return_path = "bounces@demo.localhost".into();
    config.newsletter.bounce_mailbox = String::new();
    let ingestor = new_ingestor(&store, &bound.base_url).await?;
    let stream_source = if seed(store.as_ref(), &bound.base_url).await? {
        let brulerie = store
            .workspace_by_slug("brulerie-du-canal")
            .await?
            .context("the demo workspace")?;
        let camille = store
            .user_credentials(PEOPLE[0].email)
            .await?
            .context("the demo community manager")?
            .0;
        let source = crate::demo_stream::seed(
            store.as_ref(),
            &ingestor,
            brulerie.id,
            camille.id,
            &camille.email,
            &bound.base_url,
            jardinier_web::unix_now(),
        )
        .await?;
        crate::demo_stream::seed_inbox(
            store.as_ref(),
            &ingestor,
            brulerie.id,
            camille.id,
            &bound.base_url,
            jardinier_web::unix_now(),
        )
        .await?;
        // Regulars of the demo's stream have profiles from the start, as the server's watch
        // gives them within ten minutes.
        let now = jardinier_web::unix_now();
        store
            .profile_regulars(
                jardinier_web::sla_watch::REGULAR_MENTIONS,
                now - 30 * 86_400,
                500,
                now,
            )
            .await?;
        crate::demo_stream::seed_publishing(
            store.as_ref(),
            brulerie.id,
            camille.id,
            &bound.base_url,
            jardinier_web::unix_now(),
        )
        .await?;
        crate::demo_stream::seed_newsletter(store.as_ref(), brulerie.id, jardinier_web::unix_now())
            .await?;
        crate::demo_community::seed(
            store.as_ref(),
            &ingestor,
            brulerie.id,
            camille.id,
            &bound.base_url,
            jardinier_web::unix_now(),
        )
        .await?;
        tracing::info!("demo data seeded");
        Some(source)
    } else {
        tracing::info!("demo data already present: not seeded again");
        let brulerie = store
            .workspace_by_slug("brulerie-du-canal")
            .await?
            .context("the demo workspace")?;
        store
            .sources(brulerie.id)
            .await?
            .into_iter()
            .find(|s| s.kind == "demo")
    };
    if let Some(source) = stream_source {
        tokio::spawn(crate::demo_stream::run(ingestor.clone(), source));
    }
    print_logins(&bound.base_url);
    serve_bound(config, store, ingestor, bound).await
}
