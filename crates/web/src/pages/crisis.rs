//! The crisis view of an alert (issue 15, item 3): the burst's volume since it began and
//! whether it is over, who leads the response, the holding statement (kept with the crisis,
//! made a saved reply for the inbox or a post), and the burst's mentions to act on in bulk.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_listening::crisis::{Phase, phase, timeline};
use jardinier_store::{Crisis, ItemFilter, NewMail, StoreError};
use serde::Deserialize;

use super::listening::{MentionView, SENTIMENTS, mention_view};
use super::{Chrome, audit_in, format_time, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// The burst's mentions shown at once; the stream has the rest.
const SHOWN: i64 = 30;
/// A holding statement is a short text.
const STATEMENT_MAX: usize = 2_000;

#[derive(Template)]
#[template(path = "listening_crisis.html")]
struct CrisisTemplate {
    c: Chrome,
    ws_slug: String,
    id: i64,
    query: String,
    summary: String,
    fired: String,
    /// "Still going: last mention at …" or "Over: quiet since …".
    status: String,
    ongoing: bool,
    /// Mentions of the search in the last hour (in the burst once it is over), and in an hour
    /// usually (the week before).
    last_hour: String,
    usual: String,
    chart: String,
    assignee: Option<String>,
    handled_by: Option<String>,
    /// (user id, name, chosen)
    teammates: Vec<(i64, String, bool)>,
    statement: String,
    statement_lang: String,
    statement_meta: Option<String>,
    statement_error: Option<String>,
    mentions: Vec<MentionView>,
    /// The stream filtered on the burst, for the mentions beyond the first ones.
    all_mentions: String,
    can_manage: bool,
    can_inbox: bool,
    can_reply: bool,
    can_publish: bool,
    sentiments: &'static [&'static str],
}

/// The name of the saved search an alert watches, if it still exists.
fn query_name(queries: &[jardinier_store::ListeningQuery], id: i64) -> Option<String> {
    queries.iter().find(|q| q.id == id).map(|q| q.name.clone())
}

async fn crisis_or_404(state: &SharedState, w: &InWorkspace, id: i64) -> Result<Crisis, WebError> {
    state
        .store
        .crisis(w.workspace.id, id)
        .await?
        .ok_or(WebError::NotFound)
}

async fn crisis_page(
    state: &SharedState,
    w: &InWorkspace,
    crisis: Crisis,
    draft: Option<(String, String, String)>,
) -> Result<Response, WebError> {
    let (tz, t, now) = (&w.workspace.timezone, &w.ctx.tr, unix_now());
    let alert = &crisis.alert;
    let queries = state.store.listening_queries(w.workspace.id).await?;
    let query =
        query_name(&queries, alert.query_id).unwrap_or_else(|| format!("#{}", alert.query_id));
    let (ongoing, status) = match phase(alert.updated_at, now) {
        Phase::Ongoing => (
            true,
            t.f(
                "crisis.ongoing",
                &[("when", &format_time(w.ctx.tr, alert.updated_at, tz))],
            ),
        ),
        Phase::Over { since } => (
            false,
            t.f(
                "crisis.over",
                &[("when", &format_time(w.ctx.tr, since, tz))],
            ),
        ),
    };
    let (end, bucket, buckets) = timeline(alert.fired_at, alert.updated_at, now);
    let counts = state
        .store
        .match_counts(alert.query_id, end, bucket, buckets)
        .await?;
    let start = end - bucket * buckets;
    let bars: Vec<(String, i64)> = counts
        .iter()
        .enumerate()
        .map(|(i, (all, _))| (super::format_hm(start + i as i64 * bucket, tz), *all))
        .collect();
    let chart = crate::charts::columns(t.t("crisis.chart"), &bars, &[]);
    let last_hour: i64 = state
        .store
        .match_counts(alert.query_id, now, 3_600, 1)
        .await?
        .iter()
        .map(|(all, _)| all)
        .sum();
    let week_before: i64 = state
        .store
        .match_counts(alert.query_id, alert.fired_at - 3_600, 86_400, 7)
        .await?
        .iter()
        .map(|(all, _)| all)
        .sum();
    let per_hour = week_before as f64 / (7.0 * 24.0);
    let usual = if per_hour < 1.0 {
        t.t("crisis.usual_rare").to_owned()
    } else {
        t.n("crisis.usual", per_hour.round() as i64)
    };
    // While it goes on, the last hour says whether it calms; once over, what it amounted to.
    let pace = if ongoing {
        t.n("crisis.last_hour", last_hour)
    } else {
        t.n("crisis.during", alert.item_count)
    };
    let teammates = state
        .store
        .members(w.workspace.id)
        .await?
        .into_iter()
        .filter(|m| m.role.can(Permission::ViewListening))
        .map(|m| {
            let chosen = crisis.assignee.as_ref().map(|a| a.0) == Some(m.user.id);
            (m.user.id, m.user.display_name, chosen)
        })
        .collect();
    let filter = ItemFilter {
        workspace_id: w.workspace.id,
        query_id: Some(alert.query_id),
        from: Some(alert.fired_at - 3_600),
        // An ended burst's mentions, not what came after.
        to: (!ongoing).then_some(alert.updated_at + 60),
        limit: SHOWN,
        ..Default::default()
    };
    let mentions = state
        .store
        .items(&filter)
        .await?
        .into_iter()
        .map(|i| mention_view(i, &queries, &[], tz, *t))
        .collect();
    let (statement, statement_lang, statement_error) = match draft {
        Some((text, lang, error)) => (text, lang, Some(error)),
        None => (
            crisis.statement.clone().unwrap_or_default(),
            w.ctx.lang().code().to_owned(),
            None,
        ),
    };
    let statement_meta = match (&crisis.statement_by, crisis.statement_at) {
        (Some(by), Some(at)) => Some(t.f(
            "crisis.statement_meta",
            &[("who", by), ("when", &format_time(w.ctx.tr, at, tz))],
        )),
        _ => None,
    };
    let template = CrisisTemplate {
        c: Chrome::workspace(w, "listening"),
        ws_slug: w.workspace.slug.clone(),
        id: alert.id,
        summary: alert.summary.clone(),
        fired: format_time(w.ctx.tr, alert.fired_at, tz),
        status,
        ongoing,
        last_hour: pace,
        usual,
        chart,
        assignee: crisis.assignee.as_ref().map(|a| a.1.clone()),
        handled_by: alert.acknowledged_by.clone(),
        teammates,
        statement,
        statement_lang,
        statement_meta,
        statement_error: statement_error.clone(),
        mentions,
        all_mentions: format!(
            "/w/{}/listening?query={}&from={}",
            w.workspace.slug,
            alert.query_id,
            super::iso_day(alert.fired_at - 3_600, tz)
        ),
        query,
        can_manage: w.can(Permission::ManageListening),
        can_inbox: w.can(Permission::ViewInbox),
        can_reply: w.can(Permission::ViewInbox) && w.can(Permission::ReplyWithoutApproval),
        can_publish: w.can(Permission::Publish),
        sentiments: SENTIMENTS,
    };
    if statement_error.is_some() {
        render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn crisis(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let crisis = crisis_or_404(&state, &w, id).await?;
    crisis_page(&state, &w, crisis, None).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    /// A teammate's id, or empty for nobody.
    #[serde(default)]
    assignee: String,
}

/// Gives the response to a teammate, who is told by e-mail with the link to this page.
pub async fn assign(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<AssignForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let crisis = crisis_or_404(&state, &w, id).await?;
    let assignee = form.assignee.trim().parse::<i64>().ok();
    let now = unix_now();
    match state
        .store
        .assign_crisis(w.workspace.id, id, assignee, now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    let person = match assignee {
        Some(user) => state
            .store
            .members(w.workspace.id)
            .await?
            .into_iter()
            .find(|m| m.user.id == user),
        None => None,
    };
    // Audited by name: the person found above (a teammate, or nobody).
    let who = person
        .as_ref()
        .map(|m| m.user.display_name.clone())
        .unwrap_or_else(|| "—".into());
    if let Some(member) = person.filter(|m| m.user.id != w.user.id) {
        let tr = crate::mail_tr(&member.user);
        let link = format!(
            "{}/w/{}/listening/alerts/{id}",
            state.config.base_url, w.workspace.slug
        );
        let args = [
            ("name", member.user.display_name.as_str()),
            ("by", w.user.display_name.as_str()),
            ("brand", w.workspace.name.as_str()),
            ("summary", crisis.alert.summary.as_str()),
            ("link", link.as_str()),
        ];
        state
            .store
            .enqueue_mail(&NewMail {
                idempotency_key: &format!("crisis:{id}:{}:{now}", member.user.id),
                to: &member.user.email,
                subject: &tr.f("mail.crisis_assigned.subject", &args),
                body_text: &tr.f("mail.crisis_assigned.body", &args),
                created_at: now,
                list_unsubscribe: None,
            })
            .await?;
    }
    audit_in(&state, &w, "crisis_assigned", &format!("#{id} → {who}")).await?;
    Ok(redirect(&format!(
        "/w/{}/listening/alerts/{id}?done=crisis_assigned",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct StatementForm {
    #[serde(default)]
    statement: String,
    #[serde(default)]
    lang: String,
    /// save, saved_reply, post
    #[serde(default)]
    then: String,
}

/// Keeps the holding statement with the crisis, then, as asked, makes it a saved reply the
/// inbox can insert, or opens the composer with it.
pub async fn statement(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<StatementForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let crisis = crisis_or_404(&state, &w, id).await?;
    let t = w.ctx.tr;
    let text = form.statement.trim().to_owned();
    let lang = if form.lang == "en" { "en" } else { "fr" }.to_owned();
    let problem = if text.is_empty() {
        Some(t.t("crisis.statement_empty").to_owned())
    } else if text.chars().count() > STATEMENT_MAX {
        Some(t.f(
            "crisis.statement_long",
            &[("max", &t.number(STATEMENT_MAX as i64))],
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        return crisis_page(&state, &w, crisis, Some((form.statement, lang, problem))).await;
    }
    let now = unix_now();
    state
        .store
        .set_crisis_statement(w.workspace.id, id, &text, &w.user.display_name, now)
        .await?;
    audit_in(&state, &w, "crisis_statement", &format!("#{id}")).await?;
    let slug = &w.workspace.slug;
    match form.then.as_str() {
        "saved_reply" => {
            w.require(Permission::ViewInbox)?;
            w.require(Permission::ReplyWithoutApproval)?;
            let queries = state.store.listening_queries(w.workspace.id).await?;
            let query = query_name(&queries, crisis.alert.query_id).unwrap_or_default();
            let name: String = t
                .f(
                    "crisis.reply_name",
                    &[
                        ("query", &query),
                        (
                            "when",
                            &format_time(w.ctx.tr, crisis.alert.fired_at, &w.workspace.timezone),
                        ),
                    ],
                )
                .chars()
                .take(80)
                .collect();
            if let Err((_, problem)) =
                super::inbox_replies::check_saved_reply(t, &name, &lang, &text)
            {
                return crisis_page(&state, &w, crisis, Some((text, lang, problem))).await;
            }
            // Made from this crisis before: the new text replaces the old one.
            if let Some(old) = state
                .store
                .saved_replies(w.workspace.id)
                .await?
                .into_iter()
                .find(|r| r.name == name)
            {
                state
                    .store
                    .delete_saved_reply(w.workspace.id, old.id)
                    .await?;
            }
            state
                .store
                .create_saved_reply(w.workspace.id, &name, &lang, &text, now)
                .await?;
            Ok(redirect(&format!(
                "/w/{slug}/listening/alerts/{id}?done=crisis_saved_reply"
            )))
        }
        "post" => {
            w.require(Permission::Publish)?;
            let mut params = form_urlencoded::Serializer::new(String::new());
            params.append_pair("lang", &lang);
            params.append_pair("text", &text);
            Ok(redirect(&format!(
                "/w/{slug}/publishing?{}#compose",
                params.finish()
            )))
        }
        _ => Ok(redirect(&format!(
            "/w/{slug}/listening/alerts/{id}?done=crisis_statement_saved"
        ))),
    }
}
