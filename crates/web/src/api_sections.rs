//! Issue 14, item 6 (in part): members, alerts and saved replies in the JSON API, with the same
//! rules as their pages. Routes in [`crate::api::ROUTES`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use jardinier_store::{AlertEvent, Merge, PersonRow, SavedReply};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams};
use crate::{SharedState, unix_now};

async fn audit(
    state: &SharedState,
    caller: &Caller,
    action: &str,
    detail: &str,
) -> Result<(), ApiError> {
    let p = &caller.0;
    Ok(crate::pages::audit(state, Some(p.workspace.id), Some(p.user.id), action, detail).await?)
}

fn person_json(r: &PersonRow) -> Value {
    json!({
        "id": r.person.id, "name": r.person.display_name, "tags": r.tags,
        "fields": r.person.fields.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
        "identities": r.identities.iter().map(|i| json!({"id": i.id, "kind": i.identity.kind.as_str(),
            "value": i.identity.value, "verified": i.identity.verified})).collect::<Vec<_>>(),
        "created_at": r.person.created_at, "updated_at": r.person.updated_at,
    })
}

#[derive(Deserialize)]
pub struct MemberSearch {
    #[serde(default)]
    q: String,
}

pub async fn members(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(search): ApiQuery<MemberSearch>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewMembers)?;
    let q = Some(search.q.trim()).filter(|q| !q.is_empty());
    let limit = page.limit()?;
    let after = page.position(1)?.map(|p| p[0]).unwrap_or(0);
    let people = state
        .store
        .people_after(caller.0.workspace.id, q, after, limit + 1)
        .await?;
    Ok(crate::api::keyset_page(
        people,
        limit,
        |r| r.person.id,
        person_json,
    ))
}

pub async fn member(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewMembers)?;
    let profile = state
        .store
        .person(caller.0.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "member" })?;
    let mut body = person_json(&profile.row);
    body["notes"] = profile
        .notes
        .iter()
        .map(|n| json!({"id": n.id, "author": n.author, "text": n.body}))
        .collect();
    body["merges"] = profile
        .merges
        .iter()
        .map(|m| {
            json!({"id": m.id, "kept_id": m.kept_id, "absorbed_id": m.absorbed_id,
            "absorbed_name": m.absorbed_name, "reason": m.reason, "confidence": m.confidence,
            "by": m.actor, "at": m.at, "undone_at": m.undone_at})
        })
        .collect();
    body["conversation_ids"] = profile.conversations.iter().map(|c| c.id).collect();
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    #[serde(default, deserialize_with = "present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    fields: Option<Vec<FieldBody>>,
}

/// A field that may be absent but not null.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldBody {
    name: String,
    value: String,
}

/// Renames a profile, or replaces its tags or custom fields (what is not given stays).
pub async fn update_member(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<MemberChange>,
) -> Result<Json<Value>, ApiError> {
    may_merge(&caller)?;
    let ws = caller.0.workspace.id;
    let current = state
        .store
        .person(ws, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "member" })?;
    let name = match body.name.as_deref().map(str::trim) {
        Some(name) => {
            if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    "name",
                    "error.too_long",
                    "name: 1 to 120 characters, no control characters".into(),
                ));
            }
            name.to_owned()
        }
        None => current.row.person.display_name.clone(),
    };
    let mut tags: Vec<String> = match body.tags {
        Some(tags) => {
            if let Some(bad) = tags
                .iter()
                .find(|t| t.trim().is_empty() || t.trim().chars().count() > 40)
            {
                return Err(ApiError::invalid(
                    "tags",
                    "error.too_long",
                    format!("tags: {bad:?} is not 1 to 40 characters"),
                ));
            }
            tags.iter().map(|t| t.trim().to_lowercase()).collect()
        }
        None => current.row.tags.clone(),
    };
    tags.sort();
    tags.dedup();
    let fields: Vec<(String, String)> = match body.fields {
        Some(fields) => {
            let mut out: Vec<(String, String)> = Vec::new();
            for f in fields {
                let (name, value) = (f.name.trim(), f.value.trim());
                if name.is_empty() || name.chars().count() > 60 || value.chars().count() > 500 {
                    return Err(ApiError::invalid(
                        "fields",
                        "error.too_long",
                        "fields: a name of 1 to 60 characters and a value of at most 500".into(),
                    ));
                }
                out.retain(|(k, _)| k != name);
                out.push((name.to_owned(), value.to_owned()));
            }
            out
        }
        None => current.row.person.fields.clone(),
    };
    state
        .store
        .update_person(ws, id, &name, &tags, &fields, unix_now())
        .await?;
    let row = state
        .store
        .person(ws, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "member" })?
        .row;
    Ok(Json(person_json(&row)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    text: String,
}

pub async fn add_note(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<StatusCode, ApiError> {
    may_merge(&caller)?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > 5_000 {
        return Err(ApiError::invalid(
            "text",
            "error.too_long",
            "text: 1 to 5,000 characters".into(),
        ));
    }
    let p = &caller.0;
    state
        .store
        .add_person_note(p.workspace.id, id, p.user.id, text, unix_now())
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityBody {
    kind: String,
    value: String,
}

/// Adds an identity to a profile. One another profile has is not taken from it: with a verified
/// one on either side they are the same person and merged (undoable); otherwise refused (409)
/// for a person to decide.
pub async fn add_identity(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<IdentityBody>,
) -> Result<Json<Value>, ApiError> {
    may_merge(&caller)?;
    use jardinier_members::IdentityError as E;
    let identity = jardinier_members::parse_identity(&body.kind, &body.value).map_err(|e| {
        let (field, message) = match e {
            E::UnknownKind => ("kind", "one of email, mastodon, bluesky, handle, website"),
            E::Empty => ("value", "empty"),
            E::NotAnEmail => ("value", "not an e-mail address"),
            E::NotAHandle => ("value", "not a handle (user@instance, or a Bluesky domain)"),
            E::NotAWebsite => ("value", "not a website address"),
        };
        ApiError::invalid(field, "error.kind_invalid", format!("{field}: {message}"))
    })?;
    let p = &caller.0;
    let outcome = state
        .store
        .add_identity(p.workspace.id, id, &identity, Some(p.user.id), unix_now())
        .await?;
    use jardinier_store::AddIdentity as A;
    let answer = match outcome {
        A::Added => json!({"outcome": "added"}),
        A::AlreadyThere => json!({"outcome": "already_there"}),
        A::Merged { merge_id, other } => {
            json!({"outcome": "merged", "merge_id": merge_id, "merged_with": other})
        }
        A::BelongsTo { other } => {
            return Err(ApiError::with_status(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "Profile {other} has this identity, unverified: merge the two profiles if they are the same person."
                ),
            ));
        }
    };
    Ok(Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRef {
    identity_id: i64,
}

pub async fn remove_identity(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<IdentityRef>,
) -> Result<StatusCode, ApiError> {
    may_merge(&caller)?;
    state
        .store
        .remove_identity(caller.0.workspace.id, id, body.identity_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    absorb_id: i64,
}

/// Who may merge, as on the Members page: they see members and the inbox the profiles carry.
fn may_merge(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::ViewMembers)?;
    caller.require(Permission::ViewInbox)
}

pub async fn merge(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Response, ApiError> {
    may_merge(&caller)?;
    if body.absorb_id == id {
        return Err(ApiError::invalid(
            "absorb_id",
            "error.kind_invalid",
            "absorb_id: a profile cannot absorb itself".into(),
        ));
    }
    let p = &caller.0;
    let merge = state
        .store
        .merge_members(&Merge {
            workspace_id: p.workspace.id,
            keep: id,
            absorb: body.absorb_id,
            reason: "by_hand",
            confidence: 100,
            actor_id: Some(p.user.id),
            now: unix_now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"merge_id": merge, "kept_id": id})),
    )
        .into_response())
}

pub async fn undo_merge(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    may_merge(&caller)?;
    let p = &caller.0;
    let restored = state
        .store
        .undo_merge(p.workspace.id, id, p.user.id, unix_now())
        .await?;
    Ok(Json(json!({"restored_id": restored})))
}

pub async fn export(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let data = state
        .store
        .export_member(caller.0.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "member" })?;
    audit(
        &state,
        &caller,
        "member_exported",
        &format!("profile #{id} exported (API)"),
    )
    .await?;
    Ok(Json(data))
}

pub async fn erase(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let p = &caller.0;
    if state.store.person(p.workspace.id, id).await?.is_none() {
        return Err(jardinier_store::StoreError::NotFound { what: "member" }.into());
    }
    let erasure = state
        .store
        .erase_member(p.workspace.id, id, p.user.id, unix_now())
        .await?;
    Ok(Json(
        json!({"profiles": erasure.profiles, "identities": erasure.identities,
        "mentions": erasure.items, "conversations": erasure.conversations,
        "community_accounts": erasure.community_accounts}),
    ))
}

fn alert_json(a: &AlertEvent) -> Value {
    json!({"id": a.id, "rule_id": a.rule_id, "query_id": a.query_id, "fired_at": a.fired_at,
           "updated_at": a.updated_at, "summary": a.summary, "mention_count": a.item_count,
           "first_mention_id": a.first_item_id, "acknowledged_by": a.acknowledged_by,
           "acknowledged_at": a.acknowledged_at})
}

pub async fn alerts(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewListening)?;
    let limit = page.limit()?;
    let before = page.position(1)?.map(|p| p[0]).unwrap_or(i64::MAX);
    // Newest first: a cursor is the last id seen, and alerts raised meanwhile come before it.
    let found = state
        .store
        .alerts_before(caller.0.workspace.id, before, limit + 1)
        .await?;
    Ok(crate::api::keyset_page(found, limit, |a| a.id, alert_json))
}

pub async fn acknowledge(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageListening)?;
    let p = &caller.0;
    state
        .store
        .acknowledge_alert_in(p.workspace.id, id, &p.user.display_name, unix_now())
        .await?;
    let alert = state
        .store
        .alert(p.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "alert" })?;
    Ok(Json(alert_json(&alert)))
}

pub async fn alert_rules(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewListening)?;
    let rules = state.store.alert_rules(caller.0.workspace.id).await?;
    crate::api::by_id(rules, &page, |r| r.id, alert_rule_json)
}

pub async fn delete_alert_rule(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageListening)?;
    state
        .store
        .delete_alert_rule(caller.0.workspace.id, id)
        .await?;
    if let Some(engine) = &state.ingestor.alerts {
        engine.reload().await?;
    }
    audit(
        &state,
        &caller,
        "alert_rule_deleted",
        &format!("#{id} (API)"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAlertRuleBody {
    query_id: i64,
    kind: String,
    #[serde(default)]
    params: serde_json::Map<String, Value>,
    channels: Vec<ChannelBody>,
    /// The language of the alert's messages.
    #[serde(default = "french")]
    lang: String,
}

fn french() -> String {
    "fr".to_owned()
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelBody {
    kind: String,
    #[serde(default)]
    target: String,
}

/// The bounds the alert page keeps, per parameter: (name, minimum, maximum).
const RULE_BOUNDS: &[(&str, &str, f64, f64)] = &[
    ("volume_spike", "window_minutes", 1.0, 1440.0),
    ("volume_spike", "k", 0.0, 10.0),
    ("volume_spike", "min_volume", 1.0, 1_000_000.0),
    ("negative_spike", "window_minutes", 1.0, 1440.0),
    ("negative_spike", "k", 0.0, 10.0),
    ("negative_spike", "min_volume", 1.0, 1_000_000.0),
    ("high_reach", "min_reach", 1.0, 9.0e15),
];

pub async fn create_alert_rule(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewAlertRuleBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageListening)?;
    let p = &caller.0;
    let queries = state.store.listening_queries(p.workspace.id).await?;
    let Some(query) = queries.iter().find(|q| q.id == body.query_id) else {
        return Err(ApiError::invalid(
            "query_id",
            "error.required",
            format!(
                "query_id: no saved search {} in this workspace",
                body.query_id
            ),
        ));
    };
    if !["fr", "en"].contains(&body.lang.as_str()) {
        return Err(ApiError::invalid(
            "lang",
            "error.kind_invalid",
            "lang: fr or en".into(),
        ));
    }
    for (_, name, min, max) in RULE_BOUNDS.iter().filter(|(k, ..)| *k == body.kind) {
        if let Some(value) = body.params.get(*name)
            && value.as_f64().is_none_or(|v| v < *min || v > *max)
        {
            return Err(ApiError::invalid(
                "params",
                "error.number_out_of_range",
                format!("params.{name}: a number from {min} to {max}"),
            ));
        }
    }
    let params = Value::Object(body.params.clone()).to_string();
    jardinier_listening::alerts::parse_rule(&body.kind, &params)
        .map_err(|e| ApiError::invalid("params", "error.kind_invalid", e.to_string()))?;
    let channels = serde_json::to_string(&body.channels).expect("channels serialise");
    if body.channels.is_empty() {
        return Err(ApiError::invalid(
            "channels",
            "error.channels_invalid",
            "channels: at least one".into(),
        ));
    }
    jardinier_listening::alerts::parse_channels(&channels)
        .map_err(|e| ApiError::invalid("channels", "error.channels_invalid", e.to_string()))?;
    let mut stored = body.params;
    stored.insert("lang".into(), json!(body.lang));
    let rule = state
        .store
        .create_alert_rule(&jardinier_store::NewAlertRule {
            workspace_id: p.workspace.id,
            query_id: query.id,
            kind: &body.kind,
            params: &Value::Object(stored).to_string(),
            channels: &channels,
            now: unix_now(),
        })
        .await?;
    if let Some(engine) = &state.ingestor.alerts {
        engine.reload().await?;
    }
    audit(
        &state,
        &caller,
        "alert_rule_created",
        &format!("#{} {} on {} (API)", rule.id, rule.kind, query.name),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(alert_rule_json(&rule))).into_response())
}

fn alert_rule_json(r: &jardinier_store::AlertRule) -> Value {
    json!({"id": r.id, "query_id": r.query_id, "kind": r.kind,
           "params": serde_json::from_str::<Value>(&r.params).unwrap_or(Value::Null),
           "channels": serde_json::from_str::<Value>(&r.channels).unwrap_or(Value::Null),
           "enabled": r.enabled, "created_at": r.created_at})
}

fn saved_json(r: &SavedReply) -> Value {
    json!({"id": r.id, "name": r.name, "lang": r.lang, "text": r.body, "created_at": r.created_at})
}

pub async fn saved_replies(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewInbox)?;
    let replies = state.store.saved_replies(caller.0.workspace.id).await?;
    crate::api::by_id(replies, &page, |r| r.id, saved_json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSavedReply {
    name: String,
    lang: String,
    text: String,
}

pub async fn create_saved_reply(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSavedReply>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewInbox)?;
    caller.require(Permission::ReplyWithoutApproval)?;
    let tr = jardinier_i18n::Tr::new(jardinier_i18n::Lang::En);
    let (name, text) = (body.name.trim(), body.text.trim());
    if let Err((field, message)) = crate::pages::check_saved_reply(tr, name, &body.lang, text) {
        return Err(ApiError::invalid(
            field,
            "error.kind_invalid",
            format!("{field}: {message}"),
        ));
    }
    let saved = state
        .store
        .create_saved_reply(caller.0.workspace.id, name, &body.lang, text, unix_now())
        .await?;
    Ok((StatusCode::CREATED, Json(saved_json(&saved))).into_response())
}

pub async fn delete_saved_reply(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ViewInbox)?;
    caller.require(Permission::ReplyWithoutApproval)?;
    state
        .store
        .delete_saved_reply(caller.0.workspace.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn schemas() -> Value {
    let int = json!({"type": "integer", "format": "int64"});
    let string = json!({"type": "string"});
    let nullable_int = json!({"type": ["integer", "null"], "format": "int64"});
    let nullable_string = json!({"type": ["string", "null"]});
    let list = crate::api_doc::list_schema;
    let member = json!({"type": "object", "properties": {"id": int, "name": string,
        "tags": {"type": "array", "items": string},
        "fields": {"type": "array", "items": {"type": "object", "properties": {"name": string, "value": string}}},
        "identities": {"type": "array", "items": {"type": "object", "properties": {"id": int, "kind": string, "value": string, "verified": {"type": "boolean"}}}},
        "created_at": int, "updated_at": int}});
    json!({
        "Member": member,
        "MemberList": list("Member"),
        "MemberDetail": {"allOf": [{"$ref": "#/components/schemas/Member"}, {"type": "object", "properties": {
            "notes": {"type": "array", "items": {"type": "object"}},
            "merges": {"type": "array", "items": {"type": "object"}},
            "conversation_ids": {"type": "array", "items": int}}}]},
        "MemberChange": {"type": "object", "additionalProperties": false, "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "\\S"}},
            "fields": {"type": "array", "items": {"type": "object", "required": ["name", "value"], "additionalProperties": false, "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "\\S"}, "value": {"type": "string", "maxLength": 500}}}}}},
        "NewIdentity": {"type": "object", "required": ["kind", "value"], "additionalProperties": false, "properties": {
            "kind": {"type": "string", "enum": ["email", "mastodon", "bluesky", "handle", "website"]},
            "value": {"type": "string", "minLength": 1, "pattern": "\\S", "description": "Checked for its kind (422)."}}},
        "IdentityAdded": {"type": "object", "properties": {"outcome": {"type": "string", "enum": ["added", "already_there", "merged"]}, "merge_id": int, "merged_with": int}},
        "IdentityRef": {"type": "object", "required": ["identity_id"], "additionalProperties": false, "properties": {"identity_id": int}},
        "MemberNote": {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S"}}},
        "MemberMerge": {"type": "object", "required": ["absorb_id"], "additionalProperties": false,
            "properties": {"absorb_id": {"type": "integer", "format": "int64", "minimum": 1}}},
        "MergeDone": {"type": "object", "properties": {"merge_id": int, "kept_id": int}},
        "MergeUndone": {"type": "object", "properties": {"restored_id": int}},
        "MemberExport": {"type": "object"},
        "Erasure": {"type": "object", "properties": {"profiles": int, "identities": int, "mentions": int, "conversations": int}},
        "Alert": {"type": "object", "properties": {"id": int, "rule_id": int, "query_id": int, "fired_at": int,
            "updated_at": int, "summary": string, "mention_count": int, "first_mention_id": nullable_int,
            "acknowledged_by": nullable_string, "acknowledged_at": nullable_int}},
        "AlertList": list("Alert"),
        "AlertRule": {"type": "object", "properties": {"id": int, "query_id": int, "kind": string,
            "params": {"type": "object"}, "channels": {"type": "array", "items": {"$ref": "#/components/schemas/AlertChannel"}}, "enabled": {"type": "boolean"}, "created_at": int}},
        "AlertChannel": {"type": "object", "required": ["kind"], "additionalProperties": false, "properties": {
            "kind": {"type": "string", "enum": jardinier_listening::alerts::CHANNEL_KINDS},
            "target": {"type": "string", "description": "An e-mail address (email), an http(s) URL (slack, mattermost, discord, ntfy); none for oncall."}}},
        "NewAlertRule": {"type": "object", "required": ["query_id", "kind", "channels"], "additionalProperties": false, "properties": {
            "query_id": int,
            "kind": {"type": "string", "enum": ["volume_spike", "negative_spike", "keyword", "high_reach"]},
            "params": {"type": "object", "description": "volume_spike and negative_spike: window_minutes (1-1440), k (0-10), min_volume (1 or more); keyword: query (the query language); high_reach: min_reach (1 or more). Checked by the alert engine (422)."},
            "channels": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/AlertChannel"}},
            "lang": {"type": "string", "enum": ["fr", "en"]}}},
        "AlertRuleList": list("AlertRule"),
        "SavedReply": {"type": "object", "properties": {"id": int, "name": string, "lang": string, "text": string, "created_at": int}},
        "SavedReplyList": list("SavedReply"),
        "NewSavedReply": {"type": "object", "required": ["name", "lang", "text"], "additionalProperties": false, "properties": {
            "name": crate::api_listening::name_schema(),
            "lang": {"type": "string", "enum": ["fr", "en"]},
            "text": {"type": "string", "minLength": 1, "pattern": "\\S",
                "description": "Variables in double braces ({{first_name}}, …); an unknown variable or an unclosed brace is refused (422). A name already used is refused (409)."}}},
    })
}
