//! What needs the signed-in teammate now (issue 15, item 1): open alerts, conversations new,
//! theirs, at risk or late against the response-time targets, posts waiting for their approval
//! or failing, and today's posts. The overview lists it; the menu shows the counts, refreshed by
//! the page's script from [`work_json`]. Each part is read only when the teammate's role
//! opens its section.

use axum::Json;
use axum::extract::State;
use jardinier_domain::Permission;
use jardinier_store::{AssigneeFilter, ConversationFilter, Post};
use serde_json::{Value, json};

use crate::context::InWorkspace;
use crate::error::WebError;
use crate::pages::inbox_sla::targets;
use crate::{SharedState, unix_now};

/// Unanswered conversations judged against the targets: beyond, the count says "at least".
const CONVERSATIONS_JUDGED: i64 = 500;

#[derive(Default)]
pub struct Work {
    pub open_alerts: i64,
    pub new_conversations: i64,
    pub mine: i64,
    /// Unanswered conversations whose first answer is late, and at risk of being.
    pub late: usize,
    pub at_risk: usize,
    /// More unanswered conversations than were judged.
    pub judged_all: bool,
    /// Posts waiting at a step where this teammate approves.
    pub to_approve: Vec<Post>,
    pub failed: Vec<Post>,
    /// Posts going out today (the workspace's day), soonest first.
    pub today: Vec<Post>,
    /// The community's newcomers of the week who have not posted yet (to invite to introduce
    /// themselves), and those whose first post came this week (to answer quickly).
    pub community_silent: i64,
    pub community_first_posts: i64,
}

impl Work {
    /// What the menu shows per section: the number of things to act on.
    pub fn per_section(&self) -> [(&'static str, i64); 4] {
        [
            ("listening", self.open_alerts),
            // New ones are nobody's yet: the two do not overlap. Late ones are among them or
            // someone else's, and show on the overview.
            ("inbox", self.new_conversations + self.mine),
            (
                "publishing",
                (self.to_approve.len() + self.failed.len()) as i64,
            ),
            // First posts wait for a welcome; newcomers who have not posted are on the
            // overview, not counted as work.
            ("community", self.community_first_posts),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.per_section().iter().all(|(_, n)| *n == 0)
            && self.at_risk == 0
            && self.late == 0
            && self.community_silent == 0
    }
}

/// Midnight to midnight today, in the zone, as UNIX seconds.
fn today(timezone: &str, now: i64) -> (i64, i64) {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let day = jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(tz.clone()).date())
        .unwrap_or_default();
    let start = |d: jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(now)
    };
    let end = day.tomorrow().map(start).unwrap_or(now + 86_400);
    (start(day), end)
}

pub async fn work_for(state: &SharedState, w: &InWorkspace) -> Result<Work, WebError> {
    let ws = w.workspace.id;
    let now = unix_now();
    let mut work = Work::default();
    if w.can(Permission::ViewListening) {
        work.open_alerts = state.store.open_alert_count(ws).await?;
    }
    if w.can(Permission::ViewInbox) {
        let counts = state.store.inbox_counts(ws, w.user.id).await?;
        work.new_conversations = counts.new;
        work.mine = counts.mine;
        let unanswered = state
            .store
            .conversations(&ConversationFilter {
                workspace_id: ws,
                state: None,
                assignee: AssigneeFilter::Anyone,
                label: None,
                queue: None,
                terms: Vec::new(),
                contact: None,
                limit: CONVERSATIONS_JUDGED,
                before: None,
            })
            .await?;
        work.judged_all = (unanswered.len() as i64) < CONVERSATIONS_JUDGED;
        let targets = targets(state, w).await?;
        for c in unanswered.iter().filter(|c| c.first_response_at.is_none()) {
            match targets.view(c, now, w.ctx.tr).map(|v| v.state) {
                Some("breached") => work.late += 1,
                Some("at-risk") => work.at_risk += 1,
                _ => {}
            }
        }
    }
    if w.can(Permission::ViewPublishing) {
        let policy = state.store.approval_policy(ws).await?;
        work.to_approve = state
            .store
            .posts_in_state(ws, "pending_approval", 50)
            .await?
            .into_iter()
            .filter(|p| {
                p.approval_step
                    .and_then(|i| policy.steps.get(i as usize))
                    .is_some_and(|step| step.approvers.contains(&w.user.id))
            })
            .collect();
        work.failed = state.store.posts_in_state(ws, "failed", 50).await?;
        let (from, to) = today(&w.workspace.timezone, now);
        work.today = state
            .store
            .posts_between(ws, from, to)
            .await?
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.state != "draft")
            .collect();
    }
    if w.can(Permission::ViewCommunity) {
        let week_ago = now - 7 * 86_400;
        for newcomer in state.store.community_newcomers(ws, week_ago, 200).await? {
            match newcomer.first_posted_at {
                None => work.community_silent += 1,
                Some(_) => work.community_first_posts += 1,
            }
        }
    }
    Ok(work)
}

/// The menu's counts, for the page's script: `{"counts": {"inbox": 3, …}}`.
pub async fn work_json(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Json<Value>, WebError> {
    let work = work_for(&state, &w).await?;
    let counts: serde_json::Map<String, Value> = work
        .per_section()
        .into_iter()
        .map(|(section, n)| (section.to_owned(), json!(n)))
        .collect();
    Ok(Json(json!({"counts": counts})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_workspace_s_day() {
        // 2026-12-05 23:30 UTC is already the 6th in Paris.
        let now = 1_796_513_400;
        let (from, to) = today("Europe/Paris", now);
        assert_eq!(to - from, 86_400);
        assert!(from <= now && now < to);
        assert_eq!(
            jiff::Timestamp::from_second(from)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            "2026-12-06 00:00"
        );
    }
}
