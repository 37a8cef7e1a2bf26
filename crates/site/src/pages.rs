//! Reading the community: its home (categories and the latest topics), a category's topics,
//! a topic's posts page by page, a member's page, and the site's look.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jardinier_community::{Access, CategoryKind, PostRefusal, TopicState, safe_colour};
use jardinier_store::{CommunityCategory, CommunityPost, Topic, TopicViewQuery};
use serde::Deserialize;

use crate::SharedSite;
use crate::context::SiteCtx;
use crate::error::SiteError;

pub fn render(template: impl Template) -> Result<Response, SiteError> {
    Ok(Html(template.render()?).into_response())
}

/// A category as its lists show it.
pub struct CategoryView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub colour: String,
    pub kind: CategoryKind,
    pub topics: i64,
    pub last: Option<i64>,
    pub members_only: bool,
    pub post: Access,
}

/// The categories `c` may read, in their order.
pub async fn readable(state: &SharedSite, c: &SiteCtx) -> Result<Vec<CategoryView>, SiteError> {
    let viewer = c.viewer();
    Ok(state
        .store
        .community_categories(c.site.workspace_id)
        .await?
        .into_iter()
        .filter_map(|cat: CommunityCategory| {
            let read = Access::parse(&cat.read_access).unwrap_or(Access::Staff);
            jardinier_community::can_read(read, viewer).then(|| CategoryView {
                id: cat.id,
                slug: cat.slug,
                name: cat.name,
                description: cat.description,
                colour: safe_colour(&cat.colour),
                kind: CategoryKind::parse(&cat.kind).unwrap_or_default(),
                topics: cat.topics,
                last: cat.last_posted_at,
                members_only: read != Access::Everyone,
                post: Access::parse(&cat.post_access).unwrap_or(Access::Staff),
            })
        })
        .collect())
}

/// A topic in a list.
pub struct TopicRow {
    pub topic: Topic,
    pub category: Option<(String, String, String)>,
    pub replies: i64,
    pub href: String,
    pub tags: Vec<String>,
}

/// Topics as lists show them, with their categories and tags.
pub async fn rows(
    state: &SharedSite,
    c: &SiteCtx,
    topics: Vec<Topic>,
    categories: &[CategoryView],
) -> Result<Vec<TopicRow>, SiteError> {
    let ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
    let tags = state.store.community_topic_tags(&ids).await?;
    Ok(topics
        .into_iter()
        .map(|topic| {
            let category = categories
                .iter()
                .find(|cat| cat.id == topic.category_id)
                .map(|cat| (cat.slug.clone(), cat.name.clone(), cat.colour.clone()));
            TopicRow {
                href: c.href(&format!("/t/{}/{}", topic.id, topic.slug)),
                replies: topic.posts - 1,
                tags: tags
                    .iter()
                    .filter(|(id, _)| *id == topic.id)
                    .map(|(_, tag)| tag.clone())
                    .collect(),
                category,
                topic,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    c: &'a SiteCtx,
    categories: Vec<CategoryView>,
    latest: Vec<TopicRow>,
    welcome: String,
}

pub async fn home(State(state): State<SharedSite>, c: SiteCtx) -> Result<Response, SiteError> {
    let categories = readable(&state, &c).await?;
    let ids: Vec<i64> = categories.iter().map(|cat| cat.id).collect();
    let latest = state
        .store
        .community_topics(c.site.workspace_id, &ids, false, 0, 15)
        .await?;
    let latest = rows(&state, &c, latest, &categories).await?;
    let welcome = match c.lang() {
        jardinier_i18n::Lang::Fr => c.site.tagline.clone(),
        jardinier_i18n::Lang::En => c.site.tagline.clone(),
    };
    render(Home {
        c: &c,
        categories,
        latest,
        welcome,
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    /// Quote this post's number in the reply (topic pages).
    quote: Option<i64>,
    /// The part of it the reader selected.
    part: Option<String>,
    /// Why the reader's post was just held (`site::screening`): reason codes, comma-separated.
    held: Option<String>,
}

const TOPICS_PER_PAGE: i64 = 30;

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage<'a> {
    c: &'a SiteCtx,
    category: &'a CategoryView,
    topics: Vec<TopicRow>,
    page: i64,
    more: bool,
    can_start: bool,
}

pub async fn category(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, slug)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, SiteError> {
    let categories = readable(&state, &c).await?;
    let category = categories
        .iter()
        .find(|cat| cat.slug == slug)
        .ok_or(SiteError::NotFound)?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut topics = state
        .store
        .community_topics(
            c.site.workspace_id,
            &[category.id],
            true,
            (page - 1) * TOPICS_PER_PAGE,
            TOPICS_PER_PAGE + 1,
        )
        .await?;
    let more = topics.len() as i64 > TOPICS_PER_PAGE;
    topics.truncate(TOPICS_PER_PAGE as usize);
    let can_start = !matches!(
        jardinier_community::may_post(category.post, c.viewer(), TopicState::default()),
        Err(PostRefusal::StaffOnly)
    );
    render(CategoryPage {
        topics: rows(&state, &c, topics, &categories).await?,
        c: &c,
        category,
        page,
        more,
        can_start,
    })
}

/// A post as the topic page shows it.
pub struct PostView {
    pub post: CommunityPost,
    /// Held posts are shown to their author and the team only, marked as waiting.
    pub held: bool,
    pub deleted: bool,
    /// The question's accepted answer.
    pub accepted: bool,
    /// The reader may edit it, delete it.
    pub can_edit: bool,
    pub can_delete: bool,
    /// Every kind of reaction with its count and whether the reader gave it; the reader may
    /// react.
    pub reactions: Vec<ReactionView>,
    pub can_react: bool,
    /// The letter shown when the author has no avatar.
    pub initial: String,
}

/// The first letter of a name, upper-case ("?" for a name without letters): the avatar of a
/// member who chose none.
pub fn initial(name: &str) -> String {
    name.chars()
        .find(|ch| ch.is_alphanumeric())
        .map(|ch| ch.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

pub struct ReactionView {
    pub code: &'static str,
    pub emoji: &'static str,
    pub label: String,
    pub count: i64,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "topic.html")]
struct TopicPage<'a> {
    c: &'a SiteCtx,
    topic: &'a Topic,
    category: &'a CategoryView,
    posts: Vec<PostView>,
    page: i64,
    pages: i64,
    /// Why the reader may not reply, if they may not.
    refusal: Option<String>,
    idem_key: String,
    canonical: String,
    /// The reader may mark a reply as the accepted answer.
    can_accept: bool,
    can_vote: bool,
    voted: bool,
    /// A signed-in member watches the topic.
    watching: Option<bool>,
    staff: bool,
    /// (code, catalogue key) of an idea's statuses.
    idea_statuses: Vec<(&'static str, &'static str)>,
    /// The accepted answer: its address in the topic, its author, its first words.
    accepted: Option<(String, String, String)>,
    /// The reply's text to start from (a quote).
    prefill: String,
    tags: Vec<String>,
    /// Why the reader's post was just held, in their language.
    held_why: Vec<String>,
}

pub async fn topic(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path(path): Path<Vec<(String, String)>>,
    Query(q): Query<PageQuery>,
) -> Result<Response, SiteError> {
    let id: i64 = path
        .iter()
        .find(|(k, _)| k == "id")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(SiteError::NotFound)?;
    let given_slug = path
        .iter()
        .find(|(k, _)| k == "slug")
        .map(|(_, v)| v.as_str());
    let (reader_account, reader_user) = crate::write::authors(&c);
    let view = state
        .store
        .community_topic_view(&TopicViewQuery {
            workspace_id: c.site.workspace_id,
            topic_id: id,
            page: q.page.unwrap_or(1),
            per_page: jardinier_community::POSTS_PER_PAGE,
            account_id: reader_account,
            user_id: reader_user,
            member_id: c.member.as_ref().map(|m| m.id),
        })
        .await?
        .ok_or(SiteError::NotFound)?;
    let topic = view.topic;
    let categories = readable(&state, &c).await?;
    let category = categories
        .iter()
        .find(|cat| cat.id == topic.category_id)
        .ok_or(SiteError::NotFound)?;
    let mine = |author_account: Option<i64>| {
        c.member
            .as_ref()
            .is_some_and(|m| Some(m.id) == author_account)
    };
    if topic.status != "visible" && c.staff.is_none() && !mine(topic.author.account_id) {
        return Err(SiteError::NotFound);
    }
    // One address per topic: an old or missing title part redirects to the current one.
    if given_slug != Some(topic.slug.as_str()) {
        let page = q.page.map(|p| format!("?page={p}")).unwrap_or_default();
        return Ok(
            Redirect::permanent(&c.href(&format!("/t/{}/{}{page}", topic.id, topic.slug)))
                .into_response(),
        );
    }
    let (page, pages) = (view.page, view.pages);
    let given = view.reactions;
    let posts = view
        .posts
        .into_iter()
        .filter(|p| p.status != "held" || c.staff.is_some() || mine(p.author.account_id))
        .map(|post| {
            use jardinier_community::editing::{may_delete, may_edit};
            let author = crate::edit::is_author(&c, &post);
            let status = jardinier_community::PostStatus::parse(&post.status)
                .unwrap_or(jardinier_community::PostStatus::Deleted);
            let state = crate::edit::topic_state(&topic);
            let reactions = jardinier_community::reactions::Reaction::ALL
                .into_iter()
                .map(|r| {
                    let found = given
                        .iter()
                        .find(|g| g.post_id == post.id && g.kind == r.code());
                    ReactionView {
                        code: r.code(),
                        emoji: r.emoji(),
                        label: c.tr.t(&format!("site.reaction.{}", r.code())).to_owned(),
                        count: found.map_or(0, |g| g.count),
                        mine: found.is_some_and(|g| g.mine),
                    }
                })
                .collect();
            PostView {
                initial: initial(&post.author.name),
                can_react: jardinier_community::reactions::may_react(c.viewer(), author),
                reactions,
                held: post.status == "held",
                deleted: post.status == "deleted",
                accepted: topic.accepted_number == Some(post.number),
                can_edit: may_edit(c.viewer(), author, status, state).is_ok(),
                can_delete: may_delete(
                    c.viewer(),
                    author,
                    status,
                    state,
                    post.number,
                    topic.posts - 1,
                )
                .is_ok(),
                post,
            }
        })
        .collect();
    let refusal = jardinier_community::may_post(
        category.post,
        c.viewer(),
        TopicState {
            closed: topic.closed,
            archived: topic.archived,
        },
    )
    .err()
    .map(|r| c.tr.t(&format!("{}.text", refusal_key(r))).to_owned())
    // A topic waiting for a moderator takes replies once it is published.
    .or_else(|| (topic.status == "held").then(|| c.tr.t("site.held_no_reply").to_owned()));
    let canonical = format!(
        "{}/t/{}/{}{}",
        c.absolute,
        topic.id,
        topic.slug,
        if page > 1 {
            format!("?page={page}")
        } else {
            String::new()
        }
    );
    let prefill = match q.quote {
        Some(number) if refusal.is_none() => {
            quote(&state, &c, &topic, number, q.part.as_deref()).await?
        }
        _ => String::new(),
    };
    let viewer = c.viewer();
    let asker = c.member.is_some() && mine(topic.author.account_id);
    let accepted = match topic.accepted_number {
        Some(number) => view.accepted.map(|p| {
            (
                format!(
                    "?page={}#post-{number}",
                    jardinier_community::page_of(number)
                ),
                p.author.name,
                jardinier_community::markup::excerpt(&p.body_md, 240),
            )
        }),
        None => None,
    };
    let voted = category.kind == CategoryKind::Ideas && view.voted;
    let watching = view.watching;
    // Told to the member whose post was just held; a link with it shows nothing to others.
    let held_why = match (&q.held, &c.member) {
        (Some(codes), Some(_)) => codes
            .split(',')
            .filter(|code| crate::screening::TOLD.contains(code))
            .map(|code| c.tr.t(&format!("site.held_why.{code}")).to_owned())
            .collect(),
        _ => Vec::new(),
    };
    render(TopicPage {
        held_why,
        watching,
        can_accept: jardinier_community::may_accept_answer(category.kind, viewer, asker, 2),
        can_vote: jardinier_community::may_vote(category.kind, viewer),
        voted,
        staff: viewer == jardinier_community::Viewer::Staff,
        idea_statuses: jardinier_community::IdeaStatus::ALL
            .into_iter()
            .map(|s| (s.code(), idea_status_key(s.code())))
            .collect(),
        accepted,
        prefill,
        tags: view.tags,
        c: &c,
        topic: &topic,
        category,
        posts,
        page,
        pages,
        refusal,
        idem_key: jardinier_webkit::secrets::random_token(),
        canonical,
    })
}

/// A reply's opening quote of post `number` (or of the `part` of it the reader selected), with
/// a link to it; nothing when it is not a post the reader sees.
async fn quote(
    state: &SharedSite,
    c: &SiteCtx,
    topic: &Topic,
    number: i64,
    part: Option<&str>,
) -> Result<String, SiteError> {
    let Some(post) = state
        .store
        .community_posts(topic.id, number, number)
        .await?
        .into_iter()
        .find(|p| p.status == "visible")
    else {
        return Ok(String::new());
    };
    let name = if post.author.name.is_empty() {
        c.tr.t("site.former_member").to_owned()
    } else {
        post.author.name.clone()
    };
    let href = c.href(&format!("/t/{}/{}/{number}", topic.id, topic.slug));
    let intro = c.tr.f(
        "site.quote.intro",
        &[
            ("name", &jardinier_community::markup::escape_inline(&name)),
            ("href", &href),
        ],
    );
    Ok(jardinier_community::markup::quote(
        &intro,
        &post.body_md,
        part,
    ))
}

/// A post's own address (`/t/{id}/{slug}/{number}`, as listening and the inbox link it): the
/// page of its topic that shows it.
pub async fn post_link(
    c: SiteCtx,
    Path((_, id, slug, number)): Path<(String, i64, String, i64)>,
) -> Response {
    let page = jardinier_community::page_of(number);
    Redirect::to(&c.href(&format!("/t/{id}/{slug}?page={page}#post-{number}"))).into_response()
}

/// The catalogue key of an idea's status.
pub fn idea_status_key(code: &str) -> &'static str {
    match code {
        "under_review" => "site.idea.under_review",
        "planned" => "site.idea.planned",
        "done" => "site.idea.done",
        "declined" => "site.idea.declined",
        _ => "site.idea.new",
    }
}

/// The message that tells a reader why they can't post, and what to do.
pub fn refusal_key(refusal: PostRefusal) -> &'static str {
    match refusal {
        PostRefusal::SignIn => "site.refusal.sign_in",
        PostRefusal::VerifyEmail => "site.refusal.verify_email",
        PostRefusal::AcceptCharter => "site.refusal.accept_charter",
        PostRefusal::StaffOnly => "site.refusal.staff_only",
        PostRefusal::TopicClosed => "site.refusal.closed",
    }
}

#[derive(Template)]
#[template(path = "profile.html")]
struct Profile<'a> {
    c: &'a SiteCtx,
    account: jardinier_store::CommunityAccount,
}

pub async fn profile(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, handle)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    let account = state
        .store
        .community_account_by_handle(c.site.workspace_id, &handle.to_lowercase())
        .await?
        .ok_or(SiteError::NotFound)?;
    render(Profile { c: &c, account })
}

#[derive(Deserialize)]
pub struct CompleteQuery {
    #[serde(default)]
    q: String,
}

/// Members a writer may @mention, for the reply box's completion (JSON: `[{handle, name}]`).
/// Only for those who may write: the list of members is not handed to anyone who asks.
pub async fn complete_handles(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Query(q): Query<CompleteQuery>,
) -> Result<Response, SiteError> {
    if c.member.is_none() && c.staff.is_none() {
        return Err(SiteError::Forbidden);
    }
    let found = state
        .store
        .community_handles_starting(c.site.workspace_id, q.q.trim(), 8)
        .await?;
    let list: Vec<serde_json::Value> = found
        .into_iter()
        .map(|(handle, name)| serde_json::json!({"handle": handle, "name": name}))
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        axum::Json(list),
    )
        .into_response())
}

/// The brand's colour and the categories', as a stylesheet (the pages allow no inline style).
pub async fn theme(State(state): State<SharedSite>, c: SiteCtx) -> Result<Response, SiteError> {
    let mut css = format!(":root {{ --accent: {}; }}\n", safe_colour(&c.site.accent));
    for cat in state
        .store
        .community_categories(c.site.workspace_id)
        .await?
    {
        // Slugs are [a-z0-9-] (checked when saved); colours are checked here.
        if cat
            .slug
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        {
            css += &format!(
                "[data-cat=\"{}\"] {{ --cat: {}; }}\n",
                cat.slug,
                safe_colour(&cat.colour)
            );
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        css,
    )
        .into_response())
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/site.css"),
    )
        .into_response()
}

/// The site's one script (progressive enhancement: every page works without it).
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/site.js"),
    )
        .into_response()
}

pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        jardinier_webkit::ICON_SVG,
    )
        .into_response()
}
