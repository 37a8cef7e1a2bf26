//! Response times: the SLA clock of each conversation (first response, then resolution), the
//! workspace's targets and business hours, and the report per teammate and per channel.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_inbox::sla::{
    BusinessHours, SlaClock, business_seconds, clock, median, paused_until,
};
use jardinier_store::{Conversation, SlaPolicy};
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::{Chrome, format_time, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// The targets used until a manager sets others: first answer within 4 business hours,
/// resolution within 3 business days (27 hours of 9), warn at 75 % of the time.
pub fn default_policy() -> SlaPolicy {
    SlaPolicy {
        first_response_minutes: 4 * 60,
        resolution_minutes: 27 * 60,
        warn_percent: 75,
        hours: BusinessHours::default().describe(),
    }
}

/// A workspace's targets, ready to judge conversations.
pub struct Targets {
    pub policy: SlaPolicy,
    pub hours: BusinessHours,
    pub tz: TimeZone,
}

pub async fn targets(state: &SharedState, w: &InWorkspace) -> Result<Targets, WebError> {
    let policy = state
        .store
        .sla_policy(w.workspace.id)
        .await?
        .unwrap_or_else(default_policy);
    let hours = BusinessHours::parse(&policy.hours).unwrap_or_default();
    let tz = TimeZone::get(&w.workspace.timezone).unwrap_or(TimeZone::UTC);
    Ok(Targets { policy, hours, tz })
}

/// The clock a conversation shows: (CSS state, catalogue key, duration in words).
pub struct SlaView {
    pub state: &'static str,
    pub key: &'static str,
    /// Business time left, or business time late by.
    pub text: String,
    /// Outside business hours the clock stands still: when it starts again ("Monday 09:00").
    pub paused_until: Option<String>,
    /// Real time since the conversation opened, nights and weekends included.
    pub waiting: String,
}

impl Targets {
    fn first_response(&self, c: &Conversation, now: i64) -> SlaClock {
        clock(
            c.created_at,
            c.first_response_at,
            now,
            self.policy.first_response_minutes * 60,
            self.policy.warn_percent,
            &self.hours,
            &self.tz,
        )
    }

    fn resolution(&self, c: &Conversation, now: i64) -> SlaClock {
        let resolved = (c.state == "done").then_some(c.resolved_at.unwrap_or(c.updated_at));
        clock(
            c.created_at,
            resolved,
            now,
            self.policy.resolution_minutes * 60,
            self.policy.warn_percent,
            &self.hours,
            &self.tz,
        )
    }

    /// The clock that matters now: the first response until there is one, then resolution.
    /// Its time is business time (left, or late by); beside it, the real time the person has
    /// been waiting, and when the clock starts again if it is paused.
    pub fn view(&self, c: &Conversation, now: i64, tr: jardinier_i18n::Tr) -> Option<SlaView> {
        let (running, first) = if c.first_response_at.is_none() && c.state != "done" {
            (self.first_response(c, now), true)
        } else {
            (self.resolution(c, now), false)
        };
        let target = if first {
            self.policy.first_response_minutes
        } else {
            self.policy.resolution_minutes
        } * 60;
        let used = business_seconds(c.created_at, now, &self.hours, &self.tz);
        let (state, key) = match (running, first) {
            (SlaClock::OnTime { .. }, true) => ("on-time", "inbox.sla_first_due"),
            (SlaClock::AtRisk { .. }, true) => ("at-risk", "inbox.sla_first_due"),
            (SlaClock::Breached { .. }, true) => ("breached", "inbox.sla_first_late"),
            (SlaClock::OnTime { .. }, false) => ("on-time", "inbox.sla_resolve_due"),
            (SlaClock::AtRisk { .. }, false) => ("at-risk", "inbox.sla_resolve_due"),
            (SlaClock::Breached { .. }, false) => ("breached", "inbox.sla_resolve_late"),
            (SlaClock::Met { .. } | SlaClock::Missed { .. }, _) => return None,
        };
        let paused_until = paused_until(now, &self.hours, &self.tz).map(|at| {
            let local = jiff::Timestamp::from_second(at)
                .map(|t| t.to_zoned(self.tz.clone()))
                .ok();
            local
                .map(|z| {
                    let day = z.weekday().to_monday_one_offset();
                    let key = format!("calendar.weekday_{day}");
                    let name = tr.t(&key);
                    // Inside a French sentence, a day's name takes no capital.
                    let name = match tr.lang {
                        jardinier_i18n::Lang::Fr => name.to_lowercase(),
                        jardinier_i18n::Lang::En => name.to_owned(),
                    };
                    format!("{name} {}", z.strftime("%H:%M"))
                })
                .unwrap_or_default()
        });
        Some(SlaView {
            state,
            key,
            text: tr.duration((target - used).abs()),
            paused_until,
            waiting: tr.duration(now - c.created_at),
        })
    }
}

/// One line of the report: conversations, medians in business time, share within target.
pub struct ReportLine {
    pub name: String,
    pub conversations: usize,
    pub first_response: String,
    pub first_within: String,
    pub resolution: String,
    pub resolution_within: String,
}

#[derive(Default)]
struct Tally {
    conversations: usize,
    first: Vec<i64>,
    first_met: usize,
    resolution: Vec<i64>,
    resolution_met: usize,
    /// The same durations in real time, nights and weekends included.
    first_real: Vec<i64>,
    resolution_real: Vec<i64>,
}

impl Tally {
    fn add(&mut self, targets: &Targets, c: &Conversation, now: i64) {
        self.conversations += 1;
        let first = targets.first_response(c, now);
        if let SlaClock::Met { took } | SlaClock::Missed { took } = first {
            self.first.push(took);
            self.first_met += usize::from(matches!(first, SlaClock::Met { .. }));
            if let Some(at) = c.first_response_at {
                self.first_real.push(at - c.created_at);
            }
        }
        let resolution = targets.resolution(c, now);
        if let SlaClock::Met { took } | SlaClock::Missed { took } = resolution {
            self.resolution.push(took);
            self.resolution_met += usize::from(matches!(resolution, SlaClock::Met { .. }));
            self.resolution_real
                .push(c.resolved_at.unwrap_or(c.updated_at) - c.created_at);
        }
    }

    fn line(self, name: String, tr: jardinier_i18n::Tr) -> ReportLine {
        let percent = |met: usize, of: usize| {
            (met * 100)
                .checked_div(of)
                .map(|p| format!("{p} %"))
                .unwrap_or_else(|| "—".to_owned())
        };
        // Business time, then real time: a reply written 20 minutes after a message that came
        // in at night took no business time at all.
        let med = |business: Vec<i64>, real: Vec<i64>| match (median(business), median(real)) {
            (Some(b), Some(r)) => format!(
                "{} ({})",
                tr.duration(b),
                tr.f("inbox.report_real", &[("time", &tr.duration(r))])
            ),
            (Some(b), None) => tr.duration(b),
            _ => "—".into(),
        };
        ReportLine {
            name,
            conversations: self.conversations,
            first_within: percent(self.first_met, self.first.len()),
            first_response: med(self.first, self.first_real),
            resolution_within: percent(self.resolution_met, self.resolution.len()),
            resolution: med(self.resolution, self.resolution_real),
        }
    }
}

/// The report's lines: everyone, then per teammate, then per channel.
pub fn report(
    targets: &Targets,
    conversations: &[Conversation],
    now: i64,
    tr: jardinier_i18n::Tr,
) -> (ReportLine, Vec<ReportLine>, Vec<ReportLine>) {
    let nobody = tr.t("inbox.who_nobody");
    let mut all = Tally::default();
    let mut by_person: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, Tally> = BTreeMap::new();
    for c in conversations {
        all.add(targets, c, now);
        by_person
            .entry(c.assignee_name.clone().unwrap_or_else(|| nobody.to_owned()))
            .or_default()
            .add(targets, c, now);
        by_channel
            .entry(c.channel.clone())
            .or_default()
            .add(targets, c, now);
    }
    (
        all.line(tr.t("inbox.report_everyone").to_owned(), tr),
        by_person.into_iter().map(|(k, t)| t.line(k, tr)).collect(),
        by_channel.into_iter().map(|(k, t)| t.line(k, tr)).collect(),
    )
}

#[derive(Template)]
#[template(path = "inbox_report.html")]
struct ReportTemplate {
    c: Chrome,
    ws_slug: String,
    days: i64,
    total: ReportLine,
    people: Vec<ReportLine>,
    channels: Vec<ReportLine>,
    policy: SlaPolicy,
    /// The targets as number and unit, and the week of business hours, for the form.
    /// (field name, label key, number, unit)
    target_fields: Vec<(&'static str, &'static str, String, &'static str)>,
    week: Vec<super::sla_form::DayLine>,
    /// The targets and hours in words, for the page's introduction.
    first_words: String,
    resolution_words: String,
    hours_words: String,
    timezone: String,
    may_manage: bool,
    error: Option<String>,
    at_risk: Vec<(i64, String, SlaView)>,
}

#[derive(Deserialize)]
pub struct ReportQuery {
    #[serde(default = "thirty")]
    days: i64,
}

fn thirty() -> i64 {
    30
}

async fn report_page(
    state: &SharedState,
    w: &InWorkspace,
    days: i64,
    error: Option<String>,
    typed: Option<(SlaPolicy, Vec<super::sla_form::DayLine>)>,
) -> Result<Response, WebError> {
    let days = days.clamp(1, 365);
    let now = unix_now();
    let targets = targets(state, w).await?;
    let conversations = state
        .store
        .conversations_since(w.workspace.id, now - days * 86_400)
        .await?;
    let tr = w.ctx.tr;
    let (total, people, channels) = report(&targets, &conversations, now, tr);
    let at_risk = conversations
        .iter()
        .filter(|c| c.state != "done")
        .filter_map(|c| {
            targets
                .view(c, now, tr)
                .filter(|v| v.state != "on-time")
                .map(|v| (c.id, c.subject.clone(), v))
        })
        .collect();
    let hours_words = hours_in_words(tr, &targets.hours);
    let first_words = tr.duration(targets.policy.first_response_minutes * 60);
    let resolution_words = tr.duration(targets.policy.resolution_minutes * 60);
    let (policy, week) = match typed {
        Some((policy, week)) => (policy, week),
        None => (targets.policy, super::sla_form::week(&targets.hours)),
    };
    render(ReportTemplate {
        c: Chrome::workspace(w, "inbox"),
        ws_slug: w.workspace.slug.clone(),
        days,
        total,
        people,
        channels,
        target_fields: {
            let (first, first_unit) = super::sla_form::target_parts(policy.first_response_minutes);
            let (resolution, resolution_unit) =
                super::sla_form::target_parts(policy.resolution_minutes);
            vec![
                ("first", "inbox.sla_first", first, first_unit),
                (
                    "resolution",
                    "inbox.sla_resolution",
                    resolution,
                    resolution_unit,
                ),
            ]
        },
        week,
        first_words,
        resolution_words,
        hours_words,
        policy,
        timezone: w.workspace.timezone.clone(),
        may_manage: w.role.can(Permission::ManageWorkspace),
        error,
        at_risk,
    })
}

pub async fn report_get(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewInbox)?;
    report_page(&state, &w, q.days, None, None).await
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    first_value: String,
    #[serde(default)]
    first_unit: String,
    #[serde(default)]
    resolution_value: String,
    #[serde(default)]
    resolution_unit: String,
    #[serde(default)]
    warn_percent: String,
    /// The week: `open_mon`, `from_mon`, `to_mon`… (and the CSRF token).
    #[serde(flatten)]
    week: std::collections::HashMap<String, String>,
}

/// "Mon–Fri 09:00–18:00, Sat 10:00–13:00", in the reader's language.
pub fn hours_in_words(tr: jardinier_i18n::Tr, hours: &BusinessHours) -> String {
    let day = |i: usize| {
        tr.t(&format!("weekday.{}", super::sla_form::DAYS[i]))
            .to_owned()
    };
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        let Some(open) = hours.days[i] else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j + 1 < 7 && hours.days[j + 1] == Some(open) {
            j += 1;
        }
        let days = if i == j {
            day(i)
        } else {
            format!("{}–{}", day(i), day(j))
        };
        parts.push(format!(
            "{days} {:02}:{:02}–{:02}:{:02}",
            open.0 / 60,
            open.0 % 60,
            open.1 / 60,
            open.1 % 60
        ));
        i = j + 1;
    }
    parts.join(", ")
}

pub async fn save_policy(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<PolicyForm>,
) -> Result<Response, WebError> {
    use super::sla_form::{WeekError, business_hours, target_minutes, typed_week};
    w.require(Permission::ViewInbox)?;
    w.require(Permission::ManageWorkspace)?;
    let tr = w.ctx.tr;
    let first = target_minutes(&form.first_value, &form.first_unit, 60 * 24 * 30);
    let resolution = target_minutes(&form.resolution_value, &form.resolution_unit, 60 * 24 * 90);
    let warn = form
        .warn_percent
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100).contains(n));
    let week = typed_week(&form.week);
    let hours = business_hours(&week);
    let typed = SlaPolicy {
        first_response_minutes: first.unwrap_or(0),
        resolution_minutes: resolution.unwrap_or(0),
        warn_percent: warn.unwrap_or(0),
        hours: hours.as_ref().map(|h| h.describe()).unwrap_or_default(),
    };
    let problem = match (first, resolution, warn, &hours) {
        (None, ..) | (_, None, ..) => Some(tr.t("inbox.sla_minutes_invalid").to_owned()),
        (_, _, None, _) => Some(tr.t("inbox.sla_warn_invalid").to_owned()),
        (.., Err(WeekError::NoDay)) => Some(tr.t("inbox.sla_no_day").to_owned()),
        (.., Err(WeekError::Day(day))) => Some(tr.f(
            "inbox.sla_day_invalid",
            &[("day", tr.t(&format!("weekday.{day}_long")))],
        )),
        _ => None,
    };
    if let Some(problem) = problem {
        return report_page(&state, &w, 30, Some(problem), Some((typed, week))).await;
    }
    state
        .store
        .set_sla_policy(w.workspace.id, &typed, unix_now())
        .await?;
    Ok(redirect(&format!(
        "/w/{}/inbox/report?done=inbox_saved",
        w.workspace.slug
    )))
}

/// For the conversation page: "first response due at …".
pub fn due_line(
    targets: &Targets,
    c: &Conversation,
    now: i64,
    tr: jardinier_i18n::Tr,
) -> Option<(SlaView, String)> {
    let view = targets.view(c, now, tr)?;
    let at = if view.state == "breached" {
        String::new()
    } else {
        let due = if c.first_response_at.is_none() {
            jardinier_inbox::sla::due_at(
                c.created_at,
                targets.policy.first_response_minutes * 60,
                &targets.hours,
                &targets.tz,
            )
        } else {
            jardinier_inbox::sla::due_at(
                c.created_at,
                targets.policy.resolution_minutes * 60,
                &targets.hours,
                &targets.tz,
            )
        };
        format_time(tr, due, targets.tz.iana_name().unwrap_or("UTC"))
    };
    Some((view, at))
}
