//! Listening in the JSON API: sources, saved searches and mentions. The routes are listed in
//! [`crate::api::ROUTES`]; the settings of each source kind are checked by the connector that
//! reads them, so the API and the pages refuse the same things with the same words.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_connectors::FetchError;
use jardinier_connectors::feed::FeedConfig;
use jardinier_connectors::imap::ImapConfig;
use jardinier_connectors::social::{BLUESKY_APPVIEW, HN_SEARCH, SocialConfig};
use jardinier_domain::{FieldError, Permission};
use jardinier_i18n::{Lang, Tr};
use jardinier_store::{ListeningQuery, NewListeningQuery, NewSource, Source};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams, encode_cursor};
use crate::pages::listening::{KINDS, StreamQuery, item_filter, mention_json, query_error_message};
use crate::{SharedState, auth, unix_now};

/// The kinds a source can be created with through the API.
pub const SOURCE_KINDS: &[&str] = &[
    "webhook",
    "feed",
    "mastodon",
    "bluesky",
    "hackernews",
    "imap",
];

fn source_json(state: &SharedState, s: &Source) -> Value {
    let mut config: Value = serde_json::from_str(&s.config).unwrap_or(json!({}));
    if s.kind == "webhook" {
        config = json!({"url": format!("{}/hooks/{}", state.config.base_url, s.id)});
    }
    json!({
        "id": s.id, "kind": s.kind, "name": s.name, "config": config, "enabled": s.enabled,
        "status": s.status, "interval_minutes": s.interval_secs / 60,
        "last_fetch_at": s.last_fetch_at, "last_success_at": s.last_success_at,
        "last_error": s.last_error, "failures": s.failures, "next_fetch_at": s.next_fetch_at,
        "item_count": s.item_count, "created_at": s.created_at,
    })
}

pub async fn list_sources(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewListening)?;
    let sources: Vec<Source> = state
        .store
        .sources(caller.0.workspace.id)
        .await?
        .into_iter()
        .filter(|s| SOURCE_KINDS.contains(&s.kind.as_str()))
        .collect();
    crate::api::by_id(sources, &page, |s| s.id, |s| source_json(&state, s))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSourceBody {
    kind: String,
    name: String,
    #[serde(default)]
    config: Value,
    /// IMAP only: the mailbox password (kept as the source's secret, never returned).
    #[serde(default)]
    password: Option<String>,
    /// Mastodon only: an access token, for instances that require one to stream.
    #[serde(default)]
    token: Option<String>,
    #[serde(default = "fifteen")]
    interval_minutes: i64,
}

fn fifteen() -> i64 {
    15
}

fn settings_error(message: String) -> ApiError {
    ApiError::invalid("config", "error.settings_invalid", message)
}

/// The stored settings of a new source, as its connector will read them.
fn source_config(body: &NewSourceBody) -> Result<String, ApiError> {
    if !(body.config.is_object() || body.config.is_null()) {
        return Err(settings_error(
            "config: the settings must be a JSON object, such as {\"url\": \"https://…\"}".into(),
        ));
    }
    let config = body.config.to_string();
    let check =
        |result: Result<(), FetchError>| result.map_err(|e| settings_error(format!("config: {e}")));
    match body.kind.as_str() {
        // Optional: where replies go (`reply_url`), and `inbox: true` for a contact form whose
        // every message needs an answer.
        "webhook" => {
            if let Some(object) = body.config.as_object() {
                if let Some(key) = object
                    .keys()
                    .find(|k| !["reply_url", "inbox"].contains(&k.as_str()))
                {
                    return Err(settings_error(format!(
                        "config: unknown field `{key}`, a webhook takes `reply_url` and `inbox`"
                    )));
                }
                if object.get("inbox").is_some_and(|i| !i.is_boolean()) {
                    return Err(settings_error("config: `inbox` is true or false".into()));
                }
            }
            let reply = jardinier_outbound::WebhookReplyConfig::parse(&config)
                .map_err(|e| settings_error(format!("config: {e}")))?;
            let inbox = body
                .config
                .get("inbox")
                .and_then(|b| b.as_bool())
                .unwrap_or(false);
            let mut stored = json!({});
            if let Some(url) = reply.reply_url {
                stored["reply_url"] = json!(url);
            }
            if inbox {
                stored["inbox"] = json!(true);
            }
            Ok(stored.to_string())
        }
        "feed" => {
            if let Some(key) = body
                .config
                .as_object()
                .and_then(|c| c.keys().find(|k| *k != "url"))
            {
                return Err(settings_error(format!(
                    "config: unknown field `{key}`, a feed takes only `url`"
                )));
            }
            check(FeedConfig::parse(&config).map(drop))?;
            Ok(config)
        }
        kind @ ("mastodon" | "bluesky" | "hackernews") => {
            let mut config = body.config.clone();
            if config.get("base").is_none_or(|b| b.as_str() == Some("")) {
                match kind {
                    "bluesky" => config["base"] = json!(BLUESKY_APPVIEW),
                    "hackernews" => config["base"] = json!(HN_SEARCH),
                    _ => {}
                }
            }
            let config = config.to_string();
            check(SocialConfig::parse(&config).map(drop))?;
            Ok(config)
        }
        "imap" => {
            let parsed =
                ImapConfig::parse(&config).map_err(|e| settings_error(format!("config: {e}")))?;
            if body.password.as_deref().is_none_or(str::is_empty) {
                return Err(ApiError::invalid(
                    "password",
                    "error.required",
                    "An IMAP source needs the mailbox password in `password`.".into(),
                ));
            }
            Ok(serde_json::to_string(&parsed).expect("settings serialise"))
        }
        other => Err(ApiError::invalid(
            "kind",
            "error.kind_invalid",
            format!("kind: {other:?} is not one of {}", SOURCE_KINDS.join(", ")),
        )),
    }
}

pub async fn create_source(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSourceBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageListening)?;
    let name = jardinier_domain::DisplayName::parse("name", &body.name)
        .map_err(|e| ApiError::validation(e.into()))?;
    let config = source_config(&body)?;
    let polled = body.kind != "webhook";
    if polled && !(5..=1440).contains(&body.interval_minutes) {
        return Err(ApiError::validation(
            FieldError::new("interval_minutes", "error.number_out_of_range").into(),
        ));
    }
    let webhook_secret = (!polled).then(auth::random_token);
    let secret = match body.kind.as_str() {
        "imap" => body.password.clone(),
        "mastodon" => body.token.clone().filter(|t| !t.trim().is_empty()),
        _ => webhook_secret.clone(),
    };
    let p = &caller.0;
    let source = state
        .store
        .create_source(&NewSource {
            workspace_id: p.workspace.id,
            kind: &body.kind,
            name: name.as_str(),
            config: &config,
            secret: secret.as_deref(),
            interval_secs: if polled {
                body.interval_minutes * 60
            } else {
                0
            },
            now: unix_now(),
        })
        .await?;
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "source_created",
        &format!("{} ({} #{}, API)", source.name, source.kind, source.id),
    )
    .await?;
    let mut out = source_json(&state, &source);
    if let Some(secret) = webhook_secret {
        // Shown once: senders sign their requests with it.
        out["secret"] = json!(secret);
    }
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceChange {
    enabled: bool,
}

pub async fn update_source(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<SourceChange>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageListening)?;
    let p = &caller.0;
    state
        .store
        .set_source_enabled(p.workspace.id, id, body.enabled)
        .await?;
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        if body.enabled {
            "source_resumed"
        } else {
            "source_paused"
        },
        &id.to_string(),
    )
    .await?;
    let source = state
        .store
        .source_by_id(id)
        .await?
        .filter(|s| s.workspace_id == p.workspace.id)
        .ok_or_else(|| ApiError::from_kind(crate::error::ErrorKind::NotFound))?;
    Ok(Json(source_json(&state, &source)))
}

fn query_json(q: &ListeningQuery) -> Value {
    json!({"id": q.id, "name": q.name, "query": q.query_text, "kind": q.kind, "created_at": q.created_at, "updated_at": q.updated_at})
}

pub async fn list_queries(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewListening)?;
    let queries = state.store.listening_queries(caller.0.workspace.id).await?;
    crate::api::by_id(queries, &page, |q| q.id, query_json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewQueryBody {
    name: String,
    query: String,
    #[serde(default = "brand")]
    kind: String,
}

fn brand() -> String {
    "brand".to_owned()
}

pub async fn create_query(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewQueryBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageListening)?;
    let name = jardinier_domain::DisplayName::parse("name", &body.name)
        .map_err(|e| ApiError::validation(e.into()))?;
    if !KINDS.contains(&body.kind.as_str()) {
        return Err(ApiError::invalid(
            "kind",
            "error.kind_invalid",
            format!("kind: {:?} is not one of {}", body.kind, KINDS.join(", ")),
        ));
    }
    if let Err(error) = jardinier_query::parse(&body.query) {
        let mut e = ApiError::invalid(
            "query",
            "error.query_invalid",
            format!("query: {}", query_error_message(Tr::new(Lang::En), &error)),
        );
        e.position = Some(error.position);
        return Err(e);
    }
    let p = &caller.0;
    let text = body.query.trim();
    let query = state
        .store
        .create_listening_query(&NewListeningQuery {
            workspace_id: p.workspace.id,
            name: name.as_str(),
            query_text: text,
            kind: &body.kind,
            created_by: Some(p.user.id),
            now: unix_now(),
        })
        .await?;
    state.ingestor.reload_queries().await.map_err(|error| {
        tracing::error!(%error, "reloading saved searches");
        ApiError::from_kind(crate::error::ErrorKind::Internal)
    })?;
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "query_created",
        &format!("{name}: {text} (API)"),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(query_json(&query))).into_response())
}

/// Newest first; `next_before` is the `before` of the next page, `next_cursor` its `cursor`.
pub async fn list_mentions(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(mut filter): ApiQuery<StreamQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewListening)?;
    let p = &caller.0;
    let limit = page.limit()?;
    if let Some(position) = page.position(1)? {
        filter.before = Some(position[0]);
    }
    filter
        .check()
        .map_err(|(field, message)| ApiError::invalid(field, "error.kind_invalid", message))?;
    let queries = state.store.listening_queries(p.workspace.id).await?;
    let filter = item_filter(
        &filter,
        &queries,
        p.workspace.id,
        &p.workspace.timezone,
        limit,
    );
    let items = state.store.items(&filter).await?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    let items: Vec<Value> = items.iter().map(|i| mention_json(i, &queries)).collect();
    let cursor = next.map(|id| encode_cursor(&[id]));
    Ok(Json(
        json!({"items": items, "next_before": next, "next_cursor": cursor}),
    ))
}

/// The OpenAPI schemas of these routes.
/// A name as `DisplayName` takes it: 1 to 80 characters, not only spaces, no control characters.
pub(crate) fn name_schema() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"})
}

/// A new source: the settings each kind needs (what its connector checks).
fn new_source_schema() -> Value {
    let string = json!({"type": "string", "minLength": 1});
    // Internationalised host names are read as browsers read them (IDNA): an IRI.
    let url = json!({"type": "string", "format": "iri", "pattern": "^https?://"});
    let interval = json!({"type": "integer", "minimum": 5, "maximum": 1440, "default": 15,
        "description": "Minutes between two fetches (polled kinds)."});
    let name = name_schema();
    let kind = |kind: &str, config: Value, extra: Value| {
        let mut properties = json!({"kind": {"const": kind}, "name": name, "config": config, "interval_minutes": interval});
        if let (Some(all), Value::Object(extra)) = (properties.as_object_mut(), extra) {
            all.extend(extra);
        }
        json!({"type": "object", "required": ["kind", "name", "config"], "additionalProperties": false, "properties": properties})
    };
    // Empty or absent: the public service (Bluesky's app view, HN's search).
    let base = json!({"anyOf": [url, {"const": ""}]});
    let search = json!({"type": "object", "required": ["search"], "additionalProperties": false, "properties": {"search": string, "base": base}});
    json!({"oneOf": [
        {"type": "object", "required": ["kind", "name"], "additionalProperties": false, "properties": {
            "kind": {"const": "webhook"}, "name": name,
            "interval_minutes": {"type": "integer", "description": "Not used: webhooks are not polled."},
            "config": {"type": ["object", "null"], "additionalProperties": false, "properties": {"reply_url": {"anyOf": [url, {"type": "null"}]}, "inbox": {"type": "boolean"}}}}},
        kind("feed", json!({"type": "object", "required": ["url"], "additionalProperties": false, "properties": {"url": url}}), json!({})),
        kind("mastodon", json!({"type": "object", "required": ["base", "search"], "additionalProperties": false, "properties": {"base": url, "search": string, "stream": {"type": "boolean"}}}), json!({"token": {"type": ["string", "null"]}})),
        kind("bluesky", search.clone(), json!({})),
        kind("hackernews", search, json!({})),
        kind("imap", json!({"type": "object", "required": ["host", "port", "security", "username"], "additionalProperties": false, "properties": {"host": string, "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "security": {"type": "string", "enum": ["tls", "starttls", "none"]}, "username": string, "mailbox": string, "inbox": {"type": "boolean"}}}),
            json!({"password": {"type": "string", "minLength": 1}})),
    ]})
}

pub fn schemas() -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let nullable_int = json!({"type": ["integer", "null"], "format": "int64"});
    let nullable_string = json!({"type": ["string", "null"]});
    let list = crate::api_doc::list_schema;
    let mut all = json!({
        "Source": {"type": "object", "properties": {"id": int, "kind": string, "name": string, "config": {"type": "object"}, "enabled": {"type": "boolean"},
            "status": {"type": "string", "enum": ["new", "ok", "error"]}, "interval_minutes": int, "last_fetch_at": nullable_int, "last_success_at": nullable_int,
            "last_error": nullable_string, "failures": int, "next_fetch_at": int, "item_count": int, "created_at": int, "secret": string}},
        "SourceList": list("Source"),
        "NewSource": new_source_schema(),
        "SourceChange": {"type": "object", "required": ["enabled"], "additionalProperties": false, "properties": {"enabled": {"type": "boolean"}}},
        "Query": {"type": "object", "properties": {"id": int, "name": string, "query": string, "kind": string, "created_at": int, "updated_at": int}},
        "QueryList": list("Query"),
        "NewQuery": {"type": "object", "required": ["name", "query"], "additionalProperties": false, "properties": {"name": name_schema(), "query": {"type": "string", "minLength": 1, "description": "The query language: words, \"phrases\", AND, OR, NOT, NEAR/n, wildcards; refused (422, with `position`) when it does not parse."},
            "kind": {"type": "string", "enum": KINDS}}},
        "MentionList": {"type": "object", "required": ["items", "next_before", "next_cursor"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Mention"}}, "next_before": nullable_int, "next_cursor": nullable_string}},
    });
    let mention = json!({"type": "object", "properties": {"id": int, "published_at": string, "received_at": string, "source": string, "source_id": int,
            "site": nullable_string, "url": nullable_string, "author": nullable_string, "handle": nullable_string, "reach": nullable_int,
            "lang": nullable_string, "sentiment": nullable_string, "score": {"type": ["number", "null"]}, "sentiment_corrected": {"type": "boolean"},
            "searches": {"type": "array", "items": string}, "title": nullable_string, "text": string, "duplicate_of": nullable_int,
            "seen_count": int, "parent_id": nullable_string, "quote_of": nullable_int, "quoted_ref": nullable_string,
            "enrichment_error": nullable_string}});
    all["Mention"] = mention;
    all
}
