//! The crisis view (what fired, who is handling it), alert rules, and the acknowledge link.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use jardinier_domain::{FieldError, Permission, ValidationErrors};
use jardinier_listening::alerts::SpikeParams;
use jardinier_listening::alerts::{parse_channels, parse_rule};
use jardinier_listening::sensitivity::{Sensitivity, replay_volume_alerts};
use jardinier_store::{AlertEvent, AlertRule, ListeningQuery, NewAlertRule};
use serde::Deserialize;

use super::listening::query_error_message;
use super::{
    Chrome, audit_in, format_time, gone, message, no_errors, redirect, render, render_invalid,
};
use crate::context::{InWorkspace, RequestCtx};
use crate::error::WebError;
use crate::{SharedState, auth, unix_now};

pub const RULE_KINDS: &[&str] = &["volume_spike", "negative_spike", "keyword", "high_reach"];
/// Saved searches the sensitivity preview replays (one query each).
const PREVIEWED: usize = 8;

/// A rule's settings in words ("hourly windows, normal sensitivity, at least 10 mentions").
fn rule_words(t: jardinier_i18n::Tr, kind: &str, params: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(params).unwrap_or_default();
    match kind {
        "volume_spike" | "negative_spike" => {
            let Ok(p) = serde_json::from_value::<SpikeParams>(strip_lang(value)) else {
                return String::new();
            };
            let sensitivity = Sensitivity::of_k(p.k).as_str();
            t.f(
                "alerts.describe_spike",
                &[
                    ("window", &t.duration(p.window_minutes * 60)),
                    (
                        "sensitivity",
                        t.t(&format!("alerts.sensitivity_word_{sensitivity}")),
                    ),
                    ("min", &t.number(p.min_volume)),
                ],
            )
        }
        "keyword" => t.f(
            "alerts.describe_keyword",
            &[("query", value["query"].as_str().unwrap_or_default())],
        ),
        "high_reach" => t.f(
            "alerts.describe_reach",
            &[(
                "min",
                &t.number(value["min_reach"].as_i64().unwrap_or_default()),
            )],
        ),
        _ => String::new(),
    }
}

fn strip_lang(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(o) = value.as_object_mut() {
        o.remove("lang");
    }
    value
}

pub struct AlertView {
    pub event: AlertEvent,
    pub query: String,
    pub fired: String,
    pub updated: String,
    pub acknowledged: String,
}

pub struct RuleView {
    pub rule: AlertRule,
    pub query: String,
    /// What the rule watches, in words.
    pub description: String,
    pub channels: String,
}

#[derive(Template)]
#[template(path = "listening_alerts.html")]
struct AlertsTemplate {
    /// (search, alerts over 30 days at low, normal, high sensitivity)
    preview: Vec<(String, [String; 3])>,
    sensitivities: [&'static str; 3],
    /// The channel fields: (field, kind, value, input type, placeholder).
    channel_fields: Vec<(
        &'static str,
        &'static str,
        String,
        &'static str,
        &'static str,
    )>,
    c: Chrome,
    ws_slug: String,
    open: Vec<AlertView>,
    handled: Vec<AlertView>,
    rules: Vec<RuleView>,
    queries: Vec<ListeningQuery>,
    can_manage: bool,
    kinds: &'static [&'static str],
    errors: ValidationErrors,
    form: RuleForm,
    /// (field, label key, value) of the numeric fields, in form order.
    numbers: Vec<(&'static str, &'static str, String)>,
    keyword_message: Option<String>,
}

impl AlertsTemplate {
    fn with_form(mut self, form: RuleForm) -> AlertsTemplate {
        self.numbers = vec![
            (
                "window_minutes",
                "alerts.window_minutes",
                form.window_minutes.clone(),
            ),
            ("min_volume", "alerts.min_volume", form.min_volume.clone()),
            ("min_reach", "alerts.min_reach", form.min_reach.clone()),
        ];
        self.channel_fields = vec![
            (
                "ch_email",
                "email",
                form.ch_email.clone(),
                "email",
                "camille@brand.example",
            ),
            (
                "ch_slack",
                "slack",
                form.ch_slack.clone(),
                "url",
                "https://hooks.slack.com/services/…",
            ),
            (
                "ch_mattermost",
                "mattermost",
                form.ch_mattermost.clone(),
                "url",
                "https://mattermost.example/hooks/…",
            ),
            (
                "ch_discord",
                "discord",
                form.ch_discord.clone(),
                "url",
                "https://discord.com/api/webhooks/…",
            ),
            (
                "ch_ntfy",
                "ntfy",
                form.ch_ntfy.clone(),
                "url",
                "https://ntfy.sh/…",
            ),
        ];
        self.form = form;
        self
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    pub query_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub window_minutes: String,
    /// low, normal, high (how far above the usual volume a window must be).
    #[serde(default)]
    pub sensitivity: String,
    #[serde(default)]
    pub min_volume: String,
    #[serde(default)]
    pub min_reach: String,
    #[serde(default)]
    pub keywords: String,
    /// Where the alert goes: each filled field is a channel.
    #[serde(default)]
    pub ch_oncall: String,
    #[serde(default)]
    pub ch_email: String,
    #[serde(default)]
    pub ch_slack: String,
    #[serde(default)]
    pub ch_mattermost: String,
    #[serde(default)]
    pub ch_discord: String,
    #[serde(default)]
    pub ch_ntfy: String,
    #[serde(default)]
    pub lang: String,
}

impl RuleForm {
    /// (kind, the field that holds it, target) of each channel the form fills in.
    fn channels(&self) -> Vec<(&'static str, &'static str, String)> {
        let mut channels = Vec::new();
        if !self.ch_oncall.is_empty() {
            channels.push(("oncall", "ch_oncall", String::new()));
        }
        for (kind, field, value) in [
            ("email", "ch_email", &self.ch_email),
            ("slack", "ch_slack", &self.ch_slack),
            ("mattermost", "ch_mattermost", &self.ch_mattermost),
            ("discord", "ch_discord", &self.ch_discord),
            ("ntfy", "ch_ntfy", &self.ch_ntfy),
        ] {
            if !value.trim().is_empty() {
                channels.push((kind, field, value.trim().to_owned()));
            }
        }
        channels
    }
}

async fn alerts_template(state: &SharedState, w: &InWorkspace) -> Result<AlertsTemplate, WebError> {
    let tz = &w.workspace.timezone;
    let queries = state.store.listening_queries(w.workspace.id).await?;
    let name = |id: i64| {
        queries
            .iter()
            .find(|q| q.id == id)
            .map(|q| q.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let (mut open, mut handled) = (Vec::new(), Vec::new());
    for event in state.store.alerts(w.workspace.id, 100).await? {
        let view = AlertView {
            query: name(event.query_id),
            fired: format_time(w.ctx.tr, event.fired_at, tz),
            updated: format_time(w.ctx.tr, event.updated_at, tz),
            acknowledged: event
                .acknowledged_at
                .map(|t| format_time(w.ctx.tr, t, tz))
                .unwrap_or_default(),
            event,
        };
        if view.event.acknowledged_at.is_some() {
            handled.push(view)
        } else {
            open.push(view)
        }
    }
    let rules = state
        .store
        .alert_rules(w.workspace.id)
        .await?
        .into_iter()
        .map(|rule| RuleView {
            query: name(rule.query_id),
            description: rule_words(w.ctx.tr, &rule.kind, &rule.params),
            channels: parse_channels(&rule.channels)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            let kind = w.ctx.tr.t(&format!("alerts.channel_{}", c.kind)).to_owned();
                            if c.target.is_empty() {
                                kind
                            } else {
                                format!("{kind} {}", c.target)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            rule,
        })
        .collect();
    let form = RuleForm {
        kind: "volume_spike".into(),
        window_minutes: "60".into(),
        sensitivity: "normal".into(),
        min_volume: "10".into(),
        min_reach: "10000".into(),
        lang: w.ctx.lang().code().into(),
        ch_email: w.user.email.clone(),
        ..Default::default()
    };
    // What each sensitivity would have raised over the last 30 days, per saved search, with
    // hourly windows against the day before.
    let now = unix_now();
    let mut preview = Vec::new();
    for query in queries.iter().take(PREVIEWED) {
        let counts: Vec<i64> = state
            .store
            .match_counts(query.id, now, 3_600, 31 * 24)
            .await?
            .into_iter()
            .map(|(all, _)| all)
            .collect();
        let replayed =
            Sensitivity::ALL.map(|s| replay_volume_alerts(&counts, 24, s.k(), 10).to_string());
        preview.push((query.name.clone(), replayed));
    }
    Ok(AlertsTemplate {
        preview,
        sensitivities: Sensitivity::ALL.map(|s| s.as_str()),
        channel_fields: Vec::new(),
        c: Chrome::workspace(w, "listening"),
        ws_slug: w.workspace.slug.clone(),
        open,
        handled,
        rules,
        queries,
        can_manage: w.can(Permission::ManageListening),
        kinds: RULE_KINDS,
        errors: no_errors(),
        form: RuleForm::default(),
        numbers: Vec::new(),
        keyword_message: None,
    }
    .with_form(form))
}

pub async fn alerts_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    render(alerts_template(&state, &w).await?)
}

fn number<T: std::str::FromStr + PartialOrd>(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    min: T,
    max: T,
) -> Option<T> {
    match raw.trim().replace(',', ".").parse::<T>() {
        Ok(v) if v >= min && v <= max => Some(v),
        _ => {
            errors.push(FieldError::new(field, "error.number_out_of_range"));
            None
        }
    }
}

pub async fn create_rule(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<RuleForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let queries = state.store.listening_queries(w.workspace.id).await?;
    let mut errors = ValidationErrors::default();
    let query = form
        .query_id
        .parse::<i64>()
        .ok()
        .and_then(|id| queries.iter().find(|q| q.id == id));
    if query.is_none() {
        errors.push(FieldError::new("query_id", "error.required"));
    }
    let lang = if form.lang == "en" { "en" } else { "fr" };
    let mut keyword_message = None;
    let params = match form.kind.as_str() {
        "volume_spike" | "negative_spike" => {
            let window =
                number::<i64>(&mut errors, "window_minutes", &form.window_minutes, 1, 1440);
            let k = match Sensitivity::parse(&form.sensitivity) {
                Some(s) => Some(s.k()),
                None => {
                    errors.push(FieldError::new("sensitivity", "error.kind_invalid"));
                    None
                }
            };
            let min = number::<i64>(&mut errors, "min_volume", &form.min_volume, 1, 1_000_000);
            match (window, k, min) {
                (Some(window), Some(k), Some(min)) => Some(
                    serde_json::json!({"window_minutes": window, "k": k, "min_volume": min, "lang": lang}),
                ),
                _ => None,
            }
        }
        "high_reach" => number::<i64>(&mut errors, "min_reach", &form.min_reach, 1, i64::MAX)
            .map(|min| serde_json::json!({"min_reach": min, "lang": lang})),
        "keyword" => match jardinier_query::parse(&form.keywords) {
            Ok(_) => Some(serde_json::json!({"query": form.keywords.trim(), "lang": lang})),
            Err(e) => {
                keyword_message = Some(query_error_message(w.ctx.tr, &e));
                errors.push(FieldError::new("keywords", "error.query_invalid"));
                None
            }
        },
        _ => {
            errors.push(FieldError::new("kind", "error.kind_invalid"));
            None
        }
    };
    let chosen = form.channels();
    if chosen.is_empty() {
        errors.push(FieldError::new("channels", "alerts.channels_none"));
    }
    let mut channels = Vec::new();
    for (kind, field, target) in chosen {
        let channel = serde_json::json!({"kind": kind, "target": target});
        // Each channel checked on its own, so the message sits by the field that holds it.
        if parse_channels(&serde_json::json!([channel]).to_string()).is_err() {
            let message = if kind == "email" {
                "alerts.channel_email_invalid"
            } else {
                "alerts.channel_url_invalid"
            };
            errors.push(FieldError::new(field, message));
        }
        channels.push(channel);
    }
    let channels_json = serde_json::Value::Array(channels).to_string();
    let (Some(query), Some(params), true) = (query, params, errors.is_empty()) else {
        let mut template = alerts_template(&state, &w).await?.with_form(form);
        template.errors = errors;
        template.keyword_message = keyword_message;
        return render_invalid(template);
    };
    // The same checks the engine applies when it loads the rule.
    let mut without_lang = params.clone();
    without_lang.as_object_mut().map(|o| o.remove("lang"));
    parse_rule(&form.kind, &without_lang.to_string()).map_err(|e| {
        WebError::Internal(anyhow::anyhow!(
            "rule built from a valid form does not parse: {e}"
        ))
    })?;
    let rule = state
        .store
        .create_alert_rule(&NewAlertRule {
            workspace_id: w.workspace.id,
            query_id: query.id,
            kind: &form.kind,
            params: &params.to_string(),
            channels: &channels_json,
            now: unix_now(),
        })
        .await?;
    if let Some(engine) = &state.ingestor.alerts {
        engine.reload().await?;
    }
    audit_in(
        &state,
        &w,
        "alert_rule_created",
        &format!("#{} {} on {}", rule.id, rule.kind, query.name),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/listening/alerts?done=alert_rule_created",
        w.workspace.slug
    )))
}

pub async fn delete_rule(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    state.store.delete_alert_rule(w.workspace.id, id).await?;
    if let Some(engine) = &state.ingestor.alerts {
        engine.reload().await?;
    }
    audit_in(&state, &w, "alert_rule_deleted", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/listening/alerts?done=alert_rule_deleted",
        w.workspace.slug
    )))
}

pub async fn acknowledge(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    state
        .store
        .acknowledge_alert_in(w.workspace.id, id, &w.user.display_name, unix_now())
        .await?;
    audit_in(&state, &w, "alert_acknowledged", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/listening/alerts?done=alert_acknowledged",
        w.workspace.slug
    )))
}

#[derive(Template)]
#[template(path = "ack.html")]
struct AckTemplate {
    c: Chrome,
    token: String,
    summary: String,
    signed_in: bool,
}

/// The link in alert messages. Opening it only shows the alert: link previews in chat tools
/// open links too, and must not acknowledge anything. The button does.
pub async fn ack_page(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let hash = auth::token_hash(&token);
    match state.store.alert_by_token(&hash).await? {
        None => gone(&ctx, "alert_ack", ("/", "error_page.home")),
        Some(event) if event.acknowledged_at.is_some() => message(
            &ctx,
            "alert_ack.already_title",
            ctx.tr.f(
                "alert_ack.already",
                &[
                    ("who", event.acknowledged_by.as_deref().unwrap_or("?")),
                    ("summary", &event.summary),
                ],
            ),
            None,
        ),
        Some(event) => render(AckTemplate {
            c: Chrome::new(&ctx),
            token,
            summary: event.summary,
            signed_in: ctx.user.is_some(),
        }),
    }
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    name: String,
}

pub async fn ack(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(form): Form<AckForm>,
) -> Result<Response, WebError> {
    let by = match &ctx.user {
        Some(user) => user.display_name.clone(),
        None if !form.name.trim().is_empty() => form.name.trim().chars().take(80).collect(),
        None => ctx.tr.t("alert_ack.someone").to_owned(),
    };
    match state
        .store
        .acknowledge_alert(&auth::token_hash(&token), &by, unix_now())
        .await?
    {
        None => gone(&ctx, "alert_ack", ("/", "error_page.home")),
        Some(event) => message(
            &ctx,
            "alert_ack.done_title",
            ctx.tr.f(
                "alert_ack.done",
                &[
                    ("who", event.acknowledged_by.as_deref().unwrap_or(&by)),
                    ("summary", &event.summary),
                ],
            ),
            Some(("/", "error_page.home")),
        ),
    }
}

/// The demo's local stand-in for a chat webhook: what alerts post to it is shown at /dev/hooks.
pub async fn dev_hook(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    if !state.config.mail_log_page {
        return Err(WebError::NotFound);
    }
    let mut inbox = state.dev_inbox.0.lock().expect("dev inbox lock");
    inbox.push_front((
        unix_now(),
        name,
        String::from_utf8_lossy(&body).into_owned(),
    ));
    inbox.truncate(200);
    Ok(axum::http::StatusCode::OK.into_response())
}

#[derive(Template)]
#[template(path = "dev_hooks.html")]
struct DevHooksTemplate {
    c: Chrome,
    received: Vec<(String, String, String)>,
}

pub async fn dev_hooks_page(
    State(state): State<SharedState>,
    ctx: RequestCtx,
) -> Result<Response, WebError> {
    if !state.config.mail_log_page {
        return Err(WebError::NotFound);
    }
    let received = state
        .dev_inbox
        .0
        .lock()
        .expect("dev inbox lock")
        .iter()
        .map(|(t, n, b)| {
            (
                format_time(ctx.tr, *t, "Europe/Paris"),
                n.clone(),
                b.clone(),
            )
        })
        .collect();
    render(DevHooksTemplate {
        c: Chrome::new(&ctx),
        received,
    })
}
