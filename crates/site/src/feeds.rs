//! Findability (issue 16, item 8): Atom feeds of the community, of a category and of a topic,
//! and the sitemap. They show what a visitor may read — members-only categories never appear,
//! whoever asks — and use the community's own address (its host name when it has one).
//! The XML is written by quick-xml (already built for the feed connectors), which escapes it.

use std::io::Cursor;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jardinier_community::{Access, Viewer};
use jardinier_store::{CommunityPost, Topic};
use quick_xml::Writer;
use quick_xml::events::BytesText;

use crate::SharedSite;
use crate::context::SiteCtx;
use crate::error::SiteError;

/// Entries in a feed; addresses in a sitemap (the protocol's limit).
const FEED_ENTRIES: i64 = 30;
const SITEMAP_URLS: i64 = 50_000;

/// The categories a visitor may read: (id, slug, name).
async fn public_categories(
    state: &SharedSite,
    c: &SiteCtx,
) -> Result<Vec<(i64, String, String)>, SiteError> {
    Ok(state
        .store
        .community_categories(c.site.workspace_id)
        .await?
        .into_iter()
        .filter(|cat| {
            jardinier_community::can_read(
                Access::parse(&cat.read_access).unwrap_or(Access::Staff),
                Viewer::Visitor,
            )
        })
        .map(|cat| (cat.id, cat.slug, cat.name))
        .collect())
}

fn xml_response(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn internal(error: std::io::Error) -> SiteError {
    SiteError::Internal(error.into())
}

struct Entry {
    id: String,
    title: String,
    link: String,
    author: String,
    updated: i64,
    html: String,
}

/// An Atom document (RFC 4287).
fn atom(
    c: &SiteCtx,
    title: &str,
    self_link: &str,
    alternate: &str,
    entries: &[Entry],
) -> Result<Vec<u8>, SiteError> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_default();
    w.write_event(quick_xml::events::Event::Decl(
        quick_xml::events::BytesDecl::new("1.0", Some("utf-8"), None),
    ))
    .map_err(internal)?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xml:lang", c.tr.code()))
        .write_inner_content(|w| {
            w.create_element("title")
                .write_text_content(BytesText::new(title))?;
            w.create_element("id")
                .write_text_content(BytesText::new(self_link))?;
            w.create_element("link")
                .with_attribute(("rel", "self"))
                .with_attribute(("href", self_link))
                .write_empty()?;
            w.create_element("link")
                .with_attribute(("rel", "alternate"))
                .with_attribute(("type", "text/html"))
                .with_attribute(("href", alternate))
                .write_empty()?;
            w.create_element("updated")
                .write_text_content(BytesText::new(&jardinier_webkit::format::rfc3339(updated)))?;
            w.create_element("generator")
                .write_text_content(BytesText::new("Jardinier"))?;
            for e in entries {
                w.create_element("entry").write_inner_content(|w| {
                    w.create_element("id")
                        .write_text_content(BytesText::new(&e.id))?;
                    w.create_element("title")
                        .write_text_content(BytesText::new(&e.title))?;
                    w.create_element("link")
                        .with_attribute(("rel", "alternate"))
                        .with_attribute(("href", e.link.as_str()))
                        .write_empty()?;
                    w.create_element("updated")
                        .write_text_content(BytesText::new(&jardinier_webkit::format::rfc3339(
                            e.updated,
                        )))?;
                    w.create_element("author").write_inner_content(|w| {
                        w.create_element("name")
                            .write_text_content(BytesText::new(&e.author))?;
                        Ok(())
                    })?;
                    // The post's HTML, already cleaned by `markup::render`, escaped once more
                    // as Atom's `type="html"` content.
                    w.create_element("content")
                        .with_attribute(("type", "html"))
                        .write_text_content(BytesText::new(&e.html))?;
                    Ok(())
                })?;
            }
            Ok(())
        })
        .map_err(internal)?;
    Ok(w.into_inner().into_inner())
}

fn topic_link(c: &SiteCtx, topic: &Topic) -> String {
    format!("{}/t/{}/{}", c.absolute, topic.id, topic.slug)
}

/// Topics as entries, each with its first post.
async fn topic_entries(
    state: &SharedSite,
    c: &SiteCtx,
    topics: Vec<Topic>,
) -> Result<Vec<Entry>, SiteError> {
    let ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
    let firsts = state.store.community_first_posts(&ids).await?;
    Ok(topics
        .into_iter()
        .map(|topic| {
            let html = firsts
                .iter()
                .find(|p| p.topic_id == topic.id && p.status == "visible")
                .map(|p| p.body_html.clone())
                .unwrap_or_default();
            Entry {
                id: topic_link(c, &topic),
                link: topic_link(c, &topic),
                title: topic.title,
                author: topic.author.name,
                updated: topic.created_at,
                html,
            }
        })
        .collect())
}

/// The newest topics of the whole community.
pub async fn community_feed(
    State(state): State<SharedSite>,
    c: SiteCtx,
) -> Result<Response, SiteError> {
    let categories = public_categories(&state, &c).await?;
    let ids: Vec<i64> = categories.iter().map(|(id, _, _)| *id).collect();
    let topics = state
        .store
        .community_topics(c.site.workspace_id, &ids, false, 0, FEED_ENTRIES)
        .await?;
    let entries = topic_entries(&state, &c, topics).await?;
    let body = atom(
        &c,
        &c.site.name,
        &format!("{}/feed.atom", c.absolute),
        &format!("{}/", c.absolute),
        &entries,
    )?;
    Ok(xml_response("application/atom+xml; charset=utf-8", body))
}

/// The newest topics of a category.
pub async fn category_feed(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    let categories = public_categories(&state, &c).await?;
    let (id, slug, name) = categories
        .into_iter()
        .find(|(_, s, _)| *s == slug)
        .ok_or(SiteError::NotFound)?;
    let topics = state
        .store
        .community_topics(c.site.workspace_id, &[id], false, 0, FEED_ENTRIES)
        .await?;
    let entries = topic_entries(&state, &c, topics).await?;
    let body = atom(
        &c,
        &format!("{name} · {}", c.site.name),
        &format!("{}/categories/{slug}/feed.atom", c.absolute),
        &format!("{}/categories/{slug}", c.absolute),
        &entries,
    )?;
    Ok(xml_response("application/atom+xml; charset=utf-8", body))
}

/// The newest posts of a topic.
pub async fn topic_feed(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, SiteError> {
    let topic = state
        .store
        .community_topic(c.site.workspace_id, id)
        .await?
        .filter(|t| t.status == "visible")
        .ok_or(SiteError::NotFound)?;
    let public = public_categories(&state, &c).await?;
    if !public.iter().any(|(id, _, _)| *id == topic.category_id) {
        return Err(SiteError::NotFound);
    }
    let from = (topic.posts - FEED_ENTRIES + 1).max(1);
    let mut posts: Vec<CommunityPost> = state
        .store
        .community_posts(topic.id, from, topic.posts)
        .await?
        .into_iter()
        .filter(|p| p.status == "visible")
        .collect();
    posts.reverse();
    let link = topic_link(&c, &topic);
    let entries: Vec<Entry> = posts
        .into_iter()
        .map(|p| {
            let page = jardinier_community::page_of(p.number);
            let at = if page > 1 {
                format!("{link}?page={page}#post-{}", p.number)
            } else {
                format!("{link}#post-{}", p.number)
            };
            Entry {
                id: format!("{link}#post-{}", p.number),
                title: if p.number == 1 {
                    topic.title.clone()
                } else {
                    format!("{} #{}", topic.title, p.number)
                },
                link: at,
                author: p.author.name,
                updated: p.edited_at.unwrap_or(p.created_at),
                html: p.body_html,
            }
        })
        .collect();
    let body = atom(
        &c,
        &topic.title,
        &format!("{}/t/{}/feed.atom", c.absolute, topic.id),
        &link,
        &entries,
    )?;
    Ok(xml_response("application/atom+xml; charset=utf-8", body))
}

/// Every page a visitor may read: home, public categories, their topics.
pub async fn sitemap(State(state): State<SharedSite>, c: SiteCtx) -> Result<Response, SiteError> {
    let categories = public_categories(&state, &c).await?;
    let ids: Vec<i64> = categories.iter().map(|(id, _, _)| *id).collect();
    let topics = state
        .store
        .community_topics(c.site.workspace_id, &ids, false, 0, SITEMAP_URLS)
        .await?;
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(quick_xml::events::Event::Decl(
        quick_xml::events::BytesDecl::new("1.0", Some("utf-8"), None),
    ))
    .map_err(internal)?;
    w.create_element("urlset")
        .with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"))
        .write_inner_content(|w| {
            let mut url = |loc: &str, modified: Option<i64>| -> std::io::Result<()> {
                w.create_element("url").write_inner_content(|w| {
                    w.create_element("loc")
                        .write_text_content(BytesText::new(loc))?;
                    if let Some(at) = modified {
                        w.create_element("lastmod")
                            .write_text_content(BytesText::new(
                                &jardinier_webkit::format::rfc3339(at),
                            ))?;
                    }
                    Ok(())
                })?;
                Ok(())
            };
            url(&format!("{}/", c.absolute), None)?;
            for (_, slug, _) in &categories {
                url(&format!("{}/categories/{slug}", c.absolute), None)?;
            }
            for topic in &topics {
                url(&topic_link(&c, topic), Some(topic.last_posted_at))?;
            }
            Ok(())
        })
        .map_err(internal)?;
    Ok(xml_response(
        "application/xml; charset=utf-8",
        w.into_inner().into_inner(),
    ))
}

/// On a community's own host, `/robots.txt` points crawlers to the sitemap and away from the
/// account pages.
pub async fn robots(c: SiteCtx) -> Result<Response, SiteError> {
    if !c.base.is_empty() {
        return Err(SiteError::NotFound);
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "User-agent: *\nDisallow: /signin\nDisallow: /signup\nDisallow: /u/\nDisallow: /new\n\nSitemap: {}/sitemap.xml\n",
            c.absolute
        ),
    )
        .into_response())
}
