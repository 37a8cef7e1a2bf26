//! What is done to a topic rather than written in it: a question's accepted answer (its asker
//! or the team), a vote for an idea (members), an idea's status and a topic's pinned / closed /
//! archived flags (the team).

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jardinier_community::{CategoryKind, IdeaStatus, Viewer};
use jardinier_store::Topic;
use serde::Deserialize;

use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::{CategoryView, readable};
use crate::{SharedSite, unix_now};

/// The topic and its category, if the reader may read them.
async fn topic_in(
    state: &SharedSite,
    c: &SiteCtx,
    id: i64,
) -> Result<(Topic, CategoryView), SiteError> {
    let topic = state
        .store
        .community_topic(c.site.workspace_id, id)
        .await?
        .filter(|t| t.status == "visible")
        .ok_or(SiteError::NotFound)?;
    let category = readable(state, c)
        .await?
        .into_iter()
        .find(|cat| cat.id == topic.category_id)
        .ok_or(SiteError::NotFound)?;
    Ok((topic, category))
}

fn back(c: &SiteCtx, topic: &Topic, anchor: &str) -> Response {
    Redirect::to(&c.href(&format!("/t/{}/{}{anchor}", topic.id, topic.slug))).into_response()
}

#[derive(Deserialize)]
pub struct AcceptForm {
    /// The post number, or empty to take the acceptance back.
    #[serde(default)]
    number: String,
}

pub async fn accept_answer(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, SiteError> {
    let (topic, category) = topic_in(&state, &c, id).await?;
    let number = form.number.trim().parse::<i64>().ok();
    let asker = c.member.as_ref().map(|m| m.id).is_some()
        && c.member.as_ref().map(|m| m.id) == topic.author.account_id;
    let checked = number.or(topic.accepted_number).unwrap_or(2);
    if !jardinier_community::may_accept_answer(category.kind, c.viewer(), asker, checked) {
        return Err(SiteError::Forbidden);
    }
    state
        .store
        .set_community_accepted(c.site.workspace_id, topic.id, number)
        .await?;
    if let Some(number) = number {
        crate::notify::after_post(&state, &c, topic.id, number, &[], &[], "accepted").await;
    }
    Ok(back(
        &c,
        &topic,
        &number.map(|n| format!("#post-{n}")).unwrap_or_default(),
    ))
}

pub async fn vote(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, SiteError> {
    let (topic, category) = topic_in(&state, &c, id).await?;
    let Some(member) = c.member.as_ref() else {
        // Back to the idea once signed in (this address answers forms only).
        let next = urlencode(&format!("/t/{}/{}", topic.id, topic.slug));
        return Ok(Redirect::to(&c.href(&format!("/signin?next={next}"))).into_response());
    };
    if !jardinier_community::may_vote(category.kind, c.viewer()) {
        return Err(SiteError::Forbidden);
    }
    state
        .store
        .toggle_community_vote(topic.id, member.id, unix_now())
        .await?;
    Ok(back(&c, &topic, "#post-1"))
}

#[derive(Deserialize)]
pub struct ManageForm {
    #[serde(default)]
    pinned: Option<String>,
    #[serde(default)]
    closed: Option<String>,
    #[serde(default)]
    archived: Option<String>,
    /// An idea's status code, or empty for none.
    #[serde(default)]
    idea_status: Option<String>,
}

/// The team's flags and, for an idea, its status.
pub async fn manage(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<ManageForm>,
) -> Result<Response, SiteError> {
    if c.viewer() != Viewer::Staff {
        return Err(SiteError::Forbidden);
    }
    let (topic, category) = topic_in(&state, &c, id).await?;
    state
        .store
        .set_community_topic_flags(
            c.site.workspace_id,
            topic.id,
            form.pinned.is_some(),
            form.closed.is_some(),
            form.archived.is_some(),
        )
        .await?;
    if category.kind == CategoryKind::Ideas
        && let Some(status) = &form.idea_status
    {
        let status = IdeaStatus::parse(status).map(IdeaStatus::code);
        state
            .store
            .set_community_idea_status(c.site.workspace_id, topic.id, status)
            .await?;
    }
    Ok(back(&c, &topic, ""))
}

#[derive(Deserialize)]
pub struct ReactForm {
    #[serde(default)]
    kind: String,
}

/// A reaction given to a post, or taken back (members who may post, and the team; never on
/// one's own post).
pub async fn react(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id, number)): Path<(String, i64, i64)>,
    Form(form): Form<ReactForm>,
) -> Result<Response, SiteError> {
    let (topic, _) = topic_in(&state, &c, id).await?;
    if c.member.is_none() && c.staff.is_none() {
        // Back to the post once signed in (this address answers forms only).
        let next = format!(
            "/t/{}/{}?page={}",
            topic.id,
            topic.slug,
            jardinier_community::page_of(number)
        );
        return Ok(
            Redirect::to(&c.href(&format!("/signin?next={}", urlencode(&next)))).into_response(),
        );
    }
    let post = state
        .store
        .community_posts(topic.id, number, number)
        .await?
        .into_iter()
        .find(|p| p.status == "visible")
        .ok_or(SiteError::NotFound)?;
    let Some(kind) = jardinier_community::reactions::Reaction::parse(&form.kind) else {
        return Err(SiteError::NotFound);
    };
    let author = crate::edit::is_author(&c, &post);
    if !jardinier_community::reactions::may_react(c.viewer(), author) {
        return Err(SiteError::Forbidden);
    }
    let (account, user) = crate::write::authors(&c);
    state
        .store
        .toggle_community_reaction(post.id, account, user, kind.code(), unix_now())
        .await?;
    let page = jardinier_community::page_of(number);
    Ok(back(&c, &topic, &format!("?page={page}#post-{number}")))
}

/// How many posts a topic has and where its newest is: the topic page's script asks, to tell
/// its reader that replies arrived (JSON: `{posts, href}`).
pub async fn latest(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, SiteError> {
    let (topic, _) = topic_in(&state, &c, id).await?;
    let href = c.href(&format!(
        "/t/{}/{}?page={}#post-{}",
        topic.id,
        topic.slug,
        jardinier_community::page_of(topic.posts),
        topic.posts
    ));
    Ok((
        [(axum::http::header::CACHE_CONTROL, "private, no-store")],
        axum::Json(serde_json::json!({"posts": topic.posts, "href": href})),
    )
        .into_response())
}

/// A path as a query parameter's value.
fn urlencode(path: &str) -> String {
    form_urlencoded::byte_serialize(path.as_bytes()).collect()
}
