//! Several mentions at once, from the stream's check boxes: into the inbox (and to me), or a
//! tone correction the workspace's sentiment learns from.

use axum::extract::State;
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_store::{ConversationChange, StoreError};

use super::{audit_in, redirect, safe_next};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// At most this many mentions per request (two pages of the stream).
const MAX: usize = 100;

/// `next` with `?done=key` (any earlier `done` dropped), for the flash message.
fn with_done(next: &str, key: &str) -> String {
    let next = safe_next(next);
    let (path, query) = next.split_once('?').unwrap_or((&next, ""));
    let mut params = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "done") {
        params.append_pair(&k, &v);
    }
    params.append_pair("done", key);
    format!("{path}?{}", params.finish())
}

pub async fn bulk(
    State(state): State<SharedState>,
    w: InWorkspace,
    body: String,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let (mut ids, mut action, mut next) = (Vec::<i64>::new(), String::new(), String::new());
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "id" => ids.extend(value.parse::<i64>().ok()),
            "action" => action = value.into_owned(),
            "next" => next = value.into_owned(),
            _ => {}
        }
    }
    if next.is_empty() {
        next = format!("/w/{}/listening", w.workspace.slug);
    }
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(MAX);
    if ids.is_empty() {
        return Ok(redirect(&with_done(&next, "listening_bulk_none")));
    }
    let now = unix_now();
    match action.as_str() {
        "inbox" | "inbox_take" => {
            w.require(Permission::ViewInbox)?;
            // Oldest first, so a thread's first message opens the conversation its replies join.
            for id in ids {
                let conversation = match state
                    .store
                    .send_to_inbox(w.workspace.id, id, Some(w.user.id), now)
                    .await
                {
                    Ok(conversation) => conversation,
                    Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
                    Err(e) => return Err(e.into()),
                };
                if action == "inbox_take" {
                    state
                        .store
                        .change_conversation(
                            w.workspace.id,
                            conversation,
                            &ConversationChange::Assign(Some(w.user.id)),
                            Some(w.user.id),
                            now,
                        )
                        .await?;
                }
            }
            Ok(redirect(&with_done(&next, "listening_bulk_inbox")))
        }
        "positive" | "neutral" | "negative" => {
            w.require(Permission::ManageListening)?;
            for id in &ids {
                state
                    .store
                    .correct_sentiment(w.workspace.id, *id, &action)
                    .await?;
            }
            let (ingestor, workspace_id) = (state.ingestor.clone(), w.workspace.id);
            tokio::spawn(async move {
                if let Err(error) = ingestor.relearn(workspace_id).await {
                    tracing::error!(%error, workspace_id, "could not learn from sentiment corrections");
                }
            });
            let which: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
            audit_in(
                &state,
                &w,
                "sentiment_corrected",
                &format!("{} → {action}", which.join(", ")),
            )
            .await?;
            Ok(redirect(&with_done(&next, "listening_bulk_tone")))
        }
        _ => Err(WebError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::with_done;

    #[test]
    fn the_flash_key_replaces_an_earlier_one_and_keeps_the_filter() {
        assert_eq!(
            with_done(
                "/w/a/listening?sentiment=negative&done=x",
                "listening_bulk_tone"
            ),
            "/w/a/listening?sentiment=negative&done=listening_bulk_tone"
        );
        assert_eq!(with_done("https://evil.example/", "k"), "/?done=k");
    }
}
