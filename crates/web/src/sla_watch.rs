//! Warnings before a response-time target is missed: every minute, the conversations still
//! waiting for a first answer are checked against their workspace's targets and business
//! hours; once one is at risk (or already late), the teammate who has it — or, if nobody has
//! it, the workspace's owners and managers — get an e-mail through the mail outbox, and the
//! conversation's history says so. Each conversation is warned about once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jardinier_domain::Permission;
use jardinier_inbox::sla::{BusinessHours, SlaClock, clock, short_duration};
use jardinier_store::{NewMail, SlaPolicy, Store, StoreError};
use jiff::tz::TimeZone;

use crate::pages::format_time;

/// Checks the waiting conversations once; returns how many warnings were sent.
pub async fn warn_due(store: &dyn Store, base_url: &str, now: i64) -> Result<usize, StoreError> {
    let candidates = store.unanswered_unwarned(500).await?;
    let mut policies: HashMap<i64, (SlaPolicy, BusinessHours, TimeZone, String, String)> =
        HashMap::new();
    let mut warned = 0;
    for c in candidates {
        if let std::collections::hash_map::Entry::Vacant(slot) = policies.entry(c.workspace_id) {
            let Some(workspace) = store.workspace_by_id(c.workspace_id).await? else {
                continue;
            };
            let policy = store
                .sla_policy(c.workspace_id)
                .await?
                .unwrap_or_else(crate::pages::default_sla_policy);
            let hours = BusinessHours::parse(&policy.hours).unwrap_or_default();
            let tz = TimeZone::get(&workspace.timezone).unwrap_or(TimeZone::UTC);
            slot.insert((policy, hours, tz, workspace.slug, workspace.timezone));
        }
        let (policy, hours, tz, slug, timezone) = &policies[&c.workspace_id];
        let (key, due) = match clock(
            c.created_at,
            None,
            now,
            policy.first_response_minutes * 60,
            policy.warn_percent,
            hours,
            tz,
        ) {
            SlaClock::AtRisk { due } => ("at_risk", due),
            SlaClock::Breached { since } => ("late", since),
            _ => continue,
        };
        let members = store.members(c.workspace_id).await?;
        let recipients: Vec<_> = members
            .iter()
            .filter(|m| match c.assignee_id {
                Some(assignee) => m.user.id == assignee,
                None => m.role.can(Permission::ManageWorkspace),
            })
            .collect();
        let link = format!("{base_url}/w/{slug}/inbox/{}", c.id);
        for member in &recipients {
            let tr = crate::mail_tr(&member.user);
            let due_text = format_time(tr, due, timezone);
            let left = short_duration((due - now).abs());
            let args = [
                ("name", member.user.display_name.as_str()),
                ("subject", c.subject.as_str()),
                ("due", due_text.as_str()),
                ("left", left.as_str()),
                ("link", link.as_str()),
            ];
            store
                .enqueue_mail(&NewMail {
                    idempotency_key: &format!("sla:{}:{}", c.id, member.user.id),
                    to: &member.user.email,
                    subject: &tr.f(&format!("mail.sla.subject_{key}"), &args),
                    body_text: &tr.f(&format!("mail.sla.body_{key}"), &args),
                    created_at: now,
                    list_unsubscribe: None,
                })
                .await?;
        }
        store.mark_sla_warned(c.id, key, now).await?;
        warned += 1;
    }
    Ok(warned)
}

/// How often authors who come back are looked for, and how many mentions in a month make one.
const REGULARS_EVERY: Duration = Duration::from_secs(600);
pub const REGULAR_MENTIONS: i64 = 3;

/// How long a community question may wait for a first reply before it goes to the inbox.
pub const UNANSWERED_AFTER: i64 = 3600;

/// Runs until `shutdown` flips to true, checking every `interval` (response-time warnings, and
/// publishing failures through [`crate::publish_watch`]) and every ten minutes for authors who
/// come back; wakes the mail worker when it wrote mail.
pub async fn run(
    store: Arc<dyn Store>,
    base_url: String,
    mail_wake: Arc<tokio::sync::Notify>,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    // Regulars are looked for less often than clocks: a read over a month of mentions.
    let mut regulars_due = tokio::time::Instant::now() + REGULARS_EVERY;
    loop {
        if tokio::time::Instant::now() >= regulars_due {
            regulars_due = tokio::time::Instant::now() + REGULARS_EVERY;
            let now = crate::unix_now();
            match store
                .profile_regulars(REGULAR_MENTIONS, now - 30 * 86_400, 500, now)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(profiles = n, "returning authors got profiles"),
                Err(error) => tracing::error!(%error, "profiles for returning authors"),
            }
        }
        // Questions of the community nobody answered within the hour go to the inbox.
        let now = crate::unix_now();
        match store
            .send_unanswered_questions_to_inbox(now - UNANSWERED_AFTER, now)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                questions = n,
                "unanswered community questions sent to the inbox"
            ),
            Err(error) => tracing::error!(%error, "unanswered community questions"),
        }
        match warn_due(store.as_ref(), &base_url, crate::unix_now()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(warnings = n, "response-time warnings sent");
                mail_wake.notify_one();
            }
            Err(error) => tracing::error!(%error, "response-time warnings"),
        }
        match crate::publish_watch::notify_failures(store.as_ref(), &base_url, crate::unix_now())
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(failures = n, "publishing failures told to the team");
                mail_wake.notify_one();
            }
            Err(error) => tracing::error!(%error, "publishing failure notices"),
        }
        match crate::publish_watch::warn_expiring(store.as_ref(), &base_url, crate::unix_now())
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(channels = n, "ending connections told to the team");
                mail_wake.notify_one();
            }
            Err(error) => tracing::error!(%error, "connection expiry warnings"),
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
