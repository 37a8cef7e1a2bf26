//! The inbox in the JSON API: conversations, one conversation with its mentions and history,
//! changes (assign, state, priority, note), and sending a mention to the inbox. The routes are
//! listed in [`crate::api::ROUTES`]; the rules are the pages' (`jardinier_inbox`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use jardinier_inbox::{Priority, State as Step, StateError, set_by_hand};
use jardinier_store::{AssigneeFilter, Conversation, ConversationChange, ConversationFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams, encode_cursor};
use crate::pages::listening::mention_json;
use crate::{SharedState, unix_now};

fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.id, "channel": c.channel, "subject": c.subject,
        "contact": {"name": c.contact_name, "handle": c.contact_handle},
        "state": c.state, "priority": c.priority,
        "assignee": c.assignee_id.map(|id| json!({"id": id, "name": c.assignee_name})),
        "created_at": c.created_at, "updated_at": c.updated_at, "last_inbound_at": c.last_inbound_at,
        "item_count": c.item_count, "queue": c.queue, "labels": c.labels, "member_id": c.member_id,
        "first_response_at": c.first_response_at, "resolved_at": c.resolved_at,
    })
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    state: Option<String>,
    /// "me" or "nobody".
    #[serde(default)]
    who: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    queue: Option<String>,
    /// Words in the messages, or part of the person's name or handle.
    #[serde(default)]
    q: Option<String>,
}

pub async fn list(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let p = &caller.0;
    let step = match params.state.as_deref() {
        None | Some("") | Some("open") => None,
        Some(text) => Some(Step::parse(text).ok_or_else(|| {
            ApiError::invalid(
                "state",
                "error.kind_invalid",
                format!("state: {text:?} is not one of open, new, assigned, waiting, done"),
            )
        })?),
    };
    let assignee = match params.who.as_deref() {
        Some("me") => AssigneeFilter::User(p.user.id),
        Some("nobody") => AssigneeFilter::Nobody,
        None | Some("") | Some("anyone") => AssigneeFilter::Anyone,
        Some(other) => {
            return Err(ApiError::invalid(
                "who",
                "error.kind_invalid",
                format!("who: {other:?} is not one of anyone, me, nobody"),
            ));
        }
    };
    let limit = page.limit()?;
    let before = page.position(2)?.map(|p| (p[0], p[1]));
    let conversations = state
        .store
        .conversations(&ConversationFilter {
            workspace_id: p.workspace.id,
            state: step.map(|s| s.as_str().to_owned()),
            assignee,
            label: params
                .label
                .clone()
                .and_then(|l| crate::pages::label_name(&l)),
            queue: params
                .queue
                .clone()
                .and_then(|q| crate::pages::label_name(&q)),
            terms: crate::pages::search_groups(params.q.as_deref().unwrap_or_default()),
            contact: params.q.clone(),
            limit: limit + 1,
            before,
        })
        .await?;
    let next = (conversations.len() as i64 > limit)
        .then(|| {
            conversations
                .get(limit as usize - 1)
                .map(|c| encode_cursor(&[c.updated_at, c.id]))
        })
        .flatten();
    let items: Vec<Value> = conversations
        .iter()
        .take(limit as usize)
        .map(conversation_json)
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}

pub async fn show(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let p = &caller.0;
    let (conversation, items, events) = state.store.conversation(p.workspace.id, id).await?.ok_or(
        jardinier_store::StoreError::NotFound {
            what: "conversation",
        },
    )?;
    let queries = state.store.listening_queries(p.workspace.id).await?;
    let mut body = conversation_json(&conversation);
    body["mentions"] = items.iter().map(|i| mention_json(i, &queries)).collect();
    body["events"] = events
        .iter()
        .map(|e| json!({"id": e.id, "at": e.at, "actor": e.actor, "kind": e.kind, "detail": e.detail}))
        .collect();
    body["replies"] = state
        .store
        .replies_of(p.workspace.id, id)
        .await?
        .iter()
        .map(reply_json)
        .collect();
    Ok(Json(body))
}

fn reply_json(r: &jardinier_store::Reply) -> Value {
    json!({"id": r.id, "conversation_id": r.conversation_id, "author": r.author_name, "text": r.body,
           "status": r.status.as_str(), "attempts": r.attempts, "error": r.last_error,
           "remote_id": r.remote_id, "remote_url": r.remote_url, "created_at": r.created_at,
           "sent_at": r.sent_at, "decided_by": r.decided_by})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    text: String,
    /// Mark the conversation done once the reply is accepted.
    #[serde(default)]
    close: bool,
    /// Sending the same key again returns the reply already stored.
    #[serde(default)]
    idempotency_key: Option<String>,
}

/// A reply to the conversation's person, on their channel, through the reply outbox.
pub async fn reply(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewInbox)?;
    if body
        .idempotency_key
        .as_ref()
        .is_some_and(|k| k.chars().count() > 200)
    {
        return Err(ApiError::invalid(
            "idempotency_key",
            "error.too_long",
            "idempotency_key: at most 200 characters".into(),
        ));
    }
    let p = &caller.0;
    use crate::pages::{ReplyRefused, accept_reply};
    match accept_reply(
        &state,
        p.workspace.id,
        (p.user.id, p.role),
        id,
        &body.text,
        body.close,
        body.idempotency_key.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(reply) => Ok((StatusCode::ACCEPTED, Json(reply_json(&reply))).into_response()),
        Err(ReplyRefused::NotFound) => Err(jardinier_store::StoreError::NotFound {
            what: "conversation",
        }
        .into()),
        Err(ReplyRefused::Blocked(why)) => Err(ApiError::invalid(
            "conversation",
            why,
            "this conversation's channel cannot be answered from Jardinier (see the message)"
                .into(),
        )),
        Err(ReplyRefused::Text(problem)) => Err(ApiError::invalid(
            "text",
            if problem == "inbox_reply_empty" {
                "error.required"
            } else {
                "error.too_long"
            },
            if problem == "inbox_reply_empty" {
                "text: the reply is empty".into()
            } else {
                "text: longer than this channel accepts".into()
            },
        )),
        Err(ReplyRefused::Store(e)) => Err(e.into()),
    }
}

/// Exactly one of the fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// A teammate's user id, or null to give it back to the team.
    #[serde(default, with = "double_option")]
    assign: Option<Option<i64>>,
    #[serde(default, deserialize_with = "text")]
    state: Option<String>,
    #[serde(default, deserialize_with = "text")]
    priority: Option<String>,
    #[serde(default, deserialize_with = "text")]
    note: Option<String>,
    #[serde(default, deserialize_with = "text")]
    add_label: Option<String>,
    #[serde(default, deserialize_with = "text")]
    remove_label: Option<String>,
    /// A team queue, or null to take it out of any.
    #[serde(default, deserialize_with = "some_text_or_null")]
    queue: Option<Option<String>>,
}

/// Tells `"assign": null` (give back) from no `assign` at all.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}

/// A text that may be absent but not null.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// The same for a text (`"queue": null` takes it out of its queue).
fn some_text_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub async fn change(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let p = &caller.0;
    let given = [
        body.assign.is_some(),
        body.state.is_some(),
        body.priority.is_some(),
        body.note.is_some(),
        body.add_label.is_some(),
        body.remove_label.is_some(),
        body.queue.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err(ApiError::invalid(
            "assign",
            "error.required",
            "Give exactly one of assign, state, priority, note, add_label, remove_label or queue."
                .into(),
        ));
    }
    let label = |field: &'static str, text: &str| {
        crate::pages::label_name(text).ok_or_else(|| {
            ApiError::invalid(
                field,
                "error.required",
                format!("{field}: a label has a name"),
            )
        })
    };
    let current = state
        .store
        .conversation_summary(p.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound {
            what: "conversation",
        })?;
    let change = if let Some(assignee) = body.assign {
        if let Some(user) = assignee {
            let works_the_inbox = state
                .store
                .members(p.workspace.id)
                .await?
                .iter()
                .any(|m| m.user.id == user && m.role.can(Permission::ViewInbox));
            if !works_the_inbox {
                return Err(ApiError::invalid(
                    "assign",
                    "error.kind_invalid",
                    format!("assign: user {user} is not a teammate who works the inbox"),
                ));
            }
        }
        ConversationChange::Assign(assignee)
    } else if let Some(text) = body.state {
        let step = Step::parse(&text).ok_or_else(|| {
            ApiError::invalid(
                "state",
                "error.kind_invalid",
                format!("state: {text:?} is not one of new, assigned, waiting, done"),
            )
        })?;
        match set_by_hand(step, current.assignee_id) {
            Ok(step) => ConversationChange::State(step.as_str().to_owned()),
            Err(StateError::NobodyAssigned) => {
                return Err(ApiError::invalid(
                    "state",
                    "error.kind_invalid",
                    "state: \"assigned\" needs an assignee; assign the conversation instead".into(),
                ));
            }
            Err(StateError::StillAssigned) => {
                return Err(ApiError::invalid(
                    "state",
                    "error.kind_invalid",
                    "state: someone has this conversation; give it back (\"assign\": null) to make it new".into(),
                ));
            }
        }
    } else if let Some(text) = body.priority {
        let priority = Priority::parse(&text).ok_or_else(|| {
            ApiError::invalid(
                "priority",
                "error.kind_invalid",
                format!("priority: {text:?} is not one of low, normal, high, urgent"),
            )
        })?;
        ConversationChange::Priority(priority.as_str().to_owned())
    } else if let Some(text) = &body.add_label {
        ConversationChange::Label(label("add_label", text)?, true)
    } else if let Some(text) = &body.remove_label {
        ConversationChange::Label(label("remove_label", text)?, false)
    } else if let Some(queue) = &body.queue {
        match queue {
            Some(text) => ConversationChange::Queue(Some(label("queue", text)?)),
            None => ConversationChange::Queue(None),
        }
    } else {
        let note = body.note.unwrap_or_default();
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 5_000 {
            return Err(ApiError::invalid(
                "note",
                "error.too_long",
                "note: between 1 and 5,000 characters".into(),
            ));
        }
        ConversationChange::Note(note.to_owned())
    };
    let changed = state
        .store
        .change_conversation(p.workspace.id, id, &change, Some(p.user.id), unix_now())
        .await?;
    Ok(Json(conversation_json(&changed)))
}

pub async fn send_mention(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewListening)?;
    caller.require(Permission::ViewInbox)?;
    let p = &caller.0;
    let conversation = state
        .store
        .send_to_inbox(p.workspace.id, id, Some(p.user.id), unix_now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"conversation_id": conversation})),
    )
        .into_response())
}

/// The OpenAPI schemas of these routes.
pub fn schemas() -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let nullable_string = json!({"type": ["string", "null"]});
    json!({
        "Conversation": {"type": "object", "properties": {"id": int, "channel": string, "subject": string,
            "contact": {"type": "object", "properties": {"name": nullable_string, "handle": nullable_string}},
            "state": {"type": "string", "enum": ["new", "assigned", "waiting", "done"]},
            "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
            "assignee": {"type": ["object", "null"], "properties": {"id": int, "name": string}},
            "created_at": int, "updated_at": int, "last_inbound_at": int, "item_count": int,
            "queue": nullable_string, "labels": {"type": "array", "items": string}, "member_id": {"type": ["integer", "null"]},
            "first_response_at": {"type": ["integer", "null"]}, "resolved_at": {"type": ["integer", "null"]}}},
        "ConversationList": crate::api_doc::list_schema("Conversation"),
        "ConversationDetail": {"allOf": [{"$ref": "#/components/schemas/Conversation"}, {"type": "object", "properties": {
            "mentions": {"type": "array", "items": {"$ref": "#/components/schemas/Mention"}},
            "events": {"type": "array", "items": {"type": "object", "properties": {"id": int, "at": int, "actor": nullable_string, "kind": string, "detail": string}}}}}]},
        "ConversationChange": {"type": "object", "description": "Exactly one of the fields.", "minProperties": 1, "maxProperties": 1, "additionalProperties": false, "properties": {
            "assign": {"type": ["integer", "null"], "format": "int64"},
            "state": {"type": "string", "enum": ["new", "assigned", "waiting", "done"]},
            "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
            "note": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S"},
            "add_label": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "remove_label": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "queue": {"type": ["string", "null"], "minLength": 1, "pattern": "\\S"}}},
        "SentToInbox": {"type": "object", "properties": {"conversation_id": int}},
        "NewReply": {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {"text": {"type": "string", "minLength": 1, "pattern": "\\S",
            "description": "Refused (422) when longer than the conversation's channel accepts."}, "close": {"type": "boolean"}, "idempotency_key": {"type": ["string", "null"], "maxLength": 200}}},
        "Reply": {"type": "object", "properties": {"id": int, "conversation_id": int, "author": nullable_string, "text": string,
            "status": {"type": "string", "enum": ["pending_approval", "queued", "sending", "sent", "failed", "rejected"]},
            "attempts": int, "error": nullable_string, "remote_id": nullable_string, "remote_url": nullable_string,
            "created_at": int, "sent_at": {"type": ["integer", "null"]}, "decided_by": nullable_string}},
    })
}
