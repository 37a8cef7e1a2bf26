//! The JSON API under `/api/v1`, authenticated with personal API tokens
//! (`Authorization: Bearer jdn_…`). A token acts in one workspace with its owner's current role
//! there.
//!
//! [`ROUTES`] is the single list of endpoints: the router is built from it and so is the
//! OpenAPI document at `/api/v1/openapi.json`, so the document cannot forget a route.
//! Every error has the same body: `{"error": {"code", "message", "fields": [...]}}`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};
use axum::{Json, Router};
use jardinier_domain::{InvitationRequest, Permission, Role, Section, ValidationErrors};
use jardinier_i18n::{Lang, Tr};
use jardinier_store::{ApiPrincipal, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_inbox as inbox;
use crate::api_listening as listening;
use crate::error::ErrorKind;
use crate::pages::settings_api::{InviteError, create_invitation};
use crate::{SharedState, auth, unix_now};

/// One endpoint: how it is documented and which handler serves it.
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Needs a token; `None` for public endpoints.
    pub permission: Option<Option<Permission>>,
    pub request: Option<&'static str>,
    /// Schema of the success body and its status.
    pub response: (u16, Option<&'static str>),
    handler: fn() -> MethodRouter<SharedState>,
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/openapi.json",
        summary: "This document.",
        permission: None,
        request: None,
        response: (200, None),
        handler: || get(openapi),
    },
    ApiRoute {
        method: "get",
        path: "/me",
        summary: "The token's user, workspace, role and permissions.",
        permission: Some(None),
        request: None,
        response: (200, Some("Me")),
        handler: || get(me),
    },
    ApiRoute {
        method: "get",
        path: "/workspace",
        summary: "The token's workspace and the sections its role may open.",
        permission: Some(None),
        request: None,
        response: (200, Some("Workspace")),
        handler: || get(workspace),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/team",
        summary: "The people who work in the workspace, with their roles.",
        permission: Some(None),
        request: None,
        response: (200, Some("TeamList")),
        handler: || get(team),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/invitations",
        summary: "Pending invitations.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        response: (200, Some("InvitationList")),
        handler: || get(list_invitations),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/invitations",
        summary: "Invite someone by e-mail with a role; the e-mail goes through the mail outbox.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: Some("NewInvitation"),
        response: (201, Some("Invitation")),
        handler: || post(invite),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/invitations/{id}",
        summary: "Revoke a pending invitation.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        response: (204, None),
        handler: || delete(revoke_invitation),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/audit",
        summary: "The workspace's audit log, newest first (200 entries).",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        response: (200, Some("AuditList")),
        handler: || get(audit_log),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/sources",
        summary: "Listening sources with their state: status, last fetch, last error in words, item count.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        response: (200, Some("SourceList")),
        handler: || get(listening::list_sources),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/sources",
        summary: "Add a source. `config` by kind: feed {url}; mastodon {base, search: hashtag, stream: true for live statuses} with an optional `token`; bluesky and hackernews {search} (base optional); imap {host, port, security: tls|starttls|none, username, mailbox} with `password`; webhook {} (the answer carries its signing `secret`, shown once).",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("NewSource"),
        response: (201, Some("Source")),
        handler: || post(listening::create_source),
    },
    ApiRoute {
        method: "patch",
        path: "/workspace/sources/{id}",
        summary: "Pause (`{\"enabled\": false}`) or resume a source.",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("SourceChange"),
        response: (200, Some("Source")),
        handler: || patch(listening::update_source),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/queries",
        summary: "Saved searches.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        response: (200, Some("QueryList")),
        handler: || get(listening::list_queries),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/queries",
        summary: "Save a search. An invalid query is refused with its message and `position`.",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("NewQuery"),
        response: (201, Some("Query")),
        handler: || post(listening::create_query),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/mentions",
        summary: "Mentions, newest first. Filters: query (saved search id), q (archive words), sentiment, lang, from and to (YYYY-MM-DD), author; before (next_before of the previous page), limit (at most 200).",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        response: (200, Some("MentionList")),
        handler: || get(listening::list_mentions),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/mentions/{id}/inbox",
        summary: "Send a mention to the inbox: it joins the conversation of what it answers, or opens one.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        response: (201, Some("SentToInbox")),
        handler: || post(inbox::send_mention),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/conversations",
        summary: "Inbox conversations, newest activity first. Filters: state (open, the default, or new, assigned, waiting, done), who (me, nobody), label, queue, q (words of the messages, or the person's name or identity).",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        response: (200, Some("ConversationList")),
        handler: || get(inbox::list),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/conversations/{id}",
        summary: "One conversation with its mentions (oldest first) and its history.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        response: (200, Some("ConversationDetail")),
        handler: || get(inbox::show),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/conversations/{id}/changes",
        summary: "Change a conversation: exactly one of assign (a teammate's id, or null), state, priority, note.",
        permission: Some(Some(Permission::ViewInbox)),
        request: Some("ConversationChange"),
        response: (200, Some("Conversation")),
        handler: || post(inbox::change),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/conversations/{id}/replies",
        summary: "Reply to the conversation's person on their channel (through the reply outbox: 202, then its status in the conversation's replies). Moderators' replies and replies on urgent conversations wait for a manager's approval.",
        permission: Some(Some(Permission::ViewInbox)),
        request: Some("NewReply"),
        response: (202, Some("Reply")),
        handler: || post(inbox::reply),
    },
];

pub fn routes() -> Router<SharedState> {
    ROUTES.iter().fold(Router::new(), |router, route| {
        router.route(route.path, (route.handler)())
    })
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<(&'static str, &'static str)>,
    /// Where in a query the parse error is (0-based character index).
    pub(crate) position: Option<usize>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            position: None,
        }
    }

    /// One invalid field, with a message that says what is wrong in it.
    pub(crate) fn invalid(field: &'static str, code: &'static str, message: String) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message,
            fields: vec![(field, code)],
            position: None,
        }
    }

    pub fn from_kind(kind: ErrorKind) -> ApiError {
        let message = match kind {
            ErrorKind::NotFound => "No such resource. See /api/v1/openapi.json for the routes.",
            ErrorKind::Forbidden => "Your role in this workspace does not allow this.",
            ErrorKind::MethodNotAllowed => {
                "This route does not accept this method; the Allow header lists those it does."
            }
            ErrorKind::Csrf => "Forbidden.",
            ErrorKind::TooLarge => "The request body is larger than 1 MiB.",
            ErrorKind::Internal => "Something went wrong on the server; it has been logged.",
        };
        let code = match kind {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Forbidden | ErrorKind::Csrf => "forbidden",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::TooLarge => "payload_too_large",
            ErrorKind::Internal => "internal",
        };
        ApiError::new(kind.status(), code, message)
    }

    pub(crate) fn validation(errors: ValidationErrors) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: "Some fields are invalid; see `fields`.".into(),
            fields: errors.0.iter().map(|e| (e.field, e.message)).collect(),
            position: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what } => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("No such {what}."),
            ),
            other => {
                tracing::error!(error = %other, "API request failed");
                ApiError::from_kind(ErrorKind::Internal)
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let en = Tr::new(Lang::En);
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|(field, code)| json!({"field": field, "code": code.trim_start_matches("error."), "message": en.t(code)}))
            .collect();
        let mut body =
            json!({"error": {"code": self.code, "message": self.message, "fields": fields}});
        if let Some(position) = self.position {
            body["error"]["position"] = json!(position);
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The caller, from its bearer token.
pub struct Caller(pub ApiPrincipal);

impl Caller {
    pub(crate) fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.0.role.can(permission) {
            Ok(())
        } else {
            Err(ApiError::from_kind(ErrorKind::Forbidden))
        }
    }
}

impl FromRequestParts<SharedState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized =
            |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            unauthorized(
                "Send a personal API token: `Authorization: Bearer jdn_…` (Settings → API tokens).",
            )
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with(auth::API_TOKEN_PREFIX))
            .ok_or_else(|| unauthorized("The Authorization header must be `Bearer jdn_…`."))?;
        let principal = state
            .store
            .authenticate_api_token(&auth::token_hash(token), unix_now())
            .await?
            .ok_or_else(|| {
                unauthorized("This token is unknown or revoked, or its owner left the workspace.")
            })?;
        if !principal.role.can(Permission::UseApi) {
            return Err(ApiError::from_kind(ErrorKind::Forbidden));
        }
        Ok(Caller(principal))
    }
}

fn permissions_of(role: Role) -> Vec<&'static str> {
    use Permission::*;
    [
        (ViewInbox, "view_inbox"),
        (ViewListening, "view_listening"),
        (ViewPublishing, "view_publishing"),
        (ViewCommunity, "view_community"),
        (ViewMembers, "view_members"),
        (ViewAnimation, "view_animation"),
        (ViewReports, "view_reports"),
        (ManageWorkspace, "manage_workspace"),
        (UseApi, "use_api"),
        (ManageListening, "manage_listening"),
    ]
    .into_iter()
    .filter(|(p, _)| role.can(*p))
    .map(|(_, name)| name)
    .collect()
}

fn workspace_json(p: &ApiPrincipal) -> Value {
    json!({"slug": p.workspace.slug, "name": p.workspace.name, "timezone": p.workspace.timezone})
}

async fn me(Caller(p): Caller) -> Json<Value> {
    Json(json!({
        "user": {"id": p.user.id, "email": p.user.email, "display_name": p.user.display_name, "lang": p.user.lang},
        "workspace": workspace_json(&p),
        "role": p.role.as_str(),
        "permissions": permissions_of(p.role),
    }))
}

async fn workspace(Caller(p): Caller) -> Json<Value> {
    let sections: Vec<Value> = Section::ALL
        .into_iter()
        .map(|s| json!({"slug": s.slug(), "allowed": p.role.can(s.permission()), "available": false}))
        .collect();
    let mut body = workspace_json(&p);
    body["sections"] = Value::Array(sections);
    Json(body)
}

async fn team(
    State(state): State<SharedState>,
    Caller(p): Caller,
) -> Result<Json<Value>, ApiError> {
    let members: Vec<Value> = state
        .store
        .members(p.workspace.id)
        .await?
        .into_iter()
        .map(|m| json!({"id": m.user.id, "display_name": m.user.display_name, "email": m.user.email, "role": m.role.as_str(), "joined_at": m.joined_at}))
        .collect();
    Ok(Json(json!({"items": members})))
}

fn invitation_json(i: &jardinier_store::Invitation) -> Value {
    json!({"id": i.id, "email": i.email, "role": i.role.as_str(), "created_at": i.created_at, "expires_at": i.expires_at})
}

async fn list_invitations(
    State(state): State<SharedState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let items: Vec<Value> = state
        .store
        .pending_invitations(caller.0.workspace.id, unix_now())
        .await?
        .iter()
        .map(invitation_json)
        .collect();
    Ok(Json(json!({"items": items})))
}

#[derive(Deserialize)]
struct NewInvitationBody {
    email: String,
    role: String,
    /// Language of the invitation e-mail, "fr" or "en" (default: the inviter's).
    #[serde(default)]
    lang: Option<String>,
}

async fn invite(
    State(state): State<SharedState>,
    caller: Caller,
    body: Result<Json<NewInvitationBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let Json(body) = body?;
    let request = InvitationRequest::parse(caller.0.role, &body.email, &body.role)
        .map_err(ApiError::validation)?;
    let lang = body
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .or_else(|| caller.0.user.lang.as_deref().and_then(Lang::parse))
        .unwrap_or_default();
    let p = &caller.0;
    let invitation = create_invitation(
        &state,
        p.workspace.id,
        &p.workspace.name,
        &p.user,
        &request,
        Tr::new(lang),
    )
    .await
    .map_err(|e| match e {
        InviteError::AlreadyMember => ApiError::validation(
            jardinier_domain::FieldError::new("email", "error.already_member").into(),
        ),
        InviteError::Failed(error) => {
            tracing::error!(%error, "API invitation failed");
            ApiError::from_kind(ErrorKind::Internal)
        }
    })?;
    Ok((StatusCode::CREATED, Json(invitation_json(&invitation))).into_response())
}

async fn revoke_invitation(
    State(state): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    state
        .store
        .revoke_invitation(caller.0.workspace.id, id, unix_now())
        .await?;
    crate::pages::audit(
        &state,
        Some(caller.0.workspace.id),
        Some(caller.0.user.id),
        "invitation_revoked",
        &id.to_string(),
    )
    .await
    .map_err(|_| ApiError::from_kind(ErrorKind::Internal))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit_log(
    State(state): State<SharedState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let items: Vec<Value> = state
        .store
        .audit_log(caller.0.workspace.id, 200)
        .await?
        .into_iter()
        .map(|e| json!({"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}))
        .collect();
    Ok(Json(json!({"items": items})))
}

fn schemas() -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let roles =
        json!({"type": "string", "enum": Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()});
    let list = |item: &str| json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}}}});
    let mut all = json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": string, "message": string,
            "fields": {"type": "array", "items": {"type": "object", "properties": {"field": string, "code": string, "message": string}}}}}}},
        "WorkspaceRef": {"type": "object", "properties": {"slug": string, "name": string, "timezone": string}},
        "Me": {"type": "object", "properties": {
            "user": {"type": "object", "properties": {"id": int, "email": string, "display_name": string, "lang": {"type": ["string", "null"]}}},
            "workspace": {"$ref": "#/components/schemas/WorkspaceRef"}, "role": roles, "permissions": {"type": "array", "items": string}}},
        "Workspace": {"allOf": [{"$ref": "#/components/schemas/WorkspaceRef"}, {"type": "object", "properties": {"sections": {"type": "array", "items": {"type": "object", "properties": {"slug": string, "allowed": {"type": "boolean"}, "available": {"type": "boolean"}}}}}}]},
        "TeamMember": {"type": "object", "properties": {"id": int, "display_name": string, "email": string, "role": roles, "joined_at": int}},
        "TeamList": list("TeamMember"),
        "Invitation": {"type": "object", "properties": {"id": int, "email": string, "role": roles, "created_at": int, "expires_at": int}},
        "InvitationList": list("Invitation"),
        "NewInvitation": {"type": "object", "required": ["email", "role"], "properties": {"email": string, "role": roles, "lang": {"type": "string", "enum": ["fr", "en"]}}},
        "AuditEntry": {"type": "object", "properties": {"id": int, "at": int, "actor": {"type": ["string", "null"]}, "action": string, "detail": string}},
        "AuditList": list("AuditEntry"),
    });
    for more in [listening::schemas(), inbox::schemas()] {
        if let (Some(all), Value::Object(more)) = (all.as_object_mut(), more) {
            all.extend(more);
        }
    }
    all
}

/// The OpenAPI 3.1 document, built from [`ROUTES`].
pub fn openapi_document() -> Value {
    let error_ref = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let mut responses = serde_json::Map::new();
        let (status, schema) = route.response;
        let mut ok = json!({"description": "Success."});
        if let Some(schema) = schema {
            ok["content"] = json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}});
        }
        responses.insert(status.to_string(), ok);
        if route.permission.is_some() {
            responses.insert("401".into(), json!({"description": "Missing, unknown or revoked token.", "content": error_ref["content"]}));
        }
        if matches!(route.permission, Some(Some(_))) {
            responses.insert("403".into(), json!({"description": "The token owner's role does not allow this.", "content": error_ref["content"]}));
        }
        if route.request.is_some() {
            responses.insert(
                "422".into(),
                json!({"description": "Invalid fields.", "content": error_ref["content"]}),
            );
        }
        let mut operation = json!({
            "summary": route.summary,
            "operationId": format!("{}{}", route.method, route.path.replace(['/', '.', '{', '}'], "_")),
            "responses": responses,
        });
        if route.permission.is_none() {
            operation["security"] = json!([]);
        }
        if let Some(request) = route.request {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{request}")}}}});
        }
        if route.path.contains("{id}") {
            operation["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
        }
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        entry[route.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Jardinier API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Personal API tokens (Settings → API tokens) act in one workspace with their owner's role. Errors share one body: {\"error\": {\"code\", \"message\", \"fields\"}}."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas()},
    })
}

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}
