//! The Community section's figures (issue 16, item 9): over the last 7, 30 or 90 days, new and
//! active members, posts per day, the share of questions answered and the median time to a
//! first answer, and the topics still waiting for a reply, each linked to the community.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jardinier_community::figures::{Question, answering};
use jardinier_domain::Permission;
use serde::Deserialize;

use super::dashboard::bucket_starts;
use super::{Chrome, format_time, iso_day, render};
use crate::charts;
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// A topic nobody replied to after this long is listed as waiting.
const QUIET_AFTER: i64 = 3_600;
const WAITING_SHOWN: i64 = 15;

#[derive(Deserialize)]
pub struct Period {
    days: Option<i64>,
}

pub struct Waiting {
    pub title: String,
    pub href: String,
    pub author: String,
    pub asked: String,
    pub waited: String,
}

#[derive(Template)]
#[template(path = "community_figures.html")]
struct FiguresTemplate {
    c: Chrome,
    ws_slug: String,
    days: i64,
    members: String,
    new_members: String,
    active_members: String,
    posts: String,
    answered: String,
    answered_note: String,
    first_answer: String,
    posts_svg: String,
    members_svg: String,
    waiting: Vec<Waiting>,
    waiting_count: i64,
}

pub async fn figures_page(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(period): Query<Period>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewCommunity)?;
    let days = match period.days {
        Some(d) if [7, 30, 90].contains(&d) => d,
        _ => 30,
    };
    let tz = &w.workspace.timezone;
    let tr = w.ctx.tr;
    let now = unix_now();
    let starts = bucket_starts(days, tz, now);
    let f = state
        .store
        .community_figures(w.workspace.id, &starts, now - QUIET_AFTER, WAITING_SHOWN)
        .await?;
    let questions: Vec<Question> = f
        .questions
        .iter()
        .map(|&(asked_at, first_answer_at, accepted)| Question {
            asked_at,
            first_answer_at,
            accepted,
        })
        .collect();
    let answers = answering(&questions);
    let address = match state.store.community_site(w.workspace.id).await? {
        Some(site) if site.host.is_some() => {
            format!("https://{}", site.host.unwrap_or_default())
        }
        _ => format!("{}/c/{}", state.config.base_url, w.workspace.slug),
    };
    let labels: Vec<String> = starts.iter().map(|s| iso_day(*s, tz)).collect();
    let series = |counts: &[i64]| -> Vec<(String, i64)> {
        labels.iter().cloned().zip(counts.iter().copied()).collect()
    };
    let waiting = f
        .unanswered
        .into_iter()
        .map(|t| Waiting {
            href: format!("{address}/t/{}/{}", t.id, t.slug),
            author: if t.author.name.is_empty() {
                tr.t("site.former_member").to_owned()
            } else {
                t.author.name.clone()
            },
            asked: format_time(tr, t.created_at, tz),
            waited: tr.duration(now - t.created_at),
            title: t.title,
        })
        .collect();
    render(FiguresTemplate {
        c: Chrome::workspace(&w, "community"),
        ws_slug: w.workspace.slug.clone(),
        days,
        members: tr.number(f.members),
        new_members: tr.number(f.new_members.iter().sum::<i64>()),
        active_members: tr.number(f.active_members),
        posts: tr.number(f.posts.iter().sum::<i64>()),
        answered: answers
            .answered_percent()
            .map(|p| {
                tr.f(
                    "community.figures.percent",
                    &[("value", &tr.decimal(p, 0, false))],
                )
            })
            .unwrap_or_else(|| "—".to_owned()),
        answered_note: tr.f(
            "community.figures.answered_note",
            &[
                ("answered", &tr.number(answers.answered as i64)),
                (
                    "questions",
                    &tr.n("community.figures.questions", answers.questions as i64),
                ),
                ("solved", &tr.number(answers.solved as i64)),
            ],
        ),
        first_answer: answers
            .median_first_answer
            .map(|s| tr.duration(s))
            .unwrap_or_else(|| "—".to_owned()),
        posts_svg: charts::columns(
            tr.t("community.figures.posts_per_day"),
            &series(&f.posts),
            &[],
        ),
        members_svg: charts::columns(
            tr.t("community.figures.new_members_per_day"),
            &series(&f.new_members),
            &[],
        ),
        waiting,
        waiting_count: f.unanswered_count,
    })
}
