//! Members' posts are listened to (issue 16, item 10): each goes through listening's pipeline
//! as an item of the workspace's `community` source — language, tone, saved searches, alerts,
//! routing rules that open inbox conversations, and replies that join a conversation already
//! open on their topic. The team's own posts are not mentions and are not listened to.
//!
//! An item's external id is `community:{topic}:{number}`; a reply names its topic's first post
//! as its parent, which is how an inbox conversation follows the topic, and how an answer
//! written in the inbox finds the topic (`jardinier_outbound`'s community channel).

use jardinier_listening::IncomingItem;
use jardinier_store::{NewSource, Source};

use crate::SharedSite;
use crate::context::SiteCtx;

/// What was just posted, as the pipeline needs it.
pub struct Posted<'a> {
    pub topic_id: i64,
    pub topic_slug: &'a str,
    pub topic_title: &'a str,
    pub number: i64,
    pub body_md: &'a str,
    pub now: i64,
}

/// The workspace's community source, made the first time a member posts.
async fn source(state: &SharedSite, c: &SiteCtx, now: i64) -> Option<Source> {
    let store = &state.store;
    let existing = match store.sources(c.site.workspace_id).await {
        Ok(sources) => sources.into_iter().find(|s| s.kind == "community"),
        Err(error) => {
            tracing::error!(%error, "could not read the listening sources");
            return None;
        }
    };
    if existing.is_some() {
        return existing;
    }
    match store
        .create_source(&NewSource {
            workspace_id: c.site.workspace_id,
            kind: "community",
            name: &c.site.name,
            config: "{}",
            secret: None,
            interval_secs: 0,
            now,
        })
        .await
    {
        Ok(source) => Some(source),
        Err(error) => {
            tracing::error!(%error, "could not make the community's listening source");
            None
        }
    }
}

/// A member's post as a listening item of the community at `absolute` (its address from
/// outside). Each post has an address of its own: listening tells items apart by it.
pub fn item(absolute: &str, posted: &Posted<'_>, author_name: &str, handle: &str) -> IncomingItem {
    IncomingItem {
        external_id: format!("community:{}:{}", posted.topic_id, posted.number),
        url: Some(format!(
            "{absolute}/t/{}/{}/{}",
            posted.topic_id, posted.topic_slug, posted.number
        )),
        author_name: Some(author_name.to_owned()),
        author_handle: Some(format!("@{handle}")),
        author_reach: None,
        title: (posted.number == 1).then(|| posted.topic_title.to_owned()),
        text: posted.body_md.to_owned(),
        published_at: Some(posted.now),
        parent_external_id: (posted.number > 1).then(|| format!("community:{}:1", posted.topic_id)),
        quoted_ref: None,
    }
}

/// Hands a member's post to listening. A failure is logged: the post itself is stored.
pub async fn member_posted(state: &SharedSite, c: &SiteCtx, posted: Posted<'_>) {
    let (Some(ingestor), Some(member)) = (&state.ingestor, &c.member) else {
        return;
    };
    if c.staff.is_some() {
        return;
    }
    let Some(source) = source(state, c, posted.now).await else {
        return;
    };
    let item = item(&c.absolute, &posted, &member.display_name, &member.handle);
    if let Err(error) = ingestor.ingest(&source, vec![item], posted.now).await {
        tracing::error!(%error, "a community post could not be listened to");
    }
}
