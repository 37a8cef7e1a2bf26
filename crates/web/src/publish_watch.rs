//! Failures nobody is told about are the first complaint about scheduling tools: each failed
//! delivery is e-mailed once to the post's author (or, without one, to the workspace's owners
//! and managers) with the channel's words and a link to the post. Run by the watcher loop of
//! [`crate::sla_watch::run`].

use jardinier_domain::Permission;
use jardinier_store::{NewMail, Store, StoreError};

/// Tells the team about failed deliveries; returns how many were told.
pub async fn notify_failures(
    store: &dyn Store,
    base_url: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let mut told = 0;
    for (delivery, post) in store.failed_unnotified(200).await? {
        let Some(workspace) = store.workspace_by_id(post.workspace_id).await? else {
            continue;
        };
        let members = store.members(post.workspace_id).await?;
        let author = members
            .iter()
            .filter(|m| Some(m.user.id) == post.author_id)
            .collect::<Vec<_>>();
        let recipients = if author.is_empty() {
            members
                .iter()
                .filter(|m| m.role.can(Permission::ManageWorkspace))
                .collect()
        } else {
            author
        };
        let channel = store
            .channels(post.workspace_id)
            .await?
            .into_iter()
            .find(|c| c.id == delivery.channel_id)
            .map(|c| c.name)
            .unwrap_or_default();
        let link = format!(
            "{base_url}/w/{}/publishing/posts/{}",
            workspace.slug, post.id
        );
        let error = delivery.last_error.clone().unwrap_or_default();
        for member in recipients {
            let tr = crate::mail_tr(&member.user);
            let args = [
                ("name", member.user.display_name.as_str()),
                ("title", post.title.as_str()),
                ("channel", channel.as_str()),
                ("brand", workspace.name.as_str()),
                ("error", error.as_str()),
                ("link", link.as_str()),
            ];
            store
                .enqueue_mail(&NewMail {
                    idempotency_key: &format!("post-failed:{}:{}", delivery.id, member.user.id),
                    to: &member.user.email,
                    subject: &tr.f("mail.post_failed.subject", &args),
                    body_text: &tr.f("mail.post_failed.body", &args),
                    created_at: now,
                    list_unsubscribe: None,
                })
                .await?;
        }
        store.mark_failure_notified(delivery.id, now).await?;
        told += 1;
    }
    Ok(told)
}

/// Warns owners and managers once, a week ahead, that a channel's connection will end (tokens
/// that cannot be renewed by themselves); returns how many channels were warned of.
pub async fn warn_expiring(
    store: &dyn Store,
    base_url: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let expiring = store
        .channels_expiring(&jardinier_outbound::publish::OAUTH_KINDS, now + 7 * 86_400)
        .await?;
    let count = expiring.len();
    for channel in expiring {
        let Some(workspace) = store.workspace_by_id(channel.workspace_id).await? else {
            continue;
        };
        let link = format!("{base_url}/w/{}/publishing", workspace.slug);
        for member in store
            .members(channel.workspace_id)
            .await?
            .iter()
            .filter(|m| m.role.can(Permission::ManageWorkspace))
        {
            let tr = crate::mail_tr(&member.user);
            let args = [
                ("name", member.user.display_name.as_str()),
                ("channel", channel.name.as_str()),
                ("brand", workspace.name.as_str()),
                ("link", link.as_str()),
            ];
            store
                .enqueue_mail(&NewMail {
                    idempotency_key: &format!(
                        "channel-expiring:{}:{}:{now}",
                        channel.id, member.user.id
                    ),
                    to: &member.user.email,
                    subject: &tr.f("mail.channel_expiring.subject", &args),
                    body_text: &tr.f("mail.channel_expiring.body", &args),
                    created_at: now,
                    list_unsubscribe: None,
                })
                .await?;
        }
        store.mark_channel_warned(channel.id, now).await?;
    }
    Ok(count)
}
