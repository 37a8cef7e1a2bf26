//! The inbox: the queue of conversations that need an answer, one conversation with its
//! mentions and history, and what teammates do with it (assign, state, priority, notes).

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_inbox::{Priority, State as Step, set_by_hand};
use jardinier_store::{
    AssigneeFilter, Conversation, ConversationChange, ConversationFilter, InboxCounts, StoreError,
};
use serde::Deserialize;

use super::{Chrome, format_time, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// The queue's counts. Those per state are the same for the whole team until the inbox
/// changes: they are kept per workspace with the inbox's version (which every change raises,
/// in any process) and counted again only when it moved; the person's own is always counted.
async fn inbox_counts(state: &SharedState, w: &InWorkspace) -> Result<InboxCounts, WebError> {
    let ws = w.workspace.id;
    let version = state.store.inbox_version(ws, None).await?;
    let cached = state
        .inbox_counts
        .lock()
        .expect("counts cache")
        .get(&ws)
        .filter(|(v, _)| *v == version)
        .map(|(_, counts)| *counts);
    let counts = match cached {
        Some(counts) => InboxCounts {
            mine: state.store.inbox_mine(ws, w.user.id).await?,
            ..counts
        },
        None => {
            let counts = state.store.inbox_counts(ws, w.user.id).await?;
            state
                .inbox_counts
                .lock()
                .expect("counts cache")
                .insert(ws, (version, counts));
            counts
        }
    };
    Ok(counts)
}

/// Conversations listed on the queue page: a screenful or two, the newest activity first
/// (filters and search narrow it down).
pub const QUEUE_PAGE: i64 = 100;

/// A teammate who may be given conversations.
pub struct Teammate {
    pub id: i64,
    pub name: String,
}

pub struct ConversationRow {
    pub c: Conversation,
    pub updated: String,
    pub sla: Option<super::inbox_sla::SlaView>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxTemplate {
    c: Chrome,
    ws_slug: String,
    rows: Vec<ConversationRow>,
    counts: InboxCounts,
    /// The filters: state ("" for open ones) and who ("", "me", "nobody").
    state: String,
    who: String,
    /// Open conversations whose clock is at risk or late, among those listed.
    at_risk: usize,
    /// With a search: how many conversations it found, in words.
    found: Option<String>,
    label: String,
    queue: String,
    q: String,
    /// Labels in use.
    labels: Vec<String>,
    /// Saved views: (id, name, link, shared).
    views: Vec<(i64, String, String, bool)>,
    /// The current filter as a query string, for "save this view".
    current_query: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct InboxQuery {
    #[serde(default)]
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) who: String,
    #[serde(default)]
    pub(crate) label: String,
    #[serde(default)]
    pub(crate) queue: String,
    #[serde(default)]
    pub(crate) q: String,
}

impl InboxQuery {
    /// As a URL query string (only what is set), for saved views.
    pub(crate) fn encode(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("state", &self.state),
            ("who", &self.who),
            ("label", &self.label),
            ("queue", &self.queue),
            ("q", &self.q),
        ] {
            if !v.trim().is_empty() {
                out.append_pair(k, v.trim());
            }
        }
        out.finish()
    }
}

/// "12 conversations found", "more than 1,000 conversations found".
fn found_text(t: &jardinier_i18n::Tr, count: i64, more: bool) -> String {
    let n = super::format_count(t, count);
    match (more, count) {
        (true, _) => t.f("inbox.found_more", &[("count", n.as_str())]),
        (false, 0) => t.t("inbox.found_none").to_owned(),
        (false, 1) => t.t("inbox.found_one").to_owned(),
        (false, _) => t.f("inbox.found", &[("count", n.as_str())]),
    }
}

pub async fn inbox(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<InboxQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let step = Step::parse(&q.state);
    let assignee = match q.who.as_str() {
        "me" => AssigneeFilter::User(w.user.id),
        "nobody" => AssigneeFilter::Nobody,
        _ => AssigneeFilter::Anyone,
    };
    let filter = ConversationFilter {
        workspace_id: w.workspace.id,
        before: None,
        state: step.map(|s| s.as_str().to_owned()),
        assignee,
        label: label_name(&q.label),
        queue: label_name(&q.queue),
        terms: super::search_groups(&q.q),
        contact: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        limit: QUEUE_PAGE,
    };
    // A search says how many it found ("more than 1,000" rather than counting to the end),
    // counted while the page is read.
    let searching = !q.q.trim().is_empty();
    let (conversations, total) = tokio::try_join!(state.store.conversations(&filter), async {
        if searching {
            state.store.count_conversations(&filter).await.map(Some)
        } else {
            Ok(None)
        }
    })?;
    let found = total.map(|(count, more)| found_text(&w.ctx.tr, count, more));
    let counts = inbox_counts(&state, &w).await?;
    let targets = super::inbox_sla::targets(&state, &w).await?;
    let now = unix_now();
    let rows: Vec<ConversationRow> = conversations
        .into_iter()
        .map(|c| ConversationRow {
            updated: format_time(w.ctx.tr, c.updated_at, &w.workspace.timezone),
            sla: targets.view(&c, now, w.ctx.tr),
            c,
        })
        .collect();
    let at_risk = rows
        .iter()
        .filter(|r| r.sla.as_ref().is_some_and(|s| s.state != "on-time"))
        .count();
    render(InboxTemplate {
        c: Chrome::workspace(&w, "inbox"),
        ws_slug: w.workspace.slug.clone(),
        rows,
        counts,
        state: step.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        who: match assignee {
            AssigneeFilter::User(_) => "me".into(),
            AssigneeFilter::Nobody => "nobody".into(),
            AssigneeFilter::Anyone => String::new(),
        },
        at_risk,
        found,
        labels: state.store.inbox_labels(w.workspace.id).await?,
        views: state
            .store
            .inbox_views(w.workspace.id, w.user.id)
            .await?
            .into_iter()
            .map(|v| {
                (
                    v.id,
                    v.name,
                    format!("/w/{}/inbox?{}", w.workspace.slug, v.query),
                    v.user_id.is_none(),
                )
            })
            .collect(),
        current_query: q.encode(),
        label: q.label.clone(),
        queue: q.queue.clone(),
        q: q.q.clone(),
    })
}

/// One line of a conversation's timeline: a mention, or something a teammate did.
pub struct Entry {
    pub at: i64,
    pub when: String,
    pub mention: Option<Mention>,
    /// (catalogue key, its placeholder value, who) of an event.
    pub event: Option<(&'static str, String, String)>,
    pub reply: Option<super::inbox_replies::ReplyView>,
}

pub struct Mention {
    pub author: String,
    pub title: Option<String>,
    pub body: String,
    pub url: Option<String>,
    pub sentiment: String,
}

#[derive(Template)]
#[template(path = "inbox_conversation.html")]
struct ConversationTemplate {
    c: Chrome,
    ws_slug: String,
    conv: Conversation,
    /// Quick actions: (action, value, label key, shortcut key).
    quick: Vec<(&'static str, String, &'static str, &'static str)>,
    /// Catalogue keys of its state and priority.
    state_key: String,
    priority_key: String,
    entries: Vec<Entry>,
    teammates: Vec<Teammate>,
    /// Why it cannot be answered from here (catalogue key).
    reply_blocked: Option<&'static str>,
    /// The reply form's idempotency key: sending the same form twice stores one reply.
    reply_key: String,
    /// When the page was drawn: a teammate's reply after it is a collision.
    opened_at: i64,
    /// Who answered while this teammate was writing (their draft is held back).
    collision: Option<String>,
    /// The reply box's text: a saved reply with its variables filled in.
    prefill: String,
    /// Saved replies: (id, name, language), the conversation's language first.
    saved: Vec<(i64, String, String)>,
    saved_choice: i64,
    approval_needed: bool,
    reply_limit: String,
    /// The SLA clock and when it falls due.
    sla: Option<(super::inbox_sla::SlaView, String)>,
    /// The open queue beside it, and the person's card.
    beside: Vec<super::inbox_side::QueueLine>,
    profile: Option<super::inbox_side::ProfileCard>,
}

#[derive(Deserialize)]
pub struct ConversationQuery {
    #[serde(default)]
    saved: Option<i64>,
}

fn event_key(kind: &str, detail: &str, by_someone: bool) -> &'static str {
    match (kind, detail, by_someone) {
        ("opened", _, true) => "inbox.event_opened",
        ("opened", _, false) => "inbox.event_opened_auto",
        ("joined", _, _) => "inbox.event_joined",
        ("assigned", "", _) => "inbox.event_unassigned",
        ("assigned", _, _) => "inbox.event_assigned",
        ("state", _, true) => "inbox.event_state",
        ("state", _, false) => "inbox.event_state_auto",
        ("priority", _, _) => "inbox.event_priority",
        ("routed", _, _) => "inbox.event_routed",
        ("reply_queued", _, _) => "inbox.event_reply_queued",
        ("reply_pending", _, _) => "inbox.event_reply_pending",
        ("reply_approved", _, _) => "inbox.event_reply_approved",
        ("reply_rejected", _, _) => "inbox.event_reply_rejected",
        ("reply_sent", _, _) => "inbox.event_reply_sent",
        ("reply_failed", _, _) => "inbox.event_reply_failed",
        ("reply_retried", _, _) => "inbox.event_reply_retried",
        ("labelled", _, _) => "inbox.event_labelled",
        ("unlabelled", _, _) => "inbox.event_unlabelled",
        ("queue", "", _) => "inbox.event_queue_none",
        ("queue", _, _) => "inbox.event_queue",
        ("spam", _, _) => "inbox.event_spam",
        ("sla_warning", "late", _) => "inbox.event_sla_late",
        ("sla_warning", _, _) => "inbox.event_sla_at_risk",
        _ => "inbox.event_note",
    }
}

/// Teammates whose role answers the inbox.
pub(crate) async fn teammates(
    state: &SharedState,
    w: &InWorkspace,
) -> Result<Vec<Teammate>, WebError> {
    Ok(state
        .store
        .members(w.workspace.id)
        .await?
        .into_iter()
        .filter(|m| m.role.can(Permission::ViewInbox))
        .map(|m| Teammate {
            id: m.user.id,
            name: m.user.display_name,
        })
        .collect())
}

pub async fn conversation(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Query(query): Query<ConversationQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    conversation_page(&state, &w, id, query.saved, None).await
}

/// A reply kept while its author reads what a teammate answered meanwhile.
pub struct Draft {
    pub body: String,
    pub key: String,
    /// Who answered since the page was opened (none: the text is only kept, as after
    /// inserting a saved reply without JavaScript).
    pub others: Option<String>,
}

/// The conversation page, with a draft reply when one is held back.
pub async fn conversation_page(
    state: &SharedState,
    w: &InWorkspace,
    id: i64,
    saved: Option<i64>,
    draft: Option<Draft>,
) -> Result<Response, WebError> {
    use super::inbox_replies as replies;
    let state = state.clone();
    let query = ConversationQuery { saved };
    let Some((conversation, items, events)) = state.store.conversation(w.workspace.id, id).await?
    else {
        return Err(WebError::NotFound);
    };
    let newest = items.iter().max_by_key(|i| (i.published_at, i.id));
    let reply_blocked = replies::reply_blocked(&state, newest.map(|i| i.source_id)).await?;
    let reply_limit = newest
        .and_then(|i| jardinier_outbound::reply_limit(&i.source_kind))
        .map(|n| n.to_string())
        .unwrap_or_default();
    let conversation_lang = newest.and_then(|i| i.lang.clone()).unwrap_or_default();
    let mut saved_list = state.store.saved_replies(w.workspace.id).await?;
    saved_list.sort_by_key(|s| (s.lang != conversation_lang, s.lang.clone(), s.name.clone()));
    let prefill = draft.as_ref().map(|d| d.body.clone());
    let prefill = prefill
        .or_else(|| {
            query
                .saved
                .and_then(|choice| saved_list.iter().find(|s| s.id == choice))
                .and_then(|s| {
                    jardinier_inbox::render_template(
                        &s.body,
                        &replies::reply_context(&conversation, w),
                    )
                    .ok()
                })
        })
        .unwrap_or_default();
    let reply_entries: Vec<Entry> = state
        .store
        .replies_of(w.workspace.id, id)
        .await?
        .iter()
        .map(|r| Entry {
            at: r.created_at,
            when: format_time(w.ctx.tr, r.created_at, &w.workspace.timezone),
            mention: None,
            event: None,
            reply: Some(replies::reply_view(r, w)),
        })
        .collect();
    let tz = &w.workspace.timezone;
    let tr = w.ctx.tr;
    let mut entries: Vec<Entry> = items
        .into_iter()
        .map(|i| Entry {
            at: i.published_at,
            when: format_time(w.ctx.tr, i.published_at, tz),
            mention: Some(Mention {
                author: match (&i.author_name, &i.author_handle) {
                    (Some(n), Some(h)) if n != h => format!("{n} ({h})"),
                    (Some(n), _) => n.clone(),
                    (None, Some(h)) => h.clone(),
                    (None, None) => String::new(),
                },
                title: i.title,
                body: i.body,
                url: i.url,
                sentiment: i.sentiment.unwrap_or_default(),
            }),
            event: None,
            reply: None,
        })
        .collect();
    entries.extend(reply_entries);
    entries.extend(events.into_iter().map(|e| {
        let value = match e.kind.as_str() {
            "state" => Step::parse(&e.detail)
                .map(|s| tr.t(&format!("inbox.state_{}", s.as_str())).to_owned())
                .unwrap_or(e.detail.clone()),
            "priority" => Priority::parse(&e.detail)
                .map(|p| tr.t(&format!("inbox.priority_{}", p.as_str())).to_owned())
                .unwrap_or(e.detail.clone()),
            _ => e.detail.clone(),
        };
        Entry {
            at: e.at,
            when: format_time(w.ctx.tr, e.at, tz),
            mention: None,
            event: Some((
                event_key(&e.kind, &e.detail, e.actor.is_some()),
                value,
                e.actor.unwrap_or_default(),
            )),
            reply: None,
        }
    }));
    entries.sort_by_key(|e| e.at);
    let approval_needed = replies::reply_needs_approval(w, &conversation);
    let targets = super::inbox_sla::targets(&state, w).await?;
    let sla = super::inbox_sla::due_line(&targets, &conversation, unix_now(), w.ctx.tr);
    let beside = super::inbox_side::queue_beside(&state, w, id).await?;
    let profile = super::inbox_side::profile_beside(&state, w, conversation.member_id, id).await?;
    render(ConversationTemplate {
        beside,
        profile,
        c: Chrome::workspace(w, "inbox"),
        ws_slug: w.workspace.slug.clone(),
        state_key: format!("inbox.state_{}", conversation.state),
        priority_key: format!("inbox.priority_{}", conversation.priority),
        conv: conversation,
        quick: vec![
            ("assign", w.user.id.to_string(), "inbox.take", "a"),
            ("state", "waiting".into(), "inbox.bulk_waiting", "w"),
            ("state", "done".into(), "inbox.bulk_done", "d"),
        ],
        entries,
        teammates: teammates(&state, w).await?,
        reply_blocked,
        reply_key: draft
            .as_ref()
            .map(|d| d.key.clone())
            .unwrap_or_else(crate::auth::random_token),
        opened_at: unix_now(),
        collision: draft.as_ref().and_then(|d| d.others.clone()),
        prefill,
        saved: saved_list
            .into_iter()
            .map(|s| (s.id, s.name, s.lang))
            .collect(),
        saved_choice: query.saved.unwrap_or(0),
        approval_needed,
        reply_limit,
        sla,
    })
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    value: String,
}

/// Assign, set the state or priority, or add a note. A refused change comes back to the
/// conversation with a message saying why.
pub async fn change(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let back = |done: &str| redirect(&format!("/w/{}/inbox/{id}?done={done}", w.workspace.slug));
    let Some(current) = state.store.conversation_summary(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let value = form.value.trim();
    let change = match form.action.as_str() {
        "assign" if value.is_empty() => ConversationChange::Assign(None),
        "assign" => {
            let who = value.parse::<i64>().ok();
            let allowed = teammates(&state, &w).await?;
            match who.filter(|id| allowed.iter().any(|t| t.id == *id)) {
                Some(user) => ConversationChange::Assign(Some(user)),
                None => return Ok(back("inbox_not_a_teammate")),
            }
        }
        "state" => match Step::parse(value).map(|s| set_by_hand(s, current.assignee_id)) {
            Some(Ok(step)) => ConversationChange::State(step.as_str().to_owned()),
            Some(Err(jardinier_inbox::StateError::NobodyAssigned)) => {
                return Ok(back("inbox_needs_assignee"));
            }
            Some(Err(jardinier_inbox::StateError::StillAssigned)) => {
                return Ok(back("inbox_still_assigned"));
            }
            None => return Err(WebError::NotFound),
        },
        "priority" => match Priority::parse(value) {
            Some(p) => ConversationChange::Priority(p.as_str().to_owned()),
            None => return Err(WebError::NotFound),
        },
        "note" if value.is_empty() => return Ok(back("inbox_note_empty")),
        "note" if value.chars().count() > 5_000 => return Ok(back("inbox_note_too_long")),
        "note" => ConversationChange::Note(value.to_owned()),
        "label_add" | "label_remove" => match label_name(value) {
            Some(label) => ConversationChange::Label(label, form.action == "label_add"),
            None => return Ok(back("inbox_label_empty")),
        },
        "queue" => ConversationChange::Queue(label_name(value)),
        "spam" => ConversationChange::Spam,
        _ => return Err(WebError::NotFound),
    };
    let note = match &change {
        ConversationChange::Note(text) => Some(text.clone()),
        _ => None,
    };
    match state
        .store
        .change_conversation(w.workspace.id, id, &change, Some(w.user.id), unix_now())
        .await
    {
        Ok(changed) => {
            if let Some(note) = note
                && notify_mentioned(&state, &w, &changed, &note).await? > 0
            {
                return Ok(back("inbox_note_mentioned"));
            }
            Ok(back("inbox_saved"))
        }
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// E-mails the teammates a note mentions (`@camille`), in their language, through the mail
/// outbox; returns how many.
async fn notify_mentioned(
    state: &SharedState,
    w: &InWorkspace,
    conversation: &Conversation,
    note: &str,
) -> Result<usize, WebError> {
    let members = state.store.members(w.workspace.id).await?;
    let team: Vec<(i64, &str, &str)> = members
        .iter()
        .filter(|m| m.role.can(Permission::ViewInbox) && m.user.id != w.user.id)
        .map(|m| {
            (
                m.user.id,
                m.user.email.as_str(),
                m.user.display_name.as_str(),
            )
        })
        .collect();
    let mentioned = jardinier_inbox::mentioned(note, &team);
    let now = unix_now();
    for member in members.iter().filter(|m| mentioned.contains(&m.user.id)) {
        let tr = crate::mail_tr(&member.user);
        let link = format!(
            "{}/w/{}/inbox/{}",
            state.config.base_url, w.workspace.slug, conversation.id
        );
        let args = [
            ("who", w.user.display_name.as_str()),
            ("name", member.user.display_name.as_str()),
            ("subject", conversation.subject.as_str()),
            ("note", note),
            ("link", link.as_str()),
        ];
        state
            .store
            .enqueue_mail(&jardinier_store::NewMail {
                idempotency_key: &format!(
                    "mention:{}:{}:{}:{}",
                    conversation.id, member.user.id, now, w.user.id
                ),
                to: &member.user.email,
                subject: &tr.f("mail.mention.subject", &args),
                body_text: &tr.f("mail.mention.body", &args),
                created_at: now,
                list_unsubscribe: None,
            })
            .await?;
    }
    if !mentioned.is_empty() {
        state.mail_wake.notify_one();
    }
    Ok(mentioned.len())
}

/// "Send to the inbox" from the listening stream: the mention joins the conversation of what it
/// answers, or opens one.
pub async fn send_item(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, item_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    w.require(Permission::ViewInbox)?;
    match state
        .store
        .send_to_inbox(w.workspace.id, item_id, Some(w.user.id), unix_now())
        .await
    {
        Ok(id) => Ok(redirect(&format!(
            "/w/{}/inbox/{id}?done=inbox_sent",
            w.workspace.slug
        ))),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Several conversations at once, from the list's check boxes: take them, give them back,
/// mark them waiting or done. Conversations a change does not apply to stay as they are.
pub async fn bulk(
    State(state): State<SharedState>,
    w: InWorkspace,
    body: String,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let mut ids: Vec<i64> = Vec::new();
    let mut action = String::new();
    let mut label = String::new();
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "id" => ids.extend(value.parse::<i64>().ok()),
            "action" => action = value.into_owned(),
            "label" => label = value.into_owned(),
            _ => {}
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let back = |done: &str| redirect(&format!("/w/{}/inbox?done={done}", w.workspace.slug));
    if ids.is_empty() {
        return Ok(back("inbox_bulk_none"));
    }
    let now = unix_now();
    for id in ids {
        let Some(current) = state.store.conversation_summary(w.workspace.id, id).await? else {
            return Err(WebError::NotFound);
        };
        let change = match action.as_str() {
            "take" => ConversationChange::Assign(Some(w.user.id)),
            "release" => ConversationChange::Assign(None),
            "waiting" | "done" => {
                let step = Step::parse(&action).unwrap_or(Step::Done);
                match set_by_hand(step, current.assignee_id) {
                    Ok(step) => ConversationChange::State(step.as_str().to_owned()),
                    Err(_) => continue,
                }
            }
            "label" => match label_name(&label) {
                Some(label) => ConversationChange::Label(label, true),
                None => return Ok(back("inbox_label_empty")),
            },
            "spam" => ConversationChange::Spam,
            _ => return Err(WebError::NotFound),
        };
        state
            .store
            .change_conversation(w.workspace.id, id, &change, Some(w.user.id), now)
            .await?;
    }
    Ok(back("inbox_bulk_saved"))
}

/// How often a live page's server side looks for changes.
const LIVE_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Server-sent events for the inbox list (`conversation: None`) or one conversation: `changed`
/// when something happened to it (a teammate's change, a reply that joined, a new
/// conversation), and, for a conversation, `viewers` with the names of the other teammates who
/// have it open. Changes are found by the inbox's version in the database, so they reach pages
/// served by any process; who is viewing is known to this process only.
async fn live_stream(
    state: SharedState,
    w: InWorkspace,
    conversation: Option<i64>,
) -> Result<Response, WebError> {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, KeepAlive, Sse};
    w.require(Permission::ViewInbox)?;
    if let Some(id) = conversation
        && state
            .store
            .conversation_summary(w.workspace.id, id)
            .await?
            .is_none()
    {
        return Err(WebError::NotFound);
    }
    let workspace_id = w.workspace.id;
    let version = state
        .store
        .inbox_version(workspace_id, conversation)
        .await?;
    let presence =
        conversation.map(|id| Presence::join(state.clone(), id, w.user.id, &w.user.display_name));
    let me = w.user.id;
    let stream = futures_util::stream::unfold(
        (state, version, "[]".to_owned(), presence),
        move |(state, version, seen, presence)| async move {
            loop {
                tokio::time::sleep(LIVE_TICK).await;
                if *state.stopping.borrow() {
                    return None;
                }
                let now = match state.store.inbox_version(workspace_id, conversation).await {
                    Ok(now) => now,
                    Err(error) => {
                        tracing::warn!(%error, "live inbox: could not read the version");
                        version
                    }
                };
                if now != version {
                    let event = Event::default().event("changed").data(now.to_string());
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (state, now, seen, presence),
                    ));
                }
                if let Some(p) = &presence {
                    let others = p.others(me);
                    if others != seen {
                        let event = Event::default().event("viewers").data(others.clone());
                        return Some((Ok(event), (state, version, others, presence)));
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// A teammate's open conversation page, counted while its live stream lasts.
struct Presence {
    state: SharedState,
    conversation: i64,
    user: i64,
}

impl Presence {
    fn join(state: SharedState, conversation: i64, user: i64, name: &str) -> Presence {
        {
            let mut viewers = state.viewers.0.lock().expect("viewers lock");
            let entry = viewers
                .entry(conversation)
                .or_default()
                .entry(user)
                .or_insert((name.to_owned(), 0));
            entry.1 += 1;
        }
        Presence {
            state,
            conversation,
            user,
        }
    }

    /// The other teammates viewing, by name, as a JSON array (`[]` when alone: an event
    /// without data would not reach the page).
    fn others(&self, me: i64) -> String {
        let viewers = self.state.viewers.0.lock().expect("viewers lock");
        let mut names: Vec<String> = viewers
            .get(&self.conversation)
            .into_iter()
            .flatten()
            .filter(|(user, _)| **user != me)
            .map(|(_, (name, _))| name.clone())
            .collect();
        names.sort();
        serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        let mut viewers = self.state.viewers.0.lock().expect("viewers lock");
        if let Some(users) = viewers.get_mut(&self.conversation) {
            if let Some(entry) = users.get_mut(&self.user) {
                entry.1 -= 1;
                if entry.1 == 0 {
                    users.remove(&self.user);
                }
            }
            if users.is_empty() {
                viewers.remove(&self.conversation);
            }
        }
    }
}

pub async fn live_list(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    live_stream(state, w, None).await
}

pub async fn live_conversation(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    live_stream(state, w, Some(id)).await
}

/// A label or queue name as typed: trimmed, lower case, 40 characters at most; `None` if empty.
pub fn label_name(text: &str) -> Option<String> {
    let name: String = text.trim().to_lowercase().chars().take(40).collect();
    (!name.is_empty()).then_some(name)
}

/// How many recent mentions a rule is tried against before it is saved.
const RULE_PREVIEW: i64 = 200;

pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "inbox_rules.html")]
struct RulesTemplate {
    c: Chrome,
    ws_slug: String,
    rules: Vec<RuleRow>,
    queries: Vec<jardinier_store::ListeningQuery>,
    teammates: Vec<Teammate>,
    form: RuleForm,
    /// The preview: (matching, tried, examples).
    preview: Option<(usize, usize, Vec<String>)>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub sentiment: String,
    #[serde(default)]
    pub min_reach: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub assign_to: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub member_tags: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub queue: String,
    #[serde(default)]
    pub spam: String,
    /// "preview" tries the rule; "save" saves it.
    #[serde(default)]
    pub intent: String,
}

impl RuleForm {
    /// The rule's conditions and action, or what is wrong, in words.
    fn read(
        &self,
        tr: jardinier_i18n::Tr,
    ) -> Result<(jardinier_inbox::RuleConditions, jardinier_inbox::RuleAction), String> {
        let one = |v: &str| -> Vec<String> {
            Some(v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .into_iter()
                .collect()
        };
        let keywords = Some(self.keywords.trim().to_owned()).filter(|k| !k.is_empty());
        if let Some(k) = &keywords
            && let Err(e) = jardinier_query::parse(k)
        {
            return Err(super::listening::query_error_message(tr, &e));
        }
        let min_reach = match self.min_reach.trim() {
            "" => None,
            text => Some(
                text.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| tr.t("error.number_out_of_range").to_owned())?,
            ),
        };
        Ok((
            jardinier_inbox::RuleConditions {
                sources: one(&self.source),
                query_ids: self.query.trim().parse::<i64>().ok().into_iter().collect(),
                langs: one(&self.lang),
                sentiments: one(&self.sentiment),
                min_reach,
                keywords,
                member_tags: self
                    .member_tags
                    .split(',')
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect(),
            },
            jardinier_inbox::RuleAction {
                assign_to: self.assign_to.trim().parse::<i64>().ok(),
                priority: Priority::parse(&self.priority).map(|p| p.as_str().to_owned()),
                label: label_name(&self.label),
                queue: label_name(&self.queue),
                spam: !self.spam.is_empty(),
            },
        ))
    }
}

async fn rules_template(
    state: &SharedState,
    w: &InWorkspace,
    form: RuleForm,
) -> Result<RulesTemplate, WebError> {
    let rules = state
        .store
        .routing_rules(w.workspace.id)
        .await?
        .into_iter()
        .map(|r| RuleRow {
            id: r.id,
            name: r.name,
            summary: format!("{} → {}", r.conditions, r.action),
        })
        .collect();
    Ok(RulesTemplate {
        c: Chrome::workspace(w, "inbox"),
        ws_slug: w.workspace.slug.clone(),
        rules,
        queries: state.store.listening_queries(w.workspace.id).await?,
        teammates: teammates(state, w).await?,
        form,
        preview: None,
        error: None,
    })
}

pub async fn rules_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    render(rules_template(&state, &w, RuleForm::default()).await?)
}

/// Tries a rule on the recent mentions ("preview"), or saves it ("save"): a rule is tried
/// before it is switched on.
pub async fn save_rule(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<RuleForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    w.require(Permission::ManageListening)?;
    let mut template = rules_template(&state, &w, form.clone()).await?;
    let (conditions, action) = match form.read(w.ctx.tr) {
        Ok(read) => read,
        Err(message) => {
            template.error = Some(message);
            return super::render_invalid(template);
        }
    };
    let conditions_json =
        serde_json::to_string(&conditions).map_err(|e| WebError::Internal(e.into()))?;
    let action_json = serde_json::to_string(&action).map_err(|e| WebError::Internal(e.into()))?;
    if form.intent == "save" {
        let name = match jardinier_domain::DisplayName::parse("name", &form.name) {
            Ok(name) => name,
            Err(_) => {
                template.error = Some(w.ctx.tr.t("error.required").to_owned());
                return super::render_invalid(template);
            }
        };
        state
            .store
            .create_routing_rule(&jardinier_store::NewRoutingRule {
                workspace_id: w.workspace.id,
                name: name.as_str(),
                conditions: &conditions_json,
                action: &action_json,
                now: unix_now(),
            })
            .await?;
        super::audit_in(&state, &w, "routing_rule_created", name.as_str()).await?;
        return Ok(redirect(&format!(
            "/w/{}/inbox/rules?done=routing_rule_saved",
            w.workspace.slug
        )));
    }
    let rule = jardinier_listening::routing::load(jardinier_store::RoutingRule {
        id: 0,
        workspace_id: w.workspace.id,
        name: String::new(),
        conditions: conditions_json,
        action: action_json,
        enabled: true,
        created_at: 0,
    })
    .ok_or_else(|| WebError::Internal(anyhow::anyhow!("a rule just written does not read")))?;
    let recent = state
        .store
        .items(&jardinier_store::ItemFilter {
            workspace_id: w.workspace.id,
            limit: RULE_PREVIEW,
            ..Default::default()
        })
        .await?;
    let matching: Vec<String> = recent
        .iter()
        .filter(|i| {
            rule.applies_to(&jardinier_listening::routing::Mention::of_stored(
                i,
                w.workspace.id,
            ))
        })
        .map(|i| i.body.chars().take(160).collect())
        .collect();
    template.preview = Some((
        matching.len(),
        recent.len(),
        matching.into_iter().take(5).collect(),
    ));
    render(template)
}

pub async fn delete_rule(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    w.require(Permission::ManageListening)?;
    match state.store.delete_routing_rule(w.workspace.id, id).await {
        Ok(()) => {}
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    super::audit_in(&state, &w, "routing_rule_deleted", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/inbox/rules?done=routing_rule_deleted",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct ViewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    shared: String,
}

/// Saves the current filter as a named view, personal or shared with the team.
pub async fn save_view(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<ViewForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let name: String = form.name.trim().chars().take(60).collect();
    if name.is_empty() {
        return Ok(redirect(&format!(
            "/w/{}/inbox?{}&done=inbox_view_name",
            w.workspace.slug, form.query
        )));
    }
    // Only the filter's own keys are kept.
    let filter: InboxQuery = serde_urlencoded_query(&form.query);
    state
        .store
        .save_inbox_view(&jardinier_store::InboxView {
            id: 0,
            workspace_id: w.workspace.id,
            user_id: (form.shared.is_empty()).then_some(w.user.id),
            name,
            query: filter.encode(),
            created_at: unix_now(),
        })
        .await?;
    Ok(redirect(&format!(
        "/w/{}/inbox?{}&done=inbox_view_saved",
        w.workspace.slug,
        filter.encode()
    )))
}

pub(crate) fn serde_urlencoded_query(query: &str) -> InboxQuery {
    let mut q = InboxQuery::default();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "state" => q.state = v.into_owned(),
            "who" => q.who = v.into_owned(),
            "label" => q.label = v.into_owned(),
            "queue" => q.queue = v.into_owned(),
            "q" => q.q = v.into_owned(),
            _ => {}
        }
    }
    q
}

pub async fn delete_view(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    match state
        .store
        .delete_inbox_view(w.workspace.id, w.user.id, id)
        .await
    {
        Ok(()) => Ok(redirect(&format!(
            "/w/{}/inbox?done=inbox_saved",
            w.workspace.slug
        ))),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
