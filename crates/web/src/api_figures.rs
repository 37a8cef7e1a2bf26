//! Issue 14, item 6: the dashboards' figures and the inbox's labels and views through the API —
//! the listening dashboard (volume, sentiment, share of voice, sites, authors, hashtags, terms)
//! and publishing results (per post, per campaign, best hours), computed by the same functions
//! as their pages; the workspace's labels; saved inbox views, personal or shared. Routes in
//! [`crate::api::ROUTES`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams};
use crate::pages::dashboard::{Row, figures, period_days};
use crate::pages::inbox::InboxQuery;
use crate::pages::publishing_results::Totals;
use crate::{SharedState, unix_now};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DaysQuery {
    #[serde(default)]
    days: Option<i64>,
}

fn rows(rows: &[Row]) -> Vec<Value> {
    rows.iter()
        .map(|r| json!({"label": r.label, "count": r.value}))
        .collect()
}

pub async fn listening_dashboard(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DaysQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewListening)?;
    let days = period_days(q.days).ok_or_else(|| {
        ApiError::invalid(
            "days",
            "error.kind_invalid",
            "days: one of 1, 7, 30 or 90".into(),
        )
    })?;
    let ws = &caller.0.workspace;
    let f = figures(&state, ws.id, &ws.timezone, days).await?;
    let volume: Vec<Value> = f
        .volume
        .iter()
        .map(|(start, n)| json!({"start": start, "count": n}))
        .collect();
    let tone: Vec<Value> = f
        .volume
        .iter()
        .zip(&f.tone)
        .map(|((start, _), [p, n, neg])| json!({"start": start, "positive": p, "neutral": n, "negative": neg}))
        .collect();
    Ok(Json(json!({
        "days": days, "since": f.since, "bucket_seconds": f.bucket, "timezone": ws.timezone, "volume": volume,
        "mentions": f.total,
        "tone": tone,
        "previous": {"mentions": f.previous_total, "net": f.previous_net},
        "sentiment": {"positive": f.positive, "neutral": f.neutral, "negative": f.negative,
                      "net": crate::charts::net_sentiment(f.positive, f.negative)},
        "share_of_voice": f.share.iter().map(|(id, name, n)| json!({"query_id": id, "name": name, "count": n})).collect::<Vec<_>>(),
        "sites": rows(&f.sites),
        "authors": f.authors.iter().map(|(name, handle, reach, n)| json!({"name": name, "handle": handle, "reach": reach, "count": n})).collect::<Vec<_>>(),
        "hashtags": rows(&f.hashtags),
        "terms": rows(&f.terms),
    })))
}

fn totals_json(t: &Totals) -> Value {
    json!({"posts": t.posts, "likes": t.likes, "shares": t.shares, "replies": t.replies, "clicks": t.clicks})
}

pub async fn publishing_results(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DaysQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let days = q.days.unwrap_or(90);
    if !(1..=730).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            "error.number_out_of_range",
            "days: 1 to 730".into(),
        ));
    }
    let ws = &caller.0.workspace;
    let f = crate::pages::publishing_results::figures(&state, ws.id, &ws.timezone, days).await?;
    Ok(Json(json!({
        "days": days,
        "all": totals_json(&f.all),
        "campaigns": f.campaigns.iter().map(|(name, t)| json!({"campaign": name, "totals": totals_json(t)})).collect::<Vec<_>>(),
        "posts": f.posts.iter().map(|p| json!({"post_id": p.id, "title": p.title, "scheduled_at": p.scheduled_at,
            "campaign": p.campaign, "totals": totals_json(&p.totals)})).collect::<Vec<_>>(),
        "best_hours": f.best.iter().map(|s| json!({"weekday": s.weekday, "hour": s.hour, "posts": s.posts, "average": s.average})).collect::<Vec<_>>(),
        "timezone": ws.timezone,
    })))
}

pub async fn labels(
    State(state): State<SharedState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let labels = state.store.inbox_labels(caller.0.workspace.id).await?;
    Ok(Json(json!({"labels": labels})))
}

fn view_json(v: &jardinier_store::InboxView) -> Value {
    let q = crate::pages::inbox::serde_urlencoded_query(&v.query);
    json!({"id": v.id, "name": v.name, "shared": v.user_id.is_none(), "created_at": v.created_at,
           "filter": {"state": q.state, "who": q.who, "label": q.label, "queue": q.queue, "q": q.q}})
}

pub async fn views(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let p = &caller.0;
    let views = state.store.inbox_views(p.workspace.id, p.user.id).await?;
    crate::api::by_id(views, &page, |v| v.id, view_json)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FilterBody {
    #[serde(default)]
    state: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    q: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewViewBody {
    name: String,
    #[serde(default)]
    shared: bool,
    #[serde(default)]
    filter: FilterBody,
}

pub async fn create_view(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewViewBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let invalid = |field: &'static str, message: &str| {
        ApiError::invalid(field, "error.kind_invalid", message.into())
    };
    let name = body.name.trim();
    if name.is_empty() || body.name.chars().count() > 60 {
        return Err(invalid("name", "name: 1 to 60 characters"));
    }
    let f = body.filter;
    if !["", "open", "new", "assigned", "waiting", "done"].contains(&f.state.as_str()) {
        return Err(invalid(
            "filter",
            "filter.state: open, new, assigned, waiting or done",
        ));
    }
    if !["", "anyone", "me", "nobody"].contains(&f.who.as_str()) {
        return Err(invalid("filter", "filter.who: anyone, me or nobody"));
    }
    if [&f.label, &f.queue, &f.q]
        .iter()
        .any(|v| v.chars().count() > 200)
    {
        return Err(invalid(
            "filter",
            "filter: label, queue and q have at most 200 characters",
        ));
    }
    let filter = InboxQuery {
        state: f.state,
        who: f.who,
        label: f.label,
        queue: f.queue,
        q: f.q,
    };
    let p = &caller.0;
    let view = state
        .store
        .save_inbox_view(&jardinier_store::InboxView {
            id: 0,
            workspace_id: p.workspace.id,
            user_id: (!body.shared).then_some(p.user.id),
            name: name.to_owned(),
            query: filter.encode(),
            created_at: unix_now(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view_json(&view))).into_response())
}

pub async fn delete_view(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let p = &caller.0;
    state
        .store
        .delete_inbox_view(p.workspace.id, p.user.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn schemas() -> Value {
    let int = json!({"type": "integer", "format": "int64"});
    let string = json!({"type": "string"});
    let counted = json!({"type": "array", "items": {"type": "object", "properties": {"label": string, "count": int}}});
    let totals = json!({"type": "object", "properties": {"posts": int, "likes": int, "shares": int, "replies": int, "clicks": int}});
    let filter = json!({"type": "object", "additionalProperties": false, "properties": {
        "state": {"type": "string", "enum": ["", "open", "new", "assigned", "waiting", "done"]},
        "who": {"type": "string", "enum": ["", "anyone", "me", "nobody"]},
        "label": {"type": "string", "maxLength": 200}, "queue": {"type": "string", "maxLength": 200},
        "q": {"type": "string", "maxLength": 200}}});
    json!({
        "ListeningDashboard": {"type": "object", "properties": {
            "days": int, "since": int, "bucket_seconds": int, "mentions": int,
            "volume": {"type": "array", "items": {"type": "object", "properties": {"start": int, "count": int}}},
            "tone": {"type": "array", "items": {"type": "object", "properties": {"start": int, "positive": int, "neutral": int, "negative": int}}},
            "previous": {"type": "object", "description": "The period just before, as long.", "properties": {"mentions": int, "net": {"type": ["integer", "null"]}}},
            "timezone": string,
            "sentiment": {"type": "object", "properties": {"positive": int, "neutral": int, "negative": int, "net": {"type": ["integer", "null"]}}},
            "share_of_voice": {"type": "array", "items": {"type": "object", "properties": {"query_id": int, "name": string, "count": int}}},
            "sites": counted, "hashtags": counted, "terms": counted,
            "authors": {"type": "array", "items": {"type": "object", "properties": {"name": string, "handle": string, "reach": int, "count": int}}}}},
        "PublishingResults": {"type": "object", "properties": {
            "days": int, "all": totals, "timezone": string,
            "campaigns": {"type": "array", "items": {"type": "object", "properties": {"campaign": string, "totals": totals}}},
            "posts": {"type": "array", "items": {"type": "object", "properties": {"post_id": int, "title": string,
                "scheduled_at": {"type": ["integer", "null"]}, "campaign": string, "totals": totals}}},
            "best_hours": {"type": "array", "items": {"type": "object", "properties": {"weekday": int, "hour": int, "posts": int, "average": {"type": "number"}}}}}},
        "LabelSet": {"type": "object", "properties": {"labels": {"type": "array", "items": string}}},
        "InboxView": {"type": "object", "properties": {"id": int, "name": string, "shared": {"type": "boolean"}, "created_at": int, "filter": filter}},
        "InboxViewList": crate::api_doc::list_schema("InboxView"),
        "NewInboxView": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "\\S"},
            "shared": {"type": "boolean", "description": "Shared with the team (otherwise yours only)."},
            "filter": filter}},
    })
}
