//! A newsletter campaign's page (issue 15, item 2): its statistics once sent; while it is a
//! draft, its list, subject, text and rate can be changed; and at any time it can be sent as a
//! test to a few addresses the team chooses — the campaign as subscribers will get it, its
//! subject marked as a test — before it goes out. Test sends go through the newsletter sender
//! (`jardinier_outbound::newsletter`), apart from the campaign's statistics.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::{Email, Permission};
use serde::Deserialize;

use super::newsletters::{CampaignForm, DEFAULT_RATE_PER_MINUTE};
use super::{Chrome, format_time, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// Addresses one test send may go to.
pub const MAX_TEST_ADDRESSES: usize = 5;

/// A campaign's fields, checked.
pub struct Checked {
    pub subject: String,
    pub body: String,
    pub rate: i64,
}

/// Checks a campaign's fields (the list must be the workspace's): the catalogue key of what is
/// wrong, or the fields to save.
pub async fn check(
    state: &SharedState,
    w: &InWorkspace,
    form: &CampaignForm,
) -> Result<Result<Checked, &'static str>, WebError> {
    let subject = form.subject.trim();
    let rate = if form.rate.trim().is_empty() {
        Some(DEFAULT_RATE_PER_MINUTE)
    } else {
        form.rate
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|r| (1..=100_000).contains(r))
    };
    let list = state
        .store
        .newsletter_list(w.workspace.id, form.list)
        .await?;
    Ok(if list.is_none() {
        Err("newsletter.list_missing")
    } else if subject.is_empty() || subject.chars().count() > 200 {
        Err("newsletter.subject_invalid")
    } else if form.body.trim().is_empty() || form.body.len() > 200_000 {
        Err("newsletter.body_invalid")
    } else if let Some(rate) = rate {
        Ok(Checked {
            subject: subject.to_owned(),
            body: form.body.trim_end().to_owned(),
            rate,
        })
    } else {
        Err("newsletter.rate_invalid")
    })
}

/// The addresses of a test send, from a text with commas, semicolons or new lines: each checked,
/// each once, at most [`MAX_TEST_ADDRESSES`]; or the catalogue key of what is wrong with the
/// address shown.
pub fn test_addresses(text: &str) -> Result<Vec<String>, (&'static str, String)> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split([',', ';', '\n', ' ']) {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let email = Email::parse("email", raw)
            .map_err(|_| ("newsletter.test_address_invalid", raw.to_owned()))?;
        let email = email.as_str().to_lowercase();
        if !out.contains(&email) {
            out.push(email);
        }
    }
    if out.is_empty() {
        return Err(("newsletter.test_no_address", String::new()));
    }
    if out.len() > MAX_TEST_ADDRESSES {
        return Err(("newsletter.test_too_many", MAX_TEST_ADDRESSES.to_string()));
    }
    Ok(out)
}

pub struct TestLine {
    pub email: String,
    pub who: String,
    pub when: String,
    pub status_key: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "newsletter_campaign.html")]
struct CampaignTemplate {
    c: Chrome,
    ws_slug: String,
    id: i64,
    subject: String,
    list: String,
    state: String,
    state_key: String,
    rate: i64,
    author: String,
    started: String,
    finished: String,
    recipients: i64,
    queued: i64,
    sent: i64,
    bounced: i64,
    failed: i64,
    clicks: i64,
    links: Vec<(String, i64)>,
    subscribed: i64,
    may_write: bool,
    sending_ready: bool,
    /// The edit form: the workspace's lists (id, name), the chosen one, the text.
    lists: Vec<(i64, String)>,
    list_id: i64,
    edit_subject: String,
    body: String,
    edit_rate: String,
    tests: Vec<TestLine>,
    test_to: String,
    error: Option<String>,
}

/// What the team typed, shown again with a problem.
#[derive(Default)]
struct Typed {
    form: Option<CampaignForm>,
    test_to: String,
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    id: i64,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let Some((campaign, stats, links)) = state.store.campaign(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let lists = state.store.newsletter_lists(w.workspace.id).await?;
    let (list, subscribed) = lists
        .iter()
        .find(|(l, _)| l.id == campaign.list_id)
        .map(|(l, n)| (l.name.clone(), n.subscribed))
        .unwrap_or_default();
    let tz = &w.workspace.timezone;
    let tests = state
        .store
        .test_sends(w.workspace.id, id, i64::MAX, 20)
        .await?
        .into_iter()
        .map(|t| TestLine {
            email: t.email,
            who: t.requested_by,
            when: format_time(w.ctx.tr, t.sent_at.unwrap_or(t.created_at), tz),
            status_key: format!("newsletter.test_status_{}", t.status),
            error: t.last_error,
        })
        .collect();
    let (list_id, edit_subject, body, edit_rate) = match typed.form {
        Some(f) => (f.list, f.subject, f.body, f.rate),
        None => (
            campaign.list_id,
            campaign.subject.clone(),
            campaign.body_markdown.clone(),
            campaign.rate_per_minute.to_string(),
        ),
    };
    let template = CampaignTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        id,
        subject: campaign.subject,
        list,
        state_key: format!("newsletter.state_{}", campaign.state),
        state: campaign.state,
        rate: campaign.rate_per_minute,
        author: campaign.author,
        started: campaign
            .started_at
            .map(|t| format_time(w.ctx.tr, t, tz))
            .unwrap_or_default(),
        finished: campaign
            .finished_at
            .map(|t| format_time(w.ctx.tr, t, tz))
            .unwrap_or_default(),
        recipients: stats.recipients,
        queued: stats.queued,
        sent: stats.sent,
        bounced: stats.bounced,
        failed: stats.failed,
        clicks: stats.clicks,
        links: links.into_iter().map(|l| (l.url, l.clicks)).collect(),
        subscribed,
        may_write: w.role.can(Permission::Publish),
        sending_ready: state.newsletter_wake.is_some(),
        lists: lists.iter().map(|(l, _)| (l.id, l.name.clone())).collect(),
        list_id,
        edit_subject,
        body,
        edit_rate,
        tests,
        test_to: typed.test_to,
        error,
    };
    if template.error.is_some() {
        render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn campaign_page(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    page(&state, &w, id, Typed::default(), None).await
}

/// Saves a draft's new list, subject, text and rate.
pub async fn edit(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<CampaignForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let checked = match check(&state, &w, &form).await? {
        Ok(checked) => checked,
        Err(key) => {
            let message = tr.t(key).to_owned();
            let typed = Typed {
                form: Some(form),
                ..Typed::default()
            };
            return page(&state, &w, id, typed, Some(message)).await;
        }
    };
    match state
        .store
        .edit_campaign(&jardinier_store::CampaignEdit {
            workspace_id: w.workspace.id,
            campaign_id: id,
            list_id: form.list,
            subject: &checked.subject,
            body_markdown: &checked.body,
            rate_per_minute: checked.rate,
        })
        .await
    {
        Ok(_) => {}
        Err(jardinier_store::StoreError::Refused(_)) => {
            let message = tr.t("newsletter.already_sent").to_owned();
            return page(&state, &w, id, Typed::default(), Some(message)).await;
        }
        Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    Ok(redirect(&format!(
        "/w/{}/publishing/newsletters/campaigns/{id}?done=newsletter_campaign_saved",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    to: String,
}

/// Sends the campaign, as it is now, to up to five addresses.
pub async fn test_send(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<TestForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let typed = |form: &TestForm| Typed {
        form: None,
        test_to: form.to.clone(),
    };
    let Some(wake) = state.newsletter_wake.clone() else {
        let message = tr.t("newsletter.no_smtp").to_owned();
        return page(&state, &w, id, typed(&form), Some(message)).await;
    };
    let addresses = match test_addresses(&form.to) {
        Ok(addresses) => addresses,
        Err((key, arg)) => {
            let message = tr.f(key, &[("address", arg.as_str()), ("max", arg.as_str())]);
            return page(&state, &w, id, typed(&form), Some(message)).await;
        }
    };
    match state
        .store
        .queue_test_sends(
            w.workspace.id,
            id,
            &addresses,
            &w.user.display_name,
            unix_now(),
        )
        .await
    {
        Ok(_) => {}
        Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    wake.notify_one();
    Ok(redirect(&format!(
        "/w/{}/publishing/newsletters/campaigns/{id}?done=newsletter_test_queued#tests",
        w.workspace.slug
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_addresses_are_checked_deduplicated_and_bounded() {
        assert_eq!(
            test_addresses("Lea@example.fr, sam@example.org;\nlea@example.fr"),
            Ok(vec!["lea@example.fr".into(), "sam@example.org".into()])
        );
        assert_eq!(
            test_addresses("lea@example.fr, pas-une-adresse"),
            Err((
                "newsletter.test_address_invalid",
                "pas-une-adresse".to_owned()
            ))
        );
        assert_eq!(
            test_addresses("  "),
            Err(("newsletter.test_no_address", String::new()))
        );
        let six = (0..6)
            .map(|n| format!("p{n}@example.fr"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            test_addresses(&six),
            Err(("newsletter.test_too_many", "5".to_owned()))
        );
    }
}
