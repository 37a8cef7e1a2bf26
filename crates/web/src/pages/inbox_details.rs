//! A conversation worked on one page (issue 15, item 8): its details saved with one button,
//! and a saved reply inserted where the cursor is, without losing what was typed (with a
//! script, in place; without, the page comes back with the text and the saved reply after it).

use axum::Json;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_inbox::edit::{Details, Edit, edits};
use jardinier_inbox::{Priority, State as Step, StateError};
use jardinier_store::{Conversation, ConversationChange, StoreError};
use serde::Deserialize;

use super::inbox::{Draft, conversation_page, label_name, teammates};
use super::inbox_replies::reply_context;
use super::redirect;
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

#[derive(Deserialize)]
pub struct DetailsForm {
    /// A teammate's id, or empty for the team.
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    queue: String,
}

fn details_of(c: &Conversation) -> Option<Details> {
    Some(Details {
        assignee: c.assignee_id,
        state: Step::parse(&c.state)?,
        priority: Priority::parse(&c.priority)?,
        queue: c.queue.clone(),
    })
}

/// Who has it, its state, priority and queue, from one form: only what differs is recorded.
pub async fn save_details(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let back = |done: &str| redirect(&format!("/w/{}/inbox/{id}?done={done}", w.workspace.slug));
    let Some(current) = state.store.conversation_summary(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let now_details = details_of(&current).ok_or(WebError::NotFound)?;
    let assignee = match form.assignee.trim() {
        "" => None,
        value => {
            let allowed = teammates(&state, &w).await?;
            match value
                .parse::<i64>()
                .ok()
                .filter(|id| allowed.iter().any(|t| t.id == *id))
            {
                Some(user) => Some(user),
                None => return Ok(back("inbox_not_a_teammate")),
            }
        }
    };
    let (Some(step), Some(priority)) = (Step::parse(&form.state), Priority::parse(&form.priority))
    else {
        return Err(WebError::NotFound);
    };
    let wanted = Details {
        assignee,
        state: step,
        priority,
        queue: label_name(&form.queue),
    };
    let changes = match edits(&now_details, &wanted) {
        Ok(changes) => changes,
        Err(StateError::NobodyAssigned) => return Ok(back("inbox_needs_assignee")),
        Err(StateError::StillAssigned) => return Ok(back("inbox_still_assigned")),
    };
    let now = unix_now();
    for edit in changes {
        let change = match edit {
            Edit::Assign(who) => ConversationChange::Assign(who),
            Edit::State(step) => ConversationChange::State(step.as_str().to_owned()),
            Edit::Priority(p) => ConversationChange::Priority(p.as_str().to_owned()),
            Edit::Queue(queue) => ConversationChange::Queue(queue),
        };
        match state
            .store
            .change_conversation(w.workspace.id, id, &change, Some(w.user.id), now)
            .await
        {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(back("inbox_saved"))
}

/// A saved reply with the conversation's variables filled in, for the script that inserts it
/// at the cursor.
pub async fn saved_reply_text(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id, saved)): Path<(String, i64, i64)>,
) -> Result<Json<serde_json::Value>, WebError> {
    w.require(Permission::ViewInbox)?;
    let text = rendered(&state, &w, id, saved).await?;
    Ok(Json(serde_json::json!({ "text": text })))
}

async fn rendered(
    state: &SharedState,
    w: &InWorkspace,
    id: i64,
    saved: i64,
) -> Result<String, WebError> {
    let Some(conversation) = state.store.conversation_summary(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let reply = state
        .store
        .saved_replies(w.workspace.id)
        .await?
        .into_iter()
        .find(|s| s.id == saved)
        .ok_or(WebError::NotFound)?;
    Ok(
        jardinier_inbox::render_template(&reply.body, &reply_context(&conversation, w))
            .unwrap_or(reply.body),
    )
}

#[derive(Deserialize)]
pub struct InsertForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    saved: i64,
}

/// Without a script, "insert" sends the reply form here: the page comes back with what was
/// typed and the saved reply after it, nothing sent.
pub async fn insert_saved_reply(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<InsertForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let text = rendered(&state, &w, id, form.saved).await?;
    let typed = form.body.trim_end();
    let body = if typed.is_empty() {
        text
    } else {
        format!("{typed}\n\n{text}")
    };
    let draft = Draft {
        body,
        key: form.key,
        others: None,
    };
    conversation_page(&state, &w, id, Some(form.saved), Some(draft)).await
}
