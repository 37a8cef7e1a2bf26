//! Replying from a conversation: the reply form, approvals, sending a failed reply again, and
//! the workspace's saved replies. Replies are written to the reply outbox; the reply worker
//! (`jardinier-outbound`) sends them.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_inbox::{Priority, ReplyContext, TemplateError, check_template, needs_approval};
use jardinier_store::{Conversation, NewReply, Reply, ReplyStatus, SavedReply, StoreError};
use serde::Deserialize;

use super::{Chrome, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// The longest reply accepted, whatever the channel (e-mail); channels with a limit have theirs.
pub const MAX_REPLY_CHARS: usize = 10_000;

/// A reply as its conversation shows it.
pub struct ReplyView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub status: &'static str,
    pub status_key: &'static str,
    pub error: Option<String>,
    pub url: Option<String>,
    pub decided_by: Option<String>,
    pub can_decide: bool,
    pub can_retry: bool,
}

pub fn reply_view(reply: &Reply, w: &InWorkspace) -> ReplyView {
    let status = reply.status.as_str();
    ReplyView {
        id: reply.id,
        author: reply.author_name.clone().unwrap_or_default(),
        body: reply.body.clone(),
        status,
        status_key: match reply.status {
            ReplyStatus::PendingApproval => "inbox.reply_pending_approval",
            ReplyStatus::Queued => "inbox.reply_queued",
            ReplyStatus::Sending => "inbox.reply_sending",
            ReplyStatus::Sent => "inbox.reply_sent",
            ReplyStatus::Failed => "inbox.reply_failed",
            ReplyStatus::Rejected => "inbox.reply_rejected",
        },
        error: reply
            .last_error
            .clone()
            .filter(|_| matches!(reply.status, ReplyStatus::Failed | ReplyStatus::Queued)),
        url: reply.remote_url.clone(),
        decided_by: reply.decided_by.clone(),
        can_decide: reply.status == ReplyStatus::PendingApproval
            && w.role.can(Permission::ApproveReplies),
        can_retry: reply.status == ReplyStatus::Failed,
    }
}

/// The values of saved replies' variables in this conversation.
pub fn reply_context(conversation: &Conversation, w: &InWorkspace) -> ReplyContext {
    ReplyContext {
        name: conversation.contact_name.clone(),
        handle: conversation.contact_handle.clone(),
        agent: w.user.display_name.clone(),
        brand: w.workspace.name.clone(),
    }
}

/// Why this conversation cannot be answered from here (catalogue key), judged on the source of
/// its newest item; `None` when it can.
pub async fn reply_blocked(
    state: &SharedState,
    source_id: Option<i64>,
) -> Result<Option<&'static str>, WebError> {
    let Some(source) = (match source_id {
        Some(id) => state.store.source_by_id(id).await?,
        None => None,
    }) else {
        return Ok(Some("inbox.cannot_reply_kind"));
    };
    Ok(
        jardinier_outbound::can_reply(&source.kind, &source.config, source.secret.as_deref())
            .err()
            .map(|why| why.key()),
    )
}

/// Whether this teammate's reply on this conversation waits for an approver.
pub fn reply_needs_approval(w: &InWorkspace, conversation: &Conversation) -> bool {
    role_needs_approval(w.role, conversation)
}

fn role_needs_approval(role: jardinier_domain::Role, conversation: &Conversation) -> bool {
    needs_approval(
        role.can(Permission::ReplyWithoutApproval),
        role.can(Permission::ApproveReplies),
        Priority::parse(&conversation.priority).unwrap_or(Priority::Normal),
    )
}

/// Why a reply was not accepted.
#[derive(Debug)]
pub enum ReplyRefused {
    NotFound,
    /// The source cannot be answered from here (catalogue key).
    Blocked(&'static str),
    /// The text is empty or too long (`done` flash key).
    Text(&'static str),
    Store(StoreError),
}

impl From<StoreError> for ReplyRefused {
    fn from(e: StoreError) -> Self {
        ReplyRefused::Store(e)
    }
}

/// Accepts a teammate's reply to a conversation (from the page or the API): checks that its
/// channel can be answered and the text fits it, decides whether it waits for approval, and
/// writes it to the reply outbox (waking the reply worker).
pub async fn accept_reply(
    state: &SharedState,
    workspace_id: i64,
    author: (i64, jardinier_domain::Role),
    conversation_id: i64,
    text: &str,
    close: bool,
    key: &str,
) -> Result<Reply, ReplyRefused> {
    let Some((conversation, items, _)) = state
        .store
        .conversation(workspace_id, conversation_id)
        .await?
    else {
        return Err(ReplyRefused::NotFound);
    };
    let newest = items.iter().max_by_key(|i| (i.published_at, i.id));
    if let Some(why) = reply_blocked(state, newest.map(|i| i.source_id))
        .await
        .map_err(|_| ReplyRefused::NotFound)?
    {
        return Err(ReplyRefused::Blocked(why));
    }
    let text = text.trim();
    let limit = newest.and_then(|i| jardinier_outbound::reply_limit(&i.source_kind));
    if let Some(problem) = check_reply_text(text, limit) {
        return Err(ReplyRefused::Text(problem));
    }
    // Without a key (an old page, an API caller that gives none) one is made: the reply can
    // then only be stored once per request.
    let key = if key.trim().is_empty() {
        crate::auth::random_token()
    } else {
        key.trim().chars().take(100).collect()
    };
    let reply = state
        .store
        .queue_reply(&NewReply {
            workspace_id,
            conversation_id,
            author_id: author.0,
            body: text,
            close_after: close,
            needs_approval: role_needs_approval(author.1, &conversation),
            idempotency_key: &key,
            now: unix_now(),
        })
        .await?;
    if reply.status == ReplyStatus::Queued {
        state.reply_wake.notify_one();
    }
    Ok(reply)
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    key: String,
    /// "close": send and mark done.
    #[serde(default)]
    then: String,
    /// When the page with the form was drawn.
    #[serde(default)]
    opened_at: i64,
    /// Sent anyway after the warning that a teammate answered meanwhile.
    #[serde(default)]
    confirm: String,
}

/// Why a reply's text is refused, as a `done` flash key; `None` when it is fine.
pub fn check_reply_text(text: &str, channel_limit: Option<usize>) -> Option<&'static str> {
    let length = text.chars().count();
    if text.trim().is_empty() {
        Some("inbox_reply_empty")
    } else if length
        > channel_limit
            .unwrap_or(MAX_REPLY_CHARS)
            .min(MAX_REPLY_CHARS)
    {
        Some("inbox_reply_too_long")
    } else {
        None
    }
}

pub async fn send_reply(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let back = |done: &str| {
        redirect(&format!(
            "/w/{}/inbox/{id}?done={done}#reply",
            w.workspace.slug
        ))
    };
    // A teammate answered while this one was writing: show it, keep the draft, ask again.
    if form.confirm.is_empty() && form.opened_at > 0 {
        let mut others: Vec<String> = state
            .store
            .replies_of(w.workspace.id, id)
            .await?
            .into_iter()
            .filter(|r| {
                r.created_at >= form.opened_at
                    && r.author_id != Some(w.user.id)
                    && r.status != ReplyStatus::Rejected
            })
            .filter_map(|r| r.author_name)
            .collect();
        others.dedup();
        if !others.is_empty() {
            let draft = super::inbox::Draft {
                body: form.body.clone(),
                key: form.key.clone(),
                others: Some(others.join(", ")),
            };
            return super::inbox::conversation_page(&state, &w, id, None, Some(draft)).await;
        }
    }
    match accept_reply(
        &state,
        w.workspace.id,
        (w.user.id, w.role),
        id,
        &form.body,
        form.then == "close",
        &form.key,
    )
    .await
    {
        Ok(reply) if reply.status == ReplyStatus::PendingApproval => {
            Ok(back("inbox_reply_awaits_approval"))
        }
        Ok(_) => Ok(back("inbox_reply_queued")),
        Err(ReplyRefused::NotFound) => Err(WebError::NotFound),
        Err(ReplyRefused::Blocked(_)) => Ok(back("inbox_reply_blocked")),
        Err(ReplyRefused::Text(problem)) => Ok(back(problem)),
        Err(ReplyRefused::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

/// Approve (send) or refuse a teammate's reply; or send a failed reply again.
pub async fn decide_reply(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, reply_id)): Path<(String, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    let now = unix_now();
    let result = match form.decision.as_str() {
        "approve" | "refuse" => {
            w.require(Permission::ApproveReplies)?;
            state
                .store
                .decide_reply(
                    w.workspace.id,
                    reply_id,
                    form.decision == "approve",
                    w.user.id,
                    now,
                )
                .await
        }
        "retry" => {
            state
                .store
                .retry_reply(w.workspace.id, reply_id, w.user.id, now)
                .await
        }
        _ => return Err(WebError::NotFound),
    };
    let (conversation, done) = match result {
        Ok(reply) => {
            if reply.status == ReplyStatus::Queued {
                state.reply_wake.notify_one();
            }
            (reply.conversation_id, "inbox_saved")
        }
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(StoreError::Refused(_)) => {
            return Ok(redirect(&format!(
                "/w/{}/inbox?done=inbox_reply_already_decided",
                w.workspace.slug
            )));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(redirect(&format!(
        "/w/{}/inbox/{conversation}?done={done}#reply",
        w.workspace.slug
    )))
}

// ------------------------------------------------------------------ saved replies

pub struct SavedRow {
    pub id: i64,
    pub name: String,
    pub lang: String,
    pub body: String,
    pub example: String,
}

#[derive(Template)]
#[template(path = "inbox_saved_replies.html")]
struct SavedRepliesTemplate {
    c: Chrome,
    ws_slug: String,
    rows: Vec<SavedRow>,
    variables: String,
    form_name: String,
    form_lang: String,
    form_body: String,
    error: Option<String>,
    may_manage: bool,
}

fn example_context(w: &InWorkspace) -> ReplyContext {
    ReplyContext {
        name: Some("Léa Martin".into()),
        handle: Some("@lea@piaille.example".into()),
        agent: w.user.display_name.clone(),
        brand: w.workspace.name.clone(),
    }
}

async fn saved_page(
    state: &SharedState,
    w: &InWorkspace,
    form: Option<(&SavedReplyForm, String)>,
) -> Result<Response, WebError> {
    let example = example_context(w);
    let rows = state
        .store
        .saved_replies(w.workspace.id)
        .await?
        .into_iter()
        .map(|s: SavedReply| SavedRow {
            example: jardinier_inbox::render_template(&s.body, &example).unwrap_or_default(),
            id: s.id,
            name: s.name,
            lang: s.lang,
            body: s.body,
        })
        .collect();
    let (form_name, form_lang, form_body, error) = match form {
        Some((f, error)) => (f.name.clone(), f.lang.clone(), f.body.clone(), Some(error)),
        None => (
            String::new(),
            w.ctx.tr.code().to_owned(),
            String::new(),
            None,
        ),
    };
    render(SavedRepliesTemplate {
        c: Chrome::workspace(w, "inbox"),
        ws_slug: w.workspace.slug.clone(),
        rows,
        variables: jardinier_inbox::known_variables(),
        form_name,
        form_lang,
        form_body,
        error,
        may_manage: w.role.can(Permission::ReplyWithoutApproval),
    })
}

pub async fn saved_replies(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    saved_page(&state, &w, None).await
}

#[derive(Deserialize)]
pub struct SavedReplyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    body: String,
}

/// What is wrong with a saved reply, and in which field, in the reader's words: a name of 1 to
/// 80 characters, French or English, a text a channel accepts with known variables.
pub fn check_saved_reply(
    tr: jardinier_i18n::Tr,
    name: &str,
    lang: &str,
    body: &str,
) -> Result<(), (&'static str, String)> {
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(("name", tr.t("inbox.saved_name_invalid").to_owned()));
    }
    if !matches!(lang, "fr" | "en") {
        return Err(("lang", tr.t("inbox.saved_lang_invalid").to_owned()));
    }
    if check_reply_text(body, None).is_some() {
        return Err(("text", tr.t("inbox.saved_body_invalid").to_owned()));
    }
    match check_template(body) {
        Err(TemplateError::UnknownVariable { name, at }) => Err((
            "text",
            tr.f(
                "inbox.saved_unknown_variable",
                &[
                    ("name", name.as_str()),
                    ("at", &(at + 1).to_string()),
                    ("known", &jardinier_inbox::known_variables()),
                ],
            ),
        )),
        Err(TemplateError::Unclosed { at }) => Err((
            "text",
            tr.f("inbox.saved_unclosed", &[("at", &(at + 1).to_string())]),
        )),
        Ok(()) => Ok(()),
    }
}

pub async fn save_saved_reply(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<SavedReplyForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    w.require(Permission::ReplyWithoutApproval)?;
    let tr = w.ctx.tr;
    let name = form.name.trim();
    let body = form.body.trim();
    let problem = check_saved_reply(tr, name, &form.lang, body)
        .err()
        .map(|(_, problem)| problem);
    if let Some(problem) = problem {
        return saved_page(&state, &w, Some((&form, problem))).await;
    }
    match state
        .store
        .create_saved_reply(w.workspace.id, name, &form.lang, body, unix_now())
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/w/{}/inbox/saved-replies?done=inbox_saved",
            w.workspace.slug
        ))),
        Err(StoreError::Conflict { .. }) => {
            let problem = tr.t("inbox.saved_name_taken").to_owned();
            saved_page(&state, &w, Some((&form, problem))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_saved_reply(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    w.require(Permission::ReplyWithoutApproval)?;
    match state.store.delete_saved_reply(w.workspace.id, id).await {
        Ok(()) => Ok(redirect(&format!(
            "/w/{}/inbox/saved-replies?done=inbox_saved",
            w.workspace.slug
        ))),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
