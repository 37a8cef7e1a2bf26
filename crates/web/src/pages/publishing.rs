//! The Publishing section, first version: the brand's channels, a post written once with a
//! variant per channel and scheduled in the workspace's time zone (or kept as a draft), and the
//! posts with each channel's receipt or error. The publisher (`jardinier-outbound`) sends them.

use askama::Template;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use jardinier_outbound::publish::CHANNEL_KINDS;
use jardinier_store::NewChannel;
use serde::Deserialize;

use super::{Chrome, format_time, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};
use jardinier_outbound::oauth::Network;

pub struct ChannelLine {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub limit: String,
}

pub struct DeliveryLine {
    pub channel: String,
    pub status: String,
    pub body: String,
    pub receipt: Option<String>,
    pub error: Option<String>,
}

pub struct PostLine {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub when: String,
    pub deliveries: Vec<DeliveryLine>,
}

#[derive(Template)]
#[template(path = "publishing.html")]
struct PublishingTemplate {
    /// May enter the networks' application keys (Settings → Social networks): owners.
    may_set_up: bool,
    c: Chrome,
    ws_slug: String,
    /// A text to start the composer with (a crisis's holding statement), and its language.
    draft: Prefill,
    channels: Vec<ChannelLine>,
    posts: Vec<PostLine>,
    kinds: Vec<&'static str>,
    may_publish: bool,
    timezone: String,
    error: Option<String>,
    /// The approval link just made: shown once.
    approval_link: Option<String>,
    /// (code, name) of the languages a post is written in.
    languages: Vec<(&'static str, String)>,
    /// The workspace's campaigns so far, for the composer's suggestions.
    campaigns: Vec<String>,
    /// Hashtags people use in what listening gathered (tag, mentions).
    hashtags: Vec<(String, usize)>,
    /// The library's latest media, to pick from.
    library: Vec<super::publishing_media::MediaLine>,
    /// (network, name, configured) of the OAuth networks.
    connect: Vec<(String, String, bool)>,
}

/// The section's page with an error shown.
pub async fn page_error(
    state: &SharedState,
    w: &InWorkspace,
    error: &str,
) -> Result<Response, WebError> {
    page(state, w, Some(error.to_owned())).await
}

/// The section's page with an approval link just made, shown once.
pub async fn page_with_link(
    state: &SharedState,
    w: &InWorkspace,
    link: String,
) -> Result<Response, WebError> {
    page_with(state, w, None, Some(link), Prefill::default()).await
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
) -> Result<Response, WebError> {
    page_with(state, w, error, None, Prefill::default()).await
}

async fn page_with(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
    approval_link: Option<String>,
    draft: Prefill,
) -> Result<Response, WebError> {
    let channels = state.store.channels(w.workspace.id).await?;
    let name_of = |id: i64| {
        channels
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let tz = &w.workspace.timezone;
    let found = state.store.posts(w.workspace.id, 100).await?;
    let campaigns = state.store.post_campaigns(w.workspace.id).await?;
    let posts = found
        .into_iter()
        .map(|(p, deliveries)| PostLine {
            id: p.id,
            title: p.title,
            state: p.state,
            when: p
                .scheduled_at
                .map(|t| format_time(w.ctx.tr, t, tz))
                .unwrap_or_default(),
            deliveries: deliveries
                .into_iter()
                .map(|d| DeliveryLine {
                    channel: name_of(d.channel_id),
                    status: d.status,
                    body: d.body,
                    receipt: d.remote_url.or(d.remote_id),
                    error: d.last_error,
                })
                .collect(),
        })
        .collect();
    // Hashtag suggestions from the last month of listening.
    let texts: Vec<(String, Option<String>)> = state
        .store
        .items(&jardinier_store::ItemFilter {
            workspace_id: w.workspace.id,
            from: Some(unix_now() - 30 * 86_400),
            limit: 2_000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|i| (i.body, i.sentiment))
        .collect();
    let hashtags = jardinier_compose::hashtags::suggest(&texts, "", 12)
        .into_iter()
        .map(|s| (s.tag, s.mentions))
        .collect();
    let library =
        super::publishing_media::lines(state.store.media_library(w.workspace.id, 24).await?);
    let invalid = error.is_some();
    let mut connect = Vec::new();
    for (network, label) in [
        (Network::X, "X"),
        (Network::LinkedIn, "LinkedIn"),
        (Network::Meta, "Facebook & Instagram"),
    ] {
        let ready = jardinier_outbound::oauth::app_for(&state.config.oauth, &*state.store, network)
            .await?
            .is_some();
        connect.push((network.name().to_owned(), label.to_owned(), ready));
    }
    let may_set_up = w.role == jardinier_domain::Role::Owner;
    let template = PublishingTemplate {
        may_set_up,
        draft,
        connect,
        library,
        hashtags,
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        channels: channels
            .iter()
            .map(|c| ChannelLine {
                id: c.id,
                kind: c.kind.clone(),
                name: c.name.clone(),
                limit: jardinier_compose::rules::text_rules(&c.kind)
                    .limit
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            })
            .collect(),
        posts,
        kinds: CHANNEL_KINDS.to_vec(),
        may_publish: w.role.can(Permission::Publish),
        timezone: tz.clone(),
        error,
        approval_link,
        languages: POST_LANGUAGES
            .iter()
            .map(|l| (*l, w.ctx.tr.t(&format!("language.{l}")).to_owned()))
            .collect(),
        campaigns,
    };
    // A form sent back with its mistake answers 422, so scripts and tests can tell.
    if invalid {
        super::render_invalid(template)
    } else {
        render(template)
    }
}

/// `?text=…&lang=fr`: the composer starts with this text in that language's common text.
#[derive(Deserialize, Default)]
pub struct Prefill {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub lang: String,
}

pub async fn publishing(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Query(draft): axum::extract::Query<Prefill>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    page_with(&state, &w, None, None, draft).await
}

#[derive(Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) name: String,
    /// Mastodon: the instance; Discord, Slack, webhook: the address posts go to.
    #[serde(default)]
    pub(crate) address: String,
    /// Bluesky: the brand's handle; Telegram: the chat; Matrix: the room id.
    #[serde(default)]
    pub(crate) account: String,
    /// Mastodon: access token; Bluesky: app password; webhook: signing secret; Telegram: the
    /// bot's token; Matrix: an access token.
    #[serde(default)]
    pub(crate) secret: String,
}

/// The channel's settings as the publisher reads them, or what is wrong (catalogue key).
pub fn channel_config(form: &ChannelForm) -> Result<serde_json::Value, &'static str> {
    let address = form.address.trim();
    let is_http = |a: &str| {
        url::Url::parse(a)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
    };
    match form.kind.as_str() {
        "mastodon" if is_http(address) && !form.secret.trim().is_empty() => {
            Ok(serde_json::json!({"base": address}))
        }
        "mastodon" => Err("publishing.channel_mastodon_invalid"),
        "bluesky" if !form.account.trim().is_empty() && !form.secret.trim().is_empty() => {
            let mut config =
                serde_json::json!({"account": form.account.trim().trim_start_matches('@')});
            if is_http(address) {
                config["pds"] = serde_json::json!(address);
            }
            Ok(config)
        }
        "bluesky" => Err("publishing.channel_bluesky_invalid"),
        "telegram" => {
            let chat = form.account.trim();
            let token = form.secret.trim();
            let chat_ok = chat.starts_with('@') && chat.len() > 5 || chat.parse::<i64>().is_ok();
            let token_ok = token
                .split_once(':')
                .is_some_and(|(id, key)| id.parse::<u64>().is_ok() && key.len() >= 20);
            if !chat_ok || !token_ok {
                return Err("publishing.channel_telegram_invalid");
            }
            let mut config = serde_json::json!({"chat": chat});
            // A local Bot API server (self-hosted), or a test stand-in.
            if is_http(address) {
                config["api"] = serde_json::json!(address);
            }
            Ok(config)
        }
        "matrix" => {
            let room = form.account.trim();
            let room_ok = room.starts_with('!') && room.contains(':');
            if !is_http(address) || !room_ok || form.secret.trim().is_empty() {
                return Err("publishing.channel_matrix_invalid");
            }
            Ok(serde_json::json!({"homeserver": address, "room": room}))
        }
        "discord" | "slack" | "webhook" if is_http(address) => {
            Ok(serde_json::json!({"url": address}))
        }
        "discord" | "slack" | "webhook" => Err("publishing.channel_url_invalid"),
        _ => Err("publishing.channel_kind_invalid"),
    }
}

pub async fn add_channel(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<ChannelForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let name = form.name.trim();
    let config = match (name.is_empty(), channel_config(&form)) {
        (true, _) => {
            return page(
                &state,
                &w,
                Some(w.ctx.tr.t("publishing.channel_name_invalid").into()),
            )
            .await;
        }
        (_, Err(key)) => return page(&state, &w, Some(w.ctx.tr.t(key).into())).await,
        (_, Ok(config)) => config,
    };
    let secret = form.secret.trim();
    state
        .store
        .create_channel(&NewChannel {
            workspace_id: w.workspace.id,
            kind: &form.kind,
            name,
            config: &config.to_string(),
            secret: (!secret.is_empty()).then_some(secret),
            now: unix_now(),
        })
        .await?;
    Ok(redirect(&format!(
        "/w/{}/publishing?done=publishing_saved",
        w.workspace.slug
    )))
}

/// `2026-12-01T09:30` in the workspace's time zone, as UNIX seconds.
pub fn local_time(text: &str, timezone: &str) -> Option<i64> {
    let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
    let tz = jiff::tz::TimeZone::get(timezone).ok()?;
    Some(civil.to_zoned(tz).ok()?.timestamp().as_second())
}

/// The languages a post can be written in.
pub const POST_LANGUAGES: [&str; 2] = ["fr", "en"];

pub async fn add_post(
    State(state): State<SharedState>,
    w: InWorkspace,
    body: String,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let form = crate::post_compose::read_post_form(&body);
    let author = crate::post_compose::Actor::of(&w);
    match crate::post_compose::create_posts(&state, &author, &form).await? {
        Ok(_) => Ok(redirect(&format!(
            "/w/{}/publishing?done=publishing_saved",
            w.workspace.slug
        ))),
        Err(problem) => page(&state, &w, Some(problem)).await,
    }
}

#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

/// The composer's live check: a text's length as the network counts it, against its limit.
pub async fn check_text(
    w: InWorkspace,
    axum::extract::Query(q): axum::extract::Query<CheckQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let tr = w.ctx.tr;
    let rules = jardinier_compose::rules::text_rules(&q.kind);
    let length = jardinier_compose::rules::length(&rules, &q.text);
    let valid = rules.limit.is_none_or(|limit| length <= limit);
    let message = match rules.limit {
        Some(limit) => tr.f(
            "publishing.count_of",
            &[
                ("length", &length.to_string()),
                ("limit", &limit.to_string()),
            ],
        ),
        None => tr.f("publishing.count", &[("length", &length.to_string())]),
    };
    Ok(axum::Json(serde_json::json!({
        "length": length,
        "limit": rules.limit,
        "valid": valid,
        "message": message,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_follow_the_workspace_zone() {
        // 1 December 2026, 09:30 in Paris is 08:30 UTC.
        assert_eq!(
            local_time("2026-12-01T09:30", "Europe/Paris"),
            Some(1_796_113_800)
        );
        assert_eq!(local_time("hier", "Europe/Paris"), None);
    }

    #[test]
    fn channels_are_checked() {
        let form = |kind: &str, address: &str, account: &str, secret: &str| ChannelForm {
            kind: kind.into(),
            name: "x".into(),
            address: address.into(),
            account: account.into(),
            secret: secret.into(),
        };
        assert!(channel_config(&form("mastodon", "https://piaille.fr", "", "tok")).is_ok());
        assert_eq!(
            channel_config(&form("mastodon", "piaille", "", "tok")),
            Err("publishing.channel_mastodon_invalid")
        );
        assert!(channel_config(&form("bluesky", "", "@brand.example", "pw")).is_ok());
        assert!(
            channel_config(&form(
                "discord",
                "https://discord.com/api/webhooks/1/x",
                "",
                ""
            ))
            .is_ok()
        );
        assert_eq!(
            channel_config(&form("fax", "", "", "")),
            Err("publishing.channel_kind_invalid")
        );
        let bot = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
        assert_eq!(
            channel_config(&form("telegram", "", "@brulerie", bot)),
            Ok(serde_json::json!({"chat": "@brulerie"}))
        );
        assert!(channel_config(&form("telegram", "", "-1001234567890", bot)).is_ok());
        assert_eq!(
            channel_config(&form("telegram", "", "brulerie", bot)),
            Err("publishing.channel_telegram_invalid"),
            "a channel name starts with @"
        );
        assert_eq!(
            channel_config(&form("telegram", "", "@brulerie", "not-a-token")),
            Err("publishing.channel_telegram_invalid")
        );
        assert_eq!(
            channel_config(&form(
                "matrix",
                "https://matrix.example",
                "!abc:matrix.example",
                "t"
            )),
            Ok(
                serde_json::json!({"homeserver": "https://matrix.example", "room": "!abc:matrix.example"})
            )
        );
        assert_eq!(
            channel_config(&form(
                "matrix",
                "https://matrix.example",
                "#room:matrix.example",
                "t"
            )),
            Err("publishing.channel_matrix_invalid"),
            "an alias is not a room id"
        );
    }
}

/// Sends a draft for approval: a link that works without an account for seven days, shown once
/// (and e-mailed when an address is given); the post is published when it is approved.
pub async fn revoke_approval(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Path((_slug, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    state
        .store
        .revoke_approvals(w.workspace.id, id, &w.user.display_name, unix_now())
        .await?;
    Ok(redirect(&format!(
        "/w/{}/publishing?done=publishing_saved",
        w.workspace.slug
    )))
}

#[derive(Template)]
#[template(path = "approve.html")]
struct ApproveTemplate {
    c: Chrome,
    token: String,
    brand: String,
    title: String,
    when: String,
    variants: Vec<(String, String)>,
    /// (id, alt, video) of the post's media, served through the link.
    media: Vec<(i64, String, bool)>,
}

/// The approval link's page, for someone without an account (the client).
pub async fn approval_page(
    State(state): State<SharedState>,
    ctx: crate::context::RequestCtx,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    let found = state
        .store
        .approval_by_token(&crate::auth::token_hash(&token))
        .await?;
    let Some((approval, post, deliveries)) = found.filter(|(a, _, _)| {
        a.revoked_at.is_none() && a.decided_at.is_none() && a.expires_at > unix_now()
    }) else {
        return super::gone(&ctx, "approval", ("/", "error_page.home"));
    };
    let Some(workspace) = state.store.workspace_by_id(approval.workspace_id).await? else {
        return super::gone(&ctx, "approval", ("/", "error_page.home"));
    };
    let channels = state.store.channels(approval.workspace_id).await?;
    let media = state
        .store
        .post_media(post.id)
        .await?
        .into_iter()
        .map(|m| (m.id, m.alt.clone(), m.is_video()))
        .collect();
    render(ApproveTemplate {
        media,
        c: super::Chrome::new(&ctx),
        token,
        brand: workspace.name,
        title: post.title,
        when: post
            .scheduled_at
            .map(|t| format_time(ctx.tr, t, &workspace.timezone))
            .unwrap_or_default(),
        variants: deliveries
            .into_iter()
            .map(|d| {
                let channel = channels
                    .iter()
                    .find(|c| c.id == d.channel_id)
                    .map(|c| format!("{} ({})", c.name, c.kind))
                    .unwrap_or_default();
                (channel, d.body)
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn approval_decide(
    State(state): State<SharedState>,
    ctx: crate::context::RequestCtx,
    axum::extract::Path(token): axum::extract::Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let approve = match form.decision.as_str() {
        "approve" => true,
        "changes" => false,
        _ => return Err(WebError::NotFound),
    };
    let comment: String = form.comment.trim().chars().take(2_000).collect();
    match state
        .store
        .decide_approval(
            &crate::auth::token_hash(&token),
            approve,
            &comment,
            unix_now(),
        )
        .await
    {
        Ok(_) => super::message(
            &ctx,
            "approval.thanks_title",
            ctx.tr
                .t(if approve {
                    "approval.thanks_approved"
                } else {
                    "approval.thanks_changes"
                })
                .to_owned(),
            None,
        ),
        Err(
            jardinier_store::StoreError::NotFound { .. } | jardinier_store::StoreError::Refused(_),
        ) => super::gone(&ctx, "approval", ("/", "error_page.home")),
        Err(e) => Err(e.into()),
    }
}

pub struct VariantView {
    pub channel: String,
    pub kind: String,
    pub language: String,
    pub body: String,
    pub count: String,
    pub status_key: String,
    pub receipt: Option<String>,
    pub receipt_url: Option<String>,
    pub error: Option<String>,
    /// "12 likes · 3 shares · 2 replies", or why there are none.
    pub results: String,
}

pub struct EventView {
    pub at: String,
    pub text: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "publishing_post.html")]
struct PostTemplate {
    c: Chrome,
    ws_slug: String,
    id: i64,
    title: String,
    state: String,
    state_key: String,
    when: String,
    campaign: String,
    tags: Vec<String>,
    variants: Vec<VariantView>,
    events: Vec<EventView>,
    may_publish: bool,
    /// Nothing has gone out: it can be changed, unscheduled or deleted.
    editable: bool,
    timezone: String,
    /// (short address, where it goes, clicks).
    links: Vec<(String, String, i64)>,
    steps: Vec<StepView>,
    /// The post's media.
    media: Vec<super::publishing_media::MediaLine>,
    may_vote: bool,
    client_step: bool,
    client_turn: bool,
    approval_link: Option<String>,
}

pub struct StepView {
    pub name: String,
    pub rule: String,
    pub current: bool,
    /// (name, decision: "", approved, changes_requested)
    pub people: Vec<(String, String)>,
}

/// One post: each text as its network will show it (with its count), each channel's receipt,
/// the approval actions, and the whole history with the team's comments.
pub async fn post_page(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Path((_slug, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, WebError> {
    post_page_with_link(&state, &w, id, None).await
}

/// The post's page; `approval_link`: the client's link just made, shown once.
pub async fn post_page_with_link(
    state: &SharedState,
    w: &InWorkspace,
    id: i64,
    approval_link: Option<String>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let tr = w.ctx.tr;
    let Some((post, deliveries)) = state.store.post(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let channels = state.store.channels(w.workspace.id).await?;
    let tz = &w.workspace.timezone;
    // Until a delivery goes, the post can be changed, taken off the schedule or deleted.
    let editable = matches!(
        post.state.as_str(),
        "draft" | "scheduled" | "pending_approval"
    ) && !deliveries
        .iter()
        .any(|d| matches!(d.status.as_str(), "sending" | "sent" | "failed"));
    let variants = deliveries
        .into_iter()
        .map(|d| {
            let channel = channels.iter().find(|c| c.id == d.channel_id);
            let kind = channel.map(|c| c.kind.clone()).unwrap_or_default();
            let rules = jardinier_compose::rules::text_rules(&kind);
            let length = jardinier_compose::rules::length(&rules, &d.body).to_string();
            let count = match rules.limit {
                Some(limit) => tr.f(
                    "publishing.count_of",
                    &[("length", &length), ("limit", &limit.to_string())],
                ),
                None => tr.f("publishing.count", &[("length", &length)]),
            };
            let counted = jardinier_outbound::results::COUNTED_KINDS.contains(&kind.as_str());
            let results = match (d.likes, d.shares, d.replies) {
                (Some(likes), Some(shares), Some(replies)) => tr.f(
                    "publishing.results_counts",
                    &[
                        ("likes", &likes.to_string()),
                        ("shares", &shares.to_string()),
                        ("replies", &replies.to_string()),
                    ],
                ),
                _ if !counted => tr.t("publishing.results_not_given").to_owned(),
                _ if d.status == "sent" => tr.t("publishing.results_soon").to_owned(),
                _ => String::new(),
            };
            VariantView {
                results,
                channel: channel.map(|c| c.name.clone()).unwrap_or_default(),
                kind,
                language: d
                    .language
                    .as_deref()
                    .map(|l| tr.t(&format!("language.{l}")).to_owned())
                    .unwrap_or_default(),
                body: d.body,
                count,
                status_key: format!("publishing.delivery_{}", d.status),
                receipt_url: d.remote_url.clone(),
                receipt: d.remote_id,
                error: d.last_error,
            }
        })
        .collect();
    let events = state
        .store
        .post_events(w.workspace.id, id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: format_time(w.ctx.tr, e.at, tz),
            text: tr.f(
                &format!("publishing.event_{}", e.kind),
                &[("who", e.actor.as_str())],
            ),
            // These events name the state the post was left in: said in words, never its code.
            detail: if matches!(e.kind.as_str(), "created" | "edited" | "approval_reset")
                && matches!(
                    e.detail.as_str(),
                    "draft" | "scheduled" | "pending_approval"
                ) {
                tr.t(&format!("publishing.state_{}", e.detail)).to_owned()
            } else {
                e.detail
            },
        })
        .collect();
    let links = state
        .store
        .short_links(w.workspace.id, id)
        .await?
        .into_iter()
        .map(|l| {
            (
                format!("{}/s/{}", state.config.base_url, l.code),
                l.url,
                l.clicks,
            )
        })
        .collect();
    // The approval's steps, with who decided, and whether this teammate may decide now.
    let policy = state.store.approval_policy(w.workspace.id).await?;
    let votes = state.store.approval_votes(w.workspace.id, id).await?;
    let members = state.store.members(w.workspace.id).await?;
    let name_of = |uid: i64| {
        members
            .iter()
            .find(|m| m.user.id == uid)
            .map(|m| m.user.display_name.clone())
            .unwrap_or_default()
    };
    let waiting_at = post
        .approval_step
        .filter(|_| post.state == "pending_approval");
    let steps: Vec<StepView> = policy
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| StepView {
            name: step.name.clone(),
            rule: tr
                .t(if step.all {
                    "approvals.rule_all"
                } else {
                    "approvals.rule_any"
                })
                .to_owned(),
            current: waiting_at == Some(i as i64),
            people: step
                .approvers
                .iter()
                .map(|uid| {
                    let decided = votes
                        .iter()
                        .find(|v| v.step == i as i64 && v.user_id == *uid)
                        .map(|v| v.decision.clone());
                    (name_of(*uid), decided.unwrap_or_default())
                })
                .collect(),
        })
        .collect();
    let may_vote = waiting_at.is_some_and(|i| {
        policy
            .steps
            .get(i as usize)
            .is_some_and(|s| s.approvers.contains(&w.user.id))
            && !votes.iter().any(|v| v.step == i && v.user_id == w.user.id)
    });
    let client_turn = post.state == "pending_approval" && waiting_at.is_none();
    let media = super::publishing_media::lines(state.store.post_media(id).await?);
    render(PostTemplate {
        media,
        steps,
        may_vote,
        client_step: policy.client,
        client_turn,
        approval_link,
        links,
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        id,
        title: post.title,
        state_key: format!("publishing.state_{}", post.state),
        state: post.state,
        when: post
            .scheduled_at
            .map(|t| format_time(w.ctx.tr, t, tz))
            .unwrap_or_default(),
        campaign: post.campaign,
        tags: post.tags,
        variants,
        events,
        may_publish: w.role.can(Permission::Publish),
        editable,
        timezone: tz.clone(),
    })
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    text: String,
}

/// A comment on a post, for the team (and in its history). Clients comment too: that is
/// what a draft shown to them is for.
pub async fn comment(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Path((_slug, id)): axum::extract::Path<(String, i64)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let text: String = form.text.trim().chars().take(4_000).collect();
    if !text.is_empty() {
        match state
            .store
            .comment_post(w.workspace.id, id, &w.user.display_name, &text, unix_now())
            .await
        {
            Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
            other => other?,
        }
    }
    Ok(redirect(&format!(
        "/w/{}/publishing/posts/{id}#history",
        w.workspace.slug
    )))
}

/// Sends the post's failed deliveries again (after the team fixed what the channel refused).
pub async fn retry(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Path((_slug, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    state
        .store
        .retry_failed(w.workspace.id, id, &w.user.display_name, unix_now())
        .await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/posts/{id}?done=publishing_retried",
        w.workspace.slug
    )))
}

/// A built-in short link: one more click, then on to the address. Nothing about the reader is
/// kept.
pub async fn short_link(
    State(state): State<SharedState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    match state.store.click_short_link(&code).await? {
        Some(url) => Ok((
            axum::http::StatusCode::FOUND,
            [
                (axum::http::header::LOCATION, url),
                (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
                (
                    axum::http::header::REFERRER_POLICY,
                    "no-referrer".to_owned(),
                ),
            ],
        )
            .into_response()),
        None => Err(WebError::NotFound),
    }
}

pub struct SlotLine {
    pub id: i64,
    pub channel: String,
    pub day: String,
    pub time: String,
}

#[derive(Template)]
#[template(path = "publishing_queue.html")]
struct QueueTemplate {
    c: Chrome,
    ws_slug: String,
    slots: Vec<SlotLine>,
    channels: Vec<(i64, String)>,
    weekdays: Vec<(i64, String)>,
    may_publish: bool,
    timezone: String,
    error: Option<String>,
}

async fn queue_page(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
) -> Result<Response, WebError> {
    let tr = w.ctx.tr;
    let channels = state.store.channels(w.workspace.id).await?;
    let slots = state
        .store
        .queue_slots(w.workspace.id)
        .await?
        .into_iter()
        .map(|s| SlotLine {
            id: s.id,
            channel: channels
                .iter()
                .find(|c| c.id == s.channel_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            day: tr.t(&format!("calendar.weekday_{}", s.weekday)).to_owned(),
            time: format!("{:02}:{:02}", s.minute / 60, s.minute % 60),
        })
        .collect();
    let template = QueueTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        slots,
        channels: channels.iter().map(|c| (c.id, c.name.clone())).collect(),
        weekdays: (1..=7)
            .map(|d| (d, tr.t(&format!("calendar.weekday_{d}")).to_owned()))
            .collect(),
        may_publish: w.role.can(Permission::Publish),
        timezone: w.workspace.timezone.clone(),
        error,
    };
    if template.error.is_some() {
        super::render_invalid(template)
    } else {
        render(template)
    }
}

/// The channels' weekly queue slots.
pub async fn queue(State(state): State<SharedState>, w: InWorkspace) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    queue_page(&state, &w, None).await
}

/// Adds slots from `channel`, `day` (repeated, 1–7) and `time` (09:30).
pub async fn add_slots(
    State(state): State<SharedState>,
    w: InWorkspace,
    body: String,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let (mut channel, mut days, mut time) = (0_i64, Vec::new(), String::new());
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "channel" => channel = value.parse().unwrap_or(0),
            "day" => days.extend(value.parse::<i64>().ok().filter(|d| (1..=7).contains(d))),
            "time" => time = value.into_owned(),
            _ => {}
        }
    }
    let minute = jiff::civil::Time::strptime("%H:%M", time.trim())
        .ok()
        .map(|t| i64::from(t.hour()) * 60 + i64::from(t.minute()));
    let Some(minute) = minute.filter(|_| !days.is_empty()) else {
        return queue_page(
            &state,
            &w,
            Some(w.ctx.tr.t("publishing.slot_invalid").to_owned()),
        )
        .await;
    };
    for day in days {
        match state
            .store
            .add_queue_slot(w.workspace.id, channel, day, minute)
            .await
        {
            Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
            other => other?,
        }
    }
    Ok(redirect(&format!(
        "/w/{}/publishing/queue?done=publishing_slots_saved",
        w.workspace.slug
    )))
}

pub async fn delete_slot(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Path((_slug, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    state.store.delete_queue_slot(w.workspace.id, id).await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/queue?done=publishing_slots_saved",
        w.workspace.slug
    )))
}

/// A medium of the post an approval link shows, for the client (only while the link works).
pub async fn approval_media(
    State(state): State<SharedState>,
    axum::extract::Path((token, id)): axum::extract::Path<(String, i64)>,
) -> Result<Response, WebError> {
    let Some((approval, post, _)) = state
        .store
        .approval_by_token(&crate::auth::token_hash(&token))
        .await?
        .filter(|(a, _, _)| {
            a.revoked_at.is_none() && a.decided_at.is_none() && a.expires_at > unix_now()
        })
    else {
        return Err(WebError::NotFound);
    };
    let Some(media) = state
        .store
        .post_media(post.id)
        .await?
        .into_iter()
        .find(|m| m.id == id && m.workspace_id == approval.workspace_id)
    else {
        return Err(WebError::NotFound);
    };
    super::publishing_media::file_response(&state, &media, None).await
}

#[derive(Deserialize)]
pub struct CardQuery {
    #[serde(default)]
    url: String,
}

/// The card of a linked page, for the composer's and the post's previews (JSON; `null` when
/// the page gives none).
pub async fn link_card(
    w: InWorkspace,
    axum::extract::Query(q): axum::extract::Query<CardQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let client = jardinier_outbound::oauth::http_client();
    let card = jardinier_outbound::media::fetch_card(&client, q.url.trim()).await;
    Ok(axum::Json(card.map(
        |c| serde_json::json!({"title": c.title, "description": c.description, "image": c.image}),
    ))
    .into_response())
}
