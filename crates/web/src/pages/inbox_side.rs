//! What sits beside an open conversation (issue 15, item 8): the queue it came from, to move
//! to the next one without going back, and the person's profile with their history.

use jardinier_domain::Permission;
use jardinier_store::ConversationFilter;

use super::format_time;
use crate::SharedState;
use crate::context::InWorkspace;
use crate::error::WebError;

/// Conversations listed beside the open one.
const BESIDE: i64 = 25;
/// The person's other conversations and notes shown on the card.
const HISTORY: usize = 5;

pub struct QueueLine {
    pub id: i64,
    pub subject: String,
    pub contact: String,
    pub state_key: String,
    pub current: bool,
}

/// The open queue, newest activity first, the open conversation marked.
pub async fn queue_beside(
    state: &SharedState,
    w: &InWorkspace,
    current: i64,
) -> Result<Vec<QueueLine>, WebError> {
    let found = state
        .store
        .conversations(&ConversationFilter {
            workspace_id: w.workspace.id,
            limit: BESIDE,
            ..Default::default()
        })
        .await?;
    Ok(found
        .into_iter()
        .map(|c| QueueLine {
            id: c.id,
            current: c.id == current,
            contact: c
                .contact_name
                .clone()
                .or(c.contact_handle.clone())
                .unwrap_or_default(),
            state_key: format!("inbox.state_{}", c.state),
            subject: c.subject,
        })
        .collect())
}

pub struct ProfileCard {
    pub id: i64,
    pub name: String,
    pub tags: Vec<String>,
    /// (catalogue key of the kind, value)
    pub identities: Vec<(&'static str, String)>,
    pub fields: Vec<(String, String)>,
    pub conversation_count: usize,
    pub mention_count: usize,
    /// Their other conversations: (id, subject, state key, when).
    pub others: Vec<(i64, String, String, String)>,
    /// Notes of the team: (who, text, when).
    pub notes: Vec<(String, String, String)>,
    pub first_seen: String,
}

/// The person's card, when the conversation is tied to a profile the reader may see.
pub async fn profile_beside(
    state: &SharedState,
    w: &InWorkspace,
    member: Option<i64>,
    current: i64,
) -> Result<Option<ProfileCard>, WebError> {
    let Some(member) = member.filter(|_| w.can(Permission::ViewMembers)) else {
        return Ok(None);
    };
    let Some(profile) = state.store.person(w.workspace.id, member).await? else {
        return Ok(None);
    };
    let tz = &w.workspace.timezone;
    let person = &profile.row.person;
    Ok(Some(ProfileCard {
        id: person.id,
        name: person.display_name.clone(),
        tags: profile.row.tags.clone(),
        identities: profile
            .row
            .identities
            .iter()
            .map(|i| {
                (
                    super::identity_kind_key(i.identity.kind.as_str()),
                    i.identity.value.clone(),
                )
            })
            .collect(),
        fields: person.fields.clone(),
        conversation_count: profile.conversations.len(),
        mention_count: profile.items.len(),
        others: profile
            .conversations
            .iter()
            .filter(|c| c.id != current)
            .take(HISTORY)
            .map(|c| {
                (
                    c.id,
                    c.subject.clone(),
                    format!("inbox.state_{}", c.state),
                    format_time(w.ctx.tr, c.updated_at, tz),
                )
            })
            .collect(),
        notes: profile
            .notes
            .iter()
            .take(HISTORY)
            .map(|n| {
                (
                    n.author.clone().unwrap_or_default(),
                    n.body.clone(),
                    format_time(w.ctx.tr, n.at, tz),
                )
            })
            .collect(),
        first_seen: format_time(w.ctx.tr, person.created_at, tz),
    }))
}
