//! Workspace settings: general, team and invitations, personal API tokens, audit log; and the
//! demo's local mail log.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::{
    FieldError, InvitationRequest, Permission, Role, TokenName, ValidationErrors, WorkspaceName,
};
use jardinier_i18n::Tr;
use jardinier_store::{NewApiToken, NewInvitation, NewMail, OutgoingMail, StoreError};
use serde::Deserialize;

use super::{
    Chrome, audit, audit_in, format_time, no_errors, redirect, render, render_invalid, role_key,
};
use crate::context::{InWorkspace, RequestCtx};
use crate::error::WebError;
use crate::{SharedState, auth, unix_now};

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsTemplate {
    c: Chrome,
    ws_slug: String,
    can_manage: bool,
    can_api: bool,
    /// Only owners enter the networks' application keys (they serve the whole server).
    is_owner: bool,
    errors: ValidationErrors,
    name: String,
    timezone: String,
    /// (zone name, "(UTC+01:00) Europe/Paris"), by offset then name.
    zones: Vec<(String, String)>,
}

/// Regions of the time-zone database a brand's team lives in (not "Etc/GMT+3" and the like).
const REGIONS: &[&str] = &[
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// Every time zone to choose from, labelled with its current offset from UTC.
fn time_zones() -> Vec<(String, String)> {
    let now = jiff::Timestamp::now();
    let mut zones: Vec<(i32, String)> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name == "UTC" || REGIONS.iter().any(|r| name.starts_with(r)))
        .filter_map(|name| {
            let offset = jiff::tz::TimeZone::get(&name)
                .ok()?
                .to_offset(now)
                .seconds();
            Some((offset, name))
        })
        .collect();
    zones.sort();
    zones
        .into_iter()
        .map(|(offset, name)| {
            let sign = if offset < 0 { '-' } else { '+' };
            let minutes = offset.abs() / 60;
            let label = format!(
                "(UTC{sign}{:02}:{:02}) {}",
                minutes / 60,
                minutes % 60,
                name.replace('_', " ")
            );
            (name, label)
        })
        .collect()
}

fn settings_template(w: &InWorkspace, errors: ValidationErrors) -> SettingsTemplate {
    SettingsTemplate {
        c: Chrome::workspace(w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        can_manage: w.can(Permission::ManageWorkspace),
        can_api: w.can(Permission::UseApi),
        is_owner: w.role == jardinier_domain::Role::Owner,
        errors,
        name: w.workspace.name.clone(),
        timezone: w.workspace.timezone.clone(),
        zones: time_zones(),
    }
}

pub async fn settings_page(w: InWorkspace) -> Result<Response, WebError> {
    render(settings_template(&w, no_errors()))
}

#[derive(Deserialize)]
pub struct WorkspaceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    timezone: String,
}

pub async fn update_workspace(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<WorkspaceForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let mut errors = ValidationErrors::default();
    let name = errors.check(WorkspaceName::parse("name", &form.name));
    let timezone = form.timezone.trim();
    if jiff::tz::TimeZone::get(timezone).is_err() {
        errors.push(FieldError::new("timezone", "error.timezone_invalid"));
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        let mut template = settings_template(&w, errors);
        template.name = form.name;
        template.timezone = form.timezone;
        return render_invalid(template);
    };
    state
        .store
        .rename_workspace(w.workspace.id, name.as_str(), timezone)
        .await?;
    audit_in(
        &state,
        &w,
        "workspace_updated",
        &format!("{name} ({timezone})"),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/settings?done=saved",
        w.workspace.slug
    )))
}

struct MemberRow {
    user_id: i64,
    name: String,
    email: String,
    role: &'static str,
    role_key: &'static str,
    editable: bool,
}

struct InvitationRow {
    id: i64,
    email: String,
    role_key: &'static str,
    expires: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamTemplate {
    c: Chrome,
    ws_slug: String,
    can_manage: bool,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    assignable: Vec<Role>,
    errors: ValidationErrors,
    invite_email: String,
    invite_role: String,
    action_error: Option<&'static str>,
}

async fn team_template(
    state: &SharedState,
    w: &InWorkspace,
    errors: ValidationErrors,
) -> Result<TeamTemplate, WebError> {
    let can_manage = w.can(Permission::ManageWorkspace);
    let members = state
        .store
        .members(w.workspace.id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            user_id: m.user.id,
            name: m.user.display_name,
            email: m.user.email,
            role: m.role.as_str(),
            role_key: role_key(&m.role),
            editable: can_manage && w.role.can_assign(m.role),
        })
        .collect();
    let invitations = if can_manage {
        state
            .store
            .pending_invitations(w.workspace.id, unix_now())
            .await?
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                role_key: role_key(&i.role),
                expires: format_time(w.ctx.tr, i.expires_at, &w.workspace.timezone),
                email: i.email,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(TeamTemplate {
        c: Chrome::workspace(w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        can_manage,
        members,
        invitations,
        assignable: Role::ALL
            .into_iter()
            .filter(|r| w.role.can_assign(*r))
            .collect(),
        errors,
        invite_email: String::new(),
        invite_role: Role::Editor.as_str().to_owned(),
        action_error: None,
    })
}

pub async fn team_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    render(team_template(&state, &w, no_errors()).await?)
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub const INVITATION_TTL_DAYS: i64 = 7;

/// Writes the invitation and its e-mail in one transaction; returns nothing the caller must
/// show but the redirect. Shared by the page and the API.
pub async fn create_invitation(
    state: &SharedState,
    w_id: i64,
    w_name: &str,
    inviter: &jardinier_store::User,
    request: &InvitationRequest,
    tr: Tr,
) -> Result<jardinier_store::Invitation, InviteError> {
    let members = state.store.members(w_id).await?;
    if members
        .iter()
        .any(|m| m.user.email == request.email.as_str())
    {
        return Err(InviteError::AlreadyMember);
    }
    let token = auth::random_token();
    let hash = auth::token_hash(&token);
    let now = unix_now();
    let link = format!("{}/invite/{token}", state.config.base_url);
    let role = tr.t(role_key(&request.role));
    let days = INVITATION_TTL_DAYS.to_string();
    let body = tr.f(
        "mail.invite.body",
        &[
            ("inviter", &inviter.display_name),
            ("workspace", w_name),
            ("role", role),
            ("link", &link),
            ("days", &days),
        ],
    );
    let subject = tr.f("mail.invite.subject", &[("workspace", w_name)]);
    let invitation = state
        .store
        .create_invitation(
            &NewInvitation {
                token_hash: &hash,
                workspace_id: w_id,
                email: request.email.as_str(),
                role: request.role,
                invited_by: inviter.id,
                created_at: now,
                expires_at: now + INVITATION_TTL_DAYS * 24 * 3600,
            },
            &NewMail {
                idempotency_key: &format!("invite:{hash}"),
                to: request.email.as_str(),
                subject: &subject,
                body_text: &body,
                created_at: now,
                list_unsubscribe: None,
            },
        )
        .await?;
    state.mail_wake.notify_one();
    audit(
        state,
        Some(w_id),
        Some(inviter.id),
        "member_invited",
        &format!("{} ({})", request.email, request.role),
    )
    .await
    .map_err(InviteError::Failed)?;
    Ok(invitation)
}

#[derive(Debug)]
pub enum InviteError {
    /// The address already belongs to a member of the workspace.
    AlreadyMember,
    Failed(WebError),
}

impl From<StoreError> for InviteError {
    fn from(e: StoreError) -> Self {
        InviteError::Failed(e.into())
    }
}

pub async fn invite(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let result = match InvitationRequest::parse(w.role, &form.email, &form.role) {
        Ok(request) => create_invitation(
            &state,
            w.workspace.id,
            &w.workspace.name,
            &w.user,
            &request,
            w.ctx.tr,
        )
        .await
        .map_err(|e| match e {
            InviteError::AlreadyMember => Ok(ValidationErrors::from(FieldError::new(
                "email",
                "error.already_member",
            ))),
            InviteError::Failed(e) => Err(e),
        }),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/w/{}/settings/team?done=invited",
            w.workspace.slug
        ))),
        Err(Err(error)) => Err(error),
        Err(Ok(errors)) => {
            let mut template = team_template(&state, &w, errors).await?;
            template.invite_email = form.email;
            template.invite_role = form.role;
            render_invalid(template)
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// The member's current role, if the actor may touch it.
async fn editable_member(
    state: &SharedState,
    w: &InWorkspace,
    user_id: i64,
) -> Result<jardinier_store::Member, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let member = state
        .store
        .members(w.workspace.id)
        .await?
        .into_iter()
        .find(|m| m.user.id == user_id)
        .ok_or(WebError::NotFound)?;
    if !w.role.can_assign(member.role) {
        return Err(WebError::Forbidden);
    }
    Ok(member)
}

async fn refused(
    state: &SharedState,
    w: &InWorkspace,
    key: &'static str,
) -> Result<Response, WebError> {
    let mut template = team_template(state, w, no_errors()).await?;
    template.action_error = Some(key);
    let mut response = render(template)?;
    *response.status_mut() = axum::http::StatusCode::CONFLICT;
    Ok(response)
}

pub async fn change_role(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, user_id)): Path<(String, i64)>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    let member = editable_member(&state, &w, user_id).await?;
    let Some(role) = Role::parse(&form.role) else {
        return refused(&state, &w, "error.role_invalid").await;
    };
    if !w.role.can_assign(role) {
        return Err(WebError::Forbidden);
    }
    match state
        .store
        .set_member_role(w.workspace.id, user_id, role)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Refused(_)) => return refused(&state, &w, "error.last_owner").await,
        Err(other) => return Err(other.into()),
    }
    audit_in(
        &state,
        &w,
        "member_role",
        &format!("{} → {role}", member.user.email),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/settings/team?done=role_changed",
        w.workspace.slug
    )))
}

pub async fn remove_member(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, user_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let member = editable_member(&state, &w, user_id).await?;
    match state.store.remove_member(w.workspace.id, user_id).await {
        Ok(()) => {}
        Err(StoreError::Refused(_)) => return refused(&state, &w, "error.last_owner").await,
        Err(other) => return Err(other.into()),
    }
    audit_in(&state, &w, "member_removed", &member.user.email).await?;
    let target = if user_id == w.user.id {
        "/".to_owned()
    } else {
        format!("/w/{}/settings/team?done=member_removed", w.workspace.slug)
    };
    Ok(redirect(&target))
}

pub async fn revoke_invitation(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    state
        .store
        .revoke_invitation(w.workspace.id, id, unix_now())
        .await?;
    audit_in(&state, &w, "invitation_revoked", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/settings/team?done=invitation_revoked",
        w.workspace.slug
    )))
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensTemplate {
    c: Chrome,
    ws_slug: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    errors: ValidationErrors,
    name: String,
}

async fn tokens_template(
    state: &SharedState,
    w: &InWorkspace,
    errors: ValidationErrors,
) -> Result<TokensTemplate, WebError> {
    w.require(Permission::UseApi)?;
    let tz = &w.workspace.timezone;
    let never = w.ctx.tr.t("tokens.never").to_owned();
    let tokens = state
        .store
        .api_tokens(w.workspace.id, w.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created: format_time(w.ctx.tr, t.created_at, tz),
            last_used: t
                .last_used_at
                .map(|at| format_time(w.ctx.tr, at, tz))
                .unwrap_or_else(|| never.clone()),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(TokensTemplate {
        c: Chrome::workspace(w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        tokens,
        new_token: None,
        errors,
        name: String::new(),
    })
}

pub async fn tokens_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    render(tokens_template(&state, &w, no_errors()).await?)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    w.require(Permission::UseApi)?;
    let name = match TokenName::parse("name", &form.name) {
        Ok(name) => name,
        Err(error) => {
            let mut template = tokens_template(&state, &w, error.into()).await?;
            template.name = form.name;
            return render_invalid(template);
        }
    };
    let secret = auth::new_api_token();
    state
        .store
        .create_api_token(&NewApiToken {
            workspace_id: w.workspace.id,
            user_id: w.user.id,
            name: name.as_str(),
            token_hash: &auth::token_hash(&secret),
            prefix: &secret[..auth::API_TOKEN_PREFIX.len() + 6],
            created_at: unix_now(),
        })
        .await?;
    audit_in(&state, &w, "token_created", name.as_str()).await?;
    // The secret is shown once, on this response, and never again.
    let mut template = tokens_template(&state, &w, no_errors()).await?;
    template.new_token = Some(secret);
    render(template)
}

pub async fn revoke_token(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::UseApi)?;
    state
        .store
        .revoke_api_token(w.workspace.id, w.user.id, id, unix_now())
        .await?;
    audit_in(&state, &w, "token_revoked", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/settings/tokens?done=token_revoked",
        w.workspace.slug
    )))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    c: Chrome,
    /// (when, who, action key, detail)
    entries: Vec<(String, String, String, String)>,
}

pub async fn audit_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let entries = state
        .store
        .audit_log(w.workspace.id, None, 200)
        .await?
        .into_iter()
        .map(|e| {
            (
                format_time(w.ctx.tr, e.at, &w.workspace.timezone),
                e.actor.unwrap_or_default(),
                format!("audit_action.{}", e.action),
                e.detail,
            )
        })
        .collect();
    render(AuditTemplate {
        c: Chrome::workspace(&w, "settings"),
        entries,
    })
}

#[derive(Template)]
#[template(path = "mail_log.html")]
struct MailLogTemplate {
    c: Chrome,
    mails: Vec<OutgoingMail>,
}

/// Every e-mail the server wrote, for the demo, where mail is never sent. Disabled (404)
/// unless the server was started with the mail log page on.
pub async fn mail_log(
    State(state): State<SharedState>,
    ctx: RequestCtx,
) -> Result<Response, WebError> {
    if !state.config.mail_log_page {
        return Err(WebError::NotFound);
    }
    let mails = state.store.recent_mail(100).await?;
    render(MailLogTemplate {
        c: Chrome::new(&ctx),
        mails,
    })
}
