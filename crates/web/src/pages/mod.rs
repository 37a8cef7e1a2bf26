//! Server-rendered pages. Every template gets a [`Chrome`]: the translator, the CSRF token, the
//! signed-in user, the workspace switcher and the navigation. Templates hold no literal text:
//! every word comes from the catalogues through `c.t`.

mod account;
mod alerts;
mod auth;
mod auth_link;
mod community;
mod community_export;
mod community_figures;
pub(crate) mod dashboard;
pub(crate) mod inbox;
mod moderation;
pub use inbox::label_name;
pub use inbox_replies::{ReplyRefused, accept_reply};
pub use inbox_sla::default_policy as default_sla_policy;
pub use jardinier_query::search_groups;
mod crisis;
mod inbox_details;
mod inbox_replies;
mod inbox_side;
pub(crate) mod inbox_sla;
pub(crate) mod listening;
mod listening_bulk;
mod members;
pub(crate) mod newsletter_campaigns;
mod newsletters;
mod oncall;
pub(crate) mod publishing;
pub(crate) mod publishing_approval;
mod publishing_calendar;
mod publishing_connect;
mod publishing_edit;
pub(crate) mod publishing_media;
pub(crate) mod publishing_results;
mod settings;
mod settings_networks;
mod settings_webhooks;
mod sla_form;
pub(crate) use inbox_replies::check_saved_reply;
pub(crate) use newsletters::{DEFAULT_RATE_PER_MINUTE, subscribe_one};
pub(crate) use settings_webhooks::check_url as check_webhook_url;
mod workspace;

/// What the API shares with the pages: creating an invitation.
pub mod settings_api {
    pub use super::settings::{InviteError, create_invitation};
}

use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use jardinier_domain::{Role, Section, ValidationErrors};
use jardinier_i18n::Tr;
use jardinier_store::{User, Workspace};

use crate::SharedState;
use crate::context::{InWorkspace, RequestCtx};
use crate::error::{ErrorKind, WebError};

/// Routes whose bodies may be larger than the 1 MB every other request gets: uploads to the
/// media library (their own limit, `WebConfig::max_upload_bytes`).
pub fn upload_routes() -> Router<SharedState> {
    Router::new().route(
        "/w/{slug}/publishing/media",
        post(publishing_media::upload).layer(axum::extract::DefaultBodyLimit::disable()),
    )
}

pub fn routes() -> Router<SharedState> {
    Router::new()
        .merge(community::routes())
        .route("/", get(workspace::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/login/link", get(auth_link::ask_form).post(auth_link::ask))
        .route(
            "/login/link/{token}",
            get(auth_link::use_form).post(auth_link::use_link),
        )
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::set_lang))
        .route(
            "/password/forgot",
            get(auth::forgot_form).post(auth::forgot),
        )
        .route(
            "/password/reset/{token}",
            get(auth::reset_form).post(auth::reset),
        )
        .route(
            "/invite/{token}",
            get(auth::invitation_page).post(auth::accept_invitation),
        )
        .route("/dev/mail", get(settings::mail_log))
        .route(
            "/account",
            get(account::account_page).post(account::update_profile),
        )
        .route("/account/password", post(account::change_password))
        .route(
            "/workspaces",
            get(workspace::workspaces_page).post(workspace::create_workspace),
        )
        .route("/switch", get(workspace::switch))
        .route("/w/{slug}", get(workspace::overview))
        .route("/w/{slug}/work.json", get(crate::work::work_json))
        .route(
            "/w/{slug}/settings",
            get(settings::settings_page).post(settings::update_workspace),
        )
        .route("/w/{slug}/settings/team", get(settings::team_page))
        .route(
            "/w/{slug}/settings/networks",
            get(settings_networks::networks_page),
        )
        .route(
            "/w/{slug}/settings/networks/{network}",
            post(settings_networks::save_keys),
        )
        .route("/w/{slug}/settings/team/invite", post(settings::invite))
        .route(
            "/w/{slug}/settings/team/{user_id}/role",
            post(settings::change_role),
        )
        .route(
            "/w/{slug}/settings/team/{user_id}/remove",
            post(settings::remove_member),
        )
        .route(
            "/w/{slug}/settings/invitations/{id}/revoke",
            post(settings::revoke_invitation),
        )
        .route(
            "/w/{slug}/settings/webhooks",
            get(settings_webhooks::webhooks_page).post(settings_webhooks::create),
        )
        .route(
            "/w/{slug}/settings/webhooks/{id}",
            get(settings_webhooks::log_page),
        )
        .route(
            "/w/{slug}/settings/webhooks/{id}/action",
            post(settings_webhooks::act),
        )
        .route(
            "/w/{slug}/settings/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(settings_webhooks::redeliver),
        )
        .route(
            "/w/{slug}/settings/tokens",
            get(settings::tokens_page).post(settings::create_token),
        )
        .route(
            "/w/{slug}/settings/tokens/{id}/revoke",
            post(settings::revoke_token),
        )
        .route("/w/{slug}/settings/audit", get(settings::audit_page))
        .route("/w/{slug}/listening", get(listening::stream))
        .route(
            "/w/{slug}/listening/items/{id}/sentiment",
            post(listening::correct_sentiment),
        )
        .route(
            "/w/{slug}/listening/queries",
            get(listening::queries_page).post(listening::save_query),
        )
        .route(
            "/w/{slug}/listening/queries/{id}/archive",
            post(listening::archive_query),
        )
        .route("/w/{slug}/listening/check", get(listening::check_query))
        .route("/w/{slug}/listening/bulk", post(listening_bulk::bulk))
        .route(
            "/w/{slug}/listening/sources",
            get(listening::sources_page).post(listening::create_webhook_source),
        )
        .route(
            "/w/{slug}/listening/sources/{id}/enabled",
            post(listening::set_source_enabled),
        )
        .route(
            "/w/{slug}/listening/sources/feeds",
            post(listening::create_feed_source),
        )
        .route(
            "/w/{slug}/listening/sources/social",
            post(listening::create_social_source),
        )
        .route(
            "/w/{slug}/listening/sources/imap",
            post(listening::create_imap_source),
        )
        .route("/w/{slug}/inbox", get(inbox::inbox))
        .route("/w/{slug}/inbox/bulk", post(inbox::bulk))
        .route("/w/{slug}/inbox/views", post(inbox::save_view))
        .route(
            "/w/{slug}/inbox/views/{id}/delete",
            post(inbox::delete_view),
        )
        .route(
            "/w/{slug}/inbox/rules",
            get(inbox::rules_page).post(inbox::save_rule),
        )
        .route(
            "/w/{slug}/inbox/rules/{id}/delete",
            post(inbox::delete_rule),
        )
        .route(
            "/w/{slug}/inbox/saved-replies",
            get(inbox_replies::saved_replies).post(inbox_replies::save_saved_reply),
        )
        .route(
            "/w/{slug}/inbox/saved-replies/{id}/delete",
            post(inbox_replies::delete_saved_reply),
        )
        .route(
            "/w/{slug}/inbox/replies/{id}/decide",
            post(inbox_replies::decide_reply),
        )
        .route("/w/{slug}/publishing", get(publishing::publishing))
        .route(
            "/w/{slug}/publishing/channels",
            post(publishing::add_channel),
        )
        .route("/w/{slug}/publishing/posts", post(publishing::add_post))
        .route("/w/{slug}/publishing/check", get(publishing::check_text))
        .route("/w/{slug}/publishing/card", get(publishing::link_card))
        .route(
            "/w/{slug}/publishing/calendar",
            get(publishing_calendar::calendar),
        )
        .route(
            "/w/{slug}/publishing/calendar.csv",
            get(publishing_calendar::export_csv),
        )
        .route(
            "/w/{slug}/publishing/calendar/import",
            post(publishing_calendar::import_csv),
        )
        .route(
            "/w/{slug}/publishing/calendar/feed",
            post(publishing_calendar::new_feed),
        )
        .route("/ical/{file}", get(publishing_calendar::feed))
        .route("/s/{code}", get(publishing::short_link))
        .route(
            "/w/{slug}/publishing/results",
            get(publishing_results::results),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}",
            get(publishing::post_page),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/edit",
            get(publishing_edit::edit).post(publishing_edit::save),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/unschedule",
            post(publishing_edit::unschedule),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/delete",
            post(publishing_edit::delete),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/vote",
            post(publishing_approval::vote),
        )
        .route("/w/{slug}/publishing/media", get(publishing_media::library))
        .route(
            "/w/{slug}/publishing/media/{id}/file",
            get(publishing_media::file),
        )
        .route(
            "/w/{slug}/publishing/media/{id}/alt",
            post(publishing_media::set_alt),
        )
        .route(
            "/w/{slug}/publishing/connect/{network}",
            get(publishing_connect::connect),
        )
        .route("/oauth/callback", get(publishing_connect::callback))
        .route(
            "/m/{workspace}/{sha}",
            get(publishing_connect::public_media),
        )
        .route(
            "/w/{slug}/publishing/queue",
            get(publishing::queue).post(publishing::add_slots),
        )
        .route(
            "/w/{slug}/publishing/queue/{id}/delete",
            post(publishing::delete_slot),
        )
        .route(
            "/w/{slug}/publishing/approvals",
            get(publishing_approval::policy).post(publishing_approval::save_policy),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/retry",
            post(publishing::retry),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/comments",
            post(publishing::comment),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/approval",
            post(publishing_approval::request_approval),
        )
        .route(
            "/w/{slug}/publishing/posts/{id}/revoke",
            post(publishing::revoke_approval),
        )
        .route(
            "/approve/{token}/media/{id}",
            get(publishing::approval_media),
        )
        .route(
            "/approve/{token}",
            get(publishing::approval_page).post(publishing::approval_decide),
        )
        .route(
            "/w/{slug}/publishing/newsletters",
            get(newsletters::newsletters),
        )
        .route(
            "/w/{slug}/publishing/newsletters/lists",
            post(newsletters::create_list),
        )
        .route(
            "/w/{slug}/publishing/newsletters/lists/{id}",
            get(newsletters::list_page),
        )
        .route(
            "/w/{slug}/publishing/newsletters/lists/{id}/subscribers",
            post(newsletters::add_subscribers),
        )
        .route(
            "/w/{slug}/publishing/newsletters/campaigns",
            post(newsletters::create_campaign),
        )
        .route(
            "/w/{slug}/publishing/newsletters/campaigns/{id}",
            get(newsletter_campaigns::campaign_page),
        )
        .route(
            "/w/{slug}/publishing/newsletters/campaigns/{id}/edit",
            post(newsletter_campaigns::edit),
        )
        .route(
            "/w/{slug}/publishing/newsletters/campaigns/{id}/test",
            post(newsletter_campaigns::test_send),
        )
        .route(
            "/w/{slug}/publishing/newsletters/campaigns/{id}/preview",
            get(newsletters::campaign_preview),
        )
        .route(
            "/w/{slug}/publishing/newsletters/campaigns/{id}/send",
            post(newsletters::send_campaign),
        )
        .route(
            "/n/{public_id}",
            get(newsletters::signup_page).post(newsletters::signup),
        )
        .route(
            "/n/c/{token}",
            get(newsletters::confirm_page).post(newsletters::confirm),
        )
        .route(
            "/n/u/{token}",
            get(newsletters::unsubscribe_page).post(newsletters::unsubscribe),
        )
        .route("/n/l/{token}", get(newsletters::click))
        .route("/w/{slug}/members", get(members::members))
        .route("/w/{slug}/members/merge", post(members::merge))
        .route(
            "/w/{slug}/members/merges/{id}/undo",
            post(members::undo_merge),
        )
        .route("/w/{slug}/members/{id}", get(members::member))
        .route(
            "/w/{slug}/members/{id}/identities",
            post(members::add_identity),
        )
        .route(
            "/w/{slug}/members/{id}/identities/{identity}/delete",
            post(members::remove_identity),
        )
        .route("/w/{slug}/members/{id}/edit", post(members::edit))
        .route("/w/{slug}/members/{id}/notes", post(members::note))
        .route("/w/{slug}/members/{id}/export", get(members::export))
        .route("/w/{slug}/members/{id}/erase", post(members::erase))
        .route(
            "/w/{slug}/inbox/report",
            get(inbox_sla::report_get).post(inbox_sla::save_policy),
        )
        .route("/w/{slug}/inbox/live", get(inbox::live_list))
        .route("/w/{slug}/inbox/{id}/live", get(inbox::live_conversation))
        .route("/w/{slug}/inbox/{id}", get(inbox::conversation))
        .route("/w/{slug}/inbox/{id}/change", post(inbox::change))
        .route(
            "/w/{slug}/inbox/{id}/details",
            post(inbox_details::save_details),
        )
        .route(
            "/w/{slug}/inbox/{id}/reply/insert",
            post(inbox_details::insert_saved_reply),
        )
        .route(
            "/w/{slug}/inbox/{id}/saved/{saved}",
            get(inbox_details::saved_reply_text),
        )
        .route(
            "/w/{slug}/inbox/{id}/reply",
            post(inbox_replies::send_reply),
        )
        .route(
            "/w/{slug}/listening/items/{id}/inbox",
            post(inbox::send_item),
        )
        .route("/w/{slug}/listening/alerts", get(alerts::alerts_page))
        .route(
            "/w/{slug}/settings/oncall",
            get(oncall::page).post(oncall::save),
        )
        .route("/account/quiet", post(oncall::save_quiet_hours))
        .route("/w/{slug}/listening/dashboard", get(dashboard::dashboard))
        .route(
            "/w/{slug}/listening/export/{format}",
            get(listening::export),
        )
        .route(
            "/w/{slug}/listening/alerts/rules",
            post(alerts::create_rule),
        )
        .route(
            "/w/{slug}/listening/alerts/rules/{id}/delete",
            post(alerts::delete_rule),
        )
        .route(
            "/w/{slug}/listening/alerts/{id}/ack",
            post(alerts::acknowledge),
        )
        .route("/w/{slug}/listening/alerts/{id}", get(crisis::crisis))
        .route(
            "/w/{slug}/listening/alerts/{id}/assign",
            post(crisis::assign),
        )
        .route(
            "/w/{slug}/listening/alerts/{id}/statement",
            post(crisis::statement),
        )
        .route(
            "/alerts/ack/{token}",
            get(alerts::ack_page).post(alerts::ack),
        )
        .route("/dev/hooks", get(alerts::dev_hooks_page))
        .route("/dev/hooks/{name}", post(alerts::dev_hook))
        .route("/w/{slug}/{section}", get(workspace::section))
}

pub struct NavItem {
    pub href: String,
    pub key: &'static str,
    pub active: bool,
}

/// What the layout needs on every page.
pub struct Chrome {
    pub t: Tr,
    pub csrf: String,
    pub path: String,
    pub user: Option<User>,
    pub workspace: Option<Workspace>,
    pub workspaces: Vec<Workspace>,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
    pub mail_log: bool,
    pub version: &'static str,
}

impl Chrome {
    pub fn new(ctx: &RequestCtx) -> Chrome {
        // `?done=key` after a redirect shows `flash.key`, if the catalogue knows it.
        let flash = ctx
            .path
            .split_once('?')
            .and_then(|(_, query)| {
                form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "done")
            })
            .map(|(_, v)| format!("flash.{v}"))
            .filter(|key| ctx.tr.has(key))
            .map(|key| ctx.tr.t(&key).to_owned());
        Chrome {
            t: ctx.tr,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user: ctx.user.clone(),
            workspace: None,
            workspaces: Vec::new(),
            nav: Vec::new(),
            flash,
            mail_log: ctx.mail_log,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// The chrome inside a workspace: switcher and the sections this role may open.
    pub fn workspace(w: &InWorkspace, active: &str) -> Chrome {
        let mut chrome = Chrome::new(&w.ctx);
        let base = format!("/w/{}", w.workspace.slug);
        chrome.nav.push(NavItem {
            href: base.clone(),
            key: "nav.overview",
            active: active == "overview",
        });
        for section in Section::ALL {
            if w.role.can(section.permission()) {
                chrome.nav.push(NavItem {
                    href: format!("{base}/{}", section.slug()),
                    key: section_key(section),
                    active: active == section.slug(),
                });
            }
        }
        chrome.nav.push(NavItem {
            href: format!("{base}/settings"),
            key: "nav.settings",
            active: active == "settings",
        });
        chrome.workspace = Some(w.workspace.clone());
        chrome.workspaces = w.workspaces.iter().map(|(ws, _)| ws.clone()).collect();
        chrome
    }
}

pub fn section_key(section: Section) -> &'static str {
    match section {
        Section::Inbox => "nav.inbox",
        Section::Listening => "nav.listening",
        Section::Publishing => "nav.publishing",
        Section::Community => "nav.community",
        Section::Members => "nav.members",
        Section::Animation => "nav.animation",
        Section::Reports => "nav.reports",
    }
}

pub fn role_key(role: &Role) -> &'static str {
    match role {
        Role::Owner => "role.owner",
        Role::Manager => "role.manager",
        Role::Editor => "role.editor",
        Role::Moderator => "role.moderator",
        Role::Analyst => "role.analyst",
        Role::Client => "role.client",
    }
}

/// The catalogue key naming a kind of identity (e-mail, Mastodon…).
pub fn identity_kind_key(kind: &str) -> &'static str {
    match kind {
        "email" => "members.identity_email",
        "mastodon" => "members.identity_mastodon",
        "bluesky" => "members.identity_bluesky",
        "website" => "members.identity_website",
        "community" => "members.identity_community",
        _ => "members.identity_handle",
    }
}

/// The catalogue key naming a source's kind.
pub fn source_kind_key(kind: &str) -> &'static str {
    match kind {
        "feed" => "listening.source_kind_feed",
        "mastodon" => "listening.source_kind_mastodon",
        "bluesky" => "listening.source_kind_bluesky",
        "reddit" => "listening.source_kind_reddit",
        "hackernews" => "listening.source_kind_hackernews",
        "imap" => "listening.source_kind_imap",
        "import" => "listening.source_kind_import",
        "demo" => "listening.source_kind_demo",
        "demo-mastodon" => "listening.source_kind_demo_mastodon",
        "demo-mail" => "listening.source_kind_demo_mail",
        _ => "listening.source_kind_webhook",
    }
}

pub fn listening_sentiment_key(sentiment: &str) -> &'static str {
    match sentiment {
        "positive" => "listening.positive",
        "negative" => "listening.negative",
        _ => "listening.neutral",
    }
}

/// A mention's language as people say it ("Français", "Inconnue"), never its code.
pub fn listening_lang_key(lang: &str) -> &'static str {
    match lang {
        "fr" => "listening.lang_fr",
        "en" => "listening.lang_en",
        _ => "listening.lang_unknown",
    }
}

pub fn listening_kind_key(kind: &str) -> &'static str {
    match kind {
        "competitor" => "listening.kind_competitor",
        "product" => "listening.kind_product",
        "person" => "listening.kind_person",
        "topic" => "listening.kind_topic",
        _ => "listening.kind_brand",
    }
}

pub fn rule_kind_key(kind: &str) -> &'static str {
    match kind {
        "negative_spike" => "alerts.kind_negative_spike",
        "keyword" => "alerts.kind_keyword",
        "high_reach" => "alerts.kind_high_reach",
        _ => "alerts.kind_volume_spike",
    }
}

pub fn mail_status_key(status: &jardinier_store::MailStatus) -> &'static str {
    match status {
        jardinier_store::MailStatus::Pending => "mail_log.pending",
        jardinier_store::MailStatus::Sent => "mail_log.sent",
        jardinier_store::MailStatus::Logged => "mail_log.logged",
        jardinier_store::MailStatus::Failed => "mail_log.failed",
    }
}

pub use jardinier_webkit::format::{format_hm, format_time, iso_day, rfc3339};

pub fn render(template: impl Template) -> Result<Response, WebError> {
    Ok(Html(template.render()?).into_response())
}

/// Renders a form again with its errors, with 422 so scripts and tests can tell.
pub fn render_invalid(template: impl Template) -> Result<Response, WebError> {
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(template.render()?),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    c: Chrome,
    status: u16,
    title: String,
    text: String,
}

/// The error page for `kind`, in the reader's language.
pub fn error_page(ctx: &RequestCtx, kind: ErrorKind) -> Response {
    let c = Chrome::new(ctx);
    let template = ErrorTemplate {
        status: kind.status().as_u16(),
        title: ctx
            .tr
            .t(&format!("error_page.{}.title", kind.key()))
            .to_owned(),
        text: ctx
            .tr
            .t(&format!("error_page.{}.text", kind.key()))
            .to_owned(),
        c,
    };
    match template.render() {
        Ok(html) => (kind.status(), Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "could not render the error page");
            kind.status().into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessageTemplate {
    pub c: Chrome,
    pub title: String,
    pub text: String,
    pub link: Option<(String, String)>,
}

/// A page that says one thing ("check your mailbox"), with an optional link onwards.
pub fn message(
    ctx: &RequestCtx,
    title_key: &str,
    text: String,
    link: Option<(&str, &str)>,
) -> Result<Response, WebError> {
    render(MessageTemplate {
        c: Chrome::new(ctx),
        title: ctx.tr.t(title_key).to_owned(),
        text,
        link: link.map(|(href, key)| (href.to_owned(), ctx.tr.t(key).to_owned())),
    })
}

/// Redirect target after a form: a path on this site as a browser would read it, else the home
/// page (see [`jardinier_domain::redirect`]). A bad `next` is ignored, never an error.
pub fn safe_next(next: &str) -> String {
    jardinier_domain::redirect::local_path(next).unwrap_or_else(|| "/".to_owned())
}

pub fn no_errors() -> ValidationErrors {
    ValidationErrors::default()
}

/// Records who did what in a workspace. `action` names a catalogue entry `audit_action.*`.
pub async fn audit(
    state: &SharedState,
    workspace_id: Option<i64>,
    actor_id: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<(), WebError> {
    state
        .store
        .record_audit(&jardinier_store::NewAudit {
            workspace_id,
            actor_id,
            action,
            detail,
            at: crate::unix_now(),
        })
        .await?;
    Ok(())
}

/// Records an action of the signed-in member in their workspace.
pub async fn audit_in(
    state: &SharedState,
    w: &InWorkspace,
    action: &str,
    detail: &str,
) -> Result<(), WebError> {
    audit(state, Some(w.workspace.id), Some(w.user.id), action, detail).await
}

/// A page for a link that worked once and no longer does (410 Gone), with a way onwards.
pub fn gone(ctx: &RequestCtx, prefix: &str, link: (&str, &str)) -> Result<Response, WebError> {
    let text = ctx.tr.t(&format!("{prefix}.invalid")).to_owned();
    let mut response = message(ctx, &format!("{prefix}.invalid_title"), text, Some(link))?;
    *response.status_mut() = axum::http::StatusCode::GONE;
    Ok(response)
}

pub fn redirect(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use jardinier_i18n::{Lang, Tr};

    /// Every literal key a template or handler asks for exists in the catalogues, so no page
    /// ever shows a raw key. (Keys built at run time, like `section.{slug}.planned_{n}`, are
    /// covered by the browser test and the section pages' tests.)
    #[test]
    fn every_literal_key_in_templates_and_code_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        let mut sources = Vec::new();
        for folder in ["templates", "src", "src/pages"] {
            for entry in std::fs::read_dir(format!("{dir}{folder}")).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    sources.push((
                        path.display().to_string(),
                        std::fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
        let tr = Tr::new(Lang::En);
        let mut checked = 0;
        for (file, text) in &sources {
            for piece in text.split('"').skip(1).step_by(2) {
                let looks_like_key = piece.contains('.')
                    && piece.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    })
                    && [
                        "nav.",
                        "role.",
                        "field.",
                        "error.",
                        "login.",
                        "forgot.",
                        "reset.",
                        "invite.",
                        "mail.",
                        "workspaces.",
                        "overview.",
                        "section.",
                        "settings.",
                        "common.",
                        "team.",
                        "tokens.",
                        "audit.",
                        "account.",
                        "mail_log.",
                        "shell.",
                        "a11y.",
                        "error_page.",
                        "flash.",
                    ]
                    .iter()
                    .any(|prefix| piece.starts_with(prefix));
                if looks_like_key && !piece.ends_with('.') && !piece.ends_with(".html") {
                    assert!(
                        tr.has(piece),
                        "{file} uses the unknown catalogue key {piece:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 150,
            "only {checked} keys found: is the scan still looking at the templates?"
        );
    }
}

/// A count with the reader's digit grouping: "1 000" (narrow no-break space) in French,
/// "1,000" in English.
pub fn format_count(t: &jardinier_i18n::Tr, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let separator = if t.code() == "fr" { "\u{202f}" } else { "," };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn counts_are_grouped_as_each_language_writes_them() {
        let fr = jardinier_i18n::Tr::new(jardinier_i18n::Lang::Fr);
        let en = jardinier_i18n::Tr::new(jardinier_i18n::Lang::En);
        assert_eq!(super::format_count(&fr, 1_000), "1\u{202f}000");
        assert_eq!(super::format_count(&en, 1_234_567), "1,234,567");
        assert_eq!(super::format_count(&en, 999), "999");
        assert_eq!(super::format_count(&fr, -12_000), "-12\u{202f}000");
    }
}
