//! Settings → Outgoing webhooks (issue 14, item 8): the addresses the workspace's events are
//! posted to, a test event, and each address's delivery log with "send again".

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use jardinier_domain::{FieldError, Permission, ValidationErrors};
use jardinier_store::{EVENTS, NewWebhookSubscription, WebhookStatus, WebhookSubscription};
use serde::Deserialize;

use super::{Chrome, audit_in, format_time, no_errors, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, auth, unix_now};

/// An event's name in the catalogue (`webhook_event.conversation_opened`).
fn event_key(event: &str) -> String {
    format!("webhook_event.{}", event.replace('.', "_"))
}

struct EventChoice {
    name: &'static str,
    label: String,
    checked: bool,
}

struct SubscriptionRow {
    id: i64,
    url: String,
    description: String,
    events: String,
    enabled: bool,
    counts: String,
    created: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksTemplate {
    c: Chrome,
    ws_slug: String,
    rows: Vec<SubscriptionRow>,
    choices: Vec<EventChoice>,
    errors: ValidationErrors,
    url: String,
    description: String,
    /// The new address's signing secret, shown once.
    new_secret: Option<String>,
}

fn row(w: &InWorkspace, s: WebhookSubscription) -> SubscriptionRow {
    let t = &w.ctx.tr;
    let events = s
        .events
        .iter()
        .map(|e| t.t(&event_key(e)).to_owned())
        .collect::<Vec<_>>()
        .join(", ");
    let counts = t.f(
        "webhooks.counts",
        &[
            ("pending", &super::format_count(t, s.pending)),
            ("delivered", &super::format_count(t, s.delivered)),
            ("failed", &super::format_count(t, s.failed)),
        ],
    );
    SubscriptionRow {
        id: s.id,
        url: s.url,
        description: s.description,
        events,
        enabled: s.enabled,
        counts,
        created: format_time(w.ctx.tr, s.created_at, &w.workspace.timezone),
    }
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    errors: ValidationErrors,
    form: &WebhookForm,
) -> Result<WebhooksTemplate, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let rows = state
        .store
        .webhooks(w.workspace.id)
        .await?
        .into_iter()
        .map(|s| row(w, s))
        .collect();
    let choices = EVENTS
        .iter()
        .map(|name| EventChoice {
            name,
            label: w.ctx.tr.t(&event_key(name)).to_owned(),
            checked: form.events.iter().any(|e| e == name),
        })
        .collect();
    Ok(WebhooksTemplate {
        c: Chrome::workspace(w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        rows,
        choices,
        errors,
        url: form.url.clone(),
        description: form.description.clone(),
        new_secret: None,
    })
}

pub async fn webhooks_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    let form = WebhookForm {
        events: vec!["conversation.opened".into(), "conversation.closed".into()],
        ..Default::default()
    };
    render(page(&state, &w, no_errors(), &form).await?)
}

/// The form, read from its fields (`events=` once per box ticked).
#[derive(Default)]
pub struct WebhookForm {
    url: String,
    description: String,
    events: Vec<String>,
}

/// An address a receiver listens at: http(s) with a host, at most 2,000 characters.
pub fn check_url(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    match url::Url::parse(raw) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && raw.len() <= 2_000 =>
        {
            Ok(raw.to_owned())
        }
        _ => Err(FieldError::new(field, "error.url_invalid")),
    }
}

pub async fn create(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let mut form = WebhookForm::default();
    for (name, value) in fields {
        match name.as_str() {
            "url" => form.url = value,
            "description" => form.description = value,
            "events" => form.events.push(value),
            _ => {}
        }
    }
    let mut errors = ValidationErrors::default();
    let url = errors.check(check_url("url", &form.url));
    let events: Vec<String> = EVENTS
        .iter()
        .filter(|e| form.events.iter().any(|f| f == *e))
        .map(|e| (*e).to_owned())
        .collect();
    if events.is_empty() {
        errors.push(FieldError::new("events", "error.webhook_no_event"));
    }
    if form.description.chars().count() > 200 {
        errors.push(FieldError::new("description", "error.too_long"));
    }
    let Some(url) = url.filter(|_| errors.is_empty()) else {
        return render_invalid(page(&state, &w, errors, &form).await?);
    };
    let secret = auth::random_token();
    let created = state
        .store
        .create_webhook(&NewWebhookSubscription {
            workspace_id: w.workspace.id,
            url: &url,
            secret: &secret,
            events: &events,
            description: form.description.trim(),
            created_by: Some(w.user.id),
            now: unix_now(),
        })
        .await?;
    audit_in(
        &state,
        &w,
        "webhook_created",
        &format!("#{} {url}", created.id),
    )
    .await?;
    let mut template = page(&state, &w, no_errors(), &WebhookForm::default()).await?;
    template.new_secret = Some(secret);
    render(template)
}

#[derive(Deserialize)]
pub struct ActionForm {
    action: String,
}

/// Test, pause, resume or delete one address.
pub async fn act(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let store = &state.store;
    let (done, audit) = match form.action.as_str() {
        "test" => {
            store
                .queue_webhook_test(w.workspace.id, id, unix_now())
                .await?;
            ("webhook_test_queued", None)
        }
        "pause" | "resume" => {
            let enabled = form.action == "resume";
            store
                .set_webhook_enabled(w.workspace.id, id, enabled)
                .await?;
            (
                "saved",
                Some(if enabled {
                    "webhook_resumed"
                } else {
                    "webhook_paused"
                }),
            )
        }
        "delete" => {
            store.delete_webhook(w.workspace.id, id).await?;
            ("webhook_deleted", Some("webhook_deleted"))
        }
        _ => return Err(WebError::NotFound),
    };
    if let Some(action) = audit {
        audit_in(&state, &w, action, &format!("#{id}")).await?;
    }
    let to = if form.action == "test" {
        format!("/w/{}/settings/webhooks/{id}?done={done}", w.workspace.slug)
    } else {
        format!("/w/{}/settings/webhooks?done={done}", w.workspace.slug)
    };
    Ok(redirect(&to))
}

struct DeliveryRow {
    id: i64,
    created: String,
    event: String,
    status_key: &'static str,
    status_class: &'static str,
    attempts: String,
    answer: String,
    next: Option<String>,
    can_redeliver: bool,
}

#[derive(Template)]
#[template(path = "webhook_log.html")]
struct LogTemplate {
    c: Chrome,
    ws_slug: String,
    subscription: SubscriptionRow,
    deliveries: Vec<DeliveryRow>,
    older: Option<i64>,
}

#[derive(Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    before: Option<i64>,
}

const LOG_PAGE: i64 = 50;

pub async fn log_page(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Query(q): Query<LogQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let Some(subscription) = state
        .store
        .webhooks(w.workspace.id)
        .await?
        .into_iter()
        .find(|s| s.id == id)
    else {
        return Err(WebError::NotFound);
    };
    let deliveries = state
        .store
        .webhook_deliveries(w.workspace.id, id, q.before, LOG_PAGE)
        .await?;
    let older = (deliveries.len() as i64 == LOG_PAGE)
        .then(|| deliveries.last().map(|d| d.id))
        .flatten();
    let t = &w.ctx.tr;
    let tz = &w.workspace.timezone;
    let deliveries = deliveries
        .into_iter()
        .map(|d| {
            let (status_key, status_class) = match d.status {
                WebhookStatus::Ready if d.attempts == 0 => ("webhooks.status_ready", "neutral"),
                WebhookStatus::Ready => ("webhooks.status_retrying", "warning"),
                WebhookStatus::Sending => ("webhooks.status_sending", "neutral"),
                WebhookStatus::Delivered => ("webhooks.status_delivered", "positive"),
                WebhookStatus::Failed => ("webhooks.status_failed", "negative"),
            };
            let answer = match (d.last_status, d.last_error) {
                (_, Some(error)) => error,
                (Some(code), None) => t.f("webhooks.answered", &[("code", &code.to_string())]),
                (None, None) => String::new(),
            };
            DeliveryRow {
                id: d.id,
                created: format_time(w.ctx.tr, d.created_at, tz),
                event: if d.event == "webhook.test" {
                    t.t("webhooks.test_event").to_owned()
                } else {
                    t.t(&event_key(&d.event)).to_owned()
                },
                status_key,
                status_class,
                attempts: super::format_count(t, d.attempts),
                answer,
                next: (d.status == WebhookStatus::Ready && d.attempts > 0)
                    .then(|| format_time(w.ctx.tr, d.next_attempt_at, tz)),
                can_redeliver: matches!(d.status, WebhookStatus::Delivered | WebhookStatus::Failed),
            }
        })
        .collect();
    render(LogTemplate {
        c: Chrome::workspace(&w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        subscription: row(&w, subscription),
        deliveries,
        older,
    })
}

pub async fn redeliver(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id, delivery)): Path<(String, i64, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    state
        .store
        .redeliver_webhook(w.workspace.id, delivery, unix_now())
        .await?;
    Ok(redirect(&format!(
        "/w/{}/settings/webhooks/{id}?done=webhook_redelivery_queued",
        w.workspace.slug
    )))
}
