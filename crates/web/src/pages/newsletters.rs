//! Newsletters: lists with double opt-in and their sign-up form, campaigns written in Markdown
//! with a preview, sending (through `jardinier_outbound::newsletter`), and statistics. The
//! public side (`/n/…`) works without an account: the sign-up form (embeddable on the brand's
//! site), the confirmation link, the unsubscribe link (also one-click, RFC 8058) and counted
//! links. Those capability links carry their own token, so `/n/` needs no CSRF token.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jardinier_domain::{Email, Permission};
use jardinier_i18n::{Lang, Tr};
use jardinier_newsletter::{Footer, links, render as render_mail};
use jardinier_store::{NewCampaign, NewList, NewSubscriber, NewsletterList, Subscribed};
use serde::Deserialize;

use super::{Chrome, format_time, redirect, render};
use crate::context::{InWorkspace, RequestCtx};
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// Sends per minute when the form does not say.
pub const DEFAULT_RATE_PER_MINUTE: i64 = 600;
/// Addresses added at once from the team's form.
const MAX_ADDED_AT_ONCE: usize = 5_000;

pub struct ListLine {
    pub id: i64,
    pub name: String,
    pub signup_url: String,
    pub embed: String,
    pub pending: i64,
    pub subscribed: i64,
    pub unsubscribed: i64,
    pub bounced: i64,
}

pub struct CampaignLine {
    pub id: i64,
    pub subject: String,
    pub list: String,
    pub state: String,
    pub started: String,
    pub recipients: i64,
    pub sent: i64,
    pub bounced: i64,
    pub failed: i64,
    pub clicks: i64,
}

#[derive(Template)]
#[template(path = "newsletters.html")]
struct NewslettersTemplate {
    c: Chrome,
    ws_slug: String,
    lists: Vec<ListLine>,
    campaigns: Vec<CampaignLine>,
    may_write: bool,
    sending_ready: bool,
    error: Option<String>,
    default_rate: i64,
}

fn signup_url(state: &SharedState, list: &NewsletterList) -> String {
    format!("{}/n/{}", state.config.base_url, list.public_id)
}

/// The HTML a brand pastes into its site: a plain form posting to the sign-up address.
fn embed_snippet(tr: &Tr, url: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{url}\">\n  <label>{} <input type=\"email\" name=\"email\" required></label>\n  \
         <input type=\"text\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\" style=\"display:none\">\n  \
         <button type=\"submit\">{}</button>\n</form>",
        tr.t("newsletter.signup_email"),
        tr.t("newsletter.signup_button")
    )
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
) -> Result<Response, WebError> {
    let lists = state.store.newsletter_lists(w.workspace.id).await?;
    let name_of = |id: i64| {
        lists
            .iter()
            .find(|(l, _)| l.id == id)
            .map(|(l, _)| l.name.clone())
            .unwrap_or_default()
    };
    let campaigns = state
        .store
        .campaigns(w.workspace.id)
        .await?
        .into_iter()
        .map(|(c, s)| CampaignLine {
            id: c.id,
            list: name_of(c.list_id),
            subject: c.subject,
            state: c.state,
            started: c
                .started_at
                .map(|t| format_time(w.ctx.tr, t, &w.workspace.timezone))
                .unwrap_or_default(),
            recipients: s.recipients,
            sent: s.sent,
            bounced: s.bounced,
            failed: s.failed,
            clicks: s.clicks,
        })
        .collect();
    let tr = w.ctx.tr;
    let template = NewslettersTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        lists: lists
            .iter()
            .map(|(l, n)| {
                let url = signup_url(state, l);
                ListLine {
                    id: l.id,
                    name: l.name.clone(),
                    embed: embed_snippet(
                        &Tr::new(Lang::parse(&l.language).unwrap_or(tr.lang)),
                        &url,
                    ),
                    signup_url: url,
                    pending: n.pending,
                    subscribed: n.subscribed,
                    unsubscribed: n.unsubscribed,
                    bounced: n.bounced,
                }
            })
            .collect(),
        campaigns,
        may_write: w.role.can(Permission::Publish),
        sending_ready: state.newsletter_wake.is_some(),
        error,
        default_rate: DEFAULT_RATE_PER_MINUTE,
    };
    if template.error.is_some() {
        super::render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn newsletters(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    page(&state, &w, None).await
}

#[derive(Deserialize)]
pub struct ListForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    from_name: String,
    #[serde(default)]
    from_address: String,
    #[serde(default)]
    footer: String,
    #[serde(default)]
    language: String,
}

pub async fn create_list(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<ListForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let name = form.name.trim();
    let from_name = form.from_name.trim();
    let footer = form.footer.trim();
    let problem = if name.is_empty() || name.chars().count() > 120 {
        Some("newsletter.list_name_invalid")
    } else if Email::parse("from_address", form.from_address.trim()).is_err() {
        Some("newsletter.from_invalid")
    } else if from_name.is_empty() {
        Some("newsletter.from_name_missing")
    } else if footer.is_empty() {
        Some("newsletter.footer_missing")
    } else {
        None
    };
    if let Some(key) = problem {
        return page(&state, &w, Some(tr.t(key).to_owned())).await;
    }
    let language = Lang::parse(&form.language).unwrap_or(tr.lang);
    let public_id = crate::auth::random_token()[..24].to_owned();
    state
        .store
        .create_list(&NewList {
            workspace_id: w.workspace.id,
            name,
            public_id: &public_id,
            from_name,
            from_address: form.from_address.trim(),
            footer,
            language: language.code(),
            now: unix_now(),
        })
        .await?;
    super::audit_in(&state, &w, "newsletter_list_created", name).await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/newsletters?done=newsletter_saved",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    addresses: String,
    /// The team has each person's consent: subscribed at once, no confirmation mail.
    #[serde(default)]
    consent: Option<String>,
}

/// Adds addresses from the team: with consent on record they are subscribed at once; otherwise
/// each gets the confirmation mail (double opt-in), exactly as from the sign-up form.
pub async fn add_subscribers(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<AddForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let Some(list) = state.store.newsletter_list(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let lines: Vec<&str> = form
        .addresses
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() || lines.len() > MAX_ADDED_AT_ONCE {
        return page(
            &state,
            &w,
            Some(tr.t("newsletter.addresses_count").to_owned()),
        )
        .await;
    }
    // Every address is checked before any is added: a typo on line 40 adds nothing.
    for (n, line) in lines.iter().enumerate() {
        if Email::parse("email", line).is_err() {
            let n = (n + 1).to_string();
            return page(
                &state,
                &w,
                Some(tr.f(
                    "newsletter.address_invalid",
                    &[("line", n.as_str()), ("address", line)],
                )),
            )
            .await;
        }
    }
    let consent = form.consent.is_some();
    for line in lines {
        subscribe_one(
            &state,
            &list,
            line,
            if consent { "team" } else { "form" },
            !consent,
        )
        .await?;
    }
    super::audit_in(&state, &w, "newsletter_addresses_added", &list.name).await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/newsletters?done=newsletter_saved",
        w.workspace.slug
    )))
}

/// Adds one address; with `double_opt_in`, a new or returning address is sent the confirmation
/// link (nothing is sent to an address already on the list). Returns what happened.
pub(crate) async fn subscribe_one(
    state: &SharedState,
    list: &NewsletterList,
    email: &str,
    source: &str,
    double_opt_in: bool,
) -> Result<Subscribed, WebError> {
    let confirm = crate::auth::random_token();
    let confirm_hash = crate::auth::token_hash(&confirm);
    let now = unix_now();
    let outcome = state
        .store
        .subscribe(&NewSubscriber {
            list_id: list.id,
            email,
            source,
            confirm_token_hash: double_opt_in.then_some(confirm_hash.as_str()),
            unsubscribe_token: &crate::auth::random_token(),
            now,
        })
        .await?;
    if let Subscribed::Added(subscriber) = &outcome
        && subscriber.status == "pending"
    {
        let tr = Tr::new(Lang::parse(&list.language).unwrap_or_default());
        let link = format!("{}/n/c/{confirm}", state.config.base_url);
        let args = [("list", list.name.as_str()), ("link", link.as_str())];
        state
            .store
            .enqueue_mail(&jardinier_store::NewMail {
                idempotency_key: &format!("newsletter-confirm:{confirm_hash}"),
                to: &subscriber.email,
                subject: &tr.f("mail.newsletter_confirm.subject", &args),
                body_text: &tr.f("mail.newsletter_confirm.body", &args),
                created_at: now,
                list_unsubscribe: None,
            })
            .await?;
        state.mail_wake.notify_one();
    }
    Ok(outcome)
}

#[derive(Template)]
#[template(path = "newsletter_list.html")]
struct ListTemplate {
    c: Chrome,
    ws_slug: String,
    name: String,
    subscribers: Vec<(String, String, String, String)>,
}

/// A list's addresses (personal data: the team that writes, not clients).
pub async fn list_page(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let Some(list) = state.store.newsletter_list(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let tz = &w.workspace.timezone;
    let subscribers = state
        .store
        .subscribers(w.workspace.id, id, 1_000)
        .await?
        .into_iter()
        .map(|s| {
            (
                s.email,
                s.status,
                s.source,
                format_time(w.ctx.tr, s.confirmed_at.unwrap_or(s.created_at), tz),
            )
        })
        .collect();
    render(ListTemplate {
        c: Chrome::workspace(&w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        name: list.name,
        subscribers,
    })
}

#[derive(Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub(crate) list: i64,
    #[serde(default)]
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) body: String,
    #[serde(default)]
    pub(crate) rate: String,
}

pub async fn create_campaign(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<CampaignForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let checked = match super::newsletter_campaigns::check(&state, &w, &form).await? {
        Ok(checked) => checked,
        Err(key) => return page(&state, &w, Some(tr.t(key).to_owned())).await,
    };
    let campaign = state
        .store
        .create_campaign(&NewCampaign {
            workspace_id: w.workspace.id,
            list_id: form.list,
            subject: &checked.subject,
            body_markdown: &checked.body,
            rate_per_minute: checked.rate,
            author: &w.user.display_name,
            now: unix_now(),
        })
        .await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/newsletters/campaigns/{}",
        w.workspace.slug, campaign.id
    )))
}

/// The campaign as subscribers will see it, for the preview frame: its own restrictive policy
/// (inline styles of the e-mail allowed, no scripts, framed by this site only).
pub async fn campaign_preview(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let Some((campaign, _, _)) = state.store.campaign(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let Some(list) = state
        .store
        .newsletter_list(w.workspace.id, campaign.list_id)
        .await?
    else {
        return Err(WebError::NotFound);
    };
    let tr = Tr::new(Lang::parse(&list.language).unwrap_or_default());
    let out = render_mail(
        &campaign.body_markdown,
        &campaign.subject,
        &Footer {
            list_name: &list.name,
            text: &list.footer,
            unsubscribe_label: tr.t("newsletter.unsubscribe_link"),
            unsubscribe_url: "#",
            lang: tr.code(),
        },
        |url| url.to_owned(),
    );
    let mut response = axum::response::Html(out.html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(response)
}

/// Starts sending: one send per subscribed address, spread at the campaign's rate.
pub async fn send_campaign(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let Some(wake) = state.newsletter_wake.clone() else {
        return page(
            &state,
            &w,
            Some(w.ctx.tr.t("newsletter.no_smtp").to_owned()),
        )
        .await;
    };
    let Some((campaign, _, _)) = state.store.campaign(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    let tokens: Vec<(String, String)> = links(&campaign.body_markdown)
        .into_iter()
        .map(|url| (url, crate::auth::random_token()[..20].to_owned()))
        .collect();
    match state
        .store
        .start_campaign(w.workspace.id, id, &tokens, unix_now())
        .await
    {
        Ok(_) => {}
        Err(jardinier_store::StoreError::Refused(_)) => {
            return page(
                &state,
                &w,
                Some(w.ctx.tr.t("newsletter.already_sent").to_owned()),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    wake.notify_one();
    super::audit_in(&state, &w, "newsletter_sent", &campaign.subject).await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/newsletters/campaigns/{id}",
        w.workspace.slug
    )))
}

// ---------------------------------------------------------------------------------------------
// The public side.

#[derive(Template)]
#[template(path = "newsletter_public.html")]
struct PublicTemplate {
    c: Chrome,
    /// signup, confirm, unsubscribe
    mode: &'static str,
    title_key: String,
    list: String,
    action: String,
    email: String,
    error: Option<String>,
}

/// The reader's page in the list's language.
fn in_list_language(ctx: &RequestCtx, list: &NewsletterList) -> RequestCtx {
    let mut ctx = ctx.clone();
    if let Some(lang) = Lang::parse(&list.language) {
        ctx.tr = Tr::new(lang);
    }
    ctx
}

pub async fn signup_page(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(public_id): Path<String>,
) -> Result<Response, WebError> {
    let Some(list) = state.store.list_by_public_id(&public_id).await? else {
        return Err(WebError::NotFound);
    };
    let ctx = in_list_language(&ctx, &list);
    render(PublicTemplate {
        c: Chrome::new(&ctx),
        mode: "signup",
        title_key: "newsletter.public_signup_title".to_owned(),
        action: format!("/n/{public_id}"),
        list: list.name,
        email: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    /// Hidden from people; robots fill it in.
    #[serde(default)]
    website: String,
}

pub async fn signup(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(public_id): Path<String>,
    Form(form): Form<SignupForm>,
) -> Result<Response, WebError> {
    let Some(list) = state.store.list_by_public_id(&public_id).await? else {
        return Err(WebError::NotFound);
    };
    let ctx = in_list_language(&ctx, &list);
    let email = form.email.trim();
    if Email::parse("email", email).is_err() {
        return super::render_invalid(PublicTemplate {
            c: Chrome::new(&ctx),
            mode: "signup",
            title_key: "newsletter.public_signup_title".to_owned(),
            action: format!("/n/{public_id}"),
            list: list.name,
            email: email.chars().take(200).collect(),
            error: Some(ctx.tr.t("newsletter.signup_invalid").to_owned()),
        });
    }
    // A robot, or a person: the page says the same (nothing tells whether an address is on the
    // list), and a robot's address gets no mail.
    if form.website.trim().is_empty() {
        subscribe_one(&state, &list, email, "form", true).await?;
    }
    super::message(
        &ctx,
        "newsletter.check_mail_title",
        ctx.tr
            .f("newsletter.check_mail", &[("list", list.name.as_str())]),
        None,
    )
}

pub async fn confirm_page(
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    // GET only shows a button: mail scanners open links, people press buttons.
    render(PublicTemplate {
        c: Chrome::new(&ctx),
        mode: "confirm",
        title_key: "newsletter.public_confirm_title".to_owned(),
        action: format!("/n/c/{token}"),
        list: String::new(),
        email: String::new(),
        error: None,
    })
}

pub async fn confirm(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match state
        .store
        .confirm_subscription(&crate::auth::token_hash(&token), unix_now())
        .await?
    {
        Some((_, list)) => {
            let ctx = in_list_language(&ctx, &list);
            super::message(
                &ctx,
                "newsletter.confirmed_title",
                ctx.tr
                    .f("newsletter.confirmed", &[("list", list.name.as_str())]),
                None,
            )
        }
        None => super::gone(&ctx, "newsletter.confirm", ("/", "error_page.home")),
    }
}

pub async fn unsubscribe_page(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some((subscriber, list)) = state.store.subscriber_by_unsubscribe_token(&token).await?
    else {
        return Err(WebError::NotFound);
    };
    let ctx = in_list_language(&ctx, &list);
    let mode = if subscriber.status == "unsubscribed" {
        "unsubscribed"
    } else {
        "unsubscribe"
    };
    render(PublicTemplate {
        c: Chrome::new(&ctx),
        title_key: format!("newsletter.public_{mode}_title"),
        mode,
        action: format!("/n/u/{token}"),
        list: list.name,
        email: subscriber.email,
        error: None,
    })
}

/// Unsubscribes: from the page's button, or one-click from the mail client (RFC 8058 POSTs
/// `List-Unsubscribe=One-Click` to the link of the header).
pub async fn unsubscribe(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some((_, list)) = state.store.subscriber_by_unsubscribe_token(&token).await? else {
        return Err(WebError::NotFound);
    };
    state.store.unsubscribe(&token, unix_now()).await?;
    let ctx = in_list_language(&ctx, &list);
    super::message(
        &ctx,
        "newsletter.unsubscribed_title",
        ctx.tr
            .f("newsletter.unsubscribed", &[("list", list.name.as_str())]),
        None,
    )
}

/// A counted link: one more click, then on to the address. Nothing about the reader is kept.
pub async fn click(
    State(state): State<SharedState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match state.store.click(&token).await? {
        Some(url) => Ok((
            StatusCode::FOUND,
            [
                (header::LOCATION, url),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::REFERRER_POLICY, "no-referrer".to_owned()),
            ],
        )
            .into_response()),
        None => Err(WebError::NotFound),
    }
}
