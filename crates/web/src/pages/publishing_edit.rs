//! Changing a post until it goes out (issue 15, item 2): its texts per channel and language,
//! title, campaign, tags, first comment and time, saved scheduled or as a draft; taking it off
//! the schedule; deleting it. The checks are the composer's ([`crate::post_compose`]); approval
//! resets as `jardinier_store::PostEditStore` says, and the page says so when it happens.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use jardinier_domain::Permission;

use super::{Chrome, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::post_compose::{Actor, EditRefused, PostForm, read_post_form};
use crate::{SharedState, unix_now};

/// One text of the post, as a field of the form.
pub struct TextField {
    /// `text_{channel}` or `text_{channel}_{lang}`: the composer's own field names.
    pub name: String,
    pub channel: String,
    pub kind: String,
    pub language: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "publishing_edit.html")]
struct EditTemplate {
    c: Chrome,
    ws_slug: String,
    id: i64,
    title: String,
    campaign: String,
    tags: String,
    /// `YYYY-MM-DDTHH:MM` in the workspace's zone, for the date-time field.
    when: String,
    timezone: String,
    first_comment: String,
    texts: Vec<TextField>,
    /// Waiting for approval or scheduled by it: new words send it back to draft.
    approval_held: bool,
    error: Option<String>,
}

/// A time as the date-time field shows it, in the zone.
fn field_time(unix: i64, timezone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// The post if it can still be changed, or where to go instead.
async fn editable(
    state: &SharedState,
    w: &InWorkspace,
    id: i64,
) -> Result<Result<(jardinier_store::Post, Vec<jardinier_store::PostDelivery>), Response>, WebError>
{
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let Some((post, deliveries)) = state.store.post(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let gone = deliveries
        .iter()
        .any(|d| matches!(d.status.as_str(), "sending" | "sent" | "failed"));
    if gone
        || !matches!(
            post.state.as_str(),
            "draft" | "scheduled" | "pending_approval"
        )
    {
        return Ok(Err(redirect(&format!(
            "/w/{}/publishing/posts/{id}?done=publishing_gone_out",
            w.workspace.slug
        ))));
    }
    Ok(Ok((post, deliveries)))
}

async fn edit_page(
    state: &SharedState,
    w: &InWorkspace,
    id: i64,
    typed: Option<&PostForm>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let (post, deliveries) = match editable(state, w, id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let channels = state.store.channels(w.workspace.id).await?;
    let tr = w.ctx.tr;
    let tz = &w.workspace.timezone;
    let texts = deliveries
        .iter()
        .map(|d| {
            let channel = channels.iter().find(|c| c.id == d.channel_id);
            let name = match &d.language {
                Some(lang) => format!("text_{}_{lang}", d.channel_id),
                None => format!("text_{}", d.channel_id),
            };
            // What was typed, when the form comes back with a problem.
            let text = typed
                .and_then(|f| {
                    f.draft
                        .own
                        .iter()
                        .find(|(c, l, _)| *c == d.channel_id && *l == d.language)
                })
                .map(|(_, _, t)| t.clone())
                .unwrap_or_else(|| d.body.clone());
            TextField {
                name,
                channel: channel.map(|c| c.name.clone()).unwrap_or_default(),
                kind: channel.map(|c| c.kind.clone()).unwrap_or_default(),
                language: d
                    .language
                    .as_deref()
                    .map(|l| tr.t(&format!("language.{l}")).to_owned())
                    .unwrap_or_default(),
                text,
            }
        })
        .collect();
    let events = state.store.post_events(w.workspace.id, id).await?;
    let last_approval = events
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind.as_str(),
                "approval_requested"
                    | "approved"
                    | "approved_by_team"
                    | "changes_requested"
                    | "approval_revoked"
                    | "approval_reset"
                    | "unscheduled"
            )
        })
        .map(|e| e.kind.as_str());
    let approval_held = post.state == "pending_approval"
        || (post.state == "scheduled"
            && matches!(last_approval, Some("approved" | "approved_by_team")));
    let template = EditTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        id,
        title: typed.map_or(post.title.clone(), |f| f.title.clone()),
        campaign: typed.map_or(post.campaign.clone(), |f| f.campaign.clone()),
        tags: typed
            .map_or(post.tags.clone(), |f| f.tags.clone())
            .join(", "),
        when: typed
            .map(|f| f.when.clone())
            .or_else(|| post.scheduled_at.map(|t| field_time(t, tz)))
            .unwrap_or_default(),
        timezone: tz.clone(),
        first_comment: typed.map_or(post.first_comment.clone().unwrap_or_default(), |f| {
            f.first_comment.clone()
        }),
        texts,
        approval_held,
        error,
    };
    if template.error.is_some() {
        render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn edit(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    edit_page(&state, &w, id, None, None).await
}

/// Saves the new version: `intent` is `schedule` (at `when`) or `draft` (keeping `when` as the
/// time it aims for). The media and poll stay as they were.
pub async fn save(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    body: String,
) -> Result<Response, WebError> {
    let (post, _) = match editable(&state, &w, id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let mut form = read_post_form(&body);
    // The texts are kept as written: their links were tagged and shortened when the post was.
    form.utm_campaign.clear();
    form.shorten = false;
    form.repeat = None;
    form.media = state
        .store
        .post_media(id)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    if let Some(poll) = &post.poll {
        form.poll_options = poll.options.clone();
        form.poll_minutes = poll.minutes;
    }
    let actor = Actor::of(&w);
    match crate::post_compose::edit_post(&state, &actor, id, &form).await? {
        Ok(edited) => {
            super::audit_in(&state, &w, "post_edited", &format!("{id}")).await?;
            let done = if edited.approval_reset {
                "publishing_edited_reset"
            } else {
                "publishing_edited"
            };
            Ok(redirect(&format!(
                "/w/{}/publishing/posts/{id}?done={done}",
                w.workspace.slug
            )))
        }
        Err(EditRefused::Problem(problem)) => {
            edit_page(&state, &w, id, Some(&form), Some(problem)).await
        }
        Err(EditRefused::GoneOut) => Ok(redirect(&format!(
            "/w/{}/publishing/posts/{id}?done=publishing_gone_out",
            w.workspace.slug
        ))),
    }
}

/// Back to draft: it will not go out; its time is kept as the time it aims for.
pub async fn unschedule(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let done = match state
        .store
        .unschedule_post(w.workspace.id, id, &w.user.display_name, unix_now())
        .await
    {
        Ok(()) => "publishing_unscheduled",
        Err(jardinier_store::StoreError::Refused(_)) => "publishing_gone_out",
        Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect(&format!(
        "/w/{}/publishing/posts/{id}?done={done}",
        w.workspace.slug
    )))
}

/// Deletes a post that has not gone out, with its history.
pub async fn delete(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let title = match state.store.post(w.workspace.id, id).await? {
        Some((post, _)) => post.title,
        None => return Err(WebError::NotFound),
    };
    match state.store.delete_post(w.workspace.id, id).await {
        Ok(()) => {
            super::audit_in(&state, &w, "post_deleted", &title).await?;
            Ok(redirect(&format!(
                "/w/{}/publishing?done=publishing_deleted",
                w.workspace.slug
            )))
        }
        Err(jardinier_store::StoreError::Refused(_)) => Ok(redirect(&format!(
            "/w/{}/publishing/posts/{id}?done=publishing_gone_out",
            w.workspace.slug
        ))),
        Err(jardinier_store::StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
