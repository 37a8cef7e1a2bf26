//! Searching the community (issue 16, item 7): words in French or English (stemmed, accents
//! folded), narrowed by category, author, dates and solved questions; one result per topic, its
//! newest post found, with the words found marked. Only what the reader may read is searched.
//!
//! Posts written before the search index existed are indexed when the server starts
//! ([`index_waiting_posts`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jardinier_community::search::{CANDIDATES, Marked, mark, post_terms, snippet};
use jardinier_domain::input::{FieldError, ValidationErrors};
use jardinier_store::{CommunitySearch, Store};
use serde::Deserialize;

use crate::SharedSite;
use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::{CategoryView, readable, render};

const RESULTS_PER_PAGE: i64 = 20;
/// Characters of a post a result shows.
const SNIPPET_CHARS: usize = 240;

#[derive(Deserialize, Default)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// "yes": topics with an accepted answer; "no": questions still without one.
    #[serde(default)]
    solved: String,
    page: Option<i64>,
}

/// A topic found.
pub struct Hit {
    pub title: Marked,
    pub href: String,
    pub category: Option<(String, String, String)>,
    pub author: String,
    pub staff: bool,
    pub at: i64,
    pub snippet: Marked,
    pub solved: bool,
    pub replies: i64,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: &'a SiteCtx,
    form: &'a SearchForm,
    categories: Vec<CategoryView>,
    searched: bool,
    hits: Vec<Hit>,
    total: i64,
    capped: bool,
    page: i64,
    pages: i64,
    /// The search's own address without its page, for the pager.
    again: String,
    errors: ValidationErrors,
}

pub async fn search(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Query(form): Query<SearchForm>,
) -> Result<Response, SiteError> {
    let categories = readable(&state, &c).await?;
    let mut errors = ValidationErrors::default();
    let groups = jardinier_query::search_groups(&form.q);
    let chosen: Vec<i64> = match form.category.trim() {
        "" => categories.iter().map(|cat| cat.id).collect(),
        slug => match categories.iter().find(|cat| cat.slug == slug) {
            Some(cat) => vec![cat.id],
            None => {
                errors.push(FieldError::new("category", "error.search_category"));
                Vec::new()
            }
        },
    };
    let author = match form.author.trim().trim_start_matches('@') {
        "" => None,
        handle => match state
            .store
            .community_account_by_handle(c.site.workspace_id, handle)
            .await?
        {
            Some(account) => Some(account.id),
            None => {
                errors.push(FieldError::new("author", "error.search_author"));
                None
            }
        },
    };
    let tag = match form.tag.trim() {
        "" => None,
        typed => errors.check(jardinier_community::text::tag("tag", typed)),
    };
    let since = day(&c, "from", &form.from, &mut errors).map(|(start, _)| start);
    let until = day(&c, "to", &form.to, &mut errors).map(|(_, end)| end);
    let solved = match form.solved.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let searched = !groups.is_empty() || author.is_some() || tag.is_some();
    let page = form
        .page
        .unwrap_or(1)
        .clamp(1, CANDIDATES / RESULTS_PER_PAGE);
    let mut found = jardinier_store::CommunityHits::default();
    if searched && errors.is_empty() {
        found = state
            .store
            .search_community(
                &CommunitySearch {
                    workspace_id: c.site.workspace_id,
                    groups: &groups,
                    categories: &chosen,
                    author_account: author,
                    since,
                    until,
                    solved,
                    tag: tag.as_deref(),
                    offset: (page - 1) * RESULTS_PER_PAGE,
                    limit: RESULTS_PER_PAGE,
                },
                CANDIDATES,
            )
            .await?;
    }
    let hits = found
        .hits
        .into_iter()
        .map(|(topic, post)| Hit {
            title: mark(&topic.title, &groups),
            href: c.href(&format!("/t/{}/{}/{}", topic.id, topic.slug, post.number)),
            category: categories
                .iter()
                .find(|cat| cat.id == topic.category_id)
                .map(|cat| (cat.slug.clone(), cat.name.clone(), cat.colour.clone())),
            author: if post.author.name.is_empty() {
                c.tr.t("site.former_member").to_owned()
            } else {
                post.author.name.clone()
            },
            staff: post.author.staff(),
            at: post.created_at,
            snippet: snippet(&post.body_md, &groups, SNIPPET_CHARS),
            solved: topic.accepted_number.is_some(),
            replies: topic.posts - 1,
        })
        .collect();
    let again = {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &form.q),
            ("category", &form.category),
            ("author", &form.author),
            ("tag", &form.tag),
            ("from", &form.from),
            ("to", &form.to),
            ("solved", &form.solved),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value);
            }
        }
        c.href(&format!("/search?{}", query.finish()))
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page_view = SearchPage {
        c: &c,
        form: &form,
        categories,
        searched,
        total: found.total,
        capped: found.capped,
        pages: (found.total + RESULTS_PER_PAGE - 1) / RESULTS_PER_PAGE,
        hits,
        page,
        again,
        errors,
    };
    Ok((status, render(page_view)?).into_response())
}

/// A day typed in the form: its bounds in the workspace's zone, or an error on `field`.
fn day(
    c: &SiteCtx,
    field: &'static str,
    text: &str,
    errors: &mut ValidationErrors,
) -> Option<(i64, i64)> {
    if text.trim().is_empty() {
        return None;
    }
    let bounds = jardinier_webkit::format::day_bounds(text, &c.timezone);
    if bounds.is_none() {
        errors.push(FieldError::new(field, "error.search_day"));
    }
    bounds
}

/// Indexes the posts written before the search index existed, a batch at a time, until none is
/// left. Run when the server starts; a failure is logged and the rest waits for the next start.
pub async fn index_waiting_posts(store: &dyn Store) -> Result<usize, jardinier_store::StoreError> {
    let mut indexed = 0;
    loop {
        let waiting = store.unindexed_community_posts(500).await?;
        if waiting.is_empty() {
            return Ok(indexed);
        }
        let posts: Vec<(i64, i64, Vec<String>)> = waiting
            .iter()
            .map(|p| (p.id, p.workspace_id, post_terms(&p.title, &p.body_md)))
            .collect();
        store.index_community_posts(&posts).await?;
        indexed += posts.len();
    }
}
