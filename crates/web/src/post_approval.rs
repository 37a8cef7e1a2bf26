//! Approval of posts in steps, shared by the post's page and the API: sending a draft for
//! approval (to the policy's first team step, or straight to the client's link), a teammate's
//! vote, and the mails each move sends — the next step's approvers, the client's link, the
//! author when changes are asked. The policy itself lives in `jardinier_domain::approval`.

use jardinier_domain::ApprovalStep;
use jardinier_store::{Post, StoreError, VoteOutcome};

use crate::error::WebError;
use crate::post_compose::Actor;
use crate::{SharedState, unix_now};

/// How long a client's approval link is valid.
pub const APPROVAL_DAYS: i64 = 7;

/// Where a post sent for approval went.
pub enum Requested {
    /// To the first team step; its approvers were e-mailed.
    Team,
    /// To the client: the link, shown once (and e-mailed when an address was given).
    ClientLink(String),
}

/// Why a post can't be sent for approval.
#[derive(Debug, PartialEq, Eq)]
pub enum RequestRefused {
    /// Only a draft is sent for approval.
    NotDraft,
    /// The client's address is not an e-mail address.
    BadEmail,
}

/// Sends a draft for approval, to be published at `when` once approved.
pub async fn request(
    state: &SharedState,
    actor: &Actor<'_>,
    post_id: i64,
    when: i64,
    email: &str,
) -> Result<Result<Requested, RequestRefused>, WebError> {
    let email = email.trim();
    if !email.is_empty() && jardinier_domain::Email::parse("email", email).is_err() {
        return Ok(Err(RequestRefused::BadEmail));
    }
    // A time that has passed by the approval means "as soon as approved".
    let now = unix_now();
    let workspace_id = actor.workspace.id;
    let policy = state.store.approval_policy(workspace_id).await?;
    let client_now = policy.client && policy.steps.is_empty();
    let token = crate::auth::random_token();
    let token_hash = crate::auth::token_hash(&token);
    match state
        .store
        .request_approval(&jardinier_store::ApprovalRequest {
            workspace_id,
            post_id,
            scheduled_at: when,
            token_hash: client_now.then_some(token_hash.as_str()),
            client_email: (!email.is_empty()).then_some(email),
            expires_at: now + APPROVAL_DAYS * 86_400,
            actor: &actor.user.display_name,
            now,
        })
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(StoreError::Refused(_)) => return Ok(Err(RequestRefused::NotDraft)),
        Err(e) => return Err(e.into()),
    }
    let Some((post, _)) = state.store.post(workspace_id, post_id).await? else {
        return Err(WebError::NotFound);
    };
    if let Some(first) = policy.steps.first() {
        tell_approvers(state, actor, &post, first, now).await?;
        return Ok(Ok(Requested::Team));
    }
    if !email.is_empty() {
        mail_client_link(state, actor, &token, email).await?;
    }
    Ok(Ok(Requested::ClientLink(client_link(state, &token))))
}

/// What a teammate's vote did.
pub enum Voted {
    /// Saved; the step waits for other approvers.
    Waiting,
    /// The step is passed; the next one's approvers were e-mailed.
    NextStep,
    /// The team's steps are passed: the client's link, shown once.
    ClientLink(String),
    /// Approved: the post is scheduled.
    Scheduled,
    /// Changes asked: the post is a draft again and its author was told.
    BackToDraft,
}

/// Why a vote was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum VoteRefused {
    /// The step was already decided.
    AlreadyDecided,
    /// The voter is not an approver of the step the post waits at.
    NotYours,
}

/// A teammate's decision on the step the post waits at.
pub async fn vote(
    state: &SharedState,
    actor: &Actor<'_>,
    post_id: i64,
    approve: bool,
    comment: &str,
) -> Result<Result<Voted, VoteRefused>, WebError> {
    let comment: String = comment.trim().chars().take(2_000).collect();
    let workspace_id = actor.workspace.id;
    let now = unix_now();
    let outcome = match state
        .store
        .vote_approval(&jardinier_store::Vote {
            workspace_id,
            post_id,
            user_id: actor.user.id,
            actor: &actor.user.display_name,
            approve,
            comment: &comment,
            now,
        })
        .await
    {
        Ok(outcome) => outcome,
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(StoreError::Refused(why)) => {
            return Ok(Err(if why.contains("already") {
                VoteRefused::AlreadyDecided
            } else {
                VoteRefused::NotYours
            }));
        }
        Err(e) => return Err(e.into()),
    };
    let Some((post, _)) = state.store.post(workspace_id, post_id).await? else {
        return Err(WebError::NotFound);
    };
    Ok(Ok(match outcome {
        VoteOutcome::Waiting => Voted::Waiting,
        VoteOutcome::NextStep(step) => {
            let policy = state.store.approval_policy(workspace_id).await?;
            if let Some(next) = policy.steps.get(step as usize) {
                tell_approvers(state, actor, &post, next, now).await?;
            }
            Voted::NextStep
        }
        VoteOutcome::ClientTurn => {
            let token = crate::auth::random_token();
            let email = state
                .store
                .open_client_link(
                    workspace_id,
                    post_id,
                    &crate::auth::token_hash(&token),
                    now + APPROVAL_DAYS * 86_400,
                    now,
                )
                .await?;
            if let Some(email) = email.filter(|e| !e.is_empty()) {
                mail_client_link(state, actor, &token, &email).await?;
            }
            Voted::ClientLink(client_link(state, &token))
        }
        VoteOutcome::Scheduled => Voted::Scheduled,
        VoteOutcome::BackToDraft => {
            tell_author(state, actor, &post, &comment, now).await?;
            Voted::BackToDraft
        }
    }))
}

fn client_link(state: &SharedState, token: &str) -> String {
    format!("{}/approve/{token}", state.config.base_url)
}

fn post_link(state: &SharedState, actor: &Actor<'_>, post_id: i64) -> String {
    format!(
        "{}/w/{}/publishing/posts/{post_id}",
        state.config.base_url, actor.workspace.slug
    )
}

/// E-mails the approvers of `step` that the post waits for them.
async fn tell_approvers(
    state: &SharedState,
    actor: &Actor<'_>,
    post: &Post,
    step: &ApprovalStep,
    now: i64,
) -> Result<(), WebError> {
    let members = state.store.members(actor.workspace.id).await?;
    let link = post_link(state, actor, post.id);
    for member in members
        .iter()
        .filter(|m| step.approvers.contains(&m.user.id))
    {
        let tr = crate::mail_tr(&member.user);
        let args = [
            ("name", member.user.display_name.as_str()),
            ("title", post.title.as_str()),
            ("step", step.name.as_str()),
            ("brand", actor.workspace.name.as_str()),
            ("link", link.as_str()),
        ];
        state
            .store
            .enqueue_mail(&jardinier_store::NewMail {
                idempotency_key: &format!("approval-step:{}:{}:{now}", post.id, member.user.id),
                to: &member.user.email,
                subject: &tr.f("mail.approval_step.subject", &args),
                body_text: &tr.f("mail.approval_step.body", &args),
                created_at: now,
                list_unsubscribe: None,
            })
            .await?;
    }
    state.mail_wake.notify_one();
    Ok(())
}

async fn mail_client_link(
    state: &SharedState,
    actor: &Actor<'_>,
    token: &str,
    email: &str,
) -> Result<(), WebError> {
    let tr = actor.tr;
    let link = client_link(state, token);
    let days = APPROVAL_DAYS.to_string();
    let args = [
        ("who", actor.user.display_name.as_str()),
        ("brand", actor.workspace.name.as_str()),
        ("link", link.as_str()),
        ("days", days.as_str()),
    ];
    state
        .store
        .enqueue_mail(&jardinier_store::NewMail {
            idempotency_key: &format!("approval:{}", crate::auth::token_hash(token)),
            to: email,
            subject: &tr.f("mail.approval.subject", &args),
            body_text: &tr.f("mail.approval.body", &args),
            created_at: unix_now(),
            list_unsubscribe: None,
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}

/// Tells the post's author that a teammate asked for changes.
async fn tell_author(
    state: &SharedState,
    actor: &Actor<'_>,
    post: &Post,
    comment: &str,
    now: i64,
) -> Result<(), WebError> {
    let members = state.store.members(actor.workspace.id).await?;
    let Some(author) = members.iter().find(|m| Some(m.user.id) == post.author_id) else {
        return Ok(());
    };
    if author.user.id == actor.user.id {
        return Ok(());
    }
    let tr = crate::mail_tr(&author.user);
    let link = post_link(state, actor, post.id);
    let args = [
        ("name", author.user.display_name.as_str()),
        ("who", actor.user.display_name.as_str()),
        ("title", post.title.as_str()),
        ("comment", comment),
        ("link", link.as_str()),
    ];
    state
        .store
        .enqueue_mail(&jardinier_store::NewMail {
            idempotency_key: &format!("approval-changes:{}:{now}", post.id),
            to: &author.user.email,
            subject: &tr.f("mail.approval_changes.subject", &args),
            body_text: &tr.f("mail.approval_changes.body", &args),
            created_at: now,
            list_unsubscribe: None,
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}
