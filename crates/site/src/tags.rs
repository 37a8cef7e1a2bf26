//! A tag's page (issue 16, item 2): the topics carrying it, in the categories the reader may
//! read, latest activity first.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::SharedSite;
use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::{TopicRow, readable, render, rows};

const TOPICS_PER_PAGE: i64 = 30;

#[derive(Deserialize)]
pub struct TagQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage<'a> {
    c: &'a SiteCtx,
    tag: String,
    topics: Vec<TopicRow>,
    page: i64,
    more: bool,
}

pub async fn tag(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, tag)): Path<(String, String)>,
    Query(q): Query<TagQuery>,
) -> Result<Response, SiteError> {
    // Only what a tag can be: anything else names no tag.
    let tag = jardinier_community::text::tag("tag", &tag).map_err(|_| SiteError::NotFound)?;
    let categories = readable(&state, &c).await?;
    let ids: Vec<i64> = categories.iter().map(|cat| cat.id).collect();
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut topics = state
        .store
        .community_tagged_topics(
            c.site.workspace_id,
            &ids,
            &tag,
            (page - 1) * TOPICS_PER_PAGE,
            TOPICS_PER_PAGE + 1,
        )
        .await?;
    let more = topics.len() as i64 > TOPICS_PER_PAGE;
    topics.truncate(TOPICS_PER_PAGE as usize);
    if topics.is_empty() && page == 1 {
        return Err(SiteError::NotFound);
    }
    render(TagPage {
        topics: rows(&state, &c, topics, &categories).await?,
        c: &c,
        tag,
        page,
        more,
    })
}
