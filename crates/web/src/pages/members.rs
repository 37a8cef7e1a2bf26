//! The Members section: profiles of the people the brand talks with, merge suggestions, a
//! profile (identities, tags, custom fields, notes, timeline), merges and their undoing, and
//! personal-data requests (export as JSON, erasure).

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use jardinier_members::{IdentityError, parse_identity, suggestions};
use jardinier_store::{AddIdentity, Merge, ReplyStatus, StoreError};
use serde::Deserialize;

use super::{Chrome, audit_in, format_time, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

pub struct PersonLine {
    pub id: i64,
    pub name: String,
    pub identities: String,
    pub tags: String,
}

pub struct SuggestionLine {
    pub keep: i64,
    pub keep_name: String,
    pub absorb: i64,
    pub absorb_name: String,
    pub reason: &'static str,
    pub reason_key: &'static str,
    pub confidence: u8,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersTemplate {
    c: Chrome,
    ws_slug: String,
    q: String,
    people: Vec<PersonLine>,
    suggestions: Vec<SuggestionLine>,
    may_edit: bool,
}

#[derive(Deserialize)]
pub struct MembersQuery {
    #[serde(default)]
    q: String,
}

fn may_edit(w: &InWorkspace) -> bool {
    w.role.can(Permission::ViewMembers) && w.role.can(Permission::ViewInbox)
}

pub async fn members(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(query): Query<MembersQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    let rows = state
        .store
        .people(w.workspace.id, Some(&query.q), 200)
        .await?;
    let (profiles, dismissed) = state.store.member_profiles(w.workspace.id).await?;
    let name_of = |id: i64| {
        profiles
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| p.name.clone())
            .unwrap_or_default()
    };
    let found = suggestions(&profiles, &dismissed)
        .into_iter()
        .take(50)
        .map(|s| SuggestionLine {
            keep: s.keep,
            keep_name: name_of(s.keep),
            absorb: s.absorb,
            absorb_name: name_of(s.absorb),
            reason: s.likeness.as_str(),
            reason_key: match s.likeness {
                jardinier_members::Likeness::HandleAndName => "members.likeness_handle_and_name",
                jardinier_members::Likeness::SameHandle => "members.likeness_same_handle",
                jardinier_members::Likeness::NameAsHandle => "members.likeness_name_as_handle",
                jardinier_members::Likeness::SameName => "members.likeness_same_name",
            },
            confidence: s.likeness.confidence(),
        })
        .collect();
    render(MembersTemplate {
        c: Chrome::workspace(&w, "members"),
        ws_slug: w.workspace.slug.clone(),
        q: query.q,
        people: rows
            .into_iter()
            .map(|r| PersonLine {
                id: r.person.id,
                name: r.person.display_name,
                identities: r
                    .identities
                    .iter()
                    .map(|i| i.identity.value.clone())
                    .collect::<Vec<_>>()
                    .join(" · "),
                tags: r.tags.join(", "),
            })
            .collect(),
        suggestions: found,
        may_edit: may_edit(&w),
    })
}

/// The conversations whose replies a profile's timeline shows (the newest ones).
const REPLIED_CONVERSATIONS: usize = 50;

/// A line of a profile's timeline.
pub struct TimelineLine {
    pub at: i64,
    pub when: String,
    /// members.timeline_mention, _conversation, _reply, _subscription, _note, _merge.
    pub key: &'static str,
    pub text: String,
    pub link: Option<String>,
    /// A mention's sentiment (catalogue key): the person's sentiment over time.
    pub sentiment: Option<&'static str>,
}

pub struct IdentityLine {
    pub id: i64,
    pub kind: &'static str,
    pub value: String,
    pub verified: bool,
}

pub struct MergeLine {
    pub id: i64,
    pub absorbed: String,
    pub reason: String,
    pub when: String,
    pub undone: bool,
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberTemplate {
    c: Chrome,
    ws_slug: String,
    id: i64,
    name: String,
    merged_into: Option<i64>,
    identities: Vec<IdentityLine>,
    tags: String,
    fields: String,
    merges: Vec<MergeLine>,
    timeline: Vec<TimelineLine>,
    /// Mentions per sentiment label: (label key, count).
    sentiment: Vec<(&'static str, usize)>,
    reach: String,
    may_edit: bool,
    may_erase: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct MemberQuery {
    #[serde(default)]
    error: Option<String>,
}

pub async fn member(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Query(query): Query<MemberQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    let Some(profile) = state.store.person(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let tz = &w.workspace.timezone;
    let slug = &w.workspace.slug;
    let mut timeline: Vec<TimelineLine> = Vec::new();
    for item in &profile.items {
        timeline.push(TimelineLine {
            at: item.published_at,
            when: format_time(w.ctx.tr, item.published_at, tz),
            key: "members.timeline_mention",
            text: format!(
                "{} — {}",
                w.ctx.tr.t(super::source_kind_key(&item.source_kind)),
                item.body
            ),
            link: item.url.clone(),
            sentiment: item
                .sentiment
                .as_deref()
                .map(super::listening_sentiment_key),
        });
    }
    for c in &profile.conversations {
        timeline.push(TimelineLine {
            at: c.created_at,
            when: format_time(w.ctx.tr, c.created_at, tz),
            key: "members.timeline_conversation",
            text: c.subject.clone(),
            link: Some(format!("/w/{slug}/inbox/{}", c.id)),
            sentiment: None,
        });
    }
    // What the team answered them: every reply that went out, in the conversation it belongs to.
    for c in profile.conversations.iter().take(REPLIED_CONVERSATIONS) {
        for r in state.store.replies_of(w.workspace.id, c.id).await? {
            let Some(sent_at) = r.sent_at.filter(|_| r.status == ReplyStatus::Sent) else {
                continue;
            };
            timeline.push(TimelineLine {
                at: sent_at,
                when: format_time(w.ctx.tr, sent_at, tz),
                key: "members.timeline_reply",
                text: format!("{} : {}", r.author_name.unwrap_or_default(), r.body),
                link: Some(format!("/w/{slug}/inbox/{}", c.id)),
                sentiment: None,
            });
        }
    }
    // Their newsletter subscriptions, by their addresses.
    let emails: Vec<String> = profile
        .row
        .identities
        .iter()
        .filter(|i| i.identity.kind == jardinier_members::IdentityKind::Email)
        .map(|i| i.identity.value.clone())
        .collect();
    for (subscriber, list) in state
        .store
        .subscriptions_of(w.workspace.id, &emails)
        .await?
    {
        let status = w
            .ctx
            .tr
            .t(&format!("newsletter.subscriber_{}", subscriber.status))
            .to_owned();
        timeline.push(TimelineLine {
            at: subscriber.created_at,
            when: format_time(w.ctx.tr, subscriber.created_at, tz),
            key: "members.timeline_subscription",
            text: format!("{list} — {status}"),
            link: None,
            sentiment: None,
        });
    }
    // The campaigns sent to them, and what they wrote in the brand's community (issue 16).
    for (at, subject, status) in state
        .store
        .newsletters_sent_to(w.workspace.id, &emails)
        .await?
    {
        timeline.push(TimelineLine {
            at,
            when: format_time(w.ctx.tr, at, tz),
            key: if status == "bounced" {
                "members.timeline_newsletter_bounced"
            } else {
                "members.timeline_newsletter"
            },
            text: subject,
            link: None,
            sentiment: None,
        });
    }
    let community = state.store.community_site(w.workspace.id).await?;
    for post in state
        .store
        .community_activity(w.workspace.id, &emails, 50)
        .await?
    {
        let link = community.as_ref().map(|site| {
            format!(
                "/c/{}/t/{}/{}?page={}#post-{}",
                site.slug,
                post.topic_id,
                post.topic_slug,
                jardinier_community::page_of(post.number),
                post.number
            )
        });
        timeline.push(TimelineLine {
            at: post.at,
            when: format_time(w.ctx.tr, post.at, tz),
            key: "members.timeline_community",
            text: format!(
                "{} — {}",
                post.topic_title,
                jardinier_community::markup::excerpt(&post.body_md, 200)
            ),
            link,
            sentiment: None,
        });
    }
    for n in &profile.notes {
        timeline.push(TimelineLine {
            at: n.at,
            when: format_time(w.ctx.tr, n.at, tz),
            key: "members.timeline_note",
            text: format!("{} : {}", n.author.clone().unwrap_or_default(), n.body),
            link: None,
            sentiment: None,
        });
    }
    timeline.sort_by_key(|t| std::cmp::Reverse(t.at));
    let labels = ["negative", "neutral", "positive"];
    let sentiment = labels
        .iter()
        .map(|label| {
            (
                super::listening_sentiment_key(label),
                profile
                    .items
                    .iter()
                    .filter(|i| i.sentiment.as_deref() == Some(label))
                    .count(),
            )
        })
        .collect();
    let reach = profile
        .items
        .iter()
        .filter_map(|i| i.author_reach)
        .max()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let row = profile.row;
    render(MemberTemplate {
        c: Chrome::workspace(&w, "members"),
        ws_slug: slug.clone(),
        id,
        name: row.person.display_name.clone(),
        merged_into: row.person.merged_into,
        identities: row
            .identities
            .iter()
            .map(|i| IdentityLine {
                id: i.id,
                kind: i.identity.kind.as_str(),
                value: i.identity.value.clone(),
                verified: i.identity.verified,
            })
            .collect(),
        tags: row.tags.join(", "),
        fields: row
            .person
            .fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n"),
        merges: profile
            .merges
            .iter()
            .map(|m| MergeLine {
                id: m.id,
                absorbed: m.absorbed_name.clone(),
                reason: w
                    .ctx
                    .tr
                    .t(match m.reason.as_str() {
                        "same_verified_identity" => "members.reason_same_verified_identity",
                        "handle_and_name" => "members.likeness_handle_and_name",
                        "same_handle" => "members.likeness_same_handle",
                        "same_name" => "members.likeness_same_name",
                        "name_as_handle" => "members.likeness_name_as_handle",
                        _ => "members.reason_by_hand",
                    })
                    .to_owned(),
                when: format_time(w.ctx.tr, m.at, tz),
                undone: m.undone_at.is_some(),
            })
            .collect(),
        timeline,
        sentiment,
        reach,
        may_edit: may_edit(&w),
        may_erase: w.role.can(Permission::ManageWorkspace),
        error: query.error.and_then(|e| {
            [
                "members.identity_not_email",
                "members.identity_not_handle",
                "members.identity_not_website",
                "members.identity_empty",
                "members.identity_kind",
                "members.identity_taken",
                "members.erase_confirm_wrong",
                "members.fields_invalid",
            ]
            .into_iter()
            .find(|k| k.ends_with(&e))
            .map(|k| w.ctx.tr.t(k).to_owned())
        }),
    })
}

fn back(w: &InWorkspace, id: i64, extra: &str) -> Response {
    redirect(&format!("/w/{}/members/{id}{extra}", w.workspace.slug))
}

#[derive(Deserialize)]
pub struct IdentityForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
}

pub async fn add_identity(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<IdentityForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    if !may_edit(&w) {
        return Err(WebError::Forbidden);
    }
    let identity = match parse_identity(&form.kind, &form.value) {
        Ok(identity) => identity,
        Err(e) => {
            let code = match e {
                IdentityError::NotAnEmail => "identity_not_email",
                IdentityError::NotAHandle => "identity_not_handle",
                IdentityError::NotAWebsite => "identity_not_website",
                IdentityError::Empty => "identity_empty",
                IdentityError::UnknownKind => "identity_kind",
            };
            return Ok(back(&w, id, &format!("?error={code}")));
        }
    };
    match state
        .store
        .add_identity(w.workspace.id, id, &identity, Some(w.user.id), unix_now())
        .await
    {
        Ok(AddIdentity::Added | AddIdentity::AlreadyThere) => {
            Ok(back(&w, id, "?done=members_saved"))
        }
        Ok(AddIdentity::Merged { other, .. }) => Ok(back(
            &w,
            id.min(other),
            "?done=members_merged_automatically",
        )),
        Ok(AddIdentity::BelongsTo { .. }) => Ok(back(&w, id, "?error=identity_taken")),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_identity(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id, identity)): Path<(String, i64, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    if !may_edit(&w) {
        return Err(WebError::Forbidden);
    }
    match state
        .store
        .remove_identity(w.workspace.id, id, identity)
        .await
    {
        Ok(()) => Ok(back(&w, id, "?done=members_saved")),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    fields: String,
}

/// Custom fields as typed: one `name: value` a line.
pub fn parse_fields(text: &str) -> Option<Vec<(String, String)>> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || name.chars().count() > 60 || value.chars().count() > 500 {
            return None;
        }
        fields.retain(|(k, _)| k != name);
        fields.push((name.to_owned(), value.to_owned()));
    }
    Some(fields)
}

pub async fn edit(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    if !may_edit(&w) {
        return Err(WebError::Forbidden);
    }
    let Some(fields) = parse_fields(&form.fields) else {
        return Ok(back(&w, id, "?error=fields_invalid"));
    };
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Ok(back(&w, id, "?error=fields_invalid"));
    }
    let mut tags: Vec<String> = form
        .tags
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty() && t.chars().count() <= 40)
        .collect();
    tags.sort();
    tags.dedup();
    match state
        .store
        .update_person(w.workspace.id, id, name, &tags, &fields, unix_now())
        .await
    {
        Ok(()) => Ok(back(&w, id, "?done=members_saved")),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

pub async fn note(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<NoteForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    if !may_edit(&w) {
        return Err(WebError::Forbidden);
    }
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > 5_000 {
        return Ok(back(&w, id, "?done=inbox_note_empty"));
    }
    match state
        .store
        .add_person_note(w.workspace.id, id, w.user.id, body, unix_now())
        .await
    {
        Ok(()) => Ok(back(&w, id, "?done=members_saved")),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MergeForm {
    keep: i64,
    absorb: i64,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confidence: i64,
}

pub async fn merge(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<MergeForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    if !may_edit(&w) {
        return Err(WebError::Forbidden);
    }
    let reason = match form.reason.as_str() {
        r @ ("handle_and_name" | "same_handle" | "same_name" | "name_as_handle") => r,
        _ => "by_hand",
    };
    match state
        .store
        .merge_members(&Merge {
            workspace_id: w.workspace.id,
            keep: form.keep,
            absorb: form.absorb,
            reason,
            confidence: form.confidence.clamp(0, 100),
            actor_id: Some(w.user.id),
            now: unix_now(),
        })
        .await
    {
        Ok(_) => Ok(back(&w, form.keep, "?done=members_merged")),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(StoreError::Refused(_)) => Ok(redirect(&format!(
            "/w/{}/members?done=members_merge_refused",
            w.workspace.slug
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn undo_merge(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, merge_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewMembers)?;
    if !may_edit(&w) {
        return Err(WebError::Forbidden);
    }
    match state
        .store
        .undo_merge(w.workspace.id, merge_id, w.user.id, unix_now())
        .await
    {
        Ok(absorbed) => Ok(back(&w, absorbed, "?done=members_unmerged")),
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(StoreError::Refused(_)) => Ok(redirect(&format!(
            "/w/{}/members?done=members_merge_refused",
            w.workspace.slug
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Everything about the person, as a JSON file (a subject access request).
pub async fn export(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let Some(data) = state.store.export_member(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    audit_in(
        &state,
        &w,
        "member_exported",
        &format!("profile #{id} exported"),
    )
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"member-{id}.json\""),
            ),
        ],
        serde_json::to_string_pretty(&data).unwrap_or_default(),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm: String,
}

/// Erases the person after the teammate typed the profile's name, as asked.
pub async fn erase(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<EraseForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let Some(profile) = state.store.person(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    if form.confirm.trim() != profile.row.person.display_name.trim() {
        return Ok(back(&w, id, "?error=erase_confirm_wrong"));
    }
    state
        .store
        .erase_member(w.workspace.id, id, w.user.id, unix_now())
        .await?;
    Ok(redirect(&format!(
        "/w/{}/members?done=members_erased",
        w.workspace.slug
    )))
}

#[cfg(test)]
mod tests {
    use super::parse_fields;

    #[test]
    fn fields_are_name_value_lines() {
        assert_eq!(
            parse_fields("ville: Lyon\n\nclient depuis : 2019\nville: Paris").unwrap(),
            vec![
                ("client depuis".to_owned(), "2019".to_owned()),
                ("ville".to_owned(), "Paris".to_owned())
            ]
        );
        assert_eq!(parse_fields("no colon here"), None);
        assert_eq!(parse_fields(": value"), None);
        assert_eq!(parse_fields("").unwrap(), vec![]);
    }
}
