//! Approval of posts in steps: the workspace's policy (team steps, any or all of their
//! approvers, then the client's link or not), sending a draft for approval, the team's votes on
//! the post's page, and the client's link made when the team's steps are passed. Each step's
//! approvers are e-mailed when the post reaches them; the author when changes are asked.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::{ApprovalPolicy, ApprovalStep, Permission};
use serde::Deserialize;

use super::publishing::local_time;
use super::{Chrome, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::post_approval::{self, RequestRefused, Requested, VoteRefused, Voted};
use crate::post_compose::Actor;
use crate::{SharedState, unix_now};

#[derive(Deserialize)]
pub struct ApprovalForm {
    #[serde(default)]
    when: String,
    /// Optional: the client's link is also e-mailed there.
    #[serde(default)]
    email: String,
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
    let actor = Actor::of(&w);
    match post_approval::request(&state, &actor, id, when, &form.email).await? {
        Ok(Requested::Team) => Ok(redirect(&format!(
            "/w/{}/publishing/posts/{id}?done=approval_sent_to_team",
            w.workspace.slug
        ))),
        Ok(Requested::ClientLink(link)) => {
            super::publishing::page_with_link(&state, &w, link).await
        }
        Err(refused) => {
            let key = match refused {
                RequestRefused::NotDraft => "publishing.approval_not_draft",
                RequestRefused::BadEmail => "publishing.approval_email_invalid",
            };
            super::publishing::page_error(&state, &w, tr.t(key)).await
        }
    }
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
    let actor = Actor::of(&w);
    let done = match post_approval::vote(&state, &actor, id, approve, &form.comment).await? {
        Ok(Voted::Waiting) => "approval_vote_saved",
        Ok(Voted::NextStep) => "approval_next_step",
        Ok(Voted::ClientLink(link)) => {
            return super::publishing::post_page_with_link(&state, &w, id, Some(link)).await;
        }
        Ok(Voted::Scheduled) => "approval_scheduled",
        Ok(Voted::BackToDraft) => "approval_changes_asked",
        Err(VoteRefused::AlreadyDecided) => "approval_already_decided",
        Err(VoteRefused::NotYours) => "approval_not_yours",
    };
    Ok(redirect(&format!(
        "/w/{}/publishing/posts/{id}?done={done}",
        w.workspace.slug
    )))
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
        let message = policy_problem(w.ctx.tr, e);
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

/// Why a policy can't be saved, in words.
pub fn policy_problem(tr: jardinier_i18n::Tr, e: jardinier_domain::PolicyError) -> String {
    match e {
        jardinier_domain::PolicyError::NoApprover(n) => {
            tr.f("approvals.no_approver", &[("n", &n.to_string())])
        }
        jardinier_domain::PolicyError::NoName(n) => {
            tr.f("approvals.no_name", &[("n", &n.to_string())])
        }
        jardinier_domain::PolicyError::TooManySteps => tr.t("approvals.too_many").to_owned(),
        jardinier_domain::PolicyError::Empty => tr.t("approvals.empty").to_owned(),
    }
}
