//! `jardinier user add`: create an account from the command line (the first owner of a fresh
//! installation, scripted provisioning).

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Args;
use jardinier_domain::{NewAccount, Role, Slug, WorkspaceName};
use jardinier_store::{NewUser, NewWorkspace, StoreError};

use crate::config::Config;
use crate::server::open_store;

#[derive(Args, Debug)]
pub struct AddUser {
    /// The person's e-mail address (their sign-in).
    #[arg(long)]
    email: String,
    /// The name teammates see.
    #[arg(long)]
    name: String,
    /// Read the password from the first line of standard input; otherwise one is generated and
    /// printed.
    #[arg(long)]
    password_stdin: bool,
    /// Preferred language: fr or en.
    #[arg(long)]
    lang: Option<String>,
    /// Add the account to this existing workspace (by its web address name)…
    #[arg(long, conflicts_with = "new_workspace")]
    workspace: Option<String>,
    /// …with this role (owner, manager, editor, moderator, analyst, client).
    #[arg(long, default_value = "editor", requires = "workspace")]
    role: String,
    /// Create a workspace with this name, owned by the new account.
    #[arg(long)]
    new_workspace: Option<String>,
}

pub async fn add(config: &Config, args: AddUser) -> anyhow::Result<()> {
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        (line.trim_end_matches(['\n', '\r']).to_owned(), false)
    } else {
        (jardinier_web::auth::random_token()[..20].to_owned(), true)
    };
    let account = NewAccount::parse(&args.email, &args.name, &password).map_err(|errors| {
        let tr = jardinier_i18n::Tr::new(jardinier_i18n::Lang::En);
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|e| format!("--{}: {}", e.field.replace('_', "-"), tr.t(e.message)))
            .collect();
        anyhow::anyhow!("invalid account:\n  {}", lines.join("\n  "))
    })?;
    let lang = match args.lang.as_deref() {
        None => None,
        Some(code) => Some(
            jardinier_i18n::Lang::parse(code)
                .with_context(|| format!("--lang must be fr or en, not {code:?}"))?
                .code(),
        ),
    };
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "--role {:?} is not a role (owner, manager, editor, moderator, analyst, client)",
            args.role
        )
    })?;
    let new_workspace =
        match &args.new_workspace {
            Some(name) => Some(WorkspaceName::parse("new_workspace", name).map_err(|_| {
                anyhow::anyhow!("--new-workspace must be 1 to 80 visible characters")
            })?),
            None => None,
        };

    let store = open_store(&config.database.url).await?;
    // Check the workspace before creating anything, so a typo leaves nothing half-done.
    let target = match &args.workspace {
        Some(slug) => {
            let slug = Slug::parse("workspace", slug).map_err(|_| {
                anyhow::anyhow!("--workspace {slug:?} is not a valid web address name")
            })?;
            let workspace = store.workspace_by_slug(slug.as_str()).await?;
            Some(
                workspace
                    .with_context(|| {
                        format!(
                            "no workspace named \"{slug}\"; create one with --new-workspace NAME"
                        )
                    })?
                    .id,
            )
        }
        None => None,
    };
    let to_hash = password.clone();
    let hash =
        tokio::task::spawn_blocking(move || jardinier_web::auth::hash_password(&to_hash)).await?;
    let now = jardinier_web::unix_now();
    let user = match store
        .create_user(
            &NewUser {
                email: account.email.as_str(),
                display_name: account.display_name.as_str(),
                password_hash: &hash,
                lang,
            },
            now,
        )
        .await
    {
        Err(StoreError::Conflict { .. }) => bail!(
            "an account with the e-mail {} already exists",
            account.email
        ),
        other => other?,
    };
    println!(
        "Created the account {} ({}).",
        user.email, user.display_name
    );
    if generated {
        println!("Generated password (shown once): {password}");
    }
    if let Some(workspace_id) = target {
        store.add_member(workspace_id, user.id, role, now).await?;
        println!(
            "Added to workspace {} as {role}.",
            args.workspace.unwrap_or_default()
        );
    }
    if let Some(name) = new_workspace {
        let slug = Slug::from_name(&name);
        let workspace = store
            .create_workspace(&NewWorkspace { slug: slug.as_str(), name: name.as_str(), timezone: "Europe/Paris" }, user.id, now)
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => anyhow::anyhow!("a workspace with the web address name {slug} already exists (the account was created)"),
                other => other.into(),
            })?;
        println!(
            "Created the workspace {} (/w/{}) owned by {}.",
            workspace.name, workspace.slug, user.email
        );
    }
    Ok(())
}
