//! The workspace list, creating a workspace, switching, the overview and the section pages.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use jardinier_domain::{FieldError, Permission, Section, Slug, ValidationErrors, WorkspaceName};
use jardinier_store::{NewWorkspace, StoreError};
use serde::Deserialize;

use super::{Chrome, audit, no_errors, redirect, render, render_invalid, role_key, section_key};
use crate::context::{InWorkspace, RequestCtx, SignedIn, login_redirect};
use crate::error::WebError;
use crate::{SharedState, unix_now};

pub const DEFAULT_TIMEZONE: &str = "Europe/Paris";

pub async fn home(State(state): State<SharedState>, ctx: RequestCtx) -> Result<Response, WebError> {
    let Some(user) = &ctx.user else {
        return Ok(login_redirect("/"));
    };
    let workspaces = state.store.workspaces_of_user(user.id).await?;
    Ok(match workspaces.first() {
        Some((workspace, _)) => redirect(&format!("/w/{}", workspace.slug)),
        None => redirect("/workspaces"),
    })
}

#[derive(Template)]
#[template(path = "workspaces.html")]
struct WorkspacesTemplate {
    c: Chrome,
    workspaces: Vec<(jardinier_store::Workspace, &'static str)>,
    errors: ValidationErrors,
    name: String,
    slug: String,
}

async fn workspaces_template(
    state: &SharedState,
    me: &SignedIn,
    errors: ValidationErrors,
) -> Result<WorkspacesTemplate, WebError> {
    let workspaces = state.store.workspaces_of_user(me.user.id).await?;
    Ok(WorkspacesTemplate {
        c: Chrome::new(&me.ctx),
        workspaces: workspaces
            .into_iter()
            .map(|(w, r)| (w, role_key(&r)))
            .collect(),
        errors,
        name: String::new(),
        slug: String::new(),
    })
}

pub async fn workspaces_page(
    State(state): State<SharedState>,
    me: SignedIn,
) -> Result<Response, WebError> {
    render(workspaces_template(&state, &me, no_errors()).await?)
}

#[derive(Deserialize)]
pub struct CreateWorkspaceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
}

pub async fn create_workspace(
    State(state): State<SharedState>,
    me: SignedIn,
    Form(form): Form<CreateWorkspaceForm>,
) -> Result<Response, WebError> {
    let mut errors = ValidationErrors::default();
    let name = errors.check(WorkspaceName::parse("name", &form.name));
    let slug = match (&name, form.slug.trim()) {
        (Some(name), "") => Some(Slug::from_name(name)),
        (_, raw) => errors.check(Slug::parse("slug", raw)),
    };
    if let (Some(name), Some(slug)) = (&name, &slug) {
        let created = state
            .store
            .create_workspace(
                &NewWorkspace {
                    slug: slug.as_str(),
                    name: name.as_str(),
                    timezone: DEFAULT_TIMEZONE,
                },
                me.user.id,
                unix_now(),
            )
            .await;
        match created {
            Ok(workspace) => {
                audit(
                    &state,
                    Some(workspace.id),
                    Some(me.user.id),
                    "workspace_created",
                    workspace.name.as_str(),
                )
                .await?;
                return Ok(redirect(&format!(
                    "/w/{}?done=workspace_created",
                    workspace.slug
                )));
            }
            Err(StoreError::Conflict { .. }) => {
                errors.push(FieldError::new("slug", "error.slug_taken"))
            }
            Err(other) => return Err(other.into()),
        }
    }
    let mut template = workspaces_template(&state, &me, errors).await?;
    template.name = form.name;
    template.slug = form.slug;
    render_invalid(template)
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    #[serde(default)]
    to: String,
}

/// The workspace switcher's target. Membership is checked by the page it lands on.
pub async fn switch(_me: SignedIn, Query(q): Query<SwitchQuery>) -> Response {
    match Slug::parse("to", &q.to) {
        Ok(slug) => redirect(&format!("/w/{slug}")),
        Err(_) => redirect("/workspaces"),
    }
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewTemplate {
    c: Chrome,
    ws_name: String,
    ws_slug: String,
    role_key: &'static str,
    team_size: usize,
    pending_invitations: Option<usize>,
    workspace_count: usize,
    /// (slug, title key, description key) of each section this role may open.
    sections: Vec<(&'static str, &'static str, String)>,
    can_manage: bool,
    can_api: bool,
    work: crate::work::Work,
    /// (post id, title, time) of today's posts.
    today: Vec<(i64, String, String)>,
    /// (post id, title) of posts waiting for this teammate's approval, and of failed ones.
    to_approve: Vec<(i64, String)>,
    failed: Vec<(i64, String)>,
}

pub async fn overview(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    let team_size = state.store.members(w.workspace.id).await?.len();
    let pending_invitations = if w.can(Permission::ManageWorkspace) {
        Some(
            state
                .store
                .pending_invitations(w.workspace.id, unix_now())
                .await?
                .len(),
        )
    } else {
        None
    };
    let sections = Section::ALL
        .into_iter()
        .filter(|s| w.can(s.permission()))
        .map(|s| {
            (
                s.slug(),
                section_key(s),
                format!("section.{}.summary", s.slug()),
            )
        })
        .collect();
    let work = crate::work::work_for(&state, &w).await?;
    let tz = &w.workspace.timezone;
    let titles = |posts: &[jardinier_store::Post]| {
        posts
            .iter()
            .map(|p| (p.id, p.title.clone()))
            .collect::<Vec<_>>()
    };
    let today = work
        .today
        .iter()
        .map(|p| {
            let time = p
                .scheduled_at
                .map(|t| super::format_hm(t, tz))
                .unwrap_or_default();
            (p.id, p.title.clone(), time)
        })
        .collect();
    let to_approve = titles(&work.to_approve);
    let failed = titles(&work.failed);
    render(OverviewTemplate {
        work,
        today,
        to_approve,
        failed,
        c: Chrome::workspace(&w, "overview"),
        ws_name: w.workspace.name.clone(),
        ws_slug: w.workspace.slug.clone(),
        role_key: role_key(&w.role),
        team_size,
        pending_invitations,
        workspace_count: w.workspaces.len(),
        sections,
        can_manage: w.can(Permission::ManageWorkspace),
        can_api: w.can(Permission::UseApi),
    })
}

#[derive(Template)]
#[template(path = "section.html")]
struct SectionTemplate {
    c: Chrome,
    title_key: &'static str,
    intro_key: String,
    planned: Vec<String>,
}

/// A section that a later capability fills. Until then it says what it will do; it never shows
/// made-up data.
pub async fn section(
    w: InWorkspace,
    Path((_slug, section)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let section = Section::from_slug(&section).ok_or(WebError::NotFound)?;
    w.require(section.permission())?;
    let tr = w.ctx.tr;
    let planned = (1..)
        .map(|i| format!("section.{}.planned_{i}", section.slug()))
        .take_while(|key| tr.has(key))
        .map(|key| tr.t(&key).to_owned())
        .collect();
    render(SectionTemplate {
        c: Chrome::workspace(&w, section.slug()),
        title_key: section_key(section),
        intro_key: format!("section.{}.intro", section.slug()),
        planned,
    })
}
