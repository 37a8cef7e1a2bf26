//! Inbound webhooks: `POST /hooks/{source id}`, signed with the source's secret (see
//! `jardinier_listening::incoming` for the contract). The answer is 2xx only once every
//! accepted item is committed, so a sender that retries on anything else loses nothing and,
//! being idempotent on its ids, duplicates nothing.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jardinier_listening::{SignaturePolicy, WebhookError, parse_webhook, verify_timed_signature};
use serde_json::json;

use crate::{SharedState, unix_now};

pub const SIGNATURE_HEADER: &str = "x-jardinier-signature";

pub fn routes() -> Router<SharedState> {
    Router::new().route("/hooks/{source_id}", post(receive))
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message.into(), "fields": []}})),
    )
        .into_response()
}

async fn receive(
    State(state): State<SharedState>,
    Path(source_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let source = match state.store.source_by_id(source_id).await {
        Ok(Some(source)) if source.kind == "webhook" => source,
        Ok(_) => {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("There is no webhook source {source_id}."),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "webhook: could not read the source");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The database is unavailable; retry later.",
            );
        }
    };
    if !source.enabled {
        return error(
            StatusCode::CONFLICT,
            "source_paused",
            "This source is paused in Jardinier; nothing was stored. Retry once it is resumed.",
        );
    }
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let policy = SignaturePolicy {
        now: crate::unix_now(),
        tolerance_seconds: state.config.webhook_tolerance_seconds,
        accept_legacy: state.config.webhook_accept_legacy_signatures,
    };
    if let Err(e) = verify_timed_signature(
        source.secret.as_deref().unwrap_or_default(),
        &body,
        signature,
        policy,
    ) {
        tracing::info!(source_id, error = %e, "webhook refused");
        return error(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string());
    }
    let parsed = match parse_webhook(&body) {
        Ok(parsed) => parsed,
        Err(e @ WebhookError::TooManyItems) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_items",
                e.to_string(),
            );
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()),
    };
    let (mut items, mut rejected) = (Vec::new(), Vec::new());
    for result in parsed {
        match result {
            Ok(item) => items.push(item),
            Err(e) => rejected.push(json!({"path": e.path, "message": e.message})),
        }
    }
    if items.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"error": {"code": "no_valid_item", "message": "No item of this request could be accepted; see `rejected`.", "fields": []}, "rejected": rejected})),
        )
            .into_response();
    }
    match state.ingestor.ingest(&source, items, unix_now()).await {
        Ok(report) => (
            StatusCode::ACCEPTED,
            axum::Json(json!({
                "accepted": report.inserted,
                "repeats": report.repeats,
                "duplicates": report.duplicates,
                "near_duplicates": report.near_duplicates,
                "matched": report.matched,
                "rejected": rejected,
            })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, source_id, "webhook: ingest failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Nothing was acknowledged; retry later (delivery is idempotent on item ids).",
            )
        }
    }
}
