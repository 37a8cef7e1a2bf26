//! Changing a post (issue 16, item 3): its author (or the team) edits it — the first post's
//! title too — and everyone who reads the topic can read its earlier versions; its author
//! deletes it softly (the place stays; the team still reads the text). The rules are
//! `jardinier_community::editing`'s.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jardinier_community::editing::{ChangeRefusal, may_delete, may_edit};
use jardinier_community::{PostStatus, TopicState, text};
use jardinier_domain::input::ValidationErrors;
use jardinier_store::{CommunityPost, CommunityPostEdit, Topic};
use serde::Deserialize;

use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::{readable, render};
use crate::write::{authors, preview_of, render_markdown};
use crate::{SharedSite, unix_now};

/// The topic and its post `number`, as `c` may read them.
async fn find(
    state: &SharedSite,
    c: &SiteCtx,
    id: i64,
    number: i64,
) -> Result<(Topic, CommunityPost), SiteError> {
    let topic = state
        .store
        .community_topic(c.site.workspace_id, id)
        .await?
        .ok_or(SiteError::NotFound)?;
    let categories = readable(state, c).await?;
    if !categories.iter().any(|cat| cat.id == topic.category_id) {
        return Err(SiteError::NotFound);
    }
    let post = state
        .store
        .community_posts(topic.id, number, number)
        .await?
        .into_iter()
        .next()
        .ok_or(SiteError::NotFound)?;
    let mine = is_author(c, &post);
    let hidden = (topic.status != "visible" || post.status == "held") && !mine;
    if hidden && c.staff.is_none() {
        return Err(SiteError::NotFound);
    }
    Ok((topic, post))
}

pub(crate) fn is_author(c: &SiteCtx, post: &CommunityPost) -> bool {
    match (&c.member, &c.staff) {
        (_, Some((user, _))) => post.author.user_id == Some(*user),
        (Some(member), None) => post.author.account_id == Some(member.id),
        (None, None) => false,
    }
}

pub(crate) fn topic_state(topic: &Topic) -> TopicState {
    TopicState {
        closed: topic.closed,
        archived: topic.archived,
    }
}

fn status(post: &CommunityPost) -> PostStatus {
    PostStatus::parse(&post.status).unwrap_or(PostStatus::Deleted)
}

/// Whether the reader may edit this post of this topic.
fn editable(c: &SiteCtx, topic: &Topic, post: &CommunityPost) -> Result<(), ChangeRefusal> {
    may_edit(
        c.viewer(),
        is_author(c, post),
        status(post),
        topic_state(topic),
    )
}

fn refused(c: &SiteCtx, why: ChangeRefusal) -> Result<Response, SiteError> {
    if why == ChangeRefusal::SignIn {
        return Ok(Redirect::to(&c.href(&format!("/signin?next={}", c.here()))).into_response());
    }
    Ok((
        StatusCode::FORBIDDEN,
        crate::account::message(c, why.key(), None)?,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "edit_post.html")]
struct EditPage<'a> {
    c: &'a SiteCtx,
    topic: &'a Topic,
    number: i64,
    /// The first post's form has the topic's title and tags.
    title: Option<String>,
    tags: Option<String>,
    body: String,
    errors: ValidationErrors,
    /// The new version as it will be shown (the Preview button): nothing is saved.
    preview: Option<String>,
}

pub async fn edit_form(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id, number)): Path<(String, i64, i64)>,
) -> Result<Response, SiteError> {
    let (topic, post) = find(&state, &c, id, number).await?;
    if let Err(why) = editable(&c, &topic, &post) {
        return refused(&c, why);
    }
    let tags = if number == 1 {
        Some(current_tags(&state, topic.id).await?.join(", "))
    } else {
        None
    };
    render(EditPage {
        c: &c,
        title: (number == 1).then(|| topic.title.clone()),
        tags,
        topic: &topic,
        number,
        body: post.body_md,
        errors: ValidationErrors::default(),
        preview: None,
    })
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    tags: Option<String>,
    #[serde(default)]
    body: String,
    /// Set by the Preview button.
    #[serde(default)]
    preview: Option<String>,
}

async fn current_tags(state: &SharedSite, topic_id: i64) -> Result<Vec<String>, SiteError> {
    Ok(state
        .store
        .community_topic_tags(&[topic_id])
        .await?
        .into_iter()
        .map(|(_, tag)| tag)
        .collect())
}

/// The edit form again, with what the author wrote, its errors or its preview.
fn edit_again(
    c: &SiteCtx,
    topic: &Topic,
    number: i64,
    form: &EditForm,
    errors: ValidationErrors,
    preview: Option<String>,
    status: StatusCode,
) -> Result<Response, SiteError> {
    let page = EditPage {
        preview,
        c,
        topic,
        number,
        title: (number == 1).then(|| form.title.clone().unwrap_or_default()),
        tags: (number == 1).then(|| form.tags.clone().unwrap_or_default()),
        body: form.body.clone(),
        errors,
    };
    Ok((status, render(page)?).into_response())
}

pub async fn save_edit(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id, number)): Path<(String, i64, i64)>,
    Form(form): Form<EditForm>,
) -> Result<Response, SiteError> {
    let (topic, post) = find(&state, &c, id, number).await?;
    if let Err(why) = editable(&c, &topic, &post) {
        return refused(&c, why);
    }
    if let Some(page) = crate::screening::sanctioned(&state, &c).await? {
        return Ok(page);
    }
    let mut errors = ValidationErrors::default();
    let title = match (number, &form.title) {
        (1, Some(raw)) => errors.check(text::title("title", raw)),
        _ => None,
    };
    let tags = match (number, &form.tags) {
        (1, Some(raw)) => errors.check(text::tags("tags", raw)),
        _ => None,
    };
    let body = errors.check(text::body("body", &form.body));
    let preview = form.preview.is_some() && errors.is_empty();
    let Some(body) = body.filter(|_| errors.is_empty() && !preview) else {
        let status = if preview {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let preview = preview_of(&state, &c, preview, &form.body).await;
        return edit_again(&c, &topic, number, &form, errors, preview, status);
    };
    let new_title = title.filter(|t| *t != topic.title);
    let here = |slug: &str| {
        c.href(&format!(
            "/t/{}/{slug}?page={}#post-{number}",
            topic.id,
            jardinier_community::page_of(number)
        ))
    };
    // Tags are the topic's, not the post's text: no revision for them.
    if let Some(tags) = tags
        && tags != current_tags(&state, topic.id).await?
    {
        state
            .store
            .set_community_topic_tags(c.site.workspace_id, topic.id, &tags)
            .await?;
    }
    // Sent twice, or nothing changed: no revision is made.
    if body == post.body_md && new_title.is_none() {
        return Ok(Redirect::to(&here(&topic.slug)).into_response());
    }
    let title_now = new_title.as_deref().unwrap_or(&topic.title);
    // An edit is screened as a new post is: what was let through once is not a way past it.
    let screen_title = if number == 1 { title_now } else { "" };
    let screened = match crate::screening::screen_post(
        &state,
        &c,
        screen_title,
        body,
        crate::screening::Writing::Edit,
        "",
    )
    .await?
    {
        Ok(screened) => screened,
        Err(refused) => {
            let mut errors = ValidationErrors::default();
            errors.push(refused);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return edit_again(&c, &topic, number, &form, errors, None, status);
        }
    };
    let body = screened.body;
    let slug = text::slug(title_now);
    let html = render_markdown(&state, &c, &body).await.html;
    let terms = jardinier_community::search::post_terms(title_now, &body);
    let (editor_account, editor_user) = authors(&c);
    state
        .store
        .edit_community_post(&CommunityPostEdit {
            workspace_id: c.site.workspace_id,
            post_id: post.id,
            body_md: &body,
            body_html: &html,
            terms: &terms,
            title: new_title.as_deref().map(|t| (t, slug.as_str())),
            editor_account,
            editor_user,
            screened: screened.queue.as_ref().map(|(spam, toxic, reasons)| {
                jardinier_store::Screened {
                    spam: *spam,
                    toxic: *toxic,
                    reasons,
                }
            }),
            hold: screened.status == jardinier_community::PostStatus::Held,
            now: unix_now(),
        })
        .await?;
    if new_title.is_some() {
        // The topic's other posts are found by its title: indexed again in the background.
        let store = state.store.clone();
        tokio::spawn(async move {
            if let Err(error) = crate::search::index_waiting_posts(store.as_ref()).await {
                tracing::warn!(%error, "community search: could not index a renamed topic");
            }
        });
    }
    let held = crate::screening::held_query(&screened.why);
    let address = here(&slug);
    Ok(Redirect::to(&if held.is_empty() {
        address
    } else {
        address.replacen('#', &format!("&{held}#"), 1)
    })
    .into_response())
}

/// A version of a post as the revisions page shows it.
pub struct Version {
    pub html: String,
    pub written_at: i64,
    /// (when, by whom) it was replaced; `None` for the current version.
    pub replaced: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "revisions.html")]
struct RevisionsPage<'a> {
    c: &'a SiteCtx,
    topic: &'a Topic,
    number: i64,
    /// Newest first, the current version first of all.
    versions: Vec<Version>,
}

pub async fn revisions(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id, number)): Path<(String, i64, i64)>,
) -> Result<Response, SiteError> {
    let (topic, post) = find(&state, &c, id, number).await?;
    if post.status == "deleted" && c.staff.is_none() {
        return Err(SiteError::NotFound);
    }
    let earlier = state.store.community_revisions(post.id).await?;
    let mut versions = vec![Version {
        html: post.body_html.clone(),
        written_at: post.edited_at.unwrap_or(post.created_at),
        replaced: None,
    }];
    versions.extend(earlier.into_iter().rev().map(|r| Version {
        html: jardinier_community::markup::render(&r.body_md, |path| c.href(path)).html,
        written_at: r.written_at,
        replaced: Some((
            r.replaced_at,
            if r.replaced_by.is_empty() {
                c.tr.t("site.former_member").to_owned()
            } else {
                r.replaced_by
            },
        )),
    }));
    render(RevisionsPage {
        c: &c,
        topic: &topic,
        number,
        versions,
    })
}

pub async fn delete(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id, number)): Path<(String, i64, i64)>,
) -> Result<Response, SiteError> {
    let (topic, post) = find(&state, &c, id, number).await?;
    if let Err(why) = may_delete(
        c.viewer(),
        is_author(&c, &post),
        status(&post),
        topic_state(&topic),
        number,
        topic.posts - 1,
    ) {
        return refused(&c, why);
    }
    state
        .store
        .delete_community_post(c.site.workspace_id, post.id, unix_now())
        .await?;
    let to = if number == 1 {
        match readable(&state, &c)
            .await?
            .into_iter()
            .find(|cat| cat.id == topic.category_id)
        {
            Some(cat) => c.href(&format!("/categories/{}", cat.slug)),
            None => c.href("/"),
        }
    } else {
        c.href(&format!(
            "/t/{}/{}?page={}#post-{number}",
            topic.id,
            topic.slug,
            jardinier_community::page_of(number)
        ))
    };
    Ok(Redirect::to(&to).into_response())
}
