//! The JSON API under `/api/v1`, authenticated with personal API tokens
//! (`Authorization: Bearer jdn_…`). A token acts in one workspace with its owner's current role
//! there.
//!
//! [`ROUTES`] is the single list of endpoints: the router is built from it and so is the
//! OpenAPI document at `/api/v1/openapi.json`, so the document cannot forget a route.
//! Every error has the same body: `{"error": {"code", "message", "fields": [...]}}`.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use axum::{Json, Router};
use jardinier_domain::{InvitationRequest, Permission, Role, Section, ValidationErrors};
use jardinier_i18n::{Lang, Tr};
use jardinier_store::{ApiPrincipal, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams, encode_cursor, page_of};
use crate::api_figures as figures;
use crate::api_inbox as inbox;
use crate::api_listening as listening;
use crate::api_posts as posts;
use crate::api_publishing as publishing;
use crate::api_sections as sections;
use crate::api_webhooks as webhooks;
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
    /// Query parameters: filters, sorting, and for lists `limit` and `cursor`.
    pub query: &'static [Param],
    /// Schema of the success body and its status.
    pub response: (u16, Option<&'static str>),
    handler: fn() -> MethodRouter<SharedState>,
}

/// A query parameter, documented with its JSON schema.
pub struct Param {
    pub name: &'static str,
    pub schema: &'static str,
    pub description: &'static str,
}

const LIMIT: Param = Param {
    name: "limit",
    schema: r#"{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}"#,
    description: "At most this many items (1 to 200).",
};
const CURSOR: Param = Param {
    name: "cursor",
    schema: r#"{"type": "string", "pattern": "^([0-9]{1,18})?$"}"#,
    description: "The `next_cursor` of the previous page; absent for the first page. Pages do not shift when items are added meanwhile.",
};
/// The cursor of a list sorted by a time, then an id.
const CURSOR_PAIR: Param = Param {
    name: "cursor",
    schema: r#"{"type": "string", "pattern": "^([0-9]{1,18}\\.[0-9]{1,18})?$"}"#,
    description: "The `next_cursor` of the previous page; absent for the first page. Pages do not shift when items are added meanwhile.",
};
/// A list's pagination, and nothing else.
const PAGED: &[Param] = &[LIMIT, CURSOR];

const MENTION_FILTERS: &[Param] = &[
    LIMIT,
    CURSOR,
    Param {
        name: "query",
        schema: r#"{"type": "string"}"#,
        description: "A saved search's id: only the mentions it matched.",
    },
    Param {
        name: "q",
        schema: r#"{"type": "string"}"#,
        description: "Archive words: every word must be in the mention (inflections too).",
    },
    Param {
        name: "sentiment",
        schema: r#"{"type": "string", "enum": ["", "positive", "neutral", "negative"]}"#,
        description: "Only mentions of this tone.",
    },
    Param {
        name: "lang",
        schema: r#"{"type": "string", "enum": ["", "fr", "en", "unknown"]}"#,
        description: "Only mentions in this language.",
    },
    Param {
        name: "from",
        schema: r#"{"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]}"#,
        description: "From this day (YYYY-MM-DD, the workspace's time zone).",
    },
    Param {
        name: "to",
        schema: r#"{"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]}"#,
        description: "Until this day, included (YYYY-MM-DD, the workspace's time zone).",
    },
    Param {
        name: "author",
        schema: r#"{"type": "string"}"#,
        description: "Only mentions by this author or handle.",
    },
    Param {
        name: "before",
        schema: r#"{"type": "integer", "format": "int64"}"#,
        description: "Older than this mention id (the `next_before` of the previous page; `cursor` does the same).",
    },
];

const MEMBER_SEARCH: &[Param] = &[
    LIMIT,
    CURSOR,
    Param {
        name: "q",
        schema: r#"{"type": "string"}"#,
        description: "Part of a name or an identity (e-mail, handle), any case.",
    },
];

const CONVERSATION_FILTERS: &[Param] = &[
    LIMIT,
    CURSOR_PAIR,
    Param {
        name: "state",
        schema: r#"{"type": "string", "enum": ["", "open", "new", "assigned", "waiting", "done"]}"#,
        description: "open (the default: not done), or one state.",
    },
    Param {
        name: "who",
        schema: r#"{"type": "string", "enum": ["", "anyone", "me", "nobody"]}"#,
        description: "Assigned to the token's owner, or to nobody.",
    },
    Param {
        name: "label",
        schema: r#"{"type": "string"}"#,
        description: "Only conversations with this label.",
    },
    Param {
        name: "queue",
        schema: r#"{"type": "string"}"#,
        description: "Only conversations in this team queue.",
    },
    Param {
        name: "q",
        schema: r#"{"type": "string"}"#,
        description: "Words of one message, or part of the person's name or identity.",
    },
];

const CALENDAR: &[Param] = &[
    LIMIT,
    CURSOR_PAIR,
    Param {
        name: "from",
        schema: r#"{"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]}"#,
        description: "The first day (YYYY-MM-DD, the workspace's time zone); today by default.",
    },
    Param {
        name: "to",
        schema: r#"{"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]}"#,
        description: "The last day, included; 31 days after `from` by default, at most 400.",
    },
];

const UPLOAD: &[Param] = &[
    Param {
        name: "filename",
        schema: r#"{"type": "string", "maxLength": 200}"#,
        description: "The file's name, as the library shows it.",
    },
    Param {
        name: "alt",
        schema: r#"{"type": "string", "maxLength": 2000}"#,
        description: "Its description, read aloud to people who cannot see it.",
    },
];

const DAYS: &[Param] = &[Param {
    name: "days",
    schema: r#"{"type": "integer", "enum": [1, 7, 30, 90], "default": 7}"#,
    description: "The period: the last 1, 7, 30 or 90 days.",
}];

const RESULT_DAYS: &[Param] = &[Param {
    name: "days",
    schema: r#"{"type": "integer", "minimum": 1, "maximum": 730, "default": 90}"#,
    description: "The posts published in the last this many days.",
}];

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/openapi.json",
        summary: "This document.",
        permission: None,
        request: None,
        query: &[],
        response: (200, None),
        handler: || get(crate::api_doc::openapi),
    },
    ApiRoute {
        method: "get",
        path: "/me",
        summary: "The token's user, workspace, role and permissions.",
        permission: Some(None),
        request: None,
        query: &[],
        response: (200, Some("Me")),
        handler: || get(me),
    },
    ApiRoute {
        method: "get",
        path: "/workspace",
        summary: "The token's workspace and the sections its role may open.",
        permission: Some(None),
        request: None,
        query: &[],
        response: (200, Some("Workspace")),
        handler: || get(workspace),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/team",
        summary: "The people who work in the workspace, with their roles.",
        permission: Some(None),
        request: None,
        query: PAGED,
        response: (200, Some("TeamList")),
        handler: || get(team),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/invitations",
        summary: "Pending invitations.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: PAGED,
        response: (200, Some("InvitationList")),
        handler: || get(list_invitations),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/invitations",
        summary: "Invite someone by e-mail with a role; the e-mail goes through the mail outbox. Someone already in the workspace is refused (422); a role above the inviter's too (403).",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: Some("NewInvitation"),
        query: &[],
        response: (201, Some("Invitation")),
        handler: || post(invite),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/invitations/{id}",
        summary: "Revoke a pending invitation.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(revoke_invitation),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/audit",
        summary: "The workspace's audit log, newest first.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: PAGED,
        response: (200, Some("AuditList")),
        handler: || get(audit_log),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/sources",
        summary: "Listening sources with their state: status, last fetch, last error in words, item count.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        query: PAGED,
        response: (200, Some("SourceList")),
        handler: || get(listening::list_sources),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/sources",
        summary: "Add a source. `config` by kind: feed {url}; mastodon {base, search: hashtag, stream: true for live statuses} with an optional `token`; bluesky and hackernews {search} (base optional); imap {host, port, security: tls|starttls|none, username, mailbox} with `password`; webhook {} (the answer carries its signing `secret`, shown once). Settings the kind's connector cannot use are refused (422) with its words.",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("NewSource"),
        query: &[],
        response: (201, Some("Source")),
        handler: || post(listening::create_source),
    },
    ApiRoute {
        method: "patch",
        path: "/workspace/sources/{id}",
        summary: "Pause (`{\"enabled\": false}`) or resume a source.",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("SourceChange"),
        query: &[],
        response: (200, Some("Source")),
        handler: || patch(listening::update_source),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/queries",
        summary: "Saved searches.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        query: PAGED,
        response: (200, Some("QueryList")),
        handler: || get(listening::list_queries),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/queries",
        summary: "Save a search. An invalid query is refused with its message and `position`.",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("NewQuery"),
        query: &[],
        response: (201, Some("Query")),
        handler: || post(listening::create_query),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/mentions",
        summary: "Mentions, newest first, filtered.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        query: MENTION_FILTERS,
        response: (200, Some("MentionList")),
        handler: || get(listening::list_mentions),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/mentions/{id}/inbox",
        summary: "Send a mention to the inbox: it joins the conversation of what it answers, or opens one.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: &[],
        response: (201, Some("SentToInbox")),
        handler: || post(inbox::send_mention),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/conversations",
        summary: "Inbox conversations, newest activity first, filtered.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: CONVERSATION_FILTERS,
        response: (200, Some("ConversationList")),
        handler: || get(inbox::list),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/conversations/{id}",
        summary: "One conversation with its mentions (oldest first) and its history.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: &[],
        response: (200, Some("ConversationDetail")),
        handler: || get(inbox::show),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/conversations/{id}/changes",
        summary: "Change a conversation: exactly one of assign (a teammate's id, or null), state, priority, note, add_label, remove_label, queue (a team queue, or null). Someone who is not a teammate working the inbox is refused (422).",
        permission: Some(Some(Permission::ViewInbox)),
        request: Some("ConversationChange"),
        query: &[],
        response: (200, Some("Conversation")),
        handler: || post(inbox::change),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/conversations/{id}/replies",
        summary: "Reply to the conversation's person on their channel (through the reply outbox: 202, then its status in the conversation's replies). A text longer than the channel takes, or a channel that takes no replies, is refused (422). Moderators' replies and replies on urgent conversations wait for a manager's approval.",
        permission: Some(Some(Permission::ViewInbox)),
        request: Some("NewReply"),
        query: &[],
        response: (202, Some("Reply")),
        handler: || post(inbox::reply),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/webhooks",
        summary: "Addresses the workspace's events are posted to (outgoing webhooks), with their delivery counts.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: PAGED,
        response: (200, Some("WebhookList")),
        handler: || get(webhooks::list),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/webhooks",
        summary: "Post these events to an address, signed (X-Jardinier-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">); the answer carries the signing `secret`, shown once.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: Some("NewWebhook"),
        query: &[],
        response: (201, Some("Webhook")),
        handler: || post(webhooks::create),
    },
    ApiRoute {
        method: "patch",
        path: "/workspace/webhooks/{id}",
        summary: "Pause (`{\"enabled\": false}`) or resume an address: paused, it receives nothing, and events meanwhile are not kept for it.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: Some("WebhookChange"),
        query: &[],
        response: (200, Some("Webhook")),
        handler: || patch(webhooks::update),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/webhooks/{id}",
        summary: "Stop posting to an address; its delivery log goes with it.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(webhooks::delete),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/webhooks/{id}/test",
        summary: "Queue a `webhook.test` event to this address.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: &[],
        response: (202, Some("WebhookTest")),
        handler: || post(webhooks::test),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/webhooks/{id}/deliveries",
        summary: "The address's delivery log, newest first: each event's status, attempts and last answer.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: PAGED,
        response: (200, Some("WebhookDeliveryList")),
        handler: || get(webhooks::deliveries),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/webhook-deliveries/{id}/redeliver",
        summary: "Send a delivered or given-up delivery again, with a fresh count of attempts.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: &[],
        response: (202, None),
        handler: || post(webhooks::redeliver),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/members",
        summary: "Member profiles (not merged away); `q` searches names and identities.",
        permission: Some(Some(Permission::ViewMembers)),
        request: None,
        query: MEMBER_SEARCH,
        response: (200, Some("MemberList")),
        handler: || get(sections::members),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/members/{id}",
        summary: "One profile: identities, tags, fields, notes, merges and conversations.",
        permission: Some(Some(Permission::ViewMembers)),
        request: None,
        query: &[],
        response: (200, Some("MemberDetail")),
        handler: || get(sections::member),
    },
    ApiRoute {
        method: "patch",
        path: "/workspace/members/{id}",
        summary: "Rename a profile, or replace its tags or custom fields; what is not given stays.",
        permission: Some(Some(Permission::ViewMembers)),
        request: Some("MemberChange"),
        query: &[],
        response: (200, Some("Member")),
        handler: || patch(sections::update_member),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/members/{id}/identities",
        summary: "Add an identity (e-mail, Mastodon, Bluesky, handle, website) to a profile, checked for its kind (422). One another profile has unverified is refused (409); with a verified one the two are the same person and merged (undoable).",
        permission: Some(Some(Permission::ViewMembers)),
        request: Some("NewIdentity"),
        query: &[],
        response: (200, Some("IdentityAdded")),
        handler: || post(sections::add_identity),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/members/{id}/identities/remove",
        summary: "Take an identity off a profile.",
        permission: Some(Some(Permission::ViewMembers)),
        request: Some("IdentityRef"),
        query: &[],
        response: (204, None),
        handler: || post(sections::remove_identity),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/members/{id}/notes",
        summary: "Add an internal note to a profile (never shown to the person).",
        permission: Some(Some(Permission::ViewMembers)),
        request: Some("MemberNote"),
        query: &[],
        response: (201, None),
        handler: || post(sections::add_note),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/members/{id}/merge",
        summary: "Merge the profile `absorb_id` into this one (undoable). Profiles that changed since are refused (409).",
        permission: Some(Some(Permission::ViewMembers)),
        request: Some("MemberMerge"),
        query: &[],
        response: (201, Some("MergeDone")),
        handler: || post(sections::merge),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/member-merges/{id}/undo",
        summary: "Undo a merge: the absorbed profile comes back with what it brought. Refused (409) once later merges depend on it.",
        permission: Some(Some(Permission::ViewMembers)),
        request: None,
        query: &[],
        response: (200, Some("MergeUndone")),
        handler: || post(sections::undo_merge),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/members/{id}/export",
        summary: "Everything about the person, as JSON (a subject access request); recorded in the audit log.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: &[],
        response: (200, Some("MemberExport")),
        handler: || get(sections::export),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/members/{id}",
        summary: "Erase the person: profiles, identities, their mentions and conversations, their community account and posts, and their traces elsewhere. Answers what was erased.",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: None,
        query: &[],
        response: (200, Some("Erasure")),
        handler: || delete(sections::erase),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/alerts",
        summary: "Alerts raised, newest first.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        query: PAGED,
        response: (200, Some("AlertList")),
        handler: || get(sections::alerts),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/alerts/{id}/acknowledge",
        summary: "Take an alert in charge.",
        permission: Some(Some(Permission::ManageListening)),
        request: None,
        query: &[],
        response: (200, Some("Alert")),
        handler: || post(sections::acknowledge),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/alert-rules",
        summary: "Alert rules.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        query: PAGED,
        response: (200, Some("AlertRuleList")),
        handler: || get(sections::alert_rules),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/alert-rules",
        summary: "Add an alert rule on a saved search: volume or negative spike, watched words, or a high-reach author, delivered to its channels. An unknown saved search, a channel without its target or parameters out of bounds are refused (422).",
        permission: Some(Some(Permission::ManageListening)),
        request: Some("NewAlertRule"),
        query: &[],
        response: (201, Some("AlertRule")),
        handler: || post(sections::create_alert_rule),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/alert-rules/{id}",
        summary: "Delete an alert rule.",
        permission: Some(Some(Permission::ManageListening)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(sections::delete_alert_rule),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/saved-replies",
        summary: "Saved replies, in French and English.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: PAGED,
        response: (200, Some("SavedReplyList")),
        handler: || get(sections::saved_replies),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/saved-replies",
        summary: "Save a reply; its variables are checked (422). A name already used is refused (409).",
        permission: Some(Some(Permission::ReplyWithoutApproval)),
        request: Some("NewSavedReply"),
        query: &[],
        response: (201, Some("SavedReply")),
        handler: || post(sections::create_saved_reply),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/saved-replies/{id}",
        summary: "Delete a saved reply.",
        permission: Some(Some(Permission::ReplyWithoutApproval)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(sections::delete_saved_reply),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/channels",
        summary: "Publishing channels (their secrets are never shown).",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("ChannelList")),
        handler: || get(publishing::channels),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/channels",
        summary: "Connect a channel that signs in with a token or an address: Mastodon, Bluesky, Telegram, Matrix, Discord, Slack or a signed webhook. Each kind's settings are checked (422 says which is missing or wrong); the OAuth networks (X, LinkedIn, Facebook, Instagram) are connected in the browser.",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewChannel"),
        query: &[],
        response: (201, Some("Channel")),
        handler: || post(publishing::create_channel),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/posts",
        summary: "Posts with each channel's receipt (status, address, error) and results.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("PostList")),
        handler: || get(publishing::posts),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/posts/{id}",
        summary: "One post with its receipts, results and history (approvals, comments, publication).",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: &[],
        response: (200, Some("PostDetail")),
        handler: || get(publishing::post),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/posts",
        summary: "Write a post as the composer does: a common text per language for `channels`, a channel's own `texts`, media from the library, a first comment or a poll; published at `scheduled_at`, at the queue's next free slot (`schedule: queue`) or kept as a draft (the default without a time); `repeat` makes one post per time. Every channel's rule is checked (length, threads, media, poll), the time must be to come and the channels and media the workspace's: what breaks one is a 422 saying which.",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewPost"),
        query: &[],
        response: (201, Some("PostsCreated")),
        handler: || post(posts::create),
    },
    ApiRoute {
        method: "put",
        path: "/workspace/posts/{id}",
        summary: "Replace a post that has not gone out (the body is a new post's, without `repeat`): texts, media, poll, first comment and time, with the composer's checks (422). On a post approved or waiting for approval, new texts send it back to draft (`approval_reset`); a new time alone keeps the approval. A post that has gone out is refused (409).",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewPost"),
        query: &[],
        response: (200, Some("PostReplaced")),
        handler: || put(posts::replace),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/posts/{id}",
        summary: "Delete a post that has not gone out, with its history (409 once it has).",
        permission: Some(Some(Permission::Publish)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(posts::delete_post),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/posts/{id}/unschedule",
        summary: "Take a scheduled post (or one waiting for approval) off the schedule: a draft again, its time kept as the time it aims for. A draft, or a post that has gone out, is refused (409).",
        permission: Some(Some(Permission::Publish)),
        request: None,
        query: &[],
        response: (200, Some("Post")),
        handler: || post(posts::unschedule),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/posts/{id}/approval",
        summary: "Send a draft for approval, to be published at `scheduled_at` once approved: to the policy's first team step (its approvers are e-mailed), or straight to the client, whose link is answered once (and e-mailed to `client_email`). A post that is not a draft is refused (409).",
        permission: Some(Some(Permission::Publish)),
        request: Some("ApprovalRequest"),
        query: &[],
        response: (200, Some("ApprovalSent")),
        handler: || post(posts::request_approval),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/posts/{id}/votes",
        summary: "Approve, or ask for changes (the post goes back to draft and its author is e-mailed), on the step the post waits at. A step already decided, or a voter who is not its approver, is refused (409).",
        permission: Some(Some(Permission::ViewPublishing)),
        request: Some("Vote"),
        query: &[],
        response: (200, Some("VoteOutcome")),
        handler: || post(posts::vote),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/posts/{id}/comments",
        summary: "Comment on a post (its history shows it).",
        permission: Some(Some(Permission::ViewPublishing)),
        request: Some("PostComment"),
        query: &[],
        response: (204, None),
        handler: || post(posts::comment),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/posts/{id}/retry",
        summary: "Send the post's failed deliveries again; `retried` counts them.",
        permission: Some(Some(Permission::Publish)),
        request: None,
        query: &[],
        response: (200, Some("Retried")),
        handler: || post(posts::retry),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/calendar",
        summary: "The posts planned from one day to another (the workspace's time zone; 31 days from today by default), soonest first. A last day before the first, or more than 400 days after it, is refused (422).",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: CALENDAR,
        response: (200, Some("Calendar")),
        handler: || get(posts::calendar),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/media",
        summary: "The media library: images and videos to attach to posts.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("MediaList")),
        handler: || get(posts::media),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/media",
        summary: "Upload a file to the library: its bytes as the body (up to the server's upload limit, 100 MiB by default); its kind is read from the bytes. The same bytes twice are kept once.",
        permission: Some(Some(Permission::Publish)),
        request: Some("bytes"),
        query: UPLOAD,
        response: (201, Some("Media")),
        handler: || post(posts::upload).layer(axum::extract::DefaultBodyLimit::disable()),
    },
    ApiRoute {
        method: "patch",
        path: "/workspace/media/{id}",
        summary: "Change a medium's description (read aloud to people who cannot see it).",
        permission: Some(Some(Permission::Publish)),
        request: Some("MediaAlt"),
        query: &[],
        response: (200, Some("Media")),
        handler: || patch(posts::set_alt),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/queue-slots",
        summary: "The publishing queue's weekly slots, per channel.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("QueueSlotList")),
        handler: || get(posts::queue_slots),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/queue-slots",
        summary: "Add a channel's slot at a time of day on some weekdays (a slot already there is kept once).",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewQueueSlots"),
        query: &[],
        response: (201, Some("QueueSlotsAdded")),
        handler: || post(posts::add_queue_slots),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/queue-slots/{id}",
        summary: "Remove a queue slot.",
        permission: Some(Some(Permission::Publish)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(posts::delete_queue_slot),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/approval-policy",
        summary: "How posts are approved: the team's steps (any or all of their approvers), then the client's link or not.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: &[],
        response: (200, Some("ApprovalPolicy")),
        handler: || get(posts::approval_policy),
    },
    ApiRoute {
        method: "put",
        path: "/workspace/approval-policy",
        summary: "Replace the approval policy (at most three steps; approvers are teammates who may publish).",
        permission: Some(Some(Permission::ManageWorkspace)),
        request: Some("ApprovalPolicy"),
        query: &[],
        response: (200, Some("ApprovalPolicy")),
        handler: || put(posts::set_approval_policy),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/newsletter-lists",
        summary: "Newsletter lists with their subscriber counts.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("NewsletterListList")),
        handler: || get(publishing::lists),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/newsletter-lists/{id}/subscribers",
        summary: "A list's subscribers and their status.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("SubscriberList")),
        handler: || get(publishing::subscribers),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/newsletter-lists",
        summary: "Create a newsletter list (its sign-up form and double opt-in come with it).",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewNewsletterList"),
        query: &[],
        response: (201, Some("NewsletterListCreated")),
        handler: || post(publishing::create_list),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/newsletter-lists/{id}/subscribers",
        summary: "Add an address: with `consent` it is subscribed at once, otherwise it gets the confirmation mail; `outcome` says whether it was added or already there (nothing sent). One that bounced is refused (409).",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewSubscriber"),
        query: &[],
        response: (200, Some("SubscriberAdded")),
        handler: || post(publishing::add_subscriber),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/campaigns",
        summary: "Newsletter campaigns with their statistics.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("CampaignList")),
        handler: || get(publishing::campaigns),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/campaigns",
        summary: "Write a campaign (a draft) to a list, in Markdown. An unknown list is refused (422).",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewCampaign"),
        query: &[],
        response: (201, Some("Campaign")),
        handler: || post(publishing::create_campaign),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/campaigns/{id}/send",
        summary: "Send a draft campaign to every subscribed address, at its rate. A campaign already sent, or a server without newsletter.smtp, is refused (409).",
        permission: Some(Some(Permission::Publish)),
        request: None,
        query: &[],
        response: (202, Some("CampaignSent")),
        handler: || post(publishing::send_campaign),
    },
    ApiRoute {
        method: "put",
        path: "/workspace/campaigns/{id}",
        summary: "Replace a draft campaign's list, subject, Markdown and rate (an unknown list is 422; a campaign that has gone out is 409).",
        permission: Some(Some(Permission::Publish)),
        request: Some("NewCampaign"),
        query: &[],
        response: (200, Some("Campaign")),
        handler: || put(publishing::edit_campaign),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/campaigns/{id}/test-sends",
        summary: "Send the campaign, as it is now, to up to five addresses, its subject marked [Test]; its links are not counted and it stays out of the statistics. A server without newsletter.smtp is refused (409).",
        permission: Some(Some(Permission::Publish)),
        request: Some("TestSendRequest"),
        query: &[],
        response: (202, Some("TestSendsQueued")),
        handler: || post(publishing::test_send),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/campaigns/{id}/test-sends",
        summary: "The campaign's test sends, newest first, with their status.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: PAGED,
        response: (200, Some("TestSendList")),
        handler: || get(publishing::test_sends),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/dashboards/listening",
        summary: "The listening dashboard's figures: volume per hour (one day) or per day, sentiment and net sentiment, share of voice of the brand and competitors, sites, authors by reach, hashtags and terms.",
        permission: Some(Some(Permission::ViewListening)),
        request: None,
        query: DAYS,
        response: (200, Some("ListeningDashboard")),
        handler: || get(figures::listening_dashboard),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/dashboards/publishing",
        summary: "Publishing results: likes, shares, replies and clicks per post and per campaign (the empty name for posts without one), and the best hours to post.",
        permission: Some(Some(Permission::ViewPublishing)),
        request: None,
        query: RESULT_DAYS,
        response: (200, Some("PublishingResults")),
        handler: || get(figures::publishing_results),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/labels",
        summary: "The labels the workspace's conversations carry, by name.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: &[],
        response: (200, Some("LabelSet")),
        handler: || get(figures::labels),
    },
    ApiRoute {
        method: "get",
        path: "/workspace/inbox-views",
        summary: "Saved inbox views: the token owner's and those shared with the team.",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: PAGED,
        response: (200, Some("InboxViewList")),
        handler: || get(figures::views),
    },
    ApiRoute {
        method: "post",
        path: "/workspace/inbox-views",
        summary: "Save an inbox filter as a named view, yours or shared with the team.",
        permission: Some(Some(Permission::ViewInbox)),
        request: Some("NewInboxView"),
        query: &[],
        response: (201, Some("InboxView")),
        handler: || post(figures::create_view),
    },
    ApiRoute {
        method: "delete",
        path: "/workspace/inbox-views/{id}",
        summary: "Delete a view (yours, or one shared with the team).",
        permission: Some(Some(Permission::ViewInbox)),
        request: None,
        query: &[],
        response: (204, None),
        handler: || delete(figures::delete_view),
    },
];

/// A route whose body is a file's bytes, not JSON: it gets the upload limit, not 1 MiB.
fn is_upload(route: &ApiRoute) -> bool {
    route.request == Some("bytes")
}

/// Every route but the uploads, to be nested under `/api/v1`.
pub fn routes() -> Router<SharedState> {
    ROUTES
        .iter()
        .filter(|route| !is_upload(route))
        .fold(Router::new(), |router, route| {
            router.route(route.path, (route.handler)())
        })
}

/// The uploads, with their full path: the router gives them the upload limit.
pub fn upload_routes() -> Router<SharedState> {
    ROUTES
        .iter()
        .filter(|route| is_upload(route))
        .fold(Router::new(), |router, route| {
            router.route(&format!("/api/v1{}", route.path), (route.handler)())
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
    /// Seconds to wait before calling again (a 429's `Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            position: None,
            retry_after: None,
        }
    }

    pub(crate) fn with_status(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError::new(status, code, message)
    }

    /// One invalid field, with a message that says what is wrong in it.
    pub(crate) fn invalid(field: &'static str, code: &'static str, message: String) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message,
            fields: vec![(field, code)],
            position: None,
            retry_after: None,
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
            retry_after: None,
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
            StoreError::Conflict { what } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("This {what} is already taken."),
            ),
            StoreError::Refused(why) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("Refused: {why}."))
            }
            other => {
                tracing::error!(error = %other, "API request failed");
                ApiError::from_kind(ErrorKind::Internal)
            }
        }
    }
}

/// A page-side helper's failure (the audit log, a subscription) in the API's words; its cause
/// is logged, never shown.
impl From<crate::error::WebError> for ApiError {
    fn from(error: crate::error::WebError) -> Self {
        match error {
            crate::error::WebError::NotFound => ApiError::from_kind(ErrorKind::NotFound),
            crate::error::WebError::Forbidden => ApiError::from_kind(ErrorKind::Forbidden),
            crate::error::WebError::Internal(cause) => {
                tracing::error!(error = %cause, "API request failed");
                ApiError::from_kind(ErrorKind::Internal)
            }
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
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
        if let Some(wait) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        }
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
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let taken = state
            .api_limiter
            .lock()
            .map_err(|_| ApiError::from_kind(ErrorKind::Internal))?
            .take(principal.token_id, now);
        if let Err(wait) = taken {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "This token made more than {} calls in a minute; call again in {wait} s.",
                    state.config.api_requests_per_minute
                ),
            );
            error.retry_after = Some(wait);
            return Err(error);
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

/// A small list, read whole and paged by id (ascending): new items come after the last page.
/// A page read from the store by position: `items` holds at most `limit + 1` items after the
/// cursor, in the list's order; the extra one, when there, says a next page exists.
pub(crate) fn keyset_page<T>(
    mut items: Vec<T>,
    limit: i64,
    id: impl Fn(&T) -> i64,
    json: impl Fn(&T) -> Value,
) -> Json<Value> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = more
        .then(|| items.last().map(|item| encode_cursor(&[id(item)])))
        .flatten();
    let items: Vec<Value> = items.iter().map(json).collect();
    Json(json!({"items": items, "next_cursor": next}))
}

pub(crate) fn by_id<T>(
    mut items: Vec<T>,
    params: &PageParams,
    id: impl Fn(&T) -> i64,
    json: impl Fn(&T) -> Value,
) -> Result<Json<Value>, ApiError> {
    items.sort_by_key(|item| id(item));
    let (page, next) = page_of(
        items,
        params,
        1,
        |item, p| id(item) > p[0],
        |item| vec![id(item)],
    )?;
    let items: Vec<Value> = page.iter().map(json).collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}

async fn team(
    State(state): State<SharedState>,
    Caller(p): Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    let members = state.store.members(p.workspace.id).await?;
    by_id(
        members,
        &page,
        |m| m.user.id,
        |m| json!({"id": m.user.id, "display_name": m.user.display_name, "email": m.user.email, "role": m.role.as_str(), "joined_at": m.joined_at}),
    )
}

fn invitation_json(i: &jardinier_store::Invitation) -> Value {
    json!({"id": i.id, "email": i.email, "role": i.role.as_str(), "created_at": i.created_at, "expires_at": i.expires_at})
}

async fn list_invitations(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let invitations = state
        .store
        .pending_invitations(caller.0.workspace.id, unix_now())
        .await?;
    by_id(invitations, &page, |i| i.id, invitation_json)
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
    ApiJson(body): ApiJson<NewInvitationBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let request = InvitationRequest::parse(caller.0.role, &body.email, &body.role)
        .map_err(ApiError::validation)?;
    if let Some(lang) = body.lang.as_deref().filter(|l| Lang::parse(l).is_none()) {
        return Err(ApiError::invalid(
            "lang",
            "error.kind_invalid",
            format!("lang: {lang:?} is not one of fr, en"),
        ));
    }
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
    Id(id): Id,
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
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit_log(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageWorkspace)?;
    let limit = page.limit()?;
    let before = page.position(1)?.map(|p| p[0]);
    let entries = state
        .store
        .audit_log(caller.0.workspace.id, before, limit + 1)
        .await?;
    let next = (entries.len() as i64 > limit)
        .then(|| {
            entries
                .get(limit as usize - 1)
                .map(|e| encode_cursor(&[e.id]))
        })
        .flatten();
    let items: Vec<Value> = entries
        .into_iter()
        .take(limit as usize)
        .map(|e| json!({"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}))
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}
