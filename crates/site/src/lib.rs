//! The community's public site (issue 16): each workspace's forum as its members see it —
//! categories, topics, replies, member accounts (sign-up with a verified address, sign-in, the
//! charter), in French and English, readable without JavaScript.
//!
//! It is served under `/c/{workspace}/`, or on a host name of its own: [`in_front_of`] puts it
//! before the team's workbench and sends it every request for `/c/…` or for a community's host;
//! everything else goes on to the workbench. Its cookies, CSRF tokens and error pages are its
//! own ([`context`]); members never reach the workbench's pages through it.
//!
//! Handlers stay thin: the rules (who may read and post, the charter, pages of a topic, safe
//! Markdown) are `jardinier_community`'s, the storage `jardinier_store::CommunityStore`.

mod account;
pub mod anon_cache;
pub mod archive_import;
pub mod cards;
pub mod context;
mod edit;
mod error;
mod feeds;
pub mod images;
pub mod listen;
pub mod notify;
mod pages;
pub mod screening;
pub mod search;
mod tags;
mod topic_actions;
mod write;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jardinier_store::Store;
use tower::ServiceExt;

pub use error::SiteError;

/// What the site needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Jardinier's own address (no trailing slash): a community without a host of its own is at
    /// `{base_url}/c/{workspace}/`.
    pub base_url: String,
    /// Mark cookies `Secure` (HTTPS only).
    pub secure_cookies: bool,
    /// The demo keeps mail locally: pages say where the verification e-mail can be read.
    pub mail_log: bool,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client.
    pub trusted_proxies: jardinier_domain::client_address::TrustedProxies,
    /// Sign-ups one network address may make in a minute (a burst, then one every
    /// `60 / n` seconds).
    pub signups_per_minute: u32,
    /// The media folder: members' images are under `community/{workspace}/`.
    pub media_dir: std::path::PathBuf,
    /// Addresses inside the network that link previews may still be read from (an intranet's
    /// pages; tests). Every other private or reserved address is refused.
    pub card_addresses_allowed: Vec<std::net::IpAddr>,
    /// How long a page for visitors who are not signed in is kept (`anon_cache`); zero: never.
    pub anonymous_cache: Duration,
}

impl SiteConfig {
    pub fn new(base_url: &str) -> SiteConfig {
        let base_url = base_url.trim_end_matches('/').to_owned();
        SiteConfig {
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            mail_log: false,
            trusted_proxies: Default::default(),
            signups_per_minute: 5,
            media_dir: std::path::PathBuf::from("media"),
            card_addresses_allowed: Vec::new(),
            anonymous_cache: Duration::ZERO,
        }
    }
}

pub struct SiteState {
    pub store: Arc<dyn Store>,
    pub config: SiteConfig,
    /// Notified when a request enqueues mail, so the mail worker delivers it at once.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Listening's pipeline: members' posts go through it (`None`: they are not listened to).
    pub ingestor: Option<Arc<jardinier_listening::Ingestor>>,
    /// Host name → workspace slug, with when it was read.
    hosts: Mutex<(Option<Instant>, HostNames)>,
    /// Jardinier's own host name (from `base_url`): the workbench's, never a community's.
    own_host: String,
    /// Sign-ups per network address, and e-mails sent per address.
    pub(crate) signups: Mutex<jardinier_domain::rate::RateLimiter>,
    pub(crate) mails: Mutex<jardinier_domain::rate::RateLimiter>,
    /// Images sent per writer.
    pub(crate) uploads: Mutex<jardinier_domain::rate::RateLimiter>,
    /// Link previews read lately.
    pub(crate) cards: cards::CardCache,
    /// Pages kept for visitors who are not signed in.
    pub(crate) anon: anon_cache::AnonCache,
}

impl SiteState {
    pub fn new(
        store: Arc<dyn Store>,
        config: SiteConfig,
        mail_wake: Arc<tokio::sync::Notify>,
        ingestor: Option<Arc<jardinier_listening::Ingestor>>,
    ) -> SharedSite {
        Arc::new(SiteState {
            anon: anon_cache::AnonCache::new(config.anonymous_cache),
            signups: Mutex::new(jardinier_domain::rate::RateLimiter::new(
                config.signups_per_minute,
            )),
            // Three e-mails a minute to one address, then one every 20 seconds.
            mails: Mutex::new(jardinier_domain::rate::RateLimiter::new(3)),
            uploads: Mutex::new(jardinier_domain::rate::RateLimiter::new(
                images::UPLOADS_PER_MINUTE,
            )),
            own_host: config
                .base_url
                .split("://")
                .nth(1)
                .and_then(|rest| rest.split(['/', ':']).next())
                .unwrap_or_default()
                .to_ascii_lowercase(),
            store,
            config,
            mail_wake,
            ingestor,
            hosts: Mutex::new((None, Vec::new())),
            cards: Default::default(),
        })
    }

    /// The workspace whose community is served on `host`, if any. Jardinier's own host name is
    /// never a community's; other names are read from the store at most every 30 seconds, or
    /// every 2 seconds while a name is unknown (one just set in the workbench applies at once).
    async fn slug_for_host(&self, host: &str) -> Option<String> {
        let host = host
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if host.is_empty() || host == self.own_host {
            return None;
        }
        let find = |hosts: &[(String, String)]| {
            hosts
                .iter()
                .find(|(h, _)| *h == host)
                .map(|(_, slug)| slug.clone())
        };
        let (found, age) = {
            let hosts = self.hosts.lock().expect("hosts lock");
            (find(&hosts.1), hosts.0.map(|at| at.elapsed()))
        };
        let stale = match (&found, age) {
            (_, None) => true,
            (Some(_), Some(age)) => age > Duration::from_secs(30),
            (None, Some(age)) => age > Duration::from_secs(2),
        };
        if !stale {
            return found;
        }
        match self.store.community_hosts().await {
            Ok(hosts) => {
                let found = find(&hosts);
                *self.hosts.lock().expect("hosts lock") = (Some(Instant::now()), hosts);
                found
            }
            Err(error) => {
                tracing::error!(%error, "could not read the communities' host names");
                found
            }
        }
    }
}

pub type SharedSite = Arc<SiteState>;

/// (host name, workspace slug) of every community served on a host of its own.
type HostNames = Vec<(String, String)>;

/// The site's routes, under `/c/{workspace}`.
pub fn router(state: SharedSite) -> Router {
    let community = Router::new()
        .route("/", get(pages::home))
        .route("/categories/{slug}", get(pages::category))
        .route("/t/{id}", get(pages::topic))
        .route("/t/{id}/{slug}", get(pages::topic))
        .route("/t/{id}/{slug}/{number}", get(pages::post_link))
        .route("/t/{id}/reply", post(write::reply))
        .route(
            "/t/{id}/posts/{number}/edit",
            get(edit::edit_form).post(edit::save_edit),
        )
        .route("/t/{id}/posts/{number}/revisions", get(edit::revisions))
        .route("/t/{id}/posts/{number}/delete", post(edit::delete))
        .route("/t/{id}/posts/{number}/react", post(topic_actions::react))
        .route("/t/{id}/accept", post(topic_actions::accept_answer))
        .route("/t/{id}/vote", post(topic_actions::vote))
        .route("/t/{id}/latest.json", get(topic_actions::latest))
        .route("/t/{id}/manage", post(topic_actions::manage))
        .route("/new", get(write::new_topic_form).post(write::new_topic))
        .route("/appeal", post(screening::appeal))
        .route("/u/{handle}", get(pages::profile))
        .route("/mentions", get(pages::complete_handles))
        .route("/search", get(search::search))
        .route(
            "/images",
            get(images::form).post(images::upload).layer(upload_limit()),
        )
        .route("/images/{file}", get(images::file))
        .route(
            "/account/avatar",
            post(images::avatar).layer(upload_limit()),
        )
        .route("/tags/{tag}", get(tags::tag))
        .route("/signup", get(account::signup_form).post(account::signup))
        .route("/signup/sent", get(account::signup_sent))
        .route("/verify/{token}", get(account::verify))
        .route("/signin", get(account::signin_form).post(account::signin))
        .route("/signin/{token}", get(account::signin_link))
        .route("/signout", post(account::signout))
        .route(
            "/charter",
            get(account::charter).post(account::accept_charter),
        )
        .route("/lang", post(account::set_lang))
        .route("/notifications", get(notify::notifications))
        .route("/t/{id}/watch", post(notify::watch))
        .route(
            "/unsubscribe/{token}",
            get(notify::unsubscribe_form).post(notify::unsubscribe),
        )
        .route(
            "/account",
            get(account::account).post(account::save_account),
        )
        .route("/account/export", get(account::export))
        .route("/account/delete", post(account::delete))
        .route("/feed.atom", get(feeds::community_feed))
        .route("/categories/{slug}/feed.atom", get(feeds::category_feed))
        .route("/t/{id}/feed.atom", get(feeds::topic_feed))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/robots.txt", get(feeds::robots))
        .route("/theme.css", get(pages::theme))
        .route("/site.css", get(pages::stylesheet))
        .route("/site.js", get(pages::script))
        .route("/icon.svg", get(pages::icon))
        .fallback(error::not_found);
    Router::new()
        // The home is `/c/{workspace}/` (nesting answers `/c/{workspace}` alone).
        .route("/c/{workspace}/", get(pages::home))
        .nest("/c/{workspace}", community)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::layer,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// An image and its form around it; the CSRF layer reads the same bound.
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(context::MULTIPART_LIMIT)
}

/// The site's own security headers: its pages load nothing from elsewhere, and are never framed.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Puts the community site in front of the workbench: requests for `/c/…`, and every request
/// whose host is a community's own, go to the site; the rest to `workbench`.
pub fn in_front_of(workbench: Router, state: SharedSite) -> Router {
    let site = router(state.clone());
    workbench.layer(axum::middleware::from_fn(
        move |mut req: Request, next: Next| {
            let site = site.clone();
            let state = state.clone();
            async move {
                let host = req
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned);
                let own_host = match &host {
                    Some(host) => state.slug_for_host(host).await,
                    None => None,
                };
                if let Some(slug) = own_host {
                    // The community's own address: `/t/1` is `/c/{slug}/t/1` inside.
                    let path_and_query = req
                        .uri()
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_else(|| "/".to_owned());
                    let inner = format!("/c/{slug}{path_and_query}");
                    if let Ok(uri) = inner.parse() {
                        *req.uri_mut() = uri;
                        req.extensions_mut().insert(context::OwnHost(slug));
                    }
                    return site.oneshot(req).await.into_response();
                }
                if req.uri().path().starts_with("/c/") {
                    return site.oneshot(req).await.into_response();
                }
                next.run(req).await
            }
        },
    ))
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
