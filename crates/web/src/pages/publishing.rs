//! The Publishing section, first version: the brand's channels, a post written once with a
//! variant per channel and scheduled in the workspace's time zone (or kept as a draft), and the
//! posts with each channel's receipt or error. The publisher (`jardinier-outbound`) sends them.

use askama::Template;
use axum::extract::{Form, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_outbound::publish::{CHANNEL_KINDS, post_limit};
use jardinier_store::{NewChannel, NewPost};
use serde::Deserialize;

use super::{Chrome, format_time, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

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
    c: Chrome,
    ws_slug: String,
    channels: Vec<ChannelLine>,
    posts: Vec<PostLine>,
    kinds: Vec<&'static str>,
    may_publish: bool,
    timezone: String,
    error: Option<String>,
    /// The approval link just made: shown once.
    approval_link: Option<String>,
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
) -> Result<Response, WebError> {
    page_with(state, w, error, None).await
}

async fn page_with(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
    approval_link: Option<String>,
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
    let posts = state
        .store
        .posts(w.workspace.id, 100)
        .await?
        .into_iter()
        .map(|(p, deliveries)| PostLine {
            id: p.id,
            title: p.title,
            state: p.state,
            when: p
                .scheduled_at
                .map(|t| format_time(t, tz))
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
    render(PublishingTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        channels: channels
            .iter()
            .map(|c| ChannelLine {
                id: c.id,
                kind: c.kind.clone(),
                name: c.name.clone(),
                limit: post_limit(&c.kind)
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
    })
}

pub async fn publishing(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    page(&state, &w, None).await
}

#[derive(Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    /// Mastodon: the instance; Discord, Slack, webhook: the address posts go to.
    #[serde(default)]
    address: String,
    /// Bluesky: the brand's handle.
    #[serde(default)]
    account: String,
    /// Mastodon: access token; Bluesky: app password; webhook: signing secret.
    #[serde(default)]
    secret: String,
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

pub async fn add_post(
    State(state): State<SharedState>,
    w: InWorkspace,
    body: String,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let channels = state.store.channels(w.workspace.id).await?;
    let (mut title, mut when, mut intent) = (String::new(), String::new(), String::new());
    let mut variants: Vec<(i64, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "title" => title = value.trim().to_owned(),
            "when" => when = value.into_owned(),
            "intent" => intent = value.into_owned(),
            other => {
                if let Some(id) = other
                    .strip_prefix("text_")
                    .and_then(|i| i.parse::<i64>().ok())
                    && !value.trim().is_empty()
                {
                    variants.push((id, value.trim().to_owned()));
                }
            }
        }
    }
    let problem = if title.is_empty() || title.chars().count() > 120 {
        Some(tr.t("publishing.post_title_invalid").to_owned())
    } else if variants.is_empty() {
        Some(tr.t("publishing.post_no_variant").to_owned())
    } else {
        variants.iter().find_map(|(id, text)| {
            let channel = channels.iter().find(|c| c.id == *id)?;
            let limit = post_limit(&channel.kind)?;
            (text.chars().count() > limit).then(|| {
                tr.f(
                    "publishing.post_too_long",
                    &[
                        ("channel", channel.name.as_str()),
                        ("limit", &limit.to_string()),
                    ],
                )
            })
        })
    };
    let scheduled_at = match intent.as_str() {
        "draft" => None,
        _ => match local_time(&when, &w.workspace.timezone) {
            Some(t) if t >= unix_now() - 60 => Some(t),
            _ => {
                let error = tr.t("publishing.post_when_invalid").to_owned();
                return page(&state, &w, Some(problem.unwrap_or(error))).await;
            }
        },
    };
    if let Some(problem) = problem {
        return page(&state, &w, Some(problem)).await;
    }
    match state
        .store
        .create_post(&NewPost {
            workspace_id: w.workspace.id,
            author_id: Some(w.user.id),
            title: &title,
            variants: &variants,
            scheduled_at,
            now: unix_now(),
        })
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/w/{}/publishing?done=publishing_saved",
            w.workspace.slug
        ))),
        Err(jardinier_store::StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
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
    }
}

/// How long an approval link works.
pub const APPROVAL_DAYS: i64 = 7;

#[derive(Deserialize)]
pub struct ApprovalForm {
    #[serde(default)]
    when: String,
    /// Optional: the link is also e-mailed there.
    #[serde(default)]
    email: String,
}

/// Sends a draft for approval: a link that works without an account for seven days, shown once
/// (and e-mailed when an address is given); the post is published when it is approved.
pub async fn request_approval(
    State(state): State<SharedState>,
    w: InWorkspace,
    axum::extract::Path((_slug, id)): axum::extract::Path<(String, i64)>,
    Form(form): Form<ApprovalForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let Some(when) = local_time(&form.when, &w.workspace.timezone) else {
        return page(
            &state,
            &w,
            Some(tr.t("publishing.post_when_invalid").to_owned()),
        )
        .await;
    };
    let email = form.email.trim();
    if !email.is_empty() && jardinier_domain::Email::parse("email", email).is_err() {
        return page(
            &state,
            &w,
            Some(tr.t("publishing.approval_email_invalid").to_owned()),
        )
        .await;
    }
    let token = crate::auth::random_token();
    let now = unix_now();
    match state
        .store
        .request_approval(&jardinier_store::ApprovalRequest {
            workspace_id: w.workspace.id,
            post_id: id,
            scheduled_at: when,
            token_hash: &crate::auth::token_hash(&token),
            expires_at: now + APPROVAL_DAYS * 86_400,
            actor: &w.user.display_name,
            now,
        })
        .await
    {
        Ok(_) => {}
        Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(jardinier_store::StoreError::Refused(_)) => {
            return page(
                &state,
                &w,
                Some(tr.t("publishing.approval_not_draft").to_owned()),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    let link = format!("{}/approve/{token}", state.config.base_url);
    if !email.is_empty() {
        let args = [
            ("who", w.user.display_name.as_str()),
            ("brand", w.workspace.name.as_str()),
            ("link", link.as_str()),
            ("days", "7"),
        ];
        state
            .store
            .enqueue_mail(&jardinier_store::NewMail {
                idempotency_key: &format!("approval:{}", crate::auth::token_hash(&token)),
                to: email,
                subject: &tr.f("mail.approval.subject", &args),
                body_text: &tr.f("mail.approval.body", &args),
                created_at: now,
            })
            .await?;
        state.mail_wake.notify_one();
    }
    page_with(&state, &w, None, Some(link)).await
}

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
    render(ApproveTemplate {
        c: super::Chrome::new(&ctx),
        token,
        brand: workspace.name,
        title: post.title,
        when: post
            .scheduled_at
            .map(|t| format_time(t, &workspace.timezone))
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
