//! The OpenAPI 3.1 document of `/api/v1`, built from [`crate::api::ROUTES`] and each module's
//! schemas: every parameter, status and bound a route has, with the one error body.

use axum::Json;
use jardinier_domain::Role;
use serde_json::{Value, json};

use crate::api::ROUTES;
use crate::api_figures as figures;
use crate::api_inbox as inbox;
use crate::api_listening as listening;
use crate::api_posts as posts;
use crate::api_publishing as publishing;
use crate::api_sections as sections;
use crate::api_webhooks as webhooks;

/// A page of a list: its items and the cursor of the next page (null on the last).
pub(crate) fn list_schema(item: &str) -> Value {
    json!({"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
        "next_cursor": {"type": ["string", "null"]}}})
}

fn schemas() -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let roles =
        json!({"type": "string", "enum": Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()});
    let list = list_schema;
    let mut all = json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": string, "message": string, "position": {"type": "integer", "description": "Where in a query the error is (0-based character)."},
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
        "NewInvitation": {"type": "object", "required": ["email", "role"], "properties": {"email": {"type": "string", "format": "email", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "maxLength": 254}, "role": roles, "lang": {"type": "string", "enum": ["fr", "en"]}}},
        "AuditEntry": {"type": "object", "properties": {"id": int, "at": int, "actor": {"type": ["string", "null"]}, "action": string, "detail": string}},
        "AuditList": list("AuditEntry"),
    });
    for more in [
        listening::schemas(),
        inbox::schemas(),
        webhooks::schemas(),
        sections::schemas(),
        publishing::schemas(),
        posts::schemas(),
        figures::schemas(),
    ] {
        if let (Some(all), Value::Object(more)) = (all.as_object_mut(), more) {
            all.extend(more);
        }
    }
    all
}

/// The OpenAPI 3.1 document, built from [`ROUTES`]: every status a route can answer, with the
/// one error body.
pub fn openapi_document() -> Value {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let mut responses = serde_json::Map::new();
        let (status, schema) = route.response;
        let mut ok = json!({"description": "Success."});
        if let Some(schema) = schema {
            ok["content"] = json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}});
        }
        responses.insert(status.to_string(), ok);
        let has_id = route.path.contains("{id}");
        let has_body = route.request.is_some();
        let mut add = |status: &str, description: &str| {
            responses.insert(status.into(), error(description));
        };
        if has_id || has_body || !route.query.is_empty() {
            add(
                "400",
                "A path id that is not a whole number, a query parameter of the wrong type, or a body that is not JSON.",
            );
        }
        if route.permission.is_some() {
            add("401", "Missing, unknown or revoked token.");
            add("403", "The token owner's role does not allow this.");
            add(
                "429",
                "The token made more calls in a minute than the server allows (`api.requests_per_minute`); `Retry-After` says in how many seconds to call again.",
            );
        }
        if has_id {
            add("404", "No such resource in the token's workspace.");
        }
        let upload = route.request == Some("bytes");
        if upload {
            add("413", "The file is larger than the server's upload limit.");
            add(
                "415",
                "The body is not sent as an image, a video or application/octet-stream.",
            );
        } else if has_body {
            add("413", "The body is larger than 1 MiB.");
            add(
                "415",
                "The body is not sent as `Content-Type: application/json`.",
            );
        }
        if route.method != "get" && route.permission.is_some() {
            add(
                "409",
                "The change conflicts with the workspace's state (a name already used, a merge that later changes depend on).",
            );
        }
        if has_body || !route.query.is_empty() {
            add("422", "Invalid fields or parameters: see `fields`.");
        }
        let mut operation = json!({
            "summary": route.summary,
            "operationId": format!("{}{}", route.method, route.path.replace(['/', '.', '{', '}'], "_")),
            "responses": responses,
        });
        if route.permission.is_none() {
            operation["security"] = json!([]);
        }
        if upload {
            let bytes = json!({"schema": {"type": "string", "format": "binary"}});
            operation["requestBody"] = json!({"required": true, "content": {
                "image/jpeg": bytes, "image/png": bytes, "image/gif": bytes, "image/webp": bytes,
                "video/mp4": bytes, "video/quicktime": bytes, "application/octet-stream": bytes}});
        } else if let Some(request) = route.request {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{request}")}}}});
        }
        let mut parameters = Vec::new();
        if has_id {
            parameters.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}));
        }
        for param in route.query {
            let schema: Value =
                serde_json::from_str(param.schema).expect("parameter schemas are JSON");
            parameters.push(json!({"name": param.name, "in": "query", "required": false, "description": param.description, "schema": schema}));
        }
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        entry[route.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Jardinier API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Personal API tokens (Settings → API tokens) act in one workspace with their owner's role. Errors share one body: {\"error\": {\"code\", \"message\", \"fields\"}}. Lists are paged: `limit` (1 to 200) and `cursor`, the `next_cursor` of the previous page."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas()},
    })
}

pub(crate) async fn openapi() -> Json<Value> {
    Json(openapi_document())
}
