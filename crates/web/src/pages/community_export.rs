//! The community's archive as JSON (issue 16, item 11): everything the community produced —
//! its settings, categories, charter, members (without passwords) and every topic with its
//! posts and tags — in the documented schema of `docs/community-export.md`, streamed topic by
//! topic so a million posts never sit in memory. For the team members who manage the
//! community.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jardinier_community::archive;
use jardinier_domain::Permission;
use jardinier_store::{Author, Store, Topic};

use super::rfc3339;
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// Topics read from the store at a time.
const TOPICS_PER_READ: i64 = 200;

fn author(a: &Author) -> Option<archive::Author> {
    match (&a.handle, a.user_id) {
        (_, Some(_)) => Some(archive::Author::Team(a.name.clone())),
        (Some(handle), None) => Some(archive::Author::Member(handle.clone())),
        (None, None) => None,
    }
}

/// The part before the topics: `{"format": …, …, "topics": [`.
async fn head(store: &dyn Store, w: &InWorkspace) -> Result<String, WebError> {
    let id = w.workspace.id;
    let head = archive::Head {
        format: archive::FORMAT.to_owned(),
        version: archive::VERSION,
        exported_at: rfc3339(unix_now()),
        workspace: w.workspace.slug.clone(),
        site: store.community_site(id).await?.map(|s| archive::Site {
            name: s.name,
            tagline: s.tagline,
            accent: s.accent,
            host: s.host,
            open: s.open,
            welcome_fr: s.welcome_fr,
            welcome_en: s.welcome_en,
        }),
        categories: store
            .community_categories(id)
            .await?
            .into_iter()
            .map(|c| archive::Category {
                slug: c.slug,
                name: c.name,
                description: c.description,
                colour: c.colour,
                position: c.position,
                kind: c.kind,
                read: c.read_access,
                post: c.post_access,
            })
            .collect(),
        charter: store
            .community_charter(id)
            .await?
            .map(|c| archive::Charter {
                version: c.version,
                body_fr: c.body_fr,
                body_en: c.body_en,
                published_at: rfc3339(c.published_at),
            }),
        members: {
            let mut accounts = store.community_newcomers(id, 0, 10_000_000).await?;
            // Oldest first, as they joined: the same community, the same archive.
            accounts.sort_by(|a, b| (a.created_at, &a.handle).cmp(&(b.created_at, &b.handle)));
            accounts
        }
        .into_iter()
        .map(|a| archive::Member {
            handle: a.handle,
            name: a.display_name,
            email: a.email,
            bio: a.bio,
            links: a.links,
            language: a.lang,
            joined_at: rfc3339(a.created_at),
            verified: a.verified_at.is_some(),
        })
        .collect(),
    };
    // The object without its closing brace, then the topics' array is written after it.
    let mut text = serde_json::to_string(&head).map_err(|e| WebError::Internal(e.into()))?;
    text.pop();
    text.push_str(",\"topics\":[");
    Ok(text)
}

/// One topic with its posts and tags, as JSON.
async fn topic_json(
    store: &dyn Store,
    categories: &[(i64, String)],
    topic: &Topic,
) -> Result<String, jardinier_store::StoreError> {
    let tags: Vec<String> = store
        .community_topic_tags(&[topic.id])
        .await?
        .into_iter()
        .map(|(_, tag)| tag)
        .collect();
    let posts = store
        .community_posts(topic.id, 1, topic.posts)
        .await?
        .into_iter()
        .map(|p| archive::Post {
            number: p.number,
            author: author(&p.author),
            markdown: p.body_md,
            status: p.status,
            created_at: rfc3339(p.created_at),
            edited_at: p.edited_at.map(rfc3339),
        })
        .collect();
    let value = archive::Topic {
        id: topic.id,
        category: categories
            .iter()
            .find(|(id, _)| *id == topic.category_id)
            .map(|(_, s)| s.clone()),
        title: topic.title.clone(),
        slug: topic.slug.clone(),
        author: author(&topic.author),
        created_at: rfc3339(topic.created_at),
        pinned: topic.pinned,
        closed: topic.closed,
        archived: topic.archived,
        accepted_answer: topic.accepted_number,
        idea_status: topic.idea_status.clone(),
        votes: topic.votes,
        tags,
        posts,
    };
    Ok(serde_json::to_string(&value).unwrap_or_default())
}

pub async fn export(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    let first = head(state.store.as_ref(), &w).await?;
    let workspace_id = w.workspace.id;
    let categories: Vec<(i64, String)> = state
        .store
        .community_categories(workspace_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.slug))
        .collect();
    let store = state.store.clone();
    // The topics are read and written a page at a time while the download runs; an error stops
    // the download there (the file is then not valid JSON: a broken download, never a silently
    // short archive).
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    tokio::spawn(async move {
        if sender.send(Ok(first)).await.is_err() {
            return;
        }
        let mut after = 0;
        let mut first_topic = true;
        loop {
            let topics = match store
                .community_topics_after(workspace_id, after, TOPICS_PER_READ)
                .await
            {
                Ok(topics) => topics,
                Err(error) => {
                    let _ = sender
                        .send(Err(std::io::Error::other(error.to_string())))
                        .await;
                    return;
                }
            };
            let Some(last) = topics.last() else { break };
            after = last.id;
            for topic in &topics {
                let chunk = match topic_json(store.as_ref(), &categories, topic).await {
                    Ok(json) if first_topic => json,
                    Ok(json) => format!(",{json}"),
                    Err(error) => {
                        let _ = sender
                            .send(Err(std::io::Error::other(error.to_string())))
                            .await;
                        return;
                    }
                };
                first_topic = false;
                if sender.send(Ok(chunk)).await.is_err() {
                    return;
                }
            }
        }
        let _ = sender.send(Ok("]}".to_owned())).await;
    });
    let disposition = format!(
        "attachment; filename=\"{}-community-{}.json\"",
        w.workspace.slug,
        super::iso_day(unix_now(), &w.workspace.timezone)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body_of(receiver),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
pub struct ScopeQuery {
    #[serde(default)]
    scope: String,
}

/// The community as a static HTML archive (a zip that opens and searches offline), made while
/// it downloads: the categories everyone may read, or (`?scope=all`) every category.
pub async fn static_archive(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Query(q): axum::extract::Query<ScopeQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    if state.store.community_site(w.workspace.id).await?.is_none() {
        return Err(WebError::NotFound);
    }
    let scope = jardinier_archive::Scope::parse(&q.scope);
    let receiver = jardinier_archive::spawn(
        state.store.clone(),
        jardinier_archive::Options {
            workspace_id: w.workspace.id,
            scope,
            tr: w.ctx.tr,
            timezone: w.workspace.timezone.clone(),
            media_dir: state.config.media_dir.clone(),
        },
    );
    let disposition = format!(
        "attachment; filename=\"{}-community-{}{}.zip\"",
        w.workspace.slug,
        super::iso_day(unix_now(), &w.workspace.timezone),
        if scope == jardinier_archive::Scope::All {
            "-all"
        } else {
            ""
        }
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body_of(receiver),
    )
        .into_response())
}

/// A download's body from the chunks a task sends while it makes them.
fn body_of<T>(receiver: tokio::sync::mpsc::Receiver<Result<T, std::io::Error>>) -> Body
where
    T: Into<axum::body::Bytes> + Send + 'static,
{
    Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
    ))
}
