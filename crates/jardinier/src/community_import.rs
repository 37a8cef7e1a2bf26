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
    let (store, workspace) = target(config, &args.workspace).await?;
    let done = import(store.as_ref(), &workspace, &archive).await?;
    println!("imported into {}: {}", workspace.slug, summary(&done));
    if !done.unknown_team.is_empty() {
        println!(
            "teammates not in this workspace (their posts are signed by nobody): {}",
            done.unknown_team.join(", ")
        );
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct DiscourseImportArgs {
    /// The workspace (its web address name) whose community receives the forum.
    #[arg(long)]
    workspace: String,
    /// Only this topic (its Discourse id; repeat for several). Without it, every topic of the
    /// forum's latest list, page after page.
    #[arg(long = "topic")]
    topics: Vec<i64>,
    /// Stop after this many topics (a trial run).
    #[arg(long, default_value_t = 0)]
    max_topics: usize,
    /// Milliseconds between two requests (Discourse limits API clients).
    #[arg(long, default_value_t = 500)]
    pause_ms: u64,
    /// The forum's address, e.g. https://forum.example.org
    url: String,
}

/// `jardinier discourse-import`: a public Discourse forum read through its JSON API and imported
/// as an archive (`jardinier_discourse`), with what was left out and why.
pub async fn run_discourse(config: &Config, args: DiscourseImportArgs) -> anyhow::Result<()> {
    let (store, workspace) = target(config, &args.workspace).await?;
    let options = jardinier_discourse::Options {
        base: args.url.clone(),
        topics: args.topics.clone(),
        max_topics: args.max_topics,
        pause: std::time::Duration::from_millis(args.pause_ms),
    };
    let (archive, report) = jardinier_discourse::read(&options, &workspace.slug).await?;
    for (id, why) in &report.skipped {
        eprintln!("topic {id} left out: {why}");
    }
    let done = import(store.as_ref(), &workspace, &archive).await?;
    println!(
        "imported from {} into {}: {} ({} requests; members come without their e-mail address: \
         they sign up anew to post)",
        args.url,
        workspace.slug,
        summary(&done),
        report.requests,
    );
    Ok(())
}

/// The store and the workspace an import writes into.
async fn target(
    config: &Config,
    slug: &str,
) -> anyhow::Result<(
    std::sync::Arc<dyn jardinier_store::Store>,
    jardinier_store::Workspace,
)> {
    let store = open_store(&config.database.url).await?;
    let workspace = store
        .workspace_by_slug(slug)
        .await?
        .with_context(|| format!("no workspace is called \"{slug}\""))?;
    Ok((store, workspace))
}

async fn import(
    store: &dyn jardinier_store::Store,
    workspace: &jardinier_store::Workspace,
    archive: &Archive,
) -> anyhow::Result<jardinier_site::archive_import::Imported> {
    Ok(
        jardinier_site::archive_import::import(store, workspace.id, &workspace.slug, archive)
            .await?,
    )
}

/// "2 categories, 5 members, 3 topics, 12 posts".
fn summary(done: &jardinier_site::archive_import::Imported) -> String {
    format!(
        "{}, {}, {}, {}",
        count(done.categories, "category", "categories"),
        count(done.members, "member", "members"),
        count(done.topics, "topic", "topics"),
        count(done.posts, "post", "posts"),
    )
}

fn count(n: usize, one: &str, other: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { other })
}
