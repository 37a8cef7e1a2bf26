//! `jardinier community-import --workspace SLUG FILE`: a community archive (the JSON the
//! Community section downloads, `docs/community-export.md`) read back into a workspace whose
//! community has no topic yet — moving a community between Jardinier servers, or restoring it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use jardinier_community::archive::Archive;

use crate::config::Config;
use crate::server::open_store;

#[derive(Args, Debug)]
pub struct CommunityImportArgs {
    /// The workspace (its web address name) whose community receives the archive.
    #[arg(long)]
    workspace: String,
    /// The archive (`…-community-YYYY-MM-DD.json`).
    file: PathBuf,
}

pub async fn run(config: &Config, args: CommunityImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let archive: Archive = serde_json::from_str(&text).map_err(|error| {
        anyhow::anyhow!(
            "{} is not a community archive: {error}",
            args.file.display()
        )
    })?;
    let store = open_store(&config.database.url).await?;
    let workspace = store
        .workspace_by_slug(&args.workspace)
        .await?
        .with_context(|| format!("no workspace is called \"{}\"", args.workspace))?;
    let done = jardinier_site::archive_import::import(
        store.as_ref(),
        workspace.id,
        &workspace.slug,
        &archive,
    )
    .await?;
    let count =
        |n: usize, one: &str, other: &str| format!("{n} {}", if n == 1 { one } else { other });
    println!(
        "imported into {}: {}, {}, {}, {}",
        workspace.slug,
        count(done.categories, "category", "categories"),
        count(done.members, "member", "members"),
        count(done.topics, "topic", "topics"),
        count(done.posts, "post", "posts"),
    );
    if !done.unknown_team.is_empty() {
        println!(
            "teammates not in this workspace (their posts are signed by nobody): {}",
            done.unknown_team.join(", ")
        );
    }
    Ok(())
}
