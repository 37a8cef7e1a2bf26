//! `/healthz` and `/metrics` (Prometheus text exposition format 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::{SharedState, unix_now};

pub struct Metrics {
    started: Instant,
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    duration_micros: AtomicU64,
    duration_count: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            requests: Mutex::new(BTreeMap::new()),
            duration_micros: AtomicU64::new(0),
            duration_count: AtomicU64::new(0),
        }
    }
}

pub async fn layer(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let response = next.run(req).await;
    let m = &state.metrics;
    m.duration_micros
        .fetch_add(start.elapsed().as_micros() as u64, Ordering::Relaxed);
    m.duration_count.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut requests) = m.requests.lock() {
        *requests
            .entry((method, response.status().as_u16()))
            .or_default() += 1;
    }
    response
}

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// The router of the listener that serves only `/metrics` and `/healthz` (`metrics.bind`, an
/// address only the scraper reaches): the token, if one is configured, is still required.
pub fn own_listener(state: SharedState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_on_own_listener))
        .with_state(state)
}

async fn healthz(State(state): State<SharedState>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "error", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

/// The answer to give instead of the figures, unless the request carries the configured token.
/// With no token, the figures are only on their own listener (`metrics.bind`).
fn scraper_refusal(
    state: &SharedState,
    headers: &axum::http::HeaderMap,
    own_listener: bool,
) -> Option<Response> {
    if state.config.metrics_on_own_listener && !own_listener {
        return Some(StatusCode::NOT_FOUND.into_response());
    }
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return (!own_listener).then(|| StatusCode::NOT_FOUND.into_response());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared in constant time, so the answer's timing does not reveal the token.
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        None
    } else {
        Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response(),
        )
    }
}

async fn metrics(State(state): State<SharedState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(refusal) = scraper_refusal(&state, &headers, false) {
        return refusal;
    }
    figures(&state).await
}

async fn metrics_on_own_listener(
    State(state): State<SharedState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(refusal) = scraper_refusal(&state, &headers, true) {
        return refusal;
    }
    figures(&state).await
}

async fn figures(state: &SharedState) -> Response {
    let m = &state.metrics;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP jardinier_build_info Version of the running server."
    );
    let _ = writeln!(out, "# TYPE jardinier_build_info gauge");
    let _ = writeln!(
        out,
        "jardinier_build_info{{version=\"{}\",backend=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        state.store.backend().name()
    );
    let _ = writeln!(
        out,
        "# HELP jardinier_uptime_seconds Seconds since the server started."
    );
    let _ = writeln!(out, "# TYPE jardinier_uptime_seconds gauge");
    let _ = writeln!(
        out,
        "jardinier_uptime_seconds {}",
        m.started.elapsed().as_secs()
    );
    let _ = writeln!(
        out,
        "# HELP jardinier_http_requests_total HTTP requests answered, by method and status."
    );
    let _ = writeln!(out, "# TYPE jardinier_http_requests_total counter");
    if let Ok(requests) = m.requests.lock() {
        for ((method, status), count) in requests.iter() {
            let _ = writeln!(
                out,
                "jardinier_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP jardinier_http_request_duration_seconds Time spent answering HTTP requests."
    );
    let _ = writeln!(
        out,
        "# TYPE jardinier_http_request_duration_seconds summary"
    );
    let _ = writeln!(
        out,
        "jardinier_http_request_duration_seconds_sum {}",
        m.duration_micros.load(Ordering::Relaxed) as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "jardinier_http_request_duration_seconds_count {}",
        m.duration_count.load(Ordering::Relaxed)
    );
    match state.store.counts(unix_now()).await {
        Ok(c) => {
            for (name, help, value) in [
                ("jardinier_users", "Accounts.", c.users),
                ("jardinier_workspaces", "Workspaces.", c.workspaces),
                (
                    "jardinier_active_sessions",
                    "Unexpired sign-in sessions.",
                    c.active_sessions,
                ),
                (
                    "jardinier_mail_outbox_pending",
                    "E-mails waiting for delivery.",
                    c.pending_mail,
                ),
            ] {
                let _ = writeln!(
                    out,
                    "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
                );
            }
        }
        Err(error) => tracing::error!(%error, "metrics: could not count"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
