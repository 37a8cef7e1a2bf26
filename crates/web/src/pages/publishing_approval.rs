//! Approval of posts in steps: the workspace's policy (team steps, any or all of their
//! approvers, then the client's link or not), sending a draft for approval, the team's votes on
//! the post's page, and the client's link made when the team's steps are passed. Each step's
//! approvers are e-mailed when the post reaches them; the author when changes are asked.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::{ApprovalPolicy, ApprovalStep, Permission};
use jardinier_store::{Post, VoteOutcome};
use serde::Deserialize;

use super::publishing::{APPROVAL_DAYS, local_time};
use super::{Chrome, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

#[derive(Deserialize)]
pub struct ApprovalForm {
    #[serde(default)]
    when: String,
    /// Optional: the client's link is also e-mailed there.
    #[serde(default)]
    email: String,
}

/// E-mails the approvers of `step` that the post waits for them.
async fn tell_approvers(
    state: &SharedState,
    w: &InWorkspace,
    post_id: i64,
    title: &str,
    step: &ApprovalStep,
    now: i64,
) -> Result<(), WebError> {
    let members = state.store.members(w.workspace.id).await?;
    let link = format!(
        "{}/w/{}/publishing/posts/{post_id}",
        state.config.base_url, w.workspace.slug
    );
    for member in members
        .iter()
        .filter(|m| step.approvers.contains(&m.user.id))
    {
        let tr = crate::mail_tr(&member.user);
        let args = [
            ("name", member.user.display_name.as_str()),
            ("title", title),
            ("step", step.name.as_str()),
            ("brand", w.workspace.name.as_str()),
            ("link", link.as_str()),
        ];
        state
            .store
            .enqueue_mail(&jardinier_store::NewMail {
                idempotency_key: &format!("approval-step:{post_id}:{}:{now}", member.user.id),
                to: &member.user.email,
                subject: &tr.f("mail.approval_step.subject", &args),
                body_text: &tr.f("mail.approval_step.body", &args),
                created_at: now,
            })
            .await?;
    }
    state.mail_wake.notify_one();
    Ok(())
}

/// Sends a draft for approval: to the policy's first team step, or straight to the client's
/// link (shown once, e-mailed when an address is given).
pub async fn request_approval(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<ApprovalForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let Some(when) = local_time(&form.when, &w.workspace.timezone) else {
        return super::publishing::page_error(&state, &w, tr.t("publishing.post_when_invalid"))
            .await;
    };
    let email = form.email.trim();
    if !email.is_empty() && jardinier_domain::Email::parse("email", email).is_err() {
        return super::publishing::page_error(
            &state,
            &w,
            tr.t("publishing.approval_email_invalid"),
        )
        .await;
    }
    let policy = state.store.approval_policy(w.workspace.id).await?;
    let client_now = policy.client && policy.steps.is_empty();
    let token = crate::auth::random_token();
    let token_hash = crate::auth::token_hash(&token);
    let now = unix_now();
    let post = match state
        .store
        .request_approval(&jardinier_store::ApprovalRequest {
            workspace_id: w.workspace.id,
            post_id: id,
            scheduled_at: when,
            token_hash: client_now.then_some(token_hash.as_str()),
            client_email: (!email.is_empty()).then_some(email),
            expires_at: now + APPROVAL_DAYS * 86_400,
            actor: &w.user.display_name,
            now,
        })
        .await
    {
        Ok(_) => state.store.post(w.workspace.id, id).await?.map(|(p, _)| p),
        Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(jardinier_store::StoreError::Refused(_)) => {
            return super::publishing::page_error(
                &state,
                &w,
                tr.t("publishing.approval_not_draft"),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let Some(post) = post else {
        return Err(WebError::NotFound);
    };
    if let Some(first) = policy.steps.first() {
        tell_approvers(&state, &w, id, &post.title, first, now).await?;
        return Ok(redirect(&format!(
            "/w/{}/publishing/posts/{id}?done=approval_sent_to_team",
            w.workspace.slug
        )));
    }
    let link = format!("{}/approve/{token}", state.config.base_url);
    if !email.is_empty() {
        mail_client_link(&state, &w, &token, email).await?;
    }
    super::publishing::page_with_link(&state, &w, link).await
}

async fn mail_client_link(
    state: &SharedState,
    w: &InWorkspace,
    token: &str,
    email: &str,
) -> Result<(), WebError> {
    let tr = w.ctx.tr;
    let link = format!("{}/approve/{token}", state.config.base_url);
    let args = [
        ("who", w.user.display_name.as_str()),
        ("brand", w.workspace.name.as_str()),
        ("link", link.as_str()),
        ("days", "7"),
    ];
    state
        .store
        .enqueue_mail(&jardinier_store::NewMail {
            idempotency_key: &format!("approval:{}", crate::auth::token_hash(token)),
            to: email,
            subject: &tr.f("mail.approval.subject", &args),
            body_text: &tr.f("mail.approval.body", &args),
            created_at: unix_now(),
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}

#[derive(Deserialize)]
pub struct VoteForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// A teammate's decision on the step the post waits at. When the team's steps are passed, the
/// client's link is made (shown once to this teammate, e-mailed when an address was given).
pub async fn vote(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<VoteForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "changes" => false,
        _ => return Err(WebError::NotFound),
    };
    let comment: String = form.comment.trim().chars().take(2_000).collect();
    let now = unix_now();
    let outcome = match state
        .store
        .vote_approval(&jardinier_store::Vote {
            workspace_id: w.workspace.id,
            post_id: id,
            user_id: w.user.id,
            actor: &w.user.display_name,
            approve,
            comment: &comment,
            now,
        })
        .await
    {
        Ok(outcome) => outcome,
        Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(jardinier_store::StoreError::Refused(why)) => {
            return Ok(redirect(&format!(
                "/w/{}/publishing/posts/{id}?done={}",
                w.workspace.slug,
                if why.contains("already") {
                    "approval_already_decided"
                } else {
                    "approval_not_yours"
                }
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let Some((post, _)) = state.store.post(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let done = match outcome {
        VoteOutcome::Waiting => "approval_vote_saved",
        VoteOutcome::NextStep(step) => {
            let policy = state.store.approval_policy(w.workspace.id).await?;
            if let Some(next) = policy.steps.get(step as usize) {
                tell_approvers(&state, &w, id, &post.title, next, now).await?;
            }
            "approval_next_step"
        }
        VoteOutcome::ClientTurn => {
            let token = crate::auth::random_token();
            let email = state
                .store
                .open_client_link(
                    w.workspace.id,
                    id,
                    &crate::auth::token_hash(&token),
                    now + APPROVAL_DAYS * 86_400,
                    now,
                )
                .await?;
            if let Some(email) = email.filter(|e| !e.is_empty()) {
                mail_client_link(&state, &w, &token, &email).await?;
            }
            let link = format!("{}/approve/{token}", state.config.base_url);
            return super::publishing::post_page_with_link(&state, &w, id, Some(link)).await;
        }
        VoteOutcome::Scheduled => "approval_scheduled",
        VoteOutcome::BackToDraft => {
            tell_author(&state, &w, &post, &comment, now).await?;
            "approval_changes_asked"
        }
    };
    Ok(redirect(&format!(
        "/w/{}/publishing/posts/{id}?done={done}",
        w.workspace.slug
    )))
}

/// Tells the post's author that a teammate asked for changes.
async fn tell_author(
    state: &SharedState,
    w: &InWorkspace,
    post: &Post,
    comment: &str,
    now: i64,
) -> Result<(), WebError> {
    let members = state.store.members(w.workspace.id).await?;
    let Some(author) = members.iter().find(|m| Some(m.user.id) == post.author_id) else {
        return Ok(());
    };
    if author.user.id == w.user.id {
        return Ok(());
    }
    let tr = crate::mail_tr(&author.user);
    let link = format!(
        "{}/w/{}/publishing/posts/{}",
        state.config.base_url, w.workspace.slug, post.id
    );
    let args = [
        ("name", author.user.display_name.as_str()),
        ("who", w.user.display_name.as_str()),
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
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}

pub struct StepForm {
    pub index: usize,
    pub name: String,
    pub all: bool,
    /// (user id, name, chosen)
    pub people: Vec<(i64, String, bool)>,
}

#[derive(Template)]
#[template(path = "publishing_approvals.html")]
struct PolicyTemplate {
    c: Chrome,
    ws_slug: String,
    steps: Vec<StepForm>,
    client: bool,
    error: Option<String>,
}

async fn policy_page(
    state: &SharedState,
    w: &InWorkspace,
    policy: &ApprovalPolicy,
    error: Option<String>,
) -> Result<Response, WebError> {
    let members = state.store.members(w.workspace.id).await?;
    let people: Vec<(i64, String)> = members
        .iter()
        .filter(|m| m.role.can(Permission::ViewPublishing) && m.role.can(Permission::Publish))
        .map(|m| (m.user.id, m.user.display_name.clone()))
        .collect();
    let steps = (0..jardinier_domain::approval::MAX_STEPS)
        .map(|index| {
            let step = policy.steps.get(index);
            StepForm {
                index,
                name: step.map(|s| s.name.clone()).unwrap_or_default(),
                all: step.is_some_and(|s| s.all),
                people: people
                    .iter()
                    .map(|(id, name)| {
                        (
                            *id,
                            name.clone(),
                            step.is_some_and(|s| s.approvers.contains(id)),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let template = PolicyTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        steps,
        client: policy.client,
        error,
    };
    if template.error.is_some() {
        super::render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn policy(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::ManageWorkspace)?;
    let policy = state.store.approval_policy(w.workspace.id).await?;
    policy_page(&state, &w, &policy, None).await
}

/// Saves the policy from `step{i}_name`, `step{i}_mode` (any, all), `step{i}_approver` (user
/// ids, repeated) and `client`. A step without a name and approvers is no step.
pub async fn save_policy(
    State(state): State<SharedState>,
    w: InWorkspace,
    body: String,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::ManageWorkspace)?;
    let members = state.store.members(w.workspace.id).await?;
    let mut steps: Vec<ApprovalStep> = (0..jardinier_domain::approval::MAX_STEPS)
        .map(|_| ApprovalStep {
            name: String::new(),
            all: false,
            approvers: Vec::new(),
        })
        .collect();
    let mut client = false;
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        if key == "client" {
            client = true;
            continue;
        }
        let Some((index, field)) = key
            .strip_prefix("step")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f.to_owned())))
        else {
            continue;
        };
        let Some(step) = steps.get_mut(index) else {
            continue;
        };
        match field.as_str() {
            "name" => step.name = value.trim().chars().take(80).collect(),
            "mode" => step.all = value == "all",
            "approver" => {
                if let Ok(id) = value.parse::<i64>()
                    && members.iter().any(|m| m.user.id == id)
                    && !step.approvers.contains(&id)
                {
                    step.approvers.push(id);
                }
            }
            _ => {}
        }
    }
    steps.retain(|s| !s.name.is_empty() || !s.approvers.is_empty());
    let policy = ApprovalPolicy { steps, client };
    if let Err(e) = policy.check() {
        let message = match e {
            jardinier_domain::PolicyError::NoApprover(n) => w
                .ctx
                .tr
                .f("approvals.no_approver", &[("n", &n.to_string())]),
            jardinier_domain::PolicyError::NoName(n) => {
                w.ctx.tr.f("approvals.no_name", &[("n", &n.to_string())])
            }
            jardinier_domain::PolicyError::TooManySteps => {
                w.ctx.tr.t("approvals.too_many").to_owned()
            }
            jardinier_domain::PolicyError::Empty => w.ctx.tr.t("approvals.empty").to_owned(),
        };
        return policy_page(&state, &w, &policy, Some(message)).await;
    }
    state
        .store
        .set_approval_policy(w.workspace.id, &policy, unix_now())
        .await?;
    super::audit_in(
        &state,
        &w,
        "approval_policy_changed",
        &format!("{} steps, client: {}", policy.steps.len(), policy.client),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/approvals?done=approvals_saved",
        w.workspace.slug
    )))
}
