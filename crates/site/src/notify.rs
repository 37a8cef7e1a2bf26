//! Notifications (issue 16, item 6): who is told about a post (mentioned members, the topic's
//! watchers, the category's watchers for a new topic, an answer's author when it is accepted),
//! the e-mails sent at once or gathered in a daily or weekly digest ([`send_digests`]), each
//! with a one-click unsubscribe link (`List-Unsubscribe`, as the newsletters do), the bell's
//! page, and watching a topic.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jardinier_i18n::{Lang, Tr};
use jardinier_store::{
    CommunityNotification, CommunitySite, NewMail, NewNotifications, NotificationRecipient, Store,
};

use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::render;
use crate::{SharedSite, unix_now};

/// The community's address from outside (its own host, or `{base_url}/c/{slug}`).
pub fn absolute(site: &CommunitySite, base_url: &str, secure: bool) -> String {
    match &site.host {
        Some(host) => format!("{}://{host}", if secure { "https" } else { "http" }),
        None => format!("{base_url}/c/{}", site.slug),
    }
}

fn tr_for(who: &NotificationRecipient) -> Tr {
    Tr::new(
        who.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(Lang::Fr),
    )
}

/// One line about a notification, in the reader's language.
pub fn line(tr: Tr, n: &CommunityNotification) -> String {
    tr.f(
        &format!("site.notify.{}", n.kind),
        &[("who", &n.actor), ("topic", &n.topic_title)],
    )
}

fn post_url(community: &str, n: &CommunityNotification) -> String {
    format!("{community}/t/{}/{}/{}", n.topic_id, n.topic_slug, n.number)
}

async fn unsubscribe_url(
    store: &dyn Store,
    community: &str,
    who: &NotificationRecipient,
) -> Result<String, SiteError> {
    let token = match &who.unsubscribe_token {
        Some(token) => token.clone(),
        None => {
            store
                .community_unsubscribe_token(
                    who.account_id,
                    &jardinier_webkit::secrets::random_token(),
                )
                .await?
        }
    };
    Ok(format!("{community}/unsubscribe/{token}"))
}

/// E-mails one person about `notifications` (one, or a digest).
async fn mail(
    store: &dyn Store,
    site: &CommunitySite,
    community: &str,
    who: &NotificationRecipient,
    notifications: &[CommunityNotification],
    now: i64,
) -> Result<(), SiteError> {
    let tr = tr_for(who);
    let unsubscribe = unsubscribe_url(store, community, who).await?;
    let (subject, key) = match notifications {
        [one] => (line(tr, one), format!("community-notification-{}", one.id)),
        many => (
            tr.f(
                "site.mail.digest.subject",
                &[
                    ("community", &site.name),
                    ("n", &tr.number(many.len() as i64)),
                ],
            ),
            format!(
                "community-digest-{}-{}",
                who.account_id,
                many.last().map(|n| n.id).unwrap_or_default()
            ),
        ),
    };
    let mut body = tr.f("site.mail.notify.hello", &[("name", &who.display_name)]);
    body.push_str("\n\n");
    for n in notifications {
        body.push_str(&format!(
            "- {}\n  {}\n",
            line(tr, n),
            post_url(community, n)
        ));
    }
    body.push_str(&format!(
        "\n-- \n{}\n{}: {}\n{}: {community}/account\n",
        site.name,
        tr.t("site.mail.unsubscribe"),
        unsubscribe,
        tr.t("site.mail.preferences"),
    ));
    store
        .enqueue_mail(&NewMail {
            idempotency_key: &key,
            to: &who.email,
            subject: &subject,
            body_text: &body,
            created_at: now,
            list_unsubscribe: Some(&unsubscribe),
        })
        .await?;
    let ids: Vec<i64> = notifications.iter().map(|n| n.id).collect();
    store
        .mark_community_notifications_emailed(&ids, now)
        .await?;
    Ok(())
}

/// Tells whom a new post concerns, and e-mails at once those who asked for it. Failures are
/// logged: the post is stored already.
pub async fn after_post(
    state: &SharedSite,
    c: &SiteCtx,
    topic_id: i64,
    number: i64,
    mentioned: &[String],
    quoted: &[i64],
    kind: &str,
) {
    let actor = match (&c.staff, &c.member) {
        (Some((_, name)), _) => name.clone(),
        (None, Some(m)) => m.display_name.clone(),
        (None, None) => return,
    };
    let now = unix_now();
    let result = async {
        let told = state
            .store
            .notify_community(&NewNotifications {
                workspace_id: c.site.workspace_id,
                topic_id,
                number,
                actor: &actor,
                actor_account: c.member.as_ref().map(|m| m.id),
                mentioned,
                quoted,
                kind,
                now,
            })
            .await?;
        let mut mailed = false;
        for (notification, who) in told {
            if who.frequency == "immediate" {
                mail(
                    state.store.as_ref(),
                    &c.site,
                    &c.absolute,
                    &who,
                    std::slice::from_ref(&notification),
                    now,
                )
                .await?;
                mailed = true;
            }
        }
        if mailed {
            state.mail_wake.notify_one();
        }
        Ok::<(), SiteError>(())
    }
    .await;
    if let Err(error) = result {
        tracing::error!(%error, "community notifications");
    }
}

/// Sends the digests that are due; returns how many went out.
pub async fn send_digests(
    store: &dyn Store,
    base_url: &str,
    secure: bool,
    now: i64,
) -> Result<usize, SiteError> {
    let mut sent = 0;
    for (who, notifications) in store.due_community_digests(now, 200).await? {
        let Some(site) = store.community_site(who.workspace_id).await? else {
            continue;
        };
        let community = absolute(&site, base_url, secure);
        mail(store, &site, &community, &who, &notifications, now).await?;
        store
            .mark_community_digest_sent(who.account_id, now)
            .await?;
        sent += 1;
    }
    Ok(sent)
}

/// Sends due digests every `interval` until `shutdown`.
pub async fn run_digests(
    store: Arc<dyn Store>,
    base_url: String,
    secure: bool,
    mail_wake: Arc<tokio::sync::Notify>,
    interval: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match send_digests(store.as_ref(), &base_url, secure, unix_now()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(digests = n, "community digests sent");
                mail_wake.notify_one();
            }
            Err(error) => tracing::error!(%error, "community digests"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage<'a> {
    c: &'a SiteCtx,
    lines: Vec<(String, String, bool, String)>,
}

/// The bell's page: the newest notifications, marked read once shown.
pub async fn notifications(
    State(state): State<SharedSite>,
    c: SiteCtx,
) -> Result<Response, SiteError> {
    let Some(member) = &c.member else {
        return Ok(Redirect::to(&c.href("/signin?next=/notifications")).into_response());
    };
    let found = state.store.community_notifications(member.id, 50).await?;
    state
        .store
        .mark_community_notifications_read(member.id, unix_now())
        .await?;
    let lines = found
        .iter()
        .map(|n| {
            (
                line(c.tr, n),
                c.href(&format!("/t/{}/{}/{}", n.topic_id, n.topic_slug, n.number)),
                n.read,
                c.time(&n.created_at),
            )
        })
        .collect();
    render(NotificationsPage { c: &c, lines })
}

/// Watching a topic (or no longer): told of every reply.
pub async fn watch(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Form(form): axum::extract::Form<WatchForm>,
) -> Result<Response, SiteError> {
    let Some(member) = &c.member else {
        return Ok(Redirect::to(&c.href("/signin")).into_response());
    };
    let topic = state
        .store
        .community_topic(c.site.workspace_id, id)
        .await?
        .ok_or(SiteError::NotFound)?;
    state
        .store
        .watch_community_topic(member.id, topic.id, form.watch == "yes")
        .await?;
    Ok(Redirect::to(&c.href(&format!("/t/{}/{}", topic.id, topic.slug))).into_response())
}

#[derive(serde::Deserialize)]
pub struct WatchForm {
    #[serde(default)]
    watch: String,
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage<'a> {
    c: &'a SiteCtx,
    action: String,
}

/// The link of an e-mail, opened in a browser: a button confirms (a link scanner that follows
/// it unsubscribes nobody).
pub async fn unsubscribe_form(
    c: SiteCtx,
    Path((_, token)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    let action = c.href(&format!("/unsubscribe/{token}"));
    render(UnsubscribePage { c: &c, action })
}

/// One click from an e-mail (RFC 8058: the mail client posts here, without a form token): no
/// more e-mails of notifications for this member.
pub async fn unsubscribe(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, token)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    match state.store.unsubscribe_community(&token).await? {
        Some(_) => crate::account::message(
            &c,
            "site.unsubscribed",
            Some((c.href("/account"), "site.account.title")),
        ),
        None => crate::account::message(&c, "site.link.expired", None),
    }
}
