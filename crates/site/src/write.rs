//! Writing in the community: a new topic and a reply. Each form carries a one-time key, so a
//! double click (or a resent form) makes one post; what a member wrote comes back with its
//! errors, never lost.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jardinier_community::{PostRefusal, TopicState, markup, text};
use jardinier_domain::input::ValidationErrors;
use jardinier_store::NewCommunityPost;
use serde::Deserialize;

use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::{CategoryView, readable, refusal_key, render};
use crate::{SharedSite, unix_now};

/// Where a refused writer is sent: to sign in, to the charter, or nowhere (a message).
fn refused(c: &SiteCtx, refusal: PostRefusal) -> Result<Response, SiteError> {
    let next = c.here();
    Ok(match refusal {
        PostRefusal::SignIn => {
            Redirect::to(&c.href(&format!("/signin?next={next}"))).into_response()
        }
        PostRefusal::AcceptCharter => {
            Redirect::to(&c.href(&format!("/charter?next={next}"))).into_response()
        }
        other => crate::account::message(c, refusal_key(other), None)?,
    })
}

/// The form's one-time key, as the pages give it (64 hexadecimal digits): anything else is a
/// form no page gave.
fn form_key(key: &str) -> Result<(), jardinier_domain::input::FieldError> {
    if key.len() == 64 && key.chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(jardinier_domain::input::FieldError::new(
            "body",
            "error.community_form_expired",
        ))
    }
}

/// Screens a new post whose form is otherwise valid: what passes, or the refusal added to
/// `errors` (the form comes back with the text kept).
async fn screen_new(
    state: &SharedSite,
    c: &SiteCtx,
    title: &str,
    body: &str,
    key: &str,
    errors: &mut ValidationErrors,
) -> Result<Option<crate::screening::Screened>, SiteError> {
    if !errors.is_empty() {
        return Ok(None);
    }
    let writing = crate::screening::Writing::New;
    Ok(
        match crate::screening::screen_post(state, c, title, body.to_owned(), writing, key).await? {
            Ok(screened) => Some(screened),
            Err(refused) => {
                errors.push(refused);
                None
            }
        },
    )
}

/// Screening's findings as the store writes them with a held (or flagged) post.
fn queued(q: &(f64, f64, String)) -> jardinier_store::Screened<'_> {
    jardinier_store::Screened {
        spam: q.0,
        toxic: q.1,
        reasons: &q.2,
    }
}

/// Who is writing, for the store.
pub(crate) fn authors(c: &SiteCtx) -> (Option<i64>, Option<i64>) {
    match (&c.staff, &c.member) {
        (Some((user, _)), _) => (None, Some(*user)),
        (None, Some(member)) => (Some(member.id), None),
        (None, None) => (None, None),
    }
}

/// A post as HTML, the cards of its lone links read first.
pub(crate) async fn render_markdown(
    state: &SharedSite,
    c: &SiteCtx,
    body: &str,
) -> markup::Rendered {
    let cards = crate::cards::cards_for(state, body).await;
    markup::render_with_cards(body, |path| c.href(path), &cards)
}

/// The preview of a form that asked for one.
pub(crate) async fn preview_of(
    state: &SharedSite,
    c: &SiteCtx,
    preview: bool,
    body: &str,
) -> Option<String> {
    if preview {
        Some(render_markdown(state, c, body).await.html)
    } else {
        None
    }
}

#[derive(Template)]
#[template(path = "new_topic.html")]
struct NewTopicPage<'a> {
    c: &'a SiteCtx,
    categories: Vec<CategoryView>,
    category: String,
    title: String,
    tags: String,
    body: String,
    idem_key: String,
    errors: ValidationErrors,
    /// The post as it will be shown (the Preview button): nothing is stored.
    preview: Option<String>,
}

#[derive(Deserialize)]
pub struct NewTopicQuery {
    category: Option<String>,
}

/// The categories the reader may start a topic in.
async fn postable(state: &SharedSite, c: &SiteCtx) -> Result<Vec<CategoryView>, SiteError> {
    Ok(readable(state, c)
        .await?
        .into_iter()
        .filter(|cat| {
            jardinier_community::may_post(cat.post, c.viewer(), TopicState::default()).is_ok()
        })
        .collect())
}

pub async fn new_topic_form(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Query(q): Query<NewTopicQuery>,
) -> Result<Response, SiteError> {
    if let Err(refusal) = jardinier_community::may_post(
        jardinier_community::Access::Everyone,
        c.viewer(),
        TopicState::default(),
    ) {
        return refused(&c, refusal);
    }
    let categories = postable(&state, &c).await?;
    render(NewTopicPage {
        category: q.category.unwrap_or_default(),
        c: &c,
        categories,
        title: String::new(),
        tags: String::new(),
        body: String::new(),
        idem_key: jardinier_webkit::secrets::random_token(),
        errors: ValidationErrors::default(),
        preview: None,
    })
}

#[derive(Deserialize)]
pub struct NewTopicForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    _key: String,
    /// Set by the Preview button.
    #[serde(default)]
    preview: Option<String>,
}

/// The form's key again when it is one a page gave (the preview keeps it, so the post sent
/// after it is still made once), else a new one.
fn key_again(key: &str) -> String {
    if form_key(key).is_ok() {
        key.to_owned()
    } else {
        jardinier_webkit::secrets::random_token()
    }
}

pub async fn new_topic(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Form(form): Form<NewTopicForm>,
) -> Result<Response, SiteError> {
    if let Some(page) = crate::screening::sanctioned(&state, &c).await? {
        return Ok(page);
    }
    let categories = postable(&state, &c).await?;
    let mut errors = ValidationErrors::default();
    let category = categories.iter().find(|cat| cat.slug == form.category);
    if category.is_none() {
        match jardinier_community::may_post(
            jardinier_community::Access::Everyone,
            c.viewer(),
            TopicState::default(),
        ) {
            Err(refusal) => return refused(&c, refusal),
            Ok(()) => errors.push(jardinier_domain::input::FieldError::new(
                "category",
                "error.community_category",
            )),
        }
    }
    let title = errors.check(text::title("title", &form.title));
    let tags = errors.check(text::tags("tags", &form.tags));
    let body = errors.check(text::body("body", &form.body));
    errors.check(form_key(&form._key));
    let preview = form.preview.is_some() && errors.is_empty();
    let screened = match (&title, &body, preview) {
        (Some(title), Some(body), false) => {
            screen_new(&state, &c, title, body, &form._key, &mut errors).await?
        }
        _ => None,
    };
    let (Some(category), Some(title), Some(tags), Some(screened), true, false) =
        (category, title, tags, screened, errors.is_empty(), preview)
    else {
        let status = if preview {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = NewTopicPage {
            c: &c,
            category: form.category.clone(),
            title: form.title.clone(),
            tags: form.tags.clone(),
            preview: preview_of(&state, &c, preview, &form.body).await,
            body: form.body.clone(),
            idem_key: key_again(&form._key),
            errors,
            categories,
        };
        return Ok((status, render(page)?).into_response());
    };
    let body = screened.body;
    let (author_account, author_user) = authors(&c);
    let rendered = render_markdown(&state, &c, &body).await;
    let html = rendered.html;
    let slug = text::slug(&title);
    let terms = jardinier_community::search::post_terms(&title, &body);
    let topic_id = state
        .store
        .create_community_topic(
            category.id,
            &title,
            &slug,
            &tags,
            &NewCommunityPost {
                workspace_id: c.site.workspace_id,
                author_account,
                author_user,
                body_md: &body,
                body_html: &html,
                status: screened.status.code(),
                idem_key: &form._key,
                terms: Some(&terms),
                screened: screened.queue.as_ref().map(queued),
                now: unix_now(),
            },
        )
        .await?;
    crate::listen::member_posted(
        &state,
        &c,
        crate::listen::Posted {
            topic_id,
            topic_slug: &slug,
            topic_title: &title,
            number: 1,
            body_md: &body,
            now: unix_now(),
        },
    )
    .await;
    // Its author watches the topic; the category's watchers and the people mentioned are told.
    if let Some(member) = &c.member {
        state
            .store
            .watch_community_topic(member.id, topic_id, true)
            .await?;
    }
    crate::notify::after_post(&state, &c, topic_id, 1, &rendered.mentions, &[], "topic").await;
    let held = crate::screening::held_query(&screened.why);
    let query = if held.is_empty() {
        String::new()
    } else {
        format!("?{held}")
    };
    Ok(Redirect::to(&c.href(&format!("/t/{topic_id}/{slug}{query}"))).into_response())
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    _key: String,
    /// Set by the Preview button.
    #[serde(default)]
    preview: Option<String>,
}

#[derive(Template)]
#[template(path = "reply_invalid.html")]
struct ReplyInvalid<'a> {
    c: &'a SiteCtx,
    topic: &'a jardinier_store::Topic,
    body: String,
    idem_key: String,
    errors: ValidationErrors,
    preview: Option<String>,
}

pub async fn reply(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, SiteError> {
    let topic = state
        .store
        .community_topic(c.site.workspace_id, id)
        .await?
        .filter(|t| t.status == "visible")
        .ok_or(SiteError::NotFound)?;
    let categories = readable(&state, &c).await?;
    let category = categories
        .iter()
        .find(|cat| cat.id == topic.category_id)
        .ok_or(SiteError::NotFound)?;
    if let Err(refusal) = jardinier_community::may_post(
        category.post,
        c.viewer(),
        TopicState {
            closed: topic.closed,
            archived: topic.archived,
        },
    ) {
        return refused(&c, refusal);
    }
    if let Some(page) = crate::screening::sanctioned(&state, &c).await? {
        return Ok(page);
    }
    let mut errors = ValidationErrors::default();
    let body = errors.check(text::body("body", &form.body));
    errors.check(form_key(&form._key));
    let preview = form.preview.is_some() && errors.is_empty();
    let screened = match (&body, preview) {
        (Some(body), false) => screen_new(&state, &c, "", body, &form._key, &mut errors).await?,
        _ => None,
    };
    let (Some(screened), true, false) = (screened, errors.is_empty(), preview) else {
        let status = if preview {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = ReplyInvalid {
            c: &c,
            topic: &topic,
            preview: preview_of(&state, &c, preview, &form.body).await,
            body: form.body.clone(),
            idem_key: key_again(&form._key),
            errors,
        };
        return Ok((status, render(page)?).into_response());
    };
    let body = screened.body;
    let (author_account, author_user) = authors(&c);
    let rendered = render_markdown(&state, &c, &body).await;
    let html = rendered.html;
    let terms = jardinier_community::search::post_terms(&topic.title, &body);
    let number = state
        .store
        .create_community_reply(
            topic.id,
            &NewCommunityPost {
                workspace_id: c.site.workspace_id,
                author_account,
                author_user,
                body_md: &body,
                body_html: &html,
                status: screened.status.code(),
                idem_key: &form._key,
                terms: Some(&terms),
                screened: screened.queue.as_ref().map(queued),
                now: unix_now(),
            },
        )
        .await?;
    crate::listen::member_posted(
        &state,
        &c,
        crate::listen::Posted {
            topic_id: topic.id,
            topic_slug: &topic.slug,
            topic_title: &topic.title,
            number,
            body_md: &body,
            now: unix_now(),
        },
    )
    .await;
    // Whoever replies watches the topic; its watchers and the people mentioned are told.
    if let Some(member) = &c.member {
        state
            .store
            .watch_community_topic(member.id, topic.id, true)
            .await?;
    }
    let quoted = markup::quoted_numbers(&body, topic.id);
    crate::notify::after_post(
        &state,
        &c,
        topic.id,
        number,
        &rendered.mentions,
        &quoted,
        "reply",
    )
    .await;
    let page = jardinier_community::page_of(number);
    let mut parts = Vec::new();
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    let held = crate::screening::held_query(&screened.why);
    if !held.is_empty() {
        parts.push(held);
    }
    let query = parts.join("&");
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Ok(Redirect::to(&c.href(&format!(
        "/t/{}/{}{query}#post-{number}",
        topic.id, topic.slug
    )))
    .into_response())
}
