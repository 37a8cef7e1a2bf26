//! Publishing results: per post and per campaign (likes, shares, replies fetched back from the
//! networks that give them, clicks on the built-in short links), and the best hours to post,
//! learned from the workspace's own past posts.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jardinier_compose::timing::{best_slots, engagement};
use jardinier_domain::Permission;
use serde::Deserialize;

use super::{Chrome, format_time, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

#[derive(Deserialize, Default)]
pub struct ResultsQuery {
    #[serde(default)]
    days: Option<i64>,
}

#[derive(Default)]
pub struct Totals {
    pub posts: i64,
    pub likes: i64,
    pub shares: i64,
    pub replies: i64,
    pub clicks: i64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.posts += other.posts;
        self.likes += other.likes;
        self.shares += other.shares;
        self.replies += other.replies;
        self.clicks += other.clicks;
    }
}

pub struct PostResult {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub campaign: String,
    pub totals: Totals,
}

#[derive(Template)]
#[template(path = "publishing_results.html")]
struct ResultsTemplate {
    c: Chrome,
    ws_slug: String,
    days: i64,
    campaigns: Vec<(String, Totals)>,
    posts: Vec<PostResult>,
    all: Totals,
    /// "Wednesday 18:00 — 25 on average (2 posts)"
    best: Vec<String>,
    timezone: String,
}

/// One published post's results.
pub struct PostFigures {
    pub id: i64,
    pub title: String,
    pub scheduled_at: Option<i64>,
    pub campaign: String,
    pub totals: Totals,
}

/// The results of the posts published in the last `days` days, newest first; by campaign (the
/// empty name for posts without one); and the best hours to post.
pub struct ResultFigures {
    pub posts: Vec<PostFigures>,
    pub campaigns: Vec<(String, Totals)>,
    pub all: Totals,
    pub best: Vec<jardinier_compose::timing::Slot>,
}

pub async fn figures(
    state: &SharedState,
    workspace_id: i64,
    timezone: &str,
    days: i64,
) -> Result<ResultFigures, WebError> {
    let now = unix_now();
    let clicks: HashMap<i64, i64> = state
        .store
        .clicks_by_post(workspace_id)
        .await?
        .into_iter()
        .collect();
    let found = state
        .store
        .posts_between(workspace_id, now - days * 86_400, now + 1)
        .await?;
    let mut posts = Vec::new();
    let mut campaigns: Vec<(String, Totals)> = Vec::new();
    let mut all = Totals::default();
    let mut samples = Vec::new();
    for (post, deliveries) in found.iter().rev() {
        if !deliveries.iter().any(|d| d.status == "sent") {
            continue;
        }
        let sum = |f: fn(&jardinier_store::PostDelivery) -> Option<i64>| {
            deliveries.iter().filter_map(f).sum::<i64>()
        };
        let totals = Totals {
            posts: 1,
            likes: sum(|d| d.likes),
            shares: sum(|d| d.shares),
            replies: sum(|d| d.replies),
            clicks: clicks.get(&post.id).copied().unwrap_or(0),
        };
        if let Some(at) = post.scheduled_at
            && deliveries.iter().any(|d| d.metrics_at.is_some())
        {
            samples.push((
                at,
                engagement(totals.likes, totals.shares, totals.replies, totals.clicks),
            ));
        }
        all.add(&totals);
        match campaigns.iter_mut().find(|(c, _)| *c == post.campaign) {
            Some((_, t)) => t.add(&totals),
            None => {
                let mut t = Totals::default();
                t.add(&totals);
                campaigns.push((post.campaign.clone(), t));
            }
        }
        posts.push(PostFigures {
            id: post.id,
            title: post.title.clone(),
            scheduled_at: post.scheduled_at,
            campaign: post.campaign.clone(),
            totals,
        });
    }
    campaigns.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(ResultFigures {
        posts,
        campaigns,
        all,
        best: best_slots(&samples, timezone, 2, 3),
    })
}

pub async fn results(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let tr = w.ctx.tr;
    let days = q.days.unwrap_or(90).clamp(1, 730);
    let tz = &w.workspace.timezone;
    let f = figures(&state, w.workspace.id, tz, days).await?;
    let mut campaigns: Vec<(String, Totals)> = f
        .campaigns
        .into_iter()
        .map(|(name, totals)| {
            if name.is_empty() {
                (tr.t("results.no_campaign").to_owned(), totals)
            } else {
                (name, totals)
            }
        })
        .collect();
    campaigns.sort_by(|a, b| a.0.cmp(&b.0));
    let posts = f
        .posts
        .into_iter()
        .map(|p| PostResult {
            id: p.id,
            title: p.title,
            when: p
                .scheduled_at
                .map(|t| format_time(w.ctx.tr, t, tz))
                .unwrap_or_default(),
            campaign: p.campaign,
            totals: p.totals,
        })
        .collect();
    let best = f
        .best
        .into_iter()
        .map(|slot| {
            tr.f(
                "results.slot",
                &[
                    ("day", tr.t(&format!("calendar.weekday_{}", slot.weekday))),
                    ("hour", &format!("{:02}:00", slot.hour)),
                    ("average", &format!("{:.1}", slot.average)),
                    ("posts", &slot.posts.to_string()),
                ],
            )
        })
        .collect();
    render(ResultsTemplate {
        c: Chrome::workspace(&w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        days,
        campaigns,
        posts,
        all: f.all,
        best,
        timezone: tz.clone(),
    })
}
