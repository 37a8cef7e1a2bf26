//! Importing a community archive (issue 16, item 11): the JSON the workbench exports
//! (`jardinier_community::archive`), read back into a workspace whose community has no topic
//! yet — its settings, categories, charter, members (without passwords: they sign in by an
//! e-mailed link) and topics with their posts, tags, states and times. Called by
//! `jardinier community-import`.
//!
//! What an archive does not carry back: who voted for an idea (its count only), reactions,
//! posts' earlier versions (the time of the last edit comes back), and the listening items made
//! of the posts (history is not listened to again).

use std::collections::HashMap;

use jardinier_community::archive::{self, Archive, Author};
use jardinier_community::{markup, search};
use jardinier_store::{
    CommunitySite, NewAccount, NewCategory, NewCommunityPost, Store, StoreError,
};

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub categories: usize,
    pub members: usize,
    pub topics: usize,
    pub posts: usize,
    /// Teammates named by the archive and not found in the workspace: their posts are signed
    /// by nobody.
    pub unknown_team: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Archive(#[from] archive::ArchiveError),
    #[error("the community of this workspace already has topics: import into a new workspace")]
    NotEmpty,
    #[error("{what} \"{value}\" is not a date and time (RFC 3339, as the export writes them)")]
    Time { what: &'static str, value: String },
    #[error("the database refused the import: {0}")]
    Store(#[from] StoreError),
}

fn unix(what: &'static str, value: &str) -> Result<i64, ImportError> {
    value
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| ImportError::Time {
            what,
            value: value.to_owned(),
        })
}

/// Imports `archive` into the community of workspace `workspace_id` (whose address name is
/// `slug`). Checks the archive first; writes nothing into a community that has topics.
pub async fn import(
    store: &dyn Store,
    workspace_id: i64,
    slug: &str,
    archive: &Archive,
) -> Result<Imported, ImportError> {
    archive::check(archive)?;
    if !store
        .community_topics_after(workspace_id, 0, 1)
        .await?
        .is_empty()
    {
        return Err(ImportError::NotEmpty);
    }
    let head = &archive.head;
    let mut done = Imported::default();
    if let Some(site) = &head.site {
        // The host name stays with the community it was exported from.
        store
            .put_community_site(
                &CommunitySite {
                    workspace_id,
                    slug: slug.to_owned(),
                    name: site.name.clone(),
                    tagline: site.tagline.clone(),
                    accent: site.accent.clone(),
                    host: None,
                    open: site.open,
                    welcome_fr: site.welcome_fr.clone(),
                    welcome_en: site.welcome_en.clone(),
                    remove_posts_on_delete: false,
                },
                unix("exported_at", &head.exported_at)?,
            )
            .await?;
    }
    let existing = store.community_categories(workspace_id).await?;
    let mut categories: HashMap<&str, i64> = HashMap::new();
    for c in &head.categories {
        let id = match existing.iter().find(|e| e.slug == c.slug) {
            Some(found) => found.id,
            None => {
                done.categories += 1;
                store
                    .create_community_category(
                        workspace_id,
                        &NewCategory {
                            slug: &c.slug,
                            name: &c.name,
                            description: &c.description,
                            colour: &c.colour,
                            position: c.position,
                            kind: &c.kind,
                            read_access: &c.read,
                            post_access: &c.post,
                        },
                    )
                    .await?
            }
        };
        categories.insert(c.slug.as_str(), id);
    }
    if let Some(charter) = &head.charter {
        store
            .publish_community_charter(
                workspace_id,
                &charter.body_fr,
                &charter.body_en,
                "import",
                unix("charter.published_at", &charter.published_at)?,
            )
            .await?;
    }
    let mut members: HashMap<&str, i64> = HashMap::new();
    for m in &head.members {
        let joined = unix("members.joined_at", &m.joined_at)?;
        let account = store
            .create_community_account(
                &NewAccount {
                    workspace_id,
                    email: &m.email,
                    handle: &m.handle,
                    display_name: &m.name,
                    password_hash: None,
                    lang: m.language.as_deref(),
                    charter_version: None,
                    verified_at: m.verified.then_some(joined),
                    now: joined,
                },
                None,
            )
            .await?;
        if !m.bio.is_empty() || !m.links.is_empty() {
            store
                .update_community_profile(
                    account.id,
                    &m.name,
                    &m.bio,
                    &m.links,
                    m.language.as_deref(),
                )
                .await?;
        }
        members.insert(m.handle.as_str(), account.id);
        done.members += 1;
    }
    let team: Vec<(String, i64)> = store
        .members(workspace_id)
        .await?
        .into_iter()
        .map(|m| (m.user.display_name, m.user.id))
        .collect();
    let mut authors = |author: &Option<Author>| match author {
        Some(Author::Member(handle)) => (members.get(handle.as_str()).copied(), None),
        Some(Author::Team(name)) => match team.iter().find(|(n, _)| n == name) {
            Some((_, id)) => (None, Some(*id)),
            None => {
                if !done.unknown_team.contains(name) {
                    done.unknown_team.push(name.clone());
                }
                (None, None)
            }
        },
        None => (None, None),
    };
    let profile = |path: &str| format!("/c/{slug}{path}");
    for topic in &archive.topics {
        let category = categories[topic.category.as_deref().unwrap_or_default()];
        let mut posts = Vec::with_capacity(topic.posts.len());
        for post in &topic.posts {
            let (account, user) = authors(&post.author);
            posts.push((
                account,
                user,
                markup::render(&post.markdown, profile).html,
                // Only what readers see is searched.
                if post.status == "visible" {
                    search::post_terms(&topic.title, &post.markdown)
                } else {
                    Vec::new()
                },
                format!("import-{}-{}", topic.id, post.number),
                unix("posts.created_at", &post.created_at)?,
            ));
        }
        let new = |i: usize| {
            let (account, user, html, terms, key, at) = &posts[i];
            let post = &topic.posts[i];
            NewCommunityPost {
                workspace_id,
                author_account: *account,
                author_user: *user,
                body_md: &post.markdown,
                body_html: html,
                status: &post.status,
                idem_key: key,
                terms: Some(terms),
                screened: None,
                now: *at,
            }
        };
        if posts.is_empty() {
            continue;
        }
        let id = store
            .create_community_topic(category, &topic.title, &topic.slug, &topic.tags, &new(0))
            .await?;
        let replies: Vec<NewCommunityPost<'_>> = (1..posts.len()).map(new).collect();
        for chunk in replies.chunks(1_000) {
            store.add_community_posts(id, chunk).await?;
        }
        for post in topic.posts.iter().filter(|p| p.edited_at.is_some()) {
            let at = unix(
                "posts.edited_at",
                post.edited_at.as_deref().unwrap_or_default(),
            )?;
            store
                .set_community_post_edited(id, post.number, Some(at))
                .await?;
        }
        if topic.pinned || topic.closed || topic.archived {
            store
                .set_community_topic_flags(
                    workspace_id,
                    id,
                    topic.pinned,
                    topic.closed,
                    topic.archived,
                )
                .await?;
        }
        if topic.accepted_answer.is_some() {
            store
                .set_community_accepted(workspace_id, id, topic.accepted_answer)
                .await?;
        }
        if topic.idea_status.is_some() {
            store
                .set_community_idea_status(workspace_id, id, topic.idea_status.as_deref())
                .await?;
        }
        done.topics += 1;
        done.posts += posts.len();
    }
    Ok(done)
}
