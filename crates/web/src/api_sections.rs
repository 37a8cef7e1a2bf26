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

fn audit_error(_: crate::error::WebError) -> ApiError {
    ApiError::from_kind(crate::error::ErrorKind::Internal)
}

async fn audit(
    state: &SharedState,
    caller: &Caller,
    action: &str,
    detail: &str,
) -> Result<(), ApiError> {
    let p = &caller.0;
    crate::pages::audit(state, Some(p.workspace.id), Some(p.user.id), action, detail)
        .await
        .map_err(audit_error)
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
    let people = state
        .store
        .people(caller.0.workspace.id, q, 100_000)
        .await?;
    crate::api::by_id(people, &page, |r| r.person.id, person_json)
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
        "mentions": erasure.items, "conversations": erasure.conversations}),
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
    let all = state.store.alerts(caller.0.workspace.id, 100_000).await?;
    let mut page_items: Vec<&AlertEvent> = all.iter().filter(|a| a.id < before).collect();
    page_items.sort_by_key(|a| std::cmp::Reverse(a.id));
    let more = page_items.len() as i64 > limit;
    page_items.truncate(limit as usize);
    let next = more
        .then(|| page_items.last().map(|a| a.id.to_string()))
        .flatten();
    let items: Vec<Value> = page_items.into_iter().map(alert_json).collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
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
        .alerts(p.workspace.id, 100_000)
        .await?
        .into_iter()
        .find(|a| a.id == id)
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
    crate::api::by_id(
        rules,
        &page,
        |r| r.id,
        |r| {
            json!({"id": r.id, "query_id": r.query_id, "kind": r.kind,
               "params": serde_json::from_str::<Value>(&r.params).unwrap_or(Value::Null),
               "channels": r.channels.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>(),
               "enabled": r.enabled, "created_at": r.created_at})
        },
    )
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
            "params": {}, "channels": {"type": "array", "items": string}, "enabled": {"type": "boolean"}, "created_at": int}},
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
