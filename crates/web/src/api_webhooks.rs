//! Outgoing webhooks in the JSON API (issue 14, item 8): the same addresses, test events and
//! delivery log as Settings → Outgoing webhooks. Routes in [`crate::api::ROUTES`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use jardinier_store::{EVENTS, NewWebhookSubscription, WebhookDelivery, WebhookSubscription};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams, encode_cursor};
use crate::pages::check_webhook_url;
use crate::{SharedState, auth, unix_now};

fn webhook_json(s: &WebhookSubscription) -> Value {
    json!({"id": s.id, "url": s.url, "events": s.events, "description": s.description,
           "enabled": s.enabled, "created_at": s.created_at,
           "deliveries": {"pending": s.pending, "delivered": s.delivered, "failed": s.failed}})
}

fn delivery_json(d: &WebhookDelivery) -> Value {
    json!({"id": d.id, "webhook_id": d.subscription_id, "event": d.event, "status": d.status.as_str(),
           "attempts": d.attempts, "next_attempt_at": d.next_attempt_at, "last_status": d.last_status,
           "last_error": d.last_error, "created_at": d.created_at, "delivered_at": d.delivered_at,
           "payload": serde_json::from_str::<Value>(&d.payload).unwrap_or(Value::Null)})
}

pub async fn list(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let hooks = state.store.webhooks(caller.0.workspace.id).await?;
    crate::api::by_id(hooks, &page, |s| s.id, webhook_json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    url: String,
    events: Vec<String>,
    #[serde(default)]
    description: String,
}

pub async fn create(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewWebhookBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let url = check_webhook_url("url", &body.url).map_err(|e| ApiError::validation(e.into()))?;
    if body.events.is_empty() {
        return Err(ApiError::invalid(
            "events",
            "error.webhook_no_event",
            "events: give at least one event".into(),
        ));
    }
    if let Some(unknown) = body.events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        return Err(ApiError::invalid(
            "events",
            "error.kind_invalid",
            format!("events: {unknown:?} is not one of {}", EVENTS.join(", ")),
        ));
    }
    if let Some(twice) = body
        .events
        .iter()
        .enumerate()
        .find(|(i, e)| body.events[..*i].contains(e))
    {
        return Err(ApiError::invalid(
            "events",
            "error.kind_invalid",
            format!("events: {:?} is given twice", twice.1),
        ));
    }
    if body.description.chars().count() > 200 {
        return Err(ApiError::invalid(
            "description",
            "error.too_long",
            "description: at most 200 characters".into(),
        ));
    }
    let p = &caller.0;
    let events: Vec<String> = EVENTS
        .iter()
        .filter(|e| body.events.iter().any(|b| b == *e))
        .map(|e| (*e).to_owned())
        .collect();
    let secret = auth::random_token();
    let created = state
        .store
        .create_webhook(&NewWebhookSubscription {
            workspace_id: p.workspace.id,
            url: &url,
            secret: &secret,
            events: &events,
            description: body.description.trim(),
            created_by: Some(p.user.id),
            now: unix_now(),
        })
        .await?;
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "webhook_created",
        &format!("#{} {url} (API)", created.id),
    )
    .await?;
    let mut out = webhook_json(&created);
    // Shown once: the receiver checks signatures with it.
    out["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookChange {
    enabled: bool,
}

pub async fn update(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<WebhookChange>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let ws = caller.0.workspace.id;
    state
        .store
        .set_webhook_enabled(ws, id, body.enabled)
        .await?;
    let hook = state
        .store
        .webhooks(ws)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(jardinier_store::StoreError::NotFound { what: "webhook" })?;
    Ok(Json(webhook_json(&hook)))
}

pub async fn delete(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    state
        .store
        .delete_webhook(caller.0.workspace.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn test(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let delivery = state
        .store
        .queue_webhook_test(caller.0.workspace.id, id, unix_now())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"delivery_id": delivery}))).into_response())
}

pub async fn deliveries(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let ws = caller.0.workspace.id;
    if !state.store.webhooks(ws).await?.iter().any(|s| s.id == id) {
        return Err(jardinier_store::StoreError::NotFound { what: "webhook" }.into());
    }
    let limit = page.limit()?;
    let before = page.position(1)?.map(|p| p[0]);
    let found = state
        .store
        .webhook_deliveries(ws, id, before, limit + 1)
        .await?;
    let next = (found.len() as i64 > limit)
        .then(|| {
            found
                .get(limit as usize - 1)
                .map(|d| encode_cursor(&[d.id]))
        })
        .flatten();
    let items: Vec<Value> = found
        .iter()
        .take(limit as usize)
        .map(delivery_json)
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}

pub async fn redeliver(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    state
        .store
        .redeliver_webhook(caller.0.workspace.id, id, unix_now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

pub fn schemas() -> Value {
    let int = json!({"type": "integer", "format": "int64"});
    let nullable_int = json!({"type": ["integer", "null"], "format": "int64"});
    let events = json!({"type": "array", "minItems": 1, "uniqueItems": true, "items": {"type": "string", "enum": EVENTS}});
    json!({
        "Webhook": {"type": "object", "properties": {"id": int, "url": {"type": "string"}, "events": events,
            "description": {"type": "string"}, "enabled": {"type": "boolean"}, "created_at": int,
            "deliveries": {"type": "object", "properties": {"pending": int, "delivered": int, "failed": int}},
            "secret": {"type": "string", "description": "Only in the answer to its creation."}}},
        "WebhookList": crate::api_doc::list_schema("Webhook"),
        "NewWebhook": {"type": "object", "required": ["url", "events"], "additionalProperties": false, "properties": {
            "url": {"type": "string", "format": "iri", "pattern": "^https?://[^/?#\\s]+", "maxLength": 2000},
            "events": events, "description": {"type": "string", "maxLength": 200}}},
        "WebhookChange": {"type": "object", "required": ["enabled"], "additionalProperties": false, "properties": {"enabled": {"type": "boolean"}}},
        "WebhookTest": {"type": "object", "properties": {"delivery_id": int}},
        "WebhookDelivery": {"type": "object", "properties": {"id": int, "webhook_id": int, "event": {"type": "string"},
            "status": {"type": "string", "enum": ["ready", "sending", "delivered", "failed"]}, "attempts": int,
            "next_attempt_at": int, "last_status": nullable_int, "last_error": {"type": ["string", "null"]},
            "created_at": int, "delivered_at": nullable_int, "payload": {"type": "object"}}},
        "WebhookDeliveryList": crate::api_doc::list_schema("WebhookDelivery"),
    })
}
