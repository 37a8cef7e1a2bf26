//! Issue 14, item 6 (in part): what publishing and newsletters hold, read through the API —
//! channels (never their secrets), posts with each channel's receipt and results and their
//! history, newsletter lists with their counts, subscribers, campaigns with their statistics.
//! Lists are created and addresses added (double opt-in unless the team has consent); writing
//! campaigns are written and sent; writing posts through the API is not built yet. Routes in
//! [`crate::api::ROUTES`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_domain::{Email, Permission};
use jardinier_i18n::Lang;
use jardinier_store::{
    Campaign, CampaignStats, NewCampaign, NewList, NewsletterList, Post, PostDelivery, Subscribed,
    Subscriber,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams};
use crate::{SharedState, unix_now};

pub async fn channels(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let channels = state.store.channels(caller.0.workspace.id).await?;
    crate::api::by_id(
        channels,
        &page,
        |c| c.id,
        |c| json!({"id": c.id, "kind": c.kind, "name": c.name, "created_at": c.created_at}),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannelBody {
    kind: String,
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    secret: String,
}

/// Connects a channel that signs in with a token or an address (the OAuth networks — X,
/// LinkedIn, Facebook, Instagram — are connected in the browser, where the network asks).
pub async fn create_channel(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewChannelBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    let invalid = |field: &'static str, message: String| {
        ApiError::invalid(field, "error.kind_invalid", message)
    };
    let name = body.name.trim();
    if name.is_empty() || body.name.chars().count() > 120 {
        return Err(invalid("name", "name: 1 to 120 characters".into()));
    }
    if [&body.address, &body.account, &body.secret]
        .iter()
        .any(|v| v.chars().count() > 2_000)
    {
        return Err(invalid(
            "address",
            "address, account, secret: at most 2,000 characters".into(),
        ));
    }
    let form = crate::pages::publishing::ChannelForm {
        kind: body.kind.clone(),
        name: name.to_owned(),
        address: body.address.clone(),
        account: body.account.clone(),
        secret: body.secret.clone(),
    };
    let config = crate::pages::publishing::channel_config(&form).map_err(|key| {
        let en = jardinier_i18n::Tr::new(Lang::En);
        invalid("kind", format!("{}: {}", body.kind, en.t(key)))
    })?;
    let secret = body.secret.trim();
    let channel = state
        .store
        .create_channel(&jardinier_store::NewChannel {
            workspace_id: caller.0.workspace.id,
            kind: &body.kind,
            name,
            config: &config.to_string(),
            secret: (!secret.is_empty()).then_some(secret),
            now: unix_now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": channel.id, "kind": channel.kind, "name": channel.name, "created_at": channel.created_at})),
    )
        .into_response())
}

fn delivery_json(d: &PostDelivery) -> Value {
    json!({"id": d.id, "channel_id": d.channel_id, "language": d.language, "text": d.body,
           "status": d.status, "attempts": d.attempts, "due_at": d.due_at, "remote_id": d.remote_id,
           "url": d.remote_url, "error": d.last_error, "sent_at": d.sent_at,
           "results": {"likes": d.likes, "shares": d.shares, "replies": d.replies, "read_at": d.metrics_at}})
}

pub(crate) fn post_json(post: &Post, deliveries: &[PostDelivery]) -> Value {
    json!({"id": post.id, "title": post.title, "state": post.state, "scheduled_at": post.scheduled_at,
           "campaign": post.campaign, "tags": post.tags, "approval_step": post.approval_step,
           "first_comment": post.first_comment,
           "poll": post.poll.as_ref().map(|p| json!({"options": p.options, "minutes": p.minutes})),
           "created_at": post.created_at, "updated_at": post.updated_at,
           "deliveries": deliveries.iter().map(delivery_json).collect::<Vec<_>>()})
}

pub async fn posts(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let limit = page.limit()?;
    let after = page.position(1)?.map(|p| p[0]).unwrap_or(0);
    let posts = state
        .store
        .posts_after(caller.0.workspace.id, after, limit + 1)
        .await?;
    Ok(crate::api::keyset_page(
        posts,
        limit,
        |(p, _)| p.id,
        |(p, d)| post_json(p, d),
    ))
}

pub async fn post(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let ws = caller.0.workspace.id;
    let (post, deliveries) = state
        .store
        .post(ws, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "post" })?;
    let mut body = post_json(&post, &deliveries);
    body["history"] = state
        .store
        .post_events(ws, id)
        .await?
        .iter()
        .map(|e| json!({"at": e.at, "actor": e.actor, "kind": e.kind, "detail": e.detail}))
        .collect();
    Ok(Json(body))
}

pub async fn lists(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let lists = state.store.newsletter_lists(caller.0.workspace.id).await?;
    crate::api::by_id(
        lists,
        &page,
        |(l, _)| l.id,
        |(l, c)| {
            json!({"id": l.id, "name": l.name, "from_name": l.from_name, "from_address": l.from_address,
               "language": l.language, "created_at": l.created_at,
               "subscribers": {"pending": c.pending, "subscribed": c.subscribed,
                               "unsubscribed": c.unsubscribed, "bounced": c.bounced}})
        },
    )
}

pub async fn subscribers(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let ws = caller.0.workspace.id;
    if state.store.newsletter_list(ws, id).await?.is_none() {
        return Err(jardinier_store::StoreError::NotFound { what: "list" }.into());
    }
    let limit = page.limit()?;
    let after = page.position(1)?.map(|p| p[0]).unwrap_or(0);
    let subscribers = state
        .store
        .subscribers_after(ws, id, after, limit + 1)
        .await?;
    Ok(crate::api::keyset_page(
        subscribers,
        limit,
        |s| s.id,
        |s| {
            json!({"id": s.id, "email": s.email, "status": s.status, "source": s.source,
               "created_at": s.created_at, "confirmed_at": s.confirmed_at,
               "unsubscribed_at": s.unsubscribed_at})
        },
    ))
}

fn list_json(l: &NewsletterList) -> Value {
    json!({"id": l.id, "name": l.name, "from_name": l.from_name, "from_address": l.from_address,
           "language": l.language, "created_at": l.created_at})
}

fn subscriber_json(s: &Subscriber) -> Value {
    json!({"id": s.id, "email": s.email, "status": s.status, "source": s.source,
           "created_at": s.created_at, "confirmed_at": s.confirmed_at,
           "unsubscribed_at": s.unsubscribed_at})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewListBody {
    name: String,
    from_name: String,
    from_address: String,
    /// The postal address or who sends it, at the foot of every issue (the law asks for it).
    footer: String,
    #[serde(default = "french")]
    language: String,
}

fn french() -> String {
    "fr".to_owned()
}

pub async fn create_list(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewListBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let (name, from_name, footer) = (body.name.trim(), body.from_name.trim(), body.footer.trim());
    let invalid = |field: &'static str, message: &str| {
        Err(ApiError::invalid(
            field,
            "error.kind_invalid",
            format!("{field}: {message}"),
        ))
    };
    if name.is_empty() || name.chars().count() > 120 {
        return invalid("name", "1 to 120 characters");
    }
    if Email::parse("from_address", body.from_address.trim()).is_err() {
        return invalid("from_address", "an e-mail address");
    }
    if from_name.is_empty() || from_name.chars().count() > 120 {
        return invalid("from_name", "1 to 120 characters");
    }
    if footer.is_empty() {
        return invalid(
            "footer",
            "the sender's name and postal address, required in every issue",
        );
    }
    let Some(language) = Lang::parse(&body.language) else {
        return invalid("language", "fr or en");
    };
    let p = &caller.0;
    let list = state
        .store
        .create_list(&NewList {
            workspace_id: p.workspace.id,
            name,
            public_id: &crate::auth::random_token()[..24],
            from_name,
            from_address: body.from_address.trim(),
            footer,
            language: language.code(),
            now: unix_now(),
        })
        .await?;
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "newsletter_list_created",
        name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(list_json(&list))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubscriberBody {
    email: String,
    /// The team has the person's consent: subscribed at once. Otherwise the confirmation mail
    /// goes out (double opt-in), as from the sign-up form.
    #[serde(default)]
    consent: bool,
}

pub async fn add_subscriber(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NewSubscriberBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    let list = state
        .store
        .newsletter_list(p.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "list" })?;
    let email =
        Email::parse("email", body.email.trim()).map_err(|e| ApiError::validation(e.into()))?;
    let source = if body.consent { "team" } else { "form" };
    let outcome =
        crate::pages::subscribe_one(&state, &list, email.as_str(), source, !body.consent).await?;
    let (status, outcome, subscriber) = match &outcome {
        Subscribed::Added(s) => (StatusCode::OK, "added", s),
        Subscribed::Already(s) => (StatusCode::OK, "already", s),
        Subscribed::Bounced(s) => (StatusCode::CONFLICT, "bounced", s),
    };
    let mut out = subscriber_json(subscriber);
    out["outcome"] = json!(outcome);
    Ok((status, Json(out)).into_response())
}

pub async fn campaigns(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let campaigns = state.store.campaigns(caller.0.workspace.id).await?;
    crate::api::by_id(
        campaigns,
        &page,
        |(c, _)| c.id,
        |(c, s)| campaign_json(c, s),
    )
}

fn campaign_json(c: &Campaign, s: &CampaignStats) -> Value {
    json!({"id": c.id, "list_id": c.list_id, "subject": c.subject, "state": c.state,
           "rate_per_minute": c.rate_per_minute, "author": c.author, "created_at": c.created_at,
           "started_at": c.started_at, "finished_at": c.finished_at,
           "stats": {"recipients": s.recipients, "queued": s.queued, "sent": s.sent,
                     "failed": s.failed, "bounced": s.bounced, "clicks": s.clicks}})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignBody {
    list_id: i64,
    subject: String,
    /// The issue in Markdown.
    markdown: String,
    #[serde(default = "default_rate")]
    rate_per_minute: i64,
}

fn default_rate() -> i64 {
    crate::pages::DEFAULT_RATE_PER_MINUTE
}

/// The bounds of a campaign's fields, and its list the workspace's.
async fn check_campaign(
    state: &SharedState,
    workspace_id: i64,
    body: &NewCampaignBody,
) -> Result<(), ApiError> {
    let invalid = |field: &'static str, message: &str| {
        Err(ApiError::invalid(
            field,
            "error.kind_invalid",
            format!("{field}: {message}"),
        ))
    };
    if state
        .store
        .newsletter_list(workspace_id, body.list_id)
        .await?
        .is_none()
    {
        return invalid("list_id", "no such list in this workspace");
    }
    if body.subject.trim().is_empty() || body.subject.chars().count() > 200 {
        return invalid("subject", "1 to 200 characters");
    }
    if body.markdown.trim().is_empty() || body.markdown.len() > 200_000 {
        return invalid("markdown", "1 to 200,000 bytes");
    }
    if !(1..=100_000).contains(&body.rate_per_minute) {
        return invalid("rate_per_minute", "1 to 100,000 messages a minute");
    }
    Ok(())
}

pub async fn create_campaign(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCampaignBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    check_campaign(&state, p.workspace.id, &body).await?;
    let subject = body.subject.trim();
    let campaign = state
        .store
        .create_campaign(&NewCampaign {
            workspace_id: p.workspace.id,
            list_id: body.list_id,
            subject,
            body_markdown: body.markdown.trim_end(),
            rate_per_minute: body.rate_per_minute,
            author: &p.user.display_name,
            now: unix_now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(campaign_json(&campaign, &CampaignStats::default())),
    )
        .into_response())
}

/// Sends a draft campaign to every subscribed address, at its rate.
pub async fn send_campaign(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    let Some(wake) = state.newsletter_wake.clone() else {
        return Err(ApiError::with_status(
            StatusCode::CONFLICT,
            "conflict",
            "This server sends no newsletters: its administrator has not configured newsletter.smtp.",
        ));
    };
    let (campaign, _, _) = state
        .store
        .campaign(p.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "campaign" })?;
    let tokens: Vec<(String, String)> = jardinier_newsletter::links(&campaign.body_markdown)
        .into_iter()
        .map(|url| (url, crate::auth::random_token()[..20].to_owned()))
        .collect();
    let queued = state
        .store
        .start_campaign(p.workspace.id, id, &tokens, unix_now())
        .await?;
    wake.notify_one();
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "newsletter_sent",
        &campaign.subject,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"campaign_id": id, "queued": queued})),
    )
        .into_response())
}

/// The statistics of one of the workspace's campaigns, or the API's 404.
async fn campaign_stats(
    state: &SharedState,
    workspace_id: i64,
    id: i64,
) -> Result<CampaignStats, ApiError> {
    match state.store.campaign(workspace_id, id).await? {
        Some((_, stats, _)) => Ok(stats),
        None => Err(jardinier_store::StoreError::NotFound { what: "campaign" }.into()),
    }
}

/// Replaces a draft campaign's list, subject, text and rate (409 once it has gone out).
pub async fn edit_campaign(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NewCampaignBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    // A draft's statistics do not change with its text: read once, with the check.
    let stats = campaign_stats(&state, p.workspace.id, id).await?;
    check_campaign(&state, p.workspace.id, &body).await?;
    let campaign = match state
        .store
        .edit_campaign(&jardinier_store::CampaignEdit {
            workspace_id: p.workspace.id,
            campaign_id: id,
            list_id: body.list_id,
            subject: body.subject.trim(),
            body_markdown: body.markdown.trim_end(),
            rate_per_minute: body.rate_per_minute,
        })
        .await
    {
        Ok(campaign) => campaign,
        Err(jardinier_store::StoreError::Refused(_)) => {
            return Err(ApiError::with_status(
                StatusCode::CONFLICT,
                "conflict",
                "This campaign has gone out: it can no longer be changed.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Json(campaign_json(&campaign, &stats)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSendBody {
    to: Vec<String>,
}

fn test_send_json(t: &jardinier_store::TestSend) -> Value {
    json!({"id": t.id, "email": t.email, "requested_by": t.requested_by, "status": t.status,
           "error": t.last_error, "sent_at": t.sent_at, "created_at": t.created_at})
}

/// Sends the campaign, as it is now, to up to five addresses, marked as a test.
pub async fn test_send(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<TestSendBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    campaign_stats(&state, p.workspace.id, id).await?;
    let max = crate::pages::newsletter_campaigns::MAX_TEST_ADDRESSES;
    if body.to.len() > max {
        return Err(ApiError::invalid(
            "to",
            "error.kind_invalid",
            format!("to: at most {max} addresses"),
        ));
    }
    let addresses = crate::pages::newsletter_campaigns::test_addresses(&body.to.join(","))
        .map_err(|(_, address)| {
            ApiError::invalid(
                "to",
                "error.kind_invalid",
                if address.is_empty() {
                    "to: one address at least".to_owned()
                } else {
                    format!("to: “{address}” is not an e-mail address")
                },
            )
        })?;
    let Some(wake) = state.newsletter_wake.clone() else {
        return Err(ApiError::with_status(
            StatusCode::CONFLICT,
            "conflict",
            "This server sends no newsletters: newsletter.smtp is not configured.",
        ));
    };
    let made = state
        .store
        .queue_test_sends(
            p.workspace.id,
            id,
            &addresses,
            &p.user.display_name,
            unix_now(),
        )
        .await?;
    wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"items": made.iter().map(test_send_json).collect::<Vec<_>>()})),
    )
        .into_response())
}

pub async fn test_sends(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let p = &caller.0;
    campaign_stats(&state, p.workspace.id, id).await?;
    let limit = page.limit()?;
    let before = page.position(1)?.map(|c| c[0]).unwrap_or(i64::MAX);
    let sends = state
        .store
        .test_sends(p.workspace.id, id, before, limit + 1)
        .await?;
    Ok(crate::api::keyset_page(
        sends,
        limit,
        |t| t.id,
        test_send_json,
    ))
}

pub fn schemas() -> Value {
    let int = json!({"type": "integer", "format": "int64"});
    let nullable_int = json!({"type": ["integer", "null"], "format": "int64"});
    let string = json!({"type": "string"});
    let nullable_string = json!({"type": ["string", "null"]});
    let list = crate::api_doc::list_schema;
    json!({
        "Channel": {"type": "object", "properties": {"id": int, "kind": string, "name": string, "created_at": int}},
        "ChannelList": list("Channel"),
        "NewChannel": {"type": "object", "required": ["kind", "name"], "additionalProperties": false, "properties": {
            "kind": {"type": "string", "enum": ["mastodon", "bluesky", "telegram", "matrix", "discord", "slack", "webhook"]},
            "name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"},
            "address": {"type": "string", "maxLength": 2000, "description": "Mastodon: the instance; Matrix: the homeserver; Discord, Slack, webhook: the address posts go to; Bluesky: its PDS, Telegram: a local Bot API server (optional)."},
            "account": {"type": "string", "maxLength": 2000, "description": "Bluesky: the handle; Telegram: the chat (@name or id); Matrix: the room id (!…:server)."},
            "secret": {"type": "string", "maxLength": 2000, "description": "Mastodon, Matrix: an access token; Bluesky: an app password; Telegram: the bot's token; webhook: the signing secret. Never shown again."}}},
        "PostDelivery": {"type": "object", "properties": {"id": int, "channel_id": int, "language": nullable_string,
            "text": string, "status": string, "attempts": int, "due_at": nullable_int, "remote_id": nullable_string,
            "url": nullable_string, "error": nullable_string, "sent_at": nullable_int,
            "results": {"type": "object", "properties": {"likes": nullable_int, "shares": nullable_int, "replies": nullable_int, "read_at": nullable_int}}}},
        "Post": {"type": "object", "properties": {"id": int, "title": string, "state": string, "scheduled_at": nullable_int,
            "campaign": string, "tags": {"type": "array", "items": string}, "approval_step": nullable_int,
            "first_comment": nullable_string, "poll": {"type": ["object", "null"]}, "created_at": int, "updated_at": int,
            "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/PostDelivery"}}}},
        "PostList": list("Post"),
        "PostDetail": {"allOf": [{"$ref": "#/components/schemas/Post"}, {"type": "object", "properties": {
            "history": {"type": "array", "items": {"type": "object", "properties": {"at": int, "actor": string, "kind": string, "detail": string}}}}}]},
        "NewsletterList": {"type": "object", "properties": {"id": int, "name": string, "from_name": string,
            "from_address": string, "language": string, "created_at": int,
            "subscribers": {"type": "object", "properties": {"pending": int, "subscribed": int, "unsubscribed": int, "bounced": int}}}},
        "NewsletterListList": list("NewsletterList"),
        "Subscriber": {"type": "object", "properties": {"id": int, "email": string, "status": string, "source": string,
            "created_at": int, "confirmed_at": nullable_int, "unsubscribed_at": nullable_int}},
        "SubscriberList": list("Subscriber"),
        "NewNewsletterList": {"type": "object", "required": ["name", "from_name", "from_address", "footer"], "additionalProperties": false, "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"},
            "from_name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"},
            "from_address": {"type": "string", "format": "email", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "maxLength": 254},
            "footer": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "language": {"type": "string", "enum": ["fr", "en"]}}},
        "NewsletterListCreated": {"type": "object", "properties": {"id": int, "name": string, "from_name": string, "from_address": string, "language": string, "created_at": int}},
        "NewSubscriber": {"type": "object", "required": ["email"], "additionalProperties": false, "properties": {
            "email": {"type": "string", "format": "email", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "maxLength": 254},
            "consent": {"type": "boolean", "description": "true: the team has the person's consent, subscribed at once; false (default): the confirmation mail goes out."}}},
        "SubscriberAdded": {"allOf": [{"$ref": "#/components/schemas/Subscriber"}, {"type": "object", "properties": {"outcome": {"type": "string", "enum": ["added", "already", "bounced"]}}}]},
        "Campaign": {"type": "object", "properties": {"id": int, "list_id": int, "subject": string, "state": string,
            "rate_per_minute": int, "author": string, "created_at": int, "started_at": nullable_int, "finished_at": nullable_int,
            "stats": {"type": "object", "properties": {"recipients": int, "queued": int, "sent": int, "failed": int, "bounced": int, "clicks": int}}}},
        "CampaignList": list("Campaign"),
        "NewCampaign": {"type": "object", "required": ["list_id", "subject", "markdown"], "additionalProperties": false, "properties": {
            "list_id": int,
            "subject": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
            "markdown": {"type": "string", "minLength": 1, "maxLength": 200000, "pattern": "\\S"},
            "rate_per_minute": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 600}}},
        "CampaignSent": {"type": "object", "properties": {"campaign_id": int, "queued": int}},
        "TestSendRequest": {"type": "object", "required": ["to"], "additionalProperties": false, "properties": {
            "to": {"type": "array", "minItems": 1, "maxItems": 5, "items": {"type": "string", "format": "email", "pattern": "^[^@\\s,;]+@[^@\\s,;]+\\.[^@\\s,;]+$", "maxLength": 254}}}},
        "TestSend": {"type": "object", "properties": {"id": int, "email": string, "requested_by": string,
            "status": {"type": "string", "enum": ["queued", "sending", "sent", "failed"]}, "error": nullable_string,
            "sent_at": nullable_int, "created_at": int}},
        "TestSendList": list("TestSend"),
        "TestSendsQueued": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/TestSend"}}}},
    })
}
