//! Answers to the brand's own community (issue 16, item 10): a reply written in the inbox to a
//! community post becomes a post in its topic, signed by the teammate (the staff badge). No
//! network: the post is written in the same database, under the reply's key, so a second
//! attempt after a crash finds the post the first one wrote instead of writing another.

use jardinier_store::{NewCommunityPost, ReplyJob, Store, StoreError};

use crate::{Delivered, SendError};

/// The topic and post number of a community item: its external id is
/// `community:{topic}:{number}`.
pub fn parse_external_id(external_id: &str) -> Option<(i64, i64)> {
    let mut parts = external_id.strip_prefix("community:")?.split(':');
    let topic = parts.next()?.parse().ok()?;
    let number = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((topic, number))
}

pub async fn reply(store: &dyn Store, job: &ReplyJob, now: i64) -> Result<Delivered, SendError> {
    let Some((topic_id, _)) = parse_external_id(&job.item_external_id) else {
        return Err(SendError::Permanent(format!(
            "{} is not a community post",
            job.item_external_id
        )));
    };
    // Mentions link to the member's page in the community the item came from.
    let base = job
        .item_url
        .as_deref()
        .and_then(|u| u.find("/t/").map(|i| u[..i].to_owned()))
        .unwrap_or_default();
    let html =
        jardinier_community::markup::render(&job.reply.body, |path| format!("{base}{path}")).html;
    let key = format!("inbox-reply-{}", job.reply.id);
    let title = store
        .community_topic(job.reply.workspace_id, topic_id)
        .await
        .map_err(|e| SendError::Retry(e.to_string()))?
        .map(|t| t.title)
        .unwrap_or_default();
    let terms = jardinier_community::search::post_terms(&title, &job.reply.body);
    let number = store
        .create_community_reply(
            topic_id,
            &NewCommunityPost {
                workspace_id: job.reply.workspace_id,
                author_account: None,
                author_user: job.reply.author_id,
                body_md: &job.reply.body,
                body_html: &html,
                status: "visible",
                idem_key: &key,
                terms: Some(&terms),
                screened: None,
                now,
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => {
                SendError::Permanent("the topic no longer exists in the community".into())
            }
            other => SendError::Retry(other.to_string()),
        })?;
    // The item's address is its post's (`…/t/{topic}/{slug}/{number}`): the answer's is the
    // same with its own number.
    let remote_url = job
        .item_url
        .as_deref()
        .and_then(|u| u.rsplit_once('/'))
        .map(|(topic, _)| format!("{topic}/{number}"));
    Ok(Delivered {
        remote_id: number.to_string(),
        remote_url,
        note: None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn community_ids_name_a_topic_and_a_post() {
        assert_eq!(super::parse_external_id("community:12:3"), Some((12, 3)));
        assert_eq!(super::parse_external_id("community:12"), None);
        assert_eq!(super::parse_external_id("mastodon:12:3"), None);
        assert_eq!(super::parse_external_id("community:a:3"), None);
    }
}
